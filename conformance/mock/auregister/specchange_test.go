package auregister_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/auregister"
	"github.com/contactapis/contactapis/internal/spectest"
	"github.com/contactapis/contactapis/specs"
)

// serveDoc serves the auregister mock built from doc, a changed copy of the spec.
func serveDoc(t *testing.T, doc *openapi3.T) (*mock.Engine, string) {
	t.Helper()
	e, err := auregister.New(auregister.Options{Doc: doc})
	if err != nil {
		t.Fatal(err)
	}
	_, srv := spectest.Serve(t, e)
	return e, srv.URL + "/auregister"
}

func patch(t *testing.T, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestSpecChangeAddsAProperty: a property added to the contact in the request and the answer is
// generated into the typed client, stored by the mock and answered, with no Go change.
func TestSpecChangeAddsAProperty(t *testing.T) {
	doc := spectest.Copy(t, specs.Auregister)
	spectest.AddProperty(t, doc, "nickname", &openapi3.Schema{Type: &openapi3.Types{"string"}, Nullable: true}, "ContactUpdate", "Contact")
	if src := spectest.Regenerate(t, specs.Auregister, doc); !strings.Contains(src, "Nickname") {
		t.Errorf("regenerated types have no Nickname field")
	}
	e, base := serveDoc(t, doc)
	status, body := patch(t, base+"/contacts/1941877", `{"nickname":"Chris"}`)
	if status != http.StatusOK || !strings.Contains(body, `"nickname":"Chris"`) {
		t.Fatalf("update with the new property: %d %s", status, body)
	}
	if st := state(t, e); !strings.Contains(st, `"nickname":"Chris"`) {
		t.Errorf("state does not show the stored property: %s", st)
	}
	// A contact that never had it answers null: the property is nullable and optional.
	if status, body := patch(t, base+"/contacts/1941881", `{}`); status != http.StatusOK || !strings.Contains(body, `"nickname":null`) {
		t.Errorf("contact without the property: %d %s", status, body)
	}
	// The new property's schema is enforced like any other.
	if status, body := patch(t, base+"/contacts/1941877", `{"nickname":5}`); status != http.StatusBadRequest || !strings.Contains(body, "nickname must be of type string") {
		t.Errorf("nickname of the wrong type: %d %s", status, body)
	}
}

// TestSpecChangeRemovesAProperty: a property removed from the request schema is no longer applied
// (undeclared properties are ignored, as kin-openapi and the vendor are assumed to), and is gone
// from the regenerated client.
func TestSpecChangeRemovesAProperty(t *testing.T) {
	doc := spectest.Copy(t, specs.Auregister)
	spectest.RemoveProperty(t, doc, "skype", "ContactUpdate")
	src := spectest.Regenerate(t, specs.Auregister, doc)
	_, update, _ := strings.Cut(src, "type ContactUpdate struct {")
	update, _, _ = strings.Cut(update, "\n}")
	if update == "" || strings.Contains(update, "Skype") {
		t.Errorf("regenerated ContactUpdate still has Skype (or is missing):%s", update)
	}
	_, base := serveDoc(t, doc)
	status, body := patch(t, base+"/contacts/1941877", `{"skype":"chris.v","mobile":"0400000000"}`)
	if status != http.StatusOK || !strings.Contains(body, `"skype":null`) || !strings.Contains(body, `"mobile":"0400000000"`) {
		t.Errorf("update with the removed property: %d %s, want skype left null and mobile stored", status, body)
	}
}

func state(t *testing.T, e *mock.Engine) string {
	t.Helper()
	raw, err := json.Marshal(e.State())
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
