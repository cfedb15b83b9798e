package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// kind says what a written field accepts, so that every value sent is one the vendor takes.
type kind int

const (
	kindText    kind = iota // free text
	kindLetters             // letters only (iovox's PersonName: ^(\p{L}+)?$)
	kindEmail               // an address the mocks' email checks accept
	kindPhoto               // Valomnia's photo: the value is the uploaded file's name
)

// field is one field the load writes, by its name in the vendor's state (and wire) format.
type field struct {
	name string
	kind kind
}

// value renders token (unique per worker, update and contact: "w3u17c1") as a value of k.
func (k kind) value(token string) string {
	switch k {
	case kindLetters:
		// Digits become letters and the separators upper case, which keeps the value unique
		// ("w3u17c1" → "Wdubhcb").
		var b strings.Builder
		for _, r := range token {
			switch {
			case r >= '0' && r <= '9':
				b.WriteRune('a' + (r - '0'))
			default:
				b.WriteRune(r - 'a' + 'A')
			}
		}
		return b.String()
	case kindEmail:
		return token + "@load.example.com"
	case kindPhoto:
		return token + ".png"
	}
	return "load " + token
}

// driver is what the load needs of one vendor: its data set, the fields it writes, a client per
// worker, and how to read contacts out of the admin state.
type driver interface {
	name() string
	// fixtures is the vendor's member of the fixtures document: groups × size contacts, contact
	// keys as keys() numbers them.
	fixtures(groups, size int) (any, error)
	// keys names the contacts of each group, as split() keys them.
	keys(groups, size int) [][]string
	fields() []field
	// multi reports whether one update can write several contacts at once; sameValues that
	// such an update sets the same values on all of them (a match-based update).
	multi() (multi, sameValues bool)
	newClient(base string, opts ...apiclient.Option) (writer, error)
	// split cuts a state into contacts (key → field → value) and the rest of the state, without
	// what changes on its own.
	split(state []byte) (map[string]map[string]any, map[string]any, error)
	// ignored fields of a contact change without being written (timestamps).
	ignored(field string) bool
	// matches reports whether got, as the state holds it, is the value sent.
	matches(f field, sent, got string) bool
}

// writer makes one update: values[contact][field] for every contact of the update. answer is
// the stored contact as the vendor answered it, field by field, where the vendor answers one.
type writer interface {
	write(ctx context.Context, values map[string]map[string]string) (answer map[string]map[string]any, err error)
}

// credentials are the ones the mock server was started with, per vendor.
type credentials map[string]vendors.Credentials

// newClient is the registry's typed client of vendor at the mock server root base.
func newClient[T any](c credentials, vendor, base string, opts ...apiclient.Option) (T, error) {
	v := vendors.Get(vendor)
	return vendors.NewClient[T](v, base+v.MockPath(), c[vendor], opts...)
}

func drivers(c credentials) []driver {
	return []driver{&iovoxDriver{c}, &valomniaDriver{c}, &which50Driver{c}, &auregisterDriver{c}}
}

// --- iovox ---

type iovoxDriver struct{ c credentials }

func (d *iovoxDriver) name() string { return specs.Iovox }

func (d *iovoxDriver) keys(groups, size int) [][]string {
	return numbered(groups, size, func(i int) string { return fmt.Sprintf("L%03d", i+1) })
}

// fields are read from the spec (specFields): the properties of the batch's items (x-mock batch,
// its collection's schema), less the contact's key and its rename, the aliases of other
// properties, and what every stored contact must have (x-mock required: the display name, which
// together with a phone the vendor keeps unique across contacts, so that a clash would be a
// refusal the load did not cause on purpose). Phones are lists and countries enums: not
// written.
func (d *iovoxDriver) fields() []field { return iovoxFields() }

var iovoxFields = sync.OnceValue(func() []field { return iovoxFieldsOf(mustShared(specs.Iovox)) })

func iovoxFieldsOf(doc *openapi3.T) []field {
	conf, _, err := specs.ReadMock(doc)
	if err != nil {
		panic(err)
	}
	for _, op := range specs.Operations(doc) {
		mo, err := specs.ReadMockOperation(op.Operation)
		if err != nil {
			panic(err)
		}
		if b := mo.Batch; b != nil {
			coll := conf.Collections[b.Collection]
			s := doc.Components.Schemas[coll.Schema].Value
			left := slices.Concat(coll.KeyProperties(), []string{b.Rename}, coll.Required)
			return specFields(doc, s, func(name string) bool {
				_, alias := s.Properties[name].Value.Extensions[specs.ExtMockAlias]
				return alias || slices.Contains(left, name)
			})
		}
	}
	panic("iovox spec: no x-mock batch operation")
}

func (d *iovoxDriver) multi() (bool, bool) { return true, false }

func (d *iovoxDriver) fixtures(groups, size int) (any, error) {
	var contacts []map[string]any
	for i, key := range slices.Concat(d.keys(groups, size)...) {
		contacts = append(contacts, map[string]any{
			"contact_id":   key,
			"display_name": "Load Contact " + key,
			"mobile_phone": []string{fmt.Sprintf("4477009%05d", i+1)},
		})
	}
	return map[string]any{"contacts": contacts, "rule_templates": []any{}, "links": []any{}}, nil
}

func (d *iovoxDriver) newClient(base string, opts ...apiclient.Option) (writer, error) {
	c, err := newClient[*iovox.ContactsClient](d.c, specs.Iovox, base, opts...)
	if err != nil {
		return nil, err
	}
	return iovoxWriter{c}, nil
}

type iovoxWriter struct{ c *iovox.ContactsClient }

func (w iovoxWriter) write(ctx context.Context, values map[string]map[string]string) (map[string]map[string]any, error) {
	var p iovox.UpdateContactsPayload
	for _, key := range slices.Sorted(maps.Keys(values)) {
		var c iovox.Contact
		if err := fromMap(withKey(values[key], "contact_id", key), &c); err != nil {
			return nil, err
		}
		p.Contact = append(p.Contact, c)
	}
	return nil, w.c.UpdateContacts(ctx, p)
}

func (d *iovoxDriver) split(state []byte) (map[string]map[string]any, map[string]any, error) {
	return splitContacts(state, "contacts", func(c map[string]any) string { s, _ := c["contact_id"].(string); return s }, nil)
}

func (d *iovoxDriver) ignored(string) bool                    { return false }
func (d *iovoxDriver) matches(_ field, sent, got string) bool { return sent == got }

// --- Valomnia ---

type valomniaDriver struct{ c credentials }

func (d *valomniaDriver) name() string { return specs.Valomnia }

const valomniaFirstID = 1001

func (d *valomniaDriver) keys(groups, size int) [][]string {
	return numbered(groups, size, func(i int) string { return strconv.Itoa(valomniaFirstID + i) })
}

// fields are read from the spec (specFields): the properties of the update's form
// (ContactUpdate) less its required ones, which go with every update, always with their fixture
// values, so they stay unchanged; the country is left out by specFields (its examples are ISO
// codes, too few to be unique per write). The photo, an upload stored as a link (see matches),
// is the page's rule and written too.
func (d *valomniaDriver) fields() []field { return valomniaFields() }

var valomniaFields = sync.OnceValue(func() []field { return valomniaFieldsOf(mustShared(specs.Valomnia)) })

func valomniaFieldsOf(doc *openapi3.T) []field {
	s := doc.Components.Schemas["ContactUpdate"].Value
	return append(specFields(doc, s, func(name string) bool { return slices.Contains(s.Required, name) }), field{"photo", kindPhoto})
}

func (d *valomniaDriver) multi() (bool, bool) { return false, false }

const (
	valomniaCustomer  = 501
	valomniaFirstName = "Load"
	valomniaLastName  = "Contact"
)

func (d *valomniaDriver) fixtures(groups, size int) (any, error) {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var contacts []map[string]any
	for _, key := range slices.Concat(d.keys(groups, size)...) {
		id, _ := strconv.Atoi(key)
		contacts = append(contacts, map[string]any{
			"id": id, "reference": "LOAD-" + key, "customer": map[string]any{"id": valomniaCustomer}, "user": map[string]any{"id": 1},
			"firstName": valomniaFirstName, "lastName": valomniaLastName,
			"fonction": "", "country": "FR", "city": "", "postalCode": "", "address": "", "email": "",
			"phone": "", "phone2": "", "mobile": "", "fax": "", "comment": "load test contact",
			"isDecisionMaker": false, "photo": nil, "dateCreated": created, "lastUpdated": created,
		})
	}
	return map[string]any{
		"organization": map[string]any{"name": "load", "photoBaseUrl": "BASE_URL/load/photoContact/"},
		"users":        []any{map[string]any{"id": 1, "reference": "load-user"}},
		"customers":    []any{map[string]any{"id": valomniaCustomer, "reference": "LOAD-CUSTOMER", "name": "Load Customer"}},
		"contacts":     contacts,
	}, nil
}

func (d *valomniaDriver) newClient(base string, opts ...apiclient.Option) (writer, error) {
	c, err := newClient[*valomnia.ContactsClient](d.c, specs.Valomnia, base, opts...)
	if err != nil {
		return nil, err
	}
	return valomniaWriter{c}, nil
}

type valomniaWriter struct{ c *valomnia.ContactsClient }

// photo is a 1×1 PNG: the mock judges a photo by its bytes (http.DetectContentType).
var photo = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	return b.Bytes()
})

func (w valomniaWriter) write(ctx context.Context, values map[string]map[string]string) (map[string]map[string]any, error) {
	if len(values) != 1 {
		return nil, fmt.Errorf("valomnia: one contact per update, not %d", len(values))
	}
	key := slices.Collect(maps.Keys(values))[0]
	set := maps.Clone(values[key])
	var img *valomnia.Image
	if name, ok := set["photo"]; ok {
		img = &valomnia.Image{FileName: name, Content: bytes.NewReader(photo())}
		delete(set, "photo")
	}
	set["firstName"], set["lastName"], set["customerId"] = valomniaFirstName, valomniaLastName, strconv.Itoa(valomniaCustomer)
	var u valomnia.ContactUpdate
	if err := fromMap(set, &u); err != nil {
		return nil, err
	}
	c, err := w.c.UpdateContact(ctx, key, u, img)
	if err != nil {
		return nil, err
	}
	answer, err := toMap(c)
	return map[string]map[string]any{key: answer}, err
}

func (d *valomniaDriver) split(state []byte) (map[string]map[string]any, map[string]any, error) {
	return splitContacts(state, "contacts", func(c map[string]any) string { return numberKey(c["id"]) },
		// Sessions open and close with the workers' logins.
		[]string{"openSessions"})
}

func (d *valomniaDriver) ignored(f string) bool { return f == "lastUpdated" }

// matches: the stored photo is a link "<base><epoch ms>_<size>_<file name>" (see the mock's doc).
func (d *valomniaDriver) matches(f field, sent, got string) bool {
	if f.kind == kindPhoto {
		return strings.HasPrefix(got, "BASE_URL/load/photoContact/") && strings.HasSuffix(got, fmt.Sprintf("_%d_%s", len(photo()), sent))
	}
	return sent == got
}

// --- Which50 ---

type which50Driver struct{ c credentials }

func (d *which50Driver) name() string { return specs.Which50 }

const which50List = 50

func (d *which50Driver) keys(groups, size int) [][]string {
	return numbered(groups, size, func(i int) string { return fmt.Sprintf("%d/%d", which50List, i+1) })
}

// fields are the load's own: a Which50 contact's fields are the schema of its list, which is data
// (the fixtures' list below), not the spec's. What the spec does say, the shape of lists and
// contacts, is read from its x-mock (which50Shape).
func (d *which50Driver) fields() []field {
	var fs []field
	for i := 1; i <= 12; i++ {
		fs = append(fs, field{fmt.Sprintf("F%02d", i), kindText})
	}
	return fs
}

// which50Shape names what the load reads and writes of the Which50 mock, from the spec's x-mock
// (specs/which50.yaml): the collection of lists and its key, the collection of contacts and its
// key properties (the list, then the contact's id), the values a match-based update merges, and
// the id it answers, derived by the mock.
type which50Shape struct {
	lists, listKey   string
	contacts         string
	listID, id       string
	values, answerID string
}

var which50Spec = sync.OnceValue(func() which50Shape {
	doc := mustShared(specs.Which50)
	conf, _, err := specs.ReadMock(doc)
	if err != nil {
		panic(err)
	}
	for _, op := range specs.Operations(doc) {
		mo, err := specs.ReadMockOperation(op.Operation)
		if err != nil {
			panic(err)
		}
		u := mo.Update
		if u == nil || !u.Select || u.Parent == nil || len(u.Merge) != 1 {
			continue
		}
		keys := conf.Collections[u.Collection].KeyProperties()
		if len(keys) != 2 || keys[0] != u.Parent.Property {
			panic(fmt.Sprintf("which50 spec: contacts keyed by %v, want the list then the id", keys))
		}
		return which50Shape{lists: u.Parent.Collection, listKey: conf.Collections[u.Parent.Collection].Key, contacts: u.Collection,
			listID: keys[0], id: keys[1], values: u.Merge[0], answerID: u.Answer}
	}
	panic("which50 spec: no x-mock select update of contacts by list")
})

// An update of a whole group matches on Group, so every contact gets the same values.
func (d *which50Driver) multi() (bool, bool) { return true, true }

func (d *which50Driver) fixtures(groups, size int) (any, error) {
	sh := which50Spec()
	// The list's schema of fields (ContactList, ContactListField): every field holds text.
	fields := []map[string]string{{"Name": "Key", "Type": "string"}, {"Name": "Group", "Type": "string"}}
	for _, f := range d.fields() {
		fields = append(fields, map[string]string{"Name": f.name, "Type": "string"})
	}
	var contacts []map[string]any
	for _, keys := range d.keys(groups, size) {
		for _, key := range keys {
			contacts = append(contacts, map[string]any{sh.listID: which50List, sh.id: which50ID(key), sh.values: map[string]any{
				"Key": fmt.Sprintf("k%d", which50ID(key)), "Group": fmt.Sprintf("with-%d", which50ID(keys[0]))}})
		}
	}
	return map[string]any{sh.lists: []any{map[string]any{sh.listKey: which50List, "Name": "Load", "Fields": fields}}, sh.contacts: contacts}, nil
}

func (d *which50Driver) newClient(base string, opts ...apiclient.Option) (writer, error) {
	c, err := newClient[*which50.ContactsClient](d.c, specs.Which50, base, opts...)
	if err != nil {
		return nil, err
	}
	return which50Writer{c}, nil
}

type which50Writer struct{ c *which50.ContactsClient }

// which50ID is the contact's id within the list, from its key "50/7".
func which50ID(key string) int {
	_, id, _ := strings.Cut(key, "/")
	n, _ := strconv.Atoi(id)
	return n
}

func (w which50Writer) write(ctx context.Context, values map[string]map[string]string) (map[string]map[string]any, error) {
	keys := slices.SortedFunc(maps.Keys(values), func(a, b string) int { return which50ID(a) - which50ID(b) })
	match := map[string]string{}
	if len(keys) == 1 {
		match["Key"] = fmt.Sprintf("k%d", which50ID(keys[0]))
	} else {
		// A group's Group value names its first contact (see fixtures).
		match["Group"] = fmt.Sprintf("with-%d", which50ID(keys[0]))
	}
	set := map[string]any{}
	for f, v := range values[keys[0]] {
		set[f] = v
	}
	ids, err := w.c.UpdateContactsByMatch(ctx, which50List, match, set)
	if err != nil {
		return nil, err
	}
	if len(ids) != len(keys) {
		// The update was answered as done, on a different set of contacts than meant.
		return nil, &answerError{fmt.Sprintf("which50 matched %d contacts, want %d", len(ids), len(keys))}
	}
	return nil, nil
}

func (d *which50Driver) split(state []byte) (map[string]map[string]any, map[string]any, error) {
	var st map[string]any
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, nil, fmt.Errorf("which50 state: %w", err)
	}
	// The state's collections (specs/which50.yaml x-mock): lists, and contacts keyed by list
	// and id.
	sh := which50Spec()
	cs, _ := st[sh.contacts].([]any)
	contacts := map[string]map[string]any{}
	for _, c := range cs {
		cm, _ := c.(map[string]any)
		values, _ := cm[sh.values].(map[string]any)
		key := numberKey(cm[sh.listID]) + "/" + numberKey(cm[sh.id])
		rec := maps.Clone(values)
		if rec == nil {
			rec = map[string]any{}
		}
		// The answered id is part of the contact: it must not change either.
		rec["("+sh.answerID+")"] = cm[sh.answerID]
		contacts[key] = rec
	}
	delete(st, sh.contacts)
	return contacts, st, nil
}

func (d *which50Driver) ignored(string) bool                    { return false }
func (d *which50Driver) matches(_ field, sent, got string) bool { return sent == got }

// --- auregister ---

type auregisterDriver struct{ c credentials }

func (d *auregisterDriver) name() string { return specs.Auregister }

const auregisterFirstID = 9000001

func (d *auregisterDriver) keys(groups, size int) [][]string {
	return numbered(groups, size, func(i int) string { return strconv.Itoa(auregisterFirstID + i) })
}

// fields are read from the spec: the free-text properties of the update (strings without a
// format, enum or pattern) that a People contact accepts by the rule table x-contact-type-rules,
// leaving out those that must match the stored contact. A property added to the spec is written
// by the load with no change here.
func (d *auregisterDriver) fields() []field { return auregisterFields() }

var auregisterFields = sync.OnceValue(func() []field {
	doc, err := specs.Shared(specs.Auregister)
	if err != nil {
		panic(err) // the embedded spec loads, or nothing in this module works
	}
	rules, err := specs.ReadContactTypeRules(doc, "ContactUpdate")
	if err != nil {
		panic(err)
	}
	update := doc.Components.Schemas["ContactUpdate"].Value
	var out []field
	for _, name := range slices.Sorted(maps.Keys(update.Properties)) {
		s := update.Properties[name].Value
		if s.Type.Is("string") && s.Format == "" && len(s.Enum) == 0 && s.Pattern == "" &&
			rules.Allows(string(auregister.ContactTypePeople), name) && !slices.Contains(rules.MatchStored, name) {
			out = append(out, field{name, kindText})
		}
	}
	return out
})

func (d *auregisterDriver) multi() (bool, bool) { return false, false }

func (d *auregisterDriver) fixtures(groups, size int) (any, error) {
	// A fixture contact carries every property of the spec's Contact, null when unset: the
	// property list comes from the spec, not from here.
	doc, err := specs.Shared(specs.Auregister)
	if err != nil {
		return nil, err
	}
	ref := doc.Components.Schemas["Contact"]
	if ref == nil || ref.Value == nil {
		return nil, errors.New("auregister spec has no Contact schema")
	}
	var contacts []map[string]any
	for _, key := range slices.Concat(d.keys(groups, size)...) {
		c := map[string]any{}
		for name := range ref.Value.Properties {
			c[name] = nil
		}
		id, _ := strconv.Atoi(key)
		c["id"], c["contactType"], c["name"] = id, string(auregister.ContactTypePeople), "Load Contact "+key
		contacts = append(contacts, c)
	}
	return map[string]any{"addresses": []any{map[string]any{"id": 1, "label": "load"}}, "contacts": contacts}, nil
}

func (d *auregisterDriver) newClient(base string, opts ...apiclient.Option) (writer, error) {
	c, err := newClient[*auregister.ContactsClient](d.c, specs.Auregister, base, opts...)
	if err != nil {
		return nil, err
	}
	return auregisterWriter{c}, nil
}

type auregisterWriter struct{ c *auregister.ContactsClient }

func (w auregisterWriter) write(ctx context.Context, values map[string]map[string]string) (map[string]map[string]any, error) {
	if len(values) != 1 {
		return nil, fmt.Errorf("auregister: one contact per update, not %d", len(values))
	}
	key := slices.Collect(maps.Keys(values))[0]
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return nil, err
	}
	var u auregister.ContactUpdate
	if err := fromMap(values[key], &u); err != nil {
		return nil, err
	}
	c, err := w.c.UpdateContact(ctx, id, u, auregister.ForContactType(auregister.ContactTypePeople))
	if err != nil {
		return nil, err
	}
	answer, err := toMap(c)
	return map[string]map[string]any{key: answer}, err
}

func (d *auregisterDriver) split(state []byte) (map[string]map[string]any, map[string]any, error) {
	return splitContacts(state, "contacts", func(c map[string]any) string { return numberKey(c["id"]) }, nil)
}

func (d *auregisterDriver) ignored(string) bool                    { return false }
func (d *auregisterDriver) matches(_ field, sent, got string) bool { return sent == got }

// --- helpers ---

// answerError is an update the vendor acknowledged with an answer that contradicts it.
type answerError struct{ msg string }

func (e *answerError) Error() string { return e.msg }

func numbered(groups, size int, name func(int) string) [][]string {
	out := make([][]string, groups)
	for g := range out {
		for i := range size {
			out[g] = append(out[g], name(g*size+i))
		}
	}
	return out
}

func withKey(m map[string]string, k, v string) map[string]string {
	m = maps.Clone(m)
	m[k] = v
	return m
}

// fromMap fills a generated request type from wire names, through its JSON tags, so that no
// field list is restated here.
func fromMap(m map[string]string, v any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a field name the type does not know is a bug here, not a value
	return dec.Decode(v)
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// numberKey renders a JSON number as a key ("1001").
func numberKey(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// splitContacts cuts state into the contacts of member (an array of objects, keyed by key) and
// the rest, without the members drop.
func splitContacts(state []byte, member string, key func(map[string]any) string, drop []string) (map[string]map[string]any, map[string]any, error) {
	var st map[string]any
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, nil, fmt.Errorf("state: %w", err)
	}
	list, ok := st[member].([]any)
	if !ok {
		return nil, nil, fmt.Errorf("state has no %q array", member)
	}
	contacts := make(map[string]map[string]any, len(list))
	for i, c := range list {
		cm, ok := c.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("state: %s[%d] is not an object", member, i)
		}
		contacts[key(cm)] = cm
	}
	delete(st, member)
	for _, d := range drop {
		delete(st, d)
	}
	return contacts, st, nil
}
