package contract

import (
	"errors"
	"fmt"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestSeverityFails(t *testing.T) {
	for _, tc := range []struct {
		s             Severity
		plain, strict bool
	}{
		{Breaking, true, true},
		{NonBreaking, false, true},
		{Info, false, false},
	} {
		if got := tc.s.Fails(false); got != tc.plain {
			t.Errorf("%s.Fails(false) = %v", tc.s, got)
		}
		if got := tc.s.Fails(true); got != tc.strict {
			t.Errorf("%s.Fails(true) = %v", tc.s, got)
		}
	}
}

// A response whose only problem is a value outside an enum has gained an enum value; any other
// schema problem among them breaks clients.
func TestResponseErrorSeverity(t *testing.T) {
	enum := &openapi3.SchemaError{SchemaField: "enum", Reason: "value is not one of the allowed values"}
	typ := &openapi3.SchemaError{SchemaField: "type", Reason: "value must be an integer"}
	for _, tc := range []struct {
		name string
		err  error
		want Severity
	}{
		{"enum only", openapi3.MultiError{enum}, NonBreaking},
		{"enum wrapped", fmt.Errorf("response body: %w", openapi3.MultiError{enum, enum}), NonBreaking},
		{"enum and type", openapi3.MultiError{enum, typ}, Breaking},
		{"type", typ, Breaking},
		{"no schema error (undeclared status)", errors.New("status is not supported"), Breaking},
	} {
		if got := ResponseErrorSeverity(tc.err); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
