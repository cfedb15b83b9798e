package iovox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
	api "github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/specs"
)

// harness is one mock behind the full pipeline, served over loopback HTTP.
type harness struct {
	t       testing.TB
	backend *mock.Engine
	server  *mock.Server
	srv     *httptest.Server
}

// newHarness starts a mock with the default fixtures. After the test, the pipeline must have seen
// no answer its spec forbids, and the engine must have logged no error: every refusal was
// answered by a catalogue entry its spec maps the failure to, every message rendered whole.
func newHarness(t testing.TB, opts mock.Options) *harness {
	t.Helper()
	return newHarnessWith(t, iovox.Options{}, opts)
}

func newHarnessWith(t testing.TB, bopts iovox.Options, opts mock.Options) *harness {
	t.Helper()
	errs := &errorCounter{}
	if bopts.Logger == nil {
		bopts.Logger = slog.New(errs)
	} else {
		bopts.Logger = slog.New(teeHandler{bopts.Logger.Handler(), errs})
	}
	b, err := iovox.New(bopts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := mock.New(opts, b)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, backend: b, server: s, srv: httptest.NewServer(s)}
	t.Cleanup(func() {
		h.srv.Close()
		if v := s.Violations(); len(v) > 0 {
			t.Errorf("the mock answered against its spec:\n%s", strings.Join(v, "\n"))
		}
		if n := errs.n.Load(); n > 0 {
			t.Errorf("the engine logged %d errors (a failure no catalogue entry answers, or a message rendered half)", n)
		}
	})
	return h
}

// errorCounter is a slog handler counting records at level Error: the engine's report of a gap
// between its spec and a request.
type errorCounter struct{ n atomic.Int64 }

func (c *errorCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (c *errorCounter) Handle(context.Context, slog.Record) error    { c.n.Add(1); return nil }
func (c *errorCounter) WithAttrs([]slog.Attr) slog.Handler           { return c }
func (c *errorCounter) WithGroup(string) slog.Handler                { return c }

// teeHandler sends records to two handlers.
type teeHandler struct{ a, b slog.Handler }

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return t.a.Enabled(ctx, l) || t.b.Enabled(ctx, l)
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range []slog.Handler{t.a, t.b} {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{t.a.WithAttrs(as), t.b.WithAttrs(as)}
}
func (t teeHandler) WithGroup(g string) slog.Handler {
	return teeHandler{t.a.WithGroup(g), t.b.WithGroup(g)}
}

// sub is the harness for a subtest sharing its parent's mock: the fixtures are restored first, and
// failures are reported on the subtest. Starting a mock loads and validates the spec twice, which
// adds up over a hundred subtests.
func (h *harness) sub(t testing.TB) *harness {
	t.Helper()
	if err := h.server.Reset(); err != nil {
		t.Fatal(err)
	}
	c := *h
	c.t = t
	return &c
}

// rawRequest is a request sent byte for byte as written.
type rawRequest struct {
	method, target string // target: path and query below the mock's /iovox
	header         http.Header
	body           string
}

const query = "?v=3&method=updateContacts"

// put is a PUT /Contacts with the test credentials and an XML body.
func put(body string) rawRequest {
	return rawRequest{method: http.MethodPut, target: "/Contacts" + query, header: authHeader("application/xml"), body: body}
}

func authHeader(contentType string) http.Header {
	h := http.Header{}
	h["username"] = []string{"test"} // the vendor's header names are lower-case on the page
	h["secureKey"] = []string{"test"}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return h
}

type response struct {
	status      int
	contentType string
	body        []byte
}

func (h *harness) send(rr rawRequest) response {
	h.t.Helper()
	method := rr.method
	if method == "" {
		method = http.MethodPut
	}
	req, err := http.NewRequest(method, h.srv.URL+"/iovox"+rr.target, strings.NewReader(rr.body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range rr.header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body}
}

// client is the generated package's typed client against this mock, without retries.
func (h *harness) client(creds api.Credentials, base string) *api.ContactsClient {
	h.t.Helper()
	if base == "" {
		base = h.srv.URL + "/iovox/"
	}
	c, err := api.NewContactsClient(base, creds, apiclient.WithRetryPolicy(apiclient.NoRetry()))
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

var testCreds = api.Credentials{Username: "test", SecureKey: apiclient.NewSecret("test")}

func (h *harness) update(p api.UpdateContactsPayload) error {
	h.t.Helper()
	return h.client(testCreds, "").UpdateContacts(context.Background(), p)
}

func (h *harness) state() iovox.State {
	h.t.Helper()
	return stateOf(h.t, h.backend)
}

func stateOf(t testing.TB, b *mock.Engine) iovox.State {
	t.Helper()
	raw, err := json.Marshal(b.State())
	if err != nil {
		t.Fatal(err)
	}
	var st iovox.State
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (h *harness) contact(id string) (api.Contact, bool) {
	for _, c := range h.state().Contacts {
		if c.ContactID == id {
			return c, true
		}
	}
	return api.Contact{}, false
}

// str is a stored text detail, "" when the contact has none.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// want is one expected error: a catalogue entry and its placeholder values.
type want struct {
	id   string
	args map[string]string
}

func w(id string, kv ...string) want {
	args := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		args[kv[i]] = kv[i+1]
	}
	return want{id: id, args: args}
}

// at is an entry about contact item of total.
func at(id, item, total string) want { return w(id, "item", item, "total", total) }

var catalogue = func() specs.Catalogue {
	cat, err := specs.ReadCatalogue(specs.MustLoad(specs.Iovox))
	if err != nil {
		panic(err)
	}
	return cat
}()

// rendered is the vendor's error list for wants, each message rendered from its catalogue entry.
func rendered(t testing.TB, wants ...want) (int, []byte) {
	t.Helper()
	var list api.Errors
	status := 0
	for _, x := range wants {
		e, ok := catalogue.ByID(x.id)
		if !ok {
			t.Fatalf("no catalogue entry %q", x.id)
		}
		msg, err := e.Render(x.args)
		if err != nil {
			t.Fatal(err)
		}
		status = e.Status
		list.Error = append(list.Error, api.Error{Status: e.Status, Message: msg})
	}
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).EncodeElement(list, xml.StartElement{Name: xml.Name{Local: "errors"}}); err != nil {
		t.Fatal(err)
	}
	return status, buf.Bytes()
}

// expectErrors checks a raw answer against the rendered list: status, media type and exact body.
func expectErrors(t testing.TB, got response, wants ...want) {
	t.Helper()
	status, body := rendered(t, wants...)
	if got.status != status || got.contentType != "application/xml" || !bytes.Equal(got.body, body) {
		t.Errorf("got %d %s\n%s\nwant %d application/xml\n%s", got.status, got.contentType, got.body, status, body)
	}
}

// expectClientErrors checks the typed client's error: every expected entry, in order, identified.
func expectClientErrors(t testing.TB, err error, wants ...want) {
	t.Helper()
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("client error %v (%T), want an *iovox.APIError", err, err)
	}
	if len(apiErr.Errors) != len(wants) {
		t.Fatalf("client saw %d errors %+v, want %d", len(apiErr.Errors), apiErr.Errors, len(wants))
	}
	for i, x := range wants {
		e, _ := catalogue.ByID(x.id)
		msg, _ := e.Render(x.args)
		if d := apiErr.Errors[i]; d.ID != x.id || d.Message != msg {
			t.Errorf("client error %d = %s %q, want %s %q", i, d.ID, d.Message, x.id, msg)
		}
		if !errors.Is(err, apiclient.CatalogueID(x.id)) {
			t.Errorf("errors.Is(err, CatalogueID(%q)) is false", x.id)
		}
	}
}

func pageExampleBody(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../../../gen/iovox/testdata/updateContacts.request.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pageExample(t testing.TB) api.UpdateContactsPayload {
	t.Helper()
	var p api.UpdateContactsPayload
	if err := xml.Unmarshal(pageExampleBody(t), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Small builders for payloads written by hand: request(contact(el("contact_id", "333"))).
func request(parts ...string) string {
	return `<?xml version="1.0" encoding="utf-8"?>` + "\n<request>" + strings.Join(parts, "") + "</request>"
}

func contact(parts ...string) string { return "<contact>" + strings.Join(parts, "") + "</contact>" }

func el(name, value string) string { return "<" + name + ">" + value + "</" + name + ">" }

func ptr[T any](v T) *T { return &v }

func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
