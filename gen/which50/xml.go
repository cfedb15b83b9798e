package which50

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The DataContract XML of the page's samples: the body's root and its children sit in two
// different namespaces, dictionaries and string arrays in the serializer's Arrays namespace,
// and each dictionary value names its XSD type with xsi:type.
const (
	nsModels = "http://schemas.datacontract.org/2004/07/W50API.Models.DTO"
	nsArrays = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
	nsXSI    = "http://www.w3.org/2001/XMLSchema-instance"
	nsXSD    = "http://www.w3.org/2001/XMLSchema"
)

// encoding/xml has no way to choose an attribute's prefix (it invents "_XMLSchema-instance"), so
// the prefixes of the page's sample are written literally and declared by hand.
func declare(prefix, ns string) xml.Attr {
	return xml.Attr{Name: xml.Name{Local: "xmlns:" + prefix}, Value: ns}
}

// MarshalXML writes the body as the page's XML sample does: root <Contact> in the
// W50API.Models.DTO namespace, whatever start element the caller passes, since that is the
// only name the vendor's DataContract serializer reads.
func (c ContactDTO) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	type plain ContactDTO // the struct's fields and tags, without this method
	start := xml.StartElement{
		Name: xml.Name{Space: nsModels, Local: "Contact"},
		Attr: []xml.Attr{declare("i", nsXSI)},
	}
	return e.EncodeElement(plain(c), start)
}

// MarshalXML writes the dictionary as DataContract does: one KeyValueOfstringanyType per entry
// (sorted by key), each Value typed with xsi:type so the server reads "353871234567" as a
// string and 123456 as an int rather than as empty objects. An empty map value is written as
// an empty Value, the page's sample for `{}`; nil as xsi:nil. Nested objects and lists have no
// form the vendor's Dictionary<string, object> can read without knowing their type, and are
// refused.
func (v ContactValues) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Attr = append(start.Attr, declare("d2p1", nsArrays), declare("i", nsXSI))
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		pair := xml.StartElement{Name: xml.Name{Local: "d2p1:KeyValueOfstringanyType"}}
		if err := e.EncodeToken(pair); err != nil {
			return err
		}
		if err := e.EncodeElement(k, xml.StartElement{Name: xml.Name{Local: "d2p1:Key"}}); err != nil {
			return err
		}
		if err := encodeValue(e, k, v[k]); err != nil {
			return err
		}
		if err := e.EncodeToken(pair.End()); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func encodeValue(e *xml.Encoder, key string, val any) error {
	start := xml.StartElement{Name: xml.Name{Local: "d2p1:Value"}}
	typ, text, err := xsdForm(val)
	if err != nil {
		return fmt.Errorf("value of %q: %w", key, err)
	}
	switch typ {
	case "nil":
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "i:nil"}, Value: "true"}}
	case "":
	default:
		start.Attr = []xml.Attr{declare("d3p1", nsXSD), {Name: xml.Name{Local: "i:type"}, Value: "d3p1:" + typ}}
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if text != "" {
		if err := e.EncodeToken(xml.CharData(text)); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// xsdForm returns a value's XSD type name and lexical form; "" for an empty object, "nil" for
// nil.
func xsdForm(val any) (typ, text string, err error) {
	switch x := val.(type) {
	case nil:
		return "nil", "", nil
	case string:
		return "string", x, nil
	case bool:
		return "boolean", strconv.FormatBool(x), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return xsdForm(i)
		}
		f, err := x.Float64()
		if err != nil {
			return "", "", err
		}
		return xsdForm(f)
	case float32:
		return "float", xsdFloat(float64(x), 32), nil
	case float64:
		return "double", xsdFloat(x, 64), nil
	case time.Time:
		return "dateTime", x.Format(time.RFC3339Nano), nil
	}
	rv := reflect.ValueOf(val)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := rv.Int()
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return "int", strconv.FormatInt(i, 10), nil
		}
		return "long", strconv.FormatInt(i, 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		switch {
		case u <= math.MaxInt32:
			return "int", strconv.FormatUint(u, 10), nil
		case u <= math.MaxInt64:
			return "long", strconv.FormatUint(u, 10), nil
		}
		return "unsignedLong", strconv.FormatUint(u, 10), nil
	case reflect.Map:
		if rv.Len() == 0 {
			return "", "", nil
		}
	}
	return "", "", fmt.Errorf("%T has no DataContract XML form (only strings, numbers, booleans, times, nil and {})", val)
}

func xsdFloat(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'G', -1, bits)
}

// UnmarshalXML reads the DataContract dictionary: each KeyValueOfstringanyType's Value becomes
// the Go value of its xsi:type (string, int64, float64, bool, time.Time), nil for xsi:nil, and
// an empty map[string]any for an untyped empty Value (the page's sample). An untyped Value with
// text is kept as that text.
func (v *ContactValues) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	out := ContactValues{}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "KeyValueOfstringanyType" {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			key, val, err := decodePair(d)
			if err != nil {
				return err
			}
			out[key] = val
		case xml.EndElement:
			*v = out
			return nil
		}
	}
}

func decodePair(d *xml.Decoder) (key string, val any, err error) {
	var haveKey bool
	for {
		tok, err := d.Token()
		if err != nil {
			return "", nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "Key":
				if err := d.DecodeElement(&key, &t); err != nil {
					return "", nil, err
				}
				haveKey = true
			case "Value":
				if val, err = decodeValue(d, t); err != nil {
					return "", nil, err
				}
			default:
				if err := d.Skip(); err != nil {
					return "", nil, err
				}
			}
		case xml.EndElement:
			if !haveKey {
				return "", nil, fmt.Errorf("which50: %s without a Key", t.Name.Local)
			}
			return key, val, nil
		}
	}
}

func decodeValue(d *xml.Decoder, start xml.StartElement) (any, error) {
	var typ string
	for _, a := range start.Attr {
		switch {
		case a.Name.Space == nsXSI && a.Name.Local == "nil" && a.Value == "true":
			return nil, d.Skip()
		case a.Name.Space == nsXSI && a.Name.Local == "type":
			// The QName's prefix is bound on the element or an ancestor the decoder does not
			// expose; DataContract writes primitives in the XSD namespace only.
			typ = a.Value[strings.IndexByte(a.Value, ':')+1:]
		}
	}
	var text string
	var children bool
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text += string(t)
		case xml.StartElement:
			children = true
			if err := d.Skip(); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if children {
				return nil, fmt.Errorf("which50: Value of type %q has child elements, which this client does not read", typ)
			}
			return parseXSD(typ, text)
		}
	}
}

func parseXSD(typ, text string) (any, error) {
	trimmed := strings.TrimSpace(text)
	switch typ {
	case "":
		if trimmed == "" {
			return map[string]any{}, nil
		}
		return text, nil
	case "string", "anyURI", "guid", "char":
		return text, nil
	case "boolean":
		return strconv.ParseBool(trimmed)
	case "int", "long", "short", "byte", "unsignedByte", "unsignedShort", "unsignedInt", "integer":
		return strconv.ParseInt(trimmed, 10, 64)
	case "unsignedLong":
		return strconv.ParseUint(trimmed, 10, 64)
	case "decimal", "double", "float":
		switch trimmed {
		case "INF":
			return math.Inf(1), nil
		case "-INF":
			return math.Inf(-1), nil
		}
		return strconv.ParseFloat(trimmed, 64)
	case "dateTime":
		if t, err := time.Parse(time.RFC3339Nano, trimmed); err == nil {
			return t, nil
		}
		return text, nil // DataContract may omit the zone; the text is all there is to keep
	}
	return text, nil
}

// MarshalXML writes the ids as the vendor's <ArrayOfstring> (page, Response Information,
// application/xml sample), so that a stand-in server can answer as the vendor does.
func (ids EncContactIDs) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{
		Name: xml.Name{Space: nsArrays, Local: "ArrayOfstring"},
		Attr: []xml.Attr{declare("i", nsXSI)},
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, id := range ids {
		// No namespace of its own: the element inherits the root's default namespace.
		if err := e.EncodeElement(id, xml.StartElement{Name: xml.Name{Local: "string"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads <ArrayOfstring><string>id</string>...</ArrayOfstring>. Without it
// encoding/xml decodes the whole root into one string (the whitespace between the elements of
// the page's sample), which is what the generated client's XML200 held.
func (ids *EncContactIDs) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if start.Name.Local != "ArrayOfstring" {
		return fmt.Errorf("which50: expected <ArrayOfstring>, got <%s>", start.Name.Local)
	}
	out := EncContactIDs{}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "string" {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			var s string
			if err := d.DecodeElement(&s, &t); err != nil {
				return err
			}
			out = append(out, s)
		case xml.EndElement:
			*ids = out
			return nil
		}
	}
}
