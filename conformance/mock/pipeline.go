package mock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/contactapis/contactapis/conformance/contract"
)

// ContractViolationHeader marks an answer of the mock that its own spec forbids.
const ContractViolationHeader = "X-Contract-Violation"

// vendor is one Backend behind the pipeline.
type vendor struct {
	backend   Backend
	validator *contract.Validator
	faults    *faultState
	log       ring
	logger    *slog.Logger

	mu         sync.Mutex
	violations []string
}

func newVendor(b Backend, f Faults, seed uint64, logger *slog.Logger) (*vendor, error) {
	v := b.Validator()
	if v == nil {
		return nil, fmt.Errorf("backend %s has no validator", b.Vendor())
	}
	return &vendor{backend: b, validator: v, faults: newFaultState(f, seed), logger: logger.With("vendor", b.Vendor())}, nil
}

// ServeHTTP runs the pipeline described in the package doc. r's path is relative to the vendor's
// host root (the /<vendor> mount stripped).
func (v *vendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := newRecorder()
	defer rec.release()
	ex := Exchange{Time: start, Method: r.Method, Path: r.URL.Path}
	m, bodyChecked := v.serve(rec, r, &ex)
	if m != nil {
		ex.Operation = m.OperationID()
		validate := v.validator.ValidateResponse
		if bodyChecked {
			// The backend vouches for the body (the engine's success answers, rendered from
			// records kept valid against the answer's own schema): status and media type only.
			validate = v.validator.ValidateStatus
		}
		if err := validate(r.Context(), m, r, rec.status(), rec.header, rec.body.Bytes()); err != nil {
			ex.Violation = firstLine(err.Error())
			v.mu.Lock()
			v.violations = append(v.violations, fmt.Sprintf("%s %s -> %d: %v", r.Method, r.URL.Path, rec.status(), err))
			v.mu.Unlock()
			v.logger.Error("mock answer violates its spec", "method", r.Method, "path", r.URL.Path, "status", rec.status(), "error", ex.Violation)
			rec.header.Set(ContractViolationHeader, ex.Violation)
		}
	}
	tooLarge := ex.Rejected == RejectTooLarge.String()
	var rc *http.ResponseController
	if tooLarge {
		rc = http.NewResponseController(w)
		// The rest of the body is read after the answer is written (linger); without this,
		// net/http would refuse reads once the answer starts. Unsupported (a test's recorder,
		// a wrapper without Unwrap): the body is then one in memory, drained all the same.
		rc.EnableFullDuplex()
	}
	for k, vals := range rec.header {
		w.Header()[k] = vals
	}
	w.WriteHeader(rec.status())
	w.Write(rec.body.Bytes())
	if tooLarge {
		rc.Flush()
		linger(rc, r)
	}
	ex.Status, ex.Duration = rec.status(), time.Since(start)
	v.log.add(ex)
	// Checked first: the arguments would be boxed (allocated) on every request even for a
	// logger that drops the record, as the default discarding one does.
	if v.logger.Enabled(r.Context(), slog.LevelInfo) {
		v.logger.Info("request", "method", ex.Method, "path", ex.Path, "operation", ex.Operation, "status", ex.Status,
			"rejected", ex.Rejected, "fault", ex.Fault, "duration", ex.Duration)
	}
}

// serve answers into rec and returns the matched operation, if any, for response validation, and
// whether the backend vouched for the answer's body (answerChecked).
func (v *vendor) serve(rec *recorder, r *http.Request, ex *Exchange) (*contract.Match, bool) {
	reject := func(rej *Rejection) (*contract.Match, bool) {
		ex.Rejected = rej.Kind.String()
		v.backend.Reject(rec, r, rej)
		return rej.Match, false
	}
	body, err := rec.readBody(r.Body, v.backend.MaxBodyBytes()+1)
	if err != nil {
		// The client went away or sent a broken chunked body: nothing to answer to but the
		// vendor's own refusal, which no one may read.
		return reject(&Rejection{Kind: RejectInvalid, Err: fmt.Errorf("read body: %w", err)})
	}
	m, routeErr := v.validator.Route(r)
	switch {
	case errors.Is(routeErr, contract.ErrMethodNotAllowed):
		// m is the operation the request's selecting parameter names, if any (Route).
		return reject(&Rejection{Kind: RejectMethod, Match: m, Err: routeErr, Body: body})
	case routeErr != nil:
		return reject(&Rejection{Kind: RejectNoRoute, Err: routeErr, Body: body})
	case int64(len(body)) > v.backend.MaxBodyBytes():
		return reject(&Rejection{Kind: RejectTooLarge, Match: m, Body: body[:v.backend.MaxBodyBytes()]})
	case !utf8.ValidString(r.URL.RawQuery) || !utf8.Valid(body) && !isMultipart(r):
		return reject(&Rejection{Kind: RejectEncoding, Match: m, Body: body})
	case m.Secured() && !v.backend.Authenticate(r, m):
		return reject(&Rejection{Kind: RejectUnauthenticated, Match: m, Body: body})
	}
	// The backend takes the body's value from here: decoded and validated once.
	decoded, err := v.validator.ValidateBody(r.Context(), m, r, body, contract.DecodeOptions{StrictJSON: v.backend.StrictJSON()})
	if err != nil {
		return reject(&Rejection{Kind: RejectInvalid, Match: m, Err: err, Body: body, Decoded: decoded})
	}
	rc := &routedContext{Context: r.Context(), rt: routed{match: m, body: decoded, decoded: true}}
	delay, fail := v.faults.draw()
	sleep(r.Context(), delay)
	// Only an operation that documents a server error can fail with one (Valomnia's login
	// declares none); the others just get the latency.
	if fail && declaresServerError(m) {
		ex.Fault = true
		v.backend.Fail(rec, r)
		return m, false
	}
	r = r.WithContext(rc)
	mb := &memoryBody{}
	mb.Reset(body)
	r.Body, r.ContentLength = mb, int64(len(body))
	v.backend.Handler().ServeHTTP(rec, r)
	return m, rc.rt.answerChecked
}

// Lingering close: the bounds within which the rest of a body over a vendor's cap is read and
// thrown away after the answer, as production servers do before closing (nginx's lingering_time
// and lingering_timeout, Apache's lingering close). A client that writes its whole body before it
// reads (Python's urllib, curl without Expect) would otherwise have its connection reset under
// it, the answer unread, as soon as the server closed with unread bytes in its receive buffer.
const (
	// LingerMaxBytes bounds a body the mock drains: one declared longer gets no drain (it would
	// end in a reset anyway), a chunked one is drained this far.
	LingerMaxBytes = 32 << 20
	// lingerIdle is how long one read of the rest may wait; lingerTotal bounds the whole drain.
	lingerIdle  = 5 * time.Second
	lingerTotal = 30 * time.Second
)

// linger reads and discards what is left of r's body, within LingerMaxBytes, lingerIdle per read
// and lingerTotal in all. Read deadlines need the connection (rc); without one (a recorder in a
// test) the body is in memory and the byte bound is enough.
func linger(rc *http.ResponseController, r *http.Request) {
	if r.ContentLength > LingerMaxBytes {
		return
	}
	buf := lingerBufs.Get().(*[]byte)
	defer lingerBufs.Put(buf)
	// The next request on a kept connection starts without this drain's deadline (a server
	// with timeouts sets its own again).
	defer rc.SetReadDeadline(time.Time{})
	end := time.Now().Add(lingerTotal)
	for n := int64(0); n < LingerMaxBytes; {
		deadline := time.Now().Add(lingerIdle)
		if deadline.After(end) {
			deadline = end
		}
		rc.SetReadDeadline(deadline)
		k, err := r.Body.Read((*buf)[:min(int64(len(*buf)), LingerMaxBytes-n)])
		n += int64(k)
		if err != nil {
			return
		}
	}
}

var lingerBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func declaresServerError(m *contract.Match) bool {
	for status := range m.Route.Operation.Responses.Map() {
		if strings.HasPrefix(status, "5") {
			return true
		}
	}
	return false
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return strings.HasPrefix(mt, "multipart/")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func (v *vendor) takeViolations() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.violations
	v.violations = nil
	return out
}

type matchKey struct{}

// routedContext is a request's context with its routed value: one allocation for both.
type routedContext struct {
	context.Context
	rt routed
}

func (c *routedContext) Value(key any) any {
	if key == (matchKey{}) {
		return &c.rt
	}
	return c.Context.Value(key)
}

// memoryBody is a body already read, as the handler reads it again: one allocation rather than a
// reader and its closer.
type memoryBody struct{ bytes.Reader }

func (*memoryBody) Close() error { return nil }

// routed is what the pipeline tells the backend's handler about a request: one context value
// for both, so that passing them costs one allocation.
type routed struct {
	match *contract.Match
	// decoded: body is the body as decoded (false when the handler is served without the
	// pipeline).
	decoded bool
	body    contract.Body
	// answerChecked: the backend vouches that its answer's body fits the spec.
	answerChecked bool
}

// vouchForAnswer tells the pipeline that the answer's body needs no validation against the
// response schema.
func vouchForAnswer(ctx context.Context) {
	if rt, _ := ctx.Value(matchKey{}).(*routed); rt != nil {
		rt.answerChecked = true
	}
}

// decodedBody returns the body as the pipeline decoded and validated it.
func decodedBody(ctx context.Context) (contract.Body, bool) {
	rt, _ := ctx.Value(matchKey{}).(*routed)
	if rt == nil || !rt.decoded {
		return contract.Body{}, false
	}
	return rt.body, true
}

// MatchFrom returns the operation the pipeline routed a request to, for handlers that need the
// spec's view of it (Which50's free-form match values).
func MatchFrom(ctx context.Context) *contract.Match {
	if rt, _ := ctx.Value(matchKey{}).(*routed); rt != nil {
		return rt.match
	}
	return nil
}

// recorder buffers an answer so that it can be validated before it is sent. Recorders and their
// buffers are pooled: every request needs a body buffer and an answer buffer, which would
// otherwise be allocated and grown afresh each time.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
	in     bytes.Buffer // the request body as read
}

var recorders = sync.Pool{New: func() any { return &recorder{header: http.Header{}} }}

// maxPooledBuffer keeps an exceptional large body (up to a vendor's cap) from being held by the
// pool for good.
const maxPooledBuffer = 64 << 10

func newRecorder() *recorder { return recorders.Get().(*recorder) }

// release returns r to the pool. Nothing may use r, its header or its buffers afterwards: the
// answer has been written, and the backend's handler has returned (handlers finish with the
// request, no goroutine of theirs outlives it).
func (r *recorder) release() {
	if r.body.Cap() > maxPooledBuffer || r.in.Cap() > maxPooledBuffer {
		return
	}
	// Emptied, not replaced: only its value slices went to the ResponseWriter's header, and
	// writers of the next answer make new slices (Set), or append to ones of their own (Add).
	clear(r.header)
	r.code = 0
	r.body.Reset()
	r.in.Reset()
	recorders.Put(r)
}

// readBody reads the request body, at most limit bytes, into the recorder's pooled buffer.
func (r *recorder) readBody(body io.Reader, limit int64) ([]byte, error) {
	_, err := r.in.ReadFrom(io.LimitReader(body, limit))
	return r.in.Bytes(), err
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
