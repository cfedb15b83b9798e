package mock_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
)

// TestCoerce states how a value whose type a record decides is read: text and numbers convert
// between the JSON types where no information is lost, anything else is refused.
func TestCoerce(t *testing.T) {
	str, integer, number, boolean := openapi3.NewStringSchema(), openapi3.NewIntegerSchema(), openapi3.NewFloat64Schema(), openapi3.NewBoolSchema()
	anyValue := &openapi3.Schema{}
	tests := []struct {
		name string
		s    *openapi3.Schema
		in   any
		want any // nil with ok false: refused
		ok   bool
	}{
		{"integer from text, spaces trimmed", integer, " 123456 ", int64(123456), true},
		{"integer from a JSON number", integer, json.Number("123456"), int64(123456), true},
		{"integer from a number with no fraction", integer, json.Number("7.0"), int64(7), true},
		{"integer from XML's float", integer, 7.0, int64(7), true},
		{"integer refuses a fraction", integer, json.Number("7.5"), nil, false},
		{"integer refuses words", integer, "seven", nil, false},
		{"integer refuses a boolean", integer, true, nil, false},
		{"integer refuses 2^63", integer, 9223372036854775808.0, nil, false},
		{"number from text", number, "2.5", 2.5, true},
		{"number from an integer", number, json.Number("2"), 2.0, true},
		{"number refuses infinity in text", number, "Inf", nil, false},
		{"number refuses NaN", number, math.NaN(), nil, false},
		{"boolean from text in any case", boolean, "TRUE", true, true},
		{"boolean refuses 1", boolean, json.Number("1"), nil, false},
		{"string keeps text as sent", str, " 0871 ", " 0871 ", true},
		{"string keeps a number's text", str, json.Number("353871234567"), "353871234567", true},
		{"string from a float", str, 2.5, "2.5", true},
		{"string from a boolean", str, false, "false", true},
		{"string refuses an object", str, map[string]any{}, nil, false},
		{"null stays null", integer, nil, nil, true},
		{"any value normalised", anyValue, map[string]any{"a": []any{json.Number("1"), json.Number("1.5")}},
			map[string]any{"a": []any{int64(1), 1.5}}, true},
		{"any value keeps text", anyValue, "7", "7", true},
		{"any value refuses what JSON cannot hold", anyValue, []any{math.Inf(1)}, nil, false},
		{"any value refuses a Go value", anyValue, struct{}{}, nil, false},
		{"no schema is any value", nil, json.Number("3"), int64(3), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mock.Coerce(tt.s, tt.in)
			if !tt.ok {
				if !errors.Is(err, mock.ErrCoerce) {
					t.Fatalf("Coerce(%#v) = %#v, %v; want ErrCoerce", tt.in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Coerce(%#v) = %#v, %v; want %#v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestCoerceText states how a query's text is read: the same as a string value.
func TestCoerceText(t *testing.T) {
	for _, tt := range []struct {
		s    *openapi3.Schema
		in   string
		want any
	}{
		{openapi3.NewIntegerSchema(), "042", int64(42)},
		{openapi3.NewFloat64Schema(), "1e3", 1000.0},
		{openapi3.NewBoolSchema(), " false", false},
		{openapi3.NewStringSchema(), "a b", "a b"},
		{&openapi3.Schema{}, "{}", "{}"},
	} {
		got, err := mock.CoerceText(tt.s, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CoerceText(%v, %q) = %#v, %v; want %#v", tt.s.Type, tt.in, got, err, tt.want)
		}
	}
	if got, err := mock.CoerceText(openapi3.NewBoolSchema(), "yes"); !errors.Is(err, mock.ErrCoerce) {
		t.Errorf(`CoerceText(boolean, "yes") = %#v, %v; want ErrCoerce`, got, err)
	}
}
