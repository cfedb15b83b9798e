package valomnia_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
)

// Concurrent writers to the same contacts never lose or mix an update: each final record is one
// of the versions written, whole, and each answer was a whole version too.
func TestConcurrentUpdatesAreWhole(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	token := e.login()
	contacts := []string{"5", "6", "123"}
	const writers, rounds = 8, 10
	// version w/r writes every optional field from the same tag, and moves the contact to a
	// customer chosen by the tag, so a mix of two versions shows.
	version := func(w, r int) (tag, body string, customer int64) {
		tag = fmt.Sprintf("w%dr%d", w, r)
		customer = []int64{3229, 4410}[(w+r)%2]
		body = fmt.Sprintf("firstName=F-%[1]s&lastName=L-%[1]s&customerId=%[2]d&fonction=%[1]s&city=%[1]s&postalCode=%[1]s"+
			"&address=%[1]s&email=%[1]s%%40entity1.example&phone=%[1]s&phone2=%[1]s&mobile=%[1]s&fax=%[1]s", tag, customer)
		return tag, body, customer
	}
	whole := func(c Contact) bool {
		tag := strings.TrimPrefix(c.FirstName, "F-")
		var w, r int
		if _, err := fmt.Sscanf(tag, "w%dr%d", &w, &r); err != nil {
			return false
		}
		_, _, customer := version(w, r)
		return c.LastName == "L-"+tag && c.Fonction == tag && c.City == tag && c.PostalCode == tag && c.Address == tag &&
			c.Email == tag+"@entity1.example" && c.Phone == tag && c.Phone2 == tag && c.Mobile == tag && c.Fax == tag &&
			c.CustomerID == customer
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*len(contacts))
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				_, body, _ := version(w, r)
				for _, id := range contacts {
					res := e.send(form("/api/v1.0/contacts/"+id, body, token))
					var c Contact
					var answer struct {
						FirstName, LastName, Fonction, City, PostalCode, Address, Email, Phone, Phone2, Mobile, Fax string
						Customer                                                                                    struct{ ID int64 }
					}
					if res.status != http.StatusOK || json.Unmarshal(res.body, &answer) != nil {
						errs <- fmt.Errorf("contact %s: %d %s", id, res.status, res.body)
						continue
					}
					c = Contact{FirstName: answer.FirstName, LastName: answer.LastName, Fonction: answer.Fonction,
						City: answer.City, PostalCode: answer.PostalCode, Address: answer.Address, Email: answer.Email,
						Phone: answer.Phone, Phone2: answer.Phone2, Mobile: answer.Mobile, Fax: answer.Fax, CustomerID: answer.Customer.ID}
					if !whole(c) {
						errs <- fmt.Errorf("contact %s answered a mixed version: %+v", id, c)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, c := range e.state().Contacts {
		if c.ID == 13 {
			continue // failSave: never written
		}
		if !whole(c) {
			t.Errorf("contact %d is not one whole version: %+v", c.ID, c)
		}
	}
}

// Fixtures are checked completely before anything changes, and each error names the record.
func TestPrepareFixturesRefusesBadData(t *testing.T) {
	valid := func() map[string]any {
		var f map[string]any
		if err := json.Unmarshal(defaultFixtures(t), &f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	contact := func(f map[string]any, i int) map[string]any { return f["contacts"].([]any)[i].(map[string]any) }
	tests := []struct {
		name   string
		change func(f map[string]any)
		want   string
	}{
		{"unknown field", func(f map[string]any) { contact(f, 0)["nickname"] = "M" }, `contacts[0] (id 5): unknown property "nickname"`},
		{"no organization name", func(f map[string]any) { f["organization"].(map[string]any)["name"] = "" }, "organization: name is empty"},
		{"duplicate contact id", func(f map[string]any) { contact(f, 1)["id"] = 5 }, "contacts[1] (id 5): id 5 given twice"},
		{"duplicate contact reference", func(f map[string]any) { contact(f, 1)["reference"] = "CT-0005" }, `contact 6: reference "CT-0005" is contact 5's too`},
		{"unknown customer", func(f map[string]any) { contact(f, 0)["customer"] = map[string]any{"id": 31888} }, "contact 5: customer 31888 is not one of the customers"},
		{"unknown user", func(f map[string]any) { contact(f, 0)["user"] = map[string]any{"id": 9} }, "contact 5: user 9 is not one of the users"},
		{"no first name", func(f map[string]any) { contact(f, 0)["firstName"] = "" }, "contact 5: firstName and lastName are required"},
		{"bad email", func(f map[string]any) { contact(f, 0)["email"] = "x" }, `contact 5: email "x"`},
		{"bad country", func(f map[string]any) { contact(f, 0)["country"] = "fr" }, `contact 5: country "fr"`},
		{"bad date", func(f map[string]any) { contact(f, 0)["dateCreated"] = "yesterday" }, `contacts[0] (id 5): dateCreated: string doesn't match the format "date-time"`},
		{"updated before created", func(f map[string]any) { contact(f, 0)["lastUpdated"] = "2000-01-01T00:00:00Z" }, "contact 5: lastUpdated is before dateCreated"},
		{"customer without reference", func(f map[string]any) { f["customers"].([]any)[0].(map[string]any)["reference"] = "" }, "customer 3229: reference is empty"},
		{"duplicate customer reference", func(f map[string]any) { f["customers"].([]any)[1].(map[string]any)["reference"] = "C0959" }, `customer 4410: reference "C0959" is customer 3229's too`},
		{"zero user id", func(f map[string]any) { f["users"].([]any)[0].(map[string]any)["id"] = 0 }, "user 0: id must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			token := e.login()
			before := e.state()
			f := valid()
			tt.change(f)
			raw, _ := json.Marshal(f)
			_, err := e.backend.PrepareFixtures(raw)
			if !errors.Is(err, mock.ErrFixtures) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want ErrFixtures mentioning %q", err, tt.want)
			}
			// Through the admin API: refused, and nothing changed, the session included.
			if err := e.server.LoadFixtures([]byte(`{"valomnia": ` + string(raw) + `}`)); err == nil {
				t.Error("the admin API loaded bad fixtures")
			}
			if !equalContacts(before, e.state()) {
				t.Error("refused fixtures changed the store")
			}
			wantContact(t, e.send(form("/api/v1.0/contacts/5", marieForm("", ""), token)))
		})
	}
	for _, bad := range []string{`[]`, `{"contacts": 1}`, `{} {}`, ``} {
		b, _ := valomnia.New(valomnia.Options{})
		if _, err := b.PrepareFixtures(json.RawMessage(bad)); !errors.Is(err, mock.ErrFixtures) {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}

// Loaded fixtures replace the data set, close the sessions, and are what Reset restores.
func TestLoadedFixturesAreResetTarget(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	token := e.login()
	f := strings.Replace(string(defaultFixtures(t)), `"city": "Any town"`, `"city": "Springfield"`, 1)
	if err := e.server.LoadFixtures([]byte(`{"valomnia": ` + f + `}`)); err != nil {
		t.Fatal(err)
	}
	if e.contact(5).City != "Springfield" {
		t.Fatal("fixtures not installed")
	}
	wantError(t, e.send(form("/api/v1.0/contacts/5", marieForm("", ""), token)), "no-credentials", nil)
	wantContact(t, e.send(form("/api/v1.0/contacts/5", marieForm("city=Any+town", "city=Paris"), e.login())))
	e.backend.Reset()
	if e.contact(5).City != "Springfield" {
		t.Errorf("Reset restored %q, want the loaded fixtures' Springfield", e.contact(5).City)
	}
}

// State is the whole store in fixtures format, in id order, the same bytes every time, with no
// session token; it loads back as fixtures.
func TestStateIsDeterministic(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	token := e.login()
	var first []byte
	for i := range 5 {
		b, err := json.Marshal(e.backend.State())
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatalf("State changed between calls:\n%s\n%s", first, b)
		}
	}
	if bytes.Contains(first, []byte(token)) {
		t.Error("State shows a session token")
	}
	s := e.state()
	for i := 1; i < len(s.Contacts); i++ {
		if s.Contacts[i-1].ID >= s.Contacts[i].ID {
			t.Errorf("contacts out of order: %d before %d", s.Contacts[i-1].ID, s.Contacts[i].ID)
		}
	}
	if s.OpenSessions != 1 || len(s.Contacts) != 4 || len(s.Customers) != 2 || len(s.Users) != 1 {
		t.Errorf("state %+v", s)
	}
	back, _ := json.Marshal(s.raw)
	if _, err := e.backend.PrepareFixtures(back); err != nil {
		t.Errorf("State does not load back as fixtures: %v", err)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, opts := range []valomnia.Options{
		{Credentials: valomnia.Credentials{User: "u"}},
		{Credentials: valomnia.Credentials{Password: apiclient.NewSecret("p")}},
		{SessionTimeout: -1},
	} {
		if _, err := valomnia.New(opts); err == nil {
			t.Errorf("New(%+v) succeeded", opts)
		}
	}
}

// defaultFixtures is the embedded data set, read from its file.
func defaultFixtures(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
