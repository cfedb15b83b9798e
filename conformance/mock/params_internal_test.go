package mock

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// A call's parameters come from the pipeline's reading of the form when it read one (the body is
// parsed once), and are what reading the body again would give; without it, the body is read.
func TestCallParamsUseThePipelinesForm(t *testing.T) {
	for _, c := range []struct{ body, query string }{
		{"firstName=Marie&lastName=S&customerId=1", "useExternalId=true"},
		{"a=1&a=2", "a=3"},
		{"a=%zz&b=2", ""},
	} {
		r := httptest.NewRequest(http.MethodPost, "/contacts/5?"+c.query, strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		form, err := url.ParseQuery(c.body)
		call := &Call{R: r, Body: []byte(c.body), decoded: contract.Body{Form: form, FormErr: err}}
		if got, want := call.Params("", 0), ReadParams(r, []byte(c.body), "", 0); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: from the pipeline's form %+v; read again %+v", c.body, got, want)
		}
		// Reading them again gives the same, and leaves the pipeline's pairs as it read them.
		first, again := call.Params("", 0), call.Params("", 0)
		if want, _ := url.ParseQuery(c.body); !reflect.DeepEqual(first, again) || err == nil && !reflect.DeepEqual(form, want) {
			t.Errorf("%q?%s: read twice %v, then %v; the pipeline's form is now %v", c.body, c.query, first.Values, again.Values, form)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/contacts/5", strings.NewReader("b=2"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	piped := &Call{R: r, Body: []byte("b=2"), decoded: contract.Body{Form: url.Values{"a": {"pipeline"}}}}
	if got := piped.Params("", 0).Values; !reflect.DeepEqual(got, url.Values{"a": {"pipeline"}}) {
		t.Errorf("the pipeline's form is not the one read: %v", got)
	}
	unread := &Call{R: r, Body: []byte("b=2")}
	if got := unread.Params("", 0).Values; !reflect.DeepEqual(got, url.Values{"b": {"2"}}) {
		t.Errorf("a body the pipeline did not read is not read: %v", got)
	}
}

// Likewise a multipart body's parts: from the pipeline's reading when it read them, else read.
func TestCallParamsUseThePipelinesParts(t *testing.T) {
	const boundary = "b0"
	part := func(name, data string) string {
		return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + data + "\r\n"
	}
	for _, body := range []string{
		part("firstName", "Marie") + part("imageFile", "PNG") + part("firstName", "again") + "--" + boundary + "--\r\n",
		part("a", "\xff") + "--" + boundary + "--\r\n",
		part("a", "1"), // no closing delimiter: unreadable
	} {
		r := httptest.NewRequest(http.MethodPost, "/contacts/5?q=1", strings.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		call := &Call{R: r, Body: []byte(body), decoded: contract.Body{Multipart: contract.ReadMultipart([]byte(body), boundary)}}
		if got, want := call.Params("imageFile", 2), ReadParams(r, []byte(body), "imageFile", 2); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: from the pipeline's parts %+v; read again %+v", body, got, want)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/contacts/5", strings.NewReader(part("b", "2")))
	r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	piped := &Call{R: r, Body: []byte(part("b", "2")), decoded: contract.Body{Multipart: &contract.Multipart{Parts: []contract.Part{{Name: "a", Data: []byte("pipeline")}}}}}
	if got := piped.Params("", 0); got.Unreadable || !reflect.DeepEqual(got.Values, url.Values{"a": {"pipeline"}}) {
		t.Errorf("the pipeline's parts are not the ones read: %+v", got)
	}
}

// The engine hands an adapter's serve the body as the pipeline read it: a form's pairs and a
// multipart body's parts come with the call, so Params does not parse the body again.
func TestServeGetsThePipelinesReading(t *testing.T) {
	doc, err := specs.Shared(specs.Valomnia)
	if err != nil {
		t.Fatal(err)
	}
	var got []contract.Body
	e, err := NewEngine(EngineConfig{Vendor: specs.Valomnia, Doc: doc, Fixtures: []byte(`{"contacts": [], "customers": [], "users": []}`), Adapter: Adapter{
		Serve: func(c *Call) {
			got = append(got, c.decoded)
			c.W.WriteHeader(http.StatusNoContent)
		},
		Credential: func(string, string) (any, bool) { return nil, true },
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{}, e)
	if err != nil {
		t.Fatal(err)
	}
	const multipartBody = "--b0\r\nContent-Disposition: form-data; name=\"firstName\"\r\n\r\nMarie\r\n--b0--\r\n"
	for ct, body := range map[string]string{
		"application/x-www-form-urlencoded": "firstName=Marie&lastName=Schrader&customerId=3229",
		"multipart/form-data; boundary=b0":  multipartBody,
	} {
		r := httptest.NewRequest(http.MethodPost, "/valomnia/api/v1.0/contacts/5", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Cookie", "JSESSIONID=s")
		srv.ServeHTTP(httptest.NewRecorder(), r)
	}
	if len(got) != 2 {
		t.Fatalf("the adapter served %d of 2 updates", len(got))
	}
	var forms, parts int
	for _, b := range got {
		if b.Form != nil {
			forms++
		}
		if b.Multipart != nil && len(b.Multipart.Parts) == 1 && b.Multipart.Parts[0].Name == "firstName" {
			parts++
		}
	}
	if forms != 1 || parts != 1 {
		t.Errorf("the calls carry %d forms and %d multipart readings, want 1 and 1: %+v", forms, parts, got)
	}
}
