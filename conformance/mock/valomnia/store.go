package valomnia

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Sentinel errors of the store, wrapped with the key that failed; the handler maps each to its
// catalogue entry.
var (
	ErrContactNotFound  = errors.New("no such contact")
	ErrCustomerNotFound = errors.New("no such customer")
	ErrSaveFailed       = errors.New("the contact could not be saved")
)

// key names a contact or customer the way a request does: Valomnia's numeric id, or the caller's
// own reference when useExternalId is true.
type key struct {
	external bool
	id       int64
	ref      string
}

// String is the key as the vendor's not_found messages name it.
func (k key) String() string {
	if k.external {
		return k.ref
	}
	return strconv.FormatInt(k.id, 10)
}

// change is a validated update: the required fields, the optional ones that were sent (nil: keep
// the stored value) and a new photo link.
type change struct {
	firstName, lastName string
	optional            map[string]*string // wire name → new value; fields not sent are absent
	photo               *photoUpload
}

// store is the in-memory data set. One mutex guards it all: an update reads the contact and its
// new customer and writes the contact as one step, so concurrent updates never interleave.
type store struct {
	apiPath string // for the customer's and user's href

	mu           sync.Mutex
	fixtures     *Fixtures // the data set Reset restores
	org          Organization
	users        map[int64]User
	customers    map[int64]Customer
	customerRefs map[string]int64
	contacts     map[int64]Contact
	contactRefs  map[string]int64
}

func newStore(apiPath string, f *Fixtures) *store {
	s := &store{apiPath: apiPath}
	s.install(f)
	return s
}

// install makes f the data set Reset restores, and restores it.
func (s *store) install(f *Fixtures) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixtures = f
	s.resetLocked()
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *store) resetLocked() {
	f := s.fixtures
	s.org = f.Organization
	s.users = make(map[int64]User, len(f.Users))
	for _, u := range f.Users {
		s.users[u.ID] = u
	}
	s.customers = make(map[int64]Customer, len(f.Customers))
	s.customerRefs = make(map[string]int64, len(f.Customers))
	for _, c := range f.Customers {
		s.customers[c.ID] = c
		s.customerRefs[c.Reference] = c.ID
	}
	s.contacts = make(map[int64]Contact, len(f.Contacts))
	s.contactRefs = make(map[string]int64, len(f.Contacts))
	for _, c := range f.Contacts {
		// Photo is the only pointer of a contact; copying it keeps the fixtures untouched.
		if c.Photo != nil {
			p := *c.Photo
			c.Photo = &p
		}
		s.contacts[c.ID] = c
		if c.Reference != "" {
			s.contactRefs[c.Reference] = c.ID
		}
	}
}

func (s *store) contactLocked(k key) (Contact, error) {
	id := k.id
	if k.external {
		var ok bool
		if id, ok = s.contactRefs[k.ref]; !ok {
			return Contact{}, fmt.Errorf("contact reference %q: %w", k.ref, ErrContactNotFound)
		}
	}
	c, ok := s.contacts[id]
	if !ok {
		return Contact{}, fmt.Errorf("contact %d: %w", id, ErrContactNotFound)
	}
	return c, nil
}

func (s *store) customerLocked(k key) (Customer, error) {
	id := k.id
	if k.external {
		var ok bool
		if id, ok = s.customerRefs[k.ref]; !ok {
			return Customer{}, fmt.Errorf("customer reference %q: %w", k.ref, ErrCustomerNotFound)
		}
	}
	c, ok := s.customers[id]
	if !ok {
		return Customer{}, fmt.Errorf("customer %d: %w", id, ErrCustomerNotFound)
	}
	return c, nil
}

// resolve checks that the contact and the customer exist, the contact first.
func (s *store) resolve(contact, customer key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.contactLocked(contact); err != nil {
		return err
	}
	_, err := s.customerLocked(customer)
	return err
}

// record is a contact with what its answer shows of its tenant, customer and user, read together.
type record struct {
	Contact
	org      Organization
	customer Customer
	user     *User
}

// update applies ch to the contact at time now and returns the contact as stored, whole. Nothing
// changes when it fails. lastUpdated moves on every update, to the second as the page writes it; a
// photo's link takes the same moment in milliseconds.
func (s *store) update(contact, customer key, ch change, now time.Time) (record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.contactLocked(contact)
	if err != nil {
		return record{}, err
	}
	cust, err := s.customerLocked(customer)
	if err != nil {
		return record{}, err
	}
	if c.FailSave {
		return record{}, fmt.Errorf("contact %d is flagged failSave: %w", c.ID, ErrSaveFailed)
	}
	c.CustomerID = cust.ID
	c.FirstName, c.LastName = ch.firstName, ch.lastName
	for name, v := range ch.optional {
		if p := c.field(name); p != nil && v != nil {
			*p = *v
		}
	}
	if ch.photo != nil {
		link := photoLink(s.org.PhotoBaseURL, now.UnixMilli(), ch.photo)
		c.Photo = &link
	}
	c.LastUpdated = now.UTC().Truncate(time.Second)
	s.contacts[c.ID] = c
	r := record{Contact: c.clone(), org: s.org, customer: cust}
	if u, ok := s.users[c.UserID]; ok {
		r.user = &u
	}
	return r, nil
}

// field returns the stored field an update's optional parameter sets.
func (c *Contact) field(name string) *string {
	switch name {
	case "fonction":
		return &c.Fonction
	case "country":
		return &c.Country
	case "city":
		return &c.City
	case "postalCode":
		return &c.PostalCode
	case "address":
		return &c.Address
	case "email":
		return &c.Email
	case "phone":
		return &c.Phone
	case "phone2":
		return &c.Phone2
	case "mobile":
		return &c.Mobile
	case "fax":
		return &c.Fax
	}
	return nil
}

func (c Contact) clone() Contact {
	if c.Photo != nil {
		p := *c.Photo
		c.Photo = &p
	}
	return c
}

// state returns the whole data set in fixtures format, each list in id order.
func (s *store) state() Fixtures {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := Fixtures{Organization: s.org, Users: []User{}, Customers: []Customer{}, Contacts: []Contact{}}
	for _, u := range s.users {
		f.Users = append(f.Users, u)
	}
	for _, c := range s.customers {
		f.Customers = append(f.Customers, c)
	}
	for _, c := range s.contacts {
		f.Contacts = append(f.Contacts, c.clone())
	}
	slices.SortFunc(f.Users, func(a, b User) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(f.Customers, func(a, b Customer) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(f.Contacts, func(a, b Contact) int { return cmp.Compare(a.ID, b.ID) })
	return f
}
