package iovox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/iovox"
)

// Rename contact 333 and replace its business phones. The stand-in server answers as the page
// documents: 204 for a good update, the XML error list otherwise.
func ExampleContactsClient_UpdateContacts() {
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("secureKey") != "my-key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer vendor.Close()

	client, err := iovox.NewContactsClient(vendor.URL, // iovox.SandboxURL for the real sandbox
		iovox.Credentials{Username: "my-user", SecureKey: apiclient.NewSecret("my-key")},
		apiclient.WithTimeout(30*time.Second))
	if err != nil {
		panic(err)
	}
	replace := iovox.FlagTRUE
	name := "John Smith"
	err = client.UpdateContacts(context.Background(), iovox.UpdateContactsPayload{
		ReplaceDetails: &replace,
		Contact: []iovox.Contact{{
			ContactID:     "333",
			DisplayName:   &name,
			BusinessPhone: iovox.PhoneNumbers{"44123871237"},
		}},
	})
	var apiErr *iovox.APIError
	switch {
	case errors.As(err, &apiErr):
		for _, e := range apiErr.Errors {
			fmt.Printf("contact %d of %d: %s\n", e.Item, e.Total, e.Message)
		}
	case err != nil:
		fmt.Println("transport:", err)
	default:
		fmt.Println("updated")
	}
	// Output: updated
}
