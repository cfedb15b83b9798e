package contract

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// CaseInsensitiveJSON makes ValidateDecoded bind a JSON body's members to the schema's
// properties whatever their case, before validating it: an ASP.NET server reads `values` as
// `Values` (Which50's own PUT example sends `values`). Call it before validating anything.
func (v *Validator) CaseInsensitiveJSON() { v.foldJSON = true }

// isJSONDecoder reports whether media type mt is decoded as JSON (the types register gives the
// JSON decoder, and +json).
func isJSONDecoder(mt string) bool {
	switch mt {
	case "application/json", "text/json", "application/csp-report":
		return true
	}
	return strings.HasSuffix(mt, "+json")
}

// foldNames renames the members of an object value that equal a property of s ignoring case to
// the property's name: an exact member wins, else the first such member in byte order; the
// others stay as undeclared members. Nested objects are folded by their property schemas.
func foldNames(s *openapi3.Schema, value any) any {
	obj, ok := value.(map[string]any)
	if !ok || s == nil || len(s.Properties) == 0 {
		return value
	}
	for name, ps := range s.Properties {
		if _, exact := obj[name]; !exact {
			var found []string
			for k := range obj {
				if strings.EqualFold(k, name) && s.Properties[k] == nil {
					found = append(found, k)
				}
			}
			if len(found) > 0 {
				first := slices.Min(found)
				obj[name] = obj[first]
				delete(obj, first)
			}
		}
		if ps != nil && ps.Value != nil {
			if v, ok := obj[name]; ok {
				obj[name] = foldNames(ps.Value, v)
			}
		}
	}
	return obj
}
