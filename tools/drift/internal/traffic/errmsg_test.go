package traffic

import (
	"reflect"
	"testing"

	"github.com/contactapis/contactapis/conformance/framework"
)

// errorMessages restates framework.ErrorMessages (importing it would link ginkgo into the
// command); this keeps the two in step on each vendor's format, good bodies and bad.
func TestErrorMessagesMatchTheFramework(t *testing.T) {
	for _, tc := range []struct{ vendor, contentType, body string }{
		{"iovox", "application/xml", `<errors><error status="400">XML Empty</error><error status="400">Contact ID 1 of 2 does not exist</error></errors>`},
		{"iovox", "application/xml", `<errors/>`},
		{"iovox", "text/html", `<html>oops</html>`},
		{"valomnia", "application/json", `{"error": "not_found", "error_description": "Contact not found"}`},
		{"valomnia", "application/json", `{"error": "not_found"}`},
		{"which50", "application/json; charset=utf-8", `{"Message": "The request is invalid."}`},
		{"which50", "application/xml", `<Error><Message>Authorization has been denied for this request.</Message></Error>`},
		{"which50", "text/xml", `<Error/>`},
		{"auregister", "application/json", `{"error": "not_found", "message": "Contact 1 does not exist"}`},
		{"auregister", "application/json", `[1, 2]`},
		{"auregister", "text/plain", `not json`},
	} {
		got, gotErr := errorMessages(tc.vendor, tc.contentType, []byte(tc.body))
		want, wantErr := framework.ErrorMessages(tc.vendor, tc.contentType, []byte(tc.body))
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("%s %s %s: drift %q, %v; framework %q, %v", tc.vendor, tc.contentType, tc.body, got, gotErr, want, wantErr)
		}
	}
}
