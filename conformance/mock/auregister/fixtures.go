package auregister

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/contactapis/contactapis/conformance/mock"
)

// defaultFixtures is the data set the mock starts with: the page's contact 1941877 (People, at
// address 1675073) exactly as the page's answer shows it, so that the page's request succeeds
// unchanged, and one contact of every other type, so that every catalogue entry can be
// triggered.
//
//go:embed fixtures.json
var defaultFixtures []byte

// fixturesFile is the fixtures format: every address, and every contact with all the properties
// of the spec's Contact (the answer shows them all).
type fixturesFile struct {
	Addresses []Address         `json:"addresses"`
	Contacts  []json.RawMessage `json:"contacts"`
}

// parseFixtures reads and checks a fixtures file completely; nothing is installed here.
func (b *Backend) parseFixtures(raw []byte) (*dataset, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: auregister: %s", mock.ErrFixtures, fmt.Sprintf(format, args...))
	}
	if start := bytes.TrimLeft(raw, " \t\r\n"); len(start) == 0 || start[0] != '{' {
		return nil, fail(`want a JSON object {"addresses": [...], "contacts": [...]}`)
	}
	var f fixturesFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fail(`want a JSON object {"addresses": [...], "contacts": [...]}: %v`, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail("data after the fixtures object")
	}
	d := &dataset{addresses: map[int64]Address{}, contacts: map[int64]record{}}
	for i, a := range f.Addresses {
		if a.ID <= 0 {
			return nil, fail("addresses[%d]: id %d: ids are positive", i, a.ID)
		}
		if _, dup := d.addresses[a.ID]; dup {
			return nil, fail("addresses[%d]: id %d given twice", i, a.ID)
		}
		d.addresses[a.ID] = a
	}
	for i, raw := range f.Contacts {
		rec, err := b.fixtureContact(raw)
		if err != nil {
			return nil, fail("contacts[%d]%s: %v", i, idNote(raw), err)
		}
		// The record is canonical (1.0 became 1), so these decode.
		var c struct {
			ID        int64
			AddressID *int64
		}
		json.Unmarshal(rec["id"], &c.ID)
		json.Unmarshal(rec[addressProperty], &c.AddressID)
		switch _, dup := d.contacts[c.ID]; {
		case c.ID <= 0:
			return nil, fail("contacts[%d]%s: ids are positive", i, idNote(raw))
		case dup:
			return nil, fail("contacts[%d]%s: id %d given twice", i, idNote(raw), c.ID)
		}
		if c.AddressID != nil {
			if _, ok := d.addresses[*c.AddressID]; !ok {
				return nil, fail("contacts[%d]%s: addressId %d is not among the addresses", i, idNote(raw), *c.AddressID)
			}
		}
		d.contacts[c.ID] = rec
	}
	return d, nil
}

// fixtureContact checks one contact against the spec's Contact schema, as an answer must be: every
// property present, none unknown (a misspelt key in a fixture would otherwise vanish), each value
// valid; it returns the record canonical.
func (b *Backend) fixtureContact(raw json.RawMessage) (record, error) {
	var fields record
	if start := bytes.TrimLeft(raw, " \t\r\n"); len(start) == 0 || start[0] != '{' || json.Unmarshal(raw, &fields) != nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	if missing := slices.DeleteFunc(slices.Clone(b.contact.required), func(name string) bool { _, ok := fields[name]; return ok }); len(missing) > 0 {
		return nil, fmt.Errorf("missing %s (every property of a contact is present, null when unset)", strings.Join(missing, ", "))
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if _, ok := b.contact.props[name]; !ok {
			return nil, fmt.Errorf("unknown property %q", name)
		}
	}
	rec, p := b.contact.object(raw)
	if p != nil {
		_, body := b.answer(*p)
		return nil, fmt.Errorf("%s", body.Message)
	}
	return rec, nil
}

// idNote names a contact by its id in an error, when it has a readable one.
func idNote(raw json.RawMessage) string {
	var c struct {
		ID json.Number `json:"id"`
	}
	if json.Unmarshal(raw, &c) != nil || c.ID == "" {
		return ""
	}
	return fmt.Sprintf(" (id %s)", c.ID)
}
