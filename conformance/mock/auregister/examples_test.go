package auregister_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/contactapis/contactapis/apiclient"
	api "github.com/contactapis/contactapis/gen/auregister"
)

// TestPageExampleSucceeds sends the page's request (the golden file: the page's Ruby hash in JSON
// notation, name included) to the page's contact, raw and through the client, and expects the
// page's answer: the contact as stored, unchanged, since the example sends it back as it is.
func TestPageExampleSucceeds(t *testing.T) {
	t.Parallel()
	page := pageContact(t)
	t.Run("raw", func(t *testing.T) {
		h := newHarness(t)
		checkContact(t, h.patch(strconv.Itoa(pageID), string(golden(t, "update-contact-request.json"))), page)
		if diff := cmp.Diff(page, h.contact(pageID)); diff != "" {
			t.Errorf("the example changed the stored contact:\n%s", diff)
		}
	})
	t.Run("raw, as the page prints its answer", func(t *testing.T) {
		// The answer, byte for byte apart from the encoder's newline, is the page's one line.
		h := newHarness(t)
		got := h.patch(strconv.Itoa(pageID), string(golden(t, "update-contact-request.json")))
		var want, sent any
		json.Unmarshal(golden(t, "update-contact-response.json"), &want)
		json.Unmarshal(got.body, &sent)
		if !cmp.Equal(want, sent) {
			t.Errorf("answer differs from the page's:\n%s", cmp.Diff(want, sent))
		}
	})
	for _, tc := range []struct {
		name string
		opts []api.UpdateOption
	}{
		{"client, type not stated", nil},
		{"client, stored contact stated", []api.UpdateOption{api.ForContact(page)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			got, err := h.client(t).UpdateContact(context.Background(), pageID, pageUpdate(t), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(page, *got); diff != "" {
				t.Errorf("client returned another contact (-page +got):\n%s", diff)
			}
		})
	}
	t.Run("client, type only: refused before sending, stricter than the mock", func(t *testing.T) {
		// ForContactType cannot tell the stored name from a new one (gen/auregister's
		// documented limit); the mock, which knows the stored contact, accepts it above.
		h := newHarness(t)
		_, err := h.client(t).UpdateContact(context.Background(), pageID, pageUpdate(t), api.ForContactType(api.ContactTypePeople))
		var refused *api.RuleError
		if !errors.As(err, &refused) || !errors.Is(err, apiclient.CatalogueID(rules.Errors.NotAllowed)) {
			t.Errorf("err %v, want the client's own refusal of name", err)
		}
	})
	t.Run("the page's path parameter", func(t *testing.T) {
		h := newHarness(t)
		checkContact(t, h.send(request{method: http.MethodPatch, path: "/contacts/1941877", body: `{}`}), page)
	})
}
