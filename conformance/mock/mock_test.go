package mock_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// fake is a Backend on the auregister spec that records what reaches it and answers what it is
// told, so the pipeline around it can be observed.
type fake struct {
	mu       sync.Mutex
	rejected []mock.RejectKind
	handled  int
	failed   int
	answer   func(w http.ResponseWriter) // the handler's answer
	fixtures string
	resets   int
}

func (f *fake) Vendor() string      { return specs.Auregister }
func (f *fake) APIPath() string     { return "" }
func (f *fake) MaxBodyBytes() int64 { return 64 }
func (f *fake) StrictJSON() bool    { return false }
func (f *fake) Validator() *contract.Validator {
	v, err := contract.New(specs.Auregister, "")
	if err != nil {
		panic(err)
	}
	return v
}
func (f *fake) Authenticate(r *http.Request, _ *contract.Match) bool {
	return r.Header.Get("Authorization") == "Bearer test"
}
func (f *fake) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.handled++
		f.mu.Unlock()
		if mock.MatchFrom(r.Context()) == nil {
			panic("handler reached without a match")
		}
		f.answer(w)
	})
}
func (f *fake) Reject(w http.ResponseWriter, _ *http.Request, rej *mock.Rejection) {
	f.mu.Lock()
	f.rejected = append(f.rejected, rej.Kind)
	f.mu.Unlock()
	status := map[mock.RejectKind]int{mock.RejectNoRoute: 404, mock.RejectMethod: 404, mock.RejectUnauthenticated: 401}[rej.Kind]
	if status == 0 {
		status = 400
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":"x","message":%q}`, rej.Kind.String())
}
func (f *fake) Fail(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	f.failed++
	f.mu.Unlock()
	w.WriteHeader(http.StatusInternalServerError)
}
func (f *fake) Reset() { f.resets++ }
func (f *fake) PrepareFixtures(raw json.RawMessage) (func(), error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "bad" {
		return nil, fmt.Errorf("%w: want a string other than bad", mock.ErrFixtures)
	}
	return func() { f.fixtures = s; f.resets++ }, nil
}
func (f *fake) State() any           { return map[string]string{"fixtures": f.fixtures} }
func (f *fake) Events() []mock.Event { return nil }

// pageContact is the page's own 200 answer, which the spec must accept.
var pageContact = func() []byte {
	b, err := os.ReadFile("../../gen/auregister/testdata/update-contact-response.json")
	if err != nil {
		panic(err)
	}
	return b
}()

func contactAnswer(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(pageContact)
}

func newServer(t *testing.T, opts mock.Options, f *fake) *httptest.Server {
	t.Helper()
	s, err := mock.New(opts, f)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url, auth, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPipelineRejectsInOrder(t *testing.T) {
	tests := []struct {
		name, method, path, auth, contentType, body string
		want                                        mock.RejectKind // 0: handled
	}{
		{"valid", "PATCH", "/auregister/contacts/1", "Bearer test", "application/json", `{"mobile":"1"}`, 0},
		{"unknown path", "PATCH", "/auregister/people/1", "Bearer test", "application/json", `{}`, mock.RejectNoRoute},
		{"wrong method", "PUT", "/auregister/contacts/1", "Bearer test", "", "", mock.RejectMethod},
		{"body over the cap", "PATCH", "/auregister/contacts/1", "Bearer test", "application/json", `{"mobile":"` + strings.Repeat("1", 80) + `"}`, mock.RejectTooLarge},
		{"invalid UTF-8", "PATCH", "/auregister/contacts/1", "Bearer test", "application/json", "{\"mobile\":\"\xff\"}", mock.RejectEncoding},
		{"wrong token", "PATCH", "/auregister/contacts/1", "Bearer nope", "application/json", `{}`, mock.RejectUnauthenticated},
		{"no token", "PATCH", "/auregister/contacts/1", "", "application/json", `{}`, mock.RejectUnauthenticated},
		{"schema violation", "PATCH", "/auregister/contacts/1", "Bearer test", "application/json", `{"sex":"Other"}`, mock.RejectInvalid},
		{"malformed JSON", "PATCH", "/auregister/contacts/1", "Bearer test", "application/json", `{"sex":`, mock.RejectInvalid},
		{"wrong media type", "PATCH", "/auregister/contacts/1", "Bearer test", "text/plain", `hi`, mock.RejectInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{answer: contactAnswer}
			srv := newServer(t, mock.Options{}, f)
			resp, _ := do(t, tt.method, srv.URL+tt.path, tt.auth, tt.contentType, tt.body)
			if tt.want == 0 {
				if f.handled != 1 || len(f.rejected) != 0 || resp.StatusCode != 200 {
					t.Errorf("handled %d, rejected %v, status %d", f.handled, f.rejected, resp.StatusCode)
				}
				return
			}
			if f.handled != 0 || len(f.rejected) != 1 || f.rejected[0] != tt.want {
				t.Errorf("handled %d, rejected %v; want rejected [%v]", f.handled, f.rejected, tt.want)
			}
		})
	}
}

// An answer the spec forbids is a mock bug: still sent, but marked and kept for the test to see.
func TestPipelineRecordsContractViolations(t *testing.T) {
	f := &fake{answer: func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) }}
	s, err := mock.New(mock.Options{}, f)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, _ := do(t, "PATCH", srv.URL+"/auregister/contacts/1", "Bearer test", "application/json", `{}`)
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get(mock.ContractViolationHeader) == "" {
		t.Errorf("status %d, violation header %q", resp.StatusCode, resp.Header.Get(mock.ContractViolationHeader))
	}
	if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0], "418") {
		t.Errorf("violations %v", v)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("Violations must forget what it returned: %v", v)
	}
	f.answer = contactAnswer
	do(t, "PATCH", srv.URL+"/auregister/contacts/1", "Bearer test", "application/json", `{}`)
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("a valid answer was recorded as a violation: %v", v)
	}
}

func TestFaultsAreSeededAndSkipTheHandler(t *testing.T) {
	sequence := func(seed uint64) string {
		f := &fake{answer: contactAnswer}
		srv := newServer(t, mock.Options{Seed: seed, Faults: map[string]mock.Faults{specs.Auregister: {ErrorRate: 0.5}}}, f)
		var b strings.Builder
		for i := 0; i < 32; i++ {
			resp, _ := do(t, "PATCH", srv.URL+"/auregister/contacts/1", "Bearer test", "application/json", `{}`)
			b.WriteString(map[bool]string{true: "F", false: "."}[resp.StatusCode == 500])
		}
		if f.handled+f.failed != 32 || f.failed == 0 || f.handled == 0 {
			t.Errorf("handled %d, failed %d of 32 at rate 0.5", f.handled, f.failed)
		}
		return b.String()
	}
	a, b, c := sequence(7), sequence(7), sequence(8)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
	// Refused requests never draw a fault: they are answered before the handler would be.
	f := &fake{answer: contactAnswer}
	srv := newServer(t, mock.Options{Faults: map[string]mock.Faults{specs.Auregister: {ErrorRate: 1}}}, f)
	do(t, "PATCH", srv.URL+"/auregister/contacts/1", "", "application/json", `{}`)
	if f.failed != 0 {
		t.Error("an unauthenticated request drew a fault")
	}
}

func TestAdminAPI(t *testing.T) {
	f := &fake{answer: contactAnswer}
	srv := newServer(t, mock.Options{}, f)
	do(t, "PATCH", srv.URL+"/auregister/contacts/1", "Bearer test", "application/json", `{}`)

	resp, body := do(t, "GET", srv.URL+"/_admin/log/auregister", "", "", "")
	var log struct {
		Exchanges []mock.Exchange `json:"exchanges"`
		Events    []mock.Event    `json:"events"`
	}
	if err := json.Unmarshal([]byte(body), &log); err != nil || resp.StatusCode != 200 {
		t.Fatalf("log: %d %s", resp.StatusCode, body)
	}
	if len(log.Exchanges) != 1 || log.Exchanges[0].Operation != "updateContact" || log.Exchanges[0].Status != 200 || log.Events == nil {
		t.Errorf("log %+v", log)
	}
	if strings.Contains(body, "Bearer") {
		t.Error("the log shows a credential")
	}

	if resp, _ := do(t, "PUT", srv.URL+"/_admin/fixtures", "", "", `{"auregister": "mine"}`); resp.StatusCode != 204 {
		t.Errorf("fixtures: %d", resp.StatusCode)
	}
	if _, body := do(t, "GET", srv.URL+"/_admin/state/auregister", "", "", ""); !strings.Contains(body, `"mine"`) {
		t.Errorf("state after fixtures: %s", body)
	}
	for _, bad := range []string{`{"auregister": "bad"}`, `{"nosuch": "x"}`, `[1]`} {
		if resp, body := do(t, "PUT", srv.URL+"/_admin/fixtures", "", "", bad); resp.StatusCode != 400 || !strings.Contains(body, "error") {
			t.Errorf("fixtures %s: %d %s", bad, resp.StatusCode, body)
		}
	}
	if f.fixtures != "mine" {
		t.Errorf("a refused fixtures file changed the store: %q", f.fixtures)
	}
	resets := f.resets
	if resp, _ := do(t, "POST", srv.URL+"/_admin/reset?vendor=auregister", "", "", ""); resp.StatusCode != 204 || f.resets != resets+1 {
		t.Errorf("reset: %d, resets %d", resp.StatusCode, f.resets)
	}
	if resp, _ := do(t, "PUT", srv.URL+"/_admin/faults/auregister", "", "", `{"errorRate": 1}`); resp.StatusCode != 204 {
		t.Errorf("faults: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "PATCH", srv.URL+"/auregister/contacts/1", "Bearer test", "application/json", `{}`); resp.StatusCode != 500 || f.failed != 1 {
		t.Errorf("with errorRate 1 set through the admin API: status %d, failed %d", resp.StatusCode, f.failed)
	}
	for body, want := range map[string]int{`{"errorRate": 2}`: 400, `{"rate": 1}`: 400, `{"jitter": 9223372036854775807}`: 400, `{"latency": -1}`: 400, `{}`: 204} {
		if resp, _ := do(t, "PUT", srv.URL+"/_admin/faults/auregister", "", "", body); resp.StatusCode != want {
			t.Errorf("faults %s: %d, want %d", body, resp.StatusCode, want)
		}
	}
	if resp, _ := do(t, "PUT", srv.URL+"/_admin/faults/nosuch", "", "", `{}`); resp.StatusCode != 404 {
		t.Errorf("faults of unknown vendor: %d", resp.StatusCode)
	}
	for _, path := range []string{"/_admin/state/nosuch", "/_admin/log/nosuch", "/_admin/nothing"} {
		if resp, _ := do(t, "GET", srv.URL+path, "", "", ""); resp.StatusCode != 404 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	if resp, _ := do(t, "POST", srv.URL+"/_admin/reset?vendor=nosuch", "", "", ""); resp.StatusCode != 404 {
		t.Errorf("reset of unknown vendor: %d", resp.StatusCode)
	}
}

// The faults API takes durations as the mockserver's -fault flag does ("10ms"), still takes the
// nanoseconds earlier clients send, and answers GET in the form PUT takes.
func TestAdminFaultsReadAndWrite(t *testing.T) {
	srv := newServer(t, mock.Options{}, &fake{answer: contactAnswer})
	get := func() map[string]any {
		t.Helper()
		resp, body := do(t, "GET", srv.URL+"/_admin/faults/auregister", "", "", "")
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET faults: %d %s", resp.StatusCode, body)
		}
		return got
	}
	if got := get(); got["latency"] != "0s" || got["jitter"] != "0s" || got["errorRate"] != 0.0 {
		t.Errorf("faults before any PUT: %v", got)
	}
	for _, tc := range []struct {
		body            string
		latency, jitter string
		errorRate       float64
	}{
		{`{"latency": "10ms", "jitter": "1.5s", "errorRate": 0.25}`, "10ms", "1.5s", 0.25},
		{`{"latency": 2000000, "jitter": null}`, "2ms", "0s", 0},
		{`{}`, "0s", "0s", 0},
	} {
		if resp, body := do(t, "PUT", srv.URL+"/_admin/faults/auregister", "", "", tc.body); resp.StatusCode != 204 {
			t.Errorf("PUT %s: %d %s", tc.body, resp.StatusCode, body)
			continue
		}
		got := get()
		if got["latency"] != tc.latency || got["jitter"] != tc.jitter || got["errorRate"] != tc.errorRate {
			t.Errorf("after PUT %s, GET answers %v", tc.body, got)
		}
	}
	// What GET answers, PUT takes back unchanged.
	do(t, "PUT", srv.URL+"/_admin/faults/auregister", "", "", `{"latency": "3ms", "errorRate": 0.5}`)
	_, body := do(t, "GET", srv.URL+"/_admin/faults/auregister", "", "", "")
	if resp, _ := do(t, "PUT", srv.URL+"/_admin/faults/auregister", "", "", body); resp.StatusCode != 204 {
		t.Errorf("PUT of GET's answer %s: %d", body, resp.StatusCode)
	}
	for _, bad := range []string{`{"latency": "10 parsecs"}`, `{"latency": "-1ms"}`, `{"latency": true}`, `{"latency": 1.5}`, `{"rate": 1}`, `{"jitter": "1h"}`} {
		resp, body := do(t, "PUT", srv.URL+"/_admin/faults/auregister", "", "", bad)
		if resp.StatusCode != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("PUT %s: %d %s, want 400 with an error", bad, resp.StatusCode, body)
		}
	}
	if resp, _ := do(t, "GET", srv.URL+"/_admin/faults/nosuch", "", "", ""); resp.StatusCode != 404 {
		t.Errorf("GET faults of an unknown vendor: %d", resp.StatusCode)
	}
}

// GET /_admin/ lists every admin call, and each listed call is routed (not the catch-all 404).
func TestAdminIndexListsTheCalls(t *testing.T) {
	srv := newServer(t, mock.Options{}, &fake{answer: contactAnswer})
	resp, body := do(t, "GET", srv.URL+"/_admin/", "", "", "")
	var index struct {
		Calls   []mock.AdminCall `json:"calls"`
		Vendors []string         `json:"vendors"`
	}
	if err := json.Unmarshal([]byte(body), &index); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /_admin/: %d %s", resp.StatusCode, body)
	}
	if len(index.Vendors) != 1 || index.Vendors[0] != specs.Auregister {
		t.Errorf("vendors %v", index.Vendors)
	}
	want := map[string]bool{
		"GET /_admin/": true, "POST /_admin/reset[?vendor=v]": true, "PUT /_admin/fixtures": true,
		"GET /_admin/state/{vendor}": true, "GET /_admin/log/{vendor}": true,
		"GET /_admin/faults/{vendor}": true, "PUT /_admin/faults/{vendor}": true,
	}
	for _, c := range index.Calls {
		key := c.Method + " " + c.Path
		if !want[key] {
			t.Errorf("unexpected call listed: %s", key)
		}
		delete(want, key)
		if c.Does == "" {
			t.Errorf("%s has no description", key)
		}
		if c.Method != "GET" {
			continue
		}
		path := strings.ReplaceAll(c.Path, "{vendor}", specs.Auregister)
		if resp, body := do(t, "GET", srv.URL+path, "", "", ""); resp.StatusCode != 200 {
			t.Errorf("listed call GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
	for key := range want {
		t.Errorf("call not listed: %s", key)
	}
	if _, body := do(t, "GET", srv.URL+"/_admin/nothing", "", "", ""); !strings.Contains(body, "GET /_admin/") {
		t.Errorf("an unknown admin call does not point to the list: %s", body)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	if _, err := mock.New(mock.Options{}, &fake{}, &fake{}); err == nil {
		t.Error("a vendor given twice was accepted")
	}
	if _, err := mock.New(mock.Options{Faults: map[string]mock.Faults{"nosuch": {}}}, &fake{}); err == nil {
		t.Error("faults for an unknown vendor were accepted")
	}
}
