package contract

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// paramsSurelyValid reports whether every parameter of m's operation is clearly valid in r, as
// surelyValid does for body values: a path, query or header parameter in its default style whose
// schema is a simple scalar, an array of simple scalars in form style, or a free-form object of
// plain strings (Which50's MatchValues). A parameter that is absent and not required passes.
// Anything else (a default to fill in, content, cookies, another style, an empty or repeated
// value, a value that does not parse as its type) gets false, and kin-openapi then validates the
// parameters and says why: this only spares it the valid requests, where decoding every
// parameter through its generic decoders and visiting its schema was most of the cost of a
// parameter-heavy operation.
func paramsSurelyValid(m *Match, r *http.Request, doc *openapi3.T) bool {
	op := m.Route.Operation
	if !securityDeclared(doc, op) {
		return false
	}
	check := func(p *openapi3.Parameter) bool {
		return paramSurelyValid(p, m, r)
	}
	for _, ref := range m.Route.PathItem.Parameters {
		p := ref.Value
		if p == nil {
			return false
		}
		if op.Parameters.GetByInAndName(p.In, p.Name) != nil {
			continue // the operation's own declaration overrides it
		}
		if !check(p) {
			return false
		}
	}
	for _, ref := range op.Parameters {
		if ref.Value == nil || !check(ref.Value) {
			return false
		}
	}
	return true
}

// securityDeclared reports whether every scheme op's security names is declared, the one check of
// kin-openapi's security validation that does not depend on the request with the authentication
// function ValidateBody gives it (the caller has judged the credentials).
func securityDeclared(doc *openapi3.T, op *openapi3.Operation) bool {
	sec := doc.Security
	if op.Security != nil {
		sec = *op.Security
	}
	for _, req := range sec {
		for name := range req {
			if doc.Components == nil || doc.Components.SecuritySchemes[name] == nil || doc.Components.SecuritySchemes[name].Value == nil {
				return false
			}
		}
	}
	return true
}

func paramSurelyValid(p *openapi3.Parameter, m *Match, r *http.Request) bool {
	if p.Content != nil || p.AllowEmptyValue {
		return false
	}
	if p.Schema == nil {
		return true // kin-openapi validates nothing without a schema
	}
	s := p.Schema.Value
	if s == nil || s.Default != nil || len(s.AllOf) > 0 {
		return false // a default is filled into the request
	}
	f := factsOf(s)
	switch p.In {
	case openapi3.ParameterInPath:
		raw, ok := m.PathParams[p.Name]
		if p.Style != "" && p.Style != openapi3.SerializationSimple || !ok || raw == "" {
			return false
		}
		return (f.simple || f.intEnum) && scalarSurelyValid(s, raw)
	case openapi3.ParameterInHeader:
		vs := r.Header.Values(p.Name)
		if p.Style != "" && p.Style != openapi3.SerializationSimple || len(vs) > 1 || len(vs) == 1 && vs[0] == "" {
			return false
		}
		if len(vs) == 0 {
			return !p.Required
		}
		return (f.simple || f.intEnum) && scalarSurelyValid(s, vs[0])
	case openapi3.ParameterInQuery:
		if p.Style != "" && p.Style != openapi3.SerializationForm {
			return false
		}
		return querySurelyValid(p, s, f, m, r)
	}
	return false
}

func querySurelyValid(p *openapi3.Parameter, s *openapi3.Schema, f *schemaFacts, m *Match, r *http.Request) bool {
	explode := p.Explode == nil || *p.Explode // form style explodes by default
	switch {
	case f.simple || f.intEnum:
		vs := m.Query(r, p.Name)
		if len(vs) == 0 {
			return !p.Required
		}
		return len(vs) == 1 && vs[0] != "" && scalarSurelyValid(s, vs[0])
	case f.shape == shapeArray:
		items := s.Items.Value
		vs := m.Query(r, p.Name)
		if len(vs) == 0 {
			return !p.Required
		}
		if !explode {
			if len(vs) > 1 {
				return false
			}
			vs = strings.Split(vs[0], ",")
		}
		if uint64(len(vs)) < s.MinItems || items.Default != nil || len(items.AllOf) > 0 || !factsOf(items).simple {
			return false
		}
		for _, v := range vs {
			if v == "" || !scalarSurelyValid(items, v) {
				return false
			}
		}
		return true
	case explode && !p.Required && freeFormStrings(s):
		// Every pair of the query is one of its properties, each a string: valid, unless a
		// pair does not read (kin-openapi reads what does; let it say what that is) or a name or
		// value holds the separator its object decoding splits on.
		ok := true
		queryPairs(r.URL.RawQuery, func(_, name, value string, err error) bool {
			ok = err == nil && !strings.Contains(name, kinDelimiter) && !strings.Contains(value, kinDelimiter)
			return ok
		})
		return ok
	}
	return false
}

// freeFormStrings reports whether s is an object of any properties whose values are strings, and
// says nothing else that validates.
func freeFormStrings(s *openapi3.Schema) bool {
	ap := s.AdditionalProperties.Schema
	if !s.Type.Is(openapi3.TypeObject) || len(s.Type.Slice()) != 1 || len(s.Properties) > 0 || ap == nil || ap.Value == nil {
		return false
	}
	c, item := *s, *ap.Value
	c.Type, c.AdditionalProperties = nil, openapi3.AdditionalProperties{}
	item.Type = nil
	return ap.Value.Type.Is(openapi3.TypeString) && len(ap.Value.Type.Slice()) == 1 && !ap.Value.Nullable &&
		isEmptyButNotes(&c) && isEmptyButNotes(&item)
}

// isEmptyButNotes reports whether s says nothing that validates: no keyword but notes (title,
// description, examples, extensions, XML names).
func isEmptyButNotes(s *openapi3.Schema) bool {
	c := withoutNotes(s)
	return c.IsEmpty() && !c.Nullable
}

// scalarSurelyValid is surelyValid for a parameter's raw value read as s's type, as kin-openapi's
// parameter decoding reads it (strconv's integers in base 10, its booleans).
func scalarSurelyValid(s *openapi3.Schema, raw string) bool {
	switch {
	case s.Type.Is(openapi3.TypeString):
		return surelyValid(s, raw)
	case s.Type.Is(openapi3.TypeInteger):
		v, ok := primitive(raw, s)
		if !ok {
			return false
		}
		if factsOf(s).intEnum { // iovox's v: enum [3]
			f, _ := enumNumber(v)
			return slices.ContainsFunc(s.Enum, func(e any) bool { g, _ := enumNumber(e); return g == f })
		}
		return surelyValid(s, json.Number(raw))
	case s.Type.Is(openapi3.TypeBoolean):
		v, ok := primitive(raw, s)
		return ok && surelyValid(s, v)
	}
	return false
}
