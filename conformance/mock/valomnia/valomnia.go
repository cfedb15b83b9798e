package valomnia

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/internal/country"
	"github.com/contactapis/contactapis/specs"
)

// defaultFixtures is the default data set (see the package documentation, "Data").
//
//go:embed fixtures.json
var defaultFixtures []byte

// APIPath is the API's path below the tenant's host root: the spec's x-mock apiPath, the
// server URL /api/{version} at the page's version.
const APIPath = "/api/v1.0"

// MaxBodyBytes is the body cap of the spec's x-mock.
var MaxBodyBytes = int(specs.BodyCap(specs.Valomnia))

// MaxImageBytes is the largest photo the mock accepts. The page's limit is "2Mo" and the spec
// (imageFile x-assumed) leaves open whether that is 2,000,000 or 2,097,152 bytes; the mock takes
// the smaller, as the typed client does (gen/valomnia.MaxImageBytes), so that whatever passes here
// passes either reading.
const MaxImageBytes = 2_000_000

// MaxTextLength is the longest text (in characters) a contact field stores. Longer values answer
// save-failed: Valomnia runs on Grails (its login is the spring-security-core plugin's), whose
// ORM maps a String property to a 255-character column unless told otherwise, so saving a longer
// value fails. Assumed; the page gives no length.
const MaxTextLength = 255

// DefaultSessionTimeout is how long a session lives without use: a servlet container's default.
const DefaultSessionTimeout = 30 * time.Minute

// Names of the spec the page's rules are about: collections, operations' x-mock serve, the
// update's path parameter and the stored properties the rules set. The catalogue entries name
// the rules (rule*) in their `when`.
const (
	contacts, customers, users = "contacts", "customers", "users"
	updateOperation            = "updateContact"
	paramID                    = "id"
	customerIDParam            = "customerId"    // names the customer
	externalIDParam            = "useExternalId" // ids are the caller's references
	referenceProp              = "reference"     // a record's caller reference (private for contacts)
	photoProp                  = "photo"         // set from the binary part
	lastUpdatedProp            = "lastUpdated"
	failSaveProp               = "failSave"
	ruleLogin, ruleMissing     = "login", "missing"
	ruleType, ruleEmail        = "type", "email"
	ruleCountry, ruleSave      = "country", "save"
	ruleFileSize, ruleFileType = "fileSize", "fileType"
)

// Credentials are the one user the mock lets log in.
type Credentials struct {
	User     string
	Password apiclient.Secret
	// The user's profile, which the token page returns (LoginUser in the spec): first and last
	// name and roles. Left empty, DefaultCredentials' are used.
	FirstName, LastName string
	Roles               []string
}

// DefaultCredentials are the mock's test credentials: user "test@example.com", password "test",
// a user named Test User with the role ROLE_ADMIN.
func DefaultCredentials() Credentials {
	return Credentials{User: "test@example.com", Password: apiclient.NewSecret("test"),
		FirstName: "Test", LastName: "User", Roles: []string{"ROLE_ADMIN"}}
}

// Options configure New.
type Options struct {
	// Credentials accepted by the login; the zero value means DefaultCredentials.
	Credentials Credentials
	// SessionTimeout is how long a session lives without use; zero means DefaultSessionTimeout.
	SessionTimeout time.Duration
	// Now is the clock (sessions' expiry, lastUpdated, photo links); nil means time.Now.
	Now func() time.Time
	// Logger receives the mock's own diagnostics (never a header, body or credential); nil
	// discards them.
	Logger *slog.Logger
	// Doc replaces the embedded spec: a test's changed copy.
	Doc *openapi3.T
}

// New returns the Valomnia mock: the engine serving specs/valomnia.yaml, with the page's
// sessions, request parameters, photos, external ids and order of checks.
func New(opts Options) (*mock.Engine, error) {
	if opts.Credentials.User == "" && opts.Credentials.Password.IsZero() {
		opts.Credentials = DefaultCredentials()
	}
	if opts.Credentials.User == "" || opts.Credentials.Password.IsZero() {
		return nil, errors.New("valomnia mock: credentials need both User and Password")
	}
	if def := DefaultCredentials(); opts.Credentials.FirstName == "" && opts.Credentials.LastName == "" && len(opts.Credentials.Roles) == 0 {
		opts.Credentials.FirstName, opts.Credentials.LastName, opts.Credentials.Roles = def.FirstName, def.LastName, def.Roles
	}
	switch {
	case opts.SessionTimeout < 0:
		return nil, fmt.Errorf("valomnia mock: negative session timeout %v", opts.SessionTimeout)
	case opts.SessionTimeout == 0:
		opts.SessionTimeout = DefaultSessionTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	doc := opts.Doc
	if doc == nil {
		var err error
		if doc, err = specs.Shared(specs.Valomnia); err != nil {
			return nil, err
		}
	}
	a, err := newAdapter(doc, opts)
	if err != nil {
		return nil, fmt.Errorf("valomnia mock: %w", err)
	}
	return mock.NewEngine(mock.EngineConfig{
		Vendor: specs.Valomnia,
		Doc:    doc,
		Adapter: mock.Adapter{Serve: a.serve, Fixtures: a.fixtures, Reset: a.sessions.Clear,
			Credential: func(_, token string) (any, bool) { _, ok := a.sessions.Use(token); return nil, ok }},
		Fixtures: defaultFixtures,
		Logger:   opts.Logger,
	})
}

// serve answers the operations the spec's x-mock hands to the adapter.
func (a *adapter) serve(c *mock.Call) {
	switch c.Name {
	case "login":
		a.login(c)
	case "token":
		a.token(c)
	case "update":
		a.update(c)
	default:
		a.logger.Error("valomnia mock: the spec names an x-mock serve the adapter does not know", "serve", c.Name)
		c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnInternal}})
	}
}

// organization is the tenant the mock serves: the fixtures' organization section, which the
// records do not hold. Its name is every contact's organization; photoBaseUrl starts every
// uploaded photo's link (the page's "BASE_URL/entity1-1450169988465/photoContact/", BASE_URL
// kept verbatim, as the spec's discrepancy photo-base-url-placeholder decides).
type organization struct {
	Name         string `json:"name"`
	PhotoBaseURL string `json:"photoBaseUrl"`
	sessions     *mock.Sessions
}

func (o *organization) Clone() mock.Extra { c := *o; return &c }

// Sections shows the organization, and how many sessions are open (their tokens are credentials
// and are not shown).
func (o *organization) Sections() map[string]any {
	return map[string]any{"organization": map[string]any{"name": o.Name, "photoBaseUrl": o.PhotoBaseURL}, "openSessions": o.sessions.Count()}
}

// fixtures reads the organization and links every record: a contact's customer and user name
// records of those collections ({"id": 3229} in a fixture), which the answer embeds whole, with
// their API paths; the contact's organization is the tenant's. Stored values are ones the update
// itself would accept, so that a fixture never makes an answer the page's rules forbid.
func (a *adapter) fixtures(sections map[string]json.RawMessage, recs mock.Records) (mock.Extra, error) {
	org := &organization{sessions: a.sessions}
	for name, raw := range sections {
		if name != "organization" {
			return nil, fmt.Errorf("unknown section %q (organization, contacts, customers, users)", name)
		}
		if err := strictJSON(raw, org); err != nil {
			return nil, fmt.Errorf("organization: %w", err)
		}
	}
	if org.Name == "" {
		return nil, errors.New("organization: name is empty")
	}
	for _, coll := range []string{customers, users, contacts} {
		refs := map[string]string{}
		for _, key := range slices.SortedFunc(maps.Keys(recs[coll]), byID) {
			rec, what := recs[coll][key], strings.TrimSuffix(coll, "s")
			if id, _ := rec["id"].(int64); id <= 0 {
				return nil, fmt.Errorf("%s %s: id must be positive", what, key)
			}
			ref, _ := rec[referenceProp].(string)
			if other, dup := refs[ref]; ref != "" && dup {
				return nil, fmt.Errorf("%s %s: reference %q is %s %s's too", what, key, ref, what, other)
			}
			refs[ref] = key
			if coll != contacts {
				rec["href"] = a.apiPath + "/" + coll + "/" + key
			}
		}
	}
	for _, key := range slices.SortedFunc(maps.Keys(recs[contacts]), byID) {
		rec, at := recs[contacts][key], "contact "+key
		cust, ok := recs[customers][keyOf(rec["customer"])]
		if !ok {
			return nil, fmt.Errorf("%s: customer %s is not one of the customers", at, keyOf(rec["customer"]))
		}
		rec["customer"], rec["customerReference"] = embed(cust), cust[referenceProp]
		if u, given := rec["user"]; given {
			user, ok := recs[users][keyOf(u)]
			if !ok {
				return nil, fmt.Errorf("%s: user %s is not one of the users", at, keyOf(u))
			}
			rec["user"] = embed(user)
		}
		rec["organization"] = org.Name
		first, _ := rec["firstName"].(string)
		last, _ := rec["lastName"].(string)
		email, _ := rec["email"].(string)
		code, _ := rec["country"].(string)
		created, _ := time.Parse(time.RFC3339, fmt.Sprint(rec["dateCreated"]))
		updated, err := time.Parse(time.RFC3339, fmt.Sprint(rec[lastUpdatedProp]))
		switch {
		case first == "" || last == "":
			return nil, fmt.Errorf("%s: firstName and lastName are required", at)
		case email != "" && !validEmail(email):
			return nil, fmt.Errorf("%s: email %q is not an address the update would accept", at, email)
		case code != "" && !validCountry(code):
			return nil, fmt.Errorf("%s: country %q is not an ISO 3166-1 alpha-2 code", at, code)
		case err != nil || created.IsZero():
			return nil, fmt.Errorf("%s: dateCreated and lastUpdated are required", at)
		case updated.Before(created):
			return nil, fmt.Errorf("%s: lastUpdated is before dateCreated", at)
		}
	}
	for _, key := range slices.SortedFunc(maps.Keys(recs[customers]), byID) {
		if recs[customers][key][referenceProp] == "" {
			return nil, fmt.Errorf("customer %s: reference is empty (customerId names it with useExternalId=true)", key)
		}
	}
	return org, nil
}

// byID orders record keys as numbers.
func byID(a, b string) int {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return cmp.Compare(x, y)
}

// embed is a linked record as a contact's answer shows it: its schema's properties only.
func embed(rec map[string]any) map[string]any {
	out := make(map[string]any, len(rec))
	for k, v := range rec {
		out[k] = v
	}
	return out
}

// keyOf is the key a link names: its id ({"id": 3229}).
func keyOf(link any) string {
	obj, _ := link.(map[string]any)
	switch id := obj["id"].(type) {
	case int64:
		return fmt.Sprint(id)
	case nil:
		return ""
	default:
		return fmt.Sprint(id)
	}
}

func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func validCountry(code string) bool {
	_, ok := country.ByAlpha2(code)
	return ok
}
