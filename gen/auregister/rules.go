package auregister

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
)

// UpdateOption adjusts one UpdateContact call.
type UpdateOption func(*updateSettings)

type updateSettings struct {
	contactType ContactType
	stated      bool
	// stored holds the stored contact's properties as JSON, by wire name, when ForContact gave
	// it; storedID is its id and storedErr a failure to encode it.
	stored    map[string]json.RawMessage
	storedID  int64
	storedErr error
}

// ForContactType states the type the vendor holds for the contact being updated (it does not
// change the type). UpdateContact then applies the spec's contact-type rules before sending and
// returns a *RuleError, sending nothing, when the stated type cannot be updated (Joint Member),
// when the update sets a field the type does not accept, or when it sends a contactType other
// than the stated one. Null and "" are accepted on any field: the rules treat them as no-ops.
//
// It is stricter than the vendor in one case: the rules also let a field the type does not
// accept carry the value the contact already stores (notAViolation "unchanged": the page's own
// example sends a People contact's stored name back), and the client, knowing only the type,
// cannot tell a stored value from a new one, so it refuses every non-null, non-empty value of
// such a field. State the whole stored contact with ForContact to be judged exactly as the
// vendor judges.
//
// Without either option, the fields are sent unchecked and the vendor judges them: the client
// does not know a contact's type unless told, and the type in the body is only a claim the vendor
// checks against the stored one. When options are combined, the last one given counts.
func ForContactType(t ContactType) UpdateOption {
	return func(s *updateSettings) { *s = updateSettings{contactType: t, stated: true} }
}

// ForContact states the contact as the vendor stores it, type and values: typically the Contact
// an earlier UpdateContact returned. UpdateContact applies the rules as ForContactType does for
// stored.ContactType, and also as the vendor does for values: a field the type does not accept is
// let through when it carries exactly the stored value, so the page's example (a People contact
// sent back as stored, name included) passes, while a new name on that contact is refused. The
// body's id must be stored.ID, and stored.ID must be the contactID being updated, or nothing is
// sent.
//
// A property of stored left unspecified (a Contact built by hand rather than decoded from an
// answer) is treated as unknown: no value counts as unchanged for it.
func ForContact(stored Contact) UpdateOption {
	props, err := specifiedProperties(stored)
	return func(s *updateSettings) {
		*s = updateSettings{contactType: stored.ContactType, stated: true, stored: props, storedID: stored.ID, storedErr: err}
	}
}

// specifiedProperties encodes the properties of c that hold a value or null, by wire name. A
// nullable.Nullable left unspecified would encode as its zero value ("" or 0) and pass for a
// stored value, so those are left out.
func specifiedProperties(c Contact) (map[string]json.RawMessage, error) {
	all := map[string]json.RawMessage{}
	raw, err := json.Marshal(c)
	if err == nil {
		err = json.Unmarshal(raw, &all)
	}
	if err != nil {
		return nil, fmt.Errorf("auregister: ForContact: encode the stored contact: %w", err)
	}
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if f, ok := v.Field(i).Interface().(interface{ IsSpecified() bool }); ok && !f.IsSpecified() {
			delete(all, name)
		}
	}
	return all, nil
}

// RuleError is an update refused before sending because the spec's contact-type rules
// (x-contact-type-rules on ContactUpdate) forbid it. It matches, with errors.Is, the catalogue id
// and status sentinel of each violation: the answer the vendor would have given.
type RuleError struct {
	ContactID int64
	// ContactType is the type stated with ForContactType or ForContact, or "" when none was
	// stated.
	ContactType ContactType
	Violations  []Violation
}

// Violation is one broken rule.
type Violation struct {
	// ID is the catalogue entry the vendor answers this violation with
	// ("field-not-allowed-for-contact-type"), and Status that entry's HTTP status.
	ID     string
	Status int
	// Field is the wire name of the offending field; "" when the whole update is refused.
	Field string
	// Message is the entry's message for this field and type, as the vendor would word it.
	Message string
}

func (e *RuleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "auregister: update of contact %d refused before sending", e.ContactID)
	if e.ContactType != "" {
		fmt.Fprintf(&b, " (contactType %s)", e.ContactType)
	}
	for i, v := range e.Violations {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(v.Message)
	}
	return b.String()
}

// Is matches apiclient.CatalogueID and the status sentinel of any violation, so that one
// errors.Is test catches the refusal whether the client or the vendor made it.
func (e *RuleError) Is(target error) bool {
	var id apiclient.CatalogueID
	isID := errors.As(target, &id)
	for _, v := range e.Violations {
		if (isID && v.ID == string(id)) || (!isID && v.Status != 0 && target == apiclient.StatusSentinel(v.Status)) {
			return true
		}
	}
	return false
}

// Fields returns the wire names of the refused fields, in the order reported.
func (e *RuleError) Fields() []string {
	var names []string
	for _, v := range e.Violations {
		if v.Field != "" {
			names = append(names, v.Field)
		}
	}
	return names
}

// ruleSchema is the component schema that carries the rule table: the body of the update.
const ruleSchema = "ContactUpdate"

var contactTypeRules = sync.OnceValues(func() (specs.ContactTypeRules, error) {
	doc, err := spec()
	if err != nil {
		return specs.ContactTypeRules{}, err
	}
	return specs.ReadContactTypeRules(doc, ruleSchema)
})

// idProperty is the body property that the table's description ties to the path's contactId; the
// table itself has no key for it.
const idProperty = "id"

// checkUpdate applies the rule table to the encoded body, in the vendor's assumed order (see the
// operation's description in the spec): a type that cannot be updated refuses everything; then
// properties that must match the stored contact; then fields the type does not accept. Unlike
// the vendor, which names the first offender only, every offender is reported, by wire name in
// alphabetical order.
func checkUpdate(contactID int64, set updateSettings, body []byte) error {
	rules, err := contactTypeRules()
	if err != nil {
		return fmt.Errorf("auregister: read the contact-type rules: %w", err)
	}
	if set.storedErr != nil {
		return set.storedErr
	}
	if set.stored != nil && set.storedID != contactID {
		return fmt.Errorf("auregister: ForContact: the stated contact is %d, not the contact being updated (%d)", set.storedID, contactID)
	}
	if set.stated && !slices.Contains(rules.Types, string(set.contactType)) {
		return fmt.Errorf("auregister: ForContactType(%q): not a contact type (the rule table knows %s)",
			set.contactType, strings.Join(rules.Types, ", "))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return fmt.Errorf("auregister: encode update: %w", err)
	}
	cat, _ := catalogue() // without the catalogue, violations still refuse, with plainer messages.
	e := &RuleError{ContactID: contactID, ContactType: set.contactType}
	if set.stated && !rules.Updatable(string(set.contactType)) {
		e.add(cat, rules.Errors.NotUpdatable, "")
		return e
	}

	// The stored values the client knows: the id is the path's; the type is the stated one.
	known := map[string]any{idProperty: contactID}
	if set.stated {
		known[rules.Property] = set.contactType
	}
	names := slices.Sorted(maps.Keys(fields))
	for _, name := range names {
		want, ok := known[name]
		if !ok || !slices.Contains(rules.MatchStored, name) {
			continue
		}
		// Both sides come from encoding/json, so equal values have equal bytes.
		if wantRaw, err := json.Marshal(want); err != nil || !bytes.Equal(fields[name], wantRaw) {
			e.add(cat, rules.Errors.MatchStored, name)
		}
	}
	if set.stated {
		for _, name := range names {
			storedValue, haveStored := set.stored[name]
			if !rules.Allows(string(set.contactType), name) && !notAViolation(rules, fields[name], storedValue, haveStored) {
				e.add(cat, rules.Errors.NotAllowed, name)
			}
		}
	}
	if len(e.Violations) > 0 {
		return e
	}
	return nil
}

// notAViolation reports whether the table's notAViolation list lets raw through on a field the
// type does not accept; stored is the contact's value of that field, when known (ForContact).
func notAViolation(rules specs.ContactTypeRules, raw, stored json.RawMessage, known bool) bool {
	for _, v := range rules.NotAViolation {
		switch {
		case v == specs.NotAViolationNull && string(raw) == "null",
			v == specs.NotAViolationEmptyString && string(raw) == `""`,
			v == specs.NotAViolationUnchanged && known && sameJSON(raw, stored):
			return true
		}
	}
	return false
}

// sameJSON reports whether a and b are the same JSON value, whatever their spacing or escapes;
// numbers compare by their text, so 1675073 never equals 1675073.5.
func sameJSON(a, b json.RawMessage) bool {
	decode := func(raw json.RawMessage) (any, bool) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		return v, dec.Decode(&v) == nil
	}
	va, okA := decode(a)
	vb, okB := decode(b)
	return okA && okB && reflect.DeepEqual(va, vb)
}

// add records a violation answered by catalogue entry id, worded by the entry's own template so
// that the client's refusal reads like the vendor's.
func (e *RuleError) add(cat specs.Catalogue, id, field string) {
	v := Violation{ID: id, Field: field}
	values := map[string]string{"field": field, "contactType": string(e.ContactType), "contactId": strconv.FormatInt(e.ContactID, 10)}
	if entry, ok := cat.ByID(id); ok {
		v.Status = entry.Status
		args := map[string]string{}
		for _, name := range entry.Placeholders() {
			args[name] = values[name]
		}
		v.Message, _ = entry.Render(args)
	}
	if v.Message == "" {
		v.Message = fmt.Sprintf("%s refused (%s)", cmp.Or(field, "update"), id)
	}
	e.Violations = append(e.Violations, v)
}
