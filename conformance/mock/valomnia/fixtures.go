package valomnia

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/internal/country"
)

// defaultFixtures is the default data set: every record the page's examples and the spec's request
// examples refer to, plus what the catalogue's entries need to be triggered (see fixtures.json and
// the package doc).
//
//go:embed fixtures.json
var defaultFixtures []byte

// Fixtures is the mock's data set, in the format of fixtures.json and of the "valomnia" member of a
// fixtures file loaded through the admin API. State answers the same shape.
type Fixtures struct {
	Organization Organization `json:"organization"`
	Users        []User       `json:"users"`
	Customers    []Customer   `json:"customers"`
	Contacts     []Contact    `json:"contacts"`
}

// Organization is the tenant the mock serves.
type Organization struct {
	// Name is answered as every contact's organization ("entity1" on the page).
	Name string `json:"name"`
	// PhotoBaseURL is what an uploaded photo's link starts with; the page's is
	// "BASE_URL/entity1-1450169988465/photoContact/" (BASE_URL kept verbatim, as the spec's
	// discrepancy photo-base-url-placeholder decides).
	PhotoBaseURL string `json:"photoBaseUrl"`
}

// User is a Valomnia user a contact links to.
type User struct {
	ID        int64  `json:"id"`
	Reference string `json:"reference"`
}

// Customer is a customer contacts belong to. Reference is the caller's own reference, which
// customerId names when useExternalId is true.
type Customer struct {
	ID        int64  `json:"id"`
	Reference string `json:"reference"`
	Name      string `json:"name"`
}

// Contact is a stored contact. Reference is the caller's own reference, which the path id names
// when useExternalId is true; the page's answer does not show it.
type Contact struct {
	ID              int64     `json:"id"`
	Reference       string    `json:"reference,omitempty"`
	CustomerID      int64     `json:"customerId"`
	UserID          int64     `json:"userId,omitempty"`
	FirstName       string    `json:"firstName"`
	LastName        string    `json:"lastName"`
	Fonction        string    `json:"fonction"`
	Country         string    `json:"country"`
	City            string    `json:"city"`
	PostalCode      string    `json:"postalCode"`
	Address         string    `json:"address"`
	Email           string    `json:"email"`
	Phone           string    `json:"phone"`
	Phone2          string    `json:"phone2"`
	Mobile          string    `json:"mobile"`
	Fax             string    `json:"fax"`
	Comment         string    `json:"comment"`
	IsDecisionMaker bool      `json:"isDecisionMaker"`
	Photo           *string   `json:"photo"`
	DateCreated     time.Time `json:"dateCreated"`
	LastUpdated     time.Time `json:"lastUpdated"`
	// FailSave makes every otherwise valid update of this contact answer save-failed: the vendor's
	// storage refusing the record, which no request value can be made to cause on purpose.
	FailSave bool `json:"failSave,omitempty"`
}

// parseFixtures decodes and checks a data set completely; nothing is installed here. Every error
// wraps mock.ErrFixtures and names the record at fault.
func parseFixtures(raw []byte) (*Fixtures, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f Fixtures
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: valomnia: %v", mock.ErrFixtures, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: valomnia: data after the fixtures object", mock.ErrFixtures)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%w: valomnia: %v", mock.ErrFixtures, err)
	}
	return &f, nil
}

// check enforces what the handler relies on: unique ids and references, links that resolve, and
// stored values the update itself would accept (so that a fixture can never make the answer
// violate the spec).
func (f *Fixtures) check() error {
	if f.Organization.Name == "" {
		return errors.New("organization: name is empty")
	}
	users := map[int64]bool{}
	for i, u := range f.Users {
		at := fmt.Sprintf("users[%d] (id %d)", i, u.ID)
		switch {
		case u.ID <= 0:
			return fmt.Errorf("%s: id must be positive", at)
		case users[u.ID]:
			return fmt.Errorf("%s: id given twice", at)
		}
		users[u.ID] = true
	}
	customers, customerRefs := map[int64]bool{}, map[string]bool{}
	for i, c := range f.Customers {
		at := fmt.Sprintf("customers[%d] (id %d)", i, c.ID)
		switch {
		case c.ID <= 0:
			return fmt.Errorf("%s: id must be positive", at)
		case customers[c.ID]:
			return fmt.Errorf("%s: id given twice", at)
		case c.Reference == "":
			return fmt.Errorf("%s: reference is empty (customerId names it with useExternalId=true)", at)
		case customerRefs[c.Reference]:
			return fmt.Errorf("%s: reference %q given twice", at, c.Reference)
		}
		customers[c.ID], customerRefs[c.Reference] = true, true
	}
	contacts, contactRefs := map[int64]bool{}, map[string]bool{}
	for i, c := range f.Contacts {
		at := fmt.Sprintf("contacts[%d] (id %d)", i, c.ID)
		switch {
		case c.ID <= 0:
			return fmt.Errorf("%s: id must be positive", at)
		case contacts[c.ID]:
			return fmt.Errorf("%s: id given twice", at)
		case c.Reference != "" && contactRefs[c.Reference]:
			return fmt.Errorf("%s: reference %q given twice", at, c.Reference)
		case !customers[c.CustomerID]:
			return fmt.Errorf("%s: customerId %d is not one of the customers", at, c.CustomerID)
		case c.UserID != 0 && !users[c.UserID]:
			return fmt.Errorf("%s: userId %d is not one of the users", at, c.UserID)
		case c.FirstName == "" || c.LastName == "":
			return fmt.Errorf("%s: firstName and lastName are required", at)
		case c.Email != "" && !validEmail(c.Email):
			return fmt.Errorf("%s: email %q is not an address the update would accept", at, c.Email)
		case c.Country != "" && !validCountry(c.Country):
			return fmt.Errorf("%s: country %q is not an ISO 3166-1 alpha-2 code", at, c.Country)
		case c.DateCreated.IsZero() || c.LastUpdated.IsZero():
			return fmt.Errorf("%s: dateCreated and lastUpdated are required", at)
		case c.LastUpdated.Before(c.DateCreated):
			return fmt.Errorf("%s: lastUpdated is before dateCreated", at)
		}
		contacts[c.ID] = true
		if c.Reference != "" {
			contactRefs[c.Reference] = true
		}
	}
	return nil
}

func validCountry(code string) bool {
	_, ok := country.ByAlpha2(code)
	return ok
}
