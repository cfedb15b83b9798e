package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// ErrBudget is returned by the transport once a run has spent its request budget.
var ErrBudget = errors.New("request budget exhausted (raise --request-budget)")

const reportEntryExchange = "contactapis.exchange"

// Exchange is one request and its response as the suite saw them, secrets redacted.
type Exchange struct {
	Vendor         string              `json:"vendor"`
	Started        time.Time           `json:"started"`
	Duration       time.Duration       `json:"durationNs"`
	Method         string              `json:"method"`
	URL            string              `json:"url"`
	RequestHeaders map[string][]string `json:"requestHeaders"`
	RequestBody    string              `json:"requestBody,omitempty"`
	// RequestBodySize is the body's size as sent; RequestBody may be cut (maxRecordedBody).
	RequestBodySize int                 `json:"requestBodySize,omitempty"`
	Status          int                 `json:"status,omitempty"`
	ResponseHeaders map[string][]string `json:"responseHeaders,omitempty"`
	ResponseBody    string              `json:"responseBody,omitempty"`
	Error           string              `json:"error,omitempty"`
	Operation       string              `json:"operation,omitempty"`
	// Violations are the exchange's breaking findings: each fails the spec.
	Violations []string `json:"violations,omitempty"`
	// NonBreaking are its non-breaking findings (a field or enum value the spec does not declare
	// in the answer): reported, and failing the spec only with --strict.
	NonBreaking []string `json:"nonBreaking,omitempty"`
	// Negative marks a request a negative spec sent invalid on purpose.
	Negative bool `json:"negative,omitempty"`
}

// specLog collects one spec's exchanges.
type specLog struct {
	negative  bool
	mu        sync.Mutex
	exchanges []Exchange
}

func (l *specLog) add(e Exchange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exchanges = append(l.exchanges, e)
}

func (l *specLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exchanges = nil
}

func (l *specLog) list() []Exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Exchange(nil), l.exchanges...)
}

func (l *specLog) violations() []string {
	var out []string
	for _, e := range l.list() {
		for _, v := range e.Violations {
			out = append(out, fmt.Sprintf("%s %s %s -> %d: %s", contract.Breaking, e.Method, e.URL, e.Status, v))
		}
	}
	return out
}

// nonBreaking lists the non-breaking findings of the spec's exchanges, each with its severity's
// word, as drift reports them.
func (l *specLog) nonBreaking() []string {
	var out []string
	for _, e := range l.list() {
		for _, v := range e.NonBreaking {
			out = append(out, fmt.Sprintf("%s %s %s -> %d: %s", contract.NonBreaking, e.Method, e.URL, e.Status, v))
		}
	}
	return out
}

// transport checks and records every exchange of one vendor.
type transport struct {
	vendor    string
	base      http.RoundTripper
	validator *contract.Validator
	secrets   []apiclient.Secret
	current   atomic.Pointer[specLog]
}

const maxRecordedBody = 64 << 10

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if limit := env.cfg.RequestBudget; limit > 0 && env.budget.Add(1) > int64(limit) {
		return nil, ErrBudget
	}
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	ex := Exchange{Vendor: t.vendor, Started: start, Duration: time.Since(start), Method: req.Method,
		URL: t.redactURL(req.URL), RequestHeaders: t.redactHeaders(req.Header), RequestBody: t.redactBody(reqBody), RequestBodySize: len(reqBody)}
	log := t.current.Load()
	if err != nil {
		ex.Error = err.Error()
		if log != nil {
			log.add(ex)
		}
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err != nil {
		return nil, err
	}
	ex.Status, ex.ResponseHeaders, ex.ResponseBody = resp.StatusCode, t.redactHeaders(resp.Header), t.redactBody(respBody)
	negative := log != nil && log.negative
	ex.Negative = negative
	ex.Operation, ex.Violations, ex.NonBreaking = t.check(req, reqBody, resp, respBody, negative)
	if log != nil {
		log.add(ex)
	} else if len(ex.Violations) > 0 || len(ex.NonBreaking) > 0 && env.cfg.Strict {
		// Made outside a spec body (a BeforeEach before the spec began): kept, so that the
		// next spec to begin fails on it instead of the violation vanishing.
		stray.add(ex)
	}
	return resp, nil
}

// stray holds violating exchanges made while no spec was recording.
var stray specLog

// check validates an exchange. A negative spec's request is invalid on purpose, so only the
// answer is judged: it must be declared, or, when no operation matches, be an error the vendor's
// catalogue documents. What it finds is split by severity (contract.Severity): breaking findings
// (v) fail the spec; non-breaking ones (nb: an answer with a field or an enum value the spec
// does not declare) fail it only with --strict, since a vendor that adds to its answers breaks no
// client written to the spec.
func (t *transport) check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, negative bool) (op string, v, nb []string) {
	if h := resp.Header.Get(mock.ContractViolationHeader); h != "" {
		v = append(v, "the mock answered outside its own spec: "+h)
	}
	ctx := context.Background()
	m, routeErr := t.validator.Route(req)
	if routeErr != nil {
		if !negative {
			v = append(v, fmt.Sprintf("request matches no operation of the spec: %v", routeErr))
		}
		// A known path called with another method may be answered by an entry of the path's
		// own operation (iovox: "Request Method must be PUT. GET attempted"), so every entry
		// may answer it; an unknown path only by the root entries.
		cat := t.validator.Catalogue().ForOperation("", false)
		if errors.Is(routeErr, contract.ErrMethodNotAllowed) {
			cat = t.validator.Catalogue()
		}
		v = append(v, t.checkErrorMessages(cat, resp, respBody)...)
		return "", v, nil
	}
	if !negative {
		r := req.Clone(ctx)
		if _, err := t.validator.ValidateRequest(ctx, r, reqBody); err != nil {
			v = append(v, "request violates the spec: "+firstLines(err.Error(), 6))
		}
	}
	if err := t.validator.ValidateResponse(ctx, m, req, resp.StatusCode, resp.Header, respBody); err != nil {
		msg := "response violates the spec: " + firstLines(err.Error(), 6)
		if contract.ResponseErrorSeverity(err) == contract.NonBreaking {
			nb = append(nb, msg)
		} else {
			v = append(v, msg)
		}
	}
	ct := resp.Header.Get("Content-Type")
	for _, d := range contract.UndeclaredInBody(ct, resp.Header, respBody, contract.ResponseSchema(m, resp.StatusCode, ct)) {
		nb = append(nb, "response has a field the spec does not declare: "+d)
	}
	v = append(v, t.checkErrorMessages(t.validator.Catalogue().ForOperation(m.OperationID(), m.Secured()), resp, respBody)...)
	return m.OperationID(), v, nb
}

// checkErrorMessages requires every message of an error answer to be an instance of an entry of
// cat: the entries that can answer the request.
func (t *transport) checkErrorMessages(cat specs.Catalogue, resp *http.Response, body []byte) []string {
	if resp.StatusCode < 400 {
		return nil
	}
	msgs, err := vendors.ErrorMessages(t.vendor, resp.Header.Get("Content-Type"), body)
	if err != nil {
		return []string{fmt.Sprintf("error body is not in %s's error format: %v", t.vendor, err)}
	}
	var v []string
	for _, m := range msgs {
		if _, _, ok := cat.Identify(resp.StatusCode, m); !ok {
			v = append(v, fmt.Sprintf("error %d %q is in no catalogue entry of %s", resp.StatusCode, m, t.vendor))
		}
	}
	return v
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n    ")
}

// Headers whose values are credentials, in any vendor's scheme.
var secretHeaders = map[string]bool{"Securekey": true, "Authorization": true, "Cookie": true, "Set-Cookie": true, "Username": false}

func (t *transport) redactHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vals := range h {
		if secretHeaders[http.CanonicalHeaderKey(k)] {
			out[k] = []string{apiclient.Redacted}
			continue
		}
		// Any other header may still carry a credential (a custom auth header, a server echoing
		// one): scrub the configured secrets from every value.
		for _, val := range vals {
			out[k] = append(out[k], apiclient.Scrub(val, t.secrets...))
		}
	}
	return out
}

// Body fields that carry credentials: Valomnia's login form and token page.
var (
	secretFormRE = regexp.MustCompile(`(^|&)(j_password)=[^&]*`)
	secretJSONRE = regexp.MustCompile(`("(?:token|password|j_password)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
)

// redactURL is u as recorded: Valomnia's login may carry the password in the query string, as the
// vendor's own connector sends it.
func (t *transport) redactURL(u *url.URL) string {
	s := u.String()
	if strings.Contains(u.RawQuery, "j_password=") {
		r := *u
		r.RawQuery = secretFormRE.ReplaceAllString(u.RawQuery, `${1}${2}=`+url.QueryEscape(apiclient.Redacted))
		s = r.String()
	}
	return apiclient.Scrub(s, t.secrets...)
}

func (t *transport) redactBody(b []byte) string {
	s := string(b)
	// Redact before cutting, so a secret straddling the cut cannot survive in part.
	// Field by field, so the recorded form keeps the order and encoding it was sent with.
	// Each expression only where its literal part occurs: over the suite's multi-megabyte bodies
	// (size-limit specs) the expressions alone took most of the suite's CPU time.
	if strings.Contains(s, "j_password=") {
		s = secretFormRE.ReplaceAllString(s, `${1}${2}=`+apiclient.Redacted)
	}
	if strings.Contains(s, `token"`) || strings.Contains(s, `password"`) {
		s = secretJSONRE.ReplaceAllString(s, `$1"`+apiclient.Redacted+`"`)
	}
	s = apiclient.Scrub(s, t.secrets...)
	if len(s) > maxRecordedBody {
		s = strings.ToValidUTF8(s[:maxRecordedBody], "") + "…[truncated]"
	}
	return s
}

// evidence renders a spec's exchanges for the report, readable on a console.
func evidence(exchanges []Exchange) string {
	var b strings.Builder
	for i, e := range exchanges {
		fmt.Fprintf(&b, "--- exchange %d: %s %s", i+1, e.Method, e.URL)
		if e.Operation != "" {
			fmt.Fprintf(&b, " (%s)", e.Operation)
		}
		b.WriteString("\n")
		writeHeaders(&b, "> ", e.RequestHeaders)
		if e.RequestBody != "" {
			fmt.Fprintf(&b, "> \n%s\n", indent(e.RequestBody, "> "))
		}
		if e.Error != "" {
			fmt.Fprintf(&b, "! %s\n", e.Error)
			continue
		}
		fmt.Fprintf(&b, "< %d %s\n", e.Status, http.StatusText(e.Status))
		writeHeaders(&b, "< ", e.ResponseHeaders)
		if e.ResponseBody != "" {
			fmt.Fprintf(&b, "< \n%s\n", indent(e.ResponseBody, "< "))
		}
		for _, v := range e.Violations {
			fmt.Fprintf(&b, "VIOLATION: %s\n", v)
		}
		for _, v := range e.NonBreaking {
			fmt.Fprintf(&b, "NON-BREAKING: %s\n", v)
		}
	}
	return b.String()
}

func writeHeaders(b *strings.Builder, prefix string, h map[string][]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "%s%s: %s\n", prefix, k, strings.Join(h[k], ", "))
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}
