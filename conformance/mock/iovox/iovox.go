package iovox

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/nyaruka/phonenumbers"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/internal/country"
	"github.com/contactapis/contactapis/specs"
)

// defaultFixtures are the records the vendor page's example and every catalogue entry need (see
// the package documentation, "Fixtures and state").
//
//go:embed fixtures.json
var defaultFixtures []byte

// MaxBodyBytes is the body cap of the spec's x-mock.
var MaxBodyBytes = int(specs.BodyCap(specs.Iovox))

// The page's business rules read these: names of the spec (a rule is about them), not a field
// list. The catalogue entries name the rules in their `when`.
const (
	contacts        = "contacts"          // the x-mock collection
	contactSchema   = "Contact"           // its schema
	phoneSchema     = "PhoneNumbers"      // every property of this schema is a phone number list
	countrySchema   = "CountryName"       // every property of this schema is a country name
	displayName     = "display_name"      // unique together with any phone number
	rmRules         = "rm_rules"          // the flag that lets emptied details remove rules
	flagTrue        = "TRUE"              // the vendor's boolean
	ruleCountryName = "countryName"       // a country that is no English country name
	ruleExists      = "combinationExists" // display name and phone held by a contact the batch keeps
	ruleDuplicated  = "combinationDuplicated"
	ruleUsedInRules = "usedInRules" // a detail a rule uses, emptied without rm_rules TRUE
)

// guesses are the page's country guesses: with the country left out and a phone of its kind sent,
// the country is guessed from the number.
var guesses = []struct{ phone, country string }{{"home_phone", "home_country"}, {"business_phone", "business_country"}}

// Credentials are what the mock accepts in the username and secureKey headers.
type Credentials struct {
	Username  string
	SecureKey apiclient.Secret
}

// DefaultCredentials are the mock's test credentials: username "test", secureKey "test".
func DefaultCredentials() Credentials {
	return Credentials{Username: "test", SecureKey: apiclient.NewSecret("test")}
}

// Options configure New.
type Options struct {
	// Credentials accepted; the zero value means DefaultCredentials.
	Credentials Credentials
	// Logger receives the mock's own records (never a header, credential or body); nil discards.
	Logger *slog.Logger
	// Doc replaces the embedded spec: a test's changed copy.
	Doc *openapi3.T
}

// New returns the iovox mock: the engine serving specs/iovox.yaml with the page's business rules.
func New(opts Options) (*mock.Engine, error) {
	if opts.Credentials.Username == "" && opts.Credentials.SecureKey.IsZero() {
		opts.Credentials = DefaultCredentials()
	}
	if opts.Credentials.Username == "" || opts.Credentials.SecureKey.IsZero() {
		return nil, errors.New("iovox mock: credentials need both Username and SecureKey")
	}
	doc := opts.Doc
	if doc == nil {
		var err error
		if doc, err = specs.Shared(specs.Iovox); err != nil {
			return nil, err
		}
	}
	a, err := newAdapter(doc)
	if err != nil {
		return nil, err
	}
	return mock.NewEngine(mock.EngineConfig{
		Vendor:      specs.Iovox,
		Doc:         doc,
		Adapter:     mock.Adapter{Item: a.item, Batch: a.batch, Applied: a.applied, Fixtures: a.fixtures},
		Credentials: map[string]string{"username": opts.Credentials.Username, "secureKey": opts.Credentials.SecureKey.Reveal()},
		Fixtures:    defaultFixtures,
		Logger:      opts.Logger,
	})
}

// adapter holds what the rules need to know of the spec: which properties are phone numbers and
// country names, and which are details a rule can use.
type adapter struct {
	phones, countries, details map[string]bool
	// phoneList and countryList are phones and countries sorted: the order of their problems.
	phoneList, countryList []string
}

func newAdapter(doc *openapi3.T) (*adapter, error) {
	ref := doc.Components.Schemas[contactSchema]
	mc, _, err := specs.ReadMock(doc)
	if err != nil || ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("iovox mock: the spec has no %s schema or x-mock: %v", contactSchema, err)
	}
	// Details are what a contact stores: not its id, not what only renames it or stands for
	// another property (x-mock-alias).
	notDetails := []string{mc.Collections[contacts].Key}
	for _, op := range specs.Operations(doc) {
		if mo, err := specs.ReadMockOperation(op.Operation); err == nil && mo.Batch != nil {
			notDetails = append(notDetails, mo.Batch.Rename)
		}
	}
	a := &adapter{phones: map[string]bool{}, countries: map[string]bool{}, details: map[string]bool{}}
	for name, p := range ref.Value.Properties {
		if _, alias := p.Value.Extensions[specs.ExtMockAlias]; !alias && !slices.Contains(notDetails, name) {
			a.details[name] = true
		}
		for _, sub := range p.Value.AllOf {
			switch sub.Ref {
			case "#/components/schemas/" + phoneSchema:
				a.phones[name] = true
			case "#/components/schemas/" + countrySchema:
				a.countries[name] = true
			}
		}
	}
	a.phoneList, a.countryList = slices.Sorted(maps.Keys(a.phones)), slices.Sorted(maps.Keys(a.countries))
	return a, nil
}

// item applies the page's country rules to one contact: every country sent must be an English
// country name ("GB" is refused) and is stored by its canonical name; with home_country
// (business_country, work_country) left out and a home (business) phone sent, the country is
// guessed from the number and stored.
func (a *adapter) item(u *mock.Update) []mock.Problem {
	var ps []mock.Problem
	for _, name := range a.countryList {
		if s, ok := u.Sent[name].(string); ok && s != "" {
			if _, known := country.ByName(s); !known {
				ps = append(ps, *mock.RuleProblem(ruleCountryName, name, nil))
			}
		}
	}
	for _, name := range a.countryList {
		if s, ok := u.Changes[name].(string); ok {
			if c, known := country.ByName(s); known {
				u.Changes[name] = c.Name
			}
		}
	}
	for _, g := range guesses {
		if _, given := u.Changes[g.country]; !given {
			if name, ok := guessCountry(u.Sent[g.phone]); ok {
				u.Changes[g.country] = name
			}
		}
	}
	return ps
}

// batch applies the rules that need the whole batch: a detail a rule uses may be emptied only with
// rm_rules TRUE; a display name with one of its contact's phone numbers is unique across contacts
// after the batch: a clash with a contact the batch leaves alone "already exists" for the contact
// at fault, a clash between two contacts of the batch is "duplicated". A contact never clashes
// with itself, and a batch may move a name and number from one contact to another.
func (a *adapter) batch(b *mock.Batch) []mock.Problem {
	var ps []mock.Problem
	at := func(rule string, item int) mock.Problem {
		p := *mock.RuleProblem(rule, "", nil)
		p.Item = item
		return p
	}
	r, _ := b.Extra.(*rules)
	if b.Body[rmRules] != flagTrue && r != nil {
		for _, u := range b.Items {
			if slices.ContainsFunc(u.Cleared, func(d string) bool { return r.used(DetailOf{ContactID: u.Key, Detail: d}) }) {
				ps = append(ps, at(ruleUsedInRules, u.Item))
			}
		}
	}
	inBatch := map[string]bool{}
	for _, u := range b.Items {
		inBatch[u.Key] = true
	}
	owner := map[combination]int{}
	for i, u := range b.Items {
		exists, combinations := false, a.combinations(u.Next)
		// exists: a contact the batch leaves alone holds one of u's pairs; only the contacts of
		// u's display name can, found once (the index).
		var named []string
		if len(combinations) > 0 {
			named = b.Find(displayName, combinations[0].name)
		}
		for _, k := range combinations {
			exists = exists || slices.ContainsFunc(named, func(key string) bool {
				return !inBatch[key] && slices.Contains(a.combinations(b.Records[key]), k)
			})
			if prev, ok := owner[k]; ok && prev != i {
				ps = append(ps, at(ruleDuplicated, 0))
			}
			owner[k] = i
		}
		if exists {
			ps = append(ps, at(ruleExists, u.Item))
		}
	}
	return ps
}

// applied follows a written batch: with rm_rules TRUE, the rules using an emptied detail are
// removed; rules follow renamed contacts.
func (a *adapter) applied(b *mock.Batch) {
	r, _ := b.Extra.(*rules)
	if r == nil {
		return
	}
	renamed := map[string]string{}
	for _, u := range b.Items {
		if b.Body[rmRules] == flagTrue {
			for _, d := range u.Cleared {
				r.removeUsing(DetailOf{ContactID: u.Key, Detail: d}, b.Event)
			}
		}
		if u.NewKey != u.Key {
			renamed[u.Key] = u.NewKey
		}
	}
	r.rename(renamed)
}

// combination is a display name with one phone number: the pair the page wants unique.
type combination struct{ name, phone string }

// combinations are a contact's display name with each of its numbers, of every kind: the page's
// "any of this contact's phone numbers"; business_fax counts, it is a number of the contact too.
func (a *adapter) combinations(rec map[string]any) []combination {
	name, _ := rec[displayName].(string)
	if name == "" {
		return nil
	}
	var out []combination
	for _, kind := range a.phoneList {
		numbers, _ := rec[kind].([]any)
		for _, n := range numbers {
			if s, ok := n.(string); ok {
				out = append(out, combination{name, s})
			}
		}
	}
	return out
}

// guessCountry names the country of the first non-empty number sent: its leading 1 to 3 digits
// are tried as a country calling code (no calling code is a prefix of another, so the first that
// is assigned is the one). A non-geographic code (800) or an unassigned one guesses nothing. The
// schema has checked the number (digits, calling code first); a guess from a number it refuses is
// never applied.
func guessCountry(raw any) (string, bool) {
	numbers, _ := raw.([]any)
	for _, v := range numbers {
		n, ok := v.(string)
		if !ok {
			return "", false
		}
		if n == "" {
			continue
		}
		for l := 1; l <= 3 && l <= len(n); l++ {
			code, _ := strconv.Atoi(n[:l])
			region := phonenumbers.GetRegionCodeForCountryCode(code)
			if region == phonenumbers.UNKNOWN_REGION {
				continue
			}
			if c, ok := country.ByAlpha2(region); ok {
				return c.Name, true
			}
			return "", false
		}
		return "", false
	}
	return "", false
}
