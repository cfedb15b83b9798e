package auregister_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/auregister"
	api "github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/specs"
)

// The ids of the default fixtures (fixtures.json) the tests address.
const (
	pageID        = 1941877 // People, the page's contact, at address 1675073
	jointMemberID = 1941878
	companyID     = 1941879
	otherEntityID = 1941880
	otherPersonID = 1941881 // People, at address 1675074
	pageAddressID = 1675073
	otherAddress  = 1675074
)

const token = "test" // DefaultCredentials

var (
	doc       = specs.MustLoad(specs.Auregister)
	catalogue = func() specs.Catalogue {
		cat, err := specs.ReadCatalogue(doc)
		if err != nil {
			panic(err)
		}
		return cat
	}()
	rules = func() specs.ContactTypeRules {
		r, err := specs.ReadContactTypeRules(doc, "ContactUpdate")
		if err != nil {
			panic(err)
		}
		return r
	}()
)

// harness is the mock behind the shared pipeline on a real HTTP server, as users reach it.
type harness struct {
	t       *testing.T
	backend *mock.Engine
	mock    *mock.Server
	srv     *httptest.Server
	base    string // the API's base URL: the mock serves auregister under /auregister
}

// newHarness starts the default mock. After the test, any answer the spec forbids fails it: such
// an answer is a bug of the mock, whatever the test was about.
func newHarness(t *testing.T) *harness {
	t.Helper()
	b, err := auregister.New(auregister.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := mock.New(mock.Options{}, b)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		if v := s.Violations(); len(v) > 0 {
			t.Errorf("the mock gave %d answers its spec forbids:\n%s", len(v), strings.Join(v, "\n"))
		}
	})
	return &harness{t: t, backend: b, mock: s, srv: srv, base: srv.URL + "/" + specs.Auregister}
}

// request is a raw request: the exact bytes of its body, and its headers.
type request struct {
	method, path string
	header       map[string]string // nil: the valid token and application/json
	body         string
}

// reply is what came back.
type reply struct {
	status      int
	contentType string
	body        []byte
}

// run runs a subtest on the harness, reset to the fixtures first. Building a harness loads and
// validates the spec, which the race detector makes slow, so tables share one.
func (h *harness) run(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		h.t = t
		if err := h.mock.Reset(); err != nil {
			t.Fatal(err)
		}
		f(t)
	})
}

func (h *harness) send(r request) reply {
	h.t.Helper()
	req, err := http.NewRequest(r.method, h.base+r.path, strings.NewReader(r.body))
	if err != nil {
		h.t.Fatal(err)
	}
	header := r.header
	if header == nil {
		header = map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), body}
}

// patch sends body to contact id with the valid token, as JSON.
func (h *harness) patch(id, body string) reply {
	h.t.Helper()
	return h.send(request{method: http.MethodPatch, path: "/contacts/" + id, body: body})
}

func (h *harness) client(t *testing.T) *api.ContactsClient {
	t.Helper()
	return h.clientAt(t, h.base, token)
}

func (h *harness) clientAt(t *testing.T, base, tok string) *api.ContactsClient {
	t.Helper()
	c, err := api.NewContactsClient(base, apiclient.NewSecret(tok))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// State is the store as GET /_admin/state/auregister shows it.
type State struct {
	Addresses []Address     `json:"addresses"`
	Contacts  []api.Contact `json:"contacts"`
}

// Address is a stored address.
type Address struct {
	ID    int64  `json:"id"`
	Label string `json:"label,omitempty"`
}

// state is the store as the admin API would show it.
func (h *harness) state() State {
	h.t.Helper()
	raw, err := json.Marshal(h.backend.State())
	if err != nil {
		h.t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(raw, &st); err != nil {
		h.t.Fatalf("state %s: %v", raw, err)
	}
	return st
}

func (h *harness) contact(id int64) api.Contact {
	h.t.Helper()
	for _, c := range h.state().Contacts {
		if c.ID == id {
			return c
		}
	}
	h.t.Fatalf("no contact %d in the store", id)
	return api.Contact{}
}

// wantError is the body the vendor answers for catalogue entry id, rendered from the entry.
func wantError(t *testing.T, id string, args map[string]string, field string) (int, api.ErrorBody) {
	t.Helper()
	entry, ok := catalogue.ByID(id)
	if !ok {
		t.Fatalf("no catalogue entry %q", id)
	}
	msg, err := entry.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	body := api.ErrorBody{Code: entry.Code, Message: msg}
	if field != "" {
		body.Field = &field
	}
	return entry.Status, body
}

// checkError fails unless got is entry id's answer: status, media type and body.
func checkError(t *testing.T, got reply, id string, args map[string]string, field string) {
	t.Helper()
	status, want := wantError(t, id, args, field)
	if got.status != status || got.contentType != "application/json" {
		t.Errorf("status %d %q, want %d application/json (%s); body %s", got.status, got.contentType, status, id, got.body)
	}
	wantJSON, _ := json.Marshal(want)
	if diff := cmp.Diff(decode(t, wantJSON), decode(t, got.body)); diff != "" {
		t.Errorf("body is not %s's (-want +got):\n%s", id, diff)
	}
}

// checkContact fails unless got is 200 with the contact want.
func checkContact(t *testing.T, got reply, want api.Contact) {
	t.Helper()
	if got.status != http.StatusOK || got.contentType != "application/json" {
		t.Fatalf("status %d %q, want 200 application/json; body %s", got.status, got.contentType, got.body)
	}
	wantJSON, _ := json.Marshal(want)
	if diff := cmp.Diff(decode(t, wantJSON), decode(t, got.body)); diff != "" {
		t.Errorf("answer is not the stored contact (-want +got):\n%s", diff)
	}
}

func decode(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return v
}

// golden reads a golden file of the generated package: the page's examples.
func golden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "gen", "auregister", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pageContact is the page's answer: contact 1941877 as stored.
func pageContact(t testing.TB) api.Contact {
	t.Helper()
	var c api.Contact
	if err := json.Unmarshal(golden(t, "update-contact-response.json"), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// pageUpdate is the page's request as the generated body type.
func pageUpdate(t testing.TB) api.ContactUpdate {
	t.Helper()
	var u api.ContactUpdate
	if err := json.Unmarshal(golden(t, "update-contact-request.json"), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

// update builds a ContactUpdate from JSON, for client calls.
func update(t *testing.T, body string) api.ContactUpdate {
	t.Helper()
	var u api.ContactUpdate
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatal(err)
	}
	return u
}
