package valomnia_test

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	api "github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// catalogueRow triggers one catalogue entry.
type catalogueRow struct {
	id   string
	args map[string]string
	// raw sends the triggering request byte for byte and returns the answer.
	raw func(t *testing.T, e *env) result
	// client sends it through the typed client and returns the error; nil where the client cannot
	// send that request at all (the reason is on the row).
	client func(t *testing.T, e *env) error
	// refusedLocally: the client refuses the request before sending it, with an error matching the
	// entry's id, so the row checks that nothing reached the mock.
	refusedLocally bool
}

// marieForm is the page's request (update-contact-request.form) with one field changed.
func marieForm(replace, by string) string {
	body := ("firstName=Marie&lastName=Schrader&customerId=3229&fonction=Commercial&city=Any+town&address=Main+street")
	if replace == "" {
		return body
	}
	return strings.Replace(body, replace, by, 1)
}

func catalogueRows() []catalogueRow {
	update := func(path, body string) func(*testing.T, *env) result {
		return func(t *testing.T, e *env) result { return e.send(form(path, body, e.login())) }
	}
	clientUpdate := func(id string, u api.ContactUpdate, img func(*testing.T) *api.Image) func(*testing.T, *env) error {
		return func(t *testing.T, e *env) error {
			var image *api.Image
			if img != nil {
				image = img(t)
			}
			_, err := e.client().UpdateContact(t.Context(), id, u, image)
			return err
		}
	}
	return []catalogueRow{
		{
			id: "no-credentials",
			// An update without a session cookie.
			raw: func(t *testing.T, e *env) result { return e.send(form("/api/v1.0/contacts/5", marieForm("", ""), "")) },
			// The client logs in by itself and logs in again once when told no_credentials; a
			// transport that ends every session just before each API call (the admin reset does)
			// makes both attempts arrive with a dead session.
			client: func(t *testing.T, e *env) error {
				c := e.client(apiclient.WithHTTPClient(doerFunc(func(r *http.Request) (*http.Response, error) {
					if strings.Contains(r.URL.Path, "/contacts/") {
						e.backend.Reset()
					}
					return noRedirect.Do(r)
				})))
				_, err := c.UpdateContact(t.Context(), "5", marie(), nil)
				return err
			},
		},
		{
			id: "route-not-found", args: map[string]string{"path": "/api/v9/contacts/5"},
			// An API version the mock does not serve.
			raw: func(t *testing.T, e *env) result {
				return e.send(form("/api/v9/contacts/5", marieForm("", ""), e.login()))
			},
			client: func(t *testing.T, e *env) error {
				c, err := api.NewContactsClient(e.url("/api/v9"), api.Credentials{User: testUser, Password: apiclient.NewSecret(testPassword)})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.UpdateContact(t.Context(), "5", marie(), nil)
				return err
			},
		},
		{
			id: "login-failed",
			raw: func(t *testing.T, e *env) result {
				return e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: formType,
					body: []byte("j_username=test%40example.com&j_password=wrong&ajax=true")})
			},
			client: func(t *testing.T, e *env) error {
				c, err := api.NewContactsClient(e.baseURL(), api.Credentials{User: testUser, Password: apiclient.NewSecret("wrong")})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.UpdateContact(t.Context(), "5", marie(), nil)
				return err
			},
		},
		{
			id: "login-success-no-session",
			// The token page without the login's cookie.
			raw: func(t *testing.T, e *env) result {
				return e.send(raw{method: http.MethodGet, path: "/login/ajaxSuccess"})
			},
			// The client follows the login's redirect itself; the session is ended between the
			// two.
			client: func(t *testing.T, e *env) error {
				c := e.client(apiclient.WithHTTPClient(doerFunc(func(r *http.Request) (*http.Response, error) {
					if strings.HasSuffix(r.URL.Path, "/login/ajaxSuccess") {
						e.backend.Reset()
					}
					return noRedirect.Do(r)
				})))
				_, err := c.UpdateContact(t.Context(), "5", marie(), nil)
				return err
			},
		},
		{
			id: "login-with-get-failed",
			// The login as a GET with the fields in the query, as a public PHP client sends it.
			raw: func(t *testing.T, e *env) result {
				return e.send(raw{method: http.MethodGet, path: "/j_spring_security_check?j_username=test@example.com&j_password=wrong&ajax=true"})
			},
		},
		{
			id: "login-success-post-no-session",
			// The token page read with POST, as the vendor's connector does, without a session.
			raw: func(t *testing.T, e *env) result {
				return e.send(raw{method: http.MethodPost, path: "/login/ajaxSuccess", contentType: "application/json;charset=UTF-8"})
			},
		},
		{
			id: "save-failed",
			// Contact 13 is flagged failSave in the default fixtures.
			raw:    update("/api/v1.0/contacts/13", "firstName=Saul&lastName=Goodman&customerId=4410"),
			client: clientUpdate("13", api.ContactUpdate{FirstName: "Saul", LastName: "Goodman", CustomerID: "4410"}, nil),
		},
		{
			id: "missing-param", args: map[string]string{"param": "customerId"},
			// The page's own example names customerId; sent empty, as the client does.
			raw:    update("/api/v1.0/contacts/5", marieForm("customerId=3229", "customerId=")),
			client: clientUpdate("5", with(marie(), func(u *api.ContactUpdate) { u.CustomerID = "" }), nil),
		},
		{
			id: "invalid-param-type", args: map[string]string{"param": "customerId"},
			raw:    update("/api/v1.0/contacts/5", marieForm("customerId=3229", "customerId=C0959")),
			client: clientUpdate("5", with(marie(), func(u *api.ContactUpdate) { u.CustomerID = "C0959" }), nil),
		},
		{
			id:     "email-validation-error",
			raw:    update("/api/v1.0/contacts/5", marieForm("", "")+"&email=not-an-email"),
			client: clientUpdate("5", with(marie(), func(u *api.ContactUpdate) { u.Email = ptr("not-an-email") }), nil),
		},
		{
			id:     "country-error",
			raw:    update("/api/v1.0/contacts/5", marieForm("", "")+"&country=ZZ"),
			client: clientUpdate("5", with(marie(), func(u *api.ContactUpdate) { u.Country = ptr("ZZ") }), nil),
		},
		{
			id: "exceeded-file-size",
			// One byte over the limit.
			raw: func(t *testing.T, e *env) result {
				return e.send(multipartUpdate(t, "/api/v1.0/contacts/5", e.login(),
					fields(part{name: "imageFile", fileName: "big.png", contentType: "image/png", data: pngOfSize(t, valomnia.MaxImageBytes+1)})...))
			},
			// The client measures the photo before sending (the same 2,000,000-byte reading of
			// "2Mo") and never sends it.
			client: clientUpdate("5", marie(), func(t *testing.T) *api.Image {
				return &api.Image{FileName: "big.png", Content: strings.NewReader(string(pngOfSize(t, valomnia.MaxImageBytes+1)))}
			}),
			refusedLocally: true,
		},
		{
			id: "unsupported-file-type",
			// Text declared as a PNG: the bytes decide.
			raw: func(t *testing.T, e *env) result {
				return e.send(multipartUpdate(t, "/api/v1.0/contacts/5", e.login(),
					fields(part{name: "imageFile", fileName: "marie.png", contentType: "image/png", data: []byte("not an image at all")})...))
			},
			// The client detects the format from the bytes before sending and never sends it.
			client: clientUpdate("5", marie(), func(t *testing.T) *api.Image {
				return &api.Image{FileName: "marie.png", Content: strings.NewReader("not an image at all")}
			}),
			refusedLocally: true,
		},
		{
			id: "not-found-customer", args: map[string]string{"id": "31888"},
			// The page's own example id.
			raw:    update("/api/v1.0/contacts/5", marieForm("customerId=3229", "customerId=31888")),
			client: clientUpdate("5", with(marie(), func(u *api.ContactUpdate) { u.CustomerID = "31888" }), nil),
		},
		{
			id: "not-found-contact", args: map[string]string{"id": "999"},
			raw:    update("/api/v1.0/contacts/999", marieForm("", "")),
			client: clientUpdate("999", marie(), nil),
		},
		{
			id: "get-contact-not-found", args: map[string]string{"id": "999"},
			raw: func(t *testing.T, e *env) result {
				return e.send(raw{method: http.MethodGet, path: "/api/v1.0/contacts/999", session: e.login()})
			},
			client: func(t *testing.T, e *env) error { _, err := e.client().GetContact(t.Context(), "999"); return err },
		},
		{
			id: "get-contact-server-error",
			// As server-error: the session opened on a mock without faults, the read sent to one
			// that fails every call.
			raw: func(t *testing.T, e *env) result {
				faulty := serve(t, e.backend, e.clock, mock.Options{Faults: map[string]mock.Faults{specs.Valomnia: {ErrorRate: 1}}})
				return faulty.send(raw{method: http.MethodGet, path: "/api/v1.0/contacts/5", session: e.login()})
			},
			client: func(t *testing.T, e *env) error {
				faulty := serve(t, e.backend, e.clock, mock.Options{Faults: map[string]mock.Faults{specs.Valomnia: {ErrorRate: 1}}})
				c, err := api.NewContactsClient(faulty.baseURL(), api.Credentials{User: testUser,
					Password: apiclient.NewSecret(testPassword), LoginURL: e.url("/j_spring_security_check")},
					apiclient.WithRetryPolicy(apiclient.RetryPolicy{MaxAttempts: 1}))
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.GetContact(t.Context(), "5")
				return err
			},
		},
		{
			id: "server-error",
			// Fault injection at rate 1 on a second mock server over the same backend: the session
			// is opened on the first (no faults), the update sent to the second.
			raw: func(t *testing.T, e *env) result {
				faulty := serve(t, e.backend, e.clock, mock.Options{Faults: map[string]mock.Faults{specs.Valomnia: {ErrorRate: 1}}})
				return faulty.send(form("/api/v1.0/contacts/5", marieForm("", ""), e.login()))
			},
			client: func(t *testing.T, e *env) error {
				faulty := serve(t, e.backend, e.clock, mock.Options{Faults: map[string]mock.Faults{specs.Valomnia: {ErrorRate: 1}}})
				c, err := api.NewContactsClient(faulty.baseURL(), api.Credentials{User: testUser,
					Password: apiclient.NewSecret(testPassword), LoginURL: e.url("/j_spring_security_check")})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.UpdateContact(t.Context(), "5", marie(), nil)
				return err
			},
		},
	}
}

// Every catalogue entry, triggered by its request sent raw and through the typed client; the
// expected answer is rendered from the entry itself.
func TestCatalogueEntries(t *testing.T) {
	for _, row := range catalogueRows() {
		t.Run(row.id, func(t *testing.T) {
			t.Run("raw", func(t *testing.T) {
				e := newEnv(t, valomnia.Options{})
				before := e.state()
				wantError(t, row.raw(t, e), row.id, row.args)
				if row.id != "no-credentials" && row.id != "login-success-no-session" && row.id != "route-not-found" && row.id != "login-failed" &&
					row.id != "login-with-get-failed" && row.id != "login-success-post-no-session" {
					// A refused update stores nothing (lastUpdated included).
					if after := e.state(); !equalContacts(before, after) {
						t.Errorf("a refused update changed the store")
					}
				}
			})
			if row.client == nil {
				return
			}
			t.Run("client", func(t *testing.T) {
				e := newEnv(t, valomnia.Options{})
				err := row.client(t, e)
				if !errors.Is(err, apiclient.CatalogueID(row.id)) {
					t.Fatalf("error %v does not match catalogue entry %s", err, row.id)
				}
				var apiErr *api.APIError
				switch {
				case row.refusedLocally:
					if errors.As(err, &apiErr) {
						t.Errorf("the client sent a request it should refuse: %v", err)
					}
					for _, ex := range exchanges(t, e) {
						if ex.Operation == "updateContact" {
							t.Errorf("an update reached the mock: %+v", ex)
						}
					}
				case !errors.As(err, &apiErr):
					t.Errorf("error %T is not an *APIError", err)
				case !maps.Equal(apiErr.Params, row.args):
					t.Errorf("params %v, want %v", apiErr.Params, row.args)
				}
			})
		})
	}
}

// A catalogue entry that no test triggers fails the build.
func TestEveryCatalogueEntryHasARow(t *testing.T) {
	rows := map[string]bool{}
	for _, row := range catalogueRows() {
		if rows[row.id] {
			t.Errorf("entry %s has two rows", row.id)
		}
		rows[row.id] = true
	}
	for _, e := range catalogue() {
		if !rows[e.ID] {
			t.Errorf("catalogue entry %s (%s) has no row in TestCatalogueEntries", e.ID, e.Message)
		}
		delete(rows, e.ID)
	}
	for id := range rows {
		t.Errorf("row %s names no catalogue entry", id)
	}
}

// exchanges reads the mock's admin log of the vendor.
func exchanges(t *testing.T, e *env) []mock.Exchange {
	res, err := noRedirect.Get(e.srv.URL + "/_admin/log/" + specs.Valomnia)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var log struct {
		Exchanges []mock.Exchange `json:"exchanges"`
	}
	if err := json.NewDecoder(res.Body).Decode(&log); err != nil {
		t.Fatal(err)
	}
	return log.Exchanges
}

func equalContacts(a, b State) bool {
	if len(a.Contacts) != len(b.Contacts) {
		return false
	}
	for i := range a.Contacts {
		if !sameContact(a.Contacts[i], b.Contacts[i]) {
			return false
		}
	}
	return true
}

func sameContact(a, b Contact) bool {
	pa, pb := "", ""
	if a.Photo != nil {
		pa = "=" + *a.Photo
	}
	if b.Photo != nil {
		pb = "=" + *b.Photo
	}
	a.Photo, b.Photo = nil, nil
	return a == b && pa == pb
}
