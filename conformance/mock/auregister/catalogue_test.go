package auregister_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/contactapis/contactapis/apiclient"
	api "github.com/contactapis/contactapis/gen/auregister"
)

// entryCase triggers one catalogue entry: raw, with the exact bytes, and through the client layer
// where the client can send the request at all.
type entryCase struct {
	id    string
	raw   request
	args  map[string]string
	field string
	// viaClient makes the same mistake through ContactsClient; nil where the client cannot (the
	// row says why). clientArgs are the placeholder values its answer carries.
	viaClient  func(t *testing.T, h *harness) error
	clientArgs map[string]string
}

func entryCases() []entryCase {
	id := strconv.Itoa(pageID)
	jsonAuth := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
	patch := func(path, body string) request { return request{method: http.MethodPatch, path: path, body: body} }
	updateVia := func(contactID int64, body string) func(*testing.T, *harness) error {
		return func(t *testing.T, h *harness) error {
			_, err := h.client(t).UpdateContact(context.Background(), contactID, update(t, body))
			return err
		}
	}
	return []entryCase{
		{
			id:   "route-not-found",
			raw:  request{method: http.MethodPut, path: "/contacts/" + id, header: jsonAuth},
			args: map[string]string{"method": "PUT", "path": "/contacts/" + id},
			// The client only ever PATCHes /contacts/{id}; a base URL with a wrong prefix is how
			// a user meets this answer.
			viaClient: func(t *testing.T, h *harness) error {
				_, err := h.clientAt(t, h.base+"/api", token).UpdateContact(context.Background(), pageID, api.ContactUpdate{})
				return err
			},
			clientArgs: map[string]string{"method": "PATCH", "path": "/api/contacts/" + id},
		},
		{
			id:  "unauthorized",
			raw: request{method: http.MethodPatch, path: "/contacts/" + id, header: map[string]string{"Content-Type": "application/json"}, body: `{}`},
			viaClient: func(t *testing.T, h *harness) error {
				_, err := h.clientAt(t, h.base, "not-the-token").UpdateContact(context.Background(), pageID, api.ContactUpdate{})
				return err
			},
			clientArgs: map[string]string{},
		},
		{
			// Raw only: the client always sends application/json.
			id:  "unsupported-media-type",
			raw: request{method: http.MethodPatch, path: "/contacts/" + id, header: map[string]string{"Authorization": "Bearer " + token, "Content-Type": "text/plain"}, body: `{"mobile":"0400000000"}`},
		},
		{
			// Raw only: the client encodes typed values, so its JSON always parses.
			id:  "malformed-body",
			raw: patch("/contacts/"+id, `{"firstName":`),
		},
		{
			// Raw only: AddressID is an int64 in the generated body type.
			id:    "invalid-field-type",
			raw:   patch("/contacts/"+id, `{"addressId":"1675073"}`),
			args:  map[string]string{"field": "addressId", "expectedType": "integer"},
			field: "addressId",
		},
		{
			id:         "invalid-enum-value",
			raw:        patch("/contacts/"+id, `{"sex":"Other"}`),
			args:       map[string]string{"field": "sex", "allowedValues": enumValues("Sex")},
			field:      "sex",
			viaClient:  updateVia(pageID, `{"sex":"Other"}`),
			clientArgs: map[string]string{"field": "sex", "allowedValues": enumValues("Sex")},
		},
		{
			// Raw only: openapi_types.Date holds only real dates and writes them as YYYY-MM-DD.
			id:    "invalid-date",
			raw:   patch("/contacts/"+id, `{"birthday":"2001-02-30"}`),
			args:  map[string]string{"field": "birthday"},
			field: "birthday",
		},
		{
			id:         "invalid-country",
			raw:        patch("/contacts/"+id, `{"birthCountry":"Atlantis"}`),
			args:       map[string]string{"field": "birthCountry"},
			field:      "birthCountry",
			viaClient:  updateVia(pageID, `{"birthCountry":"Atlantis"}`),
			clientArgs: map[string]string{"field": "birthCountry"},
		},
		{
			id:         "unknown-address-id",
			raw:        patch("/contacts/"+id, `{"addressId":1}`),
			args:       map[string]string{"addressId": "1"},
			field:      "addressId",
			viaClient:  updateVia(pageID, `{"addressId":1}`),
			clientArgs: map[string]string{"addressId": "1"},
		},
		{
			id:         "contact-not-found",
			raw:        patch("/contacts/1", `{"mobile":"0400000000"}`),
			args:       map[string]string{"contactId": "1"},
			viaClient:  updateVia(1, `{"mobile":"0400000000"}`),
			clientArgs: map[string]string{"contactId": "1"},
		},
		{
			id:         "joint-member-not-updatable",
			raw:        patch("/contacts/"+strconv.Itoa(jointMemberID), `{}`),
			args:       map[string]string{"contactId": strconv.Itoa(jointMemberID)},
			viaClient:  updateVia(jointMemberID, `{}`),
			clientArgs: map[string]string{"contactId": strconv.Itoa(jointMemberID)},
		},
		{
			// contactType rather than id: the client refuses a foreign id itself, before sending;
			// it cannot know the stored type unless told, so this one reaches the mock.
			id:         "read-only-field-changed",
			raw:        patch("/contacts/"+id, `{"contactType":"Company"}`),
			args:       map[string]string{"field": "contactType"},
			field:      "contactType",
			viaClient:  updateVia(pageID, `{"contactType":"Company"}`),
			clientArgs: map[string]string{"field": "contactType"},
		},
		{
			id:         "field-not-allowed-for-contact-type",
			raw:        patch("/contacts/"+id, `{"name":"Vieri Holdings"}`),
			args:       map[string]string{"field": "name", "contactType": "People"},
			field:      "name",
			viaClient:  updateVia(pageID, `{"name":"Vieri Holdings"}`),
			clientArgs: map[string]string{"field": "name", "contactType": "People"},
		},
	}
}

// TestEveryCatalogueEntry triggers each entry of the spec's catalogue, checks the answer's status,
// media type and body (rendered from the entry), and that the client identifies it. A catalogue
// entry that no row triggers fails the test.
func TestEveryCatalogueEntry(t *testing.T) {
	t.Parallel()
	// Only fault injection produces the 500, and faults are fixed per server: TestInjectedFaults
	// triggers it and checks its body against the entry.
	covered := map[string]bool{"internal-server-error": true}
	h := newHarness(t)
	for _, tc := range entryCases() {
		covered[tc.id] = true
		h.run(t, tc.id, func(t *testing.T) {
			before := h.state()
			checkError(t, h.send(tc.raw), tc.id, tc.args, tc.field)
			if tc.viaClient == nil {
				return
			}
			err := tc.viaClient(t, h)
			var apiErr *api.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("client error %v (%T) is not the vendor's answer", err, err)
			}
			entry, _ := catalogue.ByID(tc.id)
			if !errors.Is(err, apiclient.CatalogueID(tc.id)) || !errors.Is(err, apiclient.StatusSentinel(entry.Status)) || apiErr.ID != tc.id {
				t.Errorf("client error %v: id %q, want %q and the %d sentinel", err, apiErr.ID, tc.id, entry.Status)
			}
			if !cmp.Equal(apiErr.Params, tc.clientArgs) {
				t.Errorf("client error params %v, want %v", apiErr.Params, tc.clientArgs)
			}
			if wantField := tc.field; apiErr.Field != wantField {
				t.Errorf("client error field %q, want %q", apiErr.Field, wantField)
			}
			// Every refusal leaves the store as it was.
			if diff := cmp.Diff(before, h.state()); diff != "" {
				t.Errorf("a refused update changed the store:\n%s", diff)
			}
		})
	}
	for _, e := range catalogue {
		if !covered[e.ID] {
			t.Errorf("catalogue entry %q (status %d) is triggered by no test row", e.ID, e.Status)
		}
	}
}
