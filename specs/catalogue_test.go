package specs_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/contactapis/contactapis/specs"
)

func TestEntryRenderAndMatch(t *testing.T) {
	e := specs.Entry{ID: "xml-parse-error", Message: "XML parse error. {detail} at line {line}, column {column}"}
	args := map[string]string{"detail": "unexpected EOF", "line": "3", "column": "14"}
	msg, err := e.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	if msg != "XML parse error. unexpected EOF at line 3, column 14" {
		t.Errorf("Render = %q", msg)
	}
	got, ok := e.Match(msg)
	if !ok || !maps.Equal(got, args) {
		t.Errorf("Match(%q) = %v, %v; want %v", msg, got, ok, args)
	}
	// A value the vendor echoes from the request (a form key, say) may hold a newline or bytes
	// that are not UTF-8; the message is still an instance of the template.
	echoed := map[string]string{"detail": "bad name \"\xa5\n\"", "line": "1", "column": "2"}
	msg, err = e.Render(echoed)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := e.Match(msg); !ok || !maps.Equal(got, echoed) {
		t.Errorf("Match(%q) = %v, %v; want %v", msg, got, ok, echoed)
	}
	if _, ok := e.Match("XML parse error. unexpected EOF"); ok {
		t.Error("a message missing the template's literal tail must not match")
	}
	if _, err := e.Render(map[string]string{"detail": "x"}); err == nil {
		t.Error("Render with missing values must fail, not leave {line} in the message")
	}
	if _, err := e.Render(map[string]string{"detail": "x", "line": "1", "column": "1", "item": "1"}); err == nil {
		t.Error("Render with a value for no placeholder must fail")
	}
}

// Identify must tell the page's iovox errors apart, including the two that share "Contact ID ... of".
func TestCatalogueIdentify(t *testing.T) {
	doc, err := specs.Load(specs.Iovox)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		message, id string
		args        map[string]string
	}{
		{"Contact ID 1 of 2 does not exist", "contact-id-not-found", map[string]string{"item": "1", "total": "2"}},
		{"Contact ID 2 of 2 Empty", "contact-id-empty", map[string]string{"item": "2", "total": "2"}},
		{"XML Empty", "xml-empty", map[string]string{}},
		{"Request Method must be PUT. POST attempted", "request-method-not-put", map[string]string{"method": "POST"}},
	}
	for _, tt := range tests {
		e, args, ok := cat.Identify(400, tt.message)
		if !ok || e.ID != tt.id || !maps.Equal(args, tt.args) {
			t.Errorf("Identify(%q) = %q %v %v; want %q %v", tt.message, e.ID, args, ok, tt.id, tt.args)
		}
	}
	// The live sandbox's unpositioned wording is not a row of the updateContacts page; the spec
	// takes it for getContactDetails' answer for an unknown contact (assumed).
	if e, _, ok := cat.ForOperation("updateContacts", true).Identify(400, "Contact ID does not exist"); ok {
		t.Errorf("the live sandbox's unpositioned wording is not the page's; matched %q", e.ID)
	}
	if e, _, ok := cat.Identify(400, "Contact ID does not exist"); !ok || e.ID != "contact-details-not-found" {
		t.Errorf("Identify(%q) = %q %v; want contact-details-not-found", "Contact ID does not exist", e.ID, ok)
	}
}

// An operation's own entry wins over a root entry with the same text; secured root entries do not
// answer unsecured operations.
func TestCatalogueForOperation(t *testing.T) {
	cat := specs.Catalogue{
		{ID: "no-credentials", Scope: specs.ScopeSecured, Status: 401, Message: "Full authentication is required"},
		{ID: "route-not-found", Scope: specs.ScopeUnrouted, Status: 404, Message: "Not found"},
		{ID: "login-no-session", OperationID: "loginSuccess", Status: 401, Message: "Full authentication is required"},
		{ID: "missing-param", OperationID: "updateContact", Status: 400, Message: "{param} parameter is missing"},
	}
	ids := func(c specs.Catalogue) (out []string) {
		for _, e := range c {
			out = append(out, e.ID)
		}
		return out
	}
	if got := ids(cat.ForOperation("loginSuccess", false)); !slices.Equal(got, []string{"login-no-session", "route-not-found"}) {
		t.Errorf("unsecured loginSuccess: %v", got)
	}
	if got := ids(cat.ForOperation("updateContact", true)); !slices.Equal(got, []string{"missing-param", "no-credentials", "route-not-found"}) {
		t.Errorf("secured updateContact: %v", got)
	}
	if e, _, _ := cat.ForOperation("loginSuccess", true).Identify(401, "Full authentication is required"); e.ID != "login-no-session" {
		t.Errorf("identified %q; the operation's own entry must win", e.ID)
	}
}
