package contract

import (
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxWalkDepth bounds the walk: the vendors' bodies are a few levels deep, and a recursive schema
// must not recurse forever on a hostile body.
const maxWalkDepth = 64

// UndeclaredFields calls found for every object member of value that its schema does not declare,
// with the JSON pointer of the object (array positions as "*") and the member's name.
//
// kin-openapi accepts undeclared properties unless additionalProperties is false, and the specs
// leave it open (vendors add fields; a client must not break on them). Drift wants to know all
// the same: a field the vendor sends and the spec does not name is drift, to document or to
// baseline. A member is declared when the schema, any allOf member, or any oneOf/anyOf branch
// (leniently: the branch that matched is not known here) names it; an object whose schema names
// no property at all, or allows additional properties explicitly, is free-form and never
// reported.
func UndeclaredFields(value any, ref *openapi3.SchemaRef, pointer string, found func(pointer, name string)) {
	walk(value, ref, pointer, found, 0)
}

func walk(value any, ref *openapi3.SchemaRef, pointer string, found func(pointer, name string), depth int) {
	if ref == nil || ref.Value == nil || depth > maxWalkDepth {
		return
	}
	switch v := value.(type) {
	case map[string]any:
		props, open, extra := declared(ref.Value, 0)
		// Nothing declared at all: a free-form object by intent.
		open = open || (len(props) == 0 && extra == nil)
		for _, k := range slices.Sorted(maps.Keys(v)) {
			child := v[k]
			if p, ok := props[k]; ok {
				walk(child, p, pointer+"/"+EscapePointer(k), found, depth+1)
				continue
			}
			if extra != nil {
				walk(child, extra, pointer+"/"+EscapePointer(k), found, depth+1)
				continue
			}
			if !open {
				found(pointer, k)
			}
		}
	case []any:
		items := itemsOf(ref.Value, 0)
		for _, item := range v {
			// Array positions are one pointer segment "*", so one undeclared field in every item
			// of a list is one finding, not one per item.
			walk(item, items, pointer+"/*", found, depth+1)
		}
	}
}

// declared collects the properties a schema declares, through allOf, oneOf and anyOf. open is
// true when some part allows additional properties explicitly (additionalProperties: true);
// extra is the additionalProperties schema, when there is one.
func declared(s *openapi3.Schema, depth int) (props openapi3.Schemas, open bool, extra *openapi3.SchemaRef) {
	props = openapi3.Schemas{}
	if depth > maxWalkDepth {
		return props, true, nil
	}
	maps.Copy(props, s.Properties)
	if ap := s.AdditionalProperties; ap.Schema != nil {
		extra = ap.Schema
	} else if ap.Has != nil && *ap.Has {
		open = true
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range group {
			if sub == nil || sub.Value == nil {
				continue
			}
			p, o, e := declared(sub.Value, depth+1)
			for k, v := range p {
				if _, ok := props[k]; !ok {
					props[k] = v
				}
			}
			open = open || o
			if extra == nil {
				extra = e
			}
		}
	}
	return props, open, extra
}

// itemsOf is the items schema of an array schema, seen through allOf/oneOf/anyOf wrappers.
func itemsOf(s *openapi3.Schema, depth int) *openapi3.SchemaRef {
	if s.Items != nil || depth > maxWalkDepth {
		return s.Items
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range group {
			if sub != nil && sub.Value != nil {
				if it := itemsOf(sub.Value, depth+1); it != nil {
					return it
				}
			}
		}
	}
	return nil
}

// EscapePointer writes a member name as a JSON pointer segment (RFC 6901).
func EscapePointer(k string) string {
	out := make([]byte, 0, len(k))
	for i := 0; i < len(k); i++ {
		switch k[i] {
		case '~':
			out = append(out, '~', '0')
		case '/':
			out = append(out, '~', '1')
		default:
			out = append(out, k[i])
		}
	}
	return string(out)
}
