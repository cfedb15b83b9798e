package contract

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// ToXML writes v, a value in the JSON shape of schema s, as the XML document s describes: the
// inverse of FromXML. The root element is named by s's xml name; properties are written in their
// x-order (then by name), as attributes, the element's text or child elements as their
// generator's xml tags say (the same reading FromXML makes), an array as one element per item.
// Nothing precedes the root element (no XML declaration). Text is escaped as encoding/xml
// escapes it.
func ToXML(s *openapi3.Schema, v any) ([]byte, error) {
	name := xmlRootName(s)
	if name == "" {
		return nil, fmt.Errorf("the schema names no root element (xml.name)")
	}
	var buf bytes.Buffer
	if err := writeElement(&buf, name, s, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeElement(buf *bytes.Buffer, name string, s *openapi3.Schema, v any) error {
	s = unwrap(s)
	obj, isObj := v.(map[string]any)
	if !isObj || !isObject(s) {
		buf.WriteString("<" + name + ">")
		if err := writeText(buf, v); err != nil {
			return fmt.Errorf("<%s>: %w", name, err)
		}
		buf.WriteString("</" + name + ">")
		return nil
	}
	props := orderedProperties(s)
	buf.WriteString("<" + name)
	for _, p := range props {
		if x, ok := obj[p.name]; ok && x != nil && p.attr {
			buf.WriteString(" " + p.xmlName + `="`)
			if err := writeText(buf, x); err != nil {
				return fmt.Errorf("<%s %s>: %w", name, p.xmlName, err)
			}
			buf.WriteString(`"`)
		}
	}
	buf.WriteString(">")
	for _, p := range props {
		x, ok := obj[p.name]
		if !ok || x == nil || p.attr {
			continue
		}
		if p.text {
			if err := writeText(buf, x); err != nil {
				return fmt.Errorf("<%s>: %w", name, err)
			}
			continue
		}
		if items, ok := x.([]any); ok && unwrap(p.schema).Type.Is("array") {
			itemSchema := &openapi3.Schema{}
			if is := unwrap(p.schema).Items; is != nil && is.Value != nil {
				itemSchema = is.Value
			}
			for _, item := range items {
				if err := writeElement(buf, p.xmlName, itemSchema, item); err != nil {
					return err
				}
			}
			continue
		}
		if err := writeElement(buf, p.xmlName, p.schema, x); err != nil {
			return err
		}
	}
	buf.WriteString("</" + name + ">")
	return nil
}

// orderedProperties are s's properties in the order the generator writes them: x-order, then name.
func orderedProperties(s *openapi3.Schema) []property {
	props := slices.Clone(cachedProperties(s))
	order := func(p property) float64 {
		switch n := p.schema.Extensions["x-order"].(type) {
		case float64:
			return n
		case json.Number:
			f, _ := n.Float64()
			return f
		}
		return 1e9
	}
	slices.SortFunc(props, func(a, b property) int {
		return cmp.Or(cmp.Compare(order(a), order(b)), cmp.Compare(a.name, b.name))
	})
	return props
}

func writeText(buf *bytes.Buffer, v any) error {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		s = x.String()
	case bool:
		s = strconv.FormatBool(x)
	default:
		return fmt.Errorf("%T is no XML text", v)
	}
	return xml.EscapeText(buf, []byte(s))
}
