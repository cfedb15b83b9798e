package iovox

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/internal/country"
)

// defaultFixtures are the records the vendor page's example and every catalogue entry need:
//
//   - 333: the contact the page's example updates (and renames to "333 Updated").
//   - 444 "Jane Doe": a display name and numbers another contact can clash with
//     (display-name-phone-exists).
//   - 555 "Rule Bound": its mobile_phone is used by a custom rule template attached to two links,
//     its email by another one, and its business_phone fixes a variable rule on one link (rm_rules,
//     empty-fields-used-in-rules).
//   - 666, 777: plain contacts for batches, renames and concurrent writers.
//
//go:embed fixtures.json
var defaultFixtures []byte

// parseFixtures reads and checks a fixtures document fully, changing nothing. The format is State's
// JSON: {"contacts": [...], "rule_templates": [...], "links": [...]}, contacts with the payload's
// element names. Every error wraps mock.ErrFixtures and names the record at fault.
func (b *Backend) parseFixtures(raw []byte) (State, error) {
	var f State
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return State{}, fmt.Errorf("%w: iovox: %v", mock.ErrFixtures, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return State{}, fmt.Errorf("%w: iovox: data after the fixtures object", mock.ErrFixtures)
	}
	bad := func(format string, args ...any) (State, error) {
		return State{}, fmt.Errorf("%w: iovox: "+format, append([]any{mock.ErrFixtures}, args...)...)
	}
	contacts := map[string]bool{}
	owner := map[comboKey]string{}
	for i := range f.Contacts {
		c := &f.Contacts[i]
		if c.ID == "" {
			return bad("contact %d of %d has no contact_id", i+1, len(f.Contacts))
		}
		if contacts[c.ID] {
			return bad("contact %q is listed twice", c.ID)
		}
		contacts[c.ID] = true
		// A stored contact must be one the vendor could hold: the spec's own Contact schema
		// (internationalised numbers, letters-only names, a non-empty display name).
		if err := b.checkContactSchema(*c); err != nil {
			return bad("contact %q: %v", c.ID, err)
		}
		for _, field := range []*string{&c.HomeCountry, &c.BusinessCountry} {
			if *field == "" {
				continue
			}
			ct, ok := country.ByName(*field)
			if !ok {
				return bad("contact %q: %q is not an English country name", c.ID, *field)
			}
			*field = ct.Name
		}
		for _, k := range combos(*c) {
			if other, dup := owner[k]; dup && other != c.ID {
				return bad("contacts %q and %q share display name %q with phone %s", other, c.ID, k.name, k.phone)
			}
			owner[k] = c.ID
		}
	}
	checkDetail := func(where string, d DetailOf) error {
		if !contacts[d.ContactID] {
			return fmt.Errorf("%s uses contact %q, which is not in the fixtures", where, d.ContactID)
		}
		if _, ok := detailByStored(d.Detail); !ok {
			return fmt.Errorf("%s uses detail %q, which is not a contact detail", where, d.Detail)
		}
		return nil
	}
	templates := map[string]bool{}
	for i, t := range f.RuleTemplates {
		if t.ID == "" {
			return bad("rule template %d of %d has no id", i+1, len(f.RuleTemplates))
		}
		if templates[t.ID] {
			return bad("rule template %q is listed twice", t.ID)
		}
		templates[t.ID] = true
		for _, d := range t.Uses {
			if err := checkDetail(fmt.Sprintf("rule template %q", t.ID), d); err != nil {
				return bad("%v", err)
			}
		}
	}
	links := map[string]bool{}
	for i, l := range f.Links {
		if l.ID == "" {
			return bad("link %d of %d has no id", i+1, len(f.Links))
		}
		if links[l.ID] {
			return bad("link %q is listed twice", l.ID)
		}
		links[l.ID] = true
		for j, t := range l.Templates {
			if !templates[t] {
				return bad("link %q attaches rule template %q, which is not in the fixtures", l.ID, t)
			}
			if slices.Contains(l.Templates[:j], t) {
				return bad("link %q attaches rule template %q twice", l.ID, t)
			}
		}
		for _, v := range l.Variables {
			if !slices.Contains(l.Templates, v.Template) {
				return bad("link %q fixes a variable of rule template %q, which the link does not attach", l.ID, v.Template)
			}
			if err := checkDetail(fmt.Sprintf("link %q", l.ID), v.DetailOf); err != nil {
				return bad("%v", err)
			}
		}
	}
	return f, nil
}

// checkContactSchema validates a stored contact against the spec's Contact schema, under its
// payload element names.
func (b *Backend) checkContactSchema(c Contact) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	if c.DisplayName == "" {
		return errors.New("display_name is empty")
	}
	err = b.contactSchema.Value.VisitJSON(v, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	var msgs []string
	for _, se := range schemaLeaves(err) {
		msgs = append(msgs, fmt.Sprintf("%s: %s", "/"+strings.Join(se.JSONPointer(), "/"), se.Reason))
	}
	if len(msgs) == 0 {
		msgs = append(msgs, err.Error())
	}
	return errors.New(strings.Join(msgs, "; "))
}
