package vendors

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"sync"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// Vendor is one registry entry.
type Vendor struct {
	// Name is the vendor's name everywhere (specs.Vendors(), package, label, URL prefix).
	Name string
	// LiveURL is the base URL a live run uses when none is given; "" when public material names
	// none (the base URL is then required).
	LiveURL string
	// APIPath is where the API lives below the vendor's host root on the mocks ("/api/v1.0" for
	// Valomnia, "" for the others): see MockPath.
	APIPath string
	// Credentials are what a client authenticates with, in the order the flags and messages
	// name them.
	Credentials []Credential
	// Login, when set, exchanges credentials for a session that fills one security scheme.
	Login *Login
	// FixtureKeys are the records a mutating live spec may change: the <KEY> of
	// CONTACTAPIS_<VENDOR>_<KEY>, required by --allow-mutations on a live target.
	FixtureKeys []string
	// OptionalFixtureKeys are records besides FixtureKeys that are read when set and never
	// required (auregister's contacts of one type each, for tools/drift's probes).
	OptionalFixtureKeys []string
	// Errors is where the vendor's error bodies carry their messages, for a spec whose x-mock
	// does not declare the error body (see ErrorFormat).
	Errors contract.ErrorFormat
	// NewClient builds the typed client of gen/<vendor> (a *<vendor>.ContactsClient).
	NewClient func(baseURL string, c Credentials, opts ...apiclient.Option) (any, error)
	// NewMock builds the vendor's mock accepting c.
	NewMock func(c Credentials) (mock.Backend, error)
}

// Credential is one value a vendor's client needs.
type Credential struct {
	// Key is the <KEY> of CONTACTAPIS_<VENDOR>_<KEY>; lower-cased with dashes it is also the
	// flag tools/mockserver and tools/load take it by (-iovox-secure-key).
	Key string
	// Scheme is the spec's security scheme the value fills (components.securitySchemes), whose
	// declaration says where it travels; "" for a login field (Login.Form) or a setting.
	Scheme string
	// Secret marks a value that must never appear in a log, report or recording.
	Secret bool
	// Optional values are read when set and never required; they have no test value.
	Optional bool
	// Test is the value the mocks accept by default (tools/mockserver's and the embedded
	// target's).
	Test string
	// NoRights is a value the mocks accept that has rights to nothing (Which50's readonly
	// token, for its documented 403); "" when the mocks have none.
	NoRights string
	// NoRightsAnswers are the catalogue entries the vendor answers a valid credential without
	// rights with (Which50's update-forbidden): where a recording shows one, tools/drift's replay
	// sends NoRights.
	NoRightsAnswers []string
	// HeaderFor, on an optional setting, makes its value the name of a header that carries the
	// credential HeaderFor verbatim instead of that credential's scheme (Which50's AUTH_HEADER:
	// nothing public says which header Which50 reads).
	HeaderFor string
	// Usage is the flag's help text.
	Usage string
}

// Flag is the credential's flag name for vendor: "iovox-secure-key".
func (c Credential) Flag(vendor string) string {
	return vendor + "-" + strings.ToLower(strings.ReplaceAll(c.Key, "_", "-"))
}

// Login is a session login: a form post of some credentials whose session then fills a security
// scheme (Valomnia's, which no security scheme of its spec describes).
type Login struct {
	// Operation is the login's operationId in the spec.
	Operation string
	// Others are the login's other operations, the same form sent another way (Valomnia's GET
	// with the fields in the query, as public clients send it).
	Others []string
	// Path is the login's path below the vendor's host root (the API base URL less APIPath's
	// /api/{version}).
	Path string
	// Scheme is the security scheme the session fills.
	Scheme string
	// Form maps credential keys to the form fields they travel in.
	Form map[string]string
	// Extra are the fields every login sends besides the credentials.
	Extra url.Values
	// Open returns the session of a client of baseURL with c: the typed client's own login, so
	// that every tool logs in exactly as users' clients do. opts carry the HTTP client.
	Open func(baseURL string, c Credentials, opts ...apiclient.Option) (Session, error)
}

// Session returns a session token, logging in when there is none; a stale token (one a request
// was refused with) makes it log in again.
type Session func(ctx context.Context, stale apiclient.Secret) (apiclient.Secret, error)

// apiVersionPath matches the /api/{version} a Valomnia-style base URL ends with.
var apiVersionPath = regexp.MustCompile(`/api/[^/]+/?$`)

// URL is the login's URL for a client of baseURL: the host root (baseURL less its
// /api/{version}, a path prefix kept) plus Path.
func (l *Login) URL(baseURL string) string {
	return apiVersionPath.ReplaceAllString(baseURL, "") + l.Path
}

// FormValues is the login form with c's values.
func (l *Login) FormValues(c Credentials) url.Values {
	v := url.Values{}
	for k, vals := range l.Extra {
		v[k] = slices.Clone(vals)
	}
	for key, field := range l.Form {
		v.Set(field, c.Value(key))
	}
	return v
}

// Credentials are a vendor's credential values by Credential.Key. Every value is a Secret, so
// that none prints by accident; Vendor.Secrets says which ones must be redacted.
type Credentials map[string]apiclient.Secret

// Value is the credential's value, "" when unset.
func (c Credentials) Value(key string) string { return c[key].Reveal() }

// All is the registry, in specs.Vendors() order.
func All() []*Vendor { return slices.Clone(registry) }

// Lookup returns a vendor's entry.
func Lookup(name string) (*Vendor, bool) {
	for _, v := range registry {
		if v.Name == name {
			return v, true
		}
	}
	return nil, false
}

// Get returns a vendor's entry and panics for a name the registry lacks: callers pass names
// from specs.Vendors() or a validated configuration, which TestRegistryMatchesSpecs keeps equal
// to the registry.
func Get(name string) *Vendor {
	v, ok := Lookup(name)
	if !ok {
		panic(fmt.Sprintf("vendors: %q is not in the registry (vendors/vendors.go)", name))
	}
	return v
}

// MockPath is where tools/mockserver and the embedded target serve the vendor's API below the
// server's root: the base URL a client uses is the server URL plus this.
func (v *Vendor) MockPath() string { return "/" + v.Name + v.APIPath }

// EnvName is the environment variable of one of the vendor's settings: CONTACTAPIS_<VENDOR>_<KEY>.
func EnvName(vendor, key string) string {
	return "CONTACTAPIS_" + strings.ToUpper(vendor) + "_" + key
}

// Required are the credentials a client cannot do without.
func (v *Vendor) Required() []Credential {
	var out []Credential
	for _, c := range v.Credentials {
		if !c.Optional {
			out = append(out, c)
		}
	}
	return out
}

// TestCredentials are the mocks' default credentials.
func (v *Vendor) TestCredentials() Credentials {
	c := Credentials{}
	for _, cr := range v.Credentials {
		if cr.Test != "" {
			c[cr.Key] = apiclient.NewSecret(cr.Test)
		}
	}
	return c
}

// Secrets are c's values that are secrets, for redaction.
func (v *Vendor) Secrets(c Credentials) []apiclient.Secret {
	var out []apiclient.Secret
	for _, cr := range v.Credentials {
		if cr.Secret && !c[cr.Key].IsZero() {
			out = append(out, c[cr.Key])
		}
	}
	return out
}

// CredentialHeader is the header named by a set HeaderFor setting, "" when none is set: a
// contract.Validator must then accept it in place of the spec's schemes.
func (v *Vendor) CredentialHeader(c Credentials) string {
	for _, cr := range v.Credentials {
		if cr.HeaderFor != "" && c.Value(cr.Key) != "" {
			return c.Value(cr.Key)
		}
	}
	return ""
}

// Missing names the environment variables of the required credentials c lacks.
func (v *Vendor) Missing(c Credentials) []string {
	var out []string
	for _, cr := range v.Required() {
		if c[cr.Key].IsZero() {
			out = append(out, EnvName(v.Name, cr.Key))
		}
	}
	return out
}

var errorFormats sync.Map // vendor → contract.ErrorFormat

// ErrorFormat is where the vendor's error bodies carry their messages: from the spec's x-mock
// errors declaration (the member its fields fill with "message", or for a list of errors the
// list's item element, whose text is the message) when it has one, else Errors.
func (v *Vendor) ErrorFormat() contract.ErrorFormat {
	if f, ok := errorFormats.Load(v.Name); ok {
		return f.(contract.ErrorFormat)
	}
	f := v.Errors
	if doc, err := specs.Shared(v.Name); err == nil {
		if m, ok, err := specs.ReadMock(doc); ok && err == nil {
			if derived, ok := derivedErrorFormat(doc, m.Errors); ok {
				f = derived
			}
		}
	}
	errorFormats.Store(v.Name, f)
	return f
}

// derivedErrorFormat reads the error format from x-mock errors; false when the declaration has no
// message the format can point at.
func derivedErrorFormat(doc *openapi3.T, errs specs.MockErrors) (contract.ErrorFormat, bool) {
	message := ""
	for prop, src := range errs.Fields {
		if src == "message" {
			message = prop
		}
	}
	if message == "" {
		return contract.ErrorFormat{}, false
	}
	if errs.List == "" {
		f := contract.ErrorFormat{JSON: message}
		// A vendor that answers errors in XML too (Which50) names the element as the JSON
		// member: the error schema renders both.
		if declaresXMLErrors(doc) {
			f.XML = message
		}
		return f, true
	}
	// A list (iovox's <errors><error status="400">message</error>...</errors>): each item is one
	// element below the root holding one message as its text. Only XML lists are read: a JSON
	// error body is read as one object.
	root := doc.Components.Schemas[errs.Schema]
	if root == nil || root.Value == nil || !strings.Contains(strings.ToLower(errs.MediaType), "xml") {
		return contract.ErrorFormat{}, false
	}
	list := root.Value.Properties[errs.List]
	if list == nil || list.Value == nil || list.Value.Items == nil || list.Value.Items.Value == nil {
		return contract.ErrorFormat{}, false
	}
	item := list.Value.Items.Value
	if ms := item.Properties[message]; ms == nil || ms.Value == nil || xmlTag(ms.Value) != ",chardata" {
		return contract.ErrorFormat{}, false
	}
	return contract.ErrorFormat{XML: xmlElementName(errs.List, list.Value)}, true
}

// xmlElementName is the element a property is written as: its items' xml name for an array, its
// own xml name, the name of its xml tag, else the property's.
func xmlElementName(prop string, s *openapi3.Schema) string {
	if s.Items != nil && s.Items.Value != nil && s.Items.Value.XML != nil && s.Items.Value.XML.Name != "" {
		return s.Items.Value.XML.Name
	}
	if s.XML != nil && s.XML.Name != "" {
		return s.XML.Name
	}
	if name, _, _ := strings.Cut(xmlTag(s), ","); name != "" {
		return name
	}
	return prop
}

// xmlTag is the xml struct tag x-oapi-codegen-extra-tags gives the property ("" when none).
func xmlTag(s *openapi3.Schema) string {
	tags, _ := s.Extensions["x-oapi-codegen-extra-tags"].(map[string]any)
	tag, _ := tags["xml"].(string)
	return tag
}

// declaresXMLErrors reports whether any 4xx or 5xx answer of doc has an XML media type.
func declaresXMLErrors(doc *openapi3.T) bool {
	for _, op := range specs.Operations(doc) {
		for status, ref := range op.Operation.Responses.Map() {
			if (strings.HasPrefix(status, "4") || strings.HasPrefix(status, "5")) && ref.Value != nil {
				for mt := range ref.Value.Content {
					if strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "+xml") {
						return true
					}
				}
			}
		}
	}
	return false
}

// ErrorMessages extracts the messages of a vendor's error body, in the vendor's format (see
// Vendor.ErrorFormat).
func ErrorMessages(vendor, contentType string, body []byte) ([]string, error) {
	v, ok := Lookup(vendor)
	if !ok {
		return nil, fmt.Errorf("unknown vendor %q", vendor)
	}
	return v.ErrorFormat().Messages(contentType, body)
}

// NewClient builds the typed client of vendor v as T (*iovox.ContactsClient, ...).
func NewClient[T any](v *Vendor, baseURL string, c Credentials, opts ...apiclient.Option) (T, error) {
	var zero T
	cl, err := v.NewClient(baseURL, c, opts...)
	if err != nil {
		return zero, err
	}
	t, ok := cl.(T)
	if !ok {
		return zero, fmt.Errorf("%s: the registry's client is a %T, not a %T", v.Name, cl, zero)
	}
	return t, nil
}

// client and backend turn a typed constructor's result into the registry's, so that a failed
// constructor gives a nil interface rather than a typed nil.
func client[T any](c T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

func backend[T mock.Backend](b T, err error) (mock.Backend, error) {
	if err != nil {
		return nil, err
	}
	return b, nil
}
