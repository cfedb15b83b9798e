package framework

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
)

// UpdateField is one property an update operation's request body may carry, found by walking the
// body's schema: what the suite's round-trip specs send, one spec each, so that a property added
// to the spec is covered without a line of Go.
type UpdateField struct {
	// Name is the property's wire name.
	Name string
	// Schema is the property's schema (allOf parts merged, references resolved).
	Schema *openapi3.Schema
	// MediaType is the first request media type (in byte order) whose schema carries the property.
	MediaType string
	// Required is true when the record's schema requires the property in every update.
	Required bool
	// Option is true for a property of the body outside the record: the body holds a list of
	// records (iovox's <contact> elements) and the property sits beside it (rm_rules), setting how
	// the update applies rather than a value to store.
	Option bool
	// Dictionary is true for an object whose keys are data, not schema (additionalProperties
	// without properties: Which50's Values, keyed by the fields of a list's own schema).
	Dictionary bool
	// Container names the property holding the records when the body holds a list of them
	// ("contact"), for the records' properties and the options beside them alike; else "".
	Container string
}

// UpdateFields walks the request body schemas of operationID in doc and returns every property an
// update may carry, sorted by name. When the body holds a property that is a list of objects, those
// objects are the records and their properties are returned, along with the body's other
// properties as options; otherwise the body itself is the record.
func UpdateFields(doc *openapi3.T, operationID string) ([]UpdateField, error) {
	var op *openapi3.Operation
	for _, o := range specs.Operations(doc) {
		if o.Operation.OperationID == operationID {
			op = o.Operation
		}
	}
	if op == nil {
		return nil, fmt.Errorf("no operation %q", operationID)
	}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, fmt.Errorf("%s takes no request body", operationID)
	}
	media := make([]string, 0, len(op.RequestBody.Value.Content))
	for mt := range op.RequestBody.Value.Content {
		media = append(media, mt)
	}
	sort.Strings(media)
	seen := map[string]bool{}
	var out []UpdateField
	add := func(f UpdateField) {
		if !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f)
		}
	}
	for _, mt := range media {
		ref := op.RequestBody.Value.Content[mt].Schema
		if ref == nil || ref.Value == nil {
			continue
		}
		body := Merged(ref.Value)
		container := ""
		for _, name := range sortedKeys(body.Properties) {
			p := Merged(body.Properties[name].Value)
			if p.Type.Is(openapi3.TypeArray) && p.Items != nil && p.Items.Value != nil && len(Merged(p.Items.Value).Properties) > 0 {
				container = name
			}
		}
		record := body
		if container != "" {
			record = Merged(Merged(body.Properties[container].Value).Items.Value)
			for _, name := range sortedKeys(body.Properties) {
				if name != container {
					add(UpdateField{Name: name, Schema: Merged(body.Properties[name].Value), MediaType: mt, Option: true, Container: container})
				}
			}
		}
		for _, name := range sortedKeys(record.Properties) {
			p := Merged(record.Properties[name].Value)
			add(UpdateField{Name: name, Schema: p, MediaType: mt, Required: slices.Contains(record.Required, name),
				Dictionary: p.Type.Is(openapi3.TypeObject) && len(p.Properties) == 0 && p.AdditionalProperties.Schema != nil,
				Container:  container})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Merged returns s with its allOf parts folded in: properties, required names, and the first
// type, format, pattern, enum, bounds and example any part gives. The result is a new schema; s
// and the document stay untouched (they are shared, read-only).
func Merged(s *openapi3.Schema) *openapi3.Schema {
	if s == nil {
		return &openapi3.Schema{}
	}
	if len(s.AllOf) == 0 {
		return s
	}
	out := *s
	out.AllOf = nil
	out.Properties = openapi3.Schemas{}
	for k, v := range s.Properties {
		out.Properties[k] = v
	}
	out.Required = slices.Clone(s.Required)
	for _, part := range s.AllOf {
		if part == nil || part.Value == nil {
			continue
		}
		p := Merged(part.Value)
		for k, v := range p.Properties {
			if _, ok := out.Properties[k]; !ok {
				out.Properties[k] = v
			}
		}
		out.Required = append(out.Required, p.Required...)
		if out.Type == nil || len(*out.Type) == 0 {
			out.Type = p.Type
		}
		if out.Format == "" {
			out.Format = p.Format
		}
		if out.Pattern == "" {
			out.Pattern = p.Pattern
		}
		if len(out.Enum) == 0 {
			out.Enum = p.Enum
		}
		if out.Items == nil {
			out.Items = p.Items
		}
		if out.Example == nil {
			out.Example = p.Example
		}
		if out.Description == "" {
			out.Description = p.Description
		}
		out.Nullable = out.Nullable || p.Nullable
		if out.MinLength == 0 {
			out.MinLength = p.MinLength
		}
		if out.MaxLength == nil {
			out.MaxLength = p.MaxLength
		}
		if out.Min == nil {
			out.Min = p.Min
		}
		if out.Max == nil {
			out.Max = p.Max
		}
		if out.AdditionalProperties.Schema == nil {
			out.AdditionalProperties = p.AdditionalProperties
		}
	}
	return &out
}

func sortedKeys(m openapi3.Schemas) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ValueFor returns a value of schema s, as JSON-shaped data (string, float64, bool, []any,
// map[string]any), that validates against s and differs from stored: the value a round-trip spec
// sends. Candidates, in order: the enum's members; the schema's example; given (what the target
// already holds elsewhere, in other stored records, which is how a value that must name existing
// data, an address id, is found; then the property's values in the spec's request examples);
// then values generated from the type, format, pattern and bounds. The first that kin-openapi
// accepts, that is not empty or null, and that is not already stored wins. A schema no candidate
// fits is an error naming the property's constraints, so that a property added with a new kind
// of constraint fails its spec loudly instead of being skipped.
func ValueFor(s *openapi3.Schema, stored any, given []any) (any, error) {
	s = Merged(s)
	var candidates []any
	candidates = append(candidates, s.Enum...)
	if s.Example != nil {
		candidates = append(candidates, s.Example)
	}
	candidates = append(candidates, given...)
	candidates = append(candidates, generated(s)...)
	stored = jsonShaped(stored)
	for _, c := range candidates {
		c = jsonShaped(c)
		if _, text := c.(string); !text && s.Type.Is(openapi3.TypeString) && c != nil {
			// A stored record may hold as a number what the request sends as text (Valomnia's
			// customerId, a form field, is stored and answered as a number).
			if _, obj := c.(map[string]any); !obj {
				if _, list := c.([]any); !list {
					c = fmt.Sprint(c)
				}
			}
		}
		if isEmpty(c) || Contains(stored, c) {
			continue
		}
		if err := s.VisitJSON(c); err != nil {
			continue
		}
		return c, nil
	}
	return nil, fmt.Errorf("no value of type %v (format %q, pattern %q, enum %v) other than %v fits the schema",
		typesOf(s), s.Format, s.Pattern, s.Enum, stored)
}

func typesOf(s *openapi3.Schema) []string {
	if s.Type == nil {
		return nil
	}
	return *s.Type
}

// generated are values made from a schema's type, format, pattern and bounds alone.
func generated(s *openapi3.Schema) []any {
	switch {
	case s.Type.Is(openapi3.TypeBoolean):
		return []any{true, false}
	case s.Type.Is(openapi3.TypeInteger):
		var out []any
		if s.Min != nil {
			out = append(out, *s.Min, *s.Min+1)
		}
		if s.Max != nil {
			out = append(out, *s.Max, *s.Max-1)
		}
		return append(out, 1.0, 2.0, 42.0)
	case s.Type.Is(openapi3.TypeNumber):
		var out []any
		if s.Min != nil {
			out = append(out, *s.Min)
		}
		if s.Max != nil {
			out = append(out, *s.Max)
		}
		return append(out, 1.5, 2.5, 42.0)
	case s.Type.Is(openapi3.TypeArray):
		if s.Items == nil || s.Items.Value == nil {
			return []any{[]any{"roundtrip"}}
		}
		var out []any
		for _, item := range generated(Merged(s.Items.Value)) {
			out = append(out, []any{item})
		}
		return out
	case s.Type.Is(openapi3.TypeObject):
		obj := map[string]any{}
		for _, name := range s.Required {
			if p, ok := s.Properties[name]; ok && p.Value != nil {
				if vals := generated(Merged(p.Value)); len(vals) > 0 {
					obj[name] = vals[0]
				}
			}
		}
		if len(obj) == 0 {
			obj["roundtrip"] = "value"
		}
		return []any{obj}
	}
	// Strings, and schemas without a type (Which50's untyped values), which a string fits.
	switch s.Format {
	case "date":
		return []any{"1999-12-31", "1998-06-15"}
	case "date-time":
		return []any{"1999-12-31T12:00:00Z", "1998-06-15T08:30:00Z"}
	case "email":
		return []any{"roundtrip@example.com", "roundtrip.two@example.com"}
	case "iso3166-country":
		return []any{"NZ", "FJ", "FR"}
	case "uri", "url":
		return []any{"https://example.com/roundtrip", "https://example.com/roundtrip2"}
	case "uuid":
		return []any{"6f1c2f3e-8c1a-4d7e-9a53-1f2e3d4c5b6a", "0b8e6a59-3c2d-4f1e-8a7b-9c0d1e2f3a4b"}
	}
	// Shapes common patterns accept: words of letters, digits (an internationalised phone
	// number), upper-case codes, mixed text. Each is checked against the pattern and lengths.
	return []any{"Roundtrip", "Roundtripb", "447700900124", "447700900125", "RT", "RTB", "Roundtrip value 1", "Roundtrip value 2", "1", "2"}
}

// jsonShaped is v as encoding/json decodes it (float64 numbers, []any, map[string]any).
func jsonShaped(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		return v
	}
	return out
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0 || slices.ContainsFunc(x, isEmpty)
	}
	return false
}

// Contains reports whether the stored value holds sent: equal JSON values, or, for a list, every
// item sent among the stored items (a list update may add to the stored list rather than replace
// it, as iovox's replace_details FALSE does). Numbers and text compare by their text when the two
// differ in JSON type, as a form field (text) is answered as a number ("3229" and 3229).
func Contains(stored, sent any) bool {
	stored, sent = jsonShaped(stored), jsonShaped(sent)
	if list, ok := sent.([]any); ok {
		have, ok := stored.([]any)
		if !ok {
			return false
		}
		for _, item := range list {
			if !slices.ContainsFunc(have, func(h any) bool { return sameValue(h, item) }) {
				return false
			}
		}
		return true
	}
	return sameValue(stored, sent)
}

func sameValue(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	_, aObj := a.(map[string]any)
	_, bObj := b.(map[string]any)
	_, aList := a.([]any)
	_, bList := b.([]any)
	if a == nil || b == nil || aObj || bObj || aList || bList {
		return false
	}
	return strings.TrimSpace(fmt.Sprint(a)) == strings.TrimSpace(fmt.Sprint(b))
}
