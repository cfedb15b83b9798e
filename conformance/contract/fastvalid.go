package contract

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// surelyValid reports whether v is valid against s when s is a simple scalar schema (a type, maybe
// nullable, an enum, a format kin-openapi knows, nothing else) and v is clearly valid: a null
// where s is nullable, or a value of s's type in its enum, passing its format. Any other schema
// or value, and every invalid one, gets false, and kin-openapi then judges it and says why: this
// only spares it the valid values of flat bodies, where its per-call set-up dominated.
func surelyValid(s *openapi3.Schema, v any) bool {
	if !simpleScalar(s) {
		return false
	}
	if v == nil {
		return s.Nullable
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		return false
	}
	switch x := v.(type) {
	case string:
		if !s.Type.Is(openapi3.TypeString) {
			return false
		}
		if s.Format != "" {
			f, ok := openapi3.SchemaStringFormats[s.Format]
			return ok && f.Validate(x) == nil
		}
		return true
	case bool:
		return s.Type.Is(openapi3.TypeBoolean)
	case json.Number:
		if !s.Type.Is(openapi3.TypeInteger) || s.Format != "" && s.Format != "int64" && s.Format != "int32" {
			return false
		}
		n, err := strconv.ParseInt(string(x), 10, 64)
		return err == nil && (s.Format != "int32" || n >= math.MinInt32 && n <= math.MaxInt32)
	}
	return false
}

var simpleScalars sync.Map // *openapi3.Schema -> bool

// simpleScalar reports whether s constrains a value only by type, nullability, enum and format.
func simpleScalar(s *openapi3.Schema) bool {
	if v, ok := simpleScalars.Load(s); ok {
		return v.(bool)
	}
	t := s.Type.Slice()
	simple := len(t) == 1 && (t[0] == openapi3.TypeString || t[0] == openapi3.TypeBoolean || t[0] == openapi3.TypeInteger) &&
		len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 && s.Not == nil && s.Pattern == "" && s.MinLength == 0 &&
		s.MaxLength == nil && s.Min == nil && s.Max == nil && s.MultipleOf == nil && !s.ReadOnly && !s.WriteOnly
	if simple {
		// Enum members are compared as decoded values; integers come as json.Number, which an
		// enum of numbers would not equal, so only string and boolean enums are simple.
		for _, e := range s.Enum {
			switch e.(type) {
			case string, bool:
			default:
				simple = false
			}
		}
	}
	simpleScalars.Store(s, simple)
	return simple
}
