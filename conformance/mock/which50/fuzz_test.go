package which50_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	w50 "github.com/contactapis/contactapis/conformance/mock/which50"
	api "github.com/contactapis/contactapis/gen/which50"
)

// Crashers found so far are kept in testdata/fuzz and run with every `go test`:
//   - FuzzMatchQuery/cf2d0eb41a6a2716 `=&match=Email&Email=0`: the validator refuses a pair
//     without a name as a MatchValues value; the Handler alone let it through (now both 400).
//   - FuzzContactJSON/531beaf7c7b4399a, a body that is not UTF-8: the pipeline refused it, the
//     Handler alone read it (now both 403).
//   - FuzzContactXML/33c2aacb48198cb4 `<Contact></Contact>`: an earlier input had changed the
//     full mock's store; exchange now starts both from the fixtures.
//   - `match&&match%1F` makes kin-openapi panic (TestQueryNameWithUnitSeparator).
//   - FuzzMatchQuery/f986bbdb25505c99 `\x1f&matc&=\x86`: kin-openapi panicked or reported
//     MatchValues invalid depending on map order, so the two answers differed at random; the
//     contract now keeps names holding U+001F from it and judges them itself, as members.

// fuzzTarget is the full mock (pipeline, validation on, no faults) and, for comparison, a
// Backend's Handler alone (validation off), both served in process: the fuzz targets need many
// executions, and a loopback socket adds nothing either of them sees.
type fuzzTarget struct {
	full        *mock.Server
	fullBackend *mock.Engine
	bare        *mock.Engine
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	f.Helper()
	var backends [2]*mock.Engine
	for i := range backends {
		b, err := w50.New(w50.Options{})
		if err != nil {
			f.Fatal(err)
		}
		backends[i] = b
	}
	s, err := mock.New(mock.Options{}, backends[0])
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzTarget{full: s, fullBackend: backends[0], bare: backends[1]}
}

// exchange sends one request with a raw query to the full mock and checks what every answer
// must be: no panic, no 5xx, nothing the spec forbids, the ids or an HttpError in the media
// type it names, and the same answer (status and catalogue entry) from the Handler without
// validation. Both start from the default fixtures, so an answer depends on this request only.
func (ft *fuzzTarget) exchange(t *testing.T, method, path, rawQuery, contentType string, body []byte) {
	t.Helper()
	build := func(mount string) *http.Request {
		req, err := http.NewRequest(method, "http://mock.test"+mount+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = rawQuery
		req.RequestURI = req.URL.RequestURI()
		req.Header.Set("Authorization", bearerTest)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return req
	}
	ft.fullBackend.Reset()
	ft.bare.Reset()
	rec, bare := httptest.NewRecorder(), httptest.NewRecorder()
	ft.full.ServeHTTP(rec, build("/which50"))
	ft.bare.Handler().ServeHTTP(bare, build(""))

	desc := func() string { return fmt.Sprintf("%s ?%q %s %q", method, rawQuery, contentType, body) }
	if rec.Code >= 500 {
		t.Fatalf("%d for %s: %s", rec.Code, desc(), rec.Body)
	}
	if v := ft.full.Violations(); len(v) > 0 {
		t.Fatalf("spec violation for %s: %v", desc(), v)
	}
	ct := rec.Header().Get("Content-Type")
	if rec.Code == http.StatusOK {
		var ids api.EncContactIDs
		if err := json.Unmarshal(rec.Body.Bytes(), &ids); err != nil || len(ids) == 0 {
			t.Fatalf("200 for %s without ids: %s", desc(), rec.Body)
		}
	} else {
		var msg api.HTTPError
		var err error
		if strings.HasSuffix(ct, "xml") {
			err = xml.Unmarshal(rec.Body.Bytes(), &msg)
		} else {
			err = json.Unmarshal(rec.Body.Bytes(), &msg)
		}
		if err != nil || msg.Message == "" {
			t.Fatalf("%d for %s is no HttpError (%s): %s", rec.Code, desc(), ct, rec.Body)
		}
	}
	same := rec.Code == bare.Code && ct == bare.Header().Get("Content-Type")
	if same && rec.Code != http.StatusOK {
		same = identify(t, rec.Code, ct, rec.Body.Bytes()) == identify(t, bare.Code, bare.Header().Get("Content-Type"), bare.Body.Bytes())
	}
	if !same {
		t.Fatalf("validation on and off disagree on %s:\n  on:  %d %s\n  off: %d %s", desc(), rec.Code, rec.Body, bare.Code, bare.Body)
	}
}

// FuzzMatchQuery sends arbitrary query strings with the page's bodies, PATCH and PUT: `match`,
// its values and `customevents` are read from the query by the mock's own code.
func FuzzMatchQuery(f *testing.F) {
	patchBody, putBody := golden(f, "patch-request.json"), golden(f, "put-request.json")
	for _, seed := range []string{
		string(golden(f, "patch-request.query")),
		string(golden(f, "patch-request.sent.query")),
		string(golden(f, "patch-request.query")) + "&" + string(golden(f, "customevents.query")),
		string(golden(f, "put-request.query")),
		string(golden(f, "customevents.query")),
		"", "match=", "match=,", "match=a&match=b", "match=match&match=x", "match=Email&Email=%zz",
		"match=Email;Email=x", "match=Email&Email=\xff", "customevents=&match=Email&Email=jdoe@example.com",
		"match=ReferanceAccountId&ReferanceAccountId=1e3", "match=%00&%00=1", "match=Email&Email=a%1Fb",
	} {
		f.Add(seed)
	}
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, query string) {
		ft.exchange(t, http.MethodPatch, "/contactLists/3/contact", query, "application/json", patchBody)
		ft.exchange(t, http.MethodPut, "/contactLists/3/contact", query, "application/json", putBody)
	})
}

// TestQueryNameWithUnitSeparator is FuzzMatchQuery's first crasher (`match&&match%1F`):
// kin-openapi v0.152 panicked while decoding the exploded MatchValues object (a name holding
// U+001F, its internal key delimiter). conformance/contract now recovers, so the full pipeline
// answers exactly as the backend alone does.
func TestQueryNameWithUnitSeparator(t *testing.T) {
	b, err := w50.New(w50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := mock.New(mock.Options{}, b)
	if err != nil {
		t.Fatal(err)
	}
	for name, base := range map[string]string{"backend alone": "", "full pipeline": "/which50"} {
		var h http.Handler = b.Handler()
		if base != "" {
			h = s
		}
		srv := httptest.NewServer(h)
		req := patchPage(t).with(func(r *rawReq) { r.query = "match&&match%1F" })
		resp, body := send(t, srv.URL+base, req)
		srv.Close()
		t.Run(name, func(t *testing.T) { wantError(t, resp, body, "update-match-missing", nil, "application/json") })
	}
}

var jsonTypes = []string{"application/json", "text/json", "application/csp-report"}

// FuzzContactJSON sends arbitrary JSON-family bodies (the media type chosen by the first
// argument) with the page's queries, PATCH and PUT.
func FuzzContactJSON(f *testing.F) {
	for i, name := range []string{"patch-request.json", "put-request.json", "request-sample.json", "request-sample.csp-report.json"} {
		f.Add(uint8(i), golden(f, name))
	}
	for _, seed := range []string{"", "null", "[]", "{", `{"Values":null}`, `{"values":{"Mobile":1}}`, `{"ListId":1e400}`,
		`{"Values":{"Mobile":{"a":[1,2,{"b":null}]}}}`, `{"Values":{"sample string 1":1e308,"Mobile":"\ud800"}}`, `{} {}`} {
		f.Add(uint8(0), []byte(seed))
	}
	ft := newFuzzTarget(f)
	patchQuery, putQuery := string(golden(f, "patch-request.query")), string(golden(f, "put-request.query"))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		ct := jsonTypes[int(kind)%len(jsonTypes)]
		ft.exchange(t, http.MethodPatch, "/contactLists/3/contact", patchQuery, ct, body)
		ft.exchange(t, http.MethodPut, "/contactLists/3/contact", putQuery, ct, body)
	})
}

// FuzzContactXML sends arbitrary XML bodies as application/xml and text/xml, PATCH and PUT.
func FuzzContactXML(f *testing.F) {
	for _, name := range []string{"request-sample.xml", "put-request.xml"} {
		f.Add(golden(f, name))
	}
	for _, seed := range []string{"", "<Contact/>", "<Contact", "<!DOCTYPE Contact><Contact/>", "<Person/>",
		`<Contact><Values><KeyValueOfstringanyType><Key>Mobile</Key><Value>1</Value></KeyValueOfstringanyType></Values></Contact>`,
		`<Contact xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Values><KeyValueOfstringanyType><Key>ReferanceAccountId</Key><Value i:type="d:double">INF</Value></KeyValueOfstringanyType></Values></Contact>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><Contact/>`} {
		f.Add([]byte(seed))
	}
	ft := newFuzzTarget(f)
	patchQuery, putQuery := string(golden(f, "patch-request.query")), string(golden(f, "put-request.query"))
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.exchange(t, http.MethodPatch, "/contactLists/3/contact", patchQuery, "application/xml", body)
		ft.exchange(t, http.MethodPut, "/contactLists/3/contact", putQuery, "text/xml", body)
	})
}
