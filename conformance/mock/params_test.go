package mock_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
)

// ReadParams reads a URL-encoded form as net/http's ParseForm of the POST would: the same
// parameters in the same order, and unreadable exactly when ParseForm fails.
func TestReadParamsFormIsParseForms(t *testing.T) {
	cases := []struct{ body, query string }{
		{"a=1&b=2", ""},
		{"a=1&a=2", "a=3&c=4"},
		{"email=x%40y.z&useExternalId=true", "useExternalId=false"},
		{"a=%zz&b=2", ""},
		{"a=1", "b=%zz"},
		{"a;b=1", ""},
		{"", "q=1"},
		{"", ""},
		{"=1&&a", "x"},
		{"a=é&b=%C3%A9", "c=%FF"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/contacts/5?"+c.query, bytes.NewReader([]byte(c.body)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got := mock.ReadParams(r, []byte(c.body), "", 0)

		ref := httptest.NewRequest(http.MethodPost, "/contacts/5?"+c.query, io.NopCloser(bytes.NewReader([]byte(c.body))))
		ref.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		err := ref.ParseForm()
		if got.Unreadable != (err != nil) {
			t.Errorf("body %q query %q: unreadable %v, ParseForm error %v", c.body, c.query, got.Unreadable, err)
		}
		if len(got.Values)+len(ref.Form) > 0 && !reflect.DeepEqual(map[string][]string(got.Values), map[string][]string(ref.Form)) {
			t.Errorf("body %q query %q: %v, ParseForm %v", c.body, c.query, got.Values, ref.Form)
		}
	}
}
