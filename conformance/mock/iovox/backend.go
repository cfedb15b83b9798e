package iovox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// MaxBodyBytes caps request bodies: 1 MiB, far above any real batch of contacts.
const MaxBodyBytes = 1 << 20

// The auth headers (shared/vendor-docs/README.md; the spec's security schemes).
const (
	headerUsername  = "username"
	headerSecureKey = "secureKey"
)

// Credentials are what the mock accepts in the username and secureKey headers.
type Credentials struct {
	Username  string
	SecureKey apiclient.Secret
}

// DefaultCredentials are the mock's test credentials: username "test", secureKey "test".
func DefaultCredentials() Credentials {
	return Credentials{Username: "test", SecureKey: apiclient.NewSecret("test")}
}

// Options configure a Backend.
type Options struct {
	// Credentials accepted; the zero value means DefaultCredentials.
	Credentials Credentials
	// Logger receives the mock's own records (never a header, credential or body); nil discards.
	Logger *slog.Logger
}

// Backend is the iovox mock: the store, the strict handler and the answers to requests the shared
// pipeline refuses. It implements mock.Backend.
type Backend struct {
	creds         Credentials
	logger        *slog.Logger
	store         *store
	render        *renderer
	payloadSchema *openapi3.SchemaRef // UpdateContactsPayload, as the request body declares it
	// anyLabel: the spec says the body is read as XML whatever its Content-Type
	// (specs.ExtBodyMediaType), as public clients send it labelled as a form, or unlabelled.
	anyLabel      bool
	contactSchema *openapi3.SchemaRef // Contact, for fixtures
	handler       http.Handler
	// kinOnly counts refused requests for which evaluate found nothing and the answer was mapped
	// from kin-openapi's error alone: a disagreement between the mock's reading of the spec and
	// the validator's. Tests and fuzz targets require it to stay 0.
	kinOnly atomic.Int64
}

var (
	_ mock.Backend = (*Backend)(nil)
)

// spec is the vendor's spec as this package reads it: the process's shared document
// (specs.Shared, parsed once for the mocks, validators and clients alike), only ever read.
type spec struct {
	doc       *openapi3.T
	catalogue specs.Catalogue
}

var loadSpec = sync.OnceValues(func() (spec, error) {
	doc, err := specs.Shared(specs.Iovox)
	if err != nil {
		return spec{}, fmt.Errorf("iovox mock: %w", err)
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return spec{}, fmt.Errorf("iovox mock: catalogue: %w", err)
	}
	return spec{doc: doc, catalogue: cat}, nil
})

// New builds the mock with the default fixtures.
func New(opts Options) (*Backend, error) {
	if opts.Credentials.Username == "" && opts.Credentials.SecureKey.IsZero() {
		opts.Credentials = DefaultCredentials()
	}
	if opts.Credentials.Username == "" || opts.Credentials.SecureKey.IsZero() {
		return nil, errors.New("iovox mock: credentials need both Username and SecureKey")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	sp, err := loadSpec()
	if err != nil {
		return nil, err
	}
	doc, cat := sp.doc, sp.catalogue
	b := &Backend{creds: opts.Credentials, logger: opts.Logger.With("vendor", specs.Iovox)}
	if b.render, err = newRenderer(cat, b.logger); err != nil {
		return nil, err
	}
	op := doc.Paths.Find("/Contacts")
	if op == nil || op.Put == nil || op.Put.RequestBody == nil || op.Put.RequestBody.Value == nil {
		return nil, errors.New("iovox mock: the spec has no PUT /Contacts with a request body")
	}
	mt := op.Put.RequestBody.Value.Content.Get("application/xml")
	if mt == nil || mt.Schema == nil {
		return nil, errors.New("iovox mock: PUT /Contacts declares no application/xml schema")
	}
	b.payloadSchema = mt.Schema
	b.anyLabel = specs.BodyMediaType(op.Put) == "application/xml"
	if b.contactSchema = doc.Components.Schemas["Contact"]; b.contactSchema == nil {
		return nil, errors.New("iovox mock: the spec has no Contact schema")
	}
	fixtures, err := b.parseFixtures(defaultFixtures)
	if err != nil {
		return nil, fmt.Errorf("default fixtures: %w", err)
	}
	b.store = newStore(fixtures)
	b.handler = b.newHandler()
	return b, nil
}

// Vendor implements mock.Backend.
func (b *Backend) Vendor() string { return specs.Iovox }

// APIPath implements mock.Backend: the API sits at the host root.
func (b *Backend) APIPath() string { return "" }

// MaxBodyBytes implements mock.Backend.
func (b *Backend) MaxBodyBytes() int64 { return MaxBodyBytes }

// Authenticate implements mock.Backend: both headers must match, compared in constant time.
func (b *Backend) Authenticate(r *http.Request, _ *contract.Match) bool {
	user := subtle.ConstantTimeCompare([]byte(r.Header.Get(headerUsername)), []byte(b.creds.Username))
	key := subtle.ConstantTimeCompare([]byte(r.Header.Get(headerSecureKey)), []byte(b.creds.SecureKey.Reveal()))
	return user&key == 1
}

// Handler implements mock.Backend: the generated router and strict handler, answering unknown
// paths and other methods in the vendor's dialect too, so it can also be served on its own
// (without validation, as the benchmark does).
func (b *Backend) Handler() http.Handler { return b.handler }

// Reject implements mock.Backend. Every refusal is answered with the page's rows:
//   - unknown path: route-not-found; another method on /Contacts: request-method-not-put.
//   - wrong or missing credentials: authentication-failed.
//   - anything the spec's validation refuses: the same evaluation the handler makes (query, then
//     body, then every contact), so a refused request lists the same errors it would if it had
//     reached the handler; kin-openapi's error is only the fallback (see kinOnly).
//   - a body over 1 MiB: the XML parse error where the body was cut (see tooLarge).
//   - a query or body that is not UTF-8: the evaluation again (the parser places invalid UTF-8 in
//     the body); a query whose v and method read fine but that carries other non-UTF-8 bytes is
//     answered api-version-invalid: the query string cannot be read as text.
func (b *Backend) Reject(w http.ResponseWriter, r *http.Request, rej *mock.Rejection) {
	switch rej.Kind {
	case mock.RejectNoRoute:
		b.render.write(w, []problem{plain(idRouteNotFound)})
	case mock.RejectMethod:
		b.render.write(w, []problem{{id: idRequestMethodNotPut, args: map[string]string{"method": r.Method}}})
	case mock.RejectUnauthenticated:
		b.render.write(w, []problem{plain(idAuthenticationFailed)})
	case mock.RejectTooLarge:
		b.render.write(w, b.tooLarge(r, rej.Body))
	case mock.RejectEncoding:
		probs := b.judge(r, rej.Body)
		if len(probs) == 0 {
			probs = []problem{plain(idAPIVersionInvalid)}
		}
		b.render.write(w, probs)
	default:
		probs := b.judge(r, rej.Body)
		if len(probs) == 0 {
			probs = b.fromKin(rej.Err, rej.Body)
		}
		b.render.write(w, probs)
	}
}

// judge evaluates a request without applying it.
func (b *Backend) judge(r *http.Request, body []byte) []problem {
	b.store.mu.RLock()
	defer b.store.mu.RUnlock()
	_, probs := b.evaluate(r, body, b.store)
	return probs
}

// tooLarge answers a body over the cap. The server reads 1 MiB and the document ends there, so
// the answer is what the parser says about the cut document: usually "unexpected EOF" at the
// position of the last byte read, or an earlier syntax error. Query and media type come first,
// as in evaluate.
func (b *Backend) tooLarge(r *http.Request, cut []byte) []problem {
	if probs := checkQuery(r.URL.Query()); len(probs) > 0 {
		return probs
	}
	if !b.readsAsXML(r) {
		return []problem{plain(idXMLEmpty)}
	}
	cr := &cutReader{countingReader{b: cut}}
	_, err := contract.ParseXML(cr)
	var se *contract.XMLSyntaxError
	if errors.As(err, &se) {
		return []problem{parseError(se.Msg, se.Line, se.Column)}
	}
	if err == nil {
		err = io.ErrUnexpectedEOF // unreachable: cutReader never ends a document
	}
	line, col := lastCharPosition(cut, cr.n)
	return []problem{parseError(err.Error(), line, col)}
}

// cutReader is a body cut at the cap: its end is an unexpected end, not the document's.
type cutReader struct{ countingReader }

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.countingReader.Read(p)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// fromKin maps kin-openapi's refusal when evaluate found nothing wrong: parameters by name, the
// body as a parse error at its start. It should never be needed; it is counted and logged so
// that tests notice.
func (b *Backend) fromKin(err error, body []byte) []problem {
	b.kinOnly.Add(1)
	b.logger.Warn("iovox mock: request refused by the spec's validation but not by the mock's own checks", "error", firstLine(err))
	var out []problem
	var walk func(error)
	walk = func(err error) {
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var re *openapi3filter.RequestError
		switch {
		case errors.As(err, &re) && re.Parameter != nil && re.Parameter.Name == "v":
			out = append(out, plain(idAPIVersionInvalid))
		case errors.As(err, &re) && re.Parameter != nil:
			out = append(out, plain(idMethodInvalid))
		case len(body) == 0:
			out = append(out, plain(idXMLEmpty))
		default:
			out = append(out, parseError(firstLine(err), 1, 1))
		}
	}
	walk(err)
	if len(out) == 0 {
		out = append(out, parseError(firstLine(err), 1, 1))
	}
	return out
}

func firstLine(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

// Fail implements mock.Backend: the page's 500.
func (b *Backend) Fail(w http.ResponseWriter, _ *http.Request) {
	b.render.write(w, []problem{plain(idInternalServerError)})
}

// Reset implements mock.Backend.
func (b *Backend) Reset() { b.store.reset() }

// PrepareFixtures implements mock.Backend: the whole document is parsed and checked before
// anything changes.
func (b *Backend) PrepareFixtures(raw json.RawMessage) (func(), error) {
	f, err := b.parseFixtures(raw)
	if err != nil {
		return nil, err
	}
	return func() { b.store.install(f) }, nil
}

// State implements mock.Backend: a State value, sorted by id.
func (b *Backend) State() any { return b.store.state() }

// Events implements mock.Backend: what rm_rules TRUE removed and detached, oldest first.
func (b *Backend) Events() []mock.Event { return b.store.eventList() }
