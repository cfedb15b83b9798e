package probe

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/suiteconfig"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// The fake auregister account below holds a contact of each type, the People one being the
// page's response example. Each case gives the fake a way of judging and applying an update: the
// spec's (its rule table, read from specs/auregister.yaml, and partial updates), the page's other
// reading as the discrepancy's page line describes it, or a third way. None is taken from the
// probes' code.

// aurFakeToken is the fake's bearer token; no evidence may ever show it.
const aurFakeToken = "FAKE-TOKEN-0123456789"

// The fake's contacts: the page's own (People), and one of each other type.
const (
	aurPeople      = "1941877"
	aurCompany     = "500"
	aurOtherEntity = "600"
	aurJoint       = "700"
)

// aurHandle judges and applies body to stored (which it may change). It answers 200 (the fake
// then sends the stored contact) or an error status with its message.
type aurHandle func(stored, body map[string]any) (status int, msg string)

type aurFake struct {
	t        *testing.T
	mu       sync.Mutex
	contacts map[string]map[string]any
	bodies   []map[string]any
	handle   aurHandle
	// jointSpelling is how the fake spells the Joint Member type (the spec's, unless a case says),
	// and jointUpdatable lets such contacts be updated.
	jointSpelling  string
	jointUpdatable bool
}

// aurTestSpec is specs/auregister.yaml, loaded once: the fake reads it on every request.
var aurTestSpec = sync.OnceValues(func() (*openapi3.T, error) { return specs.Load(specs.Auregister) })

func aurDoc(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := aurTestSpec()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// aurPageContact is the page's response example, from the spec.
func aurPageContact(t testing.TB) map[string]any {
	t.Helper()
	doc := aurDoc(t)
	ex := doc.Paths.Find("/contacts/{contactId}").Patch.Responses.Status(200).Value.Content.Get("application/json").Examples["pageResponseExample"].Value.Value
	raw, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func newAurFake(t *testing.T, handle aurHandle) *aurFake {
	people := aurPageContact(t)
	// The other types: the person's fields cleared, the type's own set.
	other := func(id float64, typ string, set map[string]any) map[string]any {
		c := maps.Clone(people)
		for k := range c {
			c[k] = nil
		}
		c["id"], c["contactType"] = id, typ
		maps.Copy(c, set)
		return c
	}
	return &aurFake{t: t, handle: handle, jointSpelling: "Joint Member", contacts: map[string]map[string]any{
		aurPeople:      people,
		aurCompany:     other(500, "Company", map[string]any{"name": "Acme Pty Ltd", "businessNumber": "51824753556", "placeOfIncorporation": "AU", "email": "office@acme.example"}),
		aurOtherEntity: other(600, "Other Entity", map[string]any{"name": "Acme Trust", "email": "trust@acme.example"}),
		aurJoint:       other(700, "Joint Member", map[string]any{"name": "A & B"}),
	}}
}

// target serves the fake with fixture id, mutations allowed.
func (f *aurFake) target(id string) *Target {
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	return &Target{
		Vendor: specs.Auregister, BaseURL: srv.URL, HTTP: srv.Client(),
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+aurFakeToken)
			return nil
		},
		Fixtures:       map[string]string{"CONTACT_ID": id},
		AllowMutations: true,
	}
}

func (f *aurFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, msg string) { reply(status, map[string]any{"error": "x", "message": msg}) }
	if r.Header.Get("Authorization") != "Bearer "+aurFakeToken {
		fail(http.StatusUnauthorized, aurMsg(f.t, "unauthorized", nil))
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/contacts/")
	if r.Method != http.MethodPatch || !ok || r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("fake auregister: unexpected %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		fail(http.StatusTeapot, "unexpected")
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fail(http.StatusBadRequest, aurMsg(f.t, "malformed-body", nil))
		return
	}
	f.bodies = append(f.bodies, body)
	stored, ok := f.contacts[id]
	if !ok {
		fail(http.StatusNotFound, aurMsg(f.t, "contact-not-found", map[string]string{"contactId": id}))
		return
	}
	if stored["contactType"] == "Joint Member" && !f.jointUpdatable {
		msg := aurMsg(f.t, "joint-member-not-updatable", map[string]string{"contactId": id})
		fail(http.StatusUnprocessableEntity, strings.Replace(msg, "Joint Member", f.jointSpelling, 1))
		return
	}
	if status, msg := f.handle(stored, body); status != http.StatusOK {
		fail(status, msg)
		return
	}
	answer := maps.Clone(stored)
	if answer["contactType"] == "Joint Member" {
		answer["contactType"] = f.jointSpelling
	}
	reply(http.StatusOK, answer)
}

func aurMsg(t testing.TB, id string, args map[string]string) string {
	t.Helper()
	cat, err := specs.ReadCatalogue(aurDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := cat.ByID(id)
	if !ok {
		t.Fatalf("no catalogue entry %q", id)
	}
	m, err := e.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func aurRules(t testing.TB) specs.ContactTypeRules {
	t.Helper()
	r, err := specs.ReadContactTypeRules(aurDoc(t), "ContactUpdate")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// aurSpecWay judges and applies an update as the spec says: the rule table (matchStored, then
// allowedFor with null, "" and the stored value as no-ops), sex's enumeration (null allowed), a
// partial update (absent fields kept, null clears). Undeclared properties are ignored.
// allowedFor, when set, replaces the table's rule for a field (a case's other reading).
func aurSpecWay(t testing.TB, allowedFor map[string][]string) aurHandle {
	rules := aurRules(t)
	maps.Copy(rules.Fields, func() map[string]specs.FieldRule {
		m := map[string]specs.FieldRule{}
		for f, types := range allowedFor {
			m[f] = specs.FieldRule{AllowedFor: types}
		}
		return m
	}())
	declared := aurPageContact(t)
	return func(stored, body map[string]any) (int, string) {
		typ, _ := stored["contactType"].(string)
		apply := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(body)) {
			v := body[k]
			noOp := v == nil || v == "" || reflect.DeepEqual(v, stored[k])
			switch _, known := declared[k]; {
			case !known:
			case slices.Contains(rules.MatchStored, k):
				if !reflect.DeepEqual(v, stored[k]) {
					return http.StatusUnprocessableEntity, aurMsg(t, rules.Errors.MatchStored, map[string]string{"field": k})
				}
			case k == "sex" && v != nil && v != "Male" && v != "Female":
				return http.StatusBadRequest, aurMsg(t, "invalid-enum-value", map[string]string{"field": k, "allowedValues": "Male/Female"})
			case !rules.Allows(typ, k) && !noOp:
				return http.StatusUnprocessableEntity, aurMsg(t, rules.Errors.NotAllowed, map[string]string{"field": k, "contactType": typ})
			case rules.Allows(typ, k):
				apply[k] = v
			}
		}
		maps.Copy(stored, apply)
		return http.StatusOK, ""
	}
}

func aurProbe(t testing.TB, id string) Probe {
	t.Helper()
	for _, p := range auregisterProbes {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no auregister probe %q", id)
	return Probe{}
}

type aurCase struct {
	name    string
	fixture string
	handle  aurHandle
	// adjust changes the fake before the probe runs.
	adjust func(f *aurFake)
	want   Reading
	// unchanged: fixture fields that must be as the fake started them after the probe.
	unchanged []string
}

func runAurCases(t *testing.T, id string, cases []aurCase) {
	t.Helper()
	p := aurProbe(t, id)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAurFake(t, c.handle)
			if c.adjust != nil {
				c.adjust(f)
			}
			before := maps.Clone(f.contacts[c.fixture])
			o := p.Run(context.Background(), f.target(c.fixture))
			if o.Reading != c.want {
				t.Errorf("reading %s, want %s: %s", o.Reading, c.want, o.Evidence)
			}
			for _, k := range c.unchanged {
				if !reflect.DeepEqual(f.contacts[c.fixture][k], before[k]) {
					t.Errorf("%s is %v after the probe, was %v", k, f.contacts[c.fixture][k], before[k])
				}
			}
			oneLineEvidence(t, o, aurFakeToken)
		})
	}
}

// answerWith wraps h: body bodies matching when are answered status/msg instead.
func answerWith(h aurHandle, when func(stored, body map[string]any) bool, status int, msg string) aurHandle {
	return func(stored, body map[string]any) (int, string) {
		if when(stored, body) {
			return status, msg
		}
		return h(stored, body)
	}
}

func sends(field string) func(_, body map[string]any) bool {
	return func(_, body map[string]any) bool { _, ok := body[field]; return ok }
}

func TestAuregisterPartialUpdate(t *testing.T) {
	pageLineSays(t, specs.Auregister, "update-all-versus-partial", "updates all the details")
	spec := aurSpecWay(t, nil)
	// "Updates all the details": what the body leaves out is cleared.
	all := func(stored, body map[string]any) (int, string) {
		if status, msg := spec(stored, body); status != http.StatusOK {
			return status, msg
		}
		for k := range stored {
			if _, sent := body[k]; !sent && k != "id" && k != "contactType" && len(body) > 0 {
				stored[k] = nil
			}
		}
		return http.StatusOK, ""
	}
	// A third way: a mobile update also rewrites phone1.
	meddle := func(stored, body map[string]any) (int, string) {
		if _, ok := body["mobile"]; ok {
			stored["phone1"] = body["mobile"]
		}
		return spec(stored, body)
	}
	runAurCases(t, "update-all-versus-partial", []aurCase{
		{name: "partial (the spec)", fixture: aurPeople, handle: spec, want: Spec, unchanged: []string{"firstName", "birthday", "name"}},
		{name: "partial on a Company", fixture: aurCompany, handle: spec, want: Spec, unchanged: []string{"name", "businessNumber"}},
		{name: "updates all", fixture: aurPeople, handle: all, want: Page},
		{name: "another field changes", fixture: aurPeople, handle: meddle, want: Neither},
		{name: "a server error", fixture: aurPeople, handle: answerWith(spec, sends("mobile"), http.StatusInternalServerError, "boom"), want: Neither},
		{name: "a Joint Member fixture", fixture: aurJoint, handle: spec, want: Unsettled},
		{name: "no such contact", fixture: "999", handle: spec, want: Unsettled},
	})
}

func TestAuregisterJointMemberSpelling(t *testing.T) {
	hyphen := pageLineSays(t, specs.Auregister, "joint-member-spelling", "Joint-member")
	spec := aurSpecWay(t, nil)
	runAurCases(t, "joint-member-spelling", []aurCase{
		{name: "refused, spelt Joint Member", fixture: aurJoint, handle: spec, want: Spec},
		{name: "refused, spelt Joint-member", fixture: aurJoint, handle: spec, adjust: func(f *aurFake) { f.jointSpelling = hyphen }, want: Page},
		{name: "answered, spelt Joint-member", fixture: aurJoint, handle: spec, adjust: func(f *aurFake) { f.jointSpelling, f.jointUpdatable = hyphen, true }, want: Page},
		{name: "a Joint Member updated", fixture: aurJoint, handle: spec, adjust: func(f *aurFake) { f.jointUpdatable = true }, want: Neither},
		{name: "refused otherwise", fixture: aurJoint, handle: spec, adjust: func(f *aurFake) { f.jointSpelling = "joint holding" }, want: Neither},
		{name: "a People fixture", fixture: aurPeople, handle: spec, want: Unsettled},
	})
}

func TestAuregisterExampleTypeRules(t *testing.T) {
	pageLineSays(t, specs.Auregister, "request-example-breaks-type-rules", "status OK")
	spec := aurSpecWay(t, nil)
	// The table read strictly: a field the type does not allow is refused unless null.
	strict := func(stored, body map[string]any) (int, string) {
		typ, _ := stored["contactType"].(string)
		for _, k := range []string{"name", "businessNumber"} {
			if v, ok := body[k]; ok && v != nil && !aurRules(t).Allows(typ, k) {
				return http.StatusUnprocessableEntity, aurMsg(t, "field-not-allowed-for-contact-type", map[string]string{"field": k, "contactType": typ})
			}
		}
		return spec(stored, body)
	}
	// The example's OK read widely: no type rule at all.
	lax := func(stored, body map[string]any) (int, string) {
		maps.Copy(stored, body)
		return http.StatusOK, ""
	}
	runAurCases(t, "request-example-breaks-type-rules", []aurCase{
		{name: "no-ops pass, a new value is refused", fixture: aurPeople, handle: spec, want: Spec, unchanged: []string{"businessNumber", "name"}},
		{name: "the table strictly", fixture: aurPeople, handle: strict, want: Page},
		// With no stored name to send back, only businessNumber "" tells the strict table apart.
		{name: "the table strictly, a person without a name", fixture: aurPeople, handle: strict, adjust: func(f *aurFake) { f.contacts[aurPeople]["name"] = nil }, want: Page},
		{name: "no-ops pass, a person without a name", fixture: aurPeople, handle: spec, adjust: func(f *aurFake) { f.contacts[aurPeople]["name"] = nil }, want: Spec},
		{name: "no type rules", fixture: aurPeople, handle: lax, want: Page},
		{name: "a server error", fixture: aurPeople, handle: answerWith(spec, func(_, b map[string]any) bool { return b["businessNumber"] != nil && b["businessNumber"] != "" }, http.StatusInternalServerError, "boom"), want: Neither},
		{name: "a Company fixture", fixture: aurCompany, handle: spec, want: Unsettled},
	})
}

func TestAuregisterReadOnlyFields(t *testing.T) {
	pageLineSays(t, specs.Auregister, "id-and-contact-type-in-body", "sends id and contactType")
	spec := aurSpecWay(t, nil)
	// The table lists neither field: a vendor taking the body as it comes.
	takes := func(stored, body map[string]any) (int, string) {
		maps.Copy(stored, body)
		return http.StatusOK, ""
	}
	// ignores: both dropped silently.
	ignores := func(stored, body map[string]any) (int, string) {
		b := maps.Clone(body)
		delete(b, "id")
		delete(b, "contactType")
		return spec(stored, b)
	}
	// Refused, but the refusal clears the email on the way.
	leaky := func(stored, body map[string]any) (int, string) {
		status, msg := spec(stored, body)
		if status != http.StatusOK {
			stored["email"] = nil
		}
		return status, msg
	}
	runAurCases(t, "id-and-contact-type-in-body", []aurCase{
		{name: "both refused (the spec)", fixture: aurPeople, handle: spec, want: Spec, unchanged: []string{"id", "contactType"}},
		{name: "both refused on an Other Entity", fixture: aurOtherEntity, handle: spec, want: Spec, unchanged: []string{"id", "contactType"}},
		{name: "taken from the body", fixture: aurCompany, handle: takes, want: Page, unchanged: []string{"contactType"}},
		{name: "ignored", fixture: aurPeople, handle: ignores, want: Page},
		{name: "refused but changed", fixture: aurPeople, handle: leaky, want: Neither},
		{name: "refused otherwise", fixture: aurPeople, handle: answerWith(spec, sends("id"), http.StatusBadRequest, aurMsg(t, "invalid-field-type", map[string]string{"field": "id", "expectedType": "string"})), want: Neither},
	})
}

func TestAuregisterEmailRow(t *testing.T) {
	pageLineSays(t, specs.Auregister, "email-row-unnamed", "between sex and mobile")
	spec := aurSpecWay(t, nil)
	// The unnamed row read as a person's field, like its neighbour sex.
	personal := aurSpecWay(t, map[string][]string{"email": {"People"}})
	ignored := func(stored, body map[string]any) (int, string) {
		b := maps.Clone(body)
		delete(b, "email")
		return spec(stored, b)
	}
	// Answered as changed, but not kept.
	forgets := func() aurHandle {
		n := 0
		return func(stored, body map[string]any) (int, string) {
			n++
			if n == 3 { // the read-back after the update
				stored["email"] = "office@acme.example"
			}
			return spec(stored, body)
		}
	}
	runAurCases(t, "email-row-unnamed", []aurCase{
		{name: "any type (the spec)", fixture: aurCompany, handle: spec, want: Spec},
		{name: "any type, an Other Entity", fixture: aurOtherEntity, handle: spec, want: Spec},
		{name: "a person's field", fixture: aurCompany, handle: personal, want: Page},
		{name: "ignored", fixture: aurCompany, handle: ignored, want: Page},
		{name: "not kept", fixture: aurCompany, handle: forgets(), want: Neither},
		{name: "a People fixture", fixture: aurPeople, handle: spec, want: Unsettled},
	})
}

func TestAuregisterIncorporationSpelling(t *testing.T) {
	typo := pageLineSays(t, specs.Auregister, "place-of-incorporation-spelling", "placeOfIncorportaion")
	spec := aurSpecWay(t, nil)
	// A vendor that stores countries by name.
	names := func(stored, body map[string]any) (int, string) {
		b := maps.Clone(body)
		if v, ok := b["placeOfIncorporation"].(string); ok {
			b["placeOfIncorporation"] = map[string]string{"AU": "AUSTRALIA", "NZ": "NEW ZEALAND"}[v]
		}
		return spec(stored, b)
	}
	refusesTypo := answerWith(spec, sends(typo), http.StatusBadRequest, "unknown field "+typo)
	// The table's spelling is the wire name; the examples' is ignored.
	tableName := func(stored, body map[string]any) (int, string) {
		b := maps.Clone(body)
		delete(b, "placeOfIncorporation")
		if v, ok := b[typo]; ok {
			b["placeOfIncorporation"] = v
		}
		return spec(stored, b)
	}
	// Both spellings stored.
	both := func(stored, body map[string]any) (int, string) {
		b := maps.Clone(body)
		if v, ok := b[typo]; ok {
			b["placeOfIncorporation"] = v
		}
		return spec(stored, b)
	}
	runAurCases(t, "place-of-incorporation-spelling", []aurCase{
		{name: "the examples' spelling (the spec)", fixture: aurCompany, handle: spec, want: Spec},
		{name: "stored as names", fixture: aurCompany, handle: names, want: Spec},
		{name: "the table's spelling refused", fixture: aurCompany, handle: refusesTypo, want: Spec},
		{name: "the table's spelling", fixture: aurCompany, handle: tableName, want: Page},
		{name: "both spellings", fixture: aurCompany, handle: both, want: Page},
		{name: "a server error", fixture: aurCompany, handle: answerWith(spec, sends("placeOfIncorporation"), http.StatusInternalServerError, "boom"), want: Neither},
		{name: "a People fixture", fixture: aurPeople, handle: spec, want: Unsettled},
	})
}

func TestAuregisterExampleOnlyFields(t *testing.T) {
	pageLineSays(t, specs.Auregister, "example-only-fields", "none of which the table describes")
	spec := aurSpecWay(t, nil)
	exampleOnly := []string{"companyNumber", "nationality"}
	// The table's fields only: the example-only ones dropped, or refused.
	ignored := func(stored, body map[string]any) (int, string) {
		b := maps.Clone(body)
		for _, k := range exampleOnly {
			delete(b, k)
		}
		return spec(stored, b)
	}
	refused := func(stored, body map[string]any) (int, string) {
		for _, k := range exampleOnly {
			if _, ok := body[k]; ok {
				return http.StatusBadRequest, "unknown field " + k
			}
		}
		return spec(stored, body)
	}
	// Stored, but upper-cased on the way.
	shouts := func(stored, body map[string]any) (int, string) {
		b := maps.Clone(body)
		for _, k := range exampleOnly {
			if v, ok := b[k].(string); ok {
				b[k] = strings.ToUpper(v) + "!"
			}
		}
		return spec(stored, b)
	}
	runAurCases(t, "example-only-fields", []aurCase{
		{name: "stored on a Company (the spec)", fixture: aurCompany, handle: spec, want: Spec},
		{name: "stored on a person (the spec)", fixture: aurPeople, handle: spec, want: Spec},
		{name: "ignored", fixture: aurCompany, handle: ignored, want: Page},
		{name: "refused", fixture: aurPeople, handle: refused, want: Page},
		{name: "stored otherwise", fixture: aurPeople, handle: shouts, want: Neither},
		{name: "an Other Entity fixture", fixture: aurOtherEntity, handle: spec, want: Unsettled},
	})
}

func TestAuregisterOtherEntityBusinessNumber(t *testing.T) {
	pageLineSays(t, specs.Auregister, "other-entity-company-fields", "can also hold an Australian Business Number")
	spec := aurSpecWay(t, nil)
	trusts := aurSpecWay(t, map[string][]string{"businessNumber": {"Company", "Other Entity"}})
	runAurCases(t, "other-entity-company-fields", []aurCase{
		{name: "Company only (the spec)", fixture: aurOtherEntity, handle: spec, want: Spec, unchanged: []string{"businessNumber"}},
		{name: "Other Entity too", fixture: aurOtherEntity, handle: trusts, want: Page},
		{name: "refused otherwise", fixture: aurOtherEntity, handle: answerWith(spec, sends("businessNumber"), http.StatusBadRequest, "businessNumber must be of type integer"), want: Neither},
		{name: "a Company fixture", fixture: aurCompany, handle: spec, want: Unsettled},
	})
}

func TestAuregisterNullEnum(t *testing.T) {
	pageLineSays(t, specs.Auregister, "null-enum-values", "sex must be Male or Female")
	spec := aurSpecWay(t, nil)
	// The table's list read strictly: null is not Male or Female.
	strict := answerWith(spec, func(_, b map[string]any) bool { v, ok := b["sex"]; return ok && v == nil },
		http.StatusBadRequest, aurMsg(t, "invalid-enum-value", map[string]string{"field": "sex", "allowedValues": "Male/Female"}))
	// Null accepted, but kept as it was.
	keeps := func(stored, body map[string]any) (int, string) {
		stored["sex"] = "Female"
		return http.StatusOK, ""
	}
	// Null accepted and ignored, values applied: on the page's person, whose sex is null already,
	// a probe that only sent null would see null come back and read the spec's way.
	ignoresNull := func(stored, body map[string]any) (int, string) {
		if v, ok := body["sex"]; ok && v == nil {
			return http.StatusOK, ""
		}
		return spec(stored, body)
	}
	male := func(f *aurFake) { f.contacts[aurPeople]["sex"] = "Male" }
	runAurCases(t, "null-enum-values", []aurCase{
		{name: "null clears (the spec)", fixture: aurPeople, handle: spec, want: Spec, unchanged: []string{"sex"}},
		{name: "null clears a set value, then it is restored", fixture: aurPeople, handle: spec, adjust: male, want: Spec, unchanged: []string{"sex"}},
		{name: "null ignored where sex is null already", fixture: aurPeople, handle: ignoresNull, want: Neither},
		{name: "null refused", fixture: aurPeople, handle: strict, want: Page},
		{name: "null ignored", fixture: aurPeople, handle: keeps, want: Neither},
		{name: "a Company fixture", fixture: aurCompany, handle: spec, want: Unsettled},
	})
}

// TestAuregisterProbesNeedMutationsAndFixture: every probe writes, so none sends anything without
// leave, a fixture, or a fixture that is an id.
func TestAuregisterProbesNeedMutationsAndFixture(t *testing.T) {
	for _, p := range auregisterProbes {
		if !p.Mutates {
			t.Errorf("%s: every auregister probe updates the fixture contact, so it mutates", p.ID)
		}
		for name, adjust := range map[string]func(*Target){
			"mutations not allowed": func(tg *Target) { tg.AllowMutations = false },
			"no fixture":            func(tg *Target) { tg.Fixtures = nil },
			"a fixture not an id":   func(tg *Target) { tg.Fixtures["CONTACT_ID"] = "../admin" },
		} {
			t.Run(p.ID+"/"+name, func(t *testing.T) {
				f := newAurFake(t, aurSpecWay(t, nil))
				tg := f.target(aurPeople)
				adjust(tg)
				o := p.Run(context.Background(), tg)
				if o.Reading != Unsettled || len(f.bodies) > 0 {
					t.Errorf("%s after %d requests, want unsettled before any: %s", o.Reading, len(f.bodies), o.Evidence)
				}
				oneLineEvidence(t, o)
			})
		}
	}
}

// TestAuregisterProbesUnsettled: no answer, or refused credentials, decide nothing.
func TestAuregisterProbesUnsettled(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	gone := &Target{Vendor: specs.Auregister, BaseURL: srv.URL, HTTP: srv.Client(), Fixtures: map[string]string{"CONTACT_ID": aurPeople}, AllowMutations: true}
	srv.Close()
	for _, p := range auregisterProbes {
		if o := p.Run(context.Background(), gone); o.Reading != Unsettled {
			t.Errorf("%s without an answer: %s, want unsettled: %s", p.ID, o.Reading, o.Evidence)
		}
		f := newAurFake(t, aurSpecWay(t, nil))
		tg := f.target(aurPeople)
		tg.Authorize = func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer wrong")
			return nil
		}
		if o := p.Run(context.Background(), tg); o.Reading != Unsettled || !strings.Contains(o.Evidence, "credentials") {
			t.Errorf("%s with refused credentials: %s, want unsettled: %s", p.ID, o.Reading, o.Evidence)
		}
	}
}

// aurMockContacts are the mock's contacts of each type (conformance/mock/auregister/
// fixtures.json), keyed by the per-type variable a live run would name them with.
var aurMockContacts = map[string]string{
	"CONTACTAPIS_AUREGISTER_CONTACT_ID_PEOPLE":       "1941877",
	"CONTACTAPIS_AUREGISTER_CONTACT_ID_JOINT_MEMBER": "1941878",
	"CONTACTAPIS_AUREGISTER_CONTACT_ID_COMPANY":      "1941879",
	"CONTACTAPIS_AUREGISTER_CONTACT_ID_OTHER_ENTITY": "1941880",
}

// aurConfigFixtures are the fixtures drift probe gives an auregister url target when the
// environment is env: read by suiteconfig as the suite reads them, then SettingsFrom.
func aurConfigFixtures(t testing.TB, env map[string]string) map[string]string {
	t.Helper()
	flags, err := suiteconfig.FlagsFor(map[string]string{"target": "url", "vendors": specs.Auregister, "auregister-url": "http://127.0.0.1:1/auregister", "allow-mutations": "true"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := flags.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("configuration: %v", err)
	}
	return SettingsFrom(cfg, specs.Auregister).Fixtures
}

// aurRunAll runs every auregister probe once, in one run against one mock (each probe finds the
// mock as the earlier ones left it, as on a live vendor), and returns each probe's finding.
func aurRunAll(t *testing.T, fixtures map[string]string) map[string]report.Finding {
	t.Helper()
	tg := mockTarget(t, specs.Auregister, true)
	tg.Fixtures = fixtures
	findings, _, err := Run(context.Background(), tg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]report.Finding{}
	for _, f := range findings {
		byID[f.Operation] = f
		if strings.Contains(f.Message, "\n") {
			t.Errorf("%s: evidence on several lines: %q", f.Operation, f.Message)
		}
	}
	for _, p := range auregisterProbes {
		if _, ok := byID[p.ID]; !ok {
			t.Fatalf("no finding for probe %s", p.ID)
		}
	}
	return byID
}

// TestAuregisterTypeKeysAreRead: every contact type of the spec has its per-type variable, and
// the suite's configuration passes it to the probes; otherwise a type could never be named.
func TestAuregisterTypeKeysAreRead(t *testing.T) {
	types := aurRules(t).Types
	if got := suiteconfig.OptionalFixtureKeys[specs.Auregister]; len(got) != len(types) {
		t.Errorf("suiteconfig.OptionalFixtureKeys[auregister] = %v, want one key per contact type %v", got, types)
	}
	if len(types) != len(aurMockContacts) {
		t.Fatalf("the spec has types %v; this test names a mock contact of %d", types, len(aurMockContacts))
	}
	fixtures := aurConfigFixtures(t, aurMockContacts)
	for _, ty := range types {
		name := aurVar(aurTypeKey(ty))
		want, ok := aurMockContacts[name]
		if !ok {
			t.Errorf("type %q: its variable %s is not the one this test expects", ty, name)
			continue
		}
		if got := fixtures[aurTypeKey(ty)]; got != want {
			t.Errorf("type %q: %s=%s reaches the probes as %q", ty, name, want, got)
		}
	}
}

// TestAuregisterProbesOnTheMock: the mock follows the spec by construction, so with a contact of
// each type named, one run reads Spec for every probe. CONTACT_ID is left unset, so a probe that
// fell back to it instead of its type's contact would not be sent.
func TestAuregisterProbesOnTheMock(t *testing.T) {
	for id, f := range aurRunAll(t, aurConfigFixtures(t, aurMockContacts)) {
		if _, probed := auregisterUnsettleable[id]; !probed && f.Rule != RuleSpec {
			t.Errorf("%s: %s, want %s: %s", id, f.Rule, RuleSpec, f.Message)
		}
	}
	// Without leave to mutate, nothing is read.
	tg := mockTarget(t, specs.Auregister, false)
	for _, p := range auregisterProbes {
		if o := p.Run(context.Background(), tg); o.Reading != Unsettled {
			t.Errorf("without --allow-mutations, %s: %s, want unsettled: %s", p.ID, o.Reading, o.Evidence)
		}
	}
}

// TestAuregisterOneContactOneType: with only CONTACT_ID, a People contact, the probes a person
// settles read Spec and the others stay Unsettled, naming the per-type variable to set. The
// types are the discrepancies' own: Joint Member's spelling, an email on a business, a
// Company's place of incorporation, an Other Entity's businessNumber.
func TestAuregisterOneContactOneType(t *testing.T) {
	needs := map[string][]string{
		"joint-member-spelling":           {"CONTACTAPIS_AUREGISTER_CONTACT_ID_JOINT_MEMBER"},
		"email-row-unnamed":               {"CONTACTAPIS_AUREGISTER_CONTACT_ID_COMPANY", "CONTACTAPIS_AUREGISTER_CONTACT_ID_OTHER_ENTITY"},
		"place-of-incorporation-spelling": {"CONTACTAPIS_AUREGISTER_CONTACT_ID_COMPANY"},
		"other-entity-company-fields":     {"CONTACTAPIS_AUREGISTER_CONTACT_ID_OTHER_ENTITY"},
	}
	all := []string{"PEOPLE", "JOINT_MEMBER", "COMPANY", "OTHER_ENTITY"}
	findings := aurRunAll(t, aurConfigFixtures(t, map[string]string{"CONTACTAPIS_AUREGISTER_CONTACT_ID": "1941877"}))
	for _, p := range auregisterProbes {
		f := findings[p.ID]
		vars, other := needs[p.ID]
		if !other {
			if f.Rule != RuleSpec {
				t.Errorf("%s on a People contact: %s, want %s: %s", p.ID, f.Rule, RuleSpec, f.Message)
			}
			continue
		}
		if f.Rule != RuleUnsettled {
			t.Errorf("%s on a People contact: %s, want %s: %s", p.ID, f.Rule, RuleUnsettled, f.Message)
			continue
		}
		for _, suffix := range all {
			name := "CONTACTAPIS_AUREGISTER_CONTACT_ID_" + suffix
			if named := strings.Contains(f.Message, name+" "); named != slices.Contains(vars, name) {
				t.Errorf("%s: names %s: %v, want %v: %s", p.ID, name, named, !named, f.Message)
			}
		}
	}
}

// TestAuregisterTypeKeyOfAnotherType: a per-type variable naming a contact of another type is
// Unsettled, naming that variable, even where the probe could use the contact's own type (a
// Company named as the People contact, for update-all-versus-partial); CONTACT_ID, a contact of
// the right type, does not stand in for it.
func TestAuregisterTypeKeyOfAnotherType(t *testing.T) {
	env := map[string]string{
		"CONTACTAPIS_AUREGISTER_CONTACT_ID":              "1941877",
		"CONTACTAPIS_AUREGISTER_CONTACT_ID_PEOPLE":       "1941879", // a Company
		"CONTACTAPIS_AUREGISTER_CONTACT_ID_JOINT_MEMBER": "1941877", // People
		"CONTACTAPIS_AUREGISTER_CONTACT_ID_COMPANY":      "1941880", // an Other Entity
		"CONTACTAPIS_AUREGISTER_CONTACT_ID_OTHER_ENTITY": "1941878", // a Joint Member
	}
	// The variable each probe reads: that of the first type it takes (the discrepancy's subject).
	reads := map[string]string{
		"update-all-versus-partial":         "PEOPLE",
		"joint-member-spelling":             "JOINT_MEMBER",
		"request-example-breaks-type-rules": "PEOPLE",
		"id-and-contact-type-in-body":       "PEOPLE",
		"email-row-unnamed":                 "COMPANY",
		"place-of-incorporation-spelling":   "COMPANY",
		"example-only-fields":               "COMPANY",
		"other-entity-company-fields":       "OTHER_ENTITY",
		"null-enum-values":                  "PEOPLE",
	}
	findings := aurRunAll(t, aurConfigFixtures(t, env))
	for _, p := range auregisterProbes {
		f := findings[p.ID]
		name := "CONTACTAPIS_AUREGISTER_CONTACT_ID_" + reads[p.ID]
		if f.Rule != RuleUnsettled || !strings.Contains(f.Message, name+" names a contact of type") {
			t.Errorf("%s: %s, want %s naming %s: %s", p.ID, f.Rule, RuleUnsettled, name, f.Message)
		}
	}
	// A per-type value that is not an id is not sent.
	f := newAurFake(t, aurSpecWay(t, nil))
	tg := f.target(aurPeople)
	tg.Fixtures["CONTACT_ID_PEOPLE"] = "../admin"
	if o := aurProbe(t, "null-enum-values").Run(context.Background(), tg); o.Reading != Unsettled || len(f.bodies) > 0 ||
		!strings.Contains(o.Evidence, "CONTACTAPIS_AUREGISTER_CONTACT_ID_PEOPLE") {
		t.Errorf("%s after %d requests, want unsettled before any, naming the variable: %s", o.Reading, len(f.bodies), o.Evidence)
	}
}
