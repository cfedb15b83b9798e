package conformance_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/nullable"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/framework"
	mockauregister "github.com/contactapis/contactapis/conformance/mock/auregister"
	"github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/specs"
)

// auregister: updateContact (PATCH /contacts/{contactId}), page auregister-patch-contact.txt.
//
// The cases come from the spec, not from this file: the contact-type specs loop over the rule
// table x-contact-type-rules (fields, types, notUpdatable, matchStored, notAViolation, errors),
// the format specs over ContactUpdate's properties (enum, date, iso3166-country, JSON type), the
// example specs over the operation's examples, and every expected error is its catalogue entry
// rendered. A row added to the table is a new rule, new specs and a new line in coverage.yaml.
//
// Which specs run where:
//   - live-safe: requests that cannot write whatever the vendor does with them (no or a wrong
//     token, a body that is no JSON or not sent as JSON, an empty update of a contact that does
//     not exist, an unknown route read with GET) and client-side refusals that never reach the
//     network;
//   - mutating: updates of the fixture contact (CONTACTAPIS_AUREGISTER_CONTACT_ID live; on the
//     mocks the page's own contact, the contactId example of the spec), meant to write, or
//     refusals of a well-formed update that a vendor reading the page otherwise would apply;
//   - negative but not live-safe: well-formed JSON that the spec refuses in the body check (a bad
//     date, an unknown enum value): they run live only with --allow-mutations, as a vendor that
//     accepted them would write;
//   - mock-only: effects checked through the mock's State, the fault injection, and contacts of
//     other types (Company, Other Entity, Joint Member), which only the mock's fixtures provide
//     (conformance/mock/auregister/fixtures.json); they are looked up in State by type, never
//     named here.
//
// Stored values are read with an empty update (PATCH {}), which the spec makes a no-op that
// answers the whole contact: it works on every target, where State works on mocks only.

// aureg is what this file derives its cases from, read once while the tree is built. The spec
// linter (specs/specs_test.go) guarantees that all of it loads; a failure here is a broken
// checkout, reported before any spec runs.
var aureg = aureadSpec()

type auregSpec struct {
	doc   *openapi3.T
	cat   specs.Catalogue
	op    specs.Operation
	opID  string
	rules specs.ContactTypeRules
	// update is the ContactUpdate schema, which carries the rule table.
	update *openapi3.Schema
	// page is the page's own contact: the contactId example named like the request example.
	pageID   int64
	pageType string
	// requestExamples are the operation's request examples by name, paramExamples the
	// contactId examples; pageAnswer is the 200 answer's one example, the page's response.
	requestExamples map[string]any
	paramExamples   map[string]int64
	pageAnswer      map[string]any
}

// The operations this file covers: the page's update, and the read the spec assumes (through which
// the suite reads state back on every target).
const (
	auregUpdateOp = "updateContact"
	auregReadOp   = "getContact"
)

// auregRuleSchema is the component schema that carries x-contact-type-rules: the update body.
const auregRuleSchema = "ContactUpdate"

func aureadSpec() *auregSpec {
	fail := func(err error) { panic(fmt.Sprintf("auregister conformance: read specs/auregister.yaml: %v", err)) }
	doc, err := specs.Load(specs.Auregister)
	if err != nil {
		fail(err)
	}
	s := &auregSpec{doc: doc, requestExamples: map[string]any{}, paramExamples: map[string]int64{}}
	if s.cat, err = specs.ReadCatalogue(doc); err != nil {
		fail(err)
	}
	if s.rules, err = specs.ReadContactTypeRules(doc, auregRuleSchema); err != nil {
		fail(err)
	}
	s.update = doc.Components.Schemas[auregRuleSchema].Value
	for _, o := range specs.Operations(doc) {
		switch o.Operation.OperationID {
		case auregUpdateOp:
			s.op, s.opID = o, o.Operation.OperationID
		case auregReadOp:
		default:
			fail(fmt.Errorf("this file covers %s and %s; the spec has %s too", auregUpdateOp, auregReadOp, o.Operation.OperationID))
		}
	}
	if s.opID == "" {
		fail(fmt.Errorf("no operation %s", auregUpdateOp))
	}
	for _, media := range s.op.Operation.RequestBody.Value.Content {
		for name, ex := range media.Examples {
			s.requestExamples[name] = ex.Value.Value
		}
	}
	for _, media := range s.op.Operation.Responses.Status(http.StatusOK).Value.Content {
		for _, ex := range media.Examples {
			if s.pageAnswer != nil {
				fail(errors.New("the 200 answer has several examples; the page shows one"))
			}
			s.pageAnswer, _ = ex.Value.Value.(map[string]any)
		}
	}
	for _, p := range s.op.Operation.Parameters {
		if p.Value.In != openapi3.ParameterInPath {
			continue
		}
		for name, ex := range p.Value.Examples {
			n, ok := ex.Value.Value.(float64)
			if !ok {
				fail(fmt.Errorf("path example %q is not a number", name))
			}
			s.paramExamples[name] = int64(n)
		}
	}
	// The page's contact is the one its request example addresses; its type is the one its
	// answer shows.
	for name := range s.requestExamples {
		if id, ok := s.paramExamples[name]; ok {
			s.pageID = id
		}
	}
	s.pageType, _ = s.pageAnswer[s.rules.Property].(string)
	if s.pageID == 0 || s.pageType == "" {
		fail(errors.New("no contactId example named like the request example, or no answer example with a contactType"))
	}
	return s
}

// prop is the schema of a property of the update body.
func (s *auregSpec) prop(name string) *openapi3.Schema { return s.update.Properties[name].Value }

// props lists the update body's properties, sorted, that satisfy keep.
func (s *auregSpec) props(keep func(name string, p *openapi3.Schema) bool) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(s.update.Properties)) {
		if keep(name, s.prop(name)) {
			out = append(out, name)
		}
	}
	return out
}

// entry is a catalogue entry, for declaring a spec's Covers (inside specs, v.Entry is used).
func (s *auregSpec) entry(id string) specs.Entry {
	e, ok := s.cat.ByID(id)
	if !ok {
		panic(fmt.Sprintf("auregister conformance: no catalogue entry %q", id))
	}
	return e
}

// covers is the behaviours an answer with catalogue entry id proves: the entry and its status.
func (s *auregSpec) covers(id string, more ...string) []string {
	return append([]string{framework.CatalogueID(id), framework.StatusID(s.opID, s.entry(id).Status)}, more...)
}

// path is the operation's path for contact id (a string, so that ids no contact has can be
// written too).
func (s *auregSpec) path(id string) string {
	return strings.Replace(s.op.Path, "{contactId}", id, 1)
}

// mediaTypes are the media types the spec declares for the operation's answer of status.
func (s *auregSpec) mediaTypes(status int) []string {
	r := s.op.Operation.Responses.Status(status)
	if r == nil || r.Value == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(r.Value.Content))
}

// Formats of the update body that have their own catalogue entry.
const (
	auregFormatDate    = "date"            // OpenAPI's full-date, the ISO 8601 calendar form
	auregFormatCountry = "iso3166-country" // the spec's own format: an ISO 3166 code or English name
)

const (
	// auregAddressField must name an existing address (the page's addressId row: "Must be a valid
	// existing addressId"); the rule table has no key for that, as the mock's store notes too.
	auregAddressField = "addressId"
	// auregUnknownID is an id no contact or address has: 2^53-1, the largest integer every JSON
	// parser reads exactly and far beyond any register's ids. An empty update of it can write
	// nothing, which makes the specs sending one live-safe.
	auregUnknownID int64 = 1<<53 - 1
	// auregFixtureKey names the live record the mutating specs may change.
	auregFixtureKey = "CONTACT_ID"
	auregPage       = "auregister-patch-contact.txt"
)

// The page's rules that no catalogue entry, status or example names. The contact-type and
// format rules are one per row of the rule table or property of the schema, so the coverage
// matrix grows with the table.
var auregRule = auregisterRules()

type auregRules struct {
	absentUnchanged, nullClears, valueReplaces, emptyStringStored        string
	addressMustExist, responseExample, undeclaredIgnored, orderOfChecks  string
	undeclaredQueryIgnored                                               string
	clientForContactType, clientForContact                               string
	field, notAViolation, notUpdatable, matchStored, enum, date, country map[string]string
}

func auregisterRules() auregRules {
	reg := func(name, doc, summary string) string {
		return framework.RegisterRule(specs.Auregister, name, doc, summary)
	}
	slug := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "-")) }
	table := aureg.rules
	r := auregRules{
		absentUnchanged: reg("partial-update-absent-unchanged", auregPage+": description, second sentence (details left out are not updated); x-doc-discrepancy update-all-versus-partial",
			"a field left out of the body keeps its stored value; an empty body changes nothing"),
		valueReplaces: reg("partial-update-value-replaces", auregPage+": description, first sentence (the details of the contact are updated)",
			"a field sent with a value is stored with that value, and the answer is the whole contact as stored"),
		nullClears: reg("partial-update-null-clears", auregPage+": Request Body example (nil values) and RESPONSES (null values); ContactUpdate x-assumed",
			"a field sent as null is cleared (x-assumed)"),
		emptyStringStored: reg("partial-update-empty-string-stored", auregPage+`: Request Body example and RESPONSES ("" kept apart from null); ContactUpdate description`,
			`a string field sent as "" stores the empty string, not null (x-assumed)`),
		addressMustExist: reg("address-must-exist", table.Fields[auregAddressField].Doc+" (Must be a valid existing addressId)",
			"addressId must name an existing address: one is stored, another refused with unknown-address-id"),
		responseExample: reg("page-response-example", auregPage+": RESPONSES (status: OK, the contact as JSON)",
			"the answer to the page's request example is the page's response example"),
		undeclaredIgnored: reg("undeclared-properties-ignored", auregPage+`: Request Body table, row "placeOfIncorportaion" (misspelt); x-doc-discrepancy place-of-incorporation-spelling`,
			"properties the spec does not declare (the table's misspelling, other case, other names) are ignored: nothing changes (x-assumed)"),
		undeclaredQueryIgnored: reg("undeclared-query-ignored", auregPage+": no query parameter documented; the spec declares none (x-assumed)",
			"a query string the operation does not declare, even one that is not UTF-8, is ignored: the request is judged as it would be without it (x-assumed)"),
		orderOfChecks: reg("order-of-checks", auregPage+": no order documented; updateContact's description x-assumed",
			"a request with several faults is answered for the first check in the spec's order, and within a check for the first field by wire name (x-assumed)"),
		clientForContactType: reg("client-for-contact-type-refuses-before-sending", auregPage+`: Request Body table, column "Constraints" (gen/auregister ForContactType)`,
			"the typed client told the stored contactType refuses what the table forbids before sending, with the vendor's entry and message"),
		clientForContact: reg("client-for-contact-judges-stored-values", auregPage+": Request Body example (a People contact sends its stored name back; gen/auregister ForContact)",
			"the typed client told the stored contact lets stored values through, as the vendor does, and refuses new values the table forbids"),
		field: map[string]string{}, notAViolation: map[string]string{}, notUpdatable: map[string]string{}, matchStored: map[string]string{},
		enum: map[string]string{}, date: map[string]string{}, country: map[string]string{},
	}
	for _, f := range slices.Sorted(maps.Keys(table.Fields)) {
		rule := table.Fields[f]
		r.field[f] = reg("contact-type-field-"+f, rule.Doc, fmt.Sprintf("%s is accepted for contactType %s only; a new value on another type is refused with %s",
			f, strings.Join(rule.AllowedFor, "/"), table.Errors.NotAllowed))
	}
	for _, kind := range table.NotAViolation {
		r.notAViolation[kind] = reg("contact-type-not-a-violation-"+kind, auregPage+": Request Body example (a People contact sends Company-only fields as nil or \"\" and its stored name) and RESPONSES (status OK); x-doc-discrepancy request-example-breaks-type-rules",
			fmt.Sprintf("%s on a field the contact's type does not allow is accepted and changes nothing (x-assumed)", kind))
	}
	for _, t := range table.NotUpdatable {
		r.notUpdatable[t] = reg("contact-type-not-updatable-"+slug(t), auregPage+": description, constraint line (contactType cannot be "+t+"); x-doc-discrepancy joint-member-spelling",
			fmt.Sprintf("every update of a %s contact is refused with %s, whatever the body", t, table.Errors.NotUpdatable))
	}
	for _, p := range table.MatchStored {
		r.matchStored[p] = reg("contact-type-match-stored-"+p, auregPage+": Request Body example (id and contactType sent; the table lists neither); x-doc-discrepancy id-and-contact-type-in-body",
			fmt.Sprintf("%s may be sent only with the stored contact's value; another is refused with %s (x-assumed)", p, table.Errors.MatchStored))
	}
	doc := func(f string) string {
		if rule, ok := table.Fields[f]; ok {
			return rule.Doc
		}
		return auregPage + ": Request Body example, key \"" + f + "\""
	}
	for _, f := range aureg.props(func(_ string, p *openapi3.Schema) bool { return len(p.Enum) > 0 }) {
		r.enum[f] = reg("enum-"+f, doc(f), fmt.Sprintf("%s takes exactly the values %s (or null); others are refused with invalid-enum-value", f, auregEnum(f)))
	}
	for _, f := range aureg.props(func(_ string, p *openapi3.Schema) bool { return p.Format == auregFormatDate }) {
		r.date[f] = reg("iso8601-date-"+f, doc(f)+" (ISO 8601 date)", f+" takes an ISO 8601 calendar date YYYY-MM-DD that exists; others are refused with invalid-date")
	}
	for _, f := range aureg.props(func(_ string, p *openapi3.Schema) bool { return p.Format == auregFormatCountry }) {
		r.country[f] = reg("iso3166-country-"+f, doc(f)+" (ISO 3166 country code/name)", f+" takes an ISO 3166 alpha-2 or alpha-3 code or English name, in any case; others are refused with invalid-country")
	}
	return r
}

// auregEnum is a property's enumeration written as invalid-enum-value's {allowedValues}: joined
// with "/", as the page writes its lists (the entry's x-assumed).
func auregEnum(field string) string {
	var values []string
	for _, v := range auregEnumValues(field) {
		values = append(values, fmt.Sprint(v))
	}
	return strings.Join(values, "/")
}

// auregEnumValues is a property's enumeration without null: OpenAPI 3.0.3 lists null in the enum
// of a nullable property whose example is null, but null is the "not recorded" value, not one of
// the page's list.
func auregEnumValues(field string) []any {
	var out []any
	for _, v := range aureg.prop(field).Enum {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}

// auregExpectedType names a schema's JSON type as invalid-field-type's {expectedType} does
// ("string", "integer", "array of integers").
func auregExpectedType(s *openapi3.Schema) string {
	if s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil {
		return "array of " + auregExpectedType(s.Items.Value) + "s"
	}
	return s.Type.Slice()[0]
}

// auregWrongType is a value of another JSON type than the schema's: a number for a string, a
// string for an integer, an array of strings for an array of integers; null where null is not
// allowed.
func auregWrongType(s *openapi3.Schema) []any {
	var out []any
	switch {
	case s.Type.Is(openapi3.TypeString):
		out = append(out, 5, true)
	case s.Type.Is(openapi3.TypeInteger):
		out = append(out, "1", 1.5)
	case s.Type.Is(openapi3.TypeArray):
		out = append(out, []string{"x"}, "1")
	}
	if !s.Nullable {
		out = append(out, nil)
	}
	return out
}

// auregPlainString reports whether "" is a valid value of a property: a string without an
// enumeration or format (the table's description: "" for the others is refused by the body
// check first).
func auregPlainString(field string) bool {
	p := aureg.prop(field)
	return p.Type.Is(openapi3.TypeString) && len(p.Enum) == 0 && p.Format == ""
}

// auregContact is "a People contact", "an Other Entity contact", for spec names.
func auregContact(typ string) string {
	if strings.ContainsRune("AEIOU", rune(typ[0])) {
		return "an " + typ + " contact"
	}
	return "a " + typ + " contact"
}

// auregTypeLabels are the labels of a spec on a contact of type typ that writes: only the page's
// type has a live fixture, so specs on another type need the mock's fixtures.
func auregTypeLabels(typ string, more ...framework.Label) []framework.Label {
	labels := append([]framework.Label{framework.Mutating}, more...)
	if typ != aureg.pageType {
		labels = append(labels, framework.MockOnly)
	}
	return labels
}

// auregFields is a contact's properties by wire name, as JSON.
func auregFields(c auregister.Contact) map[string]json.RawMessage {
	raw, err := json.Marshal(c)
	Expect(err).NotTo(HaveOccurred())
	var m map[string]json.RawMessage
	Expect(json.Unmarshal(raw, &m)).To(Succeed())
	return m
}

// auregJSON is v as JSON text, for MatchJSON.
func auregJSON(v any) string {
	raw, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return string(raw)
}

// auregWith is contact c with the given properties replaced, as JSON text.
func auregWith(c auregister.Contact, changes map[string]json.RawMessage) string {
	m := auregFields(c)
	maps.Copy(m, changes)
	return auregJSON(m)
}

// auregBody is an update body of raw JSON values.
func auregBody(fields map[string]json.RawMessage) []byte {
	raw, err := json.Marshal(fields)
	Expect(err).NotTo(HaveOccurred())
	return raw
}

// auregUpdate is the typed update of a body, so that success paths go through the typed client;
// nullable fields keep absent, null and value apart exactly as the body had them.
func auregUpdate(fields map[string]json.RawMessage) auregister.ContactUpdate {
	var u auregister.ContactUpdate
	Expect(json.Unmarshal(auregBody(fields), &u)).To(Succeed())
	return u
}

func auregRaw(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return raw
}

// auregSameJSON reports whether two JSON texts are the same value (objects re-encode with
// sorted keys, so equal values give equal bytes).
func auregSameJSON(a, b json.RawMessage) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ra, errA := json.Marshal(va)
	rb, errB := json.Marshal(vb)
	return errA == nil && errB == nil && string(ra) == string(rb)
}

// auregOther is a, unless the nullable holds a already, then b: a value that is sure to change
// the field.
func auregOther(n nullable.Nullable[string], a, b string) string {
	if v, err := n.Get(); err == nil && v == a {
		return b
	}
	return a
}

// auregNoSend is an HTTP doer that sends nothing: it counts the requests a client tried to make
// and fails each, so a client-side refusal is proven to have kept the request off the network,
// on any target.
type auregNoSend struct{ tries atomic.Int32 }

var errAuregNotSent = errors.New("conformance: request kept off the network")

func (n *auregNoSend) Do(*http.Request) (*http.Response, error) {
	n.tries.Add(1)
	return nil, errAuregNotSent
}

// auregHelper holds this file's triggering patterns around the vendor handle.
type auregHelper struct{ v *framework.Vendor }

// fixtureID is the contact the mutating specs may change.
func (h *auregHelper) fixtureID() int64 {
	GinkgoHelper()
	raw := h.v.Fixture(auregFixtureKey, strconv.FormatInt(aureg.pageID, 10))
	id, err := strconv.ParseInt(raw, 10, 64)
	Expect(err).NotTo(HaveOccurred(), "CONTACTAPIS_AUREGISTER_CONTACT_ID must be an integer contact id")
	return id
}

func (h *auregHelper) client() *auregister.ContactsClient { return h.v.Auregister() }

// send is a raw request to path below the base URL, with the account's token when auth.
func (h *auregHelper) send(ctx context.Context, method, path, contentType string, body []byte, auth bool) (*http.Response, []byte) {
	GinkgoHelper()
	r := h.v.NewRequest(ctx, method, path, contentType, body)
	if auth {
		h.v.Authorize(ctx, r)
	}
	return h.v.Do(r)
}

// patch sends body as JSON to contact id, authorised.
func (h *auregHelper) patch(ctx context.Context, id int64, body []byte) (*http.Response, []byte) {
	GinkgoHelper()
	return h.send(ctx, http.MethodPatch, aureg.path(strconv.FormatInt(id, 10)), "application/json", body, true)
}

// update sends u through the typed client and returns the stored contact.
func (h *auregHelper) update(ctx context.Context, id int64, u auregister.ContactUpdate) auregister.Contact {
	GinkgoHelper()
	got, err := h.client().UpdateContact(ctx, id, u)
	Expect(err).NotTo(HaveOccurred(), "update of contact %d", id)
	return *got
}

// read is the stored contact, read through the vendor's own API (getContact), on every target.
func (h *auregHelper) read(ctx context.Context, id int64) auregister.Contact {
	GinkgoHelper()
	got, err := h.client().GetContact(ctx, id)
	Expect(err).NotTo(HaveOccurred(), "read of contact %d", id)
	return *got
}

// state is the mock's whole store.
func (h *auregHelper) state(ctx context.Context) string {
	GinkgoHelper()
	raw, err := h.v.Admin().State(ctx)
	Expect(err).NotTo(HaveOccurred())
	return string(raw)
}

type auregState struct {
	Addresses []struct {
		ID int64 `json:"id"`
	} `json:"addresses"`
	Contacts []auregister.Contact `json:"contacts"`
}

func (h *auregHelper) stateOf(ctx context.Context) auregState {
	GinkgoHelper()
	var st auregState
	Expect(json.Unmarshal([]byte(h.state(ctx)), &st)).To(Succeed(), "mock state")
	return st
}

// contacts are the contacts a spec compares before and after: every contact of the mock's store
// where the target has the admin API, else the contacts the user named (typedFixtures), read
// through the vendor's own API; in the same order on every call.
func (h *auregHelper) contacts(ctx context.Context) []auregister.Contact {
	GinkgoHelper()
	if h.v.HasAdmin() {
		return h.stateOf(ctx).Contacts
	}
	return h.typedFixtures(ctx)
}

// snapshot is what a spec that must change nothing compares before and after: the mock's whole
// store (addresses too) where the target has the admin API, else the named contacts as the
// vendor's own read shows them.
func (h *auregHelper) snapshot(ctx context.Context) string {
	GinkgoHelper()
	if h.v.HasAdmin() {
		return h.state(ctx)
	}
	return auregJSON(h.typedFixtures(ctx))
}

// auregTypeKey is the optional fixture key naming a contact of type typ: CONTACT_ID_PEOPLE,
// CONTACT_ID_JOINT_MEMBER, ... (suiteconfig.OptionalFixtureKeys, shared with drift probe).
func auregTypeKey(typ string) string {
	return auregFixtureKey + "_" + strings.ToUpper(strings.ReplaceAll(typ, " ", "_"))
}

// typedFixtures are the contacts the user named (CONTACT_ID and each CONTACT_ID_<TYPE> set), read
// through the vendor's API, CONTACT_ID first.
func (h *auregHelper) typedFixtures(ctx context.Context) []auregister.Contact {
	GinkgoHelper()
	ids := []int64{h.fixtureID()}
	for _, typ := range aureg.rules.Types {
		raw, ok := h.v.FixtureSet(auregTypeKey(typ))
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(raw, 10, 64)
		Expect(err).NotTo(HaveOccurred(), "CONTACTAPIS_AUREGISTER_%s must be an integer contact id", auregTypeKey(typ))
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	out := make([]auregister.Contact, len(ids))
	for i, id := range ids {
		out[i] = h.readAny(ctx, id)
	}
	return out
}

// readAny is read: getContact reads contacts of every type, Joint Members included.
func (h *auregHelper) readAny(ctx context.Context, id int64) auregister.Contact {
	GinkgoHelper()
	return h.read(ctx, id)
}

// restoreAfter reads every contact the spec may change (the fixture contact and each named
// CONTACT_ID_<TYPE>; on a mock also every contact of its store) through the vendor's API, and
// registers a cleanup that writes back each one the spec changed: its stored values of every
// property the update schema takes, which the type rules accept as unchanged. A contact of a type
// no update may touch cannot have changed.
func (h *auregHelper) restoreAfter(ctx context.Context) {
	GinkgoHelper()
	before := h.typedFixtures(ctx)
	if h.v.HasAdmin() {
		for _, c := range h.stateOf(ctx).Contacts {
			if !slices.ContainsFunc(before, func(b auregister.Contact) bool { return b.ID == c.ID }) {
				before = append(before, c)
			}
		}
	}
	DeferCleanup(func(ctx SpecContext) {
		for _, c := range before {
			if slices.Contains(aureg.rules.NotUpdatable, string(c.ContactType)) {
				continue
			}
			if now := h.read(ctx, c.ID); auregJSON(now) == auregJSON(c) {
				continue
			}
			fields := map[string]json.RawMessage{}
			for name, raw := range auregFields(c) {
				if _, ok := aureg.update.Properties[name]; ok {
					fields[name] = raw
				}
			}
			resp, body := h.patch(ctx, c.ID, auregBody(fields))
			Expect(resp.StatusCode).To(Equal(http.StatusOK), "restore contact %d: %s", c.ID, body)
			Expect(auregJSON(h.read(ctx, c.ID))).To(MatchJSON(auregJSON(c)), "contact %d restored", c.ID)
		}
	})
}

// contactOfType is a contact of type typ to update. Without an admin API (live, or a url target
// that is not a tools/mockserver): the fixture contact when it has that type, else the contact
// CONTACT_ID_<TYPE> names, read through the vendor's API (the spec is skipped when neither is of
// the type, naming the variable to set). On a mock: the fixture contact if it has the type, else
// the first fixture of the type in State.
func (h *auregHelper) contactOfType(ctx context.Context, typ string) auregister.Contact {
	GinkgoHelper()
	id := h.fixtureID()
	if !h.v.HasAdmin() {
		for _, c := range h.typedFixtures(ctx) {
			if string(c.ContactType) == typ {
				return c
			}
		}
		Skip(fmt.Sprintf("no named contact is a %s: set CONTACTAPIS_AUREGISTER_%s to one the suite may change", typ, auregTypeKey(typ)))
	}
	var found *auregister.Contact
	for _, c := range h.stateOf(ctx).Contacts {
		if string(c.ContactType) == typ && (found == nil || c.ID == id) {
			found = &c
		}
	}
	if found == nil {
		Fail(fmt.Sprintf("the mock's fixtures hold no %s contact", typ))
	}
	return *found
}

// addresses are the ids of the addresses known to exist: on a mock, its store's; without an admin
// API, the addresses of the contacts the user named (read through the vendor's API), so that a
// second named contact with another address gives a value to move a contact to.
func (h *auregHelper) addresses(ctx context.Context) []int64 {
	GinkgoHelper()
	if !h.v.HasAdmin() {
		var ids []int64
		for _, c := range h.typedFixtures(ctx) {
			if a, err := c.AddressID.Get(); err == nil && !slices.Contains(ids, a) {
				ids = append(ids, a)
			}
		}
		return ids
	}
	var ids []int64
	for _, a := range h.stateOf(ctx).Addresses {
		ids = append(ids, a.ID)
	}
	return ids
}

// sample is a valid value of field that differs from stored, derived from the field's schema;
// false when none is known (a second address on a live target).
func (h *auregHelper) sample(ctx context.Context, field string, stored json.RawMessage) (json.RawMessage, bool) {
	GinkgoHelper()
	var addresses []int64
	if field == auregAddressField {
		addresses = h.addresses(ctx)
	}
	return auregSample(field, stored, addresses)
}

// auregSample is sample with the existing addresses given (none: no addressId is known).
func auregSample(field string, stored json.RawMessage, addresses []int64) (json.RawMessage, bool) {
	p := aureg.prop(field)
	var candidates []any
	switch {
	case len(p.Enum) > 0:
		candidates = auregEnumValues(field)
	case p.Format == auregFormatDate:
		candidates = []any{"1999-01-01", "1999-01-02"}
	case p.Format == auregFormatCountry:
		candidates = []any{"NZ", "FJ"}
	case field == auregAddressField:
		for _, id := range addresses {
			candidates = append(candidates, id)
		}
	case p.Type.Is(openapi3.TypeInteger):
		candidates = []any{1, 2}
	case p.Type.Is(openapi3.TypeString):
		candidates = []any{"conformance " + field, "conformance " + field + " 2"}
	}
	for _, c := range candidates {
		if raw, err := json.Marshal(c); err == nil && !auregSameJSON(raw, stored) {
			return raw, true
		}
	}
	return nil, false
}

// auregNoOpValue is the value a notAViolation kind of the table stands for on field; false where the
// kind cannot apply (emptyString on a field with an enum or format).
func auregNoOpValue(kind, field string, stored json.RawMessage) (json.RawMessage, bool) {
	switch kind {
	case specs.NotAViolationNull:
		return json.RawMessage("null"), true
	case specs.NotAViolationEmptyString:
		return json.RawMessage(`""`), auregPlainString(field)
	case specs.NotAViolationUnchanged:
		return stored, true
	}
	Fail(fmt.Sprintf("the rule table names notAViolation %q, which this file does not know", kind))
	return nil, false
}

// expectEntry checks an error answer: the entry's status, a media type the spec declares for it,
// its code, its message rendered with args, and the field it names ("" for none).
func (h *auregHelper) expectEntry(resp *http.Response, body []byte, id string, args map[string]string, field string) {
	GinkgoHelper()
	entry := h.v.Entry(id)
	want, err := entry.Render(args)
	Expect(err).NotTo(HaveOccurred(), "render %s", id)
	Expect(resp.StatusCode).To(Equal(entry.Status), "status of %s", id)
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	Expect(aureg.mediaTypes(entry.Status)).To(ContainElement(mt), "media type of %s", id)
	var eb auregister.ErrorBody
	Expect(json.Unmarshal(body, &eb)).To(Succeed(), "JSON error body")
	Expect(eb.Message).To(Equal(want), "message of %s", id)
	Expect(eb.Code).To(Equal(entry.Code), "code of %s", id)
	if field == "" {
		Expect(eb.Field).To(BeNil(), "field of %s", id)
	} else {
		Expect(eb.Field).To(HaveValue(Equal(field)), "field of %s", id)
	}
}

// auregRouteArgs are route-not-found's placeholder values for a request of method to path (below the
// base URL). Rails names the path as requested: below a base URL with a path prefix that is the
// full path, on the mocks (served below /auregister) the path below the base URL. The answer says
// which; either must then match exactly.
func auregRouteArgs(resp *http.Response, body []byte, method, path string) map[string]string {
	GinkgoHelper()
	full := map[string]string{"method": method, "path": resp.Request.URL.Path}
	var eb auregister.ErrorBody
	if json.Unmarshal(body, &eb) == nil && strings.HasSuffix(eb.Message, `"`+full["path"]+`"`) {
		return full
	}
	return map[string]string{"method": method, "path": path}
}

// expectContact checks a success answer and returns the contact.
func auregExpectContact(resp *http.Response, body []byte) auregister.Contact {
	GinkgoHelper()
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "status")
	var c auregister.Contact
	Expect(json.Unmarshal(body, &c)).To(Succeed(), "contact")
	return c
}

// noSendClient is a typed client whose requests never leave the process.
func (h *auregHelper) noSendClient() (*auregister.ContactsClient, *auregNoSend) {
	GinkgoHelper()
	n := &auregNoSend{}
	c, err := auregister.NewContactsClient(h.v.BaseURL(), apiclient.NewSecret("conformance-never-sent-token"),
		apiclient.WithHTTPClient(n), apiclient.WithRetryPolicy(apiclient.NoRetry()))
	Expect(err).NotTo(HaveOccurred())
	return c, n
}

// expectRuleError checks a client-side refusal: a *RuleError whose violations are want (entry
// id, field, placeholder values), each with the entry's status and rendered message, matching
// the entry id and status sentinel with errors.Is.
func (h *auregHelper) expectRuleError(err error, want []auregViolation) {
	GinkgoHelper()
	var re *auregister.RuleError
	Expect(errors.As(err, &re)).To(BeTrue(), "want a *RuleError, got %v", err)
	var got []auregister.Violation
	for _, w := range want {
		entry := h.v.Entry(w.entry)
		msg, rerr := entry.Render(w.args)
		Expect(rerr).NotTo(HaveOccurred())
		got = append(got, auregister.Violation{ID: entry.ID, Status: entry.Status, Field: w.field, Message: msg})
		Expect(errors.Is(err, apiclient.CatalogueID(entry.ID))).To(BeTrue(), "errors.Is %s", entry.ID)
		Expect(errors.Is(err, apiclient.StatusSentinel(entry.Status))).To(BeTrue(), "errors.Is status %d", entry.Status)
	}
	Expect(re.Violations).To(Equal(got))
}

type auregViolation struct {
	entry, field string
	args         map[string]string
}

var _ = Describe("auregister", func() {
	v := framework.NewVendor(specs.Auregister)
	var h *auregHelper
	BeforeEach(func(ctx SpecContext) {
		h = &auregHelper{v: v}
		// A mutating spec on a target whose state outlives the run (a url target, live) leaves
		// the records as it found them, also when it fails: the embedded mocks are thrown away.
		if v.Target() != framework.Embedded && v.MayMutate() && slices.Contains(CurrentSpecReport().Labels(), string(framework.Mutating)) {
			h.restoreAfter(ctx)
		}
	})

	op := aureg.opID
	rules := aureg.rules
	ok200 := framework.StatusID(op, http.StatusOK)

	Context("partial update", func() {
		v.ConformanceIt(framework.Spec{
			Must:      "an update MUST store the fields it sends and leave every absent field as stored",
			Operation: op,
			Covers:    []string{auregRule.absentUnchanged, auregRule.valueReplaces, ok200},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			before := h.read(ctx, h.fixtureID())
			mobile := auregOther(before.Mobile, "0400000000", "0400000001")
			phone1 := auregOther(before.Phone1, "0390000000", "0390000001")
			var u auregister.ContactUpdate
			u.Mobile.Set(mobile)
			u.Phone1.Set(phone1)
			got := h.update(ctx, before.ID, u)
			Expect(got.Mobile.Get()).To(Equal(mobile))
			Expect(got.Phone1.Get()).To(Equal(phone1))
			Expect(auregJSON(got)).To(MatchJSON(auregWith(before, map[string]json.RawMessage{"mobile": auregRaw(mobile), "phone1": auregRaw(phone1)})))
			Expect(auregJSON(h.read(ctx, before.ID))).To(MatchJSON(auregJSON(got)), "read back")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a field sent as null MUST be cleared, every other field kept",
			Operation: op,
			Covers:    []string{auregRule.nullClears, auregRule.absentUnchanged, ok200},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			stored := h.read(ctx, h.fixtureID())
			var set auregister.ContactUpdate
			set.Email.Set(auregOther(stored.Email, "conformance@example.com", "conformance2@example.com"))
			before := h.update(ctx, stored.ID, set) // so that there is something to clear
			var clear auregister.ContactUpdate
			clear.Email.SetNull()
			got := h.update(ctx, stored.ID, clear)
			Expect(got.Email.IsNull()).To(BeTrue(), "email is null")
			Expect(auregJSON(got)).To(MatchJSON(auregWith(before, map[string]json.RawMessage{"email": json.RawMessage("null")})))
		})

		v.ConformanceIt(framework.Spec{
			Must:      `a string field sent as "" MUST be stored as the empty string, not as null`,
			Operation: op,
			Covers:    []string{auregRule.emptyStringStored, ok200},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			stored := h.read(ctx, h.fixtureID())
			var set auregister.ContactUpdate
			set.Phone2.Set(auregOther(stored.Phone2, "0390000002", "0390000003"))
			before := h.update(ctx, stored.ID, set)
			var empty auregister.ContactUpdate
			empty.Phone2.Set("")
			got := h.update(ctx, stored.ID, empty)
			Expect(got.Phone2.IsNull()).To(BeFalse(), "phone2 is not null")
			Expect(got.Phone2.Get()).To(Equal(""))
			Expect(auregJSON(got)).To(MatchJSON(auregWith(before, map[string]json.RawMessage{"phone2": json.RawMessage(`""`)})))
		})

		v.ConformanceIt(framework.Spec{
			Must:      "the store MUST hold the answered contact after an update of absent, null, empty and new values, and no other contact may change",
			Operation: op,
			Covers:    []string{auregRule.absentUnchanged, auregRule.valueReplaces, auregRule.nullClears, auregRule.emptyStringStored, ok200},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			id := h.fixtureID()
			before := h.contacts(ctx)
			var u auregister.ContactUpdate
			u.Mobile.Set("0400000009")
			u.Email.SetNull()
			u.TaxNumber.Set("")
			got := h.update(ctx, id, u)
			Expect(got.Mobile.Get()).To(Equal("0400000009"))
			Expect(got.Email.IsNull()).To(BeTrue(), "email cleared")
			Expect(got.TaxNumber.Get()).To(Equal(""))
			after := h.contacts(ctx)
			Expect(after).To(HaveLen(len(before)))
			for i, c := range after {
				if c.ID == id {
					Expect(auregJSON(c)).To(MatchJSON(auregJSON(got)), "stored contact %d", id)
					Expect(auregJSON(c)).To(MatchJSON(auregWith(before[i], map[string]json.RawMessage{
						"mobile": auregRaw("0400000009"), "email": json.RawMessage("null"), "taxNumber": json.RawMessage(`""`)})))
					continue
				}
				Expect(auregJSON(c)).To(MatchJSON(auregJSON(before[i])), "contact %d", c.ID)
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "an empty update MUST change nothing and answer the contact as stored",
			Operation: op,
			Covers:    []string{auregRule.absentUnchanged, ok200},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			id := h.fixtureID()
			stored := h.read(ctx, id)
			before := h.snapshot(ctx)
			resp, body := h.patch(ctx, id, []byte(`{}`))
			Expect(auregJSON(auregExpectContact(resp, body))).To(MatchJSON(auregJSON(stored)), "answered contact")
			Expect(h.snapshot(ctx)).To(MatchJSON(before), "store unchanged")
		})
	})

	Context("the page's examples", func() {
		for _, name := range slices.Sorted(maps.Keys(aureg.requestExamples)) {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("the page's request example %q MUST succeed as printed and answer the page's response example", name),
				Operation: op,
				Covers: []string{framework.ExampleID(op, name), ok200, auregRule.responseExample,
					auregRule.notAViolation[specs.NotAViolationUnchanged], auregRule.notAViolation[specs.NotAViolationNull], auregRule.notAViolation[specs.NotAViolationEmptyString]},
				Labels: []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				id, ok := aureg.paramExamples[name]
				Expect(ok).To(BeTrue(), "the spec has no contactId example %q", name)
				if fixture := h.fixtureID(); fixture != id {
					Skip(fmt.Sprintf("the example addresses contact %d; the fixture contact is %d", id, fixture))
				}
				answer := aureg.pageAnswer
				body := auregRaw(aureg.requestExamples[name])
				// As printed: the example's bytes, every key and null as the page has them.
				resp, got := h.patch(ctx, id, body)
				Expect(resp.StatusCode).To(Equal(http.StatusOK))
				var gotMap map[string]any
				Expect(json.Unmarshal(got, &gotMap)).To(Succeed())
				Expect(auregJSON(v.Declared(op, http.StatusOK, gotMap))).To(MatchJSON(auregJSON(answer)))
				// And through the typed client, which must send the same nulls and "".
				var u auregister.ContactUpdate
				Expect(json.Unmarshal(body, &u)).To(Succeed())
				Expect(auregJSON(u)).To(MatchJSON(body), "the typed update encodes the example unchanged")
				Expect(auregJSON(h.update(ctx, id, u))).To(MatchJSON(auregJSON(answer)))
			})

			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("after the page's request example %q the store MUST hold the page's response example", name),
				Operation: op,
				Covers:    []string{framework.ExampleID(op, name), auregRule.responseExample},
				Labels:    []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				id := aureg.paramExamples[name]
				if fixture := h.fixtureID(); fixture != id {
					Skip(fmt.Sprintf("the example addresses contact %d; the fixture contact is %d", id, fixture))
				}
				resp, _ := h.patch(ctx, id, auregRaw(aureg.requestExamples[name]))
				Expect(resp.StatusCode).To(Equal(http.StatusOK))
				Expect(auregJSON(h.read(ctx, id))).To(MatchJSON(auregJSON(aureg.pageAnswer)), "stored contact (getContact)")
			})
		}
	})

	Context("contact-type rules (x-contact-type-rules on ContactUpdate)", func() {
		notAllowed := rules.Errors.NotAllowed
		for _, field := range slices.Sorted(maps.Keys(rules.Fields)) {
			for _, typ := range rules.Types {
				if !rules.Updatable(typ) {
					continue
				}
				if rules.Allows(typ, field) {
					v.ConformanceIt(framework.Spec{
						Must:      fmt.Sprintf("%s MUST store a new %s", auregContact(typ), field),
						Operation: op,
						Covers:    []string{auregRule.field[field], auregRule.valueReplaces, ok200},
						Labels:    auregTypeLabels(typ),
					}, func(ctx SpecContext) {
						c := h.contactOfType(ctx, typ)
						value, ok := h.sample(ctx, field, auregFields(c)[field])
						if !ok {
							Skip(fmt.Sprintf("no second valid %s is known on this target", field))
						}
						got := h.update(ctx, c.ID, auregUpdate(map[string]json.RawMessage{field: value}))
						Expect(auregJSON(got)).To(MatchJSON(auregWith(c, map[string]json.RawMessage{field: value})))
					})
					v.ConformanceIt(framework.Spec{
						Must:      fmt.Sprintf("%s MUST clear %s sent as null", auregContact(typ), field),
						Operation: op,
						Covers:    []string{auregRule.field[field], auregRule.nullClears, ok200},
						Labels:    auregTypeLabels(typ, framework.Assumed),
					}, func(ctx SpecContext) {
						c := h.contactOfType(ctx, typ)
						if stored := auregFields(c)[field]; string(stored) == "null" {
							value, ok := h.sample(ctx, field, stored)
							if !ok {
								Skip(fmt.Sprintf("%s is null and no valid %s is known on this target", field, field))
							}
							c = h.update(ctx, c.ID, auregUpdate(map[string]json.RawMessage{field: value}))
						}
						got := h.update(ctx, c.ID, auregUpdate(map[string]json.RawMessage{field: json.RawMessage("null")}))
						Expect(auregJSON(got)).To(MatchJSON(auregWith(c, map[string]json.RawMessage{field: json.RawMessage("null")})))
					})
					continue
				}

				v.ConformanceIt(framework.Spec{
					Must:      fmt.Sprintf("%s MUST refuse a new %s with %s", auregContact(typ), field, notAllowed),
					Operation: op,
					Covers:    aureg.covers(notAllowed, auregRule.field[field]),
					Labels:    auregTypeLabels(typ, framework.Assumed),
				}, func(ctx SpecContext) {
					c := h.contactOfType(ctx, typ)
					value, ok := h.sample(ctx, field, auregFields(c)[field])
					if !ok {
						Skip(fmt.Sprintf("no valid %s is known on this target", field))
					}
					resp, body := h.patch(ctx, c.ID, auregBody(map[string]json.RawMessage{field: value}))
					h.expectEntry(resp, body, notAllowed, map[string]string{"field": field, "contactType": typ}, field)
					Expect(auregJSON(h.read(ctx, c.ID))).To(MatchJSON(auregJSON(c)), "contact unchanged")
				})

				kinds := slices.DeleteFunc(slices.Clone(rules.NotAViolation), func(k string) bool {
					return k == specs.NotAViolationEmptyString && !auregPlainString(field)
				})
				covers := []string{auregRule.field[field], ok200}
				for _, k := range kinds {
					covers = append(covers, auregRule.notAViolation[k])
				}
				v.ConformanceIt(framework.Spec{
					Must:      fmt.Sprintf("%s MUST accept the no-op values %s for %s and change nothing", auregContact(typ), strings.Join(kinds, ", "), field),
					Operation: op,
					Covers:    covers,
					Labels:    auregTypeLabels(typ, framework.Assumed),
				}, func(ctx SpecContext) {
					c := h.contactOfType(ctx, typ)
					stored := auregFields(c)[field]
					for _, kind := range kinds {
						value, _ := auregNoOpValue(kind, field, stored)
						got := h.update(ctx, c.ID, auregUpdate(map[string]json.RawMessage{field: value}))
						Expect(auregJSON(got)).To(MatchJSON(auregJSON(c)), "%s %s=%s", kind, field, value)
					}
				})
			}
		}

		for _, typ := range rules.NotUpdatable {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s MUST refuse every update with %s and change nothing", auregContact(typ), rules.Errors.NotUpdatable),
				Operation: op,
				Covers:    aureg.covers(rules.Errors.NotUpdatable, auregRule.notUpdatable[typ]),
				Labels:    []framework.Label{framework.Mutating, framework.Assumed},
			}, func(ctx SpecContext) {
				c := h.contactOfType(ctx, typ)
				before := h.snapshot(ctx)
				own := auregJSON(h.read(ctx, c.ID))
				email, _ := h.sample(ctx, "email", auregFields(c)["email"])
				for _, body := range [][]byte{
					[]byte(`{}`), // even an update that changes nothing
					auregBody(map[string]json.RawMessage{"email": email}),
					auregBody(map[string]json.RawMessage{"email": json.RawMessage("null")}),
					[]byte(auregJSON(c)), // the contact's own stored values
				} {
					resp, got := h.patch(ctx, c.ID, body)
					h.expectEntry(resp, got, rules.Errors.NotUpdatable, map[string]string{"contactId": strconv.FormatInt(c.ID, 10)}, "")
				}
				Expect(auregJSON(h.read(ctx, c.ID))).To(MatchJSON(own), "contact %d unchanged", c.ID)
				Expect(h.snapshot(ctx)).To(MatchJSON(before), "store unchanged")
			})
		}

		for _, prop := range rules.MatchStored {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s in the body MUST match the stored contact: the stored value is accepted, another refused with %s", prop, rules.Errors.MatchStored),
				Operation: op,
				Covers:    aureg.covers(rules.Errors.MatchStored, auregRule.matchStored[prop], ok200),
				Labels:    []framework.Label{framework.Mutating, framework.Assumed},
			}, func(ctx SpecContext) {
				c := h.read(ctx, h.fixtureID())
				stored := auregFields(c)[prop]
				got := h.update(ctx, c.ID, auregUpdate(map[string]json.RawMessage{prop: stored}))
				Expect(auregJSON(got)).To(MatchJSON(auregJSON(c)), "sent as stored")

				var other json.RawMessage
				if p := aureg.prop(prop); len(p.Enum) > 0 {
					for _, e := range auregEnumValues(prop) {
						if raw := auregRaw(e); !auregSameJSON(raw, stored) && other == nil {
							other = raw
						}
					}
				} else {
					var n int64
					Expect(json.Unmarshal(stored, &n)).To(Succeed(), "%s is an enumeration or an integer", prop)
					other = auregRaw(n + 1)
				}
				resp, body := h.patch(ctx, c.ID, auregBody(map[string]json.RawMessage{prop: other}))
				h.expectEntry(resp, body, rules.Errors.MatchStored, map[string]string{"field": prop}, prop)
				Expect(auregJSON(h.read(ctx, c.ID))).To(MatchJSON(auregJSON(c)), "contact unchanged")
			})
		}
	})

	Context("formats of the body", func() {
		// typeFor is a type whose contacts accept field: the page's own if it does, else the
		// first the table allows.
		typeFor := func(field string) string {
			if rules.Allows(aureg.pageType, field) {
				return aureg.pageType
			}
			return rules.Fields[field].AllowedFor[0]
		}
		// refuse sends each value of field to the fixture contact and expects entry, naming the
		// field: the body check comes before the contact's type, so any contact will do.
		refuse := func(ctx SpecContext, field string, values []any, entry string, args map[string]string) {
			GinkgoHelper()
			id := h.fixtureID()
			for _, value := range values {
				By(fmt.Sprintf("%s=%v", field, value))
				resp, body := h.patch(ctx, id, auregBody(map[string]json.RawMessage{field: auregRaw(value)}))
				h.expectEntry(resp, body, entry, args, field)
			}
		}
		// accept stores each value of field on a contact whose type allows it.
		accept := func(ctx SpecContext, field string, values []any) {
			GinkgoHelper()
			c := h.contactOfType(ctx, typeFor(field))
			for _, value := range values {
				got := h.update(ctx, c.ID, auregUpdate(map[string]json.RawMessage{field: auregRaw(value)}))
				Expect(auregJSON(got)).To(MatchJSON(auregWith(c, map[string]json.RawMessage{field: auregRaw(value)})), "%s=%v", field, value)
				c = got
			}
		}

		for _, field := range slices.Sorted(maps.Keys(auregRule.enum)) {
			if !slices.Contains(rules.MatchStored, field) { // a matchStored value cannot change
				v.ConformanceIt(framework.Spec{
					Must:      fmt.Sprintf("%s MUST accept every value of its enumeration", field),
					Operation: op,
					Covers:    []string{auregRule.enum[field], ok200},
					Labels:    auregTypeLabels(typeFor(field)),
				}, func(ctx SpecContext) {
					accept(ctx, field, auregEnumValues(field))
				})
			}
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s MUST refuse a value outside its enumeration, in another case or of another JSON type too, with invalid-enum-value", field),
				Operation: op,
				Covers:    aureg.covers("invalid-enum-value", auregRule.enum[field]),
				Labels:    []framework.Label{framework.Negative, framework.Assumed},
			}, func(ctx SpecContext) {
				// A number or a boolean is no more one of the page's values than a wrong word is:
				// the page's rule is the list of values, so the answer names the list.
				values := []any{"conformance-no-such-value", 7, true}
				for _, e := range auregEnumValues(field) {
					if s := strings.ToLower(fmt.Sprint(e)); !slices.Contains(aureg.prop(field).Enum, any(s)) {
						values = append(values, s)
					}
				}
				refuse(ctx, field, values, "invalid-enum-value", map[string]string{"field": field, "allowedValues": auregEnum(field)})
			})
		}

		for _, field := range slices.Sorted(maps.Keys(auregRule.date)) {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s MUST accept ISO 8601 calendar dates YYYY-MM-DD", field),
				Operation: op,
				Covers:    []string{auregRule.date[field], ok200},
				Labels:    auregTypeLabels(typeFor(field)),
			}, func(ctx SpecContext) {
				accept(ctx, field, []any{"2000-02-29", "1978-12-31"})
			})
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s MUST refuse a date that is not an existing YYYY-MM-DD with invalid-date", field),
				Operation: op,
				Covers:    aureg.covers("invalid-date", auregRule.date[field]),
				Labels:    []framework.Label{framework.Negative, framework.Assumed},
			}, func(ctx SpecContext) {
				refuse(ctx, field, []any{"2001-02-30", "2001-13-01", "2001-8-1", "20010801", "01/08/2001", "2001-08-01T00:00:00Z", ""},
					"invalid-date", map[string]string{"field": field})
			})
		}

		for _, field := range slices.Sorted(maps.Keys(auregRule.country)) {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s MUST accept ISO 3166 alpha-2 and alpha-3 codes and English names, in any case", field),
				Operation: op,
				Covers:    []string{auregRule.country[field], ok200},
				Labels:    auregTypeLabels(typeFor(field), framework.Assumed),
			}, func(ctx SpecContext) {
				accept(ctx, field, []any{"NZ", "NZL", "New Zealand", "new zealand", "AUSTRALIA"})
			})
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s MUST refuse a value that is no ISO 3166 country with invalid-country", field),
				Operation: op,
				Covers:    aureg.covers("invalid-country", auregRule.country[field]),
				Labels:    []framework.Label{framework.Negative, framework.Assumed},
			}, func(ctx SpecContext) {
				refuse(ctx, field, []any{"Atlantis", "A", ""}, "invalid-country", map[string]string{"field": field})
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "every property MUST refuse a value of another JSON type with invalid-field-type",
			Operation: op,
			Covers:    aureg.covers("invalid-field-type"),
			Labels:    []framework.Label{framework.Negative, framework.Assumed},
		}, func(ctx SpecContext) {
			// Enumerations answer invalid-enum-value for any value outside them, whatever its type.
			for _, field := range aureg.props(func(_ string, p *openapi3.Schema) bool { return len(p.Enum) == 0 }) {
				refuse(ctx, field, auregWrongType(aureg.prop(field)), "invalid-field-type",
					map[string]string{"field": field, "expectedType": auregExpectedType(aureg.prop(field))})
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "addressId MUST name an existing address: an unknown id is refused with unknown-address-id and nothing changes",
			Operation: op,
			Covers:    aureg.covers("unknown-address-id", auregRule.addressMustExist),
			Labels:    auregTypeLabels(typeFor(auregAddressField), framework.Assumed),
		}, func(ctx SpecContext) {
			c := h.contactOfType(ctx, typeFor(auregAddressField))
			resp, body := h.patch(ctx, c.ID, auregBody(map[string]json.RawMessage{auregAddressField: auregRaw(auregUnknownID)}))
			h.expectEntry(resp, body, "unknown-address-id", map[string]string{"addressId": strconv.FormatInt(auregUnknownID, 10)}, auregAddressField)
			Expect(auregJSON(h.read(ctx, c.ID))).To(MatchJSON(auregJSON(c)), "contact unchanged")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "addressId MUST accept every existing address, and a contact's id is no address",
			Operation: op,
			Covers:    aureg.covers("unknown-address-id", auregRule.addressMustExist, ok200),
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly, framework.Assumed},
		}, func(ctx SpecContext) {
			c := h.contactOfType(ctx, typeFor(auregAddressField))
			addresses := h.addresses(ctx)
			Expect(addresses).NotTo(BeEmpty(), "the mock's fixtures hold addresses")
			var values []any
			for _, a := range addresses {
				values = append(values, a)
			}
			accept(ctx, auregAddressField, values)
			// JSON has one number type: an address written with a zero fraction is the same
			// address ("Number" in the page's table).
			last := addresses[len(addresses)-1]
			resp, body := h.patch(ctx, c.ID, []byte(fmt.Sprintf(`{%q:%d.0}`, auregAddressField, last)))
			Expect(resp.StatusCode).To(Equal(http.StatusOK), "%s %d.0: status; body %s", auregAddressField, last, body)
			stored, _ := h.read(ctx, c.ID).AddressID.Get()
			Expect(stored).To(BeEquivalentTo(last), "%s stored", auregAddressField)
			// The contact's own id names no address, unless the store shares the numbers.
			if !slices.Contains(addresses, c.ID) {
				resp, body = h.patch(ctx, c.ID, auregBody(map[string]json.RawMessage{auregAddressField: auregRaw(c.ID)}))
				h.expectEntry(resp, body, "unknown-address-id", map[string]string{"addressId": strconv.FormatInt(c.ID, 10)}, auregAddressField)
			}
		})
	})

	Context("error catalogue", func() {
		// Triggers that need nothing but a request: one spec per way to get the entry.
		type trigger struct {
			must, entry string
			op          string
			labels      []framework.Label
			send        func(ctx SpecContext) (*http.Response, []byte, map[string]string)
		}
		contactPath := func() string { return aureg.path(strconv.FormatInt(h.fixtureID(), 10)) }
		negativeSafe := []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed}
		triggers := []trigger{
			{must: "a request without an Authorization header MUST be refused with unauthorized", entry: "unauthorized", op: op, labels: negativeSafe,
				send: func(ctx SpecContext) (*http.Response, []byte, map[string]string) {
					resp, body := h.send(ctx, http.MethodPatch, contactPath(), "application/json", []byte(`{}`), false)
					return resp, body, nil
				}},
			{must: "a request with a token the account does not have MUST be refused with unauthorized", entry: "unauthorized", op: op, labels: negativeSafe,
				send: func(ctx SpecContext) (*http.Response, []byte, map[string]string) {
					r := v.NewRequest(ctx, http.MethodPatch, contactPath(), "application/json", []byte(`{}`))
					r.Header.Set("Authorization", "Bearer conformance-not-a-token-of-this-account")
					resp, body := v.Do(r)
					return resp, body, nil
				}},
			{must: "a body not sent as application/json MUST be refused with unsupported-media-type", entry: "unsupported-media-type", op: op, labels: negativeSafe,
				send: func(ctx SpecContext) (*http.Response, []byte, map[string]string) {
					resp, body := h.send(ctx, http.MethodPatch, contactPath(), "text/plain", []byte(`{}`), true)
					return resp, body, nil
				}},
			{must: "a body that is not one JSON object MUST be refused with malformed-body", entry: "malformed-body", op: op, labels: negativeSafe,
				send: func(ctx SpecContext) (*http.Response, []byte, map[string]string) {
					resp, body := h.send(ctx, http.MethodPatch, contactPath(), "application/json", []byte(`{"mobile":`), true)
					return resp, body, nil
				}},
			{must: "an update of a contact that does not exist MUST be refused with contact-not-found", entry: "contact-not-found", op: op,
				labels: []framework.Label{framework.LiveSafe, framework.Assumed},
				send: func(ctx SpecContext) (*http.Response, []byte, map[string]string) {
					resp, body := h.patch(ctx, auregUnknownID, []byte(`{}`))
					return resp, body, map[string]string{"contactId": strconv.FormatInt(auregUnknownID, 10)}
				}},
			{must: "a route the API does not have MUST be refused with route-not-found", entry: "route-not-found", labels: negativeSafe,
				send: func(ctx SpecContext) (*http.Response, []byte, map[string]string) {
					path := "/contactapis-conformance-no-such-route"
					resp, body := h.send(ctx, http.MethodGet, path, "", nil, true)
					return resp, body, auregRouteArgs(resp, body, http.MethodGet, path)
				}},
			// Mock-only: on a live vendor another method on the contact's path may exist and write.
			{must: "another method on the contact's path MUST be refused with route-not-found", entry: "route-not-found",
				labels: []framework.Label{framework.Negative, framework.MockOnly, framework.Assumed},
				send: func(ctx SpecContext) (*http.Response, []byte, map[string]string) {
					resp, body := h.send(ctx, http.MethodPost, contactPath(), "application/json", []byte(`{}`), true)
					return resp, body, auregRouteArgs(resp, body, http.MethodPost, contactPath())
				}},
			{must: "a failure of the server MUST be answered with internal-server-error", entry: "internal-server-error", op: op,
				labels: []framework.Label{framework.MockOnly, framework.Assumed},
				send: func(ctx SpecContext) (*http.Response, []byte, map[string]string) {
					admin := v.Admin()
					Expect(admin.SetFaults(ctx, 0, 0, 1)).To(Succeed())
					DeferCleanup(func() error { return admin.SetFaults(context.Background(), 0, 0, 0) })
					resp, body := h.patch(ctx, h.fixtureID(), []byte(`{}`))
					// The typed client reports it by entry and status sentinel.
					_, err := h.client().UpdateContact(ctx, h.fixtureID(), auregister.ContactUpdate{})
					Expect(errors.Is(err, apiclient.CatalogueID("internal-server-error"))).To(BeTrue(), "typed client: %v", err)
					Expect(errors.Is(err, apiclient.ErrServer)).To(BeTrue(), "typed client: %v", err)
					return resp, body, nil
				}},
		}
		for _, t := range triggers {
			covers := aureg.covers(t.entry)
			if t.op == "" { // an unrouted answer is no status of the operation
				covers = []string{framework.CatalogueID(t.entry)}
			}
			v.ConformanceIt(framework.Spec{Must: t.must, Operation: t.op, Covers: covers, Labels: t.labels}, func(ctx SpecContext) {
				resp, body, args := t.send(ctx)
				h.expectEntry(resp, body, t.entry, args, "")
			})
		}

		// The read the spec assumes (getContact): its answers, on every target.
		readPath := func(id int64) string { return aureg.path(strconv.FormatInt(id, 10)) }
		v.ConformanceIt(framework.Spec{
			Must:      "a read of a contact MUST answer it as stored: what an update that changes nothing answers",
			Operation: auregReadOp,
			Covers:    []string{framework.StatusID(auregReadOp, http.StatusOK)},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			id := h.fixtureID()
			resp, body := h.send(ctx, http.MethodGet, readPath(id), "", nil, true)
			got := auregExpectContact(resp, body)
			Expect(got.ID).To(Equal(id))
			Expect(auregJSON(got)).To(MatchJSON(auregJSON(h.update(ctx, id, auregister.ContactUpdate{}))))
		})
		v.ConformanceIt(framework.Spec{
			Must:      "a read of a contact that does not exist MUST be refused with contact-not-found",
			Operation: auregReadOp,
			Covers:    []string{framework.CatalogueID("contact-not-found"), framework.StatusID(auregReadOp, http.StatusNotFound)},
			Labels:    []framework.Label{framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := h.send(ctx, http.MethodGet, readPath(auregUnknownID), "", nil, true)
			h.expectEntry(resp, body, "contact-not-found", map[string]string{"contactId": strconv.FormatInt(auregUnknownID, 10)}, "")
			_, err := h.client().GetContact(ctx, auregUnknownID)
			Expect(errors.Is(err, apiclient.CatalogueID("contact-not-found"))).To(BeTrue(), "typed client: %v", err)
		})
		v.ConformanceIt(framework.Spec{
			Must:      "a read without an Authorization header MUST be refused with unauthorized",
			Operation: auregReadOp,
			Covers:    []string{framework.CatalogueID("unauthorized"), framework.StatusID(auregReadOp, http.StatusUnauthorized)},
			Labels:    []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := h.send(ctx, http.MethodGet, readPath(h.fixtureID()), "", nil, false)
			h.expectEntry(resp, body, "unauthorized", nil, "")
		})
		v.ConformanceIt(framework.Spec{
			Must:      "a failure of the server on a read MUST be answered with internal-server-error",
			Operation: auregReadOp,
			Covers:    []string{framework.CatalogueID("internal-server-error"), framework.StatusID(auregReadOp, http.StatusInternalServerError)},
			Labels:    []framework.Label{framework.MockOnly, framework.Assumed},
		}, func(ctx SpecContext) {
			admin := v.Admin()
			Expect(admin.SetFaults(ctx, 0, 0, 1)).To(Succeed())
			DeferCleanup(func() error { return admin.SetFaults(context.Background(), 0, 0, 0) })
			resp, body := h.send(ctx, http.MethodGet, readPath(h.fixtureID()), "", nil, true)
			h.expectEntry(resp, body, "internal-server-error", nil, "")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "the typed client MUST report an unknown contact as an *APIError of contact-not-found",
			Operation: op,
			Covers:    aureg.covers("contact-not-found"),
			Labels:    []framework.Label{framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			_, err := h.client().UpdateContact(ctx, auregUnknownID, auregister.ContactUpdate{})
			var apiErr *auregister.APIError
			Expect(errors.As(err, &apiErr)).To(BeTrue(), "want *APIError, got %v", err)
			entry := v.Entry("contact-not-found")
			Expect(apiErr.StatusCode).To(Equal(entry.Status))
			Expect(apiErr.ID).To(Equal(entry.ID))
			Expect(apiErr.Params).To(Equal(map[string]string{"contactId": strconv.FormatInt(auregUnknownID, 10)}))
			Expect(errors.Is(err, apiclient.ErrNotFound)).To(BeTrue())
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a request with several faults MUST be answered for the first check in the spec's order, and the first field by wire name",
			Operation: op,
			Covers:    []string{auregRule.orderOfChecks},
			// Mutating: a vendor that took one of the faulty requests would change a contact.
			Labels: []framework.Label{framework.Negative, framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			page := h.contactOfType(ctx, aureg.pageType)
			pagePath := aureg.path(strconv.FormatInt(page.ID, 10))
			before := h.snapshot(ctx)
			By("authentication before the media type and the body")
			resp, body := h.send(ctx, http.MethodPatch, pagePath, "text/plain", []byte(`{"mobile":`), false)
			h.expectEntry(resp, body, "unauthorized", nil, "")
			By("the media type before the body")
			resp, body = h.send(ctx, http.MethodPatch, pagePath, "text/plain", []byte(`{"mobile":`), true)
			h.expectEntry(resp, body, "unsupported-media-type", nil, "")
			By("authentication and the media type before a body that is not UTF-8, or one over the size cap")
			for _, bad := range [][]byte{[]byte("{\"mobile\":\"\xff\xfe\"}"), []byte(`{"mobile":"` + strings.Repeat("1", mockauregister.MaxBodyBytes) + `"}`)} {
				resp, body = h.send(ctx, http.MethodPatch, pagePath, "application/json", bad, false)
				h.expectEntry(resp, body, "unauthorized", nil, "")
				resp, body = h.send(ctx, http.MethodPatch, pagePath, "text/plain", bad, true)
				h.expectEntry(resp, body, "unsupported-media-type", nil, "")
			}
			By("the body before the contact lookup")
			resp, body = h.patch(ctx, auregUnknownID, []byte(`{"birthday":"soon"}`))
			h.expectEntry(resp, body, "invalid-date", map[string]string{"field": "birthday"}, "birthday")
			By("within the body, the first field by wire name in byte order, whatever its entry")
			resp, body = h.patch(ctx, page.ID, []byte(`{"sex":"x","birthday":"x","birthState":"x"}`))
			h.expectEntry(resp, body, "invalid-enum-value", map[string]string{"field": "birthState", "allowedValues": auregEnum("birthState")}, "birthState")
			for _, typ := range rules.NotUpdatable {
				By("a type that cannot be updated before the other type rules")
				c := h.contactOfType(ctx, typ)
				resp, body = h.patch(ctx, c.ID, auregBody(map[string]json.RawMessage{"id": auregRaw(1), rules.Property: auregRaw(aureg.pageType), "email": auregRaw("x@example.com")}))
				h.expectEntry(resp, body, rules.Errors.NotUpdatable, map[string]string{"contactId": strconv.FormatInt(c.ID, 10)}, "")
			}
			By("matchStored before fields the type does not allow")
			disallowed := ""
			for _, f := range slices.Sorted(maps.Keys(rules.Fields)) {
				if !rules.Allows(aureg.pageType, f) && disallowed == "" {
					disallowed = f
				}
			}
			value, _ := auregSample(disallowed, json.RawMessage("null"), []int64{auregUnknownID})
			resp, body = h.patch(ctx, page.ID, auregBody(map[string]json.RawMessage{"id": auregRaw(page.ID + 1), disallowed: value}))
			h.expectEntry(resp, body, rules.Errors.MatchStored, map[string]string{"field": "id"}, "id")
			By("of the fields the type does not allow, the first by wire name")
			offending := map[string]json.RawMessage{}
			var offenders []string
			for _, f := range slices.Sorted(maps.Keys(rules.Fields)) {
				if value, ok := auregSample(f, json.RawMessage("null"), []int64{auregUnknownID}); ok && !rules.Allows(aureg.pageType, f) {
					offending[f] = value
					offenders = append(offenders, f)
				}
			}
			Expect(len(offenders)).To(BeNumerically(">=", 2), "the table forbids %s at least two fields", aureg.pageType)
			resp, body = h.patch(ctx, page.ID, auregBody(offending))
			h.expectEntry(resp, body, rules.Errors.NotAllowed, map[string]string{"field": offenders[0], "contactType": aureg.pageType}, offenders[0])
			By("of the properties that must match the stored value, the first by wire name")
			otherType := ""
			for _, typ := range rules.Types {
				if typ != aureg.pageType && otherType == "" {
					otherType = typ
				}
			}
			changed := map[string]json.RawMessage{"id": auregRaw(page.ID + 1), rules.Property: auregRaw(otherType)}
			for name := range changed {
				Expect(rules.MatchStored).To(ContainElement(name), "the table makes %s match the stored value", name)
			}
			first := slices.Sorted(maps.Keys(changed))[0]
			resp, body = h.patch(ctx, page.ID, auregBody(changed))
			h.expectEntry(resp, body, rules.Errors.MatchStored, map[string]string{"field": first}, first)
			By("the type rules before the address lookup")
			for _, typ := range rules.Types {
				if !rules.Updatable(typ) || rules.Allows(typ, auregAddressField) {
					continue
				}
				c := h.contactOfType(ctx, typ)
				resp, body = h.patch(ctx, c.ID, auregBody(map[string]json.RawMessage{auregAddressField: auregRaw(auregUnknownID)}))
				h.expectEntry(resp, body, rules.Errors.NotAllowed, map[string]string{"field": auregAddressField, "contactType": typ}, auregAddressField)
			}
			Expect(h.snapshot(ctx)).To(MatchJSON(before), "store unchanged")
		})
	})

	Context("input the page does not mention", func() {
		jsonType := "application/json"
		inputs := []struct {
			what, contentType string
			body              []byte
			entry             string
		}{
			{"a body cut short", jsonType, []byte(`{"firstName":`), "malformed-body"},
			{"a JSON array", jsonType, []byte(`[{"mobile":"0400000000"}]`), "malformed-body"},
			{"JSON null", jsonType, []byte(`null`), "malformed-body"},
			{"data after the object", jsonType, []byte(`{"mobile":"0400000000"} {}`), "malformed-body"},
			{"the page's Ruby-hash notation", jsonType, []byte(`{"mobile"=>"0400000000", "title"=>nil}`), "malformed-body"},
			{"a body that is not UTF-8", jsonType, []byte("{\"mobile\":\"\xff\xfe\"}"), "malformed-body"},
			{"a body over the mock's size cap", jsonType, []byte(`{"mobile":"` + strings.Repeat("1", mockauregister.MaxBodyBytes) + `"}`), "malformed-body"},
			{"an XML body", "application/xml", []byte(`<contact><mobile>0400000000</mobile></contact>`), "unsupported-media-type"},
			{"a form body", "application/x-www-form-urlencoded", []byte(`mobile=0400000000`), "unsupported-media-type"},
			{"a body without Content-Type", "", []byte(`{"mobile":"0400000000"}`), "unsupported-media-type"},
		}
		for _, in := range inputs {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s MUST be refused with %s, never a 5xx, and change nothing", in.what, in.entry),
				Operation: op,
				Covers:    aureg.covers(in.entry),
				// Mutating: a vendor that took the body as an update would change the contact.
				Labels: []framework.Label{framework.Negative, framework.Mutating, framework.Assumed},
			}, func(ctx SpecContext) {
				before := h.snapshot(ctx)
				resp, body := h.send(ctx, http.MethodPatch, aureg.path(strconv.FormatInt(h.fixtureID(), 10)), in.contentType, in.body, true)
				Expect(resp.StatusCode).To(BeNumerically("<", 500), "never a 5xx")
				h.expectEntry(resp, body, in.entry, nil, "")
				Expect(h.snapshot(ctx)).To(MatchJSON(before), "store unchanged")
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "a text value with control characters, quotes, backslashes, <, > and &, and characters beyond ASCII MUST be stored and answered exactly as sent",
			Operation: op,
			Covers:    []string{auregRule.valueReplaces, ok200},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			c := h.read(ctx, h.fixtureID())
			field := "middleName"
			if !rules.Allows(aureg.pageType, field) {
				Fail("the fixture contact's type does not allow " + field)
			}
			// One value per kind of character a JSON writer must take care of, each alone among
			// plain letters, and all of them together.
			texts := []string{"Tab\there", "line\nbreak", `say "hi"`, `back\slash`, "<b> & co", "Zoë 東京 𝄞", "a\u2028b"}
			texts = append(texts, strings.Join(texts, " "))
			for _, text := range texts {
				raw, err := json.Marshal(map[string]string{field: text})
				Expect(err).NotTo(HaveOccurred())
				resp, body := h.patch(ctx, c.ID, raw)
				Expect(resp.StatusCode).To(Equal(http.StatusOK), "%q: status; body %q", text, body)
				Expect(json.Valid(body)).To(BeTrue(), "%q: the answer is JSON: %q", text, body)
				answered, _ := auregExpectContact(resp, body).MiddleName.Get()
				Expect(answered).To(Equal(text), "answered")
				stored, _ := h.read(ctx, c.ID).MiddleName.Get()
				Expect(stored).To(Equal(text), "stored")
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a query string that is not UTF-8 MUST be ignored: a valid update is applied, an invalid one refused with its own entry",
			Operation: op,
			Covers:    aureg.covers("invalid-date", auregRule.undeclaredQueryIgnored, ok200),
			Labels:    []framework.Label{framework.Negative, framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			c := h.read(ctx, h.fixtureID())
			// Percent-encoded, and as raw bytes on the request line.
			for i, query := range []string{"?note=%ff%fe", "?note=\xff\xfe"} {
				path := aureg.path(strconv.FormatInt(c.ID, 10)) + query
				resp, body := h.send(ctx, http.MethodPatch, path, "application/json", []byte(`{"birthday":"soon"}`), true)
				h.expectEntry(resp, body, "invalid-date", map[string]string{"field": "birthday"}, "birthday")
				mobile := fmt.Sprintf("04000000%02d", 90+i)
				resp, body = h.send(ctx, http.MethodPatch, path, "application/json", []byte(`{"mobile":"`+mobile+`"}`), true)
				Expect(resp.StatusCode).To(Equal(http.StatusOK), "status; body %s", body)
				answered, _ := auregExpectContact(resp, body).Mobile.Get()
				Expect(answered).To(Equal(mobile), "answered contact")
				stored, _ := h.read(ctx, c.ID).Mobile.Get()
				Expect(stored).To(Equal(mobile), "stored")
			}
			if !v.HasAdmin() {
				return // a live vendor may serve PUT on the contact's path, and it may write
			}
			By("a method the route does not serve gets the same refusal with the query as without it")
			plain := aureg.path(strconv.FormatInt(c.ID, 10))
			wantResp, wantBody := h.send(ctx, http.MethodPut, plain, "application/json", []byte(`{}`), true)
			Expect(wantResp.StatusCode).To(BeNumerically(">=", 400), "PUT is refused")
			resp, body := h.send(ctx, http.MethodPut, plain+"?note=\xff\xfe", "application/json", []byte(`{}`), true)
			Expect(resp.StatusCode).To(Equal(wantResp.StatusCode), "status")
			Expect(body).To(MatchJSON(wantBody), "body")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "properties the spec does not declare, the table's misspelt placeOfIncorportaion among them, MUST be ignored",
			Operation: op,
			Covers:    []string{auregRule.undeclaredIgnored, ok200},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			c := h.read(ctx, h.fixtureID())
			// The misspelling, a declared name in another case, and a name the page never uses.
			resp, body := h.patch(ctx, c.ID, []byte(`{"placeOfIncorportaion":"NZ","FIRSTNAME":"X","Mobile":"1","nickname":{"a":[1]}}`))
			Expect(resp.StatusCode).To(BeNumerically("<", 500), "never a 5xx")
			Expect(auregJSON(auregExpectContact(resp, body))).To(MatchJSON(auregJSON(c)))
			Expect(auregJSON(h.read(ctx, c.ID))).To(MatchJSON(auregJSON(c)), "contact unchanged")
		})
	})

	Context("the typed client's own checks (nothing is sent when it refuses)", func() {
		for _, typ := range rules.Types {
			if !rules.Updatable(typ) {
				v.ConformanceIt(framework.Spec{
					Must:      fmt.Sprintf("ForContactType(%s) MUST refuse every update with %s before sending it", typ, rules.Errors.NotUpdatable),
					Operation: op,
					Covers:    []string{auregRule.clientForContactType},
					Labels:    []framework.Label{framework.LiveSafe},
				}, func(ctx SpecContext) {
					client, sent := h.noSendClient()
					_, err := client.UpdateContact(ctx, aureg.pageID, auregister.ContactUpdate{}, auregister.ForContactType(auregister.ContactType(typ)))
					h.expectRuleError(err, []auregViolation{{entry: rules.Errors.NotUpdatable, args: map[string]string{"contactId": strconv.FormatInt(aureg.pageID, 10)}}})
					Expect(sent.tries.Load()).To(BeZero(), "requests sent")
				})
				continue
			}
			var disallowed []string
			for _, f := range slices.Sorted(maps.Keys(rules.Fields)) {
				if !rules.Allows(typ, f) {
					disallowed = append(disallowed, f)
				}
			}
			if len(disallowed) == 0 {
				continue
			}
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("ForContactType(%s) MUST refuse before sending every field the table does not allow %s, and let null and \"\" through", typ, typ),
				Operation: op,
				Covers:    []string{auregRule.clientForContactType},
				Labels:    []framework.Label{framework.LiveSafe},
			}, func(ctx SpecContext) {
				client, sent := h.noSendClient()
				fields := map[string]json.RawMessage{}
				var want []auregViolation
				for _, f := range disallowed {
					// The client judges types, not addresses: any id of an address will do.
					fields[f], _ = auregSample(f, json.RawMessage("null"), []int64{auregUnknownID})
					want = append(want, auregViolation{entry: rules.Errors.NotAllowed, field: f, args: map[string]string{"field": f, "contactType": typ}})
				}
				_, err := client.UpdateContact(ctx, aureg.pageID, auregUpdate(fields), auregister.ForContactType(auregister.ContactType(typ)))
				h.expectRuleError(err, want)
				Expect(sent.tries.Load()).To(BeZero(), "requests sent")

				noOps := map[string]json.RawMessage{}
				for _, f := range disallowed {
					noOps[f] = json.RawMessage("null")
				}
				for _, f := range disallowed {
					if auregPlainString(f) {
						noOps[f] = json.RawMessage(`""`)
					}
				}
				_, err = client.UpdateContact(ctx, aureg.pageID, auregUpdate(noOps), auregister.ForContactType(auregister.ContactType(typ)))
				Expect(err).To(MatchError(errAuregNotSent), "null and \"\" pass the client's check")
				Expect(sent.tries.Load()).To(BeEquivalentTo(1), "requests sent")
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "ForContactType MUST refuse before sending an id other than the contact's and a contactType other than the stated one",
			Operation: op,
			Covers:    []string{auregRule.clientForContactType},
			Labels:    []framework.Label{framework.LiveSafe},
		}, func(ctx SpecContext) {
			client, sent := h.noSendClient()
			var other string
			for _, t := range rules.Types {
				if t != aureg.pageType && other == "" {
					other = t
				}
			}
			fields := map[string]json.RawMessage{"id": auregRaw(aureg.pageID + 1), rules.Property: auregRaw(other)}
			var want []auregViolation
			for _, p := range slices.Sorted(slices.Values(rules.MatchStored)) {
				want = append(want, auregViolation{entry: rules.Errors.MatchStored, field: p, args: map[string]string{"field": p}})
			}
			_, err := client.UpdateContact(ctx, aureg.pageID, auregUpdate(fields), auregister.ForContactType(auregister.ContactType(aureg.pageType)))
			h.expectRuleError(err, want)
			Expect(sent.tries.Load()).To(BeZero(), "requests sent")
		})

		for _, name := range slices.Sorted(maps.Keys(aureg.requestExamples)) {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("ForContact MUST let the page's request example %q through as the vendor does, and refuse a new value the table forbids", name),
				Operation: op,
				Covers:    []string{auregRule.clientForContact},
				Labels:    []framework.Label{framework.LiveSafe},
			}, func(ctx SpecContext) {
				client, sent := h.noSendClient()
				var stored auregister.Contact
				Expect(json.Unmarshal([]byte(auregJSON(aureg.pageAnswer)), &stored)).To(Succeed())
				var u auregister.ContactUpdate
				Expect(json.Unmarshal([]byte(auregJSON(aureg.requestExamples[name])), &u)).To(Succeed())
				_, err := client.UpdateContact(ctx, stored.ID, u, auregister.ForContact(stored))
				Expect(err).To(MatchError(errAuregNotSent), "the example passes the client's check")
				Expect(sent.tries.Load()).To(BeEquivalentTo(1), "requests sent")

				// A new value of each field the stored type does not allow, the stored ones kept.
				fields := map[string]json.RawMessage{}
				var want []auregViolation
				storedFields := auregFields(stored)
				for _, f := range slices.Sorted(maps.Keys(rules.Fields)) {
					if rules.Allows(string(stored.ContactType), f) {
						continue
					}
					fields[f], _ = auregSample(f, storedFields[f], []int64{auregUnknownID})
					want = append(want, auregViolation{entry: rules.Errors.NotAllowed, field: f, args: map[string]string{"field": f, "contactType": string(stored.ContactType)}})
				}
				_, err = client.UpdateContact(ctx, stored.ID, auregUpdate(fields), auregister.ForContact(stored))
				h.expectRuleError(err, want)
				Expect(sent.tries.Load()).To(BeEquivalentTo(1), "no further request sent")
			})
		}
	})
})
