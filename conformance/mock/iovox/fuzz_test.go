package iovox_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
	api "github.com/contactapis/contactapis/gen/iovox"
)

// fuzzMock is the full pipeline, called in process (no loopback) so the fuzzer runs many inputs.
type fuzzMock struct {
	backend *mock.Engine
	server  *mock.Server
	errs    *errorCounter
}

func newFuzzMock(f *testing.F) *fuzzMock {
	errs := &errorCounter{}
	b, err := iovox.New(iovox.Options{Logger: slog.New(errs)})
	if err != nil {
		f.Fatal(err)
	}
	s, err := mock.New(mock.Options{}, b)
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzMock{backend: b, server: s, errs: errs}
}

// serve sends one request and checks what any answer must be: no 5xx (faults are off), a 204
// without body or the vendor's XML error list whose every message is a catalogue entry, no
// contract violation, no error logged by the engine (a failure its spec maps to no entry), and a store whose
// invariants hold. The store is reset after each input, so inputs do not depend on each other.
func (m *fuzzMock) serve(t *testing.T, r *http.Request) {
	defer m.backend.Reset()
	before := m.errs.n.Load()
	rec := httptest.NewRecorder()
	m.server.ServeHTTP(rec, r)
	if rec.Code >= 500 {
		t.Fatalf("answered %d: %s", rec.Code, rec.Body)
	}
	if v := m.server.Violations(); len(v) > 0 {
		t.Fatalf("contract violations: %v", v)
	}
	if m.errs.n.Load() != before {
		t.Fatalf("the engine logged an error answering %d %s", rec.Code, rec.Body)
	}
	if rec.Code == http.StatusNoContent {
		if rec.Body.Len() != 0 {
			t.Fatalf("204 with a body: %q", rec.Body)
		}
		checkInvariants(t, stateOf(t, m.backend))
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/xml" {
		t.Fatalf("%d with Content-Type %q", rec.Code, ct)
	}
	var list api.Errors
	if err := xml.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Error) == 0 {
		t.Fatalf("%d body is not an error list: %q (%v)", rec.Code, rec.Body, err)
	}
	for _, e := range list.Error {
		if _, _, ok := catalogue.Identify(e.Status, e.Message); !ok || e.Status != rec.Code {
			t.Fatalf("%d answer carries %d %q, not a catalogue message", rec.Code, e.Status, e.Message)
		}
	}
}

// checkInvariants: ids unique, and no display name + phone shared by two contacts.
func checkInvariants(t *testing.T, st iovox.State) {
	ids := map[string]bool{}
	owner := map[[2]string]string{}
	for _, c := range st.Contacts {
		if ids[c.ContactID] {
			t.Fatalf("contact id %q twice", c.ContactID)
		}
		ids[c.ContactID] = true
		for _, p := range append(append(append(append([]string{}, c.MobilePhone...), c.HomePhone...), c.BusinessPhone...), c.BusinessFax...) {
			k := [2]string{str(c.DisplayName), p}
			if o, ok := owner[k]; ok && o != c.ContactID && k[0] != "" {
				t.Fatalf("%q and %q share %v", o, c.ContactID, k)
			}
			owner[k] = c.ContactID
		}
	}
}

func fuzzRequest(rawQuery string, body []byte) *http.Request {
	r := &http.Request{
		Method:     http.MethodPut,
		URL:        &url.URL{Path: "/iovox/Contacts", RawQuery: rawQuery},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/xml"}, "Username": {"test"}, "Securekey": {"test"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Host:          "mock",
	}
	return r
}

// Arbitrary payloads through the full mock: never a panic, a 5xx or an answer off the catalogue.
func FuzzUpdateContactsXML(f *testing.F) {
	f.Add(pageExampleBody(f))
	for _, row := range catalogueRows(f) {
		if row.raw.body != "" {
			f.Add([]byte(row.raw.body))
		}
	}
	for _, seed := range []string{
		"",
		"<request>\n  <contact>\n  <contact>\n</request>",
		`<!DOCTYPE r [<!ENTITY x "y">]><request>&x;</request>`,
		`<request xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>`,
		`<request><contact xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><contact_id xsi:nil="true"/><mobile_phone xsi:nil="true"/></contact></request>`,
		`<request><contact><contact_id>333</contact_id><contact_id>444</contact_id></contact></request>`,
		`<request><rm_rules>TRUE</rm_rules><rm_rules>FALSE</rm_rules><contact><contact_id>555</contact_id><mobile_phone/><business_phone/></contact></request>`,
		`<x:request xmlns:x="urn:x"><x:contact><x:contact_id>333</x:contact_id></x:contact></x:request>`,
		`<request><contact><contact_id>333</contact_id><new_contact_id>444</new_contact_id></contact><contact><contact_id>444</contact_id><new_contact_id>333</new_contact_id></contact></request>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><request/>`,
		"<request><contact><contact_id>333</contact_id><notes><![CDATA[<b>]]></notes></contact></request>",
	} {
		f.Add([]byte(seed))
	}
	m := newFuzzMock(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		m.serve(t, fuzzRequest("v=3&method=updateContacts", body))
	})
}

// Arbitrary query strings with the page's payload: v and method are read the way the page's rows
// say, whatever else comes along.
func FuzzUpdateContactsQuery(f *testing.F) {
	for _, seed := range []string{
		"v=3&method=updateContacts", "", "v=&method=x", "v=3.0&method=updateContacts", "v=3&v=4&method=updateContacts",
		"method=updateContacts&v=03", "v=%zz&method=updateContacts", "v=3&method=updateContacts&x=\xff", "v=+3&method=updateContacts",
		"v=3;method=updateContacts", "v=3&method=updateContacts&output=JSON", "v=99999999999999999999&method=updateContacts",
		"v=3&method=update%43ontacts", "v=3#frag", "v=3&&&method=updateContacts&",
	} {
		f.Add(seed)
	}
	body := pageExampleBody(f)
	m := newFuzzMock(f)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		if strings.ContainsAny(rawQuery, " \r\n") {
			// No HTTP/1.1 request line carries these; a client would have escaped them.
			rawQuery = url.PathEscape(rawQuery)
		}
		m.serve(t, fuzzRequest(rawQuery, body))
	})
}
