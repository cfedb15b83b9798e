package iovox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/internal/country"
)

// RuleTemplate is a custom rule template (call routing) that uses contact details: forwarding a
// call to contact 555's mobile_phone, say. The page: when such a detail is emptied with rm_rules
// TRUE, the template is deleted and removed from every link.
type RuleTemplate struct {
	ID   string     `json:"id"`
	Name string     `json:"name,omitempty"`
	Uses []DetailOf `json:"uses,omitempty"`
}

// Link is a tracking link (a number) with rule templates attached. A variable rule of an attached
// template can be fixed to a contact's detail; emptying that detail with rm_rules TRUE detaches
// the template from the links that fix a variable with it.
type Link struct {
	ID        string     `json:"id"`
	Templates []string   `json:"templates,omitempty"`
	Variables []Variable `json:"variables,omitempty"`
}

// DetailOf names one detail of one contact.
type DetailOf struct {
	ContactID string `json:"contact_id"`
	Detail    string `json:"detail"`
}

// Variable is a variable rule of an attached template fixed to a contact's detail.
type Variable struct {
	Template string `json:"template"`
	DetailOf
}

// State is GET /_admin/state/iovox decoded: the contacts in the generated client's type (the
// spec's Contact schema), sorted by id, and the rules, sorted by id.
type State struct {
	Contacts      []api.Contact  `json:"contacts"`
	RuleTemplates []RuleTemplate `json:"rule_templates"`
	Links         []Link         `json:"links"`
}

// rules are the rule templates and links, the adapter's own state (mock.Extra).
type rules struct {
	templates map[string]RuleTemplate
	links     map[string]Link
}

// Clone implements mock.Extra. Templates and links are replaced, never changed in place.
func (r *rules) Clone() mock.Extra {
	return &rules{templates: maps.Clone(r.templates), links: maps.Clone(r.links)}
}

// Sections implements mock.Extra: the fixtures' sections, sorted by id, copies.
func (r *rules) Sections() map[string]any {
	ts := []RuleTemplate{}
	for _, id := range slices.Sorted(maps.Keys(r.templates)) {
		t := r.templates[id]
		t.Uses = slices.Clone(t.Uses)
		ts = append(ts, t)
	}
	ls := []Link{}
	for _, id := range slices.Sorted(maps.Keys(r.links)) {
		l := r.links[id]
		l.Templates, l.Variables = slices.Clone(l.Templates), slices.Clone(l.Variables)
		ls = append(ls, l)
	}
	return map[string]any{"rule_templates": ts, "links": ls}
}

// used reports whether a rule template uses the detail, or a link fixes a variable rule with it.
func (r *rules) used(d DetailOf) bool {
	for _, t := range r.templates {
		if slices.Contains(t.Uses, d) {
			return true
		}
	}
	for _, l := range r.links {
		if slices.ContainsFunc(l.Variables, func(v Variable) bool { return v.DetailOf == d }) {
			return true
		}
	}
	return false
}

// removeUsing applies the page's rm_rules TRUE: a custom template using d is deleted and removed
// from every link; a link fixing a variable rule with d has that template detached.
func (r *rules) removeUsing(d DetailOf, event func(string, map[string]any)) {
	for _, id := range slices.Sorted(maps.Keys(r.templates)) {
		if !slices.Contains(r.templates[id].Uses, d) {
			continue
		}
		delete(r.templates, id)
		for lid, l := range r.links {
			r.links[lid] = detach(l, id)
		}
		event("rule-template-deleted", map[string]any{"template": id, "contact_id": d.ContactID, "detail": d.Detail})
	}
	for _, lid := range slices.Sorted(maps.Keys(r.links)) {
		l := r.links[lid]
		for _, v := range slices.Clone(l.Variables) {
			if v.DetailOf == d && slices.Contains(l.Templates, v.Template) {
				l = detach(l, v.Template)
				event("rule-template-detached", map[string]any{"template": v.Template, "link": lid, "contact_id": d.ContactID, "detail": d.Detail})
			}
		}
		r.links[lid] = l
	}
}

// detach removes template from the link and every variable rule of it there.
func detach(l Link, template string) Link {
	l.Templates = slices.DeleteFunc(slices.Clone(l.Templates), func(t string) bool { return t == template })
	l.Variables = slices.DeleteFunc(slices.Clone(l.Variables), func(v Variable) bool { return v.Template == template })
	return l
}

// rename makes rules follow renamed contacts (new_contact_id), so a rename never orphans a rule.
func (r *rules) rename(renamed map[string]string) {
	if len(renamed) == 0 {
		return
	}
	follow := func(d DetailOf) DetailOf {
		if to, ok := renamed[d.ContactID]; ok {
			d.ContactID = to
		}
		return d
	}
	for id, t := range r.templates {
		t.Uses = slices.Clone(t.Uses)
		for i := range t.Uses {
			t.Uses[i] = follow(t.Uses[i])
		}
		r.templates[id] = t
	}
	for id, l := range r.links {
		l.Variables = slices.Clone(l.Variables)
		for i := range l.Variables {
			l.Variables[i].DetailOf = follow(l.Variables[i].DetailOf)
		}
		r.links[id] = l
	}
}

// fixtures reads the rules of a fixtures document and checks the contacts against the page's
// rules: countries are English names (stored canonical), no display name and phone is shared by
// two contacts, and every rule names existing contacts, details and templates.
func (a *adapter) fixtures(sections map[string]json.RawMessage, recs mock.Records) (mock.Extra, error) {
	var f struct {
		RuleTemplates []RuleTemplate `json:"rule_templates"`
		Links         []Link         `json:"links"`
	}
	known := slices.Sorted(maps.Keys((&rules{}).Sections()))
	for name, raw := range sections {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("unknown section %q (contacts, %s)", name, strings.Join(known, ", "))
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		target := map[string]any{"rule_templates": &f.RuleTemplates, "links": &f.Links}[name]
		if err := dec.Decode(target); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: data after the array", name)
		}
	}
	owner := map[combination]string{}
	for _, id := range slices.Sorted(maps.Keys(recs[contacts])) {
		c := recs[contacts][id]
		for name := range a.countries {
			if s, ok := c[name].(string); ok {
				ct, known := country.ByName(s)
				if !known {
					return nil, fmt.Errorf("contact %q: %q is not an English country name", id, s)
				}
				c[name] = ct.Name
			}
		}
		for _, k := range a.combinations(c) {
			if other, dup := owner[k]; dup && other != id {
				return nil, fmt.Errorf("contacts %q and %q share display name %q with phone %s", other, id, k.name, k.phone)
			}
			owner[k] = id
		}
	}
	checkDetail := func(where string, d DetailOf) error {
		if _, ok := recs[contacts][d.ContactID]; !ok {
			return fmt.Errorf("%s uses contact %q, which is not in the fixtures", where, d.ContactID)
		}
		if !a.details[d.Detail] {
			return fmt.Errorf("%s uses detail %q, which is not a contact detail", where, d.Detail)
		}
		return nil
	}
	r := &rules{templates: map[string]RuleTemplate{}, links: map[string]Link{}}
	for i, t := range f.RuleTemplates {
		if t.ID == "" {
			return nil, fmt.Errorf("rule template %d of %d has no id", i+1, len(f.RuleTemplates))
		}
		if _, dup := r.templates[t.ID]; dup {
			return nil, fmt.Errorf("rule template %q is listed twice", t.ID)
		}
		for _, d := range t.Uses {
			if err := checkDetail(fmt.Sprintf("rule template %q", t.ID), d); err != nil {
				return nil, err
			}
		}
		r.templates[t.ID] = t
	}
	for i, l := range f.Links {
		if l.ID == "" {
			return nil, fmt.Errorf("link %d of %d has no id", i+1, len(f.Links))
		}
		if _, dup := r.links[l.ID]; dup {
			return nil, fmt.Errorf("link %q is listed twice", l.ID)
		}
		for j, t := range l.Templates {
			if _, ok := r.templates[t]; !ok {
				return nil, fmt.Errorf("link %q attaches rule template %q, which is not in the fixtures", l.ID, t)
			}
			if slices.Contains(l.Templates[:j], t) {
				return nil, fmt.Errorf("link %q attaches rule template %q twice", l.ID, t)
			}
		}
		for _, v := range l.Variables {
			if !slices.Contains(l.Templates, v.Template) {
				return nil, fmt.Errorf("link %q fixes a variable of rule template %q, which the link does not attach", l.ID, v.Template)
			}
			if err := checkDetail(fmt.Sprintf("link %q", l.ID), v.DetailOf); err != nil {
				return nil, err
			}
		}
		r.links[l.ID] = l
	}
	return r, nil
}
