package valomnia_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	api "github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// The test credentials (valomnia.DefaultCredentials).
const (
	testUser     = "test@example.com"
	testPassword = "test"
)

// start is the fixed clock's first reading in every test that sets the clock.
var start = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// clock is a settable clock for the backend.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: start} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one mock server (the full pipeline, validation on) around one Valomnia backend.
type env struct {
	t       testing.TB
	backend *mock.Engine
	server  *mock.Server
	srv     *httptest.Server
	clock   *clock
}

// newEnv serves a backend with a fixed clock, reset to the default fixtures. Every answer the spec
// forbids fails the test (house rule: a contract violation is a mock bug).
//
// Building a mock loads and validates the spec twice (the backend's catalogue, the pipeline's
// validator), which the race detector makes slow; so backends with default options are pooled and
// reset (fixtures, sessions, exchange log, clock) for each test instead of rebuilt.
func newEnv(t testing.TB, opts valomnia.Options) *env {
	t.Helper()
	if opts.Credentials.User == "" && opts.Credentials.Password.IsZero() && opts.SessionTimeout == 0 && opts.Now == nil && opts.Logger == nil {
		return pooled(t)
	}
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	b, err := valomnia.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, b, c, mock.Options{})
}

// defaultFixturesFile is fixtures.json as the admin API takes it.
var defaultFixturesFile = sync.OnceValue(func() []byte {
	b, err := os.ReadFile("fixtures.json")
	if err != nil {
		panic(err)
	}
	return []byte(`{"valomnia": ` + string(b) + `}`)
})

var pool struct {
	sync.Mutex
	idle []*env
}

func pooled(t testing.TB) *env {
	pool.Lock()
	var e *env
	if n := len(pool.idle); n > 0 {
		e, pool.idle = pool.idle[n-1], pool.idle[:n-1]
	}
	pool.Unlock()
	if e == nil {
		c := newClock()
		b, err := valomnia.New(valomnia.Options{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		s, err := mock.New(mock.Options{}, b)
		if err != nil {
			t.Fatal(err)
		}
		e = &env{backend: b, server: s, srv: httptest.NewServer(s), clock: c}
	}
	// The default fixtures again (a test may have loaded others), which also closes the sessions
	// and clears the exchange log.
	if err := e.server.LoadFixtures(defaultFixturesFile()); err != nil {
		t.Fatal(err)
	}
	e.clock.set(start)
	e.server.Violations() // none can be pending, but a test must only see its own
	t.Cleanup(func() {
		for _, v := range e.server.Violations() {
			t.Errorf("contract violation: %s", v)
		}
		pool.Lock()
		pool.idle = append(pool.idle, e)
		pool.Unlock()
	})
	mine := *e
	mine.t = t
	return &mine
}

// serve puts b behind a mock server with mopts.
func serve(t testing.TB, b *mock.Engine, c *clock, mopts mock.Options) *env {
	t.Helper()
	s, err := mock.New(mopts, b)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, v := range s.Violations() {
			t.Errorf("contract violation: %s", v)
		}
	})
	return &env{t: t, backend: b, server: s, srv: srv, clock: c}
}

// url is path below the tenant's host root, on the mock (mounted at /valomnia).
func (e *env) url(path string) string { return e.srv.URL + "/" + specs.Valomnia + path }

// baseURL is the API's base URL, as a client is configured with it.
func (e *env) baseURL() string { return e.url(valomnia.APIPath) }

// host is the test server's host:port, which the login's absolute Location names.
func (e *env) host() string { return strings.TrimPrefix(e.srv.URL, "http://") }

// noRedirect is an HTTP client that shows redirects instead of following them.
var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// raw is one request, sent byte for byte as given.
type raw struct {
	method      string
	path        string // below the host root, query included
	contentType string
	body        []byte
	session     string // JSESSIONID cookie, if any
}

// result is an answer, read in full.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) send(r raw) result {
	e.t.Helper()
	req, err := http.NewRequest(r.method, e.url(r.path), bytes.NewReader(r.body))
	if err != nil {
		e.t.Fatal(err)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.session != "" {
		req.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: r.session})
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: body}
}

const formType = "application/x-www-form-urlencoded"

// form is an update sent URL-encoded with a session.
func form(path, body, session string) raw {
	return raw{method: http.MethodPost, path: path, contentType: formType, body: []byte(body), session: session}
}

// login logs in raw and returns the session token from the redirect's cookie.
func (e *env) login() string {
	e.t.Helper()
	res := e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: formType,
		body: []byte("j_username=" + url.QueryEscape(testUser) + "&j_password=" + testPassword + "&ajax=true")})
	if res.status != http.StatusFound {
		e.t.Fatalf("login: %d %s", res.status, res.body)
	}
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == "JSESSIONID" && c.Value != "" {
			return c.Value
		}
	}
	e.t.Fatalf("login: no JSESSIONID cookie in %v", res.header)
	return ""
}

// client is a typed client for the mock's API with the test credentials.
func (e *env) client(opts ...apiclient.Option) *api.ContactsClient {
	e.t.Helper()
	c, err := api.NewContactsClient(e.baseURL(), api.Credentials{User: testUser, Password: apiclient.NewSecret(testPassword)}, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// Contact is a stored contact as the admin state shows it (the spec's Contact and the mock's
// private properties), with the few links the tests compare flattened.
type Contact struct {
	ID                                                                              int64
	Reference                                                                       string
	CustomerID                                                                      int64 `json:"-"`
	Customer                                                                        struct{ ID int64 }
	FirstName, LastName, Fonction, Country, City, PostalCode, Address, Email, Phone string
	Phone2, Mobile, Fax, Comment                                                    string
	IsDecisionMaker, FailSave                                                       bool
	Photo                                                                           *string
	DateCreated, LastUpdated                                                        time.Time
}

// State is the mock's admin state: the records, the organization and the open sessions.
type State struct {
	Contacts     []Contact
	Customers    []map[string]any
	Users        []map[string]any
	OpenSessions int
	raw          map[string]any
}

// state is the backend's store.
func (e *env) state() State {
	e.t.Helper()
	b, err := json.Marshal(e.backend.State())
	if err != nil {
		e.t.Fatal(err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		e.t.Fatal(err)
	}
	for i := range s.Contacts {
		s.Contacts[i].CustomerID, s.Contacts[i].Customer.ID = s.Contacts[i].Customer.ID, 0
	}
	json.Unmarshal(b, &s.raw)
	delete(s.raw, "openSessions")
	return s
}

// contact is contact id of the store.
func (e *env) contact(id int64) Contact {
	e.t.Helper()
	for _, c := range e.state().Contacts {
		if c.ID == id {
			return c
		}
	}
	e.t.Fatalf("no contact %d in the store", id)
	return Contact{}
}

// catalogue is the spec's error catalogue, read the way the mock reads it.
var catalogue = sync.OnceValue(func() specs.Catalogue {
	cat, err := specs.ReadCatalogue(specs.MustLoad(specs.Valomnia))
	if err != nil {
		panic(err)
	}
	return cat
})

// entry returns a catalogue entry and its message rendered with args; both come from the spec.
func entry(t testing.TB, id string, args map[string]string) (specs.Entry, string) {
	t.Helper()
	e, ok := catalogue().ByID(id)
	if !ok {
		t.Fatalf("no catalogue entry %q", id)
	}
	msg, err := e.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	return e, msg
}

// wantError checks that res is catalogue entry id with args, in the vendor's format: the entry's
// status, application/json, and exactly the body {"error": code, "error_description": message}.
func wantError(t testing.TB, res result, id string, args map[string]string) {
	t.Helper()
	e, msg := entry(t, id, args)
	if res.status != e.Status {
		t.Errorf("status %d, want %d (%s); body %s", res.status, e.Status, id, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var got api.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(res.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("body %q is not the vendor's error: %v", res.body, err)
	}
	if want := (api.ErrorBody{Error: e.Code, ErrorDescription: msg}); got != want {
		t.Errorf("body %+v, want %+v (%s)", got, want, id)
	}
}

// wantContact decodes a 200 answer.
func wantContact(t testing.TB, res result) api.Contact {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var c api.Contact
	if err := json.Unmarshal(res.body, &c); err != nil {
		t.Fatalf("body %q: %v", res.body, err)
	}
	return c
}

func golden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "gen", "valomnia", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// part is one part of a multipart body built by a test.
type part struct {
	name, fileName, contentType string
	data                        []byte
}

// multipartBody encodes parts with a fixed boundary and returns the Content-Type and body.
func multipartBody(t testing.TB, parts ...part) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary("valomnia-test-boundary"); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		// Written as given (not %q, which would escape a byte that is not UTF-8).
		disp := `form-data; name="` + p.name + `"`
		if p.fileName != "" {
			disp += `; filename="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p.fileName) + `"`
		}
		h.Set("Content-Disposition", disp)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

// fields are the page's required fields for contact 5 as multipart parts, plus extra ones.
func fields(extra ...part) []part {
	return append([]part{{name: "firstName", data: []byte("Marie")}, {name: "lastName", data: []byte("Schrader")},
		{name: "customerId", data: []byte("3229")}}, extra...)
}

// multipartUpdate is a multipart update of path with a session.
func multipartUpdate(t testing.TB, path, session string, parts ...part) raw {
	ct, body := multipartBody(t, parts...)
	return raw{method: http.MethodPost, path: path, contentType: ct, body: body, session: session}
}

// png is the golden 1x1 PNG; pngOfSize pads it to n bytes (a PNG signature is all
// http.DetectContentType looks at).
func pngOfSize(t testing.TB, n int) []byte {
	b := golden(t, "marie_schrader.png")
	if n < len(b) {
		t.Fatalf("a PNG of %d bytes is smaller than the golden", n)
	}
	return append(b, make([]byte, n-len(b))...)
}

// marie is the page's success example as an update (testdata/update-contact-request.form).
func marie() api.ContactUpdate {
	return api.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: "3229",
		Fonction: ptr("Commercial"), City: ptr("Any town"), Address: ptr("Main street")}
}

func ptr[T any](v T) *T { return &v }

// with returns the update with changes applied.
func with(u api.ContactUpdate, change func(*api.ContactUpdate)) api.ContactUpdate {
	change(&u)
	return u
}

// doerFunc adapts a function to apiclient.Doer.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// decodeJSON decodes b into a generic value, for comparing bodies whatever their layout.
func decodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return v
}

// handlerSession logs in through h, a mock's handler served alone (no shared server, no mount),
// and returns the session's cookie.
func handlerSession(t testing.TB, h http.Handler) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/j_spring_security_check", strings.NewReader("j_username=test%40example.com&j_password=test&ajax=true"))
	req.Header.Set("Content-Type", formType)
	h.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusFound || len(cookies) != 1 {
		t.Fatalf("login through the handler alone: %d %s", rec.Code, rec.Body)
	}
	return cookies[0]
}
