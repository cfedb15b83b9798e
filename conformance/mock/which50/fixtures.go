package which50

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/contactapis/contactapis/conformance/mock"
)

// defaultFixtures is the data set every Backend starts with. List 3 is the page's example:
// the page gives no value for {contactListId}, so it takes the ListId of the page's Body
// Parameters sample (as gen/which50's tests do), and its schema holds the page's fields
// (ReferanceAccountId, Email, Mobile) plus the sample's "sample string 1" and "sample string 3"
// as object fields, so that the format samples succeed too.
//
//go:embed fixtures.json
var defaultFixtures []byte

// defaultSnapshot is defaultFixtures parsed, once: snapshots are never changed, so every Backend
// can start from the same one.
var defaultSnapshot = sync.OnceValues(func() (*snapshot, error) { return parseFixtures(defaultFixtures) })

// fixtures is the JSON form of a data set: the State shape, with encContactId optional (when
// given it must be the id the mock derives, so a State dump loads back unchanged).
type fixtures struct {
	Lists []fixtureList `json:"lists"`
}

type fixtureList struct {
	ID       int              `json:"id"`
	Name     string           `json:"name"`
	Fields   []Field          `json:"fields"`
	Contacts []fixtureContact `json:"contacts"`
}

type fixtureContact struct {
	ID           int                        `json:"id"`
	EncContactID string                     `json:"encContactId"`
	Values       map[string]json.RawMessage `json:"values"`
}

// parseFixtures reads and checks a data set completely, changing nothing. Every error wraps
// mock.ErrFixtures and names the record at fault.
func parseFixtures(raw []byte) (*snapshot, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: which50: %s", mock.ErrFixtures, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f fixtures
	if err := dec.Decode(&f); err != nil {
		return nil, fail("not a fixtures object {\"lists\": [...]}: %v", err)
	}
	if dec.More() {
		return nil, fail("text after the fixtures object")
	}
	snap := &snapshot{}
	seenLists := map[int]int{}
	for i, fl := range f.Lists {
		where := fmt.Sprintf("lists[%d] (id %d)", i, fl.ID)
		if fl.ID <= 0 {
			return nil, fail("%s: id must be a positive integer", where)
		}
		if prev, dup := seenLists[fl.ID]; dup {
			return nil, fail("%s: id %d already used by lists[%d]", where, fl.ID, prev)
		}
		seenLists[fl.ID] = i
		l := &list{id: fl.ID, name: fl.Name, types: map[string]FieldType{}}
		for j, fd := range fl.Fields {
			switch {
			case fd.Name == "":
				return nil, fail("%s: fields[%d]: empty name", where, j)
			case !fd.Type.valid():
				return nil, fail("%s: field %q: type %q is none of string, integer, number, boolean, object", where, fd.Name, fd.Type)
			}
			if _, dup := l.types[fd.Name]; dup {
				return nil, fail("%s: field %q given twice", where, fd.Name)
			}
			l.types[fd.Name] = fd.Type
			l.fields = append(l.fields, fd)
		}
		seenContacts := map[int]bool{}
		for j, fc := range fl.Contacts {
			cwhere := fmt.Sprintf("%s: contacts[%d] (id %d)", where, j, fc.ID)
			if fc.ID <= 0 {
				return nil, fail("%s: id must be a positive integer", cwhere)
			}
			if seenContacts[fc.ID] {
				return nil, fail("%s: id %d given twice in the list", cwhere, fc.ID)
			}
			seenContacts[fc.ID] = true
			c := &contact{id: fc.ID, encID: encContactID(fl.ID, fc.ID), values: map[string]any{}}
			if fc.EncContactID != "" && fc.EncContactID != c.encID {
				return nil, fail("%s: encContactId %q is not the id the mock derives (%q); leave it out", cwhere, fc.EncContactID, c.encID)
			}
			for _, name := range sortedKeys(fc.Values) {
				typ, ok := l.types[name]
				if !ok {
					return nil, fail("%s: value %q is not a field of the list (fields: %s)", cwhere, name, fieldNames(l.fields))
				}
				d := json.NewDecoder(bytes.NewReader(fc.Values[name]))
				d.UseNumber()
				var v any
				if err := d.Decode(&v); err != nil {
					return nil, fail("%s: value %q: %v", cwhere, name, err)
				}
				cv, err := convert(typ, v)
				if err != nil {
					return nil, fail("%s: value %q: %v", cwhere, name, err)
				}
				c.values[name] = cv
			}
			l.contacts = append(l.contacts, c)
		}
		slices.SortFunc(l.contacts, func(a, b *contact) int { return a.id - b.id })
		snap.lists = append(snap.lists, l)
	}
	slices.SortFunc(snap.lists, func(a, b *list) int { return a.id - b.id })
	return snap, nil
}

func fieldNames(fields []Field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = fmt.Sprintf("%q", f.Name)
	}
	return strings.Join(names, ", ")
}
