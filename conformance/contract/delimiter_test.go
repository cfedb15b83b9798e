package contract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
)

// A query name holding U+001F made kin-openapi's reading of an exploded object parameter depend
// on map order (a panic on some runs, another answer on others): the contract answers every such
// request the same way every time.
func TestDelimiterNameIsReadAlikeEveryTime(t *testing.T) {
	v, err := New(specs.Which50, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{"\x1f&matc&=%86", "match&&match%1F", "match=Email&Email=x&Email%1Fb=1", "%1F=&%1F%1F=1&match=Email"} {
		var first string
		for i := range 30 {
			r := httptest.NewRequest(http.MethodPatch, "/contactLists/3/contact", nil)
			r.URL.RawQuery = query
			r.Header.Set("Authorization", "Bearer t")
			m, err := v.Route(r)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.ValidateBody(context.Background(), m, r, nil, DecodeOptions{})
			got := "valid"
			if err != nil {
				got = err.Error()
			}
			if i == 0 {
				first = got
			} else if got != first {
				t.Fatalf("%q: %q, then %q", query, first, got)
			}
		}
	}
}

// A member whose name holds U+001F is judged as OpenAPI reads it: by additionalProperties, or by
// the property of that name.
func TestMemberValid(t *testing.T) {
	no, str := false, &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, MaxLength: openapi3.Ptr(uint64(2))}
	closed := &openapi3.Schema{AdditionalProperties: openapi3.AdditionalProperties{Has: &no}}
	strings := &openapi3.Schema{AdditionalProperties: openapi3.AdditionalProperties{Schema: openapi3.NewSchemaRef("", str)}}
	declared := &openapi3.Schema{Properties: openapi3.Schemas{"a\x1fb": openapi3.NewSchemaRef("", str)}, AdditionalProperties: openapi3.AdditionalProperties{Has: &no}}
	for _, c := range []struct {
		s           *openapi3.Schema
		name, value string
		want        bool
	}{
		{&openapi3.Schema{}, "a\x1fb", "anything", true},
		{closed, "a\x1fb", "x", false},
		{strings, "a\x1fb", "xy", true},
		{strings, "a\x1fb", "xyz", false},
		{declared, "a\x1fb", "xy", true},
		{declared, "a\x1fc", "xy", false},
	} {
		if got := memberValid(c.s, c.name, c.value); got != c.want {
			t.Errorf("%q=%q: %v, want %v", c.name, c.value, got, c.want)
		}
	}
}
