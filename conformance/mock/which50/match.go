package which50

import (
	"cmp"
	"encoding/json"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
)

// fieldSchemas are the schemas of a list field's types (specs/which50.yaml, ContactListField.Type):
// values are converted to their field's type on the way in (which50-values-types, mock.Coerce);
// object takes any value, the type of the page samples' `{}` values
// (which50-values-sample-empty-objects).
var fieldSchemas = map[string]*openapi3.Schema{
	"string": openapi3.NewStringSchema(), "integer": openapi3.NewIntegerSchema(),
	"number": openapi3.NewFloat64Schema(), "boolean": openapi3.NewBoolSchema(), "object": {},
}

// anyValue reports whether a field takes any value (compared by JSON text, not converted).
func anyValue(s *openapi3.Schema) bool { return s.Type == nil }

// matches reports whether a contact's values meet every criterion, each converted by its field's
// type.
func matches(types map[string]*openapi3.Schema, values map[string]any, criteria []criterion) bool {
	for _, cr := range criteria {
		typ, ok := types[cr.name]
		if !ok {
			return false
		}
		stored := values[cr.name]
		if anyValue(typ) {
			if !objectEqual(stored, cr.value, cr.query) {
				return false
			}
			continue
		}
		want := lookupValues(typ, cr)
		if len(want) == 0 || stored != want[0] {
			return false
		}
	}
	return true
}

// objectEqual compares values of an object field by their JSON text; a query's text also matches
// a stored string equal to it.
func objectEqual(stored, want any, query bool) bool {
	a, err := json.Marshal(stored)
	if err != nil {
		return false
	}
	if query {
		s, _ := want.(string)
		if str, ok := stored.(string); ok && str == s {
			return true
		}
		return string(a) == s
	}
	norm, err := mock.Normalize(want)
	if err != nil {
		return false
	}
	b, err := json.Marshal(norm)
	return err == nil && string(a) == string(b)
}

// criterion is one property to match on: a query's text on PATCH, a body value on PUT.
type criterion struct {
	name  string
	value any
	query bool
}

// find looks the criteria up in the list's index, starting from the one fewest contacts hold,
// and keeps the contacts that meet them all. A name outside the schema, or a value that does not
// convert, matches nothing: the no-match entry's resolution points at the schema.
func (a *adapter) find(s *mock.Selection, types map[string]*openapi3.Schema, criteria []criterion) []string {
	var best []string
	for i, cr := range criteria {
		typ, ok := types[cr.name]
		if !ok {
			return nil
		}
		var keys []string
		for _, want := range lookupValues(typ, cr) {
			keys = append(keys, s.Find(a.values+"/*", cr.name, want)...)
		}
		if i == 0 || len(keys) < len(best) {
			best = keys
		}
	}
	var out []string
	for _, key := range best {
		values, _ := s.Record(key)[a.values].(map[string]any)
		if !slices.Contains(out, key) && matches(types, values, criteria) {
			out = append(out, key)
		}
	}
	slices.SortFunc(out, func(x, y string) int {
		return cmp.Compare(s.Record(x)[a.id].(int64), s.Record(y)[a.id].(int64))
	})
	return out
}

// lookupValues are the stored values a criterion can equal, as the index holds them: the
// converted value; for an object field the query's text both as a string and as the JSON it
// spells.
func lookupValues(typ *openapi3.Schema, cr criterion) []any {
	if anyValue(typ) {
		if !cr.query {
			v, err := mock.Normalize(cr.value)
			if err != nil {
				return nil
			}
			return []any{v}
		}
		text, _ := cr.value.(string)
		out := []any{text}
		var v any
		if err := json.Unmarshal([]byte(text), &v); err == nil {
			if n, err := mock.Normalize(v); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	var want any
	var err error
	if cr.query {
		want, err = mock.CoerceText(typ, cr.value.(string))
	} else {
		want, err = mock.Coerce(typ, cr.value)
	}
	if err != nil || want == nil {
		return nil
	}
	return []any{want}
}

// fieldTypes reads a contact list's schema of fields: name to type.
func fieldTypes(list map[string]any) map[string]*openapi3.Schema {
	fields, _ := list[listFields].([]any)
	out := make(map[string]*openapi3.Schema, len(fields))
	for _, f := range fields {
		if m, ok := f.(map[string]any); ok {
			name, _ := m[fieldName].(string)
			typ, _ := m[fieldType].(string)
			if s := fieldSchemas[typ]; s != nil {
				out[name] = s
			}
		}
	}
	return out
}
