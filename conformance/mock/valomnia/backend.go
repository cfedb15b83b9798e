package valomnia

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// APIPath is the API's path below the tenant's host root (the spec's server URL /api/{version},
// at the page's version).
const APIPath = "/api/v1.0"

// MaxBodyBytes caps request bodies: above the photo limit (MaxImageBytes) with room for the
// fields and multipart framing, so that an oversized photo still gets the vendor's
// exceeded_file_size answer from the handler.
const MaxBodyBytes = 4 << 20

// DefaultSessionTimeout is how long a session lives without use: a servlet container's default.
const DefaultSessionTimeout = 30 * time.Minute

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

// Options configure a Backend.
type Options struct {
	// Credentials accepted by the login; the zero value means DefaultCredentials.
	Credentials Credentials
	// SessionTimeout is how long a session lives without use; zero means DefaultSessionTimeout.
	SessionTimeout time.Duration
	// Now is the clock (sessions' expiry, lastUpdated, photo links); nil means time.Now.
	Now func() time.Time
	// Logger receives the mock's own diagnostics (never a header, body or credential); nil
	// discards them. Per-request records are the shared pipeline's.
	Logger *slog.Logger
}

// Backend is the Valomnia mock behind the shared pipeline (conformance/mock).
type Backend struct {
	creds    Credentials
	apiPath  string
	clock    func() time.Time
	logger   *slog.Logger
	cat      *catalogue
	required []string        // ContactUpdate's required properties, in the spec's order
	known    map[string]bool // ContactUpdate's properties
	store    *store
	sessions *sessions
	handler  http.Handler
}

var _ mock.Backend = (*Backend)(nil)

// New returns a Backend holding the default fixtures.
func New(opts Options) (*Backend, error) {
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
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	spec, err := loadSpec()
	if err != nil {
		return nil, fmt.Errorf("valomnia mock: %w", err)
	}
	cat, err := newCatalogue(spec.catalogue, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("valomnia mock: %w", err)
	}
	fixtures, err := parseFixtures(defaultFixtures)
	if err != nil {
		return nil, fmt.Errorf("valomnia mock: default fixtures: %w", err)
	}
	b := &Backend{
		creds:    opts.Credentials,
		apiPath:  APIPath,
		clock:    opts.Now,
		logger:   opts.Logger,
		cat:      cat,
		store:    newStore(APIPath, fixtures),
		sessions: newSessions(opts.SessionTimeout, opts.Now),
	}
	if err := b.readSchema(spec.doc); err != nil {
		return nil, fmt.Errorf("valomnia mock: %w", err)
	}
	b.handler = b.newHandler(spec.doc)
	return b, nil
}

// spec is what the mock reads from specs/valomnia.yaml. The document is embedded, so it is loaded
// and validated once per process; the mock only reads it.
type spec struct {
	doc       *openapi3.T
	catalogue specs.Catalogue
}

var loadSpec = sync.OnceValues(func() (spec, error) {
	doc, err := specs.Shared(specs.Valomnia)
	if err != nil {
		return spec{}, err
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return spec{}, err
	}
	return spec{doc: doc, catalogue: cat}, nil
})

// readSchema takes from the spec what the checks follow: which properties an update requires, in
// which order (missing-param names the first one missing), and which it has.
func (b *Backend) readSchema(doc *openapi3.T) error {
	ref := doc.Components.Schemas["ContactUpdate"]
	if ref == nil || ref.Value == nil {
		return errors.New("the spec has no ContactUpdate schema")
	}
	b.required = slices.Clone(ref.Value.Required)
	if len(b.required) == 0 {
		return errors.New("ContactUpdate requires nothing; the mock expects firstName, lastName and customerId")
	}
	for _, name := range b.required {
		if !slices.Contains(knownRequired, name) {
			return fmt.Errorf("ContactUpdate requires %q, which the mock does not check", name)
		}
	}
	b.known = map[string]bool{}
	for name := range ref.Value.Properties {
		b.known[name] = true
	}
	return nil
}

func (b *Backend) newHandler(doc *openapi3.T) http.Handler {
	notFound := func(w http.ResponseWriter, r *http.Request) {
		b.cat.write(w, refuse(idRouteNotFound, "path", r.URL.EscapedPath()))
	}
	m := &routes{mux: http.NewServeMux(), notFound: notFound, apiPath: b.apiPath, ops: map[string]specs.Operation{}, root: map[string]bool{}}
	for _, op := range specs.Operations(doc) {
		m.ops[op.Method+" "+op.Path] = op
		if op.Operation.Servers != nil && len(*op.Operation.Servers) > 0 {
			m.root[op.Operation.OperationID] = true
		}
	}
	// Whatever no operation matches (the handler alone, without the pipeline's routing) is the
	// vendor's unknown route.
	m.mux.HandleFunc("/", notFound)
	strict := api.NewStrictHandlerWithOptions(&Server{b: b}, nil, api.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  b.requestError,
		ResponseErrorHandlerFunc: b.responseError,
	})
	return api.HandlerWithOptions(strict, api.StdHTTPServerOptions{
		BaseURL:          b.apiPath,
		BaseRouter:       m,
		Middlewares:      []api.MiddlewareFunc{b.prepare},
		ErrorHandlerFunc: b.paramError,
	})
}

// Vendor implements mock.Backend.
func (b *Backend) Vendor() string { return specs.Valomnia }

// APIPath implements mock.Backend: the API lives below /api/v1.0; the login at the host root.
func (b *Backend) APIPath() string { return b.apiPath }

// MaxBodyBytes implements mock.Backend.
func (b *Backend) MaxBodyBytes() int64 { return MaxBodyBytes }

// Authenticate implements mock.Backend: the JSESSIONID cookie must name an open session, which
// the request then keeps alive.
func (b *Backend) Authenticate(r *http.Request, _ *contract.Match) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	_, ok := b.sessions.use(c.Value)
	return ok
}

// Handler implements mock.Backend.
func (b *Backend) Handler() http.Handler { return b.handler }

// Fail implements mock.Backend: the page's 500.
func (b *Backend) Fail(w http.ResponseWriter, _ *http.Request) {
	b.cat.write(w, refuse(idServerError))
}

// Reset implements mock.Backend: the fixtures last loaded come back and every session is closed.
func (b *Backend) Reset() {
	b.store.reset()
	b.sessions.clear()
}

// PrepareFixtures implements mock.Backend: raw is a Fixtures object.
func (b *Backend) PrepareFixtures(raw json.RawMessage) (func(), error) {
	f, err := parseFixtures(raw)
	if err != nil {
		return nil, err
	}
	return func() {
		b.store.install(f)
		b.sessions.clear()
	}, nil
}

// State is the whole store: the data set in fixtures format, and how many sessions are open (their
// tokens are credentials and are not shown).
type State struct {
	Fixtures
	OpenSessions int `json:"openSessions"`
}

// State implements mock.Backend.
func (b *Backend) State() any {
	return State{Fixtures: b.store.state(), OpenSessions: b.sessions.count()}
}

// Events implements mock.Backend: Valomnia's update has no side effect to record.
func (b *Backend) Events() []mock.Event { return nil }

// Reject implements mock.Backend: every request the pipeline refuses gets the vendor's answer.
func (b *Backend) Reject(w http.ResponseWriter, r *http.Request, rej *mock.Rejection) {
	switch rej.Kind {
	case mock.RejectNoRoute, mock.RejectMethod:
		b.cat.write(w, refuse(idRouteNotFound, "path", r.URL.EscapedPath()))
		return
	case mock.RejectUnauthenticated:
		b.cat.write(w, refuse(idNoCredentials))
		return
	}
	if rej.Match == nil {
		// The body could not be read at all: judged as a request without one.
		b.delegate(w, r, nil)
		return
	}
	switch rej.Match.OperationID() {
	case opLogin, opLoginWithGet:
		if rej.Kind == mock.RejectInvalid {
			// A body the spec's form schema refuses (a JSON body, say): the vendor's filter reads
			// the request parameters whatever the body, so the handler judges them.
			b.delegate(w, r, rej.Body)
			return
		}
		// A body over the limit or not UTF-8: the user is not logged in.
		b.cat.write(w, refuse(loginFailedEntry(rej.Match.OperationID())))
	case opUpdateContact:
		b.rejectUpdate(w, r, rej)
	case opLoginSuccessPost:
		b.cat.write(w, refuse(idNoSessionPost))
	default:
		b.cat.write(w, refuse(idNoSession))
	}
}

// rejectUpdate answers an update the pipeline refused.
func (b *Backend) rejectUpdate(w http.ResponseWriter, r *http.Request, rej *mock.Rejection) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch rej.Kind {
	case mock.RejectTooLarge:
		if strings.HasPrefix(mt, "multipart/") {
			// Spring's multipart resolver refuses an upload over its limit before the controller
			// runs; the only size the vendor documents is the photo's.
			b.cat.write(w, refuse(idExceededFileSize))
		} else {
			// A servlet container drops the parameters of a form over its size limit, so the
			// vendor sees none.
			b.cat.write(w, refuse(idMissingParam, "param", b.required[0]))
		}
	case mock.RejectEncoding:
		// The handler checks every parameter's name and values, body and query alike.
		b.delegate(w, r, rej.Body)
	default:
		// kin-openapi's findings are a subset of the handler's checks (required fields, the
		// boolean, the body's decoding), except one: a photo part whose declared Content-Type is
		// not one of the spec's, which the vendor judges by its bytes. So the handler judges the
		// request in full, in the vendor's order.
		if fields := refusedFields(rej.Err); len(fields) > 0 {
			b.logger.Debug("valomnia mock: spec validation refused an update", "fields", fields)
		}
		rec := &statusRecorder{ResponseWriter: w}
		b.delegate(rec, r, rej.Body)
		if rec.status == http.StatusOK {
			b.logger.Warn("valomnia mock: an update the spec's validation refused was accepted as the vendor would",
				"fields", refusedFields(rej.Err))
		}
	}
}

// delegate serves r with body through the handler.
func (b *Backend) delegate(w http.ResponseWriter, r *http.Request, body []byte) {
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.Form, r2.PostForm, r2.MultipartForm = nil, nil, nil
	b.handler.ServeHTTP(w, r2)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// refusedFields walks kin-openapi's validation error to the properties and parameters it names:
// each schema error's JSON pointer, each decoding error's path, each parameter's name.
func refusedFields(err error) []string {
	seen := map[string]bool{}
	var walk func(error, int)
	walk = func(err error, depth int) {
		if err == nil || depth > 32 {
			return
		}
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				walk(x, depth+1)
			}
		case *openapi3filter.RequestError:
			if e.Parameter != nil {
				seen[e.Parameter.Name] = true
			}
			walk(e.Err, depth+1)
		case *openapi3.SchemaError:
			if p := e.JSONPointer(); len(p) > 0 {
				seen[p[0]] = true
			}
			walk(e.Origin, depth+1)
		case *openapi3filter.ParseError:
			if p := e.Path(); len(p) > 0 {
				seen[fmt.Sprint(p[0])] = true
			}
		default:
			walk(errors.Unwrap(err), depth+1)
		}
	}
	walk(err, 0)
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
