package iovox_test

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/iovox"
)

// afterPageExample is contact 333 once the page's example has been applied to the default
// fixtures: renamed, every detail sent set, each phone list replaced (replace_details TRUE).
// work_country is stored as the business country; new_contact_id is the new id, not a detail.
var afterPageExample = api.Contact{
	ContactID: "333 Updated", DisplayName: ptr("John Smith"), FirstName: ptr("John"), LastName: ptr("Smith"),
	Email: ptr("jsmith@iovox.com"), Email2: ptr("jsmith@iovox.com"), Company: ptr("Smith's ABC"),
	MobilePhone: []string{"447772412312"}, HomePhone: []string{"44123231231"},
	BusinessPhone: []string{"44123871237"}, BusinessFax: []string{"44123875237"},
	WorkAddress1: ptr("155 Abbey Street"), WorkAddress2: ptr("Westminister"), WorkCity: ptr("London"),
	WorkPostcode: ptr("W1 5P6"), BusinessCountry: ptr("United Kingdom"),
	HomeAddress1: ptr("155 Abbey Street"), HomeAddress2: ptr("Westminister"), HomeCity: ptr("London"),
	HomeCountry: ptr("United Kingdom"), HomePostcode: ptr("W1 5P6"), Notes: ptr("This is a note."),
}

func checkPageExampleApplied(t *testing.T, h *harness) {
	t.Helper()
	if _, ok := h.contact("333"); ok {
		t.Error("contact 333 still exists after its rename")
	}
	got, ok := h.contact("333 Updated")
	if !ok || !equalJSON(got, afterPageExample) {
		t.Errorf("contact after the page's example:\n got %+v\nwant %+v", got, afterPageExample)
	}
}

// The page's example (its corrected golden form) succeeds on a fresh mock, raw and through the
// typed client: 204, no body, and the store shows the update.
func TestPageExampleSucceeds(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	t.Run("raw", func(t *testing.T) {
		h := shared.sub(t)
		resp := h.send(put(string(pageExampleBody(t))))
		if resp.status != http.StatusNoContent || len(resp.body) != 0 {
			t.Fatalf("got %d %q, want 204 and no body", resp.status, resp.body)
		}
		checkPageExampleApplied(t, h)
	})
	t.Run("client", func(t *testing.T) {
		h := shared.sub(t)
		if err := h.update(pageExample(t)); err != nil {
			t.Fatal(err)
		}
		checkPageExampleApplied(t, h)
	})
	t.Run("again is contact-id-not-found", func(t *testing.T) {
		// 333 was renamed by the first call: the page's example cannot run twice.
		h := shared.sub(t)
		h.send(put(string(pageExampleBody(t))))
		expectErrors(t, h.send(put(string(pageExampleBody(t)))), at("contact-id-not-found", "1", "1"))
	})
	t.Run("reset restores 333", func(t *testing.T) {
		h := shared.sub(t)
		h.send(put(string(pageExampleBody(t))))
		if err := h.server.Reset(); err != nil {
			t.Fatal(err)
		}
		if _, ok := h.contact("333"); !ok || !slices.ContainsFunc(h.state().Contacts, func(c api.Contact) bool { return c.ContactID == "333" }) {
			t.Error("Reset did not restore contact 333")
		}
		if resp := h.send(put(string(pageExampleBody(t)))); resp.status != http.StatusNoContent {
			t.Errorf("after Reset: %d %s", resp.status, resp.body)
		}
	})
}

// The evidenced error sample (gen/iovox/testdata/errors.400.xml, "Contact ID 1 of 2 does not
// exist") is what the mock answers, byte for byte, when the first of two contacts is unknown.
func TestPageErrorSampleIsReproduced(t *testing.T) {
	golden, err := os.ReadFile("../../../gen/iovox/testdata/errors.400.xml")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, mock.Options{})
	resp := h.send(put(request(contact(el("contact_id", "999")), contact(el("contact_id", "333")))))
	if resp.status != http.StatusBadRequest || string(resp.body) != strings.TrimSpace(string(golden)) {
		t.Errorf("got %d %s\nwant 400 %s", resp.status, resp.body, golden)
	}
}
