package mock

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
)

func loadSmallcrm(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("testdata/smallcrm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

const smallFixtures = `{"teams":[{"id":1}],"people":[{"id":7,"name":"Ada","tier":"free","teamId":1,"archived":false}]}`

func newSmall(t *testing.T, doc *openapi3.T, creds map[string]string) *Engine {
	t.Helper()
	e, err := NewEngine(EngineConfig{Vendor: "smallcrm", Doc: doc, Credentials: creds, Fixtures: []byte(smallFixtures)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAuthenticateFollowsSecuritySchemes: each kind of scheme is read where the spec puts it, a
// requirement needs all its schemes, and any one requirement will do.
func TestAuthenticateFollowsSecuritySchemes(t *testing.T) {
	doc := loadSmallcrm(t)
	doc.Components.SecuritySchemes = openapi3.SecuritySchemes{
		"header": {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: "X-Key"}},
		"query":  {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "query", Name: "key"}},
		"cookie": {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "cookie", Name: "sid"}},
		"bearer": {Value: &openapi3.SecurityScheme{Type: "http", Scheme: "bearer"}},
		"basic":  {Value: &openapi3.SecurityScheme{Type: "http", Scheme: "basic"}},
		"user":   {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: "username"}},
	}
	doc.Security = openapi3.SecurityRequirements{
		{"header": {}}, {"query": {}}, {"cookie": {}}, {"bearer": {}}, {"basic": {}},
		{"user": {}, "header": {}}, // both needed: only the first pair of the table passes with X-Key alone anyway
	}
	e := newSmall(t, doc, map[string]string{"header": "h1", "query": "q1", "cookie": "c1", "bearer": "b1", "basic": "u:p", "user": "ann"})
	cases := []struct {
		name string
		set  func(r *http.Request)
		want bool
	}{
		{"nothing", func(*http.Request) {}, false},
		{"header", func(r *http.Request) { r.Header.Set("X-Key", "h1") }, true},
		{"header wrong", func(r *http.Request) { r.Header.Set("X-Key", "h2") }, false},
		{"query", func(r *http.Request) { r.URL.RawQuery = "key=q1" }, true},
		{"cookie", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sid", Value: "c1"}) }, true},
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer b1") }, true},
		{"bearer any case", func(r *http.Request) { r.Header.Set("Authorization", "bearer b1") }, true},
		{"bearer wrong", func(r *http.Request) { r.Header.Set("Authorization", "Bearer b2") }, false},
		{"basic", func(r *http.Request) {
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("u:p")))
		}, true},
		{"basic wrong", func(r *http.Request) {
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("u:x")))
		}, false},
		{"basic not base64", func(r *http.Request) { r.Header.Set("Authorization", "Basic !!!") }, false},
		{"user alone", func(r *http.Request) { r.Header.Set("username", "ann") }, false},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("PATCH", "/v1/people/7", nil)
		tc.set(r)
		if got := e.Authenticate(r, nil); got != tc.want {
			t.Errorf("%s: Authenticate = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestUncoveredFailureIsAContractViolation: a failure no entry's `when` names is a gap in the
// spec; the engine answers a bare 500, which the pipeline reports as a violation, rather than
// guess an entry.
func TestUncoveredFailureIsAContractViolation(t *testing.T) {
	doc := loadSmallcrm(t)
	ops := doc.Paths.Find("/people/{personId}").Patch
	cat := ops.Extensions[specs.ExtErrorCatalogue].([]any)
	var kept []any
	for _, e := range cat {
		if e.(map[string]any)["id"] != "archived" {
			kept = append(kept, e)
		}
	}
	ops.Extensions[specs.ExtErrorCatalogue] = kept
	e, err := NewEngine(EngineConfig{Vendor: "smallcrm", Doc: doc, Credentials: map[string]string{"apiKey": "k"},
		Fixtures: []byte(`{"teams":[],"people":[{"id":8,"name":"B","tier":"pro","archived":true}]}`),
		Adapter: Adapter{Update: func(u *Update) *Problem {
			if u.Stored["archived"] == true {
				return RuleProblem("archived", "", nil)
			}
			return nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{}, e)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("PATCH", "/smallcrm/v1/people/8", strings.NewReader(`{"name":"x"}`))
	r.Header.Set("X-Api-Key", "k")
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError || len(s.Violations()) != 1 {
		t.Errorf("uncovered rule: %d %s, violations %v; want a bare 500 reported as a violation", w.Code, w.Body, s.Violations())
	}
}

// TestFixturesAreCheckedWhole: every kind of bad fixture is refused with a message naming the
// record, and nothing is installed.
func TestFixturesAreCheckedWhole(t *testing.T) {
	e := newSmall(t, loadSmallcrm(t), nil)
	cases := []struct{ data, want string }{
		{`[]`, `want a JSON object {"people": [...], "teams": [...]}`},
		{`{"people":[]} x`, "data after the fixtures object"},
		{`{"groups":[]}`, `unknown collection "groups"`},
		{`{"people":[1]}`, "people[0]: not a JSON object"},
		{`{"people":[{"id":1,"name":"a","tier":"free","archived":false,"nick":"x"}]}`, `people[0] (id 1): unknown property "nick"`},
		{`{"people":[{"id":1,"name":"a","tier":"gold","archived":false}]}`, "people[0] (id 1): tier must be one of free, pro"},
		{`{"people":[{"id":1,"tier":"free","archived":false}]}`, "people[0] (id 1): missing name"},
		{`{"people":[{"id":1,"name":"a","tier":"free","archived":false},{"id":1,"name":"b","tier":"free","archived":false}]}`, "people[1] (id 1): id 1 given twice"},
		{`{"people":[{"id":1,"name":"a","tier":"free","archived":false,"teamId":4}]}`, "people[0] (id 1): teamId 4 is not among the teams"},
	}
	for _, tc := range cases {
		_, err := e.PrepareFixtures([]byte(tc.data))
		if !errors.Is(err, ErrFixtures) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrFixtures with %q", tc.data, err, tc.want)
		}
	}
}

// TestNewEngineRefusesIncompleteSpecs: what the engine cannot serve is said at start-up.
func TestNewEngineRefusesIncompleteSpecs(t *testing.T) {
	for name, change := range map[string]func(doc *openapi3.T){
		"no x-mock":           func(doc *openapi3.T) { delete(doc.Extensions, specs.ExtMock) },
		"operation no x-mock": func(doc *openapi3.T) { delete(doc.Paths.Find("/people/{personId}").Patch.Extensions, specs.ExtMock) },
		"unknown collection": func(doc *openapi3.T) {
			doc.Paths.Find("/people/{personId}").Patch.Extensions[specs.ExtMock] = map[string]any{"update": map[string]any{"collection": "pets", "param": "personId"}}
		},
	} {
		doc := loadSmallcrm(t)
		change(doc)
		if _, err := NewEngine(EngineConfig{Vendor: "smallcrm", Doc: doc, Fixtures: []byte(smallFixtures)}); err == nil {
			t.Errorf("%s: NewEngine accepted the spec", name)
		}
	}
}

// TestKeysOrderAtTheInt64Extremes: state lists records by key, numerically; a subtraction would
// overflow for keys at the ends of int64 and put the largest first.
func TestKeysOrderAtTheInt64Extremes(t *testing.T) {
	if got := compareKeyPart("9223372036854775807", "-9223372036854775808"); got != 1 {
		t.Errorf("compareKeyPart(max, min) = %d, want 1", got)
	}
	if got := compareKeyPart("-9223372036854775808", "9223372036854775807"); got != -1 {
		t.Errorf("compareKeyPart(min, max) = %d, want -1", got)
	}
	if got := compareKeyPart("2", "10"); got != -1 {
		t.Errorf("compareKeyPart(2, 10) = %d, want -1 (numeric, not text)", got)
	}
}
