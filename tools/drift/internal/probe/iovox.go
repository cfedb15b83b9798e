package probe

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/specs"
)

// iovoxProbes settle the x-doc-discrepancy entries of specs/iovox.yaml that a live run can decide.
//
// iovox answers an update with 204 and no body, and this module covers no method that reads a
// contact back, so a probe can only decide what the vendor's refusal (or its absence) shows. The
// read-only probes send an unknown contact_id: no reading of the page makes such a request write.
// The others update the fixture contact with as little as the question needs.
var iovoxProbes = []Probe{
	{Vendor: specs.Iovox, ID: "contact-not-found-wording", Run: iovoxContactNotFoundWording},
	{Vendor: specs.Iovox, ID: "method-parameter-undocumented", Run: iovoxMethodParameter},
	{Vendor: specs.Iovox, ID: "flag-type", Mutates: true, Run: iovoxFlagType},
	{Vendor: specs.Iovox, ID: "phone-internationalisation-scope", Mutates: true, Run: iovoxPhoneScope},
	{Vendor: specs.Iovox, ID: "example-phone-numbers", Mutates: true, Run: iovoxExamplePhone},
	{Vendor: specs.Iovox, ID: "country-element-names", Mutates: true, Run: iovoxCountryElements},
	{Vendor: specs.Iovox, ID: "copied-create-resolution", Mutates: true, Run: iovoxOwnCombination},
}

// The vendor's probes, for ForVendor and Unsettleable.
func init() { register(specs.Iovox, &iovoxProbes, &iovoxUnsettleable) }

// iovoxUnsettleable are the discrepancies of specs/iovox.yaml no live run can decide, with why.
var iovoxUnsettleable = map[string]string{
	"example-unclosed-contact":      "the page's example is malformed XML under any reading; nothing the vendor does can make it well-formed (the spec's probe line: none needed)",
	"flags-placement":               "replaced or added-to phone lists are visible only by reading the contact back (getContactDetails, which the spec declares as assumed); this probe does not read back yet",
	"address-elements-undocumented": "an accepted work_city may be stored or silently dropped; telling them apart needs a read-back (getContactDetails, which the spec declares as assumed); this probe does not read back yet",
	"empty-detail-clears":           "needs a contact whose mobile_phone a rule template uses (rules cannot be set through updateContacts) and a read-back (getContactDetails) to see the number cleared rather than ignored",
}

// iovoxFixtureKey names the contact the mutating probes may update (CONTACTAPIS_IOVOX_CONTACT_ID).
const iovoxFixtureKey = "CONTACT_ID"

// The values the probes send that the spec holds nowhere.
const (
	// iovoxNationalMobile is the page example's mobile_phone (447772412312) written the UK's
	// national way, trunk 0 instead of the calling code: internationalised only by the page's
	// business_fax-only reading.
	iovoxNationalMobile = "07772412312"
	// iovoxNoCountry is no English country name (internal/country knows no such country; the
	// tests check it), so only a vendor that validates work_country refuses it.
	iovoxNoCountry = "Atlantis"
)

// iovoxSpecData is what the probes take from specs/iovox.yaml: the operation's path, the catalogue
// messages they compare answers with (rendered once, for a one-contact payload), and the page's
// example contact.
type iovoxSpecData struct {
	path    string
	cat     specs.Catalogue
	example iovox.Contact

	notFound, notFoundUnpositioned string
	methodInvalid                  string
	mobileNotIntl, homeNotIntl     string
	businessCountryInvalid         string
	combinationExists              string
}

var iovoxSpec = sync.OnceValues(func() (*iovoxSpecData, error) {
	doc, err := specs.Load(specs.Iovox)
	if err != nil {
		return nil, err
	}
	all, err := specs.ReadCatalogue(doc)
	if err != nil {
		return nil, err
	}
	var d iovoxSpecData
	for _, op := range specs.Operations(doc) {
		if op.Operation.OperationID == "updateContacts" {
			d.path = op.Path
			d.cat = all.ForOperation(op.Operation.OperationID, true)
			if err := iovoxPageContact(op, &d.example); err != nil {
				return nil, err
			}
		}
	}
	if d.path == "" {
		return nil, fmt.Errorf("specs/iovox.yaml: no operation updateContacts")
	}
	one := map[string]string{"item": "1", "total": "1"}
	for _, m := range []struct {
		into *string
		id   string
		args map[string]string
	}{
		{&d.notFound, "contact-id-not-found", one},
		{&d.methodInvalid, "method-invalid", nil},
		{&d.mobileNotIntl, "mobile-phone-not-internationalised", one},
		{&d.homeNotIntl, "home-phone-not-internationalised", one},
		{&d.businessCountryInvalid, "business-country-invalid", one},
		{&d.combinationExists, "display-name-phone-exists", one},
	} {
		e, ok := d.cat.ByID(m.id)
		if !ok {
			return nil, fmt.Errorf("specs/iovox.yaml: no catalogue entry %q", m.id)
		}
		if *m.into, err = e.Render(m.args); err != nil {
			return nil, err
		}
	}
	// The wording a live sandbox gave (x-doc-discrepancy contact-not-found-wording) is the
	// catalogue's template without the position, so it is derived rather than typed again.
	e, _ := d.cat.ByID("contact-id-not-found")
	d.notFoundUnpositioned = strings.Replace(e.Message, " {item} of {total}", "", 1)
	if d.notFoundUnpositioned == e.Message {
		return nil, fmt.Errorf("specs/iovox.yaml: contact-id-not-found %q no longer has the page's position", e.Message)
	}
	return &d, nil
})

// iovoxPageContact reads the first contact of the page's payload example, which the spec holds as
// data in the JSON shape of the generated types.
func iovoxPageContact(op specs.Operation, into *iovox.Contact) error {
	var ex any
	if rb := op.Operation.RequestBody; rb != nil && rb.Value != nil {
		if media := rb.Value.Content.Get("application/xml"); media != nil && media.Examples["page"] != nil && media.Examples["page"].Value != nil {
			ex = media.Examples["page"].Value.Value
		}
	}
	raw, err := json.Marshal(ex)
	if err != nil {
		return fmt.Errorf("specs/iovox.yaml: page example: %w", err)
	}
	var p iovox.UpdateContactsPayload
	if err := json.Unmarshal(raw, &p); err != nil || len(p.Contact) == 0 || len(p.Contact[0].MobilePhone) == 0 || len(p.Contact[0].HomePhone) == 0 || p.Contact[0].DisplayName == nil {
		return fmt.Errorf("specs/iovox.yaml: updateContacts has no page example with a display_name, mobile_phone and home_phone (%v)", err)
	}
	*into = p.Contact[0]
	return nil
}

// iovoxQuery is the page's query string; without method when withMethod is false.
func iovoxQuery(withMethod bool) string {
	q := fmt.Sprintf("?v=%d", iovox.APIVersionV3)
	if withMethod {
		q += "&method=" + string(iovox.MethodNameUpdateContacts)
	}
	return q
}

// iovoxExchange is one request a probe sent and what came back.
type iovoxExchange struct {
	req  Request
	what string // what the body holds, in a few words, for the evidence
	resp *Response
	err  error
	msgs []string
}

// iovoxPut sends p to the operation's path with query, described by what.
func iovoxPut(ctx context.Context, t *Target, d *iovoxSpecData, query, what string, p iovox.UpdateContactsPayload) *iovoxExchange {
	x := &iovoxExchange{what: what}
	body, err := iovox.EncodePayload(p)
	if err != nil {
		x.err = err
		return x
	}
	x.req = Request{Method: http.MethodPut, Path: d.path + query, ContentType: "application/xml", Body: body}
	x.resp, x.err = t.Do(ctx, x.req)
	if x.err == nil {
		x.msgs = x.resp.Messages(specs.Iovox)
	}
	return x
}

// String is the one-line evidence: "PUT /Contacts?v=3&method=updateContacts (what) → 400
// application/xml "first message" (+1 more)". The path holds no credential: iovox's are headers.
func (x *iovoxExchange) String() string {
	line := fmt.Sprintf("%s %s (%s) →", x.req.Method, x.req.Path, x.what)
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
	if len(x.msgs) > 1 {
		line += fmt.Sprintf(" (+%d more)", len(x.msgs)-1)
	}
	return line
}

func (x *iovoxExchange) has(msg string) bool {
	for _, m := range x.msgs {
		if m == msg {
			return true
		}
	}
	return false
}

func (x *iovoxExchange) status() int {
	if x.resp == nil {
		return 0
	}
	return x.resp.Status
}

func (x *iovoxExchange) outcome(r Reading) Outcome { return Outcome{Reading: r, Evidence: x.String()} }

// undecided is the outcome when the answer does not reach the question: no answer, or the
// credentials refused (which the spec's assumed 401 or any 403 says).
func (x *iovoxExchange) undecided() (Outcome, bool) {
	switch {
	case x.err != nil:
		return x.outcome(Unsettled), true
	case x.resp.Status == http.StatusUnauthorized || x.resp.Status == http.StatusForbidden:
		return Outcome{Reading: Unsettled, Evidence: x.String() + ": the credentials were refused"}, true
	}
	return Outcome{}, false
}

// fixtureUndecided is undecided for a request on the fixture contact, which must also exist.
func (x *iovoxExchange) fixtureUndecided(d *iovoxSpecData) (Outcome, bool) {
	if o, ok := x.undecided(); ok {
		return o, true
	}
	if x.has(d.notFound) || x.has(d.notFoundUnpositioned) {
		return Outcome{Reading: Unsettled, Evidence: x.String() + ": set CONTACTAPIS_IOVOX_CONTACT_ID to an existing contact"}, true
	}
	return Outcome{}, false
}

// iovoxStart loads the spec data and, for a mutating probe, the fixture contact id.
func iovoxStart(t *Target, mutates bool) (*iovoxSpecData, string, *Outcome) {
	d, err := iovoxSpec()
	if err != nil {
		return nil, "", &Outcome{Reading: Unsettled, Evidence: "specs/iovox.yaml: " + err.Error()}
	}
	if !mutates {
		return d, "", nil
	}
	if !t.AllowMutations {
		return nil, "", &Outcome{Reading: Unsettled, Evidence: "not sent: the probe updates the fixture contact, so it runs only with --allow-mutations"}
	}
	id, ok := t.Fixture(iovoxFixtureKey)
	if !ok {
		return nil, "", &Outcome{Reading: Unsettled, Evidence: "not sent: set CONTACTAPIS_IOVOX_CONTACT_ID to the contact the probe may update"}
	}
	return d, id, nil
}

// iovoxAbsentID is a contact_id no account holds: a fresh random one per run.
func iovoxAbsentID() string { return "drift-probe-absent-" + rand.Text() }

func iovoxOne(c iovox.Contact) iovox.UpdateContactsPayload {
	return iovox.UpdateContactsPayload{Contact: []iovox.Contact{c}}
}

// contact-not-found-wording: the page's "Contact ID x of y does not exist" (the spec) or the
// sandbox's "Contact ID does not exist", for one unknown contact.
func iovoxContactNotFoundWording(ctx context.Context, t *Target) Outcome {
	d, _, stop := iovoxStart(t, false)
	if stop != nil {
		return *stop
	}
	x := iovoxPut(ctx, t, d, iovoxQuery(true), "one unknown contact_id", iovoxOne(iovox.Contact{ContactID: iovoxAbsentID()}))
	if o, ok := x.undecided(); ok {
		return o
	}
	switch {
	case x.status() == http.StatusBadRequest && x.has(d.notFound):
		return x.outcome(Spec)
	case x.status() == http.StatusBadRequest && x.has(d.notFoundUnpositioned):
		return x.outcome(Page)
	}
	return x.outcome(Neither)
}

// method-parameter-undocumented: without method, the spec refuses with method-invalid; a vendor
// that needs no method (the query table lists only v) goes on to the contact, unknown here.
func iovoxMethodParameter(ctx context.Context, t *Target) Outcome {
	d, _, stop := iovoxStart(t, false)
	if stop != nil {
		return *stop
	}
	x := iovoxPut(ctx, t, d, iovoxQuery(false), "no method, one unknown contact_id", iovoxOne(iovox.Contact{ContactID: iovoxAbsentID()}))
	if o, ok := x.undecided(); ok {
		return o
	}
	switch {
	case x.status() == http.StatusBadRequest && x.has(d.methodInvalid):
		return x.outcome(Spec)
	case x.status() == http.StatusNoContent,
		x.status() == http.StatusBadRequest && (x.has(d.notFound) || x.has(d.notFoundUnpositioned)):
		return x.outcome(Page)
	}
	return x.outcome(Neither)
}

// flag-type: rm_rules "true" in lower case. The spec's enum refuses it; a BOOLEAN (the payload
// table's type) accepts it. The contact gets nothing else, so an accepted call changes no detail.
func iovoxFlagType(ctx context.Context, t *Target) Outcome {
	d, id, stop := iovoxStart(t, true)
	if stop != nil {
		return *stop
	}
	p := iovoxOne(iovox.Contact{ContactID: id})
	lower := iovox.Flag(strings.ToLower(string(iovox.FlagTRUE)))
	p.RmRules = &lower
	x := iovoxPut(ctx, t, d, iovoxQuery(true), "rm_rules "+string(lower)+", fixture contact_id only", p)
	if o, ok := x.fixtureUndecided(d); ok {
		return o
	}
	switch x.status() {
	case http.StatusNoContent:
		return x.outcome(Page)
	case http.StatusBadRequest:
		// The spec names no row for a flag it refuses (the mock answers xml-parse-error); any
		// refusal that is not a documented row about something else confirms the enum.
		for _, m := range x.msgs {
			if e, _, ok := d.cat.Identify(http.StatusBadRequest, m); !ok || e.ID == "xml-parse-error" {
				return x.outcome(Spec)
			}
		}
	}
	return x.outcome(Neither)
}

// phone-internationalisation-scope: a mobile_phone in national form. The spec (the error table)
// refuses it with mobile-phone-not-internationalised; the description, which asks only
// business_fax to be internationalised, accepts it.
func iovoxPhoneScope(ctx context.Context, t *Target) Outcome {
	d, id, stop := iovoxStart(t, true)
	if stop != nil {
		return *stop
	}
	x := iovoxPut(ctx, t, d, iovoxQuery(true), "mobile_phone "+iovoxNationalMobile, iovoxOne(iovox.Contact{ContactID: id, MobilePhone: []string{iovoxNationalMobile}}))
	if o, ok := x.fixtureUndecided(d); ok {
		return o
	}
	switch {
	case x.status() == http.StatusBadRequest && x.has(d.mobileNotIntl):
		return x.outcome(Spec)
	case x.status() == http.StatusNoContent:
		return x.outcome(Page)
	}
	return x.outcome(Neither)
}

// example-phone-numbers: the page example's home_phone, one digit short of a UK number. The spec
// accepts any digits-only number with a calling code; a vendor checking national lengths refuses it.
func iovoxExamplePhone(ctx context.Context, t *Target) Outcome {
	d, id, stop := iovoxStart(t, true)
	if stop != nil {
		return *stop
	}
	home := d.example.HomePhone[0]
	x := iovoxPut(ctx, t, d, iovoxQuery(true), "home_phone "+home, iovoxOne(iovox.Contact{ContactID: id, HomePhone: []string{home}}))
	if o, ok := x.fixtureUndecided(d); ok {
		return o
	}
	switch {
	case x.status() == http.StatusNoContent:
		return x.outcome(Spec)
	case x.status() == http.StatusBadRequest && x.has(d.homeNotIntl):
		return x.outcome(Page)
	case x.status() == http.StatusBadRequest && x.has(d.combinationExists):
		// Another contact holds this number with the fixture's display name: the number was
		// read, but the answer is about something else.
		return Outcome{Reading: Unsettled, Evidence: x.String() + ": another contact holds the fixture's display name with this number"}
	}
	return x.outcome(Neither)
}

// country-element-names: an invalid work_country. The spec reads it as the business country and
// refuses it with business-country-invalid; the payload table, which knows no work_country, lets
// it through.
func iovoxCountryElements(ctx context.Context, t *Target) Outcome {
	d, id, stop := iovoxStart(t, true)
	if stop != nil {
		return *stop
	}
	bad := iovoxNoCountry
	x := iovoxPut(ctx, t, d, iovoxQuery(true), "work_country "+bad, iovoxOne(iovox.Contact{ContactID: id, WorkCountry: &bad}))
	if o, ok := x.fixtureUndecided(d); ok {
		return o
	}
	switch {
	case x.status() == http.StatusBadRequest && x.has(d.businessCountryInvalid):
		return x.outcome(Spec)
	case x.status() == http.StatusNoContent:
		return x.outcome(Page)
	}
	return x.outcome(Neither)
}

// copied-create-resolution: the fixture gets a display name no contact has, with the page
// example's mobile_phone, then the same again. The spec lets a contact keep its own combination;
// createContacts' rule, which the page's row was copied from, refuses the second call as a clash.
func iovoxOwnCombination(ctx context.Context, t *Target) Outcome {
	d, id, stop := iovoxStart(t, true)
	if stop != nil {
		return *stop
	}
	// A fresh name makes the combination new, so the first call succeeds under both readings.
	name := *d.example.DisplayName + " " + rand.Text()[:8]
	c := iovox.Contact{ContactID: id, DisplayName: &name, MobilePhone: []string{d.example.MobilePhone[0]}}
	first := iovoxPut(ctx, t, d, iovoxQuery(true), "new display_name with mobile_phone "+d.example.MobilePhone[0], iovoxOne(c))
	if o, ok := first.fixtureUndecided(d); ok {
		return o
	}
	if first.status() != http.StatusNoContent {
		if first.status() == http.StatusBadRequest && first.has(d.combinationExists) {
			return Outcome{Reading: Unsettled, Evidence: first.String() + ": the new combination already clashes, so the second call could not decide"}
		}
		return first.outcome(Neither)
	}
	again := iovoxPut(ctx, t, d, iovoxQuery(true), "the same display_name and mobile_phone again", iovoxOne(c))
	if o, ok := again.fixtureUndecided(d); ok {
		return o
	}
	switch {
	case again.status() == http.StatusNoContent:
		return again.outcome(Spec)
	case again.status() == http.StatusBadRequest && again.has(d.combinationExists):
		return again.outcome(Page)
	}
	return again.outcome(Neither)
}
