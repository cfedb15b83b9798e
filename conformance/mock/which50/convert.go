package which50

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Field types of a contact list's schema (specs/which50.yaml, ContactListField.Type). Values are
// converted to their field's type on the way in (which50-values-types); object takes any value,
// the type of the page samples' `{}` values (which50-values-sample-empty-objects).
const (
	typeString  = "string"
	typeInteger = "integer"
	typeNumber  = "number"
	typeBoolean = "boolean"
	typeObject  = "object"
)

var errBadValue = errors.New("value does not fit the field's type")

// convert turns a decoded value (JSON with json.Number, or DataContract XML's typed values) into
// the canonical form of a field of type t: string, int64, float64, bool, or for object fields the
// value itself with numbers normalised. Text is read as convertText reads a query's; a JSON
// number keeps its text in a string field.
func convert(t string, v any) (any, error) {
	if s, ok := v.(string); ok && t != typeObject {
		return convertText(t, s)
	}
	if n, ok := v.(json.Number); ok && t == typeString {
		return n.String(), nil
	}
	n, err := normalize(v)
	if err != nil || v == nil || t == typeObject {
		return n, err
	}
	switch x := n.(type) {
	case bool:
		switch t {
		case typeBoolean:
			return x, nil
		case typeString:
			return strconv.FormatBool(x), nil
		}
	case int64:
		switch t {
		case typeInteger:
			return x, nil
		case typeNumber:
			return float64(x), nil
		case typeString:
			return strconv.FormatInt(x, 10), nil
		}
	case float64:
		switch t {
		case typeInteger:
			return integral(x)
		case typeNumber:
			return x, nil
		case typeString:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
	}
	return nil, fmt.Errorf("%w: a %T where the field's type is %s", errBadValue, v, t)
}

// convertText reads a query string (or a string value) as a value of type t.
func convertText(t string, s string) (any, error) {
	trimmed := strings.TrimSpace(s)
	switch t {
	case typeString, typeObject:
		return s, nil
	case typeInteger:
		if i, err := strconv.ParseInt(trimmed, 10, 64); err == nil {
			return i, nil
		}
	case typeNumber:
		if f, err := strconv.ParseFloat(trimmed, 64); err == nil && finite(f) {
			return f, nil
		}
	case typeBoolean:
		switch strings.ToLower(trimmed) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return nil, fmt.Errorf("%w: %q where the field's type is %s", errBadValue, s, t)
}

func finite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }

func integral(f float64) (any, error) {
	if finite(f) && f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f), nil
	}
	return nil, fmt.Errorf("%w: %v is not an integer", errBadValue, f)
}

// normalize gives an object field's value one form whatever it came in: json.Number as int64 or
// float64, nested maps and slices copied. Values JSON cannot hold (NaN, infinities) are refused.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil || !finite(f) {
			return nil, fmt.Errorf("%w: number %s", errBadValue, x)
		}
		return f, nil
	case float64:
		if !finite(x) {
			return nil, fmt.Errorf("%w: number %v", errBadValue, x)
		}
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s has no JSON form", errBadValue, reflect.TypeOf(v))
}

// matches reports whether a contact's values meet every criterion, each converted by its field's
// type.
func matches(types map[string]string, values map[string]any, criteria []criterion) bool {
	for _, cr := range criteria {
		typ, ok := types[cr.name]
		if !ok {
			return false
		}
		stored := values[cr.name]
		if typ == typeObject {
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
	norm, err := normalize(want)
	if err != nil {
		return false
	}
	b, err := json.Marshal(norm)
	return err == nil && string(a) == string(b)
}
