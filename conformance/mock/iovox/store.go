package iovox

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/contactapis/contactapis/conformance/mock"
)

// Contact is one stored contact. JSON names are the payload's element names, so fixtures and
// State read like the vendor's own data. work_country has no field of its own: the page's example
// sends it where the table documents business_country, and the spec reads both as the business
// country (x-doc-discrepancy country-element-names).
type Contact struct {
	ID              string   `json:"contact_id"`
	DisplayName     string   `json:"display_name,omitempty"`
	FirstName       string   `json:"first_name,omitempty"`
	LastName        string   `json:"last_name,omitempty"`
	Email           string   `json:"email,omitempty"`
	Email2          string   `json:"email_2,omitempty"`
	Company         string   `json:"company,omitempty"`
	MobilePhone     []string `json:"mobile_phone,omitempty"`
	HomePhone       []string `json:"home_phone,omitempty"`
	BusinessPhone   []string `json:"business_phone,omitempty"`
	BusinessFax     []string `json:"business_fax,omitempty"`
	WorkAddress1    string   `json:"work_address_1,omitempty"`
	WorkAddress2    string   `json:"work_address_2,omitempty"`
	WorkCity        string   `json:"work_city,omitempty"`
	WorkPostcode    string   `json:"work_postcode,omitempty"`
	BusinessCountry string   `json:"business_country,omitempty"`
	HomeAddress1    string   `json:"home_address_1,omitempty"`
	HomeAddress2    string   `json:"home_address_2,omitempty"`
	HomeCity        string   `json:"home_city,omitempty"`
	HomeCountry     string   `json:"home_country,omitempty"`
	HomePostcode    string   `json:"home_postcode,omitempty"`
	Notes           string   `json:"notes,omitempty"`
}

func (c Contact) clone() Contact {
	c.MobilePhone = slices.Clone(c.MobilePhone)
	c.HomePhone = slices.Clone(c.HomePhone)
	c.BusinessPhone = slices.Clone(c.BusinessPhone)
	c.BusinessFax = slices.Clone(c.BusinessFax)
	return c
}

// phones are every number of the contact, of every kind: the page's "any of this contact's phone
// numbers" in the display name uniqueness rule. business_fax counts: it is a number of the contact
// like the others.
func (c Contact) phones() []string {
	return slices.Concat(c.MobilePhone, c.HomePhone, c.BusinessPhone, c.BusinessFax)
}

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

// State is the whole store, as GET /_admin/state/iovox shows it: every slice sorted by id.
type State struct {
	Contacts      []Contact      `json:"contacts"`
	RuleTemplates []RuleTemplate `json:"rule_templates"`
	Links         []Link         `json:"links"`
}

func (s State) clone() State {
	out := State{Contacts: make([]Contact, len(s.Contacts)), RuleTemplates: make([]RuleTemplate, len(s.RuleTemplates)), Links: make([]Link, len(s.Links))}
	for i, c := range s.Contacts {
		out.Contacts[i] = c.clone()
	}
	for i, t := range s.RuleTemplates {
		t.Uses = slices.Clone(t.Uses)
		out.RuleTemplates[i] = t
	}
	for i, l := range s.Links {
		l.Templates = slices.Clone(l.Templates)
		l.Variables = slices.Clone(l.Variables)
		out.Links[i] = l
	}
	return out
}

// Sentinel errors of the store, wrapped in an *ItemError naming the contact's position. A plan is
// checked against the same state it is applied to, under one lock, so they mark a broken invariant;
// the handler still maps them to the page's rows (contact-id-not-found, contact-id-duplicate).
var (
	ErrContactNotFound = errors.New("contact not found")
	ErrContactIDTaken  = errors.New("contact id taken")
)

// ItemError is a store error about the contact at Item (1-based) of Total in the payload.
type ItemError struct {
	Item, Total int
	Err         error
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("contact %d of %d: %v", e.Item, e.Total, e.Err)
}
func (e *ItemError) Unwrap() error { return e.Err }

// store is the mock's data: contacts by id, rule templates and links. One mutex guards it all, so
// a batch is checked and applied against one consistent state (all or nothing).
type store struct {
	mu        sync.RWMutex
	contacts  map[string]Contact
	templates map[string]RuleTemplate
	links     map[string]Link
	events    []mock.Event
	fixtures  State // what Reset restores
}

func newStore(fixtures State) *store {
	s := &store{}
	s.load(fixtures)
	return s
}

// load replaces everything with fixtures. Callers hold mu (or own s exclusively).
func (s *store) load(fixtures State) {
	s.fixtures = fixtures.clone()
	f := fixtures.clone()
	s.contacts = make(map[string]Contact, len(f.Contacts))
	for _, c := range f.Contacts {
		s.contacts[c.ID] = c
	}
	s.templates = make(map[string]RuleTemplate, len(f.RuleTemplates))
	for _, t := range f.RuleTemplates {
		s.templates[t.ID] = t
	}
	s.links = make(map[string]Link, len(f.Links))
	for _, l := range f.Links {
		s.links[l.ID] = l
	}
	s.events = nil
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load(s.fixtures)
}

func (s *store) install(f State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load(f)
}

func (s *store) state() State {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := State{Contacts: []Contact{}, RuleTemplates: []RuleTemplate{}, Links: []Link{}}
	for _, id := range slices.Sorted(maps.Keys(s.contacts)) {
		out.Contacts = append(out.Contacts, s.contacts[id])
	}
	for _, id := range slices.Sorted(maps.Keys(s.templates)) {
		out.RuleTemplates = append(out.RuleTemplates, s.templates[id])
	}
	for _, id := range slices.Sorted(maps.Keys(s.links)) {
		out.Links = append(out.Links, s.links[id])
	}
	return out.clone()
}

func (s *store) eventList() []mock.Event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.events)
}

// usedInRules reports whether a rule template uses the detail of the contact, or a link fixes a
// variable rule with it.
func (s *store) usedInRules(contactID, detail string) bool {
	d := DetailOf{ContactID: contactID, Detail: detail}
	for _, t := range s.templates {
		if slices.Contains(t.Uses, d) {
			return true
		}
	}
	for _, l := range s.links {
		for _, v := range l.Variables {
			if v.DetailOf == d {
				return true
			}
		}
	}
	return false
}

// plan is a checked batch: the new version of every contact it touches (keyed by the id it had),
// and the details it empties (for rm_rules TRUE).
type plan struct {
	updates []update
	rmRules bool
	total   int // contacts in the payload
}

type update struct {
	oldID   string
	contact Contact
	emptied []string // stored detail names sent empty
	item    int      // 1-based position in the payload
}

// apply writes a checked plan. Callers hold mu for writing and have checked p against this very
// state; the sentinel errors mean that was not so, and nothing has been written when they return.
func (s *store) apply(p plan) error {
	renamed := map[string]string{}
	for _, u := range p.updates {
		if _, ok := s.contacts[u.oldID]; !ok {
			return &ItemError{Item: u.item, Total: p.total, Err: fmt.Errorf("update %q: %w", u.oldID, ErrContactNotFound)}
		}
		if u.contact.ID != u.oldID {
			renamed[u.oldID] = u.contact.ID
		}
	}
	final := maps.Clone(s.contacts)
	for _, u := range p.updates {
		delete(final, u.oldID)
	}
	for _, u := range p.updates {
		if _, taken := final[u.contact.ID]; taken {
			return &ItemError{Item: u.item, Total: p.total, Err: fmt.Errorf("rename %q to %q: %w", u.oldID, u.contact.ID, ErrContactIDTaken)}
		}
		final[u.contact.ID] = u.contact
	}
	s.contacts = final
	if p.rmRules {
		for _, u := range p.updates {
			for _, detail := range u.emptied {
				s.removeRulesUsing(DetailOf{ContactID: u.oldID, Detail: detail})
			}
		}
	}
	if len(renamed) > 0 {
		s.renameInRules(renamed)
	}
	return nil
}

// removeRulesUsing applies the page's rm_rules TRUE: a custom template using d is deleted and
// removed from every link; a link fixing a variable rule with d has that template detached.
func (s *store) removeRulesUsing(d DetailOf) {
	for _, id := range slices.Sorted(maps.Keys(s.templates)) {
		if !slices.Contains(s.templates[id].Uses, d) {
			continue
		}
		delete(s.templates, id)
		for lid, l := range s.links {
			s.links[lid] = detach(l, id)
		}
		s.event("rule-template-deleted", map[string]any{"template": id, "contact_id": d.ContactID, "detail": d.Detail})
	}
	for _, lid := range slices.Sorted(maps.Keys(s.links)) {
		l := s.links[lid]
		for _, v := range slices.Clone(l.Variables) {
			if v.DetailOf == d && slices.Contains(l.Templates, v.Template) {
				l = detach(l, v.Template)
				s.event("rule-template-detached", map[string]any{"template": v.Template, "link": lid, "contact_id": d.ContactID, "detail": d.Detail})
			}
		}
		s.links[lid] = l
	}
}

// detach removes template from the link and every variable rule of it there.
func detach(l Link, template string) Link {
	l.Templates = slices.DeleteFunc(slices.Clone(l.Templates), func(t string) bool { return t == template })
	l.Variables = slices.DeleteFunc(slices.Clone(l.Variables), func(v Variable) bool { return v.Template == template })
	return l
}

// renameInRules makes rules follow a renamed contact (new_contact_id), so a rename never orphans
// a template.
func (s *store) renameInRules(renamed map[string]string) {
	follow := func(d DetailOf) DetailOf {
		if to, ok := renamed[d.ContactID]; ok {
			d.ContactID = to
		}
		return d
	}
	for id, t := range s.templates {
		t.Uses = slices.Clone(t.Uses)
		for i := range t.Uses {
			t.Uses[i] = follow(t.Uses[i])
		}
		s.templates[id] = t
	}
	for id, l := range s.links {
		l.Variables = slices.Clone(l.Variables)
		for i := range l.Variables {
			l.Variables[i].DetailOf = follow(l.Variables[i].DetailOf)
		}
		s.links[id] = l
	}
}

func (s *store) event(kind string, detail map[string]any) {
	s.events = append(s.events, mock.Event{Kind: kind, Detail: detail})
}

// comboKey is a display name with one phone number: the pair the page wants unique.
type comboKey struct{ name, phone string }

func combos(c Contact) []comboKey {
	if c.DisplayName == "" {
		return nil
	}
	var out []comboKey
	for _, p := range c.phones() {
		out = append(out, comboKey{c.DisplayName, p})
	}
	return out
}
