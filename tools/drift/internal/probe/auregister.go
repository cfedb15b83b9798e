package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/contactapis/contactapis/conformance/suiteconfig"
	"github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/internal/country"
	"github.com/contactapis/contactapis/specs"
)

// auregisterProbes settle the x-doc-discrepancy entries of specs/auregister.yaml that a live run can decide.
//
// Every question is about what an update does to a stored contact, so every probe updates a
// fixture contact and mutates. Each needs a contact of given types (the rules depend on it): it
// updates the contact of the first of them named by CONTACTAPIS_AUREGISTER_CONTACT_ID_<TYPE>
// (suiteconfig.OptionalFixtureKeys), else CONTACTAPIS_AUREGISTER_CONTACT_ID. It first reads that
// contact with an empty update, which the spec answers with the stored contact, and reports
// Unsettled, naming the per-type variable to set, when the contact is of another type; a per-type
// variable naming a contact of another type is Unsettled the same way, never read as an answer.
// With a contact of each type named, one run settles them all.
var auregisterProbes = []Probe{
	{Vendor: specs.Auregister, ID: "update-all-versus-partial", Mutates: true, Run: aurPartialUpdate},
	{Vendor: specs.Auregister, ID: "joint-member-spelling", Mutates: true, Run: aurJointMember},
	{Vendor: specs.Auregister, ID: "request-example-breaks-type-rules", Mutates: true, Run: aurExampleTypeRules},
	{Vendor: specs.Auregister, ID: "id-and-contact-type-in-body", Mutates: true, Run: aurReadOnlyFields},
	{Vendor: specs.Auregister, ID: "email-row-unnamed", Mutates: true, Run: aurEmailRow},
	{Vendor: specs.Auregister, ID: "place-of-incorporation-spelling", Mutates: true, Run: aurIncorporationSpelling},
	{Vendor: specs.Auregister, ID: "example-only-fields", Mutates: true, Run: aurExampleOnlyFields},
	{Vendor: specs.Auregister, ID: "other-entity-company-fields", Mutates: true, Run: aurOtherEntityBusinessNumber},
	{Vendor: specs.Auregister, ID: "null-enum-values", Mutates: true, Run: aurNullEnum},
}

// The vendor's probes, for ForVendor and Unsettleable.
func init() { register(specs.Auregister, &auregisterProbes, &auregisterUnsettleable) }

// auregisterUnsettleable are the discrepancies of specs/auregister.yaml no live run can decide, with why.
var auregisterUnsettleable = map[string]string{
	"request-example-ruby-hash": "the Ruby notation is how the page prints its example, not something a vendor answers; the JSON it stands for is probed by request-example-breaks-type-rules",
}

// aurFixtureKey names the contact the probes update when no contact of the type a probe needs is
// named (CONTACTAPIS_AUREGISTER_CONTACT_ID); it is the one --allow-mutations requires.
const aurFixtureKey = "CONTACT_ID"

// aurTypeKey is the optional fixture key of a contact of type typ: CONTACT_ID_PEOPLE,
// CONTACT_ID_JOINT_MEMBER, ... (suiteconfig.OptionalFixtureKeys lists them, so they are read).
func aurTypeKey(typ string) string {
	return aurFixtureKey + "_" + strings.ToUpper(strings.ReplaceAll(typ, " ", "_"))
}

// aurVar is the environment variable of fixture key.
func aurVar(key string) string { return suiteconfig.EnvName(specs.Auregister, key) }

// aurTypeVars names the per-type variables of types, for a message: "X or Y".
func aurTypeVars(types []string) string {
	vars := make([]string, len(types))
	for i, ty := range types {
		vars[i] = aurVar(aurTypeKey(ty))
	}
	return strings.Join(vars, " or ")
}

// Values the probes send that the spec holds nowhere; each has a second value for a contact that
// already stores the first, so that the update is a change.
var (
	// aurMobiles: the first is the probe line of update-all-versus-partial.
	aurMobiles = [2]string{"0400000000", "0400000009"}
	// aurBusinessNumbers: an 11-digit ABN-like number, as the probe lines send.
	aurBusinessNumbers = [2]string{"12345678901", "12345678902"}
	// aurEmailAlt is sent instead of the page example's email to a contact that stores it already.
	aurEmailAlt = "drift-probe@example.com"
	// aurCountries: placeOfIncorporation values, as the probe line sends them.
	aurCountries = [2]string{"AU", "NZ"}
	// aurCompanyNumbers and aurNationalities: example-only-fields' probe line, and a second value.
	aurCompanyNumbers = [2]string{"123456789", "987654321"}
	aurNationalities  = [2]string{"AU", "NZ"}
)

// aurMisspeltIncorporation is the request table's spelling of placeOfIncorporation
// (x-doc-discrepancy place-of-incorporation-spelling).
const aurMisspeltIncorporation = "placeOfIncorportaion"

// aurSpecData is what the probes take from specs/auregister.yaml.
type aurSpecData struct {
	path  string // "/contacts/{contactId}"
	cat   specs.Catalogue
	rules specs.ContactTypeRules
	email string // the page example's email
}

var aurSpec = sync.OnceValues(func() (*aurSpecData, error) {
	doc, err := specs.Load(specs.Auregister)
	if err != nil {
		return nil, err
	}
	all, err := specs.ReadCatalogue(doc)
	if err != nil {
		return nil, err
	}
	var d aurSpecData
	if d.rules, err = specs.ReadContactTypeRules(doc, "ContactUpdate"); err != nil {
		return nil, err
	}
	for _, op := range specs.Operations(doc) {
		if op.Operation.OperationID != "updateContact" {
			continue
		}
		d.path, d.cat = op.Path, all.ForOperation(op.Operation.OperationID, true)
		if rb := op.Operation.RequestBody; rb != nil && rb.Value != nil {
			if media := rb.Value.Content.Get("application/json"); media != nil && media.Examples["pageRequestExample"] != nil && media.Examples["pageRequestExample"].Value != nil {
				ex, _ := media.Examples["pageRequestExample"].Value.Value.(map[string]any)
				d.email, _ = ex["email"].(string)
			}
		}
	}
	if d.path == "" || d.email == "" {
		return nil, fmt.Errorf("specs/auregister.yaml: no operation updateContact with the page's request example")
	}
	// Render each entry the probes use once, with the placeholders they fill, so that a catalogue
	// change shows here and message never fails later.
	for _, c := range []struct {
		id   string
		args []string
	}{
		{d.rules.Errors.NotUpdatable, []string{"contactId"}},
		{d.rules.Errors.MatchStored, []string{"field"}},
		{d.rules.Errors.NotAllowed, []string{"field", "contactType"}},
		{"invalid-enum-value", []string{"field", "allowedValues"}},
	} {
		e, ok := d.cat.ByID(c.id)
		if !ok {
			return nil, fmt.Errorf("specs/auregister.yaml: no catalogue entry %q", c.id)
		}
		args := map[string]string{}
		for _, a := range c.args {
			args[a] = "x"
		}
		if _, err := e.Render(args); err != nil {
			return nil, fmt.Errorf("specs/auregister.yaml: %w", err)
		}
	}
	return &d, nil
})

// message renders catalogue entry id; the loader checked that these arguments fit.
func (d *aurSpecData) message(id string, args map[string]string) string {
	e, _ := d.cat.ByID(id)
	m, _ := e.Render(args)
	return m
}

// aurExchange is one PATCH a probe sent and what came back.
type aurExchange struct {
	req     Request
	resp    *Response
	err     error
	msgs    []string
	contact map[string]any // the answer's JSON object, when 200
}

func aurPatch(ctx context.Context, t *Target, d *aurSpecData, id string, body map[string]any) *aurExchange {
	x := &aurExchange{}
	raw, err := json.Marshal(body)
	if err != nil {
		x.err = err
		return x
	}
	x.req = Request{Method: http.MethodPatch, Path: strings.Replace(d.path, "{contactId}", id, 1), ContentType: "application/json", Body: raw}
	x.resp, x.err = t.Do(ctx, x.req)
	if x.err != nil {
		return x
	}
	x.msgs = x.resp.Messages(specs.Auregister)
	if x.resp.Status == http.StatusOK {
		if json.Unmarshal(x.resp.Body, &x.contact) != nil {
			x.contact = nil
		}
	}
	return x
}

// String is the one-line evidence: `PATCH /contacts/1 {"sex":null} → 400 application/json
// "sex must be one of Male/Female"`. The token is a header, never in the line.
func (x *aurExchange) String() string {
	line := fmt.Sprintf("%s %s %s →", x.req.Method, x.req.Path, x.req.Body)
	if x.err != nil {
		return fmt.Sprintf("%s no answer: %v", line, x.err)
	}
	line += fmt.Sprintf(" %d", x.resp.Status)
	if x.resp.MediaType != "" {
		line += " " + x.resp.MediaType
	}
	if len(x.msgs) > 0 {
		line += fmt.Sprintf(" %q", x.msgs[0])
	}
	return line
}

func (x *aurExchange) status() int {
	if x.resp == nil {
		return 0
	}
	return x.resp.Status
}

func (x *aurExchange) has(msg string) bool { return slices.Contains(x.msgs, msg) }

// ok is a 200 whose body is a contact.
func (x *aurExchange) ok() bool { return x.status() == http.StatusOK && x.contact != nil }

func (x *aurExchange) outcome(r Reading, why ...string) Outcome {
	ev := x.String()
	if len(why) > 0 {
		ev += ": " + strings.Join(why, "; ")
	}
	return Outcome{Reading: r, Evidence: ev}
}

// undecided is the outcome when the answer does not reach the question: no answer, or the
// credentials refused.
func (x *aurExchange) undecided() (Outcome, bool) {
	switch {
	case x.err != nil:
		return x.outcome(Unsettled), true
	case x.resp.Status == http.StatusUnauthorized || x.resp.Status == http.StatusForbidden:
		return x.outcome(Unsettled, "the credentials were refused"), true
	}
	return Outcome{}, false
}

// aurRecord is the fixture contact as the probe found it.
type aurRecord struct {
	id    string
	idNum int64
	key   string // the fixture key that named it: CONTACT_ID or CONTACT_ID_<TYPE>
	// keyType is the type a CONTACT_ID_<TYPE> key promises ("" for CONTACT_ID): the contact must
	// be of it, even where the probe would take another type.
	keyType string
	typ     string
	stored  map[string]any
}

// aurTypeNames turns contact types into the strings the spec and the answers use.
func aurTypeNames(types []auregister.ContactType) []string {
	names := make([]string, len(types))
	for i, ty := range types {
		names[i] = string(ty)
	}
	return names
}

// aurFixture checks what every probe needs before it sends anything: the spec, leave to mutate,
// and an integer fixture id. The fixture is the contact of the first of types whose per-type key
// is set, else CONTACT_ID's.
func aurFixture(t *Target, types ...string) (*aurSpecData, *aurRecord, *Outcome) {
	d, err := aurSpec()
	if err != nil {
		return nil, nil, &Outcome{Reading: Unsettled, Evidence: "specs/auregister.yaml: " + err.Error()}
	}
	if !t.AllowMutations {
		return nil, nil, &Outcome{Reading: Unsettled, Evidence: "not sent: the probe updates the fixture contact, so it runs only with --allow-mutations"}
	}
	key, keyType := aurFixtureKey, ""
	for _, ty := range types {
		if _, ok := t.Fixture(aurTypeKey(ty)); ok {
			key, keyType = aurTypeKey(ty), ty
			break
		}
	}
	id, ok := t.Fixture(key)
	if !ok {
		return nil, nil, &Outcome{Reading: Unsettled, Evidence: fmt.Sprintf("not sent: set %s (or %s) to the contact of type %s the probe may update",
			aurTypeVars(types), aurVar(aurFixtureKey), strings.Join(types, " or "))}
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, nil, &Outcome{Reading: Unsettled, Evidence: fmt.Sprintf("not sent: %s %q must be an integer contact id", aurVar(key), id)}
	}
	return d, &aurRecord{id: id, idNum: n, key: key, keyType: keyType}, nil
}

// aurWrongType is the outcome of a fixture of type got for a probe that needs one of types (the
// type its per-type key promises, when one named the fixture).
func aurWrongType(x *aurExchange, rec *aurRecord, types []string, got string) Outcome {
	if rec.keyType != "" {
		types = []string{rec.keyType}
	}
	return x.outcome(Unsettled, fmt.Sprintf("needs a contact of type %s: %s names a contact of type %s; run again with %s set to one",
		strings.Join(types, " or "), aurVar(rec.key), got, aurTypeVars(types)))
}

// aurStart reads the fixture contact with an empty update (the spec's no-op) and checks that its
// type is one of types.
func aurStart(ctx context.Context, t *Target, types ...auregister.ContactType) (*aurSpecData, *aurRecord, *Outcome) {
	need := aurTypeNames(types)
	d, rec, stop := aurFixture(t, need...)
	if stop != nil {
		return nil, nil, stop
	}
	x := aurPatch(ctx, t, d, rec.id, map[string]any{})
	if o, ok := x.undecided(); ok {
		return nil, nil, &o
	}
	if x.has(d.message(d.rules.Errors.NotUpdatable, map[string]string{"contactId": rec.id})) {
		o := aurWrongType(x, rec, need, d.rules.NotUpdatable[0])
		return nil, nil, &o
	}
	typ, _ := x.contact["contactType"].(string)
	if !x.ok() || typ == "" {
		o := x.outcome(Unsettled, fmt.Sprintf("reading the fixture contact with an empty update failed; set %s to an existing contact", aurVar(rec.key)))
		return nil, nil, &o
	}
	if !slices.Contains(need, typ) || rec.keyType != "" && typ != rec.keyType {
		o := aurWrongType(x, rec, need, typ)
		return nil, nil, &o
	}
	rec.typ, rec.stored = typ, x.contact
	return d, rec, nil
}

// aurOther is the first of values that differs from stored, so that sending it changes the field.
func aurOther(stored any, values ...string) string {
	for _, v := range values {
		if s, ok := stored.(string); !ok || s != v {
			return v
		}
	}
	return values[0]
}

// aurDiff lists the fields that differ between two answers, but for except: those now null
// (cleared) and those with another value (altered), sorted.
func aurDiff(before, after map[string]any, except string) (cleared, altered []string) {
	for k, a := range after {
		if k == except || reflect.DeepEqual(before[k], a) {
			continue
		}
		if a == nil {
			cleared = append(cleared, k)
		} else {
			altered = append(altered, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok && k != except {
			cleared = append(cleared, k)
		}
	}
	sort.Strings(cleared)
	sort.Strings(altered)
	return cleared, altered
}

var aurUpdatable = []auregister.ContactType{auregister.ContactTypePeople, auregister.ContactTypeCompany, auregister.ContactTypeOtherEntity}

// update-all-versus-partial: set the email, then only the mobile. A partial update (the spec) leaves
// every other field of the first answer alone; "updates all the details" clears what is left out.
func aurPartialUpdate(ctx context.Context, t *Target) Outcome {
	d, rec, stop := aurStart(ctx, t, aurUpdatable...)
	if stop != nil {
		return *stop
	}
	steps := []struct {
		field string
		value string
	}{
		{"email", aurOther(rec.stored["email"], d.email, aurEmailAlt)},
		{"mobile", aurOther(rec.stored["mobile"], aurMobiles[:]...)},
	}
	before := rec.stored
	var last *aurExchange
	for _, s := range steps {
		x := aurPatch(ctx, t, d, rec.id, map[string]any{s.field: s.value})
		if o, ok := x.undecided(); ok {
			return o
		}
		if !x.ok() || x.contact[s.field] != s.value {
			return x.outcome(Neither, "want 200 with the new "+s.field)
		}
		cleared, altered := aurDiff(before, x.contact, s.field)
		switch {
		case len(altered) > 0:
			return x.outcome(Neither, "fields left out changed: "+strings.Join(altered, ", "))
		case len(cleared) > 0:
			return x.outcome(Page, "fields left out were cleared: "+strings.Join(cleared, ", "))
		}
		before, last = x.contact, x
	}
	return last.outcome(Spec, "every field left out kept its value")
}

// joint-member-spelling: an empty update of a Joint Member. The spec refuses it with
// joint-member-not-updatable, spelling the type "Joint Member"; the summary line's "Joint-member"
// is the page's other spelling.
func aurJointMember(ctx context.Context, t *Target) Outcome {
	d, rec, stop := aurFixture(t, string(auregister.ContactTypeJointMember))
	if stop != nil {
		return *stop
	}
	jm := d.rules.NotUpdatable[0]
	x := aurPatch(ctx, t, d, rec.id, map[string]any{})
	if o, ok := x.undecided(); ok {
		return o
	}
	// Both spellings fold to the same letters: "Joint Member", "Joint-member".
	fold := func(s string) string { return strings.NewReplacer(" ", "", "-", "").Replace(strings.ToLower(s)) }
	hyphened := strings.ToLower(strings.ReplaceAll(jm, " ", "-"))
	switch {
	case x.has(d.message(d.rules.Errors.NotUpdatable, map[string]string{"contactId": rec.id})):
		return x.outcome(Spec)
	case x.ok():
		typ, _ := x.contact["contactType"].(string)
		switch {
		case typ == jm:
			return x.outcome(Neither, "a "+jm+" contact was updated")
		case fold(typ) == fold(jm):
			return x.outcome(Page, "the contact's type is spelt "+strconv.Quote(typ))
		}
		return aurWrongType(x, rec, []string{jm}, typ)
	case x.status() == http.StatusNotFound:
		return x.outcome(Unsettled, fmt.Sprintf("set %s to an existing contact", aurVar(rec.key)))
	}
	for _, m := range x.msgs {
		if strings.Contains(strings.ToLower(m), hyphened) {
			return x.outcome(Page)
		}
	}
	return x.outcome(Neither)
}

// request-example-breaks-type-rules: on a People contact, the stored name sent back and
// businessNumber "" are no-ops (the spec, which lets the page's example succeed); a new
// businessNumber is refused. A strict table refuses the first two; a vendor ignoring the rules
// (the example's status OK read widely) accepts the last.
func aurExampleTypeRules(ctx context.Context, t *Target) Outcome {
	d, rec, stop := aurStart(ctx, t, auregister.ContactTypePeople)
	if stop != nil {
		return *stop
	}
	noOps := []map[string]any{{"businessNumber": ""}}
	if name, ok := rec.stored["name"].(string); ok && name != "" {
		noOps = append([]map[string]any{{"name": name}}, noOps...)
	}
	for _, body := range noOps {
		x := aurPatch(ctx, t, d, rec.id, body)
		if o, ok := x.undecided(); ok {
			return o
		}
		switch {
		case x.status() == http.StatusUnprocessableEntity:
			return x.outcome(Page, "a no-op value is refused: the table is applied strictly")
		case !x.ok():
			return x.outcome(Neither)
		}
	}
	field := "businessNumber"
	x := aurPatch(ctx, t, d, rec.id, map[string]any{field: aurOther(rec.stored[field], aurBusinessNumbers[:]...)})
	if o, ok := x.undecided(); ok {
		return o
	}
	switch {
	case x.has(d.message(d.rules.Errors.NotAllowed, map[string]string{"field": field, "contactType": rec.typ})):
		return x.outcome(Spec, fmt.Sprintf("after %d no-op update(s) answered 200", len(noOps)))
	case x.ok():
		return x.outcome(Page, "a Company-only field was accepted on a "+rec.typ+" contact")
	}
	return x.outcome(Neither)
}

// aurNoSuchID is an id the probes expect no contact to have.
const aurNoSuchID = 2147483646

// id-and-contact-type-in-body: another id, then another contactType. The spec refuses both with
// read-only-field-changed and changes nothing; a vendor taking the body's values (or ignoring them
// silently) answers 200.
func aurReadOnlyFields(ctx context.Context, t *Target) Outcome {
	d, rec, stop := aurStart(ctx, t, aurUpdatable...)
	if stop != nil {
		return *stop
	}
	otherType := ""
	for _, ty := range d.rules.Types {
		if ty != rec.typ && d.rules.Updatable(ty) {
			otherType = ty
			break
		}
	}
	var last *aurExchange
	for _, s := range []struct {
		field string
		value any
	}{
		// An id no contact is expected to hold, not a neighbour's: a vendor that takes the body's
		// id as the target then finds nothing, and never writes another contact.
		{"id", aurNoSuchID},
		{"contactType", otherType},
	} {
		x := aurPatch(ctx, t, d, rec.id, map[string]any{s.field: s.value})
		if o, ok := x.undecided(); ok {
			return o
		}
		if x.ok() {
			// Put a changed type back, so later probes find the fixture as it was.
			if s.field == "contactType" && x.contact["contactType"] != rec.typ {
				undo := aurPatch(ctx, t, d, rec.id, map[string]any{s.field: rec.typ})
				return x.outcome(Page, fmt.Sprintf("accepted; putting contactType back answered %d", undo.status()))
			}
			return x.outcome(Page, "accepted")
		}
		if !x.has(d.message(d.rules.Errors.MatchStored, map[string]string{"field": s.field})) {
			return x.outcome(Neither)
		}
		last = x
	}
	y := aurPatch(ctx, t, d, rec.id, map[string]any{})
	if o, ok := y.undecided(); ok {
		return o
	}
	if !y.ok() {
		return y.outcome(Neither, "reading the contact back failed")
	}
	if cleared, altered := aurDiff(rec.stored, y.contact, ""); len(cleared)+len(altered) > 0 {
		return y.outcome(Neither, "refused, yet the contact changed: "+strings.Join(append(cleared, altered...), ", "))
	}
	return last.outcome(Spec, "both refused, the contact unchanged")
}

// email-row-unnamed: a new email on a contact that is not a person. The spec reads the unnamed
// row as email, allowed for every type; a vendor for which the row is something else ignores or
// refuses it.
func aurEmailRow(ctx context.Context, t *Target) Outcome {
	d, rec, stop := aurStart(ctx, t, auregister.ContactTypeCompany, auregister.ContactTypeOtherEntity)
	if stop != nil {
		return *stop
	}
	email := aurOther(rec.stored["email"], d.email, aurEmailAlt)
	x := aurPatch(ctx, t, d, rec.id, map[string]any{"email": email})
	if o, ok := x.undecided(); ok {
		return o
	}
	switch {
	case x.ok() && x.contact["email"] == email:
		return aurReadBack(ctx, t, d, rec, x, "email", email)
	case x.ok() && reflect.DeepEqual(x.contact["email"], rec.stored["email"]):
		return x.outcome(Page, "email was ignored")
	case x.has(d.message(d.rules.Errors.NotAllowed, map[string]string{"field": "email", "contactType": rec.typ})):
		return x.outcome(Page)
	}
	return x.outcome(Neither)
}

// aurReadBack confirms with an empty update that field still holds value after x set it.
func aurReadBack(ctx context.Context, t *Target, d *aurSpecData, rec *aurRecord, x *aurExchange, field string, value any) Outcome {
	y := aurPatch(ctx, t, d, rec.id, map[string]any{})
	if o, ok := y.undecided(); ok {
		return o
	}
	if !y.ok() || y.contact[field] != value {
		return y.outcome(Neither, field+" did not stay stored")
	}
	return x.outcome(Spec, "read back")
}

// place-of-incorporation-spelling: set placeOfIncorporation (the examples' spelling, the spec's
// wire name), then send the table's spelling. The spec stores the first and ignores (or refuses)
// the second; the table's reading does the opposite.
func aurIncorporationSpelling(ctx context.Context, t *Target) Outcome {
	d, rec, stop := aurStart(ctx, t, auregister.ContactTypeCompany)
	if stop != nil {
		return *stop
	}
	first, second := aurCountries[0], aurCountries[1]
	if aurSameCountry(rec.stored["placeOfIncorporation"], first) {
		first, second = second, first
	}
	x := aurPatch(ctx, t, d, rec.id, map[string]any{"placeOfIncorporation": first})
	if o, ok := x.undecided(); ok {
		return o
	}
	if !x.ok() {
		return x.outcome(Neither)
	}
	if !aurSameCountry(x.contact["placeOfIncorporation"], first) {
		return x.outcome(Page, "placeOfIncorporation was ignored")
	}
	y := aurPatch(ctx, t, d, rec.id, map[string]any{aurMisspeltIncorporation: second})
	if o, ok := y.undecided(); ok {
		return o
	}
	switch {
	case y.status() == http.StatusBadRequest:
		return y.outcome(Spec, "the table's spelling is refused")
	case !y.ok():
		return y.outcome(Neither)
	case aurSameCountry(y.contact["placeOfIncorporation"], second) || aurSameCountry(y.contact[aurMisspeltIncorporation], second):
		return y.outcome(Page, "the table's spelling was stored")
	case aurSameCountry(y.contact["placeOfIncorporation"], first):
		return y.outcome(Spec, "the table's spelling was ignored")
	}
	return y.outcome(Neither)
}

// aurSameCountry: v names the same country as code, in any form the spec accepts (AU, AUS,
// AUSTRALIA), since the vendor may store a code as a name.
func aurSameCountry(v any, code string) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	a, ok1 := country.ByCodeOrName(s)
	b, ok2 := country.ByCodeOrName(code)
	return ok1 && ok2 && a == b
}

// example-only-fields: companyNumber on a Company, nationality on a person, as the probe line
// pairs them. The spec stores them like any field; a vendor whose fields are the table's ignores
// or refuses them.
func aurExampleOnlyFields(ctx context.Context, t *Target) Outcome {
	d, rec, stop := aurStart(ctx, t, auregister.ContactTypeCompany, auregister.ContactTypePeople)
	if stop != nil {
		return *stop
	}
	field, values := "nationality", aurNationalities
	if rec.typ == string(auregister.ContactTypeCompany) {
		field, values = "companyNumber", aurCompanyNumbers
	}
	value := aurOther(rec.stored[field], values[:]...)
	x := aurPatch(ctx, t, d, rec.id, map[string]any{field: value})
	if o, ok := x.undecided(); ok {
		return o
	}
	switch {
	case x.ok() && x.contact[field] == value:
		return aurReadBack(ctx, t, d, rec, x, field, value)
	case x.ok() && reflect.DeepEqual(x.contact[field], rec.stored[field]):
		return x.outcome(Page, field+" was ignored")
	case x.status() == http.StatusBadRequest || x.status() == http.StatusUnprocessableEntity:
		return x.outcome(Page, field+" was refused")
	}
	return x.outcome(Neither)
}

// other-entity-company-fields: a businessNumber on an Other Entity. The table (the spec) refuses
// it; a vendor letting trusts hold an ABN accepts it.
func aurOtherEntityBusinessNumber(ctx context.Context, t *Target) Outcome {
	d, rec, stop := aurStart(ctx, t, auregister.ContactTypeOtherEntity)
	if stop != nil {
		return *stop
	}
	field := "businessNumber"
	x := aurPatch(ctx, t, d, rec.id, map[string]any{field: aurOther(rec.stored[field], aurBusinessNumbers[:]...)})
	if o, ok := x.undecided(); ok {
		return o
	}
	switch {
	case x.has(d.message(d.rules.Errors.NotAllowed, map[string]string{"field": field, "contactType": rec.typ})):
		return x.outcome(Spec)
	case x.ok():
		return x.outcome(Page, "accepted")
	}
	return x.outcome(Neither)
}

// null-enum-values: sex null on a person. The spec accepts null and clears the field; the table's
// "must be Male or Female" refuses it with invalid-enum-value.
//
// Null sent to a field that is null already shows nothing (a vendor that ignored null would
// answer the same), so a person whose sex is null first gets a value, and the probe nulls that.
// Whatever it changed, it writes back; a vendor that refuses null cannot have a value it was given
// cleared again, and the evidence then says so.
func aurNullEnum(ctx context.Context, t *Target) (out Outcome) {
	d, rec, stop := aurStart(ctx, t, auregister.ContactTypePeople)
	if stop != nil {
		return *stop
	}
	before := rec.stored["sex"]
	if before == nil {
		value := "Female"
		set := aurPatch(ctx, t, d, rec.id, map[string]any{"sex": value})
		if o, ok := set.undecided(); ok {
			return o
		}
		if !set.ok() || set.contact["sex"] != value {
			return set.outcome(Unsettled, "sex is null on the fixture contact, and setting it first (so that clearing it shows) did not take")
		}
	}
	x := aurPatch(ctx, t, d, rec.id, map[string]any{"sex": nil})
	defer func() {
		if now, present := x.contact["sex"]; x.ok() && present && now == before {
			return
		}
		back := aurPatch(ctx, t, d, rec.id, map[string]any{"sex": before})
		if !back.ok() {
			out.Evidence += fmt.Sprintf("; writing sex %v back failed: %s", before, back.String())
		}
	}()
	if o, ok := x.undecided(); ok {
		return o
	}
	if x.ok() {
		if v, present := x.contact["sex"]; present && v == nil {
			return x.outcome(Spec)
		}
		return x.outcome(Neither, "accepted, but sex is not null")
	}
	for _, m := range x.msgs {
		if e, args, ok := d.cat.Identify(x.status(), m); ok && e.ID == "invalid-enum-value" && args["field"] == "sex" {
			return x.outcome(Page)
		}
	}
	return x.outcome(Neither)
}
