package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/contactapis/contactapis/internal/country"
	"github.com/contactapis/contactapis/specs"
)

// ErrNoRoute is returned (wrapped) for a request that matches no operation of the spec.
var ErrNoRoute = errors.New("no operation matches the request")

// ErrMethodNotAllowed is returned (wrapped) for a known path called with a method the spec does
// not declare for it. It also matches ErrNoRoute.
var ErrMethodNotAllowed = fmt.Errorf("%w: method not allowed", ErrNoRoute)

// Validator checks requests and responses of one vendor against its spec. It is safe for
// concurrent use; build it once and reuse it (routing tables are compiled in New).
type Validator struct {
	// credentialHeader, when set, satisfies every security scheme (see AcceptCredentialHeader).
	credentialHeader string
	// foldJSON binds JSON members case-insensitively (see CaseInsensitiveJSON).
	foldJSON  bool
	names     map[string]string // propertyNames of doc
	vendor    string
	doc       *openapi3.T
	router    routers.Router
	catalogue specs.Catalogue
	reqOpts   *openapi3filter.Options
	bodyOpts  *openapi3filter.Options // reqOpts for validateBody (setBodyOpts)
	respOpts  *openapi3filter.Options
}

// Match is a request routed to an operation.
type Match struct {
	Route      *routers.Route
	PathParams map[string]string
	// query is the request's query as url.ParseQuery reads it (name, value pairs in order),
	// once Query asks, and queryOf the raw query it was read from.
	query   [][2]string
	queryOf string
	parsed  bool
}

// Query returns the values of the query parameter name of r (the request routed to m) as
// url.ParseQuery reads them; nil when it is absent. The query is split and unescaped once per
// match: the parameters' validation and a server's lookups each asked it again. It is kept as
// pairs rather than url.Values: a query holds a few parameters, and the map was most of what
// reading them cost. A Match is one request's, read by one goroutine.
func (m *Match) Query(r *http.Request, name string) []string {
	if !m.parsed || m.queryOf != r.URL.RawQuery {
		m.query, m.queryOf, m.parsed = m.query[:0], r.URL.RawQuery, true
		queryPairs(r.URL.RawQuery, func(_, k, v string, err error) bool {
			if err == nil {
				m.query = append(m.query, [2]string{k, v})
			}
			return true
		})
	}
	var out []string
	for _, p := range m.query {
		if p[0] == name {
			out = append(out, p[1])
		}
	}
	return out
}

// OperationID is the operationId of the matched operation.
func (m *Match) OperationID() string { return m.Route.Operation.OperationID }

// Secured reports whether the matched operation requires credentials.
func (m *Match) Secured() bool { return Secured(m.Route.Spec, m.Route.Operation) }

// Secured reports whether op requires credentials: its own security, else the document's.
func Secured(doc *openapi3.T, op *openapi3.Operation) bool {
	sec := doc.Security
	if op.Security != nil {
		sec = *op.Security
	}
	return len(sec) > 0
}

// New returns a validator for vendor whose API is called at basePath: the path part of the base
// URL a client is configured with ("/iovox" for tools/mockserver, "/valomnia/api/v1.0", "" for a
// vendor host whose API sits at the root). The spec's host names play no part.
func New(vendor, basePath string) (*Validator, error) {
	register()
	c, err := compile(vendor, strings.TrimSuffix(basePath, "/"))
	if err != nil {
		return nil, err
	}
	v := &Validator{vendor: vendor, doc: c.doc, router: c.router, catalogue: c.catalogue, names: c.names}
	v.reqOpts = &openapi3filter.Options{
		MultiError:                        true,
		RejectWhenRequestBodyNotSpecified: true,
		AuthenticationFunc:                v.credentialPresent,
	}
	v.respOpts = &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
	}
	v.setBodyOpts()
	return v, nil
}

// setBodyOpts derives validateBody's options from reqOpts: the body is decoded apart, and its
// callers are servers, which have judged the credentials themselves before.
func (v *Validator) setBodyOpts() {
	opts := *v.reqOpts
	opts.ExcludeRequestBody = true
	opts.AuthenticationFunc = openapi3filter.NoopAuthenticationFunc
	v.bodyOpts = &opts
}

// compiled is what New derives from a spec for one base path: the rebased document, its routing
// table and its catalogue. All three are only read after compile, so validators of the same vendor
// and base path share them.
type compiled struct {
	doc       *openapi3.T
	router    routers.Router
	catalogue specs.Catalogue
	names     map[string]string // propertyNames
}

// maxCompiled bounds the cache of compiled specs. Base paths come from users' configuration and
// from captures (a live Valomnia tenant's version segment), so a hostile capture must not grow it
// without end; past the bound the cache starts again.
const maxCompiled = 64

var compiledCache = struct {
	sync.Mutex
	m map[string]*compiled
}{m: map[string]*compiled{}}

// compile returns the compiled spec of vendor for basePath, building it on first use: each mock,
// each suite process and drift used to parse, validate, rebase and route the same spec again for
// every validator they built.
func compile(vendor, basePath string) (*compiled, error) {
	key := vendor + "\x00" + basePath
	compiledCache.Lock()
	defer compiledCache.Unlock()
	if c := compiledCache.m[key]; c != nil {
		return c, nil
	}
	doc, err := specs.Shared(vendor)
	if err != nil {
		return nil, err
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return nil, fmt.Errorf("catalogue of %q: %w", vendor, err)
	}
	if doc, err = rebase(doc, basePath); err != nil {
		return nil, fmt.Errorf("rebase %q on %q: %w", vendor, basePath, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router for %q: %w", vendor, err)
	}
	if len(compiledCache.m) >= maxCompiled {
		clear(compiledCache.m)
	}
	c := &compiled{doc: doc, router: router, catalogue: cat, names: propertyNames(doc)}
	compiledCache.m[key] = c
	return c, nil
}

// Vendor returns the vendor name.
func (v *Validator) Vendor() string { return v.vendor }

// Doc returns the vendor's spec with its servers rebased. It is shared with every validator of the
// same vendor and base path, and its operations and schemas with the whole process (specs.Shared):
// never change it.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// Catalogue returns the vendor's error catalogue.
func (v *Validator) Catalogue() specs.Catalogue { return v.catalogue }

// Route finds the operation a request is for.
//
// Where the operations of a path are told apart by a query parameter (specs.ExtSelectsOperation:
// iovox's method=updateContacts or method=getContactDetails), a request whose value names an
// operation of another HTTP method is that operation called with the wrong method: Route returns
// its match together with ErrMethodNotAllowed, so that the operation's own entry answers it
// ("Request Method must be PUT. GET attempted"). Otherwise ErrMethodNotAllowed comes without a
// match.
func (v *Validator) Route(r *http.Request) (*Match, error) {
	route, params, err := v.router.FindRoute(r)
	m := &Match{Route: route, PathParams: params}
	switch {
	case err == nil && selectorAgrees(m, r):
		// The operation routed to takes r's value of its selecting parameter (iovox's method):
		// no operation of another method is selected (the specs give each value one operation).
	case err == nil || errors.Is(err, routers.ErrMethodNotAllowed):
		if sel, selParams := v.selected(r); sel != nil && sel.Method != r.Method {
			return &Match{Route: sel, PathParams: selParams}, fmt.Errorf("%s %s (%s): %w", r.Method, r.URL.Path, sel.Operation.OperationID, ErrMethodNotAllowed)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, ErrMethodNotAllowed)
		}
	default:
		return nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, ErrNoRoute)
	}
	return m, nil
}

// selected is the route of r's path whose operation-selecting query parameter
// (specs.ExtSelectsOperation) lists r's value of it, whatever r's method; nil when the path has
// no such parameter or no operation takes the value.
func (v *Validator) selected(r *http.Request) (*routers.Route, map[string]string) {
	if !hasSelector(v.doc) {
		return nil, nil
	}
	var item *openapi3.PathItem
	var params map[string]string
	var found *routers.Route
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if route, p, err := v.router.FindRoute(probe); err == nil {
			item, params, found = route.PathItem, p, route
			break
		}
	}
	if item == nil {
		return nil, nil
	}
	q := r.URL.Query()
	for method, op := range item.Operations() {
		for _, p := range op.Parameters {
			if p.Value == nil || p.Value.In != openapi3.ParameterInQuery || p.Value.Extensions[specs.ExtSelectsOperation] != true ||
				p.Value.Schema == nil || p.Value.Schema.Value == nil {
				continue
			}
			vals, ok := q[p.Value.Name]
			if !ok || len(vals) != 1 || !slices.Contains(p.Value.Schema.Value.Enum, any(vals[0])) {
				continue
			}
			route := *found
			route.Method, route.Operation = method, op
			return &route, params
		}
	}
	return nil, nil
}

// selectorAgrees reports whether m's operation has an operation-selecting query parameter and r
// sends it once with a value it lists. It reads the query through m, which keeps it for the
// parameters' validation.
func selectorAgrees(m *Match, r *http.Request) bool {
	for _, p := range m.Route.Operation.Parameters {
		if p.Value == nil || p.Value.In != openapi3.ParameterInQuery || p.Value.Extensions[specs.ExtSelectsOperation] != true ||
			p.Value.Schema == nil || p.Value.Schema.Value == nil {
			continue
		}
		vals := m.Query(r, p.Value.Name)
		return len(vals) == 1 && slices.Contains(p.Value.Schema.Value.Enum, any(vals[0]))
	}
	return false
}

var selectorDocs sync.Map // *openapi3.T -> bool

// hasSelector reports whether some query parameter of doc selects its operation, so that Route
// looks for one only where it can be.
func hasSelector(doc *openapi3.T) bool {
	if has, ok := selectorDocs.Load(doc); ok {
		return has.(bool)
	}
	has := false
	for _, op := range specs.Operations(doc) {
		for _, p := range op.Operation.Parameters {
			if p.Value != nil && p.Value.Extensions[specs.ExtSelectsOperation] == true {
				has = true
			}
		}
	}
	selectorDocs.Store(doc, has)
	return has
}

// ValidateRequest routes r and validates its parameters, credentials' presence and body (passed
// separately, since r.Body can be read only once). The returned error, when the route was found,
// is kin-openapi's (a MultiError of *openapi3filter.RequestError and
// *openapi3filter.SecurityRequirementsError), for callers that map failures to vendor errors.
func (v *Validator) ValidateRequest(ctx context.Context, r *http.Request, body []byte) (m *Match, err error) {
	m, err = v.Route(r)
	if err != nil {
		return nil, err
	}
	return m, v.ValidateRouted(ctx, m, r, body)
}

// ValidateRouted is ValidateRequest for a request already routed to m (by Route), for callers
// that route first to decide what else to check: routing is not done twice.
func (v *Validator) ValidateRouted(ctx context.Context, m *Match, r *http.Request, body []byte) (err error) {
	// kin-openapi v0.152 panics on some hostile queries (openapi3filter.deepSet, given a name
	// with U+001F beside the same name without it, on an exploded object parameter); a request
	// must never take its judge down.
	defer recoverAs(&err, "request")
	req := r.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	if mt := specs.BodyMediaType(m.Route.Operation); mt != "" && len(body) > 0 {
		// The vendor reads the body as mt whatever the label (iovox: public clients send their XML
		// as application/x-www-form-urlencoded, or unlabelled), so it is validated as mt.
		req.Header.Set("Content-Type", mt)
	}
	req, objects := withoutDelimiterNames(m, req)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: m.PathParams, Route: m.Route, Options: v.reqOpts}
	err = openapi3filter.ValidateRequest(ctx, in)
	if len(objects) == 0 {
		return err
	}
	var multi openapi3.MultiError
	if err != nil && !errors.As(err, &multi) {
		multi = openapi3.MultiError{err}
	}
	for _, p := range objects {
		multi = append(multi, &openapi3filter.RequestError{Input: in, Parameter: p, Err: ErrDelimiterName})
	}
	return multi
}

// ErrDelimiterName is the error of an exploded object query parameter that refuses a query pair
// whose name holds U+001F (see withoutDelimiterNames).
var ErrDelimiterName = errors.New("a query pair whose name holds U+001F is not a valid property of the object")

// ValidateResponse validates a response to a request routed to m: its status must be declared,
// its media type and body must match.
func (v *Validator) ValidateResponse(ctx context.Context, m *Match, r *http.Request, status int, header http.Header, body []byte) (err error) {
	if responseSurelyValid(m, status, header, body) {
		return nil
	}
	return v.validateResponseKin(ctx, m, r, status, header, body)
}

// validateResponseKin is kin-openapi's validation of a response.
func (v *Validator) validateResponseKin(ctx context.Context, m *Match, r *http.Request, status int, header http.Header, body []byte) (err error) {
	defer recoverAs(&err, "response")
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: m.PathParams, Route: m.Route, Options: v.respOpts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                v.respOpts,
	}
	return openapi3filter.ValidateResponse(ctx, in)
}

// responseSurelyValid reports whether kin-openapi's ValidateResponse would find nothing wrong
// with an answer of a 3.0 spec whose response declares no header: its status declared, and either
// no content declared or a JSON answer with the Content-Type of one of the response's, its body
// read by decodeJSONFast and found valid by surelyValidTree (which takes apart only objects
// without read- or write-only properties, so a request's visit and a response's agree). Anything
// else gets false, and kin-openapi judges it: this spares it the valid answers the mocks write,
// where its per-call set-up dominated. TestResponseSurelyValidNeverOverrules holds it to
// kin-openapi.
func responseSurelyValid(m *Match, status int, header http.Header, body []byte) bool {
	resp := declaredResponse(m.Route.Operation, status)
	if m.Route.Spec.IsOpenAPI31OrLater() || resp == nil {
		return false
	}
	for name := range resp.Headers {
		if name != "Content-Type" { // as kin-openapi skips it
			return false
		}
	}
	if len(resp.Content) == 0 {
		return true // kin-openapi reads no body where the answer declares none (iovox's 204)
	}
	ct := header.Get("Content-Type")
	media := resp.Content.Get(ct)
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return false
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if !jsonDecoderTypes[mt] && !strings.HasSuffix(mt, "+json") {
		return false
	}
	value, ok := decodeJSONFast(body, nil)
	return ok && surelyValidTree(media.Schema.Value, value, 0)
}

// ValidateStatus is ValidateResponse without the body: the status must be declared (or a default
// answer), and the Content-Type one of its media types when it declares any. For servers that
// render bodies from the response schema and keep their data valid against it.
func (v *Validator) ValidateStatus(_ context.Context, m *Match, _ *http.Request, status int, header http.Header, _ []byte) error {
	resp := declaredResponse(m.Route.Operation, status)
	if resp == nil {
		return fmt.Errorf("status %d is not declared by %s", status, m.OperationID())
	}
	if len(resp.Content) > 0 && resp.Content.Get(header.Get("Content-Type")) == nil {
		return fmt.Errorf("status %d: Content-Type %q is not declared by %s", status, header.Get("Content-Type"), m.OperationID())
	}
	return nil
}

// declaredResponse is op's answer for status, else its default one; nil when it declares neither.
func declaredResponse(op *openapi3.Operation, status int) *openapi3.Response {
	if op.Responses == nil {
		return nil
	}
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil {
		return nil
	}
	return ref.Value
}

// ErrValidatorPanic is returned (wrapped) when kin-openapi panicked on an exchange: the exchange is
// treated as invalid.
var ErrValidatorPanic = errors.New("the validator failed on this input")

func recoverAs(err *error, what string) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%s: %w: %v", what, ErrValidatorPanic, p)
	}
}

// AcceptCredentialHeader makes a request carrying the named header satisfy every security
// scheme of the spec: for an account that authenticates with a header the spec only guesses at
// (Which50 documents no scheme). Call it before validating anything.
func (v *Validator) AcceptCredentialHeader(name string) { v.credentialHeader = name }

// credentialPresent accepts a security scheme when the request carries the credential it names;
// the value is for the server to judge.
func (v *Validator) credentialPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	r := in.RequestValidationInput.Request
	if v.credentialHeader != "" && r.Header.Get(v.credentialHeader) != "" {
		return nil
	}
	switch {
	case s.Type == "apiKey" && s.In == "header":
		if r.Header.Get(s.Name) != "" {
			return nil
		}
	case s.Type == "apiKey" && s.In == "query":
		if r.URL.Query().Get(s.Name) != "" {
			return nil
		}
	case s.Type == "apiKey" && s.In == "cookie":
		if c, err := r.Cookie(s.Name); err == nil && c.Value != "" {
			return nil
		}
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") && token != "" {
			return nil
		}
	case s.Type == "http":
		if r.Header.Get("Authorization") != "" {
			return nil
		}
	default:
		return fmt.Errorf("security scheme %q of type %q is not supported", in.SecuritySchemeName, s.Type)
	}
	return fmt.Errorf("missing credential for security scheme %q", in.SecuritySchemeName)
}

var serverVarRE = regexp.MustCompile(`\{[^{}]+\}`)

// rebase returns doc with its servers replaced by basePath. The spec's first server gives the
// API's path below the host (Valomnia's /api/{version}); operations with their own servers
// (Valomnia's login at the host root) are routed under basePath less that API path, when basePath
// ends with it.
//
// doc is the process's shared document (specs.Shared), so nothing of it is changed: the result is
// a shallow copy whose servers, paths and path items (the parts given new servers) are its own,
// while operations, schemas and components stay shared, read-only.
func rebase(doc *openapi3.T, basePath string) (*openapi3.T, error) {
	apiPath := ""
	if len(doc.Servers) > 0 {
		apiPath = ServerPath(doc.Servers[0].URL)
	}
	root := basePath
	if apiPath != "" {
		// "/api/{version}" becomes ^(.*?)/api/[^/]+$: each variable one path segment.
		parts := serverVarRE.Split(apiPath, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		re, err := regexp.Compile(`^(.*?)` + strings.Join(parts, `[^/]+`) + `$`)
		if err != nil {
			return nil, err
		}
		if m := re.FindStringSubmatch(basePath); m != nil {
			root = m[1]
		}
	}
	out := *doc
	out.Servers = openapi3.Servers{{URL: basePath + "/"}}
	out.Paths = openapi3.NewPaths()
	out.Paths.Extensions = doc.Paths.Extensions
	for path, item := range doc.Paths.Map() {
		item := *item
		for _, op := range item.Operations() {
			if op.Servers != nil && len(*op.Servers) > 0 {
				item.Servers = openapi3.Servers{{URL: root + ServerPath((*op.Servers)[0].URL) + "/"}}
				break
			}
		}
		out.Paths.Set(path, &item)
	}
	return &out, nil
}

// ServerPath returns the path part of a server URL template ("https://{org}.valomnia.com/api/{version}"
// gives "/api/{version}"); a URL that is one variable ("{baseUrl}") has none.
func ServerPath(u string) string {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		if i := strings.Index(rest, "/"); i >= 0 {
			return strings.TrimSuffix(rest[i:], "/")
		}
		return ""
	}
	if strings.HasPrefix(u, "/") {
		return strings.TrimSuffix(u, "/")
	}
	return ""
}

var registerOnce sync.Once

// jsonDecoder reads a JSON body as kin-openapi's JSONBodyDecoder does on Go 1.26 (numbers as
// json.Number; of duplicate member names the last counts, as the vendors' parsers take it). Built
// by Go 1.27, whose encoding/json runs on json/v2, kin-openapi's decoder refuses duplicate names
// instead, and the same request ({"mobile":"1","mobile":"2"}) would turn from an update into the
// mock's malformed-body answer with the toolchain, not the spec, deciding.
func jsonDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	// The whole body is read first, so that a plain one is decoded without encoding/json's
	// reflection (decodeJSONFast reads it as json.Decoder does); a body whose reading fails is
	// given to json.Decoder as it was read, failure included, so the error is the one it gives.
	var data []byte
	var err error
	switch b := body.(type) {
	case *bytes.Buffer: // kin-openapi's answers: the bytes are there, read by no one else
		data = b.Bytes()
	case *bytes.Reader: // kin-openapi's requests: the length is known
		data = make([]byte, b.Len())
		_, err = io.ReadFull(b, data)
	default:
		data, err = io.ReadAll(body)
	}
	if err == nil {
		if v, ok := decodeJSONFast(data, nil); ok {
			return v, nil
		}
		body = bytes.NewReader(data)
	} else {
		body = io.MultiReader(bytes.NewReader(data), errorReader{err})
	}
	var value any
	dec := json.NewDecoder(body)
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
	}
	return value, nil
}

// jsonDecoderTypes are the media types register gives jsonDecoder.
var jsonDecoderTypes = map[string]bool{"application/json": true, "text/json": true, "application/csp-report": true}

// errorReader fails every read with err.
type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }

// register installs the body decoders and formats kin-openapi lacks. Its registries are
// process-wide, so this happens once, whichever vendor is validated first.
func register() {
	registerOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/xml", XMLDecoder)
		openapi3filter.RegisterBodyDecoder("text/xml", XMLDecoder)
		openapi3filter.RegisterBodyDecoder("multipart/form-data", multipartDecoder)
		// Which50 documents text/json and application/csp-report as JSON (ASP.NET formatters).
		// All three use jsonDecoder, not kin-openapi's own, whose behaviour depends on the Go
		// that builds it.
		for mt := range jsonDecoderTypes {
			openapi3filter.RegisterBodyDecoder(mt, jsonDecoder)
		}
		// kin-openapi's date pattern takes 2001-02-30; a calendar date must exist.
		openapi3.DefineStringFormatValidator("date", openapi3.NewCallbackValidator(func(s string) error {
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				return fmt.Errorf("%q is not a calendar date (YYYY-MM-DD)", s)
			}
			return nil
		}))
		openapi3.DefineStringFormatValidator("iso3166-country", openapi3.NewCallbackValidator(func(s string) error {
			if _, ok := country.ByCodeOrName(s); !ok {
				return fmt.Errorf("%q is not an ISO 3166 country code or English country name", s)
			}
			return nil
		}))
	})
}

// ErrTrailingData is the cause of a body refused by ValidateBody's strict JSON decoding: data
// follows the JSON value ({"a":1}x), which kin-openapi's decoder would ignore.
var ErrTrailingData = errors.New("data after the JSON value")

func (v *Validator) validateBody(ctx context.Context, m *Match, r *http.Request, body []byte, opts DecodeOptions) (Body, error) {
	in := lazyInput{ctx: ctx, v: v, m: m, r: r, n: len(body)}
	var multi openapi3.MultiError
	if !paramsSurelyValid(m, r, v.doc) {
		kin := &in
		kr, objects := withoutDelimiterNames(m, r)
		if kr != r {
			kin = &lazyInput{ctx: ctx, v: v, m: m, r: kr, n: len(body)}
		}
		if err := openapi3filter.ValidateRequest(ctx, kin.get()); err != nil {
			if !errors.As(err, &multi) {
				multi = openapi3.MultiError{err}
			}
		}
		for _, p := range objects {
			multi = append(multi, &openapi3filter.RequestError{Input: kin.get(), Parameter: p, Err: ErrDelimiterName})
		}
	}
	rb := m.Route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return Body{}, multiOrNil(multi)
	}
	ct := r.Header.Get("Content-Type")
	if mt := specs.BodyMediaType(m.Route.Operation); mt != "" && len(body) > 0 {
		ct = mt // the vendor reads the body as mt whatever its label (see ValidateRouted)
	}
	opts.foldJSON, opts.names = v.foldJSON, v.names
	b, bodyErr := decodeBody(&in, rb.Value, r.Header, ct, body, opts)
	if bodyErr != nil {
		multi = append(multi, bodyErr)
	}
	return b, multiOrNil(multi)
}

// lazyInput is the kin-openapi input of a request being validated, made only when it is needed
// (parameters kin-openapi validates, an error to report): most requests need neither, and it took
// a copy of the request.
type lazyInput struct {
	ctx context.Context
	v   *Validator
	m   *Match
	r   *http.Request
	n   int // the body's length
	in  *openapi3filter.RequestValidationInput
}

func (l *lazyInput) get() *openapi3filter.RequestValidationInput {
	if l.in == nil {
		// A shallow copy: only the body differs, and cloning the headers cost as much as
		// validating the parameters.
		req := l.r.WithContext(l.ctx)
		req.Body, req.ContentLength = http.NoBody, int64(l.n)
		l.in = &openapi3filter.RequestValidationInput{Request: req, PathParams: l.m.PathParams, Route: l.m.Route, Options: l.v.bodyOpts}
	}
	return l.in
}

// encodingOf is the encoding function of media's parts for a body decoder.
func encodingOf(media *openapi3.MediaType) openapi3filter.EncodingFn {
	return func(name string) *openapi3.Encoding { return media.Encoding[name] }
}

func multiOrNil(m openapi3.MultiError) error {
	if len(m) == 0 {
		return nil
	}
	return m
}

// decodeBody decodes and validates body as kin-openapi's ValidateRequestBody does, keeping the
// value (also when it fails its schema). ct is the media type it is read as, which a decoder
// also finds in the header it is given.
func decodeBody(in *lazyInput, rb *openapi3.RequestBody, header http.Header, ct string, body []byte, opts DecodeOptions) (Body, error) {
	fail := func(reason string, err error) error {
		return &openapi3filter.RequestError{Input: in.get(), RequestBody: rb, Reason: reason, Err: err}
	}
	if len(body) == 0 {
		if rb.Required {
			return Body{}, fail("", openapi3filter.ErrInvalidRequired)
		}
		return Body{}, nil
	}
	if header.Get("Content-Type") != ct {
		// A decoder reads the media type from the header too: the one the body is read as.
		header = header.Clone()
		header.Set("Content-Type", ct)
	}
	media := rb.Content.Get(ct)
	if media == nil {
		return Body{}, fail(fmt.Sprintf("header Content-Type has unexpected value: %q", ct), nil)
	}
	if media.Schema == nil || media.Schema.Value == nil {
		return Body{}, nil
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	decoder := openapi3filter.RegisteredBodyDecoder(mt)
	if decoder == nil && strings.HasSuffix(mt, "+json") {
		decoder = openapi3filter.RegisteredBodyDecoder("application/json")
	}
	if decoder == nil {
		return Body{}, fail("failed to decode request body", &openapi3filter.ParseError{Kind: openapi3filter.KindUnsupportedFormat, Reason: "unsupported content type " + mt})
	}
	var src io.Reader = bytes.NewReader(body)
	if opts.Truncated {
		src = &cutReader{r: bytes.NewReader(body)}
	}
	var b Body
	var err error
	surely := false // the decoder found the value surely valid: visitBody would find nothing
	switch {
	case opts.StrictJSON && (mt == "application/json" || strings.HasSuffix(mt, "+json")):
		b.Value, err = decodeStrictJSON(body, opts.names) // a cut body is malformed whatever this says (the engine adds it)
	case isXMLMediaType(mt):
		var direct bool
		if !opts.Truncated {
			if b.Value, direct, surely = decodeXMLDirect(body, media.Schema, opts.names); direct {
				b.xml = body
			}
		}
		if !direct {
			b.Value, b.root, err = decodeXML(body, opts.Truncated, media.Schema, opts.names)
		}
	case jsonDecoderTypes[mt] && !opts.Truncated:
		// jsonDecoder's reading of a whole body, which decodeJSONFast gives for plain documents
		// (one value, nothing after it) without encoding/json's reflection.
		var ok bool
		if b.Value, ok = decodeJSONFast(body, opts.names); !ok {
			b.Value, err = decoder(src, header, media.Schema, nil)
		}
	case mt == "application/x-www-form-urlencoded" && !opts.Truncated:
		// kin-openapi's reading of a plain form, which decodeFormFast gives from the pairs
		// without its generic decoders.
		b.Form, b.FormErr = url.ParseQuery(string(body))
		if obj, ok := decodeFormFast(b.Form, b.FormErr, media); ok {
			b.Value = obj
		} else {
			b.Value, err = decoder(src, header, media.Schema, encodingOf(media))
		}
	case mt == "multipart/form-data" && !opts.Truncated:
		// The parts are read once, for the validation and for the server (Body.Multipart);
		// decodeMultipartFast gives kin-openapi's value from them for plain forms.
		_, params, _ := mime.ParseMediaType(ct)
		b.Multipart = ReadMultipart(body, params["boundary"])
		if obj, ok := decodeMultipartFast(b.Multipart, media); ok {
			b.Value = obj
		} else {
			b.Value, err = decoder(src, header, media.Schema, encodingOf(media))
		}
	default:
		b.Value, err = decoder(src, header, media.Schema, encodingOf(media))
	}
	if err != nil {
		b.Value = nil
		return b, fail("failed to decode request body", err)
	}
	if opts.foldJSON && isJSONDecoder(mt) {
		b.Value = foldNames(media.Schema.Value, b.Value)
	}
	b.Decoded = true
	var errs openapi3.MultiError
	if !surely {
		errs = visitBody(media.Schema.Value, b.Value)
	}
	errs = append(errs, inexactIntegers(media.Schema.Value, b.Value)...)
	if len(errs) > 0 {
		return b, fail("doesn't match schema", errs)
	}
	return b, nil
}

// PropertyError is a body property that fails its schema, from ValidateBody's validation of
// a plain object body property by property (see visitBody); Err's JSON pointer is relative to the
// property.
type PropertyError struct {
	Property string
	// Missing: the property is required and absent (Err is nil).
	Missing bool
	Err     error
}

func (e *PropertyError) Error() string {
	if e.Missing {
		return fmt.Sprintf("property %q is missing", e.Property)
	}
	return fmt.Sprintf("property %q: %v", e.Property, e.Err)
}

func (e *PropertyError) Unwrap() error { return e.Err }

// visitBody validates a decoded body against s. A plain object schema (properties, required,
// nothing that relates properties to each other) is checked property by property: kin-openapi's
// object visit sorts the property names on every call, which was the largest part of validating
// a flat body. Anything else goes to kin-openapi whole.
func visitBody(s *openapi3.Schema, value any) openapi3.MultiError {
	var errs openapi3.MultiError
	obj, ok := value.(map[string]any)
	if !ok || !plainObject(s) {
		if err := s.VisitJSON(value, openapi3.VisitAsRequest(), openapi3.MultiErrors()); err != nil {
			if !errors.As(err, &errs) {
				errs = openapi3.MultiError{err}
			}
		}
		return errs
	}
	for name, v := range obj {
		if ps := s.Properties[name]; ps != nil && ps.Value != nil && !surelyValidTree(ps.Value, v, 0) {
			if err := ps.Value.VisitJSON(v, openapi3.VisitAsRequest(), openapi3.MultiErrors()); err != nil {
				errs = append(errs, &PropertyError{Property: name, Err: err})
			}
		}
	}
	for _, name := range s.Required {
		if _, ok := obj[name]; !ok {
			errs = append(errs, &PropertyError{Property: name, Missing: true})
		}
	}
	return errs
}

var plainObjects sync.Map // *openapi3.Schema -> bool

// plainObject reports whether s constrains an object only through its properties' own schemas
// and required: no composition, no limits on the set of properties, no read- or write-only
// property (which a request treats specially).
func plainObject(s *openapi3.Schema) bool {
	if v, ok := plainObjects.Load(s); ok {
		return v.(bool)
	}
	plain := isPlainObject(s)
	plainObjects.Store(s, plain)
	return plain
}

// isPlainObject is plainObject without its cache.
func isPlainObject(s *openapi3.Schema) bool {
	plain := s.Type.Is(openapi3.TypeObject) && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 && s.Not == nil &&
		len(s.Enum) == 0 && s.MinProps == 0 && s.MaxProps == nil && s.Discriminator == nil &&
		(s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) && s.AdditionalProperties.Schema == nil
	for _, p := range s.Properties {
		if p == nil || p.Value == nil || p.Value.ReadOnly || p.Value.WriteOnly {
			plain = false
		}
	}
	return plain
}

// InexactIntegerError is a body property declared integer whose number is past 2^53 and not
// written in plain digits (1e16): JSON Schema takes it as an integer, but a float64 on the way
// (JavaScript, many JSON libraries) would not keep it exact, so a server should not guess.
type InexactIntegerError struct {
	// Property is the top-level property holding the number.
	Property string
	Value    string
}

func (e *InexactIntegerError) Error() string {
	return fmt.Sprintf("property %q: %s is not an exact integer", e.Property, e.Value)
}

// inexactIntegers finds InexactIntegerErrors among the top-level properties of an object body
// and the items of its integer arrays.
func inexactIntegers(s *openapi3.Schema, value any) []error {
	obj, ok := value.(map[string]any)
	if !ok {
		return nil
	}
	var out []error
	for name, v := range obj {
		var items []any
		switch x := v.(type) {
		case json.Number:
		case []any:
			items = x
		default:
			continue // only numbers, alone or in arrays, can be inexact
		}
		ps := s.Properties[name]
		if ps == nil || ps.Value == nil {
			continue
		}
		out = appendInexact(out, name, ps.Value, v)
		if items != nil && ps.Value.Items != nil && ps.Value.Items.Value != nil {
			for _, item := range items {
				out = appendInexact(out, name, ps.Value.Items.Value, item)
			}
		}
	}
	return out
}

// appendInexact appends an InexactIntegerError for v, a value of property name, when schema
// declares an integer and v is a number past 2^53 not written in plain digits.
func appendInexact(out []error, name string, schema *openapi3.Schema, v any) []error {
	n, ok := v.(json.Number)
	if !ok || !schema.Type.Is(openapi3.TypeInteger) {
		return out
	}
	if _, err := n.Int64(); err == nil || !strings.ContainsAny(string(n), ".eE") {
		return out
	}
	if f, err := n.Float64(); err == nil && (f >= 1<<53 || f <= -(1<<53)) {
		out = append(out, &InexactIntegerError{Property: name, Value: string(n)})
	}
	return out
}

// decodeStrictJSON decodes one JSON value (numbers as json.Number, as kin-openapi's decoder keeps
// them) and refuses anything after it.
func decodeStrictJSON(body []byte, names map[string]string) (any, error) {
	if v, ok := decodeJSONFast(body, names); ok {
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: ErrTrailingData}
	}
	return value, nil
}

// NewForDoc is New for a document that is not one of the embedded specs (a test's copy of a spec
// with a property added, a fifth vendor's spec): compiled afresh, not cached.
func NewForDoc(vendor string, doc *openapi3.T, basePath string) (*Validator, error) {
	register()
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return nil, fmt.Errorf("catalogue of %q: %w", vendor, err)
	}
	if doc, err = rebase(doc, strings.TrimSuffix(basePath, "/")); err != nil {
		return nil, fmt.Errorf("rebase %q on %q: %w", vendor, basePath, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router for %q: %w", vendor, err)
	}
	v := &Validator{vendor: vendor, doc: doc, router: router, catalogue: cat, names: propertyNames(doc)}
	v.reqOpts = &openapi3filter.Options{MultiError: true, RejectWhenRequestBodyNotSpecified: true, AuthenticationFunc: v.credentialPresent}
	v.respOpts = &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true}
	v.setBodyOpts()
	return v, nil
}
