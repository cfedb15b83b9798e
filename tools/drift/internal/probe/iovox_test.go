package probe

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/internal/country"
	"github.com/contactapis/contactapis/specs"
)

// The fake iovox account below answers the way each case says. The spec's answers are the
// catalogue's messages rendered for a one-contact payload; the page's are what each
// discrepancy's page line describes (quoted strings are checked to be in that line); the third
// way is an answer neither predicts. None of them is taken from the probes' code.

// ioFakeSecret is the fake's secureKey; no evidence may ever show it.
const ioFakeSecret = "FAKE-SECURE-KEY-0123456789"

// ioFixture is the contact the fake account holds and the target names as CONTACT_ID.
const ioFixture = "c-fixture"

// ioFakeRequest is an updateContacts call as the fake read it.
type ioFakeRequest struct {
	query   url.Values
	payload iovox.UpdateContactsPayload
}

// contact is the payload's only contact (the probes send one).
func (r ioFakeRequest) contact() iovox.Contact {
	if len(r.payload.Contact) != 1 {
		return iovox.Contact{}
	}
	return r.payload.Contact[0]
}

type ioFake struct {
	t        *testing.T
	mu       sync.Mutex
	requests []ioFakeRequest
	answer   func(f *ioFake, r ioFakeRequest) (status int, msgs []string)
}

func newIOFake(t *testing.T, answer func(f *ioFake, r ioFakeRequest) (int, []string)) *ioFake {
	return &ioFake{t: t, answer: answer}
}

// target serves the fake: credentials sent as iovox's two headers, the fixture named, mutations
// allowed.
func (f *ioFake) target() *Target {
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	return &Target{
		Vendor: specs.Iovox, BaseURL: srv.URL, HTTP: srv.Client(),
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("username", "fake-user")
			r.Header.Set("secureKey", ioFakeSecret)
			return nil
		},
		Fixtures:       map[string]string{"CONTACT_ID": ioFixture},
		AllowMutations: true,
	}
}

func (f *ioFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPut || r.URL.Path != "/Contacts" || r.Header.Get("secureKey") != ioFakeSecret {
		f.t.Errorf("fake iovox: unexpected %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusTeapot)
		return
	}
	body, _ := io.ReadAll(r.Body)
	req := ioFakeRequest{query: r.URL.Query()}
	if err := xml.Unmarshal(body, &req.payload); err != nil {
		f.t.Errorf("fake iovox: the probe sent no payload the page describes: %v", err)
	}
	f.requests = append(f.requests, req)
	status, msgs := f.answer(f, req)
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	var list iovox.Errors
	for _, m := range msgs {
		list.Error = append(list.Error, iovox.Error{Status: status, Message: m})
	}
	out, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"errors"`
		iovox.Errors
	}{Errors: list})
	if err != nil {
		f.t.Fatal(err)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// ioTestCatalogue is specs/iovox.yaml's catalogue, read once: the fakes render on every request.
var ioTestCatalogue = sync.OnceValues(func() (specs.Catalogue, error) {
	doc, err := specs.Load(specs.Iovox)
	if err != nil {
		return nil, err
	}
	return specs.ReadCatalogue(doc)
})

// ioMsg renders catalogue entry id of specs/iovox.yaml for position 1 of 1 where it has one.
func ioMsg(t testing.TB, id string) string {
	t.Helper()
	cat, err := ioTestCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := cat.ByID(id)
	if !ok {
		t.Fatalf("no catalogue entry %q", id)
	}
	args := map[string]string{}
	for _, p := range e.Placeholders() {
		args[p] = map[string]string{"item": "1", "total": "1", "detail": "value is not TRUE or FALSE", "line": "1", "column": "20", "method": "GET"}[p]
	}
	m, err := e.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pageSays returns s after checking that the page line of vendor's discrepancy id mentions it:
// the page's way of answering is taken from that line.
func pageLineSays(t testing.TB, vendor, id, s string) string {
	t.Helper()
	ds, err := Discrepancies(vendor)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.ID == id {
			if !strings.Contains(d.Page, s) {
				t.Fatalf("%s: the page line does not say %q: %s", id, s, d.Page)
			}
			return s
		}
	}
	t.Fatalf("specs/%s.yaml has no discrepancy %q", vendor, id)
	return ""
}

func ioProbe(t testing.TB, id string) Probe {
	t.Helper()
	for _, p := range iovoxProbes {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no iovox probe %q", id)
	return Probe{}
}

type ioCase struct {
	name   string
	answer func(f *ioFake, r ioFakeRequest) (int, []string)
	want   Reading
}

func runIOCases(t *testing.T, id string, cases []ioCase) {
	t.Helper()
	p := ioProbe(t, id)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newIOFake(t, c.answer)
			o := p.Run(context.Background(), f.target())
			if o.Reading != c.want {
				t.Errorf("reading %s, want %s: %s", o.Reading, c.want, o.Evidence)
			}
			oneLineEvidence(t, o, ioFakeSecret)
		})
	}
}

// checkEvidence: one line, saying what was sent, never a secret.
func oneLineEvidence(t testing.TB, o Outcome, secrets ...string) {
	t.Helper()
	if o.Evidence == "" || strings.ContainsAny(o.Evidence, "\r\n") {
		t.Errorf("evidence is not one line: %q", o.Evidence)
	}
	for _, s := range secrets {
		if strings.Contains(o.Evidence, s) {
			t.Errorf("evidence shows a secret: %s", o.Evidence)
		}
	}
}

func ioFixed(status int, msgs ...string) func(*ioFake, ioFakeRequest) (int, []string) {
	return func(*ioFake, ioFakeRequest) (int, []string) { return status, msgs }
}

func TestIovoxContactNotFoundWording(t *testing.T) {
	// The account holds only the fixture; the probe must ask for another contact.
	unknown := func(msg string) func(*ioFake, ioFakeRequest) (int, []string) {
		return func(_ *ioFake, r ioFakeRequest) (int, []string) {
			if id := r.contact().ContactID; id == ioFixture || id == "" {
				return http.StatusNoContent, nil
			}
			return http.StatusBadRequest, []string{msg}
		}
	}
	runIOCases(t, "contact-not-found-wording", []ioCase{
		{"the error table's wording", unknown(ioMsg(t, "contact-id-not-found")), Spec},
		{"the sandbox's wording", unknown(pageLineSays(t, specs.Iovox, "contact-not-found-wording", "Contact ID does not exist")), Page},
		{"another row", unknown(ioMsg(t, "contact-id-empty")), Neither},
		{"a server error", ioFixed(http.StatusInternalServerError, ioMsg(t, "internal-server-error")), Neither},
		{"credentials refused", ioFixed(http.StatusUnauthorized, ioMsg(t, "authentication-failed")), Unsettled},
	})
}

func TestIovoxMethodParameter(t *testing.T) {
	// An unknown contact either way: only the method decides the answer.
	withoutMethod := func(status int, msgs ...string) func(*ioFake, ioFakeRequest) (int, []string) {
		return func(_ *ioFake, r ioFakeRequest) (int, []string) {
			if r.query.Get("v") != "3" {
				return http.StatusBadRequest, []string{ioMsg(t, "api-version-empty")}
			}
			if r.query.Has("method") {
				return http.StatusBadRequest, []string{ioMsg(t, "contact-id-not-found")}
			}
			return status, msgs
		}
	}
	runIOCases(t, "method-parameter-undocumented", []ioCase{
		{"method required (the spec)", withoutMethod(http.StatusBadRequest, ioMsg(t, "method-invalid")), Spec},
		{"only v matters: on to the contact", withoutMethod(http.StatusBadRequest, ioMsg(t, "contact-id-not-found")), Page},
		{"only v matters: accepted", withoutMethod(http.StatusNoContent), Page},
		{"refused with another message", withoutMethod(http.StatusBadRequest, "Method Empty"), Neither},
		{"an unknown route", withoutMethod(http.StatusNotFound, ioMsg(t, "route-not-found")), Neither},
	})
}

// onFixture answers not-found for any contact but the fixture, else what answer says; and it
// fails the test when the probe sends anything beyond the fields allowed.
func ioOnFixture(t *testing.T, allowed []string, answer func(c iovox.Contact, p iovox.UpdateContactsPayload) (int, []string)) func(*ioFake, ioFakeRequest) (int, []string) {
	return func(_ *ioFake, r ioFakeRequest) (int, []string) {
		c := r.contact()
		if c.ContactID != ioFixture {
			return http.StatusBadRequest, []string{ioMsg(t, "contact-id-not-found")}
		}
		sent := ioSentFields(c)
		for _, s := range sent {
			if !slices.Contains(allowed, s) {
				t.Errorf("the probe also sent %s (sent %v, allowed %v)", s, sent, allowed)
			}
		}
		return answer(c, r.payload)
	}
}

// ioSentFields lists the details a contact carries besides contact_id.
func ioSentFields(c iovox.Contact) []string {
	var out []string
	add := func(name string, present bool) {
		if present {
			out = append(out, name)
		}
	}
	add("display_name", c.DisplayName != nil)
	add("mobile_phone", len(c.MobilePhone) > 0)
	add("home_phone", len(c.HomePhone) > 0)
	add("business_phone", len(c.BusinessPhone) > 0)
	add("business_fax", len(c.BusinessFax) > 0)
	add("work_country", c.WorkCountry != nil)
	add("business_country", c.BusinessCountry != nil)
	add("home_country", c.HomeCountry != nil)
	add("first_name", c.FirstName != nil)
	add("email", c.Email != nil)
	add("new_contact_id", c.NewContactID != nil)
	return out
}

func TestIovoxFlagType(t *testing.T) {
	flag := func(refuse func(string) bool, status int, msgs ...string) func(*ioFake, ioFakeRequest) (int, []string) {
		return ioOnFixture(t, nil, func(_ iovox.Contact, p iovox.UpdateContactsPayload) (int, []string) {
			if p.RmRules == nil {
				return http.StatusNoContent, nil
			}
			if refuse(string(*p.RmRules)) {
				return status, msgs
			}
			return http.StatusNoContent, nil
		})
	}
	// The spec's enum: exactly TRUE or FALSE; the table's BOOLEAN: any case.
	enum := func(v string) bool { return v != "TRUE" && v != "FALSE" }
	boolean := func(v string) bool { return !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") }
	runIOCases(t, "flag-type", []ioCase{
		{"enum, refused as a parse error", flag(enum, http.StatusBadRequest, ioMsg(t, "xml-parse-error")), Spec},
		{"enum, refused with an undocumented message", flag(enum, http.StatusBadRequest, "rm_rules must be TRUE or FALSE"), Spec},
		{"BOOLEAN: lower case accepted", flag(boolean, http.StatusBadRequest, ioMsg(t, "xml-parse-error")), Page},
		{"refused with an unrelated row", flag(enum, http.StatusBadRequest, ioMsg(t, "xml-empty")), Neither},
		{"a server error", flag(enum, http.StatusInternalServerError, ioMsg(t, "internal-server-error")), Neither},
		{"the fixture does not exist", ioFixed(http.StatusBadRequest, ioMsg(t, "contact-id-not-found")), Unsettled},
	})
}

func TestIovoxPhoneInternationalisationScope(t *testing.T) {
	// The error table: every phone kind internationalised (digits, no trunk 0). The description:
	// only business_fax.
	phones := func(kinds func(c iovox.Contact) []string, status int, msg string) func(*ioFake, ioFakeRequest) (int, []string) {
		return ioOnFixture(t, []string{"mobile_phone"}, func(c iovox.Contact, _ iovox.UpdateContactsPayload) (int, []string) {
			for _, n := range kinds(c) {
				if strings.HasPrefix(n, "0") {
					return status, []string{msg}
				}
			}
			return http.StatusNoContent, nil
		})
	}
	all := func(c iovox.Contact) []string {
		return slices.Concat(c.MobilePhone, c.HomePhone, c.BusinessPhone, c.BusinessFax)
	}
	faxOnly := func(c iovox.Contact) []string { return c.BusinessFax }
	pageLineSays(t, specs.Iovox, "phone-internationalisation-scope", "Only business_fax")
	runIOCases(t, "phone-internationalisation-scope", []ioCase{
		{"every kind checked", phones(all, http.StatusBadRequest, ioMsg(t, "mobile-phone-not-internationalised")), Spec},
		{"only business_fax checked", phones(faxOnly, http.StatusBadRequest, ioMsg(t, "business-fax-not-internationalised")), Page},
		{"refused with another row", phones(all, http.StatusBadRequest, ioMsg(t, "home-phone-not-internationalised")), Neither},
		{"a server error", phones(all, http.StatusInternalServerError, ioMsg(t, "internal-server-error")), Neither},
	})
}

func TestIovoxExamplePhoneNumbers(t *testing.T) {
	pageLineSays(t, specs.Iovox, "example-phone-numbers", "9 digits after the UK calling code")
	// A vendor checking UK lengths wants 10 national digits after 44.
	ukLength := func(status int, msg string) func(*ioFake, ioFakeRequest) (int, []string) {
		return ioOnFixture(t, []string{"home_phone"}, func(c iovox.Contact, _ iovox.UpdateContactsPayload) (int, []string) {
			for _, n := range c.HomePhone {
				if strings.HasPrefix(n, "44") && len(n)-2 < 10 {
					return status, []string{msg}
				}
			}
			return http.StatusNoContent, nil
		})
	}
	runIOCases(t, "example-phone-numbers", []ioCase{
		{"digits with a calling code suffice", ioOnFixture(t, []string{"home_phone"}, func(iovox.Contact, iovox.UpdateContactsPayload) (int, []string) {
			return http.StatusNoContent, nil
		}), Spec},
		{"UK lengths checked", ukLength(http.StatusBadRequest, ioMsg(t, "home-phone-not-internationalised")), Page},
		{"a server error", ukLength(http.StatusInternalServerError, ioMsg(t, "internal-server-error")), Neither},
		{"a clash with another contact", ukLength(http.StatusBadRequest, ioMsg(t, "display-name-phone-exists")), Unsettled},
	})
}

func TestIovoxCountryElementNames(t *testing.T) {
	pageLineSays(t, specs.Iovox, "country-element-names", "home_country and business_country")
	// checked lists the country elements a vendor validates as the business country.
	countries := func(checked func(c iovox.Contact) []*string, msg string) func(*ioFake, ioFakeRequest) (int, []string) {
		return ioOnFixture(t, []string{"work_country"}, func(c iovox.Contact, _ iovox.UpdateContactsPayload) (int, []string) {
			for _, v := range checked(c) {
				if _, ok := country.ByName(*v); v != nil && !ok {
					return http.StatusBadRequest, []string{msg}
				}
			}
			return http.StatusNoContent, nil
		})
	}
	both := func(c iovox.Contact) []*string { return ioNonNil(c.WorkCountry, c.BusinessCountry) }
	table := func(c iovox.Contact) []*string { return ioNonNil(c.BusinessCountry) }
	runIOCases(t, "country-element-names", []ioCase{
		{"work_country is the business country", countries(both, ioMsg(t, "business-country-invalid")), Spec},
		{"only the table's business_country is read", countries(table, ioMsg(t, "business-country-invalid")), Page},
		{"work_country has its own message", countries(both, "Work Country 1 of 1 Invalid"), Neither},
	})
}

func ioNonNil(ps ...*string) []*string {
	var out []*string
	for _, p := range ps {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// TestIovoxNoCountryIsNoCountry: the probe's invalid work_country must be invalid for real.
func TestIovoxNoCountryIsNoCountry(t *testing.T) {
	if c, ok := country.ByCodeOrName(iovoxNoCountry); ok {
		t.Fatalf("%q is %v", iovoxNoCountry, c)
	}
}

func TestIovoxCopiedCreateResolution(t *testing.T) {
	pageLineSays(t, specs.Iovox, "copied-create-resolution", "createContacts")
	// The account: the fixture and one other contact, each a display name with phone numbers.
	// clashesWithSelf is createContacts' rule (the page's row was copied from it): any stored
	// contact with the name and a number clashes, the one being updated included.
	account := func(clashesWithSelf bool, failSecond bool) func(*ioFake, ioFakeRequest) (int, []string) {
		type rec struct {
			name   string
			phones []string
		}
		store := map[string]*rec{ioFixture: {"John Smith", []string{"447772412312"}}, "other": {"Jane Doe", []string{"447700900123"}}}
		calls := 0
		return ioOnFixture(t, []string{"display_name", "mobile_phone"}, func(c iovox.Contact, _ iovox.UpdateContactsPayload) (int, []string) {
			calls++
			if failSecond && calls == 2 {
				return http.StatusInternalServerError, []string{ioMsg(t, "internal-server-error")}
			}
			for id, r := range store {
				if (id != c.ContactID || clashesWithSelf) && c.DisplayName != nil && r.name == *c.DisplayName {
					for _, n := range c.MobilePhone {
						if slices.Contains(r.phones, n) {
							return http.StatusBadRequest, []string{ioMsg(t, "display-name-phone-exists")}
						}
					}
				}
			}
			r := store[c.ContactID]
			if c.DisplayName != nil {
				r.name = *c.DisplayName
			}
			r.phones = append(r.phones, c.MobilePhone...)
			return http.StatusNoContent, nil
		})
	}
	runIOCases(t, "copied-create-resolution", []ioCase{
		{"a contact keeps its own combination", account(false, false), Spec},
		{"createContacts' rule", account(true, false), Page},
		{"the second call fails", account(false, true), Neither},
		{"every combination clashes", ioFixed(http.StatusBadRequest, ioMsg(t, "display-name-phone-exists")), Unsettled},
	})
}

// TestIovoxProbesNeedMutationsAndFixture: a mutating probe sends nothing without leave or a
// fixture; the read-only ones never touch the fixture.
func TestIovoxProbesNeedMutationsAndFixture(t *testing.T) {
	for _, p := range iovoxProbes {
		for name, adjust := range map[string]func(*Target){
			"mutations not allowed": func(tg *Target) { tg.AllowMutations = false },
			"no fixture":            func(tg *Target) { tg.Fixtures = nil },
		} {
			t.Run(p.ID+"/"+name, func(t *testing.T) {
				f := newIOFake(t, func(_ *ioFake, r ioFakeRequest) (int, []string) {
					if r.contact().ContactID == ioFixture {
						t.Errorf("a probe touched the fixture: %+v", r.payload)
					}
					return http.StatusBadRequest, []string{ioMsg(t, "contact-id-not-found")}
				})
				tg := f.target()
				adjust(tg)
				o := p.Run(context.Background(), tg)
				switch {
				case p.Mutates && (o.Reading != Unsettled || len(f.requests) > 0):
					t.Errorf("%s after %d requests, want unsettled before any: %s", o.Reading, len(f.requests), o.Evidence)
				case !p.Mutates && len(f.requests) == 0:
					t.Errorf("a read-only probe sent nothing: %s", o.Evidence)
				}
				oneLineEvidence(t, o)
			})
		}
	}
}

// TestIovoxProbesUnsettledWithoutAnswer: a target that does not answer decides nothing.
func TestIovoxProbesUnsettledWithoutAnswer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	tg := &Target{Vendor: specs.Iovox, BaseURL: srv.URL, HTTP: srv.Client(), Fixtures: map[string]string{"CONTACT_ID": ioFixture}, AllowMutations: true}
	srv.Close()
	for _, p := range iovoxProbes {
		if o := p.Run(context.Background(), tg); o.Reading != Unsettled {
			t.Errorf("%s: %s, want unsettled: %s", p.ID, o.Reading, o.Evidence)
		}
	}
}

// TestIovoxProbesOnTheMock: the mock follows the spec by construction, so every probe that may
// run reads Spec there; without leave to mutate, the mutating ones are Unsettled.
func TestIovoxProbesOnTheMock(t *testing.T) {
	for _, allow := range []bool{true, false} {
		for _, p := range iovoxProbes {
			o := p.Run(context.Background(), mockTarget(t, specs.Iovox, allow))
			want := Spec
			if p.Mutates && !allow {
				want = Unsettled
			}
			if o.Reading != want {
				t.Errorf("allow mutations %v, %s: %s, want %s: %s", allow, p.ID, o.Reading, want, o.Evidence)
			}
			oneLineEvidence(t, o)
		}
	}
}
