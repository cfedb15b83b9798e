package auregister

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	api "github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/specs"
)

// Sentinel errors of the store; the handler maps each to its catalogue entry.
var (
	ErrContactNotFound = errors.New("no contact with this id")
	ErrNotUpdatable    = errors.New("contacts of this type cannot be updated")
	ErrMatchStored     = errors.New("property differs from the stored contact")
	ErrNotAllowed      = errors.New("property not allowed for the contact's type")
	ErrUnknownAddress  = errors.New("no address with this id")
)

// UpdateError is a refused update: one of the sentinel errors (Unwrap) with what its answer
// names.
type UpdateError struct {
	Err         error
	ContactID   int64
	ContactType string
	Field       string // the offending property, for ErrMatchStored and ErrNotAllowed
	AddressID   int64  // for ErrUnknownAddress
}

func (e *UpdateError) Error() string {
	switch {
	case e.Field != "":
		return fmt.Sprintf("contact %d (%s): %s: %v", e.ContactID, e.ContactType, e.Field, e.Err)
	case errors.Is(e.Err, ErrUnknownAddress):
		return fmt.Sprintf("contact %d: address %d: %v", e.ContactID, e.AddressID, e.Err)
	}
	return fmt.Sprintf("contact %d (%s): %v", e.ContactID, e.ContactType, e.Err)
}

func (e *UpdateError) Unwrap() error { return e.Err }

// addressProperty is the contact property that must name an existing address (the page's
// addressId row: "Must be a valid existing addressId"); the rule table has no key for it.
const addressProperty = "addressId"

// Address is an address a contact can point to with addressId. The page shows only the id of
// one; Label is free text for people reading the fixtures.
type Address struct {
	ID    int64  `json:"id"`
	Label string `json:"label,omitempty"`
}

// dataset is a whole store's content: what fixtures load and State shows.
type dataset struct {
	addresses map[int64]Address
	contacts  map[int64]record
}

func (d *dataset) clone() *dataset {
	c := &dataset{addresses: maps.Clone(d.addresses), contacts: make(map[int64]record, len(d.contacts))}
	for id, rec := range d.contacts {
		c.contacts[id] = maps.Clone(rec) // values are never modified in place, only replaced
	}
	return c
}

// Store holds the contacts and addresses. One mutex guards both, and an update is judged and
// applied while holding it, to a copy that replaces the record whole, so concurrent updates of
// one contact serialise and none is seen half applied.
type Store struct {
	rules specs.ContactTypeRules

	mu       sync.Mutex
	fixtures *dataset // what Reset restores
	data     *dataset
}

func newStore(rules specs.ContactTypeRules, fixtures *dataset) *Store {
	return &Store{rules: rules, fixtures: fixtures, data: fixtures.clone()}
}

// install makes d the fixtures and resets the store to them.
func (s *Store) install(d *dataset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixtures, s.data = d, d.clone()
}

func (s *Store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = s.fixtures.clone()
}

// Update applies changes (canonical values of the update's properties, by wire name) to contact
// id, judging them in the spec's order: the contact must exist; its type must be updatable; the
// rule table's matchStored properties must equal the stored values (id the path's); a property
// the type does not allow may carry only a notAViolation value (null, "", the stored value),
// which changes nothing; last, an addressId that will be stored must name an address. Then each
// remaining property is replaced: null clears it, "" stores "", a value replaces it. It returns
// the whole contact as stored afterwards.
func (s *Store) Update(id int64, changes record) (api.Contact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.data.contacts[id]
	if !ok {
		return api.Contact{}, &UpdateError{Err: ErrContactNotFound, ContactID: id}
	}
	var typ string
	if err := json.Unmarshal(cur[s.rules.Property], &typ); err != nil {
		return api.Contact{}, fmt.Errorf("contact %d: stored %s: %w", id, s.rules.Property, err)
	}
	refuse := func(err error, field string) error {
		return &UpdateError{Err: err, ContactID: id, ContactType: typ, Field: field}
	}
	if !s.rules.Updatable(typ) {
		return api.Contact{}, refuse(ErrNotUpdatable, "")
	}
	names := slices.Sorted(maps.Keys(changes)) // the first offender by wire name is answered
	for _, name := range names {
		if slices.Contains(s.rules.MatchStored, name) && !bytes.Equal(changes[name], cur[name]) {
			return api.Contact{}, refuse(ErrMatchStored, name)
		}
	}
	for _, name := range names {
		if !s.rules.Allows(typ, name) && !s.notAViolation(changes[name], cur[name]) {
			return api.Contact{}, refuse(ErrNotAllowed, name)
		}
	}
	next := maps.Clone(cur)
	for _, name := range names {
		if s.rules.Allows(typ, name) && !slices.Contains(s.rules.MatchStored, name) {
			next[name] = changes[name]
		}
	}
	if raw, ok := changes[addressProperty]; ok && s.rules.Allows(typ, addressProperty) && string(raw) != "null" {
		var addr int64
		if err := json.Unmarshal(raw, &addr); err != nil {
			return api.Contact{}, fmt.Errorf("contact %d: %s %s: %w", id, addressProperty, raw, err)
		}
		if _, ok := s.data.addresses[addr]; !ok {
			return api.Contact{}, &UpdateError{Err: ErrUnknownAddress, ContactID: id, ContactType: typ, AddressID: addr}
		}
	}
	contact, err := contactOf(next)
	if err != nil {
		return api.Contact{}, fmt.Errorf("contact %d after the update: %w", id, err)
	}
	s.data.contacts[id] = next
	return contact, nil
}

// notAViolation reports whether value is one the rule table lets a property carry on a type that
// does not allow it. Values are canonical, so equal values have equal bytes.
func (s *Store) notAViolation(value, stored json.RawMessage) bool {
	for _, v := range s.rules.NotAViolation {
		switch {
		case v == specs.NotAViolationNull && string(value) == "null",
			v == specs.NotAViolationEmptyString && string(value) == `""`,
			v == specs.NotAViolationUnchanged && stored != nil && bytes.Equal(value, stored):
			return true
		}
	}
	return false
}

// contactOf is a stored record as the generated Contact.
func contactOf(rec record) (api.Contact, error) {
	var c api.Contact
	err := json.Unmarshal(encodeRecord(rec), &c)
	return c, err
}

// encodeRecord is a record as a JSON object, for decoding into a struct, without json.Marshal's
// cost: the values are canonical already (encoding/json's own output), so they are copied as they
// are rather than parsed and compacted again, and keys are not sorted, which a decoder does not
// need. A value that were not valid JSON would make the decoding fail, as json.Marshal would.
func encodeRecord(rec record) []byte {
	n := 2
	for name, v := range rec {
		n += len(name) + len(v) + 4
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for name, v := range rec {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendKey(out, name)
		out = append(out, ':')
		if v != nil {
			out = append(out, v...)
		} else {
			out = append(out, "null"...) // json.Marshal's encoding of a nil RawMessage
		}
	}
	return append(out, '}')
}

// appendKey appends a property name as a JSON string: as it is when it needs no escaping (the
// spec's names all do not), else as encoding/json writes it.
func appendKey(out []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			k, _ := json.Marshal(name)
			return append(out, k...)
		}
	}
	out = append(out, '"')
	out = append(out, name...)
	return append(out, '"')
}

// State is the whole store, ordered by id; its JSON is a fixtures file.
type State struct {
	Addresses []Address     `json:"addresses"`
	Contacts  []api.Contact `json:"contacts"`
}

func (s *Store) state() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Addresses: []Address{}, Contacts: []api.Contact{}}
	for _, id := range slices.Sorted(maps.Keys(s.data.addresses)) {
		st.Addresses = append(st.Addresses, s.data.addresses[id])
	}
	for _, id := range slices.Sorted(maps.Keys(s.data.contacts)) {
		// Every record was checked against the Contact schema when loaded or updated.
		c, _ := contactOf(s.data.contacts[id])
		st.Contacts = append(st.Contacts, c)
	}
	return st
}
