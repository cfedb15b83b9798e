package which50

import (
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// defaultFixtures are the records the mock starts with (see the package documentation).
//
//go:embed fixtures.json
var defaultFixtures []byte

// MaxBodyBytes is the body cap of the spec's x-mock.
var MaxBodyBytes = int(specs.BodyCap(specs.Which50))

// Names of the rules this adapter refuses by; the spec's catalogue entries name them in their
// `when`.
const (
	ruleMatchMissing = "matchMissing" // the page's 400 row
	ruleForbidden    = "forbidden"    // the first condition of the 403 row
	ruleInvalidValue = "invalidValue" // a value the list's schema does not take
	ruleNoMatch      = "noMatch"      // the second condition of the 404 row
)

// The page's query parameters, and the properties of a contact list (specs/which50.yaml,
// ContactList) whose fields decide what Values may hold.
const (
	paramMatch        = "match"
	paramCustomEvents = "customevents"
	listFields        = "Fields"
	fieldName         = "Name"
	fieldType         = "Type"
)

// Grant is what one credential may do: update the contacts of every list, or of the lists named.
type Grant struct {
	AllLists bool  `json:"allLists,omitempty"`
	Lists    []int `json:"lists,omitempty"`
}

func (g Grant) allows(listID int64) bool {
	return g.AllLists || slices.ContainsFunc(g.Lists, func(id int) bool { return int64(id) == listID })
}

// Credentials are the bearer tokens the mock accepts (the spec's working assumption) and the lists
// each may update. A token without rights to a list is valid (no 401) and answered 403 there.
type Credentials struct {
	Tokens map[string]Grant
}

// DefaultCredentials are the test credentials: "test" may update every list, "readonly" none.
func DefaultCredentials() Credentials {
	return Credentials{Tokens: map[string]Grant{"test": {AllLists: true}, "readonly": {}}}
}

// String never shows a token.
func (c Credentials) String() string {
	return fmt.Sprintf("which50.Credentials{%d tokens}", len(c.Tokens))
}

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

func (c Credentials) validate() error {
	if len(c.Tokens) == 0 {
		return errors.New("which50 mock: no credentials; use DefaultCredentials or name at least one token")
	}
	i := 0
	for token, grant := range c.Tokens {
		i++
		// Messages count tokens rather than quote them.
		if token == "" || strings.IndexFunc(token, unicode.IsSpace) >= 0 || !utf8.ValidString(token) {
			return fmt.Errorf("which50 mock: token %d of %d is empty, has white space or is not UTF-8", i, len(c.Tokens))
		}
		for _, id := range grant.Lists {
			if id <= 0 {
				return fmt.Errorf("which50 mock: token %d of %d: list id %d is not positive", i, len(c.Tokens), id)
			}
		}
	}
	return nil
}

// Options configure New.
type Options struct {
	// Credentials accepted; DefaultCredentials when it has no tokens.
	Credentials Credentials
	// Logger receives mock bugs; nil discards.
	Logger *slog.Logger
	// Doc is the spec to serve; nil serves specs/which50.yaml (tests pass changed copies).
	Doc *openapi3.T
}

// New returns the Which50 mock: the engine serving specs/which50.yaml with the page's rules.
func New(opts Options) (*mock.Engine, error) {
	if len(opts.Credentials.Tokens) == 0 {
		opts.Credentials = DefaultCredentials()
	}
	if err := opts.Credentials.validate(); err != nil {
		return nil, err
	}
	doc := opts.Doc
	if doc == nil {
		var err error
		if doc, err = specs.Shared(specs.Which50); err != nil {
			return nil, err
		}
	}
	a, err := newAdapter(doc, opts.Credentials)
	if err != nil {
		return nil, fmt.Errorf("which50 mock: %w", err)
	}
	return mock.NewEngine(mock.EngineConfig{Vendor: specs.Which50, Doc: doc, Adapter: a.adapter(), Fixtures: defaultFixtures, Logger: opts.Logger})
}

// adapter holds the page's rules and the names it takes from the spec's x-mock.
type adapter struct {
	creds  Credentials
	values string // the contacts' field values (the select updates' merged property)
	encID  string // the contacts' derived encrypted id
	id     string // the contact's id within its list (the key's last part)
	listID string // the contact's list (the updates' parent property)
	lists  string // the collection of lists
	listPK string // a list's key property
}

func newAdapter(doc *openapi3.T, creds Credentials) (*adapter, error) {
	conf, _, err := specs.ReadMock(doc)
	if err != nil {
		return nil, err
	}
	a := &adapter{creds: creds}
	for _, op := range specs.Operations(doc) {
		mo, err := specs.ReadMockOperation(op.Operation)
		if err != nil {
			return nil, err
		}
		if u := mo.Update; u != nil && u.Select && len(u.Merge) == 1 && u.Parent != nil {
			coll := conf.Collections[u.Collection]
			keys := coll.KeyProperties()
			a.values, a.encID, a.listID, a.id = u.Merge[0], u.Answer, u.Parent.Property, keys[len(keys)-1]
			a.lists, a.listPK = u.Parent.Collection, conf.Collections[u.Parent.Collection].Key
		}
	}
	if a.values == "" || a.encID == "" {
		return nil, errors.New("the spec's updates do not select contacts by list and merge their values")
	}
	return a, nil
}

func (a *adapter) adapter() mock.Adapter {
	return mock.Adapter{Check: a.check, Select: a.selectContacts, Credential: a.credential, Load: a.load}
}

// credential accepts a bearer token of the credentials; the account's grant says which lists it
// may update.
func (a *adapter) credential(_, secret string) (any, bool) {
	g, ok := a.creds.Tokens[strings.TrimSpace(secret)]
	return g, ok
}

// idKey keys the hash that turns a contact's internal id into its encrypted id; fixed, so that
// ids are stable across restarts, as the vendor's are.
var idKey = []byte("which50 mock: contact id key")

// encContactID is the encrypted id of contact id in list listID: a keyed hash, so it is stable,
// differs between lists, and reveals neither number.
func encContactID(listID, id int64) string {
	h := hmac.New(sha256.New, idKey)
	fmt.Fprintf(h, "%d/%d", listID, id)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// readsQueryValues reports whether the operation takes its match values from the query (the
// PATCH form: an exploded object parameter holds them) rather than from the body's Values.
func readsQueryValues(op *openapi3.Operation) bool {
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Explode != nil && *p.Value.Explode &&
			p.Value.Schema != nil && p.Value.Schema.Value.Type.Is(openapi3.TypeObject) {
			return true
		}
	}
	return false
}

// names splits a comma-separated list parameter (style form, explode false; the engine refuses
// one given twice: refuseRepeatedQuery).
func names(q map[string][]string, param string) []string {
	if vals := q[param]; len(vals) > 0 {
		return strings.Split(vals[0], ",")
	}
	return nil
}

// check is the page's 400 row beyond the schema: each name in `match` needs a value (in the query
// on PATCH, in Values on PUT: which50-put-match-in-values) that is neither empty nor named like
// the call's own parameters (MatchValues x-assumed); a pair the validator cannot read (no name,
// U+001F, kin-openapi's key delimiter) is no readable match value either.
func (a *adapter) check(c *mock.Check) []mock.Problem {
	missing := []mock.Problem{*mock.RuleProblem(ruleMatchMissing, "", nil)}
	match := names(c.Query, paramMatch)
	if len(match) == 0 || slices.Contains(match, "") {
		return missing
	}
	if readsQueryValues(c.Op) {
		for name, values := range c.Query {
			if name == "" || strings.ContainsRune(name, '\x1f') || slices.ContainsFunc(values, func(v string) bool { return strings.ContainsRune(v, '\x1f') }) {
				return missing
			}
		}
		for _, n := range match {
			reserved := slices.ContainsFunc(c.Op.Parameters, func(p *openapi3.ParameterRef) bool {
				return p.Value != nil && p.Value.In == openapi3.ParameterInQuery && strings.EqualFold(p.Value.Name, n)
			})
			if vals := c.Query[n]; reserved || len(vals) == 0 || vals[0] == "" {
				return missing
			}
		}
		return nil
	}
	if c.Body != nil {
		values, _ := c.Body[a.values].(map[string]any)
		for _, n := range match {
			if v, ok := values[n]; !ok || v == nil || v == "" {
				return missing
			}
		}
	}
	return nil
}

// selectContacts is the page's update (or the assumed read of the same contacts): the credential's rights to the list (403), the values to
// set must be fields of the list's schema, converted to their types (spec gap: request-invalid),
// then every contact of the list whose properties equal the match values (404 when none); the
// Custom Events named run per updated contact and name.
func (a *adapter) selectContacts(s *mock.Selection) (mock.Plan, *mock.Problem) {
	listID, _ := s.Parent[a.listPK].(int64)
	// A read (getContactsByMatch, assumed) needs no rights beyond valid credentials and answers
	// an empty list when nothing matches.
	if g, _ := s.Principal.(Grant); !s.Read && !g.allows(listID) {
		return mock.Plan{}, mock.RuleProblem(ruleForbidden, "", nil)
	}
	types := fieldTypes(s.Parent)
	match := names(s.Query, paramMatch)
	slices.Sort(match)
	match = slices.Compact(match) // a name given twice is one criterion
	var criteria []criterion
	set, _ := s.Changes[a.values].(map[string]any)
	if readsQueryValues(s.Op) {
		for _, n := range match {
			criteria = append(criteria, criterion{name: n, value: s.Query.Get(n), query: true})
		}
	} else {
		set = maps.Clone(set)
		for _, n := range match {
			criteria = append(criteria, criterion{name: n, value: set[n]})
			delete(set, n)
		}
	}
	converted, bad, err := convertValues(types, set)
	if err != nil {
		return mock.Plan{}, mock.RuleProblem(ruleInvalidValue, bad, nil)
	}
	if _, ok := s.Changes[a.values]; ok {
		s.Changes[a.values] = converted
	}
	keys := a.find(s, types, criteria)
	if s.Read {
		return mock.Plan{Keys: keys}, nil
	}
	if len(keys) == 0 {
		return mock.Plan{}, mock.RuleProblem(ruleNoMatch, "", nil)
	}
	plan := mock.Plan{Keys: keys}
	events := names(s.Query, paramCustomEvents)
	for _, key := range keys {
		for _, name := range events {
			plan.Events = append(plan.Events, mock.Event{Kind: "customevent", Detail: map[string]any{
				"listId": int(listID), "encContactId": s.Record(key)[a.encID], "event": name}})
		}
	}
	return plan, nil
}

// load checks fixtures beyond their schemas: field names unique per list; a contact's ids
// positive, its values fields of its list converted to their types, its encrypted id derived
// (one given must be that one, so a GET /_admin/state dump loads back unchanged).
func (a *adapter) load(coll string, rec map[string]any, get func(coll, key string) map[string]any) error {
	if fields, ok := rec[listFields].([]any); ok {
		seen := map[string]bool{}
		for _, f := range fields {
			name, _ := f.(map[string]any)[fieldName].(string)
			if seen[name] {
				return fmt.Errorf("field %q given twice", name)
			}
			seen[name] = true
		}
		return nil
	}
	if _, ok := rec[a.values]; !ok && rec[a.listID] == nil {
		return nil // a record of neither kind: the schemas said all there is
	}
	listID, _ := rec[a.listID].(int64)
	id, _ := rec[a.id].(int64)
	if listID <= 0 || id <= 0 {
		return fmt.Errorf("%s and %s must be positive integers", a.listID, a.id)
	}
	enc := encContactID(listID, id)
	if given, ok := rec[a.encID]; ok && given != enc {
		return fmt.Errorf("%s %q is not the id the mock derives (%q); leave it out", a.encID, given, enc)
	}
	rec[a.encID] = enc
	types := fieldTypes(get(a.lists, fmt.Sprint(listID)))
	values, _ := rec[a.values].(map[string]any)
	converted, bad, err := convertValues(types, values)
	if err != nil {
		return fmt.Errorf("value %q of list %d: %w", bad, listID, err)
	}
	rec[a.values] = converted
	return nil
}

var errNotAField = errors.New("not a field of the list")

// convertValues converts values to their fields' types; bad names the first, by name, that is no
// field or does not convert.
func convertValues(types map[string]*openapi3.Schema, values map[string]any) (converted map[string]any, bad string, err error) {
	converted = make(map[string]any, len(values))
	for _, name := range slices.Sorted(maps.Keys(values)) {
		typ, ok := types[name]
		if !ok {
			return nil, name, errNotAField
		}
		if converted[name], err = mock.Coerce(typ, values[name]); err != nil {
			return nil, name, err
		}
	}
	return converted, "", nil
}
