package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// This file converts values whose type a record decides at run time rather than the spec (a
// Which50 list's fields type its contacts' Values): adapters read the type from their records and
// hand it to Coerce as a schema.

// ErrCoerce is the error of a value that does not convert to the type asked for.
var ErrCoerce = errors.New("value does not fit the type")

// Coerce converts a decoded value (JSON with json.Number, or typed XML values) into the canonical
// form of schema s's type, as a typed model binder would: string, int64, float64 or bool; a
// schema with no type (or nil) takes any value, numbers normalised (Normalize). Text is read as
// CoerceText reads it; a number keeps its text in a string; a number with no fraction is an
// integer.
func Coerce(s *openapi3.Schema, v any) (any, error) {
	typed := s != nil && s.Type != nil && len(*s.Type) > 0
	if str, ok := v.(string); ok && typed {
		return CoerceText(s, str)
	}
	if n, ok := v.(json.Number); ok && typed && s.Type.Is(openapi3.TypeString) {
		return n.String(), nil
	}
	n, err := Normalize(v)
	if err != nil || v == nil || !typed {
		return n, err
	}
	switch x := n.(type) {
	case bool:
		switch {
		case s.Type.Is(openapi3.TypeBoolean):
			return x, nil
		case s.Type.Is(openapi3.TypeString):
			return strconv.FormatBool(x), nil
		}
	case int64:
		switch {
		case s.Type.Is(openapi3.TypeInteger):
			return x, nil
		case s.Type.Is(openapi3.TypeNumber):
			return float64(x), nil
		case s.Type.Is(openapi3.TypeString):
			return strconv.FormatInt(x, 10), nil
		}
	case float64:
		switch {
		case s.Type.Is(openapi3.TypeInteger):
			if finite(x) && x == math.Trunc(x) && x >= math.MinInt64 && x < math.MaxInt64 {
				return int64(x), nil
			}
			return nil, fmt.Errorf("%w: %v is not an integer", ErrCoerce, x)
		case s.Type.Is(openapi3.TypeNumber):
			return x, nil
		case s.Type.Is(openapi3.TypeString):
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
	}
	return nil, fmt.Errorf("%w: a %T where the type is %v", ErrCoerce, v, s.Type.Slice())
}

// CoerceText reads text (a query value, or a string value) as a value of schema s's type: an
// integer, number or boolean with white space around it trimmed ("true" in any case); a string,
// or a schema with no type, takes the text as it is.
func CoerceText(s *openapi3.Schema, text string) (any, error) {
	if s == nil || s.Type == nil || len(*s.Type) == 0 || s.Type.Is(openapi3.TypeString) {
		return text, nil
	}
	trimmed := strings.TrimSpace(text)
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		if i, err := strconv.ParseInt(trimmed, 10, 64); err == nil {
			return i, nil
		}
	case s.Type.Is(openapi3.TypeNumber):
		if f, err := strconv.ParseFloat(trimmed, 64); err == nil && finite(f) {
			return f, nil
		}
	case s.Type.Is(openapi3.TypeBoolean):
		switch strings.ToLower(trimmed) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return nil, fmt.Errorf("%w: %q where the type is %v", ErrCoerce, text, s.Type.Slice())
}

func finite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }

// Normalize gives a value of any type one form whatever it came in: json.Number as int64 or
// float64, nested maps and slices copied. Values JSON cannot hold (NaN, infinities, Go values
// that are no decoded JSON) are refused.
func Normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil || !finite(f) {
			return nil, fmt.Errorf("%w: number %s", ErrCoerce, x)
		}
		return f, nil
	case float64:
		if !finite(x) {
			return nil, fmt.Errorf("%w: number %v", ErrCoerce, x)
		}
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := Normalize(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := Normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s has no JSON form", ErrCoerce, reflect.TypeOf(v))
}
