package valomnia_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	"github.com/contactapis/contactapis/internal/spectest"
	"github.com/contactapis/contactapis/specs"
)

// serveDoc is an env for the Valomnia mock built from doc, a changed copy of the spec.
func serveDoc(t *testing.T, doc *openapi3.T) *env {
	t.Helper()
	c := newClock()
	b, err := valomnia.New(valomnia.Options{Doc: doc, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, srv := spectest.Serve(t, b)
	return &env{t: t, backend: b, server: s, srv: srv, clock: c}
}

// stateContact is contact id of the mock's state, every stored property included.
func stateContact(t *testing.T, e *env, id int64) map[string]any {
	t.Helper()
	for _, c := range e.backend.State().(map[string]any)["contacts"].([]map[string]any) {
		if c["id"] == id {
			return c
		}
	}
	t.Fatalf("no contact %d", id)
	return nil
}

// TestSpecChangeAddsAProperty: an optional title added to the spec's ContactUpdate (so to the
// multipart update too, through allOf) and Contact is generated into the typed client, read from
// a form and from multipart, stored, answered, cleared when sent empty, checked against its
// schema and loaded from fixtures, with no Go change.
func TestSpecChangeAddsAProperty(t *testing.T) {
	doc := spectest.Copy(t, specs.Valomnia)
	spectest.AddProperty(t, doc, "title", &openapi3.Schema{Type: &openapi3.Types{"string"}, MaxLength: openapi3.Ptr(uint64(10))}, "ContactUpdate", "Contact")
	src := spectest.Regenerate(t, specs.Valomnia, doc)
	for _, typ := range []string{"ContactUpdate", "Contact"} {
		_, body, _ := strings.Cut(src, "type "+typ+" struct {")
		body, _, _ = strings.Cut(body, "\n}")
		if !strings.Contains(body, "Title ") {
			t.Errorf("regenerated %s has no Title field", typ)
		}
	}
	e := serveDoc(t, doc)
	token := e.login()
	res := e.send(form("/api/v1.0/contacts/5", marieForm("", "")+"&title=Dr", token))
	if got := decodeJSON(t, res.body)["title"]; res.status != 200 || got != "Dr" {
		t.Fatalf("answer %d %s: title %v, want Dr", res.status, res.body, got)
	}
	if got := stateContact(t, e, 5)["title"]; got != "Dr" {
		t.Errorf("title stored as %v, want Dr", got)
	}
	// Left out it is kept; sent empty it is cleared, as every optional text.
	e.send(form("/api/v1.0/contacts/5", marieForm("", ""), token))
	if got := stateContact(t, e, 5)["title"]; got != "Dr" {
		t.Errorf("title after an update without it %v, want Dr", got)
	}
	e.send(form("/api/v1.0/contacts/5", marieForm("", "")+"&title=", token))
	if got := stateContact(t, e, 5)["title"]; got != "" {
		t.Errorf("title after an empty one %v, want \"\"", got)
	}
	// Multipart carries it too.
	res = e.send(multipartUpdate(t, "/api/v1.0/contacts/5", token, fields(part{name: "title", data: []byte("Mme")})...))
	if got := decodeJSON(t, res.body)["title"]; got != "Mme" {
		t.Errorf("multipart answer %d %s: title %v, want Mme", res.status, res.body, got)
	}
	// Its schema is enforced, as the vendor refuses a parameter of the wrong type.
	wantError(t, e.send(form("/api/v1.0/contacts/5", marieForm("", "")+"&title=Professor+Emeritus", token)), "invalid-param-type", map[string]string{"param": "title"})
	// Fixtures may hold it.
	f := strings.Replace(string(defaultFixtures(t)), `"firstName": "Marie",`, `"firstName": "Marie", "title": "Ms",`, 1)
	if err := e.server.LoadFixtures([]byte(`{"valomnia": ` + f + `}`)); err != nil {
		t.Fatal(err)
	}
	if got := stateContact(t, e, 5)["title"]; got != "Ms" {
		t.Errorf("title from the fixtures %v, want Ms", got)
	}
}

// TestSpecChangeRemovesAProperty: fax removed from the spec's ContactUpdate is gone from the
// typed client's update; sent anyway, it is a parameter the update does not read: the update
// succeeds and the stored fax stays as it was.
func TestSpecChangeRemovesAProperty(t *testing.T) {
	doc := spectest.Copy(t, specs.Valomnia)
	spectest.RemoveProperty(t, doc, "fax", "ContactUpdate")
	src := spectest.Regenerate(t, specs.Valomnia, doc)
	_, body, _ := strings.Cut(src, "type ContactUpdate struct {")
	body, _, _ = strings.Cut(body, "\n}")
	if body == "" || strings.Contains(body, "Fax ") {
		t.Errorf("regenerated ContactUpdate still has Fax (or is missing):%s", body)
	}
	e := serveDoc(t, doc)
	token := e.login()
	before := stateContact(t, e, 6)["fax"]
	res := e.send(form("/api/v1.0/contacts/6", "firstName=Skyler&lastName=White&customerId=3229&fax=505-555-0199&city=Tucson", token))
	if got := decodeJSON(t, res.body); res.status != 200 || got["fax"] != before || got["city"] != "Tucson" {
		t.Errorf("answer %d %s: want fax %v kept and city Tucson", res.status, res.body, before)
	}
	if got := stateContact(t, e, 6)["fax"]; got != before {
		t.Errorf("stored fax %v, want %v kept", got, before)
	}
	// A multipart update drops it the same way.
	res = e.send(multipartUpdate(t, "/api/v1.0/contacts/6", token, part{name: "firstName", data: []byte("Skyler")},
		part{name: "lastName", data: []byte("White")}, part{name: "customerId", data: []byte("3229")}, part{name: "fax", data: []byte("1")}))
	if got := decodeJSON(t, res.body); res.status != 200 || got["fax"] != before {
		t.Errorf("multipart answer %d %s: want fax %v kept", res.status, res.body, before)
	}
}

// TestHandWrittenCodeIsSmall: the mock is the spec plus the page's rules; its hand-written Go
// (tests aside, doc.go included) stays within the budget of 600 lines.
func TestHandWrittenCodeIsSmall(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lines += strings.Count(string(src), "\n")
		}
	}
	if lines > 600 {
		t.Errorf("the Valomnia mock is %d hand-written lines, over 600", lines)
	}
}
