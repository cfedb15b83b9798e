package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
	"github.com/contactapis/contactapis/tools/drift/internal/traffic"
	"github.com/contactapis/contactapis/vendors"
)

// Options tune Run.
type Options struct {
	// URL is the root URL of a running tools/mockserver; empty serves the mocks in process.
	URL string
	// Fixtures is a fixtures file (conformance/mock's format, one member per vendor) loaded into
	// the mock before the replay: the records a live capture names.
	Fixtures string
	// Rules are the user's --vendor-map rules, tried before the defaults.
	Rules []traffic.Rule
	// SkipUnknownHosts skips exchanges no rule routes instead of failing on the first.
	SkipUnknownHosts bool
}

// maxResponseBytes caps a mock's answer read: the mocks' largest is a few kilobytes.
const maxResponseBytes = 16 << 20

// maxDistinctFindings bounds the findings kept in memory, as drift traffic does.
const maxDistinctFindings = 10_000

// maxCachedValidators bounds the validators kept per run: a recording of a live Valomnia has a
// version segment in each base path, and a hostile file can carry a new one on every entry.
const maxCachedValidators = 64

type aggKey struct {
	vendor, class, op, detail string
	severity                  contract.Severity
}

type agg struct {
	f           report.Finding
	file, entry int
}

type replayer struct {
	opts   Options
	router *traffic.Router
	mock   *mockTarget
	files  []string
	stats  *report.ReplayStats

	creds      map[string]*vendorCreds
	validators map[string]*contract.Validator
	apiPathRE  map[string]*regexp.Regexp
	// sessions are the sessions the mock issued, per vendor with a session cookie: the one
	// replayed requests that carried a session credential are sent with.
	sessions map[string]string
	// spec is the _spec of the last replayed entry; started is false before the first.
	spec    string
	started bool

	found map[aggKey]*agg
}

// Run replays every exchange of the HAR files, in order and one at a time, against the mock and
// returns the findings, one per distinct (vendor, class, operation, detail) with the number of
// exchanges showing it and the first of them. Files are streamed.
//
// Errors are about the input (a file that is missing, not JSON, truncated or not a HAR; a host
// no rule routes) or the mock (not reachable, not a tools/mockserver, fixtures refused): the run
// stops at the first.
func Run(ctx context.Context, files []string, opts Options) (*report.Report, error) {
	// The files first: a missing one must not cost starting or probing a mock.
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		f.Close()
	}
	router, err := traffic.NewRouter(opts.Rules)
	if err != nil {
		return nil, err
	}
	r := &replayer{opts: opts, router: router, files: files,
		stats: &report.ReplayStats{Files: len(files), PerVendor: map[string]int{}},
		creds: map[string]*vendorCreds{}, validators: map[string]*contract.Validator{}, apiPathRE: map[string]*regexp.Regexp{},
		sessions: map[string]string{}, found: map[aggKey]*agg{}}
	if err := r.prepare(); err != nil {
		return nil, err
	}
	if opts.URL != "" {
		r.mock, err = connectMock(ctx, opts.URL, opts.Fixtures)
	} else {
		r.mock, err = startMocks(opts.Fixtures)
	}
	if err != nil {
		return nil, err
	}
	defer r.mock.close()
	for i, name := range files {
		if err := r.file(ctx, i, name); err != nil {
			return nil, err
		}
	}
	rep := &report.Report{Command: "replay", Subject: strings.Join(files, ", "), Replay: r.stats}
	for _, v := range specs.Vendors() {
		if r.stats.PerVendor[v] > 0 {
			rep.Vendors = append(rep.Vendors, v)
		}
	}
	for _, a := range r.found {
		a.f.Location = fmt.Sprintf("%s entry %d", files[a.file], a.entry)
		rep.Findings = append(rep.Findings, a.f)
	}
	rep.Sort()
	return rep, nil
}

// prepare reads, per vendor, the credentials and the API path pattern from the specs.
func (r *replayer) prepare() error {
	for _, v := range specs.Vendors() {
		doc, err := specs.Load(v)
		if err != nil {
			return err
		}
		if r.creds[v], err = newVendorCreds(v, doc, mocks.DefaultCredentials()); err != nil {
			return err
		}
		if len(doc.Servers) == 0 {
			continue
		}
		if p := contract.ServerPath(doc.Servers[0].URL); p != "" {
			// "/api/{version}" matches a base path ending in /api/<one segment>.
			parts := regexp.MustCompile(`\{[^{}]+\}`).Split(p, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			r.apiPathRE[v] = regexp.MustCompile(`^(.*?)` + strings.Join(parts, `[^/]+`) + `$`)
		}
	}
	return nil
}

func (r *replayer) file(ctx context.Context, i int, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = traffic.Stream(f, func(e *traffic.Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return r.entry(ctx, i, e)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// recordedBase is where the recording's side serves the vendor: the base path of the API and
// the vendor's root (its host root below any prefix), longest first.
func (r *replayer) recordedBase(t traffic.Target) []string {
	root := t.BasePath
	if re := r.apiPathRE[t.Vendor]; re != nil {
		if m := re.FindStringSubmatch(t.BasePath); m != nil {
			root = m[1]
		}
	}
	if root == t.BasePath {
		return []string{t.BasePath}
	}
	return []string{t.BasePath, root}
}

// underAPI reports whether the recorded request was below the vendor's API path (Valomnia's
// /api/v2.1) rather than at the host root (its login).
func (r *replayer) underAPI(t traffic.Target) bool {
	re := r.apiPathRE[t.Vendor]
	return re != nil && re.MatchString(t.BasePath)
}

// mockPath maps a recorded request's path onto the mock: below the recorded base path, the
// request is the same; above it, the mock's base for the vendor replaces the recording's.
func (r *replayer) mockPath(t traffic.Target, p string) string {
	rest := strings.TrimPrefix(p, t.BasePath)
	if r.underAPI(t) {
		return vendors.Get(t.Vendor).MockPath() + rest
	}
	return "/" + t.Vendor + rest
}

func (r *replayer) mockBases(vendor string) []string {
	if v := vendors.Get(vendor); v.APIPath != "" {
		return []string{v.MockPath(), "/" + vendor}
	}
	return []string{"/" + vendor}
}

func (r *replayer) validator(t traffic.Target) (*contract.Validator, error) {
	key := t.Vendor + "\x00" + t.BasePath
	if v := r.validators[key]; v != nil {
		return v, nil
	}
	v, err := contract.New(t.Vendor, t.BasePath)
	if err != nil {
		return nil, err
	}
	if len(r.validators) >= maxCachedValidators {
		clear(r.validators)
	}
	r.validators[key] = v
	return v, nil
}

// bodyNotAsSent reports a request body the recording does not hold as it was sent, which cannot
// be replayed: cut by the recorder (the suite keeps 64 KiB; its recorded size is then larger
// than the text), or holding U+FFFD, which JSON-based recorders put in place of bytes that are
// not UTF-8 (a photo, a Latin-1 form). A redacted body is shorter than it was too, and not cut:
// the credential in it is replaced anyway.
func bodyNotAsSent(e *traffic.Entry, body []byte) bool {
	if e.Request.BodySize > len(body) && !bytes.Contains(body, []byte(apiclient.Redacted)) {
		return true
	}
	return bytes.ContainsRune(body, utf8.RuneError)
}

// hopHeaders are not copied from a recorded request: the connection's own, which the client sets
// for the replay's connection (Accept-Encoding too: Go's transport then decodes the answer).
var hopHeaders = map[string]bool{"Host": true, "Content-Length": true, "Connection": true, "Keep-Alive": true,
	"Proxy-Connection": true, "Proxy-Authorization": true, "Transfer-Encoding": true, "Te": true, "Trailer": true,
	"Upgrade": true, "Expect": true, "Accept-Encoding": true}

// errReplayPanicked is a panic while replaying an exchange, turned into an input error: a hostile
// entry must cost a one-line message, never the run.
var errReplayPanicked = errors.New("replaying the exchange failed")

func (r *replayer) entry(ctx context.Context, fileIdx int, e *traffic.Entry) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("entry %d: %w: %v", e.Index, errReplayPanicked, p)
		}
	}()
	r.stats.Exchanges++
	if e.Response.Status <= 0 {
		// No response was recorded (a browser's blocked or aborted request): nothing to compare.
		r.stats.NoResponse++
		return nil
	}
	if e.Request.Method == "" {
		return fmt.Errorf("entry %d: the request has no method", e.Index)
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil || u.Host == "" && !strings.HasPrefix(u.Path, "/") {
		return fmt.Errorf("entry %d: request URL %q is not an absolute URL", e.Index, e.Request.URL)
	}
	t, err := r.router.Route(u, e.Vendor)
	if err != nil {
		if errors.Is(err, traffic.ErrUnknownHost) && r.opts.SkipUnknownHosts {
			r.stats.UnknownHost++
			return nil
		}
		if errors.Is(err, traffic.ErrUnknownHost) {
			return fmt.Errorf("entry %d: %s %s: %w (map it with --vendor-map HOST=VENDOR or /PREFIX=VENDOR, or pass --skip-unknown-hosts)", e.Index, e.Request.Method, u.Redacted(), err)
		}
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	if strings.ContainsRune(e.Request.URL, utf8.RuneError) {
		r.stats.URLNotAsSent++
		return nil
	}
	body := e.RequestBody()
	if bodyNotAsSent(e, body) {
		r.stats.BodyNotAsSent++
		return nil
	}
	recBody, err := e.ResponseBody()
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	if !r.started || e.Spec != r.spec {
		// Each conformance spec begins on the fixtures, as the suite's mutating specs do, so a
		// spec's exchanges meet the state they were recorded in; a capture without _spec is
		// replayed from the fixtures as one sequence.
		if err := r.mock.reset(ctx); err != nil {
			return fmt.Errorf("entry %d: %w", e.Index, err)
		}
		r.stats.Resets++
		clear(r.sessions)
		r.started, r.spec = true, e.Spec
	}
	val, err := r.validator(t)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}

	recHeader := http.Header{}
	for _, h := range e.Request.Headers {
		// HTTP/2 pseudo-headers (":authority") are recorded by browsers; they are not headers.
		if !strings.HasPrefix(h.Name, ":") {
			recHeader.Add(h.Name, h.Value)
		}
	}
	recReq := &http.Request{Method: e.Request.Method, URL: u, Header: recHeader, Host: u.Host}
	op := e.Request.Method + " " + strings.TrimPrefix(u.Path, t.BasePath)
	opID := ""
	if m, err := val.Route(recReq); err == nil {
		op, opID = m.OperationID(), m.OperationID()
	}

	rec := answer{status: e.Response.Status, header: http.Header{}, body: recBody, bases: r.recordedBase(t)}
	for _, h := range e.Response.Headers {
		if !strings.HasPrefix(h.Name, ":") {
			rec.header.Add(h.Name, h.Value)
		}
	}
	if rec.header.Get("Content-Type") == "" && len(recBody) > 0 && e.Response.Content.MimeType != "" {
		// A recorder that kept no headers still names the body's type in content.mimeType.
		rec.header.Set("Content-Type", e.Response.Content.MimeType)
	}
	var recMsgs []string
	if rec.status >= 400 {
		recMsgs, _ = vendors.ErrorMessages(t.Vendor, rec.header.Get("Content-Type"), rec.body)
	}
	mode := credentialMode(t.Vendor, val.Catalogue(), rec.status, recMsgs)

	vc := r.creds[t.Vendor]
	mu := &url.URL{Path: r.mockPath(t, u.Path), RawQuery: u.RawQuery}
	if vc.login.isLogin(opID) {
		// The fields travel in the form body or in the query string (the vendor's connector
		// and a PHP client send them there); both were recorded redacted.
		if len(body) > 0 {
			body = vc.loginBody(body, mode)
		}
		mu.RawQuery = string(vc.loginBody([]byte(u.RawQuery), mode))
	}
	req, err := http.NewRequestWithContext(ctx, e.Request.Method, r.mock.root+mu.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("entry %d: request: %v", e.Index, err)
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for name, vals := range recHeader {
		if !hopHeaders[name] {
			req.Header[name] = vals
		}
	}
	session := ""
	if vc.needsSession(recHeader, u.Query(), mode) {
		if session, err = r.session(ctx, t.Vendor); err != nil {
			return fmt.Errorf("entry %d: %w", e.Index, err)
		}
	}
	vc.apply(req, recHeader, mode, session)

	got, err := r.send(ctx, req, t.Vendor, rec.status >= 500)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	got.bases = r.mockBases(t.Vendor)
	if name := vc.sessionCookie(); name != "" && vc.login.isLogin(opID) {
		// The login the recording made opens the session its later requests carry.
		for _, c := range (&http.Response{Header: got.header}).Cookies() {
			if c.Name == name && c.Value != "" {
				r.sessions[t.Vendor] = c.Value
			}
		}
	}
	r.stats.Replayed++
	r.stats.PerVendor[t.Vendor]++
	for _, d := range compare(t.Vendor, val.Catalogue(), rec, got) {
		r.add(fileIdx, e.Index, t.Vendor, op, d)
	}
	return nil
}

// send makes the replayed request. A recorded 5xx is the vendor failing, which no request can
// make a healthy mock do: the mock is made to fail the same way (its fault injection, for this
// one request), so that the format of its failure is compared.
func (r *replayer) send(ctx context.Context, req *http.Request, vendor string, fail bool) (answer, error) {
	if fail {
		if err := r.mock.failing(ctx, vendor, true); err != nil {
			return answer{}, err
		}
		defer r.mock.failing(context.WithoutCancel(ctx), vendor, false) //nolint:errcheck // the next reset or run starts clean anyway
	}
	resp, err := r.mock.http.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("send to the mock: %v", rootCause(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return answer{}, fmt.Errorf("read the mock's answer: %v", err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// session returns the mock session a replayed request carries, logging in with the mock's test
// user when none is open: the recording began mid-session, or a reset ended the one it opened.
func (r *replayer) session(ctx context.Context, vendor string) (string, error) {
	if s := r.sessions[vendor]; s != "" {
		return s, nil
	}
	vc := r.creds[vendor]
	val, err := r.validator(traffic.Target{Vendor: vendor, BasePath: vendors.Get(vendor).MockPath()})
	if err != nil {
		return "", err
	}
	path, err := operationPath(val, vc.login.operation)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.mock.root+path, strings.NewReader(vc.loginFormBody()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := r.mock.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("log in to the %s mock: %v", vendor, rootCause(err))
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == vc.sessionCookie() && c.Value != "" {
			r.sessions[vendor] = c.Value
			r.stats.Logins++
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("log in to the %s mock: it answered %d without a session cookie; drift replay logs in with the mocks' default test user (tools/mockserver without -%s-user or -%s-password)", vendor, resp.StatusCode, vendor, vendor)
}

// operationPath is the path an operation is served at, as the validator's (rebased) spec has it:
// its path item's own server (Valomnia's login, at the host root) or the document's.
func operationPath(val *contract.Validator, operationID string) (string, error) {
	doc := val.Doc()
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID != operationID {
				continue
			}
			base := ""
			switch {
			case len(item.Servers) > 0:
				base = item.Servers[0].URL
			case len(doc.Servers) > 0:
				base = doc.Servers[0].URL
			}
			return strings.TrimSuffix(base, "/") + path, nil
		}
	}
	return "", fmt.Errorf("%s: the spec has no operation %q", val.Vendor(), operationID)
}

func (r *replayer) add(fileIdx, entry int, vendor, op string, d raw) {
	k := aggKey{vendor, d.class, op, d.detail, d.severity}
	if _, ok := r.found[k]; !ok && len(r.found) >= maxDistinctFindings {
		// Memory must not grow with the file even when every exchange differs in its own way:
		// past the cap, new ones are counted together per vendor and class.
		k = aggKey{vendor, d.class, "", fmt.Sprintf("more than %d distinct findings: the rest of this class is counted here, not listed", maxDistinctFindings), d.severity}
	}
	a := r.found[k]
	if a == nil {
		a = &agg{f: report.Finding{Vendor: vendor, Kind: report.KindReplay, Rule: d.class, Level: report.LevelOf(d.severity),
			Operation: k.op, Message: k.detail, Severity: d.severity}, file: fileIdx, entry: entry}
		r.found[k] = a
	}
	a.f.Count++
}
