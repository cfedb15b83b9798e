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
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/internal/country"
	"github.com/contactapis/contactapis/specs"
)

//go:embed fixtures.json
var defaultFixtures []byte

// APIPath is the API's path below the tenant's host root (the spec's x-mock apiPath).
const APIPath = "/api/v1.0"

// MaxBodyBytes is the body cap of the spec's x-mock.
var MaxBodyBytes = int(specs.BodyCap(specs.Valomnia))

// MaxImageBytes is the page's "2Mo" read as 2,000,000 bytes, the stricter reading (imageFile
// x-assumed), as the typed client does.
const MaxImageBytes = 2_000_000

// MaxTextLength is the longest text a field stores; longer answers save-failed. Assumed: Grails
// (whose spring-security-core login Valomnia runs) maps a String to a 255-character column.
const MaxTextLength = 255

// DefaultSessionTimeout is how long a session lives unused: a servlet container's default.
const DefaultSessionTimeout = 30 * time.Minute

// Names of the spec the page's rules are about; the catalogue's `when` names the rules.
const (
	contacts, customers, users                 = "contacts", "customers", "users"
	paramID, customerIDParam, externalIDParam  = "id", "customerId", "useExternalId"
	referenceProp, photoProp                   = "reference", "photo"
	ruleLogin, ruleMissing                     = "login", "missing"
	ruleType, ruleEmail, ruleCountry, ruleSave = "type", "email", "country", "save"
	ruleFileSize, ruleFileType                 = "fileSize", "fileType"
)

// Credentials are the one user the mock lets log in, and the profile the token page returns
// (LoginUser in the spec); a profile left empty is DefaultCredentials'.
type Credentials struct {
	User                string
	Password            apiclient.Secret
	FirstName, LastName string
	Roles               []string
}

// DefaultCredentials are the mock's test credentials: user "test@example.com", password "test",
// a user named Test User with the role ROLE_ADMIN.
func DefaultCredentials() Credentials {
	return Credentials{User: "test@example.com", Password: apiclient.NewSecret("test"),
		FirstName: "Test", LastName: "User", Roles: []string{"ROLE_ADMIN"}}
}

// Options configure New; zero values take the defaults. Now is the clock (sessions, lastUpdated,
// photo links); Doc replaces the embedded spec (a test's changed copy).
type Options struct {
	Credentials    Credentials
	SessionTimeout time.Duration
	Now            func() time.Time
	Logger         *slog.Logger
	Doc            *openapi3.T
}

// New returns the Valomnia mock: the engine serving specs/valomnia.yaml with the page's rules.
func New(opts Options) (*mock.Engine, error) {
	def, c := DefaultCredentials(), &opts.Credentials
	if c.User == "" && c.Password.IsZero() {
		*c = def
	}
	if c.User == "" || c.Password.IsZero() {
		return nil, errors.New("valomnia mock: credentials need both User and Password")
	}
	if c.FirstName == "" && c.LastName == "" && len(c.Roles) == 0 {
		c.FirstName, c.LastName, c.Roles = def.FirstName, def.LastName, def.Roles
	}
	if opts.SessionTimeout < 0 {
		return nil, fmt.Errorf("valomnia mock: negative session timeout %v", opts.SessionTimeout)
	}
	opts.SessionTimeout = cmp.Or(opts.SessionTimeout, DefaultSessionTimeout)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	doc, err := opts.Doc, error(nil)
	if doc == nil {
		if doc, err = specs.Shared(specs.Valomnia); err != nil {
			return nil, err
		}
	}
	a, err := newAdapter(doc, opts)
	if err != nil {
		return nil, fmt.Errorf("valomnia mock: %w", err)
	}
	serve := map[string]func(*mock.Call){"login": a.login, "token": a.token, "update": a.update}
	return mock.NewEngine(mock.EngineConfig{Vendor: specs.Valomnia, Doc: doc, Fixtures: defaultFixtures, Logger: opts.Logger,
		Adapter: mock.Adapter{Serve: func(c *mock.Call) {
			if f := serve[c.Name]; f != nil {
				f(c)
			} else { // a spec naming a serve this adapter lacks: the documented 500, not a panic
				c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnInternal}})
			}
		}, Fixtures: a.fixtures, Reset: a.sessions.Clear,
			Credential: func(_, token string) (any, bool) { _, ok := a.sessions.Use(token); return nil, ok }}})
}

// organization is the fixtures' section the records do not hold: its name is every contact's
// organization, photoBaseUrl starts every uploaded photo's link (the page's
// "BASE_URL/entity1-1450169988465/photoContact/", kept verbatim: photo-base-url-placeholder).
type organization struct {
	Name         string `json:"name"`
	PhotoBaseURL string `json:"photoBaseUrl"`
	sessions     *mock.Sessions
}

func (o *organization) Clone() mock.Extra { c := *o; return &c }

// Sections shows the organization and how many sessions are open (never their tokens).
func (o *organization) Sections() map[string]any {
	return map[string]any{"organization": map[string]any{"name": o.Name, "photoBaseUrl": o.PhotoBaseURL}, "openSessions": o.sessions.Count()}
}

// fixtures reads the organization and links the records: a contact names its customer and user
// by id ({"id": 3229}), and the answer embeds them whole, with their API paths (href). Ids are
// positive and references unique, and stored values are ones the update would accept, so that a
// fixture never makes an answer the page's rules forbid.
func (a *adapter) fixtures(sections map[string]json.RawMessage, recs mock.Records) (mock.Extra, error) {
	org := &organization{sessions: a.sessions}
	for name, raw := range sections {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if name != "organization" {
			return nil, fmt.Errorf("unknown section %q (organization, contacts, customers, users)", name)
		} else if err := dec.Decode(org); err != nil {
			return nil, fmt.Errorf("organization: %w", err)
		}
	}
	if org.Name == "" {
		return nil, errors.New("organization: name is empty")
	}
	for _, coll := range []string{customers, users, contacts} {
		refs := map[string]string{}
		for _, key := range slices.Sorted(maps.Keys(recs[coll])) {
			rec, what := recs[coll][key], strings.TrimSuffix(coll, "s")
			ref, _ := rec[referenceProp].(string)
			id, _ := rec["id"].(int64)
			switch other, dup := refs[ref]; {
			case id <= 0:
				return nil, fmt.Errorf("%s %s: id must be positive", what, key)
			case ref != "" && dup:
				return nil, fmt.Errorf("%s %s: reference %q is %s %s's too", what, key, ref, what, other)
			case ref == "" && coll == customers:
				return nil, fmt.Errorf("customer %s: reference is empty (customerId names it with useExternalId=true)", key)
			}
			refs[ref] = key
			if coll != contacts {
				rec["href"] = a.apiPath + "/" + coll + "/" + key
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(recs[contacts])) {
		rec, at := recs[contacts][key], "contact "+key
		cust, ok := recs[customers][linked(rec["customer"])]
		if !ok {
			return nil, fmt.Errorf("%s: customer %s is not one of the customers", at, linked(rec["customer"]))
		}
		rec["customer"], rec["customerReference"], rec["organization"] = maps.Clone(cust), cust[referenceProp], org.Name
		if u, given := rec["user"]; given {
			if rec["user"] = maps.Clone(recs[users][linked(u)]); recs[users][linked(u)] == nil {
				return nil, fmt.Errorf("%s: user %s is not one of the users", at, linked(u))
			}
		}
		str := func(name string) string { s, _ := rec[name].(string); return s }
		email, code := str("email"), str("country")
		created, _ := time.Parse(time.RFC3339, fmt.Sprint(rec["dateCreated"]))
		updated, err := time.Parse(time.RFC3339, fmt.Sprint(rec["lastUpdated"]))
		switch {
		case str("firstName") == "" || str("lastName") == "":
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
	return org, nil
}

// linked is the key a link names: its id ({"id": 3229}).
func linked(link any) string {
	obj, _ := link.(map[string]any)
	if obj["id"] == nil {
		return ""
	}
	return fmt.Sprint(obj["id"])
}

func validCountry(code string) bool {
	_, ok := country.ByAlpha2(code)
	return ok
}
