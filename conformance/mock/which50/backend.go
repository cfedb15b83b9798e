package which50

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
)

// MaxBodyBytes caps request bodies (1 MiB).
const MaxBodyBytes = 1 << 20

// Grant is what one credential may do: update the contacts of every list, or of the lists named.
type Grant struct {
	AllLists bool  `json:"allLists,omitempty"`
	Lists    []int `json:"lists,omitempty"`
}

func (g Grant) allows(listID int) bool { return g.AllLists || slices.Contains(g.Lists, listID) }

// Credentials are the bearer tokens the mock accepts (Authorization: Bearer <token>, the spec's
// working assumption) and the lists each may update. A token without rights to a list is
// valid (no 401) and answered 403 for that list.
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

// Options configure a Backend.
type Options struct {
	// Credentials accepted; DefaultCredentials when it has no tokens.
	Credentials Credentials
	// Logger receives the mock's diagnostics (never a credential, header or value); nil discards.
	Logger *slog.Logger
}

// Backend is the Which50 mock behind conformance/mock's pipeline.
type Backend struct {
	creds   Credentials
	logger  *slog.Logger
	*spec   // read-only, shared by every Backend
	router  *router
	handler http.Handler
	store   *store

	mu       sync.Mutex
	fixtures *snapshot // what Reset restores
}

// spec is what the mock reads from specs/which50.yaml, once per process: the catalogue entries
// it answers with, the media types it negotiates and reads, the routes.
type spec struct {
	entries   entries
	neg       *negotiator
	bodyTypes map[string]map[string]bool // per operation, the request media types declared
	reserved  map[string]bool            // lower-cased query names no match property may have
	ops       []operationRoute
}

var loadSpec = sync.OnceValues(func() (*spec, error) {
	doc, err := specs.Shared(specs.Which50)
	if err != nil {
		return nil, fmt.Errorf("which50 mock: %w", err)
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return nil, fmt.Errorf("which50 mock: catalogue: %w", err)
	}
	sp := &spec{bodyTypes: map[string]map[string]bool{}, reserved: map[string]bool{}}
	if sp.entries, err = newEntries(cat); err != nil {
		return nil, err
	}
	if sp.neg, err = newNegotiator(doc); err != nil {
		return nil, err
	}
	for _, op := range specs.Operations(doc) {
		id := op.Operation.OperationID
		sp.ops = append(sp.ops, operationRoute{id: id, method: op.Method, segments: splitPath(op.Path)})
		sp.bodyTypes[id] = map[string]bool{}
		if rb := op.Operation.RequestBody; rb != nil && rb.Value != nil {
			for mt := range rb.Value.Content {
				sp.bodyTypes[id][mt] = true
			}
		}
		// The names the call itself uses in the query: no match property can have them
		// (MatchValues x-assumed). MatchValues itself, an exploded object, never goes on the
		// wire under its own name.
		for _, p := range op.Operation.Parameters {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && !explodedObject(p.Value) {
				sp.reserved[strings.ToLower(p.Value.Name)] = true
			}
		}
	}
	if len(sp.bodyTypes[opUpdate]) == 0 || len(sp.bodyTypes[opUpsert]) == 0 {
		return nil, errors.New("which50 mock: the spec lacks updateContactsByMatch or upsertContactsByMatch")
	}
	return sp, nil
})

type operationRoute struct {
	id, method string
	segments   []string
}

var _ mock.Backend = (*Backend)(nil)

// New returns a Backend holding the default fixtures.
func New(opts Options) (*Backend, error) {
	creds := opts.Credentials
	if len(creds.Tokens) == 0 {
		creds = DefaultCredentials()
	}
	if err := creds.validate(); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	sp, err := loadSpec()
	if err != nil {
		return nil, err
	}
	b := &Backend{creds: creds, logger: logger, store: &store{}, spec: sp}
	b.router = &router{b: b}
	strict := api.NewStrictHandlerWithOptions(&Server{b: b}, nil, api.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  b.bodyError,
		ResponseErrorHandlerFunc: b.responseError,
	})
	api.HandlerWithOptions(strict, api.StdHTTPServerOptions{BaseRouter: b.router, ErrorHandlerFunc: b.paramError})
	b.handler = http.HandlerFunc(b.serveHTTP)
	snap, err := defaultSnapshot()
	if err != nil {
		return nil, fmt.Errorf("which50 mock: default fixtures: %w", err)
	}
	b.fixtures = snap
	b.store.load(snap)
	return b, nil
}

func explodedObject(p *openapi3.Parameter) bool {
	return p.Explode != nil && *p.Explode && p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is("object")
}

// Vendor implements mock.Backend.
func (b *Backend) Vendor() string { return specs.Which50 }

// APIPath implements mock.Backend: the API sits at the mock's mount.
func (b *Backend) APIPath() string { return "" }

// MaxBodyBytes implements mock.Backend.
func (b *Backend) MaxBodyBytes() int64 { return MaxBodyBytes }

// Handler implements mock.Backend. It is the whole vendor without the pipeline's spec
// validation: routing, credentials, body and query checks and the store, answering every
// failure from the catalogue.
func (b *Backend) Handler() http.Handler { return b.handler }

// Authenticate implements mock.Backend: a bearer token among the credentials.
func (b *Backend) Authenticate(r *http.Request, _ *contract.Match) bool {
	_, ok := b.grantFor(r.Header)
	return ok
}

func (b *Backend) grantFor(h http.Header) (Grant, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Grant{}, false
	}
	g, ok := b.creds.Tokens[strings.TrimSpace(token)]
	return g, ok
}

// Reject implements mock.Backend: every refusal of the pipeline gets the answer the handler
// would give the same request, so turning validation off changes no answer.
func (b *Backend) Reject(w http.ResponseWriter, r *http.Request, rej *mock.Rejection) {
	raw := newRaw(r)
	raw.body = rej.Body
	var op string
	var pathParams map[string]string
	if rej.Match != nil {
		op, pathParams = rej.Match.OperationID(), rej.Match.PathParams
	}
	var cond condition
	switch rej.Kind {
	case mock.RejectNoRoute:
		cond = condRouteNotFound
	case mock.RejectMethod:
		cond = condMethodNotAllowed
	case mock.RejectUnauthenticated:
		cond = condUnauthorized
	case mock.RejectTooLarge, mock.RejectEncoding:
		// The pipeline measures and checks the text before it checks credentials; ASP.NET
		// authorizes first, so the credentials decide before the body does. check knows both
		// faults (see there).
		raw.tooLarge = rej.Kind == mock.RejectTooLarge
		cond = b.check(op, raw, bindParams(raw, pathParams["contactListId"])).cond
	case mock.RejectInvalid:
		c := b.check(op, raw, bindParams(raw, pathParams["contactListId"]))
		cond = c.cond
		// When kin-openapi itself failed on the input, its error says nothing about the request;
		// the backend's own check alone decides.
		if !errors.Is(rej.Err, contract.ErrValidatorPanic) {
			cond = worse(b.classify(rej.Match, raw, rej.Err), c.cond)
		}
	}
	if op == "" && cond < condInternal {
		// Refused before routing (the body could not be read at all): no operation to answer
		// for, so the document's binding error.
		cond = condRequestInvalid
	}
	if cond == condNone {
		cond = condRequestInvalid
	}
	var mediaType string
	if cond == condUnsupportedMedia {
		mediaType = decodeBody(raw, b.bodyTypes[op]).mediaType
	}
	b.errorAnswer(op, cond, raw, mediaType).write(w)
}

// classify maps kin-openapi's validation error to the condition the vendor answers: walking
// MultiError, RequestError (which parameter, or the body) and SchemaError (JSONPointer: the
// body's root, or one of its members).
func (b *Backend) classify(m *contract.Match, raw *rawRequest, err error) condition {
	cond := condNone
	var walk func(error)
	walk = func(err error) {
		// Type switches, not errors.As: a RequestError unwraps to its own MultiError of
		// SchemaErrors, which belong to it.
		switch x := err.(type) {
		case openapi3.MultiError:
			for _, e := range x {
				walk(e)
			}
		case *openapi3filter.SecurityRequirementsError:
			cond = worse(cond, condUnauthorized)
		case *openapi3filter.RequestError:
			switch {
			case x.Parameter != nil && x.Parameter.In == openapi3.ParameterInQuery && (x.Parameter.Name == "match" || explodedObject(x.Parameter)):
				cond = worse(cond, condMatchMissing) // the page's MatchValues row
			case x.Parameter != nil:
				cond = worse(cond, condRequestInvalid) // contactListId, customevents
			case x.RequestBody != nil:
				cond = worse(cond, b.classifyBody(m, raw, x))
			default:
				cond = worse(cond, condRequestInvalid)
			}
		default:
			cond = worse(cond, condRequestInvalid)
		}
	}
	walk(err)
	return cond
}

func (b *Backend) classifyBody(m *contract.Match, raw *rawRequest, re *openapi3filter.RequestError) condition {
	if len(raw.body) == 0 {
		return condContactNull // "value is required but missing"
	}
	mt, _, err := mime.ParseMediaType(raw.header.Get("Content-Type"))
	if err != nil || m == nil || m.Route.Operation.RequestBody == nil || m.Route.Operation.RequestBody.Value.Content.Get(mt) == nil {
		return condUnsupportedMedia // "header Content-Type has unexpected value"
	}
	// A schema error at the root is a body that is not an object (null, an array, a string):
	// no Contact. One below it is a member of the wrong type.
	cond := condNone
	found := false
	var walk func(error)
	walk = func(err error) {
		switch x := err.(type) {
		case openapi3.MultiError:
			for _, e := range x {
				walk(e)
			}
		case *openapi3.SchemaError:
			found = true
			if len(x.JSONPointer()) == 0 {
				cond = worse(cond, condContactNull)
			} else {
				cond = worse(cond, condRequestInvalid)
			}
		}
	}
	walk(re.Err)
	if !found {
		return condContactNull // the body did not decode: unreadable, bound as null
	}
	return cond
}

// Fail implements mock.Backend: the operation's documented 500.
func (b *Backend) Fail(w http.ResponseWriter, r *http.Request) {
	op, _ := b.operation(r.Method, r.URL.Path)
	b.errorAnswer(op, condInternal, newRaw(r), "").write(w)
}

// Reset implements mock.Backend: the fixtures last installed, no events.
func (b *Backend) Reset() {
	b.mu.Lock()
	snap := b.fixtures
	b.mu.Unlock()
	b.store.load(snap)
}

// PrepareFixtures implements mock.Backend. The format is State's (see fixtures.go).
func (b *Backend) PrepareFixtures(raw json.RawMessage) (func(), error) {
	snap, err := parseFixtures(raw)
	if err != nil {
		return nil, err
	}
	return func() {
		b.mu.Lock()
		b.fixtures = snap
		b.mu.Unlock()
		b.store.load(snap)
		b.logger.Info("which50 mock: fixtures installed", "lists", len(snap.lists))
	}, nil
}

// State implements mock.Backend: a State value.
func (b *Backend) State() any { return b.store.state() }

// Events implements mock.Backend: the Custom Events run, oldest first, one per updated contact
// and event name: kind "customevent", detail listId, encContactId, event.
func (b *Backend) Events() []mock.Event { return b.store.eventList() }
