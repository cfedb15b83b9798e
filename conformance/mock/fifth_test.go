package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
)

// smallcrmAdapter is the whole hand-written code of a fifth vendor: the one business rule of its
// (made-up) page, that an archived person cannot be changed. Everything else comes from
// testdata/smallcrm.yaml. The test below counts its lines.
// adapter:begin
func smallcrmAdapter() mock.Adapter {
	return mock.Adapter{Update: func(u *mock.Update) *mock.Problem {
		if archived, _ := u.Stored["archived"].(bool); archived {
			return mock.RuleProblem("archived", "", nil)
		}
		return nil
	}}
}

const smallcrmFixtures = `{
	"teams": [{"id": 1}, {"id": 2}],
	"people": [
		{"id": 7, "name": "Ada", "tier": "free", "teamId": 1, "archived": false},
		{"id": 8, "name": "Bob", "tier": "pro", "teamId": null, "archived": true}
	]
}`

// adapter:end

func newSmallcrm(t *testing.T) (*mock.Engine, string) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("testdata/smallcrm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatal(err)
	}
	e, err := mock.NewEngine(mock.EngineConfig{Vendor: "smallcrm", Doc: doc, Adapter: smallcrmAdapter(),
		Credentials: map[string]string{"apiKey": "k3y"}, Fixtures: []byte(smallcrmFixtures)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := mock.New(mock.Options{}, e)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		if v := s.Violations(); len(v) > 0 {
			t.Errorf("answers the spec forbids:\n%s", strings.Join(v, "\n"))
		}
	})
	return e, srv.URL + "/smallcrm/v1"
}

// TestFifthVendor: a vendor that is a spec and a rule is served whole by the engine: updates
// stored and answered, the stored record read back, every refusal the catalogue entry its `when` names, the references and the
// adapter's rule enforced.
func TestFifthVendor(t *testing.T) {
	e, base := newSmallcrm(t)
	cases := []struct {
		name, method, path, key, contentType, body string
		status                                     int
		want                                       string // a substring of the answer
	}{
		{"update", "PATCH", "/people/7", "k3y", "application/json", `{"name":"Ada L","tier":"pro","teamId":2}`, 200, `"name":"Ada L"`},
		{"no key", "PATCH", "/people/7", "", "application/json", `{}`, 401, `"code":"bad_key"`},
		{"wrong key", "PATCH", "/people/7", "nope", "application/json", `{}`, 401, `"detail":"Missing or wrong X-Api-Key"`},
		{"not JSON", "PATCH", "/people/7", "k3y", "application/json", `{"name":`, 400, `"code":"not_json"`},
		{"data after the object", "PATCH", "/people/7", "k3y", "application/json", `{} {}`, 400, `"code":"not_json"`},
		{"media type", "PATCH", "/people/7", "k3y", "text/plain", `{}`, 400, `"code":"not_json"`},
		{"type", "PATCH", "/people/7", "k3y", "application/json", `{"name":5}`, 400, `"detail":"name must be a string"`},
		{"enum", "PATCH", "/people/7", "k3y", "application/json", `{"tier":"gold"}`, 400, `"detail":"tier must be one of free, pro"`},
		{"first field by name", "PATCH", "/people/7", "k3y", "application/json", `{"tier":"gold","name":5}`, 400, `"code":"bad_value"`},
		{"unknown person", "PATCH", "/people/9", "k3y", "application/json", `{}`, 404, `"detail":"No person 9"`},
		{"id no integer", "PATCH", "/people/x", "k3y", "application/json", `{}`, 404, `"detail":"No person x"`},
		{"unknown team", "PATCH", "/people/7", "k3y", "application/json", `{"teamId":3}`, 400, `"detail":"No team 3"`},
		{"archived", "PATCH", "/people/8", "k3y", "application/json", `{"name":"B"}`, 409, `"code":"archived"`},
		{"no route", "GET", "/teams", "k3y", "", ``, 404, `"detail":"No GET /v1/teams"`},
		// The read operation (x-mock read): the record as stored, after the update above; the
		// adapter's rule is about updates, so an archived person reads; not-found as for updates.
		{"read", "GET", "/people/7", "k3y", "", ``, 200, `"name":"Ada L"`},
		{"read an archived person", "GET", "/people/8", "k3y", "", ``, 200, `"name":"Bob"`},
		{"read unknown person", "GET", "/people/9", "k3y", "", ``, 404, `"detail":"No person 9 to read"`},
		{"read id no integer", "GET", "/people/x", "k3y", "", ``, 404, `"detail":"No person x to read"`},
		{"read without key", "GET", "/people/7", "", "", ``, 401, `"code":"bad_key"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
			if tc.key != "" {
				req.Header.Set("X-Api-Key", tc.key)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("%s %s %s: %d %s, want %d with %s", tc.method, tc.path, tc.body, resp.StatusCode, body, tc.status, tc.want)
			}
		})
	}
	// Only the first case changed anything, and the state shows it in the schema's shape.
	raw, _ := json.Marshal(e.State())
	want := `{"people":[{"archived":false,"id":7,"name":"Ada L","teamId":2,"tier":"pro"},{"archived":true,"id":8,"name":"Bob","teamId":null,"tier":"pro"}],"teams":[{"id":1},{"id":2}]}`
	if string(raw) != want {
		t.Errorf("state\n%s\nwant\n%s", raw, want)
	}
}

// TestFifthVendorAdapterIsSmall: the fifth vendor's hand-written code stays within the issue's
// budget of 50 lines.
func TestFifthVendorAdapterIsSmall(t *testing.T) {
	src, err := os.ReadFile("fifth_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(src), "// adapter"+":begin\n")
	adapter, _, _ := strings.Cut(after, "// adapter"+":end")
	if n := strings.Count(adapter, "\n"); n > 50 {
		t.Errorf("the fifth vendor's adapter and fixtures are %d lines, over 50", n)
	}
}
