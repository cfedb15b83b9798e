package contract

import (
	"net/url"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// decodeFormFast decodes a URL-encoded form body, read into values (url.ParseQuery, err its error),
// as kin-openapi's UrlencodedBodyDecoder does, for
// the plain forms update bodies are: an object schema whose properties (its own and its allOf
// members') are all strings, integers or booleans without composition, no encodings, and every
// declared field sent at most once and not empty. It gives up (ok false) on anything else,
// including a value that does not parse as its type, and the caller then asks kin-openapi, whose
// value and errors stay the reference: this only saves its generic decoders on the common path,
// where they cost more than validating the result. FuzzDecodeFormFast holds it to kin-openapi's
// results.
func decodeFormFast(values url.Values, err error, media *openapi3.MediaType) (map[string]any, bool) {
	if err != nil || len(media.Encoding) > 0 || media.Schema == nil || media.Schema.Value == nil {
		return nil, false
	}
	fields := formFieldsOf(media.Schema.Value)
	if fields == nil {
		return nil, false
	}
	obj := make(map[string]any, len(values))
	for _, f := range fields {
		vs, ok := values[f.name]
		if !ok {
			continue
		}
		if len(vs) != 1 || vs[0] == "" {
			return nil, false // kin-openapi's reading of these has its own rules
		}
		v, ok := primitive(vs[0], f.schema)
		if !ok {
			return nil, false
		}
		obj[f.name] = v
	}
	return obj, true
}

type formField struct {
	name   string
	schema *openapi3.Schema
}

var formFields sync.Map // *openapi3.Schema -> []formField (empty, not nil, for a form that is not plain)

// formFieldsOf lists the fields of a plain form schema (see decodeFormFast); nil for any other.
func formFieldsOf(s *openapi3.Schema) []formField {
	if v, ok := formFields.Load(s); ok {
		if fs := v.([]formField); len(fs) > 0 {
			return fs
		}
		return nil
	}
	seen := map[string]*openapi3.Schema{}
	var fields []formField
	var collect func(s *openapi3.Schema, top bool) bool
	collect = func(s *openapi3.Schema, top bool) bool {
		if len(s.AnyOf)+len(s.OneOf) > 0 || s.Not != nil || top && !s.Type.Is(openapi3.TypeObject) {
			return false
		}
		for _, sub := range s.AllOf {
			if sub.Value == nil || !collect(sub.Value, false) {
				return false
			}
		}
		for name, ref := range s.Properties {
			p := ref.Value
			if !primitiveField(p) {
				return false
			}
			if prev, ok := seen[name]; ok {
				if prev != p {
					return false // two members declare it: kin-openapi may find their values conflict
				}
				continue
			}
			seen[name] = p
			fields = append(fields, formField{name, p})
		}
		return true
	}
	if !collect(s, true) || len(fields) == 0 {
		fields = nil
	}
	stored := fields
	if stored == nil {
		stored = []formField{}
	}
	formFields.Store(s, stored)
	return fields
}

// primitiveField reports whether p is a field of one primitive type that primitive reads (string,
// integer or boolean) without composition: what the fast form readers take.
func primitiveField(p *openapi3.Schema) bool {
	return p != nil && len(p.AllOf)+len(p.AnyOf)+len(p.OneOf) == 0 && p.Not == nil && len(p.Type.Slice()) == 1 &&
		(p.Type.Is(openapi3.TypeString) || p.Type.Is(openapi3.TypeInteger) || p.Type.Is(openapi3.TypeBoolean))
}

// primitive reads raw as kin-openapi's decoding of parameters and form fields reads a value of
// s's type (strconv's integers in base 10, int32 for format int32, its booleans); ok is false
// where that reading fails or s is no string, integer or boolean.
func primitive(raw string, s *openapi3.Schema) (any, bool) {
	switch {
	case s.Type.Is(openapi3.TypeString):
		return raw, true
	case s.Type.Is(openapi3.TypeInteger):
		if s.Format == "int32" {
			n, err := strconv.ParseInt(raw, 10, 32)
			return int32(n), err == nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		return n, err == nil
	case s.Type.Is(openapi3.TypeBoolean):
		b, err := strconv.ParseBool(raw)
		return b, err == nil
	}
	return nil, false
}
