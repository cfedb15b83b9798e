package valomnia_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	api "github.com/contactapis/contactapis/gen/valomnia"
)

// fuzzTarget is the full mock (pipeline, validation on, no faults) served in-process, with an
// open session.
type fuzzTarget struct {
	server  *mock.Server
	session string
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	b, err := valomnia.New(valomnia.Options{})
	if err != nil {
		f.Fatal(err)
	}
	s, err := mock.New(mock.Options{}, b)
	if err != nil {
		f.Fatal(err)
	}
	ft := &fuzzTarget{server: s}
	rec := ft.serve(f, http.MethodPost, "/valomnia/j_spring_security_check", formType,
		[]byte("j_username=test%40example.com&j_password=test&ajax=true"))
	for _, c := range (&http.Response{Header: rec.Header()}).Cookies() {
		ft.session = c.Value
	}
	if ft.session == "" {
		f.Fatal("no session")
	}
	return ft
}

func (ft *fuzzTarget) serve(t testing.TB, method, target, contentType string, body []byte) *httptest.ResponseRecorder {
	req, err := http.NewRequest(method, "http://mock.test"+target, bytes.NewReader(body))
	if err != nil {
		return nil // not a request a client can send
	}
	req.RequestURI = req.URL.RequestURI() // as the server sets it
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if ft.session != "" {
		req.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: ft.session})
	}
	rec := httptest.NewRecorder()
	ft.server.ServeHTTP(rec, req)
	return rec
}

// judge fails on what no input may cause: a 5xx, an answer the spec forbids, or a refusal that is
// not one of the catalogue's entries in the vendor's format.
func (ft *fuzzTarget) judge(t *testing.T, rec *httptest.ResponseRecorder, allowed ...int) {
	t.Helper()
	if rec == nil {
		return
	}
	if v := ft.server.Violations(); len(v) > 0 {
		t.Fatalf("contract violation: %v", v)
	}
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	for _, s := range allowed {
		if rec.Code == s {
			return
		}
	}
	if rec.Code < 400 {
		t.Fatalf("status %d", rec.Code)
	}
	var eb api.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, %q: not the vendor's error format: %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	e, _, ok := catalogue().Identify(rec.Code, eb.ErrorDescription)
	if !ok || e.Code != eb.Error {
		t.Fatalf("status %d, %+v is no catalogue entry", rec.Code, eb)
	}
}

func seedFile(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "gen", "valomnia", "testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return bytes.TrimRight(b, "\n")
}

// Arbitrary URL-encoded updates (path id, media type and body) through the full mock.
func FuzzUpdateContactForm(f *testing.F) {
	ft := newFuzzTarget(f)
	page := seedFile(f, "update-contact-request.form")
	f.Add("5", formType, page)
	f.Add("123", formType, seedFile(f, "update-contact-request-table.form"))
	for _, row := range []string{"customerId=", "customerId=C0959", "customerId=31888", "email=x", "country=ZZ", "useExternalId=maybe", "fax=%ff", "x=%zz", "fax=\xff"} {
		f.Add("5", formType, append(append([]byte{}, page...), "&"+row...))
	}
	f.Add("13", formType, []byte("firstName=Saul&lastName=Goodman&customerId=4410"))
	f.Add("CT-0005", formType+"; charset=UTF-8", []byte("firstName=M&lastName=S&customerId=C0959&useExternalId=true"))
	f.Add("5", "application/json", []byte(`{"firstName":"Marie"}`))
	f.Add("", "", []byte{})
	f.Fuzz(func(t *testing.T, id, contentType string, body []byte) {
		rec := ft.serve(t, http.MethodPost, "/valomnia/api/v1.0/contacts/"+url.PathEscape(id), contentType, body)
		ft.judge(t, rec, http.StatusOK)
	})
}

// Arbitrary multipart bodies (with the golden's boundary) through the full mock.
func FuzzUpdateContactMultipart(f *testing.F) {
	ft := newFuzzTarget(f)
	const ct = "multipart/form-data; boundary=valomnia-golden-boundary"
	page := seedFile(f, "update-contact-request.multipart")
	f.Add(page)
	f.Add(page[:len(page)/2])
	f.Add([]byte(strings.Replace(string(page), "3229", "abc", 1)))
	f.Add([]byte(strings.Replace(string(page), "\x89PNG", "TEXT", 1)))
	f.Add([]byte(strings.Replace(string(page), `name="fonction"`, `name="useExternalId"`, 1)))
	f.Add([]byte("--valomnia-golden-boundary--\r\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.judge(t, ft.serve(t, http.MethodPost, "/valomnia/api/v1.0/contacts/5", ct, body), http.StatusOK)
	})
}

// Arbitrary login forms (query and body) through the full mock: a redirect with a session, or
// login-failed.
func FuzzLogin(f *testing.F) {
	ft := newFuzzTarget(f)
	f.Add("", []byte("j_username=test%40example.com&j_password=test&ajax=true"))
	f.Add("", seedFile(f, "login-request.form"))
	f.Add("j_username=test%40example.com&j_password=test&ajax=true", []byte{})
	f.Add("", []byte("j_username=test%40example.com&j_password=%zz&ajax=true"))
	f.Add("ajax=false", []byte("j_username=test%40example.com&j_password=test&ajax=true"))
	f.Add("", []byte("j_username=test%40example.com&j_password=\xff&ajax=true"))
	f.Fuzz(func(t *testing.T, query string, body []byte) {
		target := "/valomnia/j_spring_security_check"
		if query != "" {
			target += "?" + query
		}
		rec := ft.serve(t, http.MethodPost, target, formType, body)
		ft.judge(t, rec, http.StatusFound)
		if rec != nil && rec.Code == http.StatusFound {
			cookies := (&http.Response{Header: rec.Header()}).Cookies()
			if !strings.HasSuffix(rec.Header().Get("Location"), "://mock.test/valomnia/login/ajaxSuccess") || len(cookies) != 1 || cookies[0].Value == "" {
				t.Fatalf("redirect without the token page or a session: %v", rec.Header())
			}
		}
	})
}
