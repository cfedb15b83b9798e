package auregister_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/auregister"
)

// Change a person's mobile number and clear their title, then try to give them a company name,
// which the contact-type rules refuse before anything is sent. The stand-in server holds the
// page's contact and answers as the page documents: 200 with the whole contact after the update.
func ExampleContactsClient_UpdateContact() {
	stored := map[string]json.RawMessage{}
	page, _ := os.ReadFile("testdata/update-contact-response.json")
	json.Unmarshal(page, &stored)
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer my-access-token" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"unauthorized","message":"Missing or invalid access token"}`)
			return
		}
		var changes map[string]json.RawMessage
		json.NewDecoder(r.Body).Decode(&changes)
		for k, v := range changes { // absent keeps, null clears, a value replaces
			stored[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(stored)
	}))
	defer vendor.Close()

	client, err := auregister.NewContactsClient(vendor.URL, apiclient.NewSecret("my-access-token"),
		apiclient.WithTimeout(30*time.Second))
	if err != nil {
		panic(err)
	}
	people := auregister.ForContactType(auregister.ContactTypePeople)

	var update auregister.ContactUpdate
	update.Mobile.Set("0400 000 000")
	update.Title.SetNull()
	contact, err := client.UpdateContact(context.Background(), 1941877, update, people)
	if err != nil {
		panic(err)
	}
	fmt.Println(contact.FirstName.MustGet(), contact.LastName.MustGet(), contact.Mobile.MustGet(), contact.Title.IsNull())

	var rename auregister.ContactUpdate
	rename.Name.Set("Vieri Holdings")
	_, err = client.UpdateContact(context.Background(), 1941877, rename, people)
	var refused *auregister.RuleError
	if errors.As(err, &refused) {
		fmt.Println("refused:", refused.Fields(), errors.Is(err, apiclient.CatalogueID("field-not-allowed-for-contact-type")))
	}
	// Output:
	// Christian Vieri 0400 000 000 true
	// refused: [name] true
}
