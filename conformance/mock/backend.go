package mock

import (
	"encoding/json"
	"net/http"

	"github.com/contactapis/contactapis/conformance/contract"
)

// Backend is one vendor's mock behind the shared pipeline.
type Backend interface {
	// Vendor is the vendor's name (specs.Iovox, ...); the mock serves it under /<vendor>.
	Vendor() string
	// APIPath is where the spec's server URL points below the vendor's host root: "/api/v1.0"
	// for Valomnia, "" for the others.
	APIPath() string
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes() int64
	// StrictJSON refuses JSON bodies with data after the value.
	StrictJSON() bool
	// Validator is the backend's spec, compiled: the pipeline routes, decodes and validates
	// with it, once, and hands the decoded body to the handler.
	Validator() *contract.Validator
	// Authenticate reports whether r carries the vendor's valid credentials for the matched
	// operation (called only for operations with security).
	Authenticate(r *http.Request, m *contract.Match) bool
	// Handler serves requests that passed the pipeline, with host-root paths and the body
	// restored.
	Handler() http.Handler
	// Reject answers a request the pipeline refused, in the vendor's dialect.
	Reject(w http.ResponseWriter, r *http.Request, rej *Rejection)
	// Fail answers the vendor's documented internal error (fault injection).
	Fail(w http.ResponseWriter, r *http.Request)
	// Reset restores the fixtures last loaded (the defaults unless LoadFixtures replaced them).
	Reset()
	// PrepareFixtures parses and checks the vendor's part of a fixtures file without changing
	// anything; install then makes it the fixtures and resets the store. Splitting the two lets a
	// fixtures file for several vendors load all or nothing.
	PrepareFixtures(raw json.RawMessage) (install func(), err error)
	// State is the whole store, for GET /_admin/state/{vendor}.
	State() any
	// Events are recorded side effects (Which50's custom events), oldest first.
	Events() []Event
}

// Event is a side effect a mock records instead of performing it.
type Event struct {
	Kind   string         `json:"kind"`
	Detail map[string]any `json:"detail"`
}

// RejectKind says why the pipeline refused a request.
type RejectKind int

const (
	RejectTooLarge        RejectKind = iota + 1 // body over MaxBodyBytes
	RejectEncoding                              // body or query not UTF-8
	RejectNoRoute                               // no path of the spec matches
	RejectMethod                                // the path exists, the method does not
	RejectUnauthenticated                       // missing or wrong credentials
	RejectInvalid                               // the spec's validation failed
)

// rejectKindNames are the kinds as the exchange log names them; the pipeline asks on every request.
var rejectKindNames = map[RejectKind]string{RejectTooLarge: "too-large", RejectEncoding: "encoding", RejectNoRoute: "no-route",
	RejectMethod: "method", RejectUnauthenticated: "unauthenticated", RejectInvalid: "invalid"}

func (k RejectKind) String() string { return rejectKindNames[k] }

// Rejection is a refused request.
type Rejection struct {
	Kind RejectKind
	// Match is the operation, when the request was routed.
	Match *contract.Match
	// Err is the cause: for RejectInvalid kin-openapi's validation error (an openapi3.MultiError
	// of *openapi3filter.RequestError / *openapi3.SchemaError), for backends to map to the
	// vendor's catalogue.
	Err error
	// Body is the request body as read (capped).
	Body []byte
	// Decoded is the body as the spec's validation decoded it, for backends that are decoders:
	// its value even when it fails its schema, so that the rest of it can be judged too.
	Decoded contract.Body
}
