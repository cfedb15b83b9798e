package valomnia_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// The read of the page's contact 5 answers the page's success example as the spec prints it:
// the fixtures hold the page's contact, and the reference the read does not show stays private.
func TestGetContactAnswersThePageContact(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	res := e.send(raw{method: http.MethodGet, path: "/api/v1.0/contacts/5", session: e.login()})
	wantContact(t, res)
	doc := specs.MustLoad(specs.Valomnia)
	ex := doc.Paths.Find("/contacts/{id}").Post.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Examples["page-success"].Value.Value
	want, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := decodeJSON(t, res.body), decodeJSON(t, want); !reflect.DeepEqual(got, want) {
		t.Errorf("read answered\n%v\nwant the page's success example\n%v", got, want)
	}
}

// What an update answers is what a read answers afterwards: the read shows the stored contact.
func TestGetContactShowsTheUpdate(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	session := e.login()
	updated := e.send(form("/api/v1.0/contacts/6", "firstName=Sky&lastName=Lambert&customerId=4410&city=Springfield", session))
	if updated.status != http.StatusOK {
		t.Fatalf("update: %d %s", updated.status, updated.body)
	}
	read := e.send(raw{method: http.MethodGet, path: "/api/v1.0/contacts/6", session: session})
	wantContact(t, read)
	if got, want := decodeJSON(t, read.body), decodeJSON(t, updated.body); !reflect.DeepEqual(got, want) {
		t.Errorf("read answered\n%v\nthe update answered\n%v", got, want)
	}
	c, err := e.client().GetContact(t.Context(), "6")
	if err != nil {
		t.Fatal(err)
	}
	if c.FirstName != "Sky" || *c.City != "Springfield" || *c.Customer.Name != "Schrader Minerals" {
		t.Errorf("client read %+v", c)
	}
}

// The read needs a session like the update, and names contacts by numeric id only: a contact's
// own reference (CT-0005 is contact 5's) is not found.
func TestGetContactRefusals(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	wantError(t, e.send(raw{method: http.MethodGet, path: "/api/v1.0/contacts/5"}), "no-credentials", nil)
	wantError(t, e.send(raw{method: http.MethodGet, path: "/api/v1.0/contacts/5", session: "C0FFEE00C0FFEE00C0FFEE00C0FFEE00"}), "no-credentials", nil)
	wantError(t, e.send(raw{method: http.MethodGet, path: "/api/v1.0/contacts/CT-0005", session: e.login()}), "get-contact-not-found", map[string]string{"id": "CT-0005"})
	if _, err := e.client().GetContact(t.Context(), ""); err == nil || errors.Is(err, apiclient.CatalogueID("get-contact-not-found")) {
		t.Errorf("an empty id: %v, want a local refusal", err)
	}
}

// The client logs in again, once, when its session has ended before a read.
func TestGetContactRenewsTheSession(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	c := e.client()
	if _, err := c.GetContact(t.Context(), "5"); err != nil {
		t.Fatal(err)
	}
	e.backend.Reset() // ends every session
	if _, err := c.GetContact(t.Context(), "5"); err != nil {
		t.Errorf("read after the session ended: %v", err)
	}
}
