package auregister

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/internal/country"
)

// Formats of the spec that the vendor checks beyond the JSON type.
const (
	formatDate    = "date"            // ISO 8601 calendar date, YYYY-MM-DD
	formatCountry = "iso3166-country" // the project's format: ISO 3166 code or English name
)

// record is an object as its properties' JSON values, canonical: every value as encoding/json
// writes it, so that equal values have equal bytes.
type record = map[string]json.RawMessage

// schemaChecker judges JSON objects against one object schema of the spec, in the vendor's terms:
// every offending value becomes the catalogue entry that names it. It reads the schema's
// properties (type, nullable, enum, format, items), so no field list is restated here.
type schemaChecker struct {
	name     string
	props    map[string]*openapi3.Schema
	required []string
}

func newSchemaChecker(doc *openapi3.T, name string) (*schemaChecker, error) {
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("the spec has no schema %q", name)
	}
	c := &schemaChecker{name: name, props: map[string]*openapi3.Schema{}, required: ref.Value.Required}
	for prop, s := range ref.Value.Properties {
		if s == nil || s.Value == nil {
			return nil, fmt.Errorf("schema %q: property %q has no schema", name, prop)
		}
		c.props[prop] = s.Value
	}
	return c, nil
}

// object checks a JSON object and returns its declared properties, canonical, or the first
// problem by field name. Properties the schema does not declare are dropped, as kin-openapi
// ignores them (the page's misspelt placeOfIncorportaion is not refused, it does nothing).
// Keys match exactly: Go would bind "FIRSTNAME" to firstName, the vendor's JSON would not.
func (c *schemaChecker) object(raw []byte) (record, *problem) {
	var fields record
	// Only JSON's own white space may precede the object (not a BOM, not U+00A0); null, an
	// array or a string is no object, and trailing data after it is malformed too.
	if start := bytes.TrimLeft(raw, " \t\r\n"); len(start) == 0 || start[0] != '{' || json.Unmarshal(raw, &fields) != nil {
		return nil, &problem{step: stepBody, entry: entryMalformedBody}
	}
	out := record{}
	var ps []problem
	for name, value := range fields {
		s, ok := c.props[name]
		if !ok {
			continue
		}
		canonical, p := checkValue(name, s, value)
		if p != nil {
			ps = append(ps, *p)
			continue
		}
		out[name] = canonical
	}
	if p := first(ps); p != nil {
		return nil, p
	}
	return out, nil
}

// checkValue checks one property's value and returns it canonical. kin-openapi's order is kept:
// an enumeration is checked before the type, so {"sex": 5} is a value not in Male/Female.
func checkValue(field string, s *openapi3.Schema, raw json.RawMessage) (json.RawMessage, *problem) {
	null := string(raw) == "null"
	if null && s.Nullable {
		return raw, nil
	}
	if len(s.Enum) > 0 {
		var v any
		if json.Unmarshal(raw, &v) != nil || !slices.ContainsFunc(s.Enum, func(e any) bool { return reflect.DeepEqual(e, v) }) {
			p := enumProblem(field, s)
			return nil, &p
		}
		return canonical(v), nil
	}
	if null {
		p := typeProblem(field, s)
		return nil, &p
	}
	switch {
	case s.Type.Is(openapi3.TypeString):
		str, plain := plainString(raw)
		if !plain && json.Unmarshal(raw, &str) != nil {
			p := typeProblem(field, s)
			return nil, &p
		}
		if !validFormat(s.Format, str) {
			return nil, formatProblem(field, s)
		}
		if plain {
			return raw, nil // canonical already
		}
		return canonical(str), nil
	case s.Type.Is(openapi3.TypeInteger):
		n, ok := integer(raw)
		if !ok {
			p := typeProblem(field, s)
			return nil, &p
		}
		return canonical(n), nil
	case s.Type.Is(openapi3.TypeArray):
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil || s.Items == nil || s.Items.Value == nil {
			p := typeProblem(field, s)
			return nil, &p
		}
		out := make([]json.RawMessage, len(items))
		for i, item := range items {
			v, p := checkValue(field, s.Items.Value, item)
			if p != nil {
				// The answer names the property, with the array's type: "representativeIds
				// must be of type array of integers".
				tp := typeProblem(field, s)
				return nil, &tp
			}
			out[i] = v
		}
		return canonical(out), nil
	}
	// Types the spec's bodies do not use (boolean, number, object) are taken as they are.
	var v any
	if json.Unmarshal(raw, &v) != nil {
		p := typeProblem(field, s)
		return nil, &p
	}
	return canonical(v), nil
}

// plainString reads a JSON string whose encoding json.Marshal would write the same: printable
// ASCII, nothing it escapes (" \\ < > &). Most values are such strings, and they need neither
// decoding nor encoding again; any other string (escapes, non-ASCII) is left to encoding/json.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return "", false
		}
	}
	return string(inner), true
}

// canonical re-encodes a decoded value. Only strings, integers, slices of canonical values and
// decoded JSON reach it, none of which can fail to encode; the empty result of an impossible
// failure is refused by the caller's next decode rather than stored.
func canonical(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// integer reads a JSON number that is an integer in JSON Schema's sense (1675073, also 1.0 or
// 1e3, which kin-openapi accepts too) and fits int64. Beyond 2^53 only plain digits are exact.
func integer(raw json.RawMessage) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return 0, false
	}
	num, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// validFormat checks the formats the vendor enforces; others (int64, handled by integer) pass.
func validFormat(format, s string) bool {
	switch format {
	case formatDate:
		// A real calendar date in the example's form: 2001-02-30 and 2001-8-1 are refused.
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	case formatCountry:
		_, ok := country.ByCodeOrName(s)
		return ok
	}
	return true
}

// formatProblem is the entry for a value of the wrong format; nil for a format without its own
// entry.
func formatProblem(field string, s *openapi3.Schema) *problem {
	switch s.Format {
	case formatDate:
		return &problem{step: stepBody, entry: entryDate, field: field, args: map[string]string{"field": field}}
	case formatCountry:
		return &problem{step: stepBody, entry: entryCountry, field: field, args: map[string]string{"field": field}}
	}
	return nil
}

func typeProblem(field string, s *openapi3.Schema) problem {
	return problem{step: stepBody, entry: entryFieldType, field: field,
		args: map[string]string{"field": field, "expectedType": expectedType(s)}}
}

func enumProblem(field string, s *openapi3.Schema) problem {
	values := make([]string, 0, len(s.Enum))
	for _, v := range s.Enum {
		// A nullable enumeration lists null (OpenAPI 3.0.3); null is "not recorded", not a value
		// of the page's list.
		if v != nil {
			values = append(values, fmt.Sprint(v))
		}
	}
	// Joined with "/" as the page writes its lists ('Male'/'Female').
	return problem{step: stepBody, entry: entryEnumValue, field: field,
		args: map[string]string{"field": field, "allowedValues": strings.Join(values, "/")}}
}

// expectedType names a schema's type as invalid-field-type's {expectedType} does: "string",
// "integer", "array of integers".
func expectedType(s *openapi3.Schema) string {
	if s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil {
		return "array of " + expectedType(s.Items.Value) + "s"
	}
	if types := s.Type.Slice(); len(types) > 0 {
		return types[0]
	}
	return "value"
}

// mediaTypeProblem refuses a body not sent as a media type the operation declares. Parameters
// are ignored and the type compared without regard to case, as kin-openapi does
// ("application/json; charset=utf-8" passes).
func (b *Backend) mediaTypeProblem(contentType string) *problem {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	for _, want := range b.mediaTypes {
		if strings.EqualFold(mt, want) {
			return nil
		}
	}
	return &problem{step: stepMediaType, entry: entryMediaType}
}

// judgeBody applies the body steps of the order of checks: media type, then syntax and schema.
// It returns the body's declared properties, canonical.
func (b *Backend) judgeBody(contentType string, body []byte) (record, *problem) {
	if p := b.mediaTypeProblem(contentType); p != nil {
		return nil, p
	}
	if len(body) > MaxBodyBytes || !utf8.Valid(body) {
		return nil, &problem{step: stepBody, entry: entryMalformedBody}
	}
	return b.update.object(body)
}
