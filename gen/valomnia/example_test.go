package valomnia_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/valomnia"
)

// Move Marie Schrader's contact to another town. The stand-in server answers as Valomnia does:
// the login redirects to the token page, and the update answers the stored contact.
func ExampleContactsClient_UpdateContact() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /j_spring_security_check", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/login/ajaxSuccess")
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("GET /login/ajaxSuccess", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"success": true, "token": "0123456789ABCDEF0123456789ABCDEF"}`)
	})
	mux.HandleFunc("POST /api/v1.0/contacts/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("city") != "Springfield" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `{"id": %s, "customer": {"id": 3229}, "firstName": "Marie", "lastName": "Schrader", "city": "Springfield"}`, r.PathValue("id"))
	})
	vendor := httptest.NewServer(mux)
	defer vendor.Close()

	client, err := valomnia.NewContactsClient(vendor.URL+"/api/v1.0", // https://{organisation}.valomnia.com/api/v1.0
		valomnia.Credentials{User: "marie@entity1.example", Password: apiclient.NewSecret("my-password")},
		apiclient.WithTimeout(30*time.Second))
	if err != nil {
		panic(err)
	}
	city := "Springfield"
	contact, err := client.UpdateContact(context.Background(), "5", valomnia.ContactUpdate{
		FirstName: "Marie", LastName: "Schrader", CustomerID: "3229", City: &city,
	}, nil)
	var apiErr *valomnia.APIError
	switch {
	case errors.As(err, &apiErr):
		fmt.Println("refused:", apiErr.Code, apiErr.Description)
	case err != nil:
		fmt.Println("failed:", err)
	default:
		fmt.Printf("contact %d: %s %s, %s\n", contact.ID, contact.FirstName, contact.LastName, *contact.City)
	}
	// Output: contact 5: Marie Schrader, Springfield
}
