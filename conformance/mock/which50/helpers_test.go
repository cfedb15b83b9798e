package which50_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	w50 "github.com/contactapis/contactapis/conformance/mock/which50"
	api "github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
)

// golden reads one of gen/which50's golden files, typed from the vendor page.
func golden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "gen", "which50", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// The page's example list: the page gives no {contactListId}; the mock's fixtures use the
// ListId of the page's body sample, as gen/which50's tests do.
const pageList = 3

var (
	pageMatch    = map[string]string{"ReferanceAccountId": "123456", "Email": "pgannon@customerminds.com"}
	pageSet      = map[string]any{"Mobile": "353871234567"}
	pagePutMatch = map[string]any{"ReferanceAccountId": 123456, "Email": "pgannon@customerminds.com"}
)

const (
	bearerTest     = "Bearer test"
	bearerReadonly = "Bearer readonly"
)

var catalogue = func() specs.Catalogue {
	doc, err := specs.Load(specs.Which50)
	if err != nil {
		panic(err)
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		panic(err)
	}
	return cat
}()

func entry(t testing.TB, id string) specs.Entry {
	t.Helper()
	e, ok := catalogue.ByID(id)
	if !ok {
		t.Fatalf("no catalogue entry %q", id)
	}
	return e
}

// env is one mock behind the full pipeline on a loopback HTTP server.
type env struct {
	srv     *httptest.Server
	mock    *mock.Server
	backend *mock.Engine
	logs    *logBuffer
	tb      testing.TB // the test that started it, for helpers called from table rows
}

type envConfig struct {
	opts   w50.Options
	faults bool
}

func withCredentials(c w50.Credentials) func(*envConfig) {
	return func(cfg *envConfig) { cfg.opts.Credentials = c }
}

// withFaults makes every routed request fail with the documented 500.
func withFaults() func(*envConfig) { return func(cfg *envConfig) { cfg.faults = true } }

// newEnv starts a mock; after the test, any answer the mock gave that its spec forbids fails it.
func newEnv(t testing.TB, options ...func(*envConfig)) *env {
	t.Helper()
	var cfg envConfig
	for _, o := range options {
		o(&cfg)
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.opts.Logger = logger
	b, err := w50.New(cfg.opts)
	if err != nil {
		t.Fatal(err)
	}
	mo := mock.Options{Logger: logger}
	if cfg.faults {
		mo.Faults = map[string]mock.Faults{specs.Which50: {ErrorRate: 1}}
	}
	s, err := mock.New(mo, b)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		if v := s.Violations(); len(v) > 0 {
			t.Errorf("the mock gave answers its spec forbids:\n%s", strings.Join(v, "\n"))
		}
	})
	return &env{srv: srv, mock: s, backend: b, logs: logs, tb: t}
}

// reset restores the fixtures for a subtest sharing e, and fails the subtest on any answer the
// spec forbids.
func (e *env) reset(t testing.TB) {
	t.Helper()
	if err := e.mock.Reset(); err != nil {
		t.Fatal(err)
	}
	e.tb = t
	t.Cleanup(func() {
		if v := e.mock.Violations(); len(v) > 0 {
			t.Errorf("the mock gave answers its spec forbids:\n%s", strings.Join(v, "\n"))
		}
	})
}

// base is the URL a client is configured with.
func (e *env) base() string { return e.srv.URL + "/which50" }

// rawReq is a request as sent on the wire; path is below the mock's /which50 mount.
type rawReq struct {
	method, path, query       string
	contentType, accept, auth string
	body                      []byte
}

// patchPage is the page's PATCH example (query verbatim, body derived from the PUT example).
func patchPage(t testing.TB) rawReq {
	return rawReq{method: http.MethodPatch, path: "/contactLists/3/contact", query: string(golden(t, "patch-request.query")),
		contentType: "application/json", auth: bearerTest, body: golden(t, "patch-request.json")}
}

// putPage is the page's PUT example, its body corrected to JSON.
func putPage(t testing.TB) rawReq {
	return rawReq{method: http.MethodPut, path: "/contactLists/3/contact", query: string(golden(t, "put-request.query")),
		contentType: "application/json", auth: bearerTest, body: golden(t, "put-request.json")}
}

func (r rawReq) with(f func(*rawReq)) rawReq { f(&r); return r }

func (r rawReq) url(base string) string {
	u := base + r.path
	if r.query != "" {
		u += "?" + r.query
	}
	return u
}

func (r rawReq) build(t testing.TB, base string) *http.Request {
	t.Helper()
	var body io.Reader = http.NoBody
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, r.url(base), body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"Content-Type": r.contentType, "Accept": r.accept, "Authorization": r.auth} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	return req
}

// send makes one raw request and returns the answer with its body.
func send(t testing.TB, base string, r rawReq) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r.build(t, base))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func (e *env) send(t testing.TB, r rawReq) (*http.Response, []byte) {
	t.Helper()
	return send(t, e.base(), r)
}

func (e *env) client(t testing.TB, token string) *api.ContactsClient {
	t.Helper()
	return clientAt(t, e.base(), token)
}

func clientAt(t testing.TB, base, token string) *api.ContactsClient {
	t.Helper()
	c, err := api.NewContactsClient(base, api.BearerToken(apiclient.NewSecret(token)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantError checks an error answer: the entry's status, the media type asked for, and
// ASP.NET's HttpError holding exactly the entry's message rendered with args.
func wantError(t testing.TB, resp *http.Response, body []byte, id string, args map[string]string, mediaType string) {
	t.Helper()
	e := entry(t, id)
	want, err := e.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != e.Status {
		t.Errorf("status %d, want %d (%s); body %s", resp.StatusCode, e.Status, id, body)
	}
	if got := resp.Header.Get("Content-Type"); got != mediaType {
		t.Errorf("Content-Type %q, want %q", got, mediaType)
	}
	msg, ok := decodeHTTPError(t, resp.Header.Get("Content-Type"), body)
	if !ok {
		return
	}
	if msg.Message != want || msg.MessageDetail != nil {
		t.Errorf("body %s\nwant the message of %s: %q", body, id, want)
	}
}

// decodeHTTPError reads {"Message": ...} or <Error><Message>...</Message></Error>, refusing any
// other member or root.
func decodeHTTPError(t testing.TB, contentType string, body []byte) (api.HTTPError, bool) {
	t.Helper()
	var msg api.HTTPError
	mt, _, _ := mime.ParseMediaType(contentType)
	if strings.HasSuffix(mt, "xml") {
		var doc struct {
			XMLName xml.Name
			api.HTTPError
		}
		if err := xml.Unmarshal(body, &doc); err != nil || doc.XMLName.Local != "Error" || doc.XMLName.Space != "" {
			t.Errorf("not an <Error> document (%v): %s", err, body)
			return msg, false
		}
		return doc.HTTPError, true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&msg); err != nil {
		t.Errorf("not an HttpError object (%v): %s", err, body)
		return msg, false
	}
	return msg, true
}

// identify is the catalogue entry an error answer's message is, from the client's reading.
func identify(t testing.TB, status int, contentType string, body []byte) string {
	t.Helper()
	msg, ok := decodeHTTPError(t, contentType, body)
	if !ok {
		return ""
	}
	var ids []string
	for _, e := range catalogue {
		if _, ok := e.Match(msg.Message); ok && e.Status == status {
			ids = append(ids, e.ID)
		}
	}
	return strings.Join(ids, "|")
}

// State is the store as the admin API shows it, contacts grouped by list, numbers as the store
// keeps them (int64, float64).
type State struct{ Lists []StateList }

// StateList is one contact list and its contacts.
type StateList struct {
	ID       int
	Name     string
	Fields   []Field
	Contacts []StateContact
}

// Field is one field of a list's schema.
type Field struct{ Name, Type string }

// StateContact is one contact.
type StateContact struct {
	ID           int
	EncContactID string
	Values       map[string]any
}

// state is the store as GET /_admin/state/which50 shows it.
func (e *env) state(t testing.TB) State {
	t.Helper()
	resp, body := send(t, e.srv.URL, rawReq{method: http.MethodGet, path: "/_admin/state/which50"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin state: %d %s", resp.StatusCode, body)
	}
	return parseState(t, body)
}

func parseState(t testing.TB, raw []byte) State {
	t.Helper()
	var doc struct {
		Lists []struct {
			ID     int `json:"Id"`
			Name   string
			Fields []Field
		} `json:"lists"`
		Contacts []struct {
			ListID       int    `json:"ListId"`
			ID           int    `json:"Id"`
			EncContactID string `json:"EncContactId"`
			Values       map[string]any
		} `json:"contacts"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("state: %v: %s", err, raw)
	}
	var st State
	for _, l := range doc.Lists {
		sl := StateList{ID: l.ID, Name: l.Name, Fields: l.Fields}
		for _, c := range doc.Contacts {
			if c.ListID == l.ID {
				sl.Contacts = append(sl.Contacts, StateContact{ID: c.ID, EncContactID: c.EncContactID, Values: numbers(c.Values).(map[string]any)})
			}
		}
		st.Lists = append(st.Lists, sl)
	}
	return st
}

// numbers turns json.Number into int64 or float64, as the store keeps them.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = numbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = numbers(e)
		}
		return out
	}
	return v
}

// contact finds a contact of a list by id.
func contact(t testing.TB, st State, listID, id int) StateContact {
	t.Helper()
	for _, l := range st.Lists {
		if l.ID != listID {
			continue
		}
		for _, c := range l.Contacts {
			if c.ID == id {
				return c
			}
		}
	}
	t.Fatalf("no contact %d in list %d", id, listID)
	return StateContact{}
}

func decodeIDs(t testing.TB, resp *http.Response, body []byte) []string {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var ids api.EncContactIDs
	var err error
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); strings.HasSuffix(mt, "xml") {
		err = xml.Unmarshal(body, &ids)
	} else {
		err = json.Unmarshal(body, &ids)
	}
	if err != nil {
		t.Fatalf("ids: %v: %s", err, body)
	}
	return ids
}

// logBuffer lets concurrent requests log into one buffer.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func equalState(a, b State) bool { return reflect.DeepEqual(a, b) }
