package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
)

// The fake vendor of these tests is not the mock: each case answers one discrepancy's way, as its
// page or spec line says, with fixtures of its own (not the page's example records).
const (
	w50TestToken = "w50-test-token-never-in-evidence"
	w50TestList  = 7
	// What the probes promise to use instead of real records, pinned here rather than read from
	// the code under test so that changing them there fails w50CheckHarmless.
	w50TestNoSuchList   = 2147483646
	w50TestNoSuchEvent  = "DriftProbeNoSuchEvent"
	w50TestNoSuchValue  = "drift-probe-matches-nothing"
	w50TestNoSuchNumber = "-2147483646"
)

// w50TestFixtures: Account is numeric, so the values-types probe can send it as a number.
func w50TestFixtures() map[string]string {
	return map[string]string{"LIST_ID": strconv.Itoa(w50TestList), "MATCH": "Email=a%40b.example&Account=42"}
}

// w50Req is a request as the fake vendor saw it.
type w50Req struct {
	Method      string
	List        int // -1 when the path is not the route
	Query       url.Values
	ContentType string
	Accept      string
	Body        []byte
	Authorized  bool
}

func (r w50Req) isXML() bool { return strings.HasSuffix(r.ContentType, "/xml") }

// jsonBody is the JSON body as a map (nil when it is not a JSON object).
func (r w50Req) jsonBody() map[string]any {
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}

// xmlHasElement reports whether the XML body has an element of that local name.
func (r w50Req) xmlHasElement(local string) bool {
	return regexp.MustCompile(`<` + local + `[ >/]`).Match(r.Body)
}

// w50Ans is the fake vendor's answer.
type w50Ans struct {
	status int
	ct     string
	body   string
}

func w50AnsIDs(ids ...string) w50Ans {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids)
	return w50Ans{status: http.StatusOK, ct: "application/json; charset=utf-8", body: string(b)}
}

func w50AnsMessage(status int, msg string) w50Ans {
	b, _ := json.Marshal(map[string]string{"Message": msg})
	return w50Ans{status: status, ct: "application/json; charset=utf-8", body: string(b)}
}

// w50AnsEntry answers a catalogue entry as ASP.NET's HttpError.
func w50AnsEntry(t testing.TB, id string, args map[string]string) w50Ans {
	t.Helper()
	e := w50TestEntry(t, id)
	msg, err := e.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	return w50AnsMessage(e.Status, msg)
}

var w50TestCatalogue = sync.OnceValues(func() (specs.Catalogue, error) {
	doc, err := specs.Load(specs.Which50)
	if err != nil {
		return nil, err
	}
	return specs.ReadCatalogue(doc)
})

func w50TestEntry(t testing.TB, id string) specs.Entry {
	t.Helper()
	cat, err := w50TestCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := cat.ByID(id)
	if !ok {
		t.Fatalf("specs/which50.yaml has no entry %q", id)
	}
	return e
}

// w50Server is a fake Which50 answering with handle, after checking that no request could change
// data (w50CheckHarmless). It counts the requests.
type w50Server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []w50Req
}

func newW50Server(t *testing.T, handle func(w50Req) w50Ans) *w50Server {
	t.Helper()
	s := &w50Server{}
	routeRE := regexp.MustCompile(`^/w50/contactLists/(-?\d+)/contact$`)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		body, _ := io.ReadAll(hr.Body)
		r := w50Req{Method: hr.Method, List: -1, Query: hr.URL.Query(), ContentType: hr.Header.Get("Content-Type"),
			Accept: hr.Header.Get("Accept"), Body: body, Authorized: hr.Header.Get("Authorization") == "Bearer "+w50TestToken}
		if m := routeRE.FindStringSubmatch(hr.URL.Path); m != nil {
			r.List, _ = strconv.Atoi(m[1])
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		s.mu.Unlock()
		w50CheckHarmless(t, r)
		a := handle(r)
		w.Header().Set("Content-Type", a.ct)
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *w50Server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func (s *w50Server) target(fixtures map[string]string, allowMutations bool) *Target {
	return &Target{
		Vendor: specs.Which50, BaseURL: s.URL + "/w50/", HTTP: s.Client(), Fixtures: fixtures, AllowMutations: allowMutations,
		Authorize: func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+w50TestToken)
			return nil
		},
	}
}

// w50CheckHarmless fails the test for any request that would change data if the vendor accepted
// it: the probes' promise is that they reach only the fixture list (or a list that does not
// exist), set nothing there and run no real Custom Event.
func w50CheckHarmless(t *testing.T, r w50Req) {
	t.Helper()
	fixture, _ := url.ParseQuery(w50TestFixtures()["MATCH"])
	if r.List != w50TestList && r.List != w50TestNoSuchList {
		t.Errorf("%s reached list %d, neither the fixture's nor one that does not exist", r.Method, r.List)
	}
	if ev := r.Query["customevents"]; len(ev) > 0 && !slices.Equal(ev, []string{w50TestNoSuchEvent}) {
		t.Errorf("a real Custom Event could run: customevents=%v", ev)
	}
	if r.Method == http.MethodPost && r.List != w50TestNoSuchList {
		t.Errorf("POST reached list %d: it could insert a contact", r.List)
	}
	var values map[string]any
	switch {
	case len(r.Body) == 0 || string(r.Body) == "null" || string(r.Body) == "{":
		return
	case r.isXML():
		var dto which50.ContactDTO
		if err := xml.Unmarshal(r.Body, &dto); err != nil {
			t.Errorf("unreadable XML body: %v", err)
			return
		}
		if dto.Values != nil {
			values = *dto.Values
		}
	default:
		m := r.jsonBody()
		if m == nil {
			t.Errorf("unreadable JSON body %q", r.Body)
			return
		}
		for k, v := range m {
			if strings.EqualFold(k, "Values") {
				values, _ = v.(map[string]any)
			}
		}
	}
	if r.Method == http.MethodPatch && len(values) > 0 {
		t.Errorf("a PATCH sets %v", values)
	}
	for k, v := range values {
		// A PUT may repeat the values it matches on (the records already hold them), as text or
		// number, or values no contact has.
		if got := fmt.Sprint(v); got != fixture.Get(k) && got != w50TestNoSuchValue && got != w50TestNoSuchNumber {
			t.Errorf("a %s sets %s=%v", r.Method, k, v)
		}
	}
}

// w50Run runs the probe id against the fake.
func w50Run(t *testing.T, id string, target *Target) Outcome {
	t.Helper()
	for _, p := range which50Probes {
		if p.ID == id {
			return p.Run(context.Background(), target)
		}
	}
	t.Fatalf("no probe %q", id)
	return Outcome{}
}

// w50CheckEvidence: one line, says what was sent, never the credential.
func w50CheckEvidence(t *testing.T, out Outcome) {
	t.Helper()
	if out.Evidence == "" || strings.ContainsAny(out.Evidence, "\r\n") {
		t.Errorf("evidence must be one non-empty line: %q", out.Evidence)
	}
	if strings.Contains(out.Evidence, w50TestToken) {
		t.Errorf("evidence holds the credential: %q", out.Evidence)
	}
}

// w50FrameworkUnauthorized is ASP.NET's own 401 message, as the discrepancy's page line quotes it
// (checked against the spec in the test that uses it).
const w50FrameworkUnauthorized = "Authorization has been denied for this request."

// The namespaces of the page's XML sample: the root Contact's, its properties', and the
// dictionary entries'.
const (
	w50RootNS    = "http://schemas.datacontract.org/2004/07/W50API.Models.DTO"
	w50ContactNS = "http://schemas.datacontract.org/2004/07/W50Common.Model.DTO"
	w50ArraysNS  = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
)

// xmlNamespaces are the namespaces of the body's elements other than the dictionary entries,
// sorted: the page's form has the root's and the properties'.
func (r w50Req) xmlNamespaces() []string {
	var out []string
	d := xml.NewDecoder(bytes.NewReader(r.Body))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space != w50ArraysNS && !slices.Contains(out, se.Name.Space) {
			out = append(out, se.Name.Space)
		}
	}
	slices.Sort(out)
	return out
}

type w50Case struct {
	name   string
	handle func(t *testing.T, r w50Req) w50Ans
	want   Reading
	// evidence, when set, must be in the outcome's evidence.
	evidence string
}

func TestWhich50ProbeReadings(t *testing.T) {
	matchMissing := func(t *testing.T) w50Ans { return w50AnsEntry(t, "update-match-missing", nil) }
	internal := func(t *testing.T) w50Ans { return w50AnsEntry(t, "update-internal-error", nil) }
	// hasAllValues: every name in match has a query value (PATCH).
	hasAllValues := func(r w50Req) bool {
		names := r.Query.Get("match")
		if names == "" {
			return false
		}
		for _, n := range strings.Split(names, ",") {
			if r.Query.Get(n) == "" {
				return false
			}
		}
		return true
	}
	bodyListID := func(r w50Req) (string, bool) {
		v, ok := r.jsonBody()["ListId"]
		return fmt.Sprint(v), ok
	}
	hasID := func(r w50Req) bool {
		if r.isXML() {
			return r.xmlHasElement("Id")
		}
		_, ok := r.jsonBody()["Id"]
		return ok
	}
	valuesKey := func(r w50Req) string {
		for k := range r.jsonBody() {
			if strings.EqualFold(k, "Values") {
				return k
			}
		}
		return ""
	}

	cases := map[string][]w50Case{
		// page: the Custom Events example carries customevents without match. spec: match stays
		// required.
		"which50-customevents-insert-wording": {
			{name: "spec: match still required", want: Spec, evidence: "answered 200", handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") == "" {
					return matchMissing(t)
				}
				return w50AnsIDs("c1")
			}},
			{name: "page: customevents alone updates", want: Page, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1") }},
			{name: "page: customevents alone reaches the match", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsEntry(t, "update-no-contacts-matched", nil)
			}},
			{name: "neither: a 500", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") == "" {
					return internal(t)
				}
				return w50AnsIDs("c1")
			}},
			{name: "spec, unknown events refused", want: Spec, evidence: "answered 400", handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") == "" {
					return matchMissing(t)
				}
				return w50AnsMessage(http.StatusBadRequest, "unknown custom event")
			}},
		},
		// page: no word on which of path and ListId wins. spec: the path decides.
		"which50-listid-vs-path": {
			{name: "spec: path decides", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1", "c2") }},
			{name: "page: ListId decides", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if id, ok := bodyListID(r); ok && id != strconv.Itoa(r.List) {
					return w50AnsEntry(t, "update-list-not-found", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "page: they must agree", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if id, ok := bodyListID(r); ok && id != strconv.Itoa(r.List) {
					return w50AnsEntry(t, "request-invalid", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "neither: other contacts", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if _, ok := bodyListID(r); ok {
					return w50AnsIDs("c9")
				}
				return w50AnsIDs("c1")
			}},
		},
		// page: the XML sample has Id. spec: the server ignores it.
		"which50-xml-id-element": {
			{name: "spec: Id ignored", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1") }},
			{name: "page: Id selects the contact", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if hasID(r) {
					return w50AnsEntry(t, "upsert-no-contacts-matched", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "page: XML Id selects another contact", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.isXML() && hasID(r) {
					return w50AnsIDs("c5")
				}
				return w50AnsIDs("c1")
			}},
			{name: "neither: a 500", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if hasID(r) {
					return internal(t)
				}
				return w50AnsIDs("c1")
			}},
		},
		// page: root Contact in one namespace, children in another. spec: exactly as the sample.
		"which50-contactdto-xml-root": {
			{name: "spec, namespaces checked", want: Spec, evidence: "namespaces are checked", handle: func(t *testing.T, r w50Req) w50Ans {
				switch ns := r.xmlNamespaces(); {
				case !r.isXML(), slices.Equal(ns, []string{w50RootNS, w50ContactNS}):
					return w50AnsIDs("c1")
				case slices.Equal(ns, []string{w50RootNS}):
					return w50AnsEntry(t, "upsert-contact-null", nil)
				default:
					t.Errorf("XML in neither the page's namespaces nor the root's alone: %v", ns)
					return internal(t)
				}
			}},
			{name: "spec, namespaces not checked", want: Spec, evidence: "namespaces are not checked", handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsIDs("c1")
			}},
			{name: "page: the sample form is not read", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsEntry(t, "upsert-contact-null", nil)
			}},
			{name: "neither: XML refused", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsEntry(t, "unsupported-media-type", map[string]string{"mediaType": r.ContentType})
			}},
		},
		// page: 123456 as a JSON number in the PUT, as text in the PATCH. spec: converted by the
		// list's schema.
		"which50-values-types": {
			{name: "spec: converted", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1") }},
			{name: "page: the JSON type must be the field's", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Method == http.MethodPut {
					if _, isNumber := r.jsonBody()["Values"].(map[string]any)["Account"].(json.Number); !isNumber {
						return w50AnsEntry(t, "upsert-no-contacts-matched", nil)
					}
				}
				return w50AnsIDs("c1")
			}},
			{name: "neither: numbers fail the server", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Method == http.MethodPut {
					if _, isNumber := r.jsonBody()["Values"].(map[string]any)["Account"].(json.Number); isNumber {
						return internal(t)
					}
				}
				return w50AnsIDs("c1")
			}},
		},
		// page: the PATCH example has no body. spec: the body is required (403 without).
		"which50-patch-example-no-body": {
			{name: "spec: a body is needed", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				if len(r.Body) == 0 {
					return w50AnsEntry(t, "update-contact-null", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "page: no body is fine", want: Page, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1") }},
			{name: "neither: a 400 for no body", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if len(r.Body) == 0 {
					return w50AnsEntry(t, "request-invalid", nil)
				}
				return w50AnsIDs("c1")
			}},
		},
		// page: the PUT example spells values. spec: Values, case-insensitive binding assumed.
		"which50-put-example-values-case": {
			{name: "spec: case-insensitive", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1") }},
			{name: "page: only values", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if valuesKey(r) != "values" {
					return w50AnsEntry(t, "upsert-contact-null", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "neither: only Values", want: Neither, evidence: "case-sensitive", handle: func(t *testing.T, r w50Req) w50Ans {
				if valuesKey(r) != "Values" {
					return w50AnsEntry(t, "upsert-contact-null", nil)
				}
				return w50AnsIDs("c1")
			}},
		},
		// page: titled PATCH, yet describes PUT (and POST). spec: PATCH and PUT.
		"which50-page-methods": {
			{name: "spec, POST not routed", want: Spec, evidence: "POST is not routed", handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Method == http.MethodPost {
					return w50AnsEntry(t, "method-not-allowed", map[string]string{"method": r.Method})
				}
				return w50AnsIDs("c1")
			}},
			{name: "spec, POST routed", want: Spec, evidence: "POST is routed (404)", handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Method == http.MethodPost {
					return w50AnsEntry(t, "upsert-list-not-found", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "page: PATCH only", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Method != http.MethodPatch {
					return w50AnsEntry(t, "method-not-allowed", map[string]string{"method": r.Method})
				}
				return w50AnsIDs("c1")
			}},
			{name: "neither: a 500", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans { return internal(t) }},
		},
		// page and spec both list application/csp-report: there is no page reading to tell from
		// the spec's, only the formatter being live or not.
		"which50-csp-report-media-type": {
			{name: "spec: formatter live", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.ContentType != "application/csp-report" || r.Accept != "application/csp-report" {
					return internal(t)
				}
				return w50Ans{status: http.StatusOK, ct: "application/csp-report", body: `["c1"]`}
			}},
			{name: "neither: a help-page artefact", want: Neither, evidence: "help-page artefact", handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsEntry(t, "unsupported-media-type", map[string]string{"mediaType": r.ContentType})
			}},
			{name: "neither: answered in JSON", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1") }},
		},
		// page: ReferanceAccountID and ReferanceAccountId. spec: fixes neither spelling.
		"which50-referance-account-id-case": {
			{name: "spec: names exact, no match", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") != "Account,Email" {
					return w50AnsEntry(t, "update-no-contacts-matched", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "spec: names exact, unknown property", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") != "Account,Email" {
					return w50AnsEntry(t, "request-invalid", nil)
				}
				return w50AnsIDs("c1")
			}},
			// The spec fixes neither spelling: matching either way agrees with it.
			{name: "spec: case-insensitive", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1") }},
			{name: "neither: a 500", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") != "Account,Email" {
					return internal(t)
				}
				return w50AnsIDs("c1")
			}},
		},
		// page: the 400 row blames the MatchValues QueryParam. spec: match missing or empty, and a
		// name without a value, are that 400.
		"which50-matchvalues-param-name": {
			{name: "spec: all three", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				if !hasAllValues(r) {
					return matchMissing(t)
				}
				return w50AnsIDs("c1")
			}},
			{name: "page: match only", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") == "" {
					return matchMissing(t)
				}
				if !hasAllValues(r) {
					return w50AnsEntry(t, "update-no-contacts-matched", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "neither: nothing refused", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans { return w50AnsIDs("c1") }},
		},
		// page: the 401 row's own words; ASP.NET's filter has another message. spec: the row's.
		"which50-401-message-framework-default": {
			{name: "spec: the row's message", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				if !r.Authorized {
					return w50AnsEntry(t, "update-unauthorized", nil)
				}
				return w50AnsIDs("c1")
			}},
			{name: "page: the framework's message", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsMessage(http.StatusUnauthorized, w50FrameworkUnauthorized)
			}},
			{name: "neither: an HTML 401", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				return w50Ans{status: http.StatusUnauthorized, ct: "text/html", body: "<html><body>401</body></html>"}
			}},
			{name: "neither: accepted without credentials", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsEntry(t, "update-no-contacts-matched", nil)
			}},
		},
		// page: a null Contact is a 403. spec: so it is, for no body, null and unparseable.
		"which50-null-contact-403": {
			{name: "spec: 403 each", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsEntry(t, "update-contact-null", nil)
			}},
			{name: "page: 400 each (a malformed request)", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				return w50AnsEntry(t, "request-invalid", nil)
			}},
			{name: "neither: mixed", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if len(r.Body) == 0 {
					return w50AnsEntry(t, "update-contact-null", nil)
				}
				return w50AnsEntry(t, "request-invalid", nil)
			}},
		},
		// page: one 404 row for an unknown list and for no match. spec: two entries.
		"which50-404-two-conditions": {
			{name: "spec: two messages", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.List != w50TestList {
					return w50AnsEntry(t, "update-list-not-found", nil)
				}
				return w50AnsEntry(t, "update-no-contacts-matched", nil)
			}},
			{name: "page: the row's one text", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				// The page's row joins the two conditions with "or".
				return w50AnsMessage(http.StatusNotFound, w50TestEntry(t, "update-list-not-found").Message+" or "+
					w50TestEntry(t, "update-no-contacts-matched").Message)
			}},
			{name: "neither: no match is a 200", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.List != w50TestList {
					return w50AnsEntry(t, "update-list-not-found", nil)
				}
				return w50AnsIDs()
			}},
		},
		// page: a match name must be a property of the ContactDTO. spec: a key of Values.
		"which50-put-match-in-values": {
			{name: "spec: keys of Values", want: Spec, handle: func(t *testing.T, r w50Req) w50Ans {
				values, _ := r.jsonBody()["Values"].(map[string]any)
				for _, n := range strings.Split(r.Query.Get("match"), ",") {
					if _, ok := values[n]; !ok {
						return w50AnsEntry(t, "upsert-match-missing", nil)
					}
				}
				return w50AnsIDs("c1")
			}},
			{name: "page: ContactDTO properties", want: Page, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") == "ListId" {
					return w50AnsIDs("c1", "c2", "c3")
				}
				return w50AnsIDs("c1")
			}},
			{name: "neither: a 500", want: Neither, handle: func(t *testing.T, r w50Req) w50Ans {
				if r.Query.Get("match") == "ListId" {
					return internal(t)
				}
				return w50AnsIDs("c1")
			}},
		},
	}

	for _, p := range which50Probes {
		if len(cases[p.ID]) == 0 {
			t.Errorf("%s: no table cases", p.ID)
		}
	}
	for id, cs := range cases {
		for _, c := range cs {
			t.Run(id+"/"+c.name, func(t *testing.T) {
				srv := newW50Server(t, func(r w50Req) w50Ans {
					if !r.Authorized && id != "which50-401-message-framework-default" {
						t.Errorf("%s %v sent without credentials", r.Method, r.Query)
					}
					return c.handle(t, r)
				})
				out := w50Run(t, id, srv.target(w50TestFixtures(), true))
				if out.Reading != c.want {
					t.Errorf("reading %s, want %s; evidence: %s", out.Reading, c.want, out.Evidence)
				}
				if !strings.Contains(out.Evidence, c.evidence) {
					t.Errorf("evidence lacks %q: %s", c.evidence, out.Evidence)
				}
				w50CheckEvidence(t, out)
			})
		}
	}
}

// The framework message the Page case answers must be the one the discrepancy records.
func TestWhich50FrameworkMessageIsTheSpecs(t *testing.T) {
	ds, err := Discrepancies(specs.Which50)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.ID == "which50-401-message-framework-default" {
			if !strings.Contains(d.Page, `"`+w50FrameworkUnauthorized+`"`) {
				t.Errorf("the discrepancy's page line no longer quotes %q: %s", w50FrameworkUnauthorized, d.Page)
			}
			return
		}
	}
	t.Error("specs/which50.yaml has no which50-401-message-framework-default")
}

// TestWhich50ProbesOnTheMock: the mock follows the spec by construction, so every probe reads
// Spec there; without leave to mutate, the probes that write are Unsettled and the others still
// read Spec.
func TestWhich50ProbesOnTheMock(t *testing.T) {
	for _, allow := range []bool{true, false} {
		for _, p := range which50Probes {
			t.Run(fmt.Sprintf("%s/mutations=%v", p.ID, allow), func(t *testing.T) {
				out := p.Run(context.Background(), mockTarget(t, specs.Which50, allow))
				want := Spec
				if p.Mutates && !allow {
					want = Unsettled
				}
				if out.Reading != want {
					t.Errorf("reading %s, want %s; evidence: %s", out.Reading, want, out.Evidence)
				}
				w50CheckEvidence(t, out)
			})
		}
	}
}

// Probes that write run only with leave to mutate, and then send nothing without it.
func TestWhich50MutatingProbesNeedLeave(t *testing.T) {
	srv := newW50Server(t, func(w50Req) w50Ans { return w50AnsIDs("c1") })
	for _, p := range which50Probes {
		if !p.Mutates {
			continue
		}
		out := p.Run(context.Background(), srv.target(w50TestFixtures(), false))
		if out.Reading != Unsettled || !strings.Contains(out.Evidence, "--allow-mutations") {
			t.Errorf("%s: %s %q, want unsettled naming --allow-mutations", p.ID, out.Reading, out.Evidence)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests sent without leave to mutate", n)
	}
}

// Without usable fixture records, a probe that needs them sends nothing and says how to fix it.
func TestWhich50ProbesNeedFixtures(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fixtures map[string]string
		want     string
	}{
		{"none", nil, "LIST_ID"},
		{"no match", map[string]string{"LIST_ID": "7"}, "MATCH"},
		{"list not a number", map[string]string{"LIST_ID": "seven", "MATCH": "Email=a"}, "LIST_ID is not an integer"},
		{"match not a query", map[string]string{"LIST_ID": "7", "MATCH": "%zz"}, "MATCH is not a query string"},
		{"empty value", map[string]string{"LIST_ID": "7", "MATCH": "Email="}, "empty name or value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newW50Server(t, func(r w50Req) w50Ans { return w50AnsEntry(t, "update-unauthorized", nil) })
			for _, p := range which50Probes {
				if p.ID == "which50-401-message-framework-default" {
					continue // needs no fixture
				}
				before := srv.count()
				out := p.Run(context.Background(), srv.target(tc.fixtures, true))
				if out.Reading != Unsettled || !strings.Contains(out.Evidence, tc.want) {
					t.Errorf("%s: %s %q, want unsettled naming %q", p.ID, out.Reading, out.Evidence, tc.want)
				}
				if srv.count() != before {
					t.Errorf("%s sent requests without fixtures", p.ID)
				}
				w50CheckEvidence(t, out)
			}
		})
	}
	t.Run("401 probe without fixtures", func(t *testing.T) {
		srv := newW50Server(t, func(r w50Req) w50Ans { return w50AnsEntry(t, "update-unauthorized", nil) })
		out := w50Run(t, "which50-401-message-framework-default", srv.target(nil, false))
		if out.Reading != Spec || !strings.Contains(out.Evidence, strconv.Itoa(w50TestNoSuchList)) {
			t.Errorf("%s %q, want spec on the list that does not exist", out.Reading, out.Evidence)
		}
	})
}

// values-types needs a numeric match value to send as a JSON number.
func TestWhich50ValuesTypesNeedsANumber(t *testing.T) {
	srv := newW50Server(t, func(w50Req) w50Ans { return w50AnsIDs("c1") })
	out := w50Run(t, "which50-values-types", srv.target(map[string]string{"LIST_ID": "7", "MATCH": "Email=a%40b.example"}, true))
	if out.Reading != Unsettled || !strings.Contains(out.Evidence, "numeric") || srv.count() != 0 {
		t.Errorf("%s %q after %d requests, want unsettled asking for a numeric value before any request", out.Reading, out.Evidence, srv.count())
	}
}

// When the fixture records do not fit (the list is unknown or not the credential's, or the match
// finds nothing), the probes that rely on them cannot decide.
func TestWhich50FixtureThatDoesNotFit(t *testing.T) {
	noMatch := []string{"which50-listid-vs-path", "which50-xml-id-element", "which50-contactdto-xml-root",
		"which50-values-types", "which50-patch-example-no-body", "which50-put-example-values-case", "which50-page-methods",
		"which50-csp-report-media-type", "which50-referance-account-id-case", "which50-put-match-in-values"}
	var allButAnonymous []string
	for _, p := range which50Probes {
		if p.ID != "which50-401-message-framework-default" {
			allButAnonymous = append(allButAnonymous, p.ID)
		}
	}
	for _, tc := range []struct {
		name   string
		answer string // the entry without its update-/upsert- prefix
		probes []string
	}{
		{"match finds nothing", "no-contacts-matched", noMatch},
		{"list unknown", "list-not-found", allButAnonymous},
		{"list not the credential's", "forbidden", allButAnonymous},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newW50Server(t, func(r w50Req) w50Ans {
				op := "update-"
				if r.Method != http.MethodPatch {
					op = "upsert-"
				}
				if r.List == w50TestNoSuchList {
					return w50AnsEntry(t, op+"list-not-found", nil)
				}
				return w50AnsEntry(t, op+tc.answer, nil)
			})
			for _, id := range tc.probes {
				out := w50Run(t, id, srv.target(w50TestFixtures(), true))
				if out.Reading != Unsettled {
					t.Errorf("%s: %s, want unsettled; evidence: %s", id, out.Reading, out.Evidence)
				}
				w50CheckEvidence(t, out)
			}
		})
	}
}

// A target that does not answer settles nothing, and the evidence says why in one line.
func TestWhich50NoAnswer(t *testing.T) {
	srv := newW50Server(t, func(w50Req) w50Ans { return w50AnsIDs("c1") })
	target := srv.target(w50TestFixtures(), true)
	srv.Close()
	for _, p := range which50Probes {
		out := p.Run(context.Background(), target)
		if out.Reading != Unsettled || !strings.Contains(out.Evidence, "no answer") {
			t.Errorf("%s: %s %q, want unsettled with no answer", p.ID, out.Reading, out.Evidence)
		}
		w50CheckEvidence(t, out)
	}
}

func TestW50SwapLastCase(t *testing.T) {
	for in, want := range map[string]string{
		"ReferanceAccountId": "ReferanceAccountID", // the page's two spellings
		"Email":              "EmaiL",
		"Mobile2":            "MobilE2",
		"Émile_":             "ÉmilE_",
	} {
		if got, ok := w50SwapLastCase(in); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
	if got, ok := w50SwapLastCase("123_"); ok {
		t.Errorf("123_: %q, want no swap", got)
	}
}
