package iovox_test

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
	api "github.com/contactapis/contactapis/gen/iovox"
)

// Each bad fixtures document is refused whole, with an error wrapping mock.ErrFixtures that names
// the record at fault, and the store keeps what it had.
func TestPrepareFixturesRefusesBadRecords(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	contact := func(extra string) string {
		return `{"contacts": [{"contact_id": "1", "display_name": "A B", "mobile_phone": ["447700900001"]` + extra + `}]}`
	}
	tests := []struct {
		name, doc, mentions string
	}{
		{"not JSON", `{"contacts": [`, "iovox"},
		{"unknown field", `{"contacts": [], "groups": []}`, "groups"},
		{"unknown contact field", contact(`, "fax": "1"`), "fax"},
		{"data after the object", `{"contacts": []} {}`, "after"},
		{"no contact_id", `{"contacts": [{"display_name": "A"}]}`, "missing contact_id"},
		{"contact twice", `{"contacts": [{"contact_id": "1", "display_name": "A"}, {"contact_id": "1", "display_name": "B"}]}`, "contact_id 1 given twice"},
		{"no display name", `{"contacts": [{"contact_id": "1"}]}`, "missing display_name"},
		{"phone not internationalised", contact(`, "home_phone": ["07700900001"]`), "home_phone"},
		{"name with a digit", contact(`, "first_name": "A1"`), "first_name"},
		{"country code, not name", contact(`, "home_country": "GB"`), `"GB"`},
		{"display name and phone clash", `{"contacts": [{"contact_id": "1", "display_name": "A", "mobile_phone": ["447700900001"]}, {"contact_id": "2", "display_name": "A", "business_fax": ["447700900001"]}]}`, `"2"`},
		{"template without id", `{"rule_templates": [{"name": "x"}]}`, "rule template 1 of 1"},
		{"template uses unknown contact", `{"contacts": [], "rule_templates": [{"id": "t", "uses": [{"contact_id": "9", "detail": "email"}]}]}`, `"t"`},
		{"template uses unknown detail", `{"contacts": [{"contact_id": "1", "display_name": "A"}], "rule_templates": [{"id": "t", "uses": [{"contact_id": "1", "detail": "work_country"}]}]}`, "work_country"},
		{"template twice", `{"rule_templates": [{"id": "t"}, {"id": "t"}]}`, `"t"`},
		{"link attaches unknown template", `{"links": [{"id": "l", "templates": ["t"]}]}`, `"l"`},
		{"link attaches twice", `{"rule_templates": [{"id": "t"}], "links": [{"id": "l", "templates": ["t", "t"]}]}`, `"l"`},
		{"variable of a template not attached", `{"contacts": [{"contact_id": "1", "display_name": "A"}], "rule_templates": [{"id": "t"}], "links": [{"id": "l", "variables": [{"template": "t", "contact_id": "1", "detail": "email"}]}]}`, `"l"`},
		{"link twice", `{"links": [{"id": "l"}, {"id": "l"}]}`, `"l"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shared.sub(t)
			before := h.state()
			_, err := h.backend.PrepareFixtures(json.RawMessage(tt.doc))
			if !errors.Is(err, mock.ErrFixtures) || !strings.Contains(err.Error(), tt.mentions) {
				t.Fatalf("err %v; want mock.ErrFixtures naming %s", err, tt.mentions)
			}
			if err := h.server.LoadFixtures([]byte(`{"iovox": ` + tt.doc + `}`)); err == nil {
				t.Error("LoadFixtures accepted it")
			}
			if !equalJSON(before, h.state()) {
				t.Error("a refused fixtures document changed the store")
			}
		})
	}
}

// Loaded fixtures replace the defaults; Reset goes back to them, not to the defaults; country
// names are stored canonical.
func TestLoadFixturesThenReset(t *testing.T) {
	h := newHarness(t, mock.Options{})
	doc := `{"iovox": {"contacts": [{"contact_id": "1", "display_name": "A B", "home_country": "united states"}]}}`
	if err := h.server.LoadFixtures([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if st := h.state(); len(st.Contacts) != 1 || str(st.Contacts[0].HomeCountry) != "United States" {
		t.Fatalf("state after loading %+v", st)
	}
	ok204(t, h.send(put(request(contact(el("contact_id", "1"), el("notes", "x"))))))
	if err := h.server.Reset(); err != nil {
		t.Fatal(err)
	}
	if c, _ := h.contact("1"); str(c.Notes) != "" || len(h.state().Contacts) != 1 {
		t.Errorf("Reset did not restore the loaded fixtures: %+v", h.state())
	}
	if len(h.backend.Events()) != 0 {
		t.Error("Reset kept events")
	}
}

// State is sorted by id and marshals the same way every time (the admin API serves it).
func TestStateIsDeterministic(t *testing.T) {
	h := newHarness(t, mock.Options{})
	ok204(t, h.send(put(request(contact(el("contact_id", "333"), el("new_contact_id", "0")), contact(el("contact_id", "777"), el("new_contact_id", "1000"))))))
	st := h.state()
	if !slices.IsSortedFunc(st.Contacts, func(a, b api.Contact) int { return strings.Compare(a.ContactID, b.ContactID) }) {
		t.Errorf("contacts not sorted: %v", st.Contacts)
	}
	a, _ := json.Marshal(h.backend.State())
	for range 5 {
		if b, _ := json.Marshal(h.backend.State()); string(a) != string(b) {
			t.Fatal("State marshals differently")
		}
	}
	resp, err := http.Get(h.srv.URL + "/_admin/state/iovox")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var served iovox.State
	if err := json.NewDecoder(resp.Body).Decode(&served); err != nil || !equalJSON(served, st) {
		t.Errorf("admin state %+v (%v)", served, err)
	}
}

// State hands out copies: changing one does not change the store.
func TestStateIsACopy(t *testing.T) {
	h := newHarness(t, mock.Options{})
	st := h.backend.State().(map[string]any)
	st["contacts"].([]map[string]any)[0]["mobile_phone"].([]any)[0] = "0"
	st["links"].([]iovox.Link)[0].Templates[0] = "x"
	if !equalJSON(h.state(), func() iovox.State { f := newHarness(t, mock.Options{}); return f.state() }()) {
		t.Error("changing State's result changed the store")
	}
}

// A query that is not UTF-8 never reaches the handler (the pipeline refuses it): v and method are
// still read, and when they are fine the query as a whole is unreadable, api-version-invalid.
func TestNonUTF8Query(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	tests := []struct {
		name  string
		query string
		body  string // a valid update when empty
		key   string // the right secureKey when empty
		want  want
	}{
		{"output", "v=3&method=updateContacts&output=\xff", "", "", w("api-version-invalid")},
		{"version", "v=3\xff&method=updateContacts", "", "", w("api-version-invalid")},
		{"method", "v=3&method=update\xffContacts", "", "", w("method-invalid")},
		// The malformed query ranks before the body's problems (errors.order), and after the
		// credentials.
		{"before a parse error", "v=3&method=updateContacts&output=\xff", request(contact(el("contact_id", "333"))) + "<", "", w("api-version-invalid")},
		{"before an invalid body", "v=3&method=updateContacts&output=\xff", request(contact(el("contact_id", "333"), el("home_phone", "x"))), "", w("api-version-invalid")},
		{"after the credentials", "v=3&method=updateContacts&output=\xff", "", "wrong", w("authentication-failed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shared.sub(t)
			body, key := cmp.Or(tt.body, request(contact(el("contact_id", "333")))), cmp.Or(tt.key, "test")
			conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "PUT /iovox/Contacts?"+tt.query+" HTTP/1.1\r\nHost: x\r\nusername: test\r\nsecureKey: "+key+"\r\nContent-Type: application/xml\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			expectErrors(t, response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: got}, tt.want)
		})
	}
}
