package vendors_test

import (
	"strings"
	"testing"

	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		vendor, contentType, body string
		want                      []string
	}{
		{specs.Iovox, "application/xml", `<errors><error status="400">A</error><error status="400">B</error></errors>`, []string{"A", "B"}},
		{specs.Valomnia, "application/json", `{"error":"missing_param","error_description":"customerId parameter is missing"}`, []string{"customerId parameter is missing"}},
		{specs.Which50, "application/json; charset=utf-8", `{"Message":"m"}`, []string{"m"}},
		{specs.Which50, "application/xml", `<Error><Message>m</Message></Error>`, []string{"m"}},
		{specs.Auregister, "application/json", `{"error":"x","message":"m","field":"sex"}`, []string{"m"}},
	}
	for _, tt := range tests {
		got, err := vendors.ErrorMessages(tt.vendor, tt.contentType, []byte(tt.body))
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s %s: %v %v, want %v", tt.vendor, tt.body, got, err, tt.want)
		}
	}
	for _, bad := range []struct{ vendor, body string }{{specs.Iovox, "Bad Request"}, {specs.Valomnia, `{"error":"x"}`}, {specs.Auregister, "<html>"}} {
		if _, err := vendors.ErrorMessages(bad.vendor, "", []byte(bad.body)); err == nil {
			t.Errorf("%s %q: accepted as an error body", bad.vendor, bad.body)
		}
	}
}

// TestErrorMessagesUnknownVendor: a name the registry lacks is an error, not a guess at a format.
func TestErrorMessagesUnknownVendor(t *testing.T) {
	if msgs, err := vendors.ErrorMessages("acme", "application/json", []byte(`{"message":"m"}`)); err == nil {
		t.Errorf("acme: read %q", msgs)
	}
}
