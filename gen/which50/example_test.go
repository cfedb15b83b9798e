package which50_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
)

// Set the mobile number of every contact of list 3 with a given account id and email, then run
// a Custom Event on them (the page's Match Values example). The stand-in server answers as the
// page documents: the updated contacts' encrypted ids, or 404 when nothing matched.
func ExampleContactsClient_UpdateContactsByMatch() {
	// The stand-in's "nothing matched" answer, rendered from the spec's error catalogue.
	entries, _ := specs.ReadCatalogue(specs.MustLoad(specs.Which50))
	noMatch, _ := entries.ByID("update-no-contacts-matched")
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer my-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if r.URL.Query().Get("ReferanceAccountId") != "123456" {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(which50.HTTPError{Message: noMatch.Message})
			return
		}
		fmt.Fprint(w, `[ "sample string 1", "sample string 2" ]`)
	}))
	defer vendor.Close()

	client, err := which50.NewContactsClient(vendor.URL+"/Which50API", // which50.ProductionURL for the real API
		which50.BearerToken(apiclient.NewSecret("my-token")),
		apiclient.WithTimeout(30*time.Second))
	if err != nil {
		panic(err)
	}
	for _, account := range []string{"123456", "999999"} {
		ids, err := client.UpdateContactsByMatch(context.Background(), 3,
			map[string]string{"ReferanceAccountId": account, "Email": "pgannon@customerminds.com"},
			map[string]any{"Mobile": "353871234567"},
			which50.WithCustomEvents("SendWelcomeEmail"))
		var apiErr *which50.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.NoContactsMatched():
			fmt.Println(account, "matched no contact")
		case err != nil:
			fmt.Println(account, "failed:", err)
		default:
			fmt.Println(account, "updated", ids)
		}
	}
	// Output:
	// 123456 updated [sample string 1 sample string 2]
	// 999999 matched no contact
}
