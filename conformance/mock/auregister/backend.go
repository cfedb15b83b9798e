package auregister

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/specs"
)

// Compile-time checks: the mock is a Backend of the shared pipeline, and its handler implements
// the strict server generated from the spec.
var (
	_ mock.Backend              = (*Backend)(nil)
	_ api.StrictServerInterface = (*Server)(nil)
)

// MaxBodyBytes caps request bodies: 1 MiB, far above any contact (the page's example is 523
// bytes) and small enough that a runaway client cannot make the mock buffer much.
const MaxBodyBytes = 1 << 20

// Schemas of the spec the mock reads by name: the update body, which carries the rule table, and
// the stored contact the answer holds.
const (
	updateSchema  = "ContactUpdate"
	contactSchema = "Contact"
)

// Credentials are the test credentials the mock accepts.
type Credentials struct {
	// Token is the bearer token ("Authorization: Bearer <Token>").
	Token string
}

// DefaultCredentials are the documented test credentials: bearer token "test".
func DefaultCredentials() Credentials { return Credentials{Token: "test"} }

// Options configure a Backend.
type Options struct {
	// Credentials the mock accepts; a zero value means DefaultCredentials, so that a mock is
	// never built that accepts an empty token.
	Credentials Credentials
	// Logger receives the mock's own diagnostics (never a header, body or credential); nil
	// discards them. Per-request records are the shared pipeline's.
	Logger *slog.Logger
}

// Backend is the auregister mock: the store, the strict handler in front of it and the rendering
// of every refusal in the vendor's (assumed) JSON error format.
type Backend struct {
	creds     Credentials
	logger    *slog.Logger
	catalogue specs.Catalogue
	rules     specs.ContactTypeRules
	// update judges request bodies, contact judges fixture records: both from the spec's schemas.
	update, contact *schemaChecker
	// mediaTypes are the request media types the operation declares.
	mediaTypes []string
	store      *Store
	server     *Server
	handler    http.Handler
}

// loadSpec reads the process's shared spec (specs.Shared, parsed once for the mocks, validators
// and clients alike): every Backend only reads it (its schemas, catalogue and rule table).
var loadSpec = sync.OnceValues(func() (*openapi3.T, error) { return specs.Shared(specs.Auregister) })

// New builds the mock with the default fixtures loaded.
func New(opts Options) (*Backend, error) {
	doc, err := loadSpec()
	if err != nil {
		return nil, fmt.Errorf("auregister mock: %w", err)
	}
	b := &Backend{creds: opts.Credentials, logger: opts.Logger}
	if b.creds == (Credentials{}) {
		b.creds = DefaultCredentials()
	}
	if b.logger == nil {
		b.logger = slog.New(slog.DiscardHandler)
	}
	b.logger = b.logger.With("vendor", specs.Auregister)
	if b.catalogue, err = specs.ReadCatalogue(doc); err != nil {
		return nil, fmt.Errorf("auregister mock: catalogue: %w", err)
	}
	if b.rules, err = specs.ReadContactTypeRules(doc, updateSchema); err != nil {
		return nil, fmt.Errorf("auregister mock: %w", err)
	}
	if err := checkEntries(b.catalogue, b.rules); err != nil {
		return nil, fmt.Errorf("auregister mock: %w", err)
	}
	if b.update, err = newSchemaChecker(doc, updateSchema); err != nil {
		return nil, fmt.Errorf("auregister mock: %w", err)
	}
	if b.contact, err = newSchemaChecker(doc, contactSchema); err != nil {
		return nil, fmt.Errorf("auregister mock: %w", err)
	}
	if b.mediaTypes, err = requestMediaTypes(doc); err != nil {
		return nil, fmt.Errorf("auregister mock: %w", err)
	}
	data, err := b.parseFixtures(defaultFixtures)
	if err != nil {
		return nil, fmt.Errorf("auregister mock: default fixtures: %w", err)
	}
	b.store = newStore(b.rules, data)
	b.server = &Server{b: b}
	b.handler = b.server.handler()
	return b, nil
}

// requestMediaTypes lists the media types the spec's operations accept for a request body
// (application/json, assumed there).
func requestMediaTypes(doc *openapi3.T) ([]string, error) {
	var out []string
	for _, op := range specs.Operations(doc) {
		if rb := op.Operation.RequestBody; rb != nil && rb.Value != nil {
			for mt := range rb.Value.Content {
				out = append(out, mt)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the spec declares no request media type")
	}
	return out, nil
}

// Vendor implements mock.Backend.
func (b *Backend) Vendor() string { return specs.Auregister }

// APIPath implements mock.Backend: the spec's server is the bare {baseUrl}.
func (b *Backend) APIPath() string { return "" }

// MaxBodyBytes implements mock.Backend.
func (b *Backend) MaxBodyBytes() int64 { return MaxBodyBytes }

// Authenticate implements mock.Backend: "Authorization: Bearer <token>", the scheme in any case
// (RFC 9110 makes it case-insensitive), the token compared in constant time.
func (b *Backend) Authenticate(r *http.Request, _ *contract.Match) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") &&
		subtle.ConstantTimeCompare([]byte(token), []byte(b.creds.Token)) == 1
}

// Handler implements mock.Backend. It is complete on its own (unknown routes, media type, body
// checks, in the spec's order; not authentication, which the pipeline does), so it can also be
// served without the pipeline, as the benchmark does.
func (b *Backend) Handler() http.Handler { return b.handler }

// Reset implements mock.Backend.
func (b *Backend) Reset() { b.store.reset() }

// PrepareFixtures implements mock.Backend. The format is fixtures.json's: {"addresses": [...],
// "contacts": [...]}, each contact with every property of the spec's Contact.
func (b *Backend) PrepareFixtures(raw json.RawMessage) (func(), error) {
	data, err := b.parseFixtures(raw)
	if err != nil {
		return nil, err
	}
	return func() { b.store.install(data) }, nil
}

// State implements mock.Backend: every address and contact, by id, in the fixtures' format (a
// state can be loaded back as fixtures).
func (b *Backend) State() any { return b.store.state() }

// Events implements mock.Backend: the mock records no side effects.
func (b *Backend) Events() []mock.Event { return nil }
