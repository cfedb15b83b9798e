package replay

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
	"github.com/contactapis/contactapis/tools/drift/internal/traffic"
)

// cleanEntries are the entries of the suite's recording kept in tools/drift's testdata.
func cleanEntries(t *testing.T) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "har", "replay", "clean.har"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Entries []map[string]any `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Log.Entries
}

// entry returns a copy of the first clean entry whose _spec starts with spec.
func entry(t *testing.T, spec string) map[string]any {
	t.Helper()
	for _, e := range cleanEntries(t) {
		if s, _ := e["_spec"].(string); strings.HasPrefix(s, spec) {
			return e
		}
	}
	t.Fatalf("no clean entry of spec %q", spec)
	return nil
}

func writeHAR(t *testing.T, entries ...map[string]any) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "entries": entries}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.har")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, path string) *report.Report {
	t.Helper()
	r, err := Run(context.Background(), []string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rules(r *report.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Rule+" "+f.Operation+": "+f.Message)
	}
	return out
}

// The mock's state carries from one exchange to the next within a spec, and each spec starts
// from the fixtures. iovox's example renames contact 333 to "333 Updated": twice in two specs, it
// succeeds twice; twice in one spec, the second finds no contact 333.
func TestStateFollowsSpecs(t *testing.T) {
	rename := entry(t, "MUST accept the page's example payload")
	var rr map[string]any
	data, _ := json.Marshal(rename)
	_ = json.Unmarshal(data, &rr)

	rename["_spec"], rr["_spec"] = "first", "second"
	r := run(t, writeHAR(t, rename, rr))
	if len(r.Findings) != 0 || r.Replay.Resets != 2 {
		t.Errorf("two specs: resets %d, findings %q", r.Replay.Resets, rules(r))
	}

	rr["_spec"] = "first"
	r = run(t, writeHAR(t, rename, rr))
	if got := rules(r); len(got) != 1 || got[0] != "replay-status updateContacts: the vendor answered 204, the mock 400" || r.Replay.Resets != 1 {
		t.Errorf("one spec: resets %d, findings %q", r.Replay.Resets, got)
	}

	// A capture without _spec is one sequence.
	delete(rename, "_spec")
	delete(rr, "_spec")
	r = run(t, writeHAR(t, rename, rr))
	if len(r.Findings) != 1 || r.Replay.Resets != 1 {
		t.Errorf("no spec: resets %d, findings %q", r.Replay.Resets, rules(r))
	}
}

// A recorded login opens the session the later requests carry; without one, the replay logs in by
// itself, once per session it needs.
func TestValomniaSession(t *testing.T) {
	var flow []map[string]any
	for _, e := range cleanEntries(t) {
		if s, _ := e["_spec"].(string); strings.HasPrefix(s, "the login MUST answer 302 to the token page") {
			flow = append(flow, e)
		}
	}
	if len(flow) != 3 {
		t.Fatalf("%d entries in the login flow, want the login, the token page and an update", len(flow))
	}
	r := run(t, writeHAR(t, flow...))
	if len(r.Findings) != 0 || r.Replay.Logins != 0 {
		t.Errorf("with the recorded login: logins %d, findings %q", r.Replay.Logins, rules(r))
	}
	// The token page and the update alone: one login of the replay serves both.
	r = run(t, writeHAR(t, flow[1:]...))
	if len(r.Findings) != 0 || r.Replay.Logins != 1 {
		t.Errorf("without the login: logins %d, findings %q", r.Replay.Logins, rules(r))
	}
}

// A recorded 5xx makes the mock fail for that request only: the next one is answered normally.
func TestRecordedFailure(t *testing.T) {
	fail := entry(t, "a failure of the server MUST be answered")
	ok := entry(t, "an update MUST store the fields it sends")
	ok["_spec"] = fail["_spec"]
	r := run(t, writeHAR(t, fail, ok))
	if len(r.Findings) != 0 || r.Replay.Replayed != 2 {
		t.Errorf("replayed %d, findings %q", r.Replay.Replayed, rules(r))
	}
}

func TestMockPath(t *testing.T) {
	router, err := traffic.NewRouter(nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &replayer{apiPathRE: map[string]*regexp.Regexp{}, creds: map[string]*vendorCreds{}}
	if err := r.prepare(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ url, want string }{
		{"https://acme.valomnia.com/api/v2.1/contacts/5", "/valomnia/api/v1.0/contacts/5"},
		{"https://acme.valomnia.com/j_spring_security_check", "/valomnia/j_spring_security_check"},
		{"https://acme.valomnia.com/login/ajaxSuccess", "/valomnia/login/ajaxSuccess"},
		{"http://127.0.0.1:8080/valomnia/api/v1.0/contacts/5", "/valomnia/api/v1.0/contacts/5"},
		{"http://127.0.0.1:8080/valomnia/j_spring_security_check", "/valomnia/j_spring_security_check"},
		{"https://app.which50.com/Which50API/contactLists/3/contact", "/which50/contactLists/3/contact"},
		{"http://127.0.0.1:8080/which50/contactLists/3/contact", "/which50/contactLists/3/contact"},
		{"https://sandboxapi.iovox.com:444/Contacts", "/iovox/Contacts"},
		{"https://auregister.invalid/contacts/77", "/auregister/contacts/77"},
		{"http://127.0.0.1:8080/auregister/no/such/route", "/auregister/no/such/route"},
	} {
		u, _ := url.Parse(tc.url)
		target, err := router.Route(u, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if got := r.mockPath(target, u.Path); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.url, got, tc.want)
		}
	}
}

// A location in a message compares relative to where each side serves the vendor.
func TestMessageKeys(t *testing.T) {
	doc, err := specs.Load(specs.Which50)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		t.Fatal(err)
	}
	live := answer{status: 404, bases: []string{"/Which50API", ""}}
	mock := answer{status: 404, bases: []string{"/which50"}}
	lm := "No HTTP resource was found that matches the request URI 'https://app.which50.com/Which50API/contactLists/x'."
	mm := "No HTTP resource was found that matches the request URI 'http://127.0.0.1:8080/which50/contactLists/x'."
	other := "No HTTP resource was found that matches the request URI 'http://127.0.0.1:8080/which50/contactLists/y'."
	a, b, c := messageKeys(cat, live, []string{lm}), messageKeys(cat, mock, []string{mm}), messageKeys(cat, mock, []string{other})
	if len(a) != 1 || a[0] != b[0] {
		t.Errorf("same route on each side: %q vs %q", a, b)
	}
	if a[0] == c[0] {
		t.Errorf("another route compares equal: %q", c)
	}
	// Messages as sets: order and repeats do not count; text outside the catalogue is compared
	// as text.
	if k := messageKeys(cat, mock, []string{"b", "a", "b"}); strings.Join(k, ",") != "text:a,text:b" {
		t.Errorf("set: %q", k)
	}
}

func TestBodyNotAsSent(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		text string
		want bool
	}{
		{"whole", 7, "a=1&b=2", false},
		{"cut", 1 << 20, "a=1…[truncated]", true},
		// Redaction shortens the body too; the credential in it is replaced anyway.
		{"redacted", 90, "ajax=true&j_password=[REDACTED]&j_username=x", false},
		{"not utf-8", 7, "Lyon\uFFFD", true}, // as long as recorded: whole, but mangled
		{"size unknown", -1, "a=1", false},
	} {
		e := &traffic.Entry{}
		e.Request.BodySize = tc.size
		if got := bodyNotAsSent(e, []byte(tc.text)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Every failure of the input or the mock is one line that says what to do.
func TestRunErrors(t *testing.T) {
	path := writeHAR(t, entry(t, "an update MUST store the fields it sends"))
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"url path", Options{URL: "http://127.0.0.1:1/x?y=1"}, "want the server's root URL only"},
		{"url scheme", Options{URL: "mock:8080"}, "want the root URL of a running tools/mockserver"},
		{"fixtures missing", Options{Fixtures: filepath.Join(t.TempDir(), "none.json")}, "fixtures: open"},
		{"fixtures unknown vendor", Options{Fixtures: writeFile(t, `{"acme": {}}`)}, `unknown vendor "acme"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), []string{path}, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line with %q", err, tc.want)
			}
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Hostile entries end the run with one line naming the entry, or replay; never a panic.
func TestHostileEntries(t *testing.T) {
	base := func() map[string]any { return entry(t, "an update MUST store the fields it sends") }
	set := func(e map[string]any, path string, v any) map[string]any {
		keys := strings.Split(path, ".")
		m := e
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		m[keys[len(keys)-1]] = v
		return e
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	for _, tc := range []struct {
		name  string
		entry map[string]any
		want  string // "" when the entry replays
	}{
		{"method with a space", set(base(), "request.method", "GE T"), "entry 1: request: net/http: invalid method"},
		{"bad escape in the URL", set(base(), "request.url", "http://127.0.0.1:8080/auregister/%zz"), "entry 1: request URL"},
		{"header name with a space", set(base(), "request.headers", []any{map[string]any{"name": "X Bad", "value": "1"}}), "entry 1: send to the mock"},
		{"header value with a newline", set(base(), "request.headers", []any{map[string]any{"name": "X-A", "value": "a\nb"}}), "entry 1: send to the mock"},
		{"bad base64 answer", set(base(), "response.content.encoding", "base64"), "entry 1: response content: base64"},
		{"answer nested past any decoder", set(base(), "response.content.text", deep), ""},
		{"error answer not in the vendor's format", set(set(base(), "response.status", 400.0), "response.content.text", "<html/>"), ""},
		{"unknown vendor hint", set(base(), "_vendor", "acme"), `entry 1: _vendor "acme" is not a vendor`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), []string{writeHAR(t, tc.entry)}, Options{})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n")):
				t.Errorf("error %v, want one line with %q", err, tc.want)
			}
		})
	}
}
