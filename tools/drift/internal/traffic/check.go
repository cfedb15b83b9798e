package traffic

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
	"github.com/contactapis/contactapis/vendors"
)

// Finding classes of recorded traffic.
const (
	// ClassUndocumentedStatus: the response status is not declared for the operation (and no
	// default response is).
	ClassUndocumentedStatus = "undocumented-status"
	// ClassUndocumentedMediaType: the response's Content-Type is not declared for that status, or
	// a body came where the spec declares none.
	ClassUndocumentedMediaType = "undocumented-media-type"
	// ClassSchemaMismatch: the response body (or a declared header) does not match its schema.
	ClassSchemaMismatch = "response-schema-mismatch"
	// ClassMissingRequired: a response object lacks a property its schema requires.
	ClassMissingRequired = "missing-required-field"
	// ClassUndocumentedField: a response object has a property its schema does not declare.
	ClassUndocumentedField = "undocumented-field"
	// ClassUnknownErrorMessage: an error response's message is in no catalogue entry that can
	// answer the operation, or the body has no message in the vendor's error format.
	ClassUnknownErrorMessage = "error-message-not-in-catalogue"
	// ClassRequestRejected: the spec would reject the request (no operation matches, a
	// parameter, the body, or a missing credential).
	ClassRequestRejected = "request-rejected"
)

// Classes lists every class, in report order.
var Classes = []string{ClassUndocumentedStatus, ClassUndocumentedMediaType, ClassSchemaMismatch, ClassMissingRequired,
	ClassUndocumentedField, ClassUnknownErrorMessage, ClassRequestRejected}

// Raw is one finding on one exchange.
type Raw struct {
	Class string
	// Severity is what the finding means to a client written to the spec (see ClassSeverity).
	Severity contract.Severity
	// Operation is the operationId, or "METHOD /path" of a request no operation matches.
	Operation string
	Detail    string
}

// maxCachedValidators bounds the validators kept: one per vendor and base path, and a recording
// of a live Valomnia carries a version segment in each base path; a hostile file with a new
// version on every line must not grow memory.
const maxCachedValidators = 64

// validators are shared by every run of the process: a Validator is immutable and safe for
// concurrent use, and building one loads and validates a spec.
var validators = struct {
	sync.Mutex
	m map[string]*contract.Validator
}{m: map[string]*contract.Validator{}}

func validatorFor(t Target) (*contract.Validator, error) {
	key := t.Vendor + "\x00" + t.BasePath
	validators.Lock()
	defer validators.Unlock()
	if v := validators.m[key]; v != nil {
		return v, nil
	}
	v, err := contract.New(t.Vendor, t.BasePath)
	if err != nil {
		return nil, err
	}
	if len(validators.m) >= maxCachedValidators {
		clear(validators.m)
	}
	validators.m[key] = v
	return v, nil
}

// errCheckPanicked is a panic while checking an exchange, turned into an error.
var errCheckPanicked = errors.New("validating the exchange failed")

// Check validates one exchange routed to t. It is safe for concurrent use.
func Check(ctx context.Context, t Target, u *url.URL, e *Entry) (raws []Raw, err error) {
	// The contract recovers from kin-openapi's panics on hostile input; this covers the rest of
	// the way (decoding, the walk), since a panic in a worker would take the whole run down.
	defer func() {
		if p := recover(); p != nil {
			raws, err = nil, fmt.Errorf("%w: %v", errCheckPanicked, p)
		}
	}()
	v, err := validatorFor(t)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, e.Request.Method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("request: %v", err)
	}
	for _, h := range e.Request.Headers {
		// HTTP/2 pseudo-headers (":authority") are recorded by browsers; they are not headers.
		if !strings.HasPrefix(h.Name, ":") {
			req.Header.Add(h.Name, h.Value)
		}
	}
	reqBody := e.RequestBody()
	respBody, err := e.ResponseBody()
	if err != nil {
		return nil, err
	}
	respHeader := http.Header{}
	for _, h := range e.Response.Headers {
		if !strings.HasPrefix(h.Name, ":") {
			respHeader.Add(h.Name, h.Value)
		}
	}
	unredactCredentials(req, v.Doc())
	if respHeader.Get("Content-Type") == "" && len(respBody) > 0 && e.Response.Content.MimeType != "" {
		// A recorder that kept no headers still names the body's type in content.mimeType.
		respHeader.Set("Content-Type", e.Response.Content.MimeType)
	}
	// A request the recorder kept only in part (a 2 MB photo) is not judged; its answer still is.
	x := exchange{v: v, basePath: t.BasePath, req: req, reqBody: reqBody, status: e.Response.Status, header: respHeader, body: respBody, negative: e.Negative || e.RequestBodyCut()}
	return x.check(ctx), nil
}

// unredactCredentials gives a credential redacted by the recorder the shape its security scheme
// expects. conformance/framework records the whole Authorization and Cookie headers as
// apiclient.Redacted; the contract checks that a credential is present ("Bearer x", a JSESSIONID
// cookie), and it was present on the wire, so "[REDACTED]" must not read as missing. A
// credential the recorder dropped altogether (a browser's sanitised export) stays missing: the
// request is reported, and a baseline can excuse that.
func unredactCredentials(req *http.Request, doc *openapi3.T) {
	if doc.Components == nil {
		return
	}
	for _, ref := range doc.Components.SecuritySchemes {
		s := ref.Value
		switch {
		case s == nil:
		case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer") && req.Header.Get("Authorization") == apiclient.Redacted:
			req.Header.Set("Authorization", "Bearer "+apiclient.Redacted)
		case s.Type == "apiKey" && s.In == "cookie" && req.Header.Get("Cookie") == apiclient.Redacted:
			req.Header.Set("Cookie", s.Name+"=redacted")
		}
	}
}

type exchange struct {
	v        *contract.Validator
	basePath string
	req      *http.Request
	reqBody  []byte
	status   int
	header   http.Header
	body     []byte
	// negative: the request is invalid on purpose; do not judge it.
	negative bool
	out      []Raw
}

func (x *exchange) add(class, op, detail string) {
	x.addSeverity(class, ClassSeverity(class), op, detail)
}

func (x *exchange) addSeverity(class string, sev contract.Severity, op, detail string) {
	x.out = append(x.out, Raw{Class: class, Severity: sev, Operation: op, Detail: detail})
}

// ClassSeverity is the severity of a class's findings: an undeclared field in an answer is
// non-breaking (a client written to the spec ignores it), the rest break such a client. Two
// findings are judged one by one instead: a schema mismatch that is only a new enum value
// (contract.SchemaErrorSeverity), and a request the spec refuses that the vendor accepted
// (rejected, below).
func ClassSeverity(class string) contract.Severity {
	if class == ClassUndocumentedField {
		return contract.NonBreaking
	}
	return contract.Breaking
}

// rejected records a request the spec refuses. Answered with a 2xx, the vendor accepts what the
// spec refuses: non-breaking (nothing a client sends per the spec stops working). Answered
// otherwise, the client broke the contract, and the finding is breaking as before.
func (x *exchange) rejected(op, detail string) {
	sev := contract.Breaking
	if x.status >= 200 && x.status < 300 {
		sev = contract.NonBreaking
	}
	x.addSeverity(ClassRequestRejected, sev, op, detail)
}

func (x *exchange) check(ctx context.Context) []Raw {
	m, err := x.v.Route(x.req)
	if err != nil {
		// Named by its path below the base path, so that a baseline entry written for the live
		// vendor matches the same request to a mock under /iovox.
		op := x.req.Method + " " + strings.TrimPrefix(x.req.URL.Path, x.basePath)
		why := "no operation of the spec matches the request"
		if errors.Is(err, contract.ErrMethodNotAllowed) {
			why = "the spec declares the path but not the method"
		}
		if !x.negative {
			x.rejected(op, why)
		}
		// An unrouted request still gets an answer in the vendor's dialect: its messages must be
		// in the catalogue. Root entries (the unrouted ones among them) can answer any such
		// request; a wrong method on a known path may also get an entry of the operations on
		// that path (iovox's "Request Method must be PUT. DELETE attempted" is updateContacts').
		cat := x.v.Catalogue().ForOperation("", false)
		for _, id := range x.operationsOnPath() {
			cat = append(cat, x.v.Catalogue().ForOperation(id, true)...)
		}
		x.checkErrorMessages(op, cat, true)
		return x.out
	}
	op := m.OperationID()
	if !x.negative {
		if err := x.v.ValidateRouted(ctx, m, x.req, x.reqBody); err != nil {
			for _, d := range describe(err) {
				x.rejected(op, d)
			}
		}
	}
	responses := m.Route.Operation.Responses
	ref := responses.Status(x.status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		x.add(ClassUndocumentedStatus, op, fmt.Sprintf("status %d is not declared (declared: %s)", x.status, strings.Join(declaredStatuses(responses), ", ")))
		return x.out
	}
	content := ref.Value.Content
	ct := x.header.Get("Content-Type")
	var media *openapi3.MediaType
	switch {
	case len(content) == 0 && len(x.body) == 0:
	case len(content) == 0:
		x.add(ClassUndocumentedMediaType, op, fmt.Sprintf("status %d: a %s body, where the spec declares no body", x.status, orNone(mediaType(ct))))
		return x.out
	case ct == "" && len(x.body) == 0:
		x.add(ClassSchemaMismatch, op, fmt.Sprintf("status %d: no body, where the spec declares %s", x.status, strings.Join(slices.Sorted(mapsKeys(content)), ", ")))
		return x.out
	default:
		if media = content.Get(ct); media == nil {
			x.add(ClassUndocumentedMediaType, op, fmt.Sprintf("status %d: %s is not declared (declared: %s)", x.status, orNone(mediaType(ct)), strings.Join(slices.Sorted(mapsKeys(content)), ", ")))
			return x.out
		}
	}
	before := len(x.out)
	if err := x.v.ValidateResponse(ctx, m, x.req, x.status, x.header, x.body); err != nil {
		x.classifyResponse(op, err)
	}
	if media != nil && media.Schema != nil {
		x.checkUndeclared(op, ct, media.Schema)
	}
	responseOK := len(x.out) == before
	if x.status >= 400 { // only error answers carry messages; the entries are built per call
		x.checkErrorMessages(op, x.v.Catalogue().ForOperation(op, m.Secured()), responseOK)
	}
	return x.out
}

// operationsOnPath lists the operations declared on the request's path, whatever their method.
func (x *exchange) operationsOnPath() []string {
	var ids []string
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete,
		http.MethodHead, http.MethodOptions, http.MethodTrace} {
		if method == x.req.Method {
			continue
		}
		r := x.req.Clone(x.req.Context())
		r.Method = method
		if m, err := x.v.Route(r); err == nil {
			ids = append(ids, m.OperationID())
		}
	}
	return ids
}

// checkErrorMessages requires every message of an error answer to be an instance of a catalogue
// entry that can answer the operation. A body with no message in the vendor's format is reported
// only when nothing else was found on the response: a body that already failed its schema says
// the same thing twice otherwise.
func (x *exchange) checkErrorMessages(op string, cat specs.Catalogue, reportFormat bool) {
	if x.status < 400 {
		return
	}
	vendor := x.v.Vendor()
	msgs, err := vendors.ErrorMessages(vendor, x.header.Get("Content-Type"), x.body)
	if err != nil {
		if reportFormat {
			x.add(ClassUnknownErrorMessage, op, fmt.Sprintf("status %d: the body carries no message in %s's error format (%v)", x.status, vendor, err))
		}
		return
	}
	for _, msg := range msgs {
		if _, _, ok := cat.Identify(x.status, msg); !ok {
			x.add(ClassUnknownErrorMessage, op, report.Clip(fmt.Sprintf("status %d: %q matches no catalogue entry", x.status, msg)))
		}
	}
}

func (x *exchange) classifyResponse(op string, err error) {
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) {
		switch {
		case re.Reason == "status is not supported":
			x.add(ClassUndocumentedStatus, op, fmt.Sprintf("status %d is not declared", x.status))
			return
		case strings.Contains(re.Reason, "Content-Type has unexpected value"):
			x.add(ClassUndocumentedMediaType, op, fmt.Sprintf("status %d: %s is not declared", x.status, orNone(mediaType(x.header.Get("Content-Type")))))
			return
		}
		if ses := contract.SchemaErrors(re.Err); len(ses) > 0 {
			for _, se := range ses {
				x.classifySchemaError(op, se)
			}
			return
		}
	}
	for _, d := range describe(err) {
		x.add(ClassSchemaMismatch, op, d)
	}
}

func (x *exchange) classifySchemaError(op string, se *openapi3.SchemaError) {
	switch {
	case se.SchemaField == "required":
		x.add(ClassMissingRequired, op, schemaLine(se))
	case se.SchemaField == "properties" && strings.HasSuffix(se.Reason, "is unsupported"):
		// additionalProperties: false; checkUndeclared reports the member as undocumented.
	default:
		x.addSeverity(ClassSchemaMismatch, contract.SchemaErrorSeverity(se), op, schemaLine(se))
	}
}

// schemaLine is one schema error as "pointer: reason". kin-openapi's pointer of a missing
// required property ends with the property's name; the line names the object that lacks it.
func schemaLine(se *openapi3.SchemaError) string {
	ptr := pointer(se.JSONPointer())
	if se.SchemaField == "required" && ptr != "" {
		ptr = ptr[:strings.LastIndexByte(ptr, '/')]
	}
	return fmt.Sprintf("%s: %s", orRoot(ptr), schemaReason(se))
}

// checkUndeclared reports members of the body the schema does not declare (see
// contract.UndeclaredInBody).
func (x *exchange) checkUndeclared(op, ct string, schema *openapi3.SchemaRef) {
	for _, d := range contract.UndeclaredInBody(ct, x.header, x.body, schema) {
		x.add(ClassUndocumentedField, op, d)
	}
}

// secured reports whether an operation requires credentials (its own security, else the
// document's).

func declaredStatuses(r *openapi3.Responses) []string {
	return slices.Sorted(mapsKeys(r.Map()))
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.TrimSpace(ct)
	}
	return mt
}

func orNone(s string) string {
	if s == "" {
		return "(no Content-Type)"
	}
	return s
}

func orRoot(ptr string) string {
	if ptr == "" {
		return "/"
	}
	return ptr
}

// pointer renders a JSON pointer with array positions as "*", so that one deviation in every
// item of a list is one finding.
func pointer(segments []string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		if s != "" && strings.Trim(s, "0123456789") == "" {
			b.WriteByte('*')
		} else {
			b.WriteString(contract.EscapePointer(s))
		}
	}
	return b.String()
}

// schemaReason is a schema error's reason without the value or schema dump kin-openapi's Error
// appends: a recorded body may hold personal data, and findings end up in PR comments.
func schemaReason(se *openapi3.SchemaError) string {
	if se.Reason != "" {
		return se.Reason
	}
	return fmt.Sprintf("doesn't match schema %q", se.SchemaField)
}

// describe turns a validation error into one line per problem, without values.
func describe(err error) []string {
	// Only a multi-error at the top is split: a *RequestError unwraps to the multi-error of its
	// body's schema errors, and must keep its "request body" prefix.
	if me, ok := err.(openapi3.MultiError); ok {
		var out []string
		for _, e := range me {
			out = append(out, describe(e)...)
		}
		return out
	}
	var reqErr *openapi3filter.RequestError
	var respErr *openapi3filter.ResponseError
	var secErr *openapi3filter.SecurityRequirementsError
	var se *openapi3.SchemaError
	switch {
	case errors.As(err, &reqErr):
		prefix := reqErr.Reason
		switch {
		case reqErr.Parameter != nil:
			prefix = fmt.Sprintf("parameter %q in %s", reqErr.Parameter.Name, reqErr.Parameter.In)
		case reqErr.RequestBody != nil:
			prefix = "request body"
		}
		if ses := contract.SchemaErrors(reqErr.Err); len(ses) > 0 {
			var out []string
			for _, se := range ses {
				out = append(out, prefix+": "+schemaLine(se))
			}
			return out
		}
		detail := reqErr.Reason
		if reqErr.Err != nil && reqErr.Err.Error() != detail {
			if detail != "" && detail != prefix {
				detail += ": "
			} else {
				detail = ""
			}
			detail += firstLine(reqErr.Err.Error())
		}
		if detail == "" || detail == prefix {
			return []string{report.Clip(prefix)}
		}
		return []string{report.Clip(prefix + ": " + detail)}
	case errors.As(err, &secErr):
		var parts []string
		for _, e := range secErr.Errors {
			parts = append(parts, firstLine(e.Error()))
		}
		slices.Sort(parts)
		return []string{report.Clip("security requirements not met: " + strings.Join(slices.Compact(parts), "; "))}
	case errors.As(err, &respErr):
		if ses := contract.SchemaErrors(respErr.Err); len(ses) > 0 {
			var out []string
			for _, se := range ses {
				out = append(out, schemaLine(se))
			}
			return out
		}
		msg := respErr.Reason
		if respErr.Err != nil {
			msg += ": " + firstLine(respErr.Err.Error())
		}
		return []string{report.Clip(msg)}
	case errors.As(err, &se):
		return []string{schemaLine(se)}
	}
	return []string{report.Clip(firstLine(err.Error()))}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
