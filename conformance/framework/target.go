package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/onsi/ginkgo/v2"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// env is what Setup builds once per ginkgo process: the validated configuration and, per vendor,
// where it is served and how to check it.
var env struct {
	cfg     *Config
	vendors map[string]*vendorEnv
	budget  atomic.Int64
	adminAt string // base URL of the mock admin API, "" when the target has none
	closers []func()
}

type vendorEnv struct {
	name      string
	baseURL   string
	validator *contract.Validator
	http      *http.Client
	transport *transport

	mu      sync.Mutex
	clients map[string]any
	// auth puts the credentials on raw requests; nil until the first Authorize and after a
	// reset (which ends a mock's sessions).
	auth *vendors.Authorizer
}

// Setup builds the target of cfg for this ginkgo process. Call it from BeforeSuite; it fails
// with a message saying how to fix the configuration.
func Setup(cfg *Config) error {
	env.cfg = cfg
	env.vendors = map[string]*vendorEnv{}
	env.budget.Store(0)
	base := map[string]string{}
	switch cfg.Target {
	case Embedded:
		opts := mocks.Options{Credentials: mocks.DefaultCredentials()}
		if cfg.TamperVendor != "" {
			t, err := tamper(cfg.TamperVendor, cfg.TamperKind)
			if err != nil {
				return fmt.Errorf("tamper %s:%s: %w", cfg.TamperVendor, cfg.TamperKind, err)
			}
			opts.Tamper = t
		}
		srv, err := mocks.New(opts)
		if err != nil {
			return fmt.Errorf("embedded mocks: %w", err)
		}
		hs := httptest.NewServer(srv)
		env.closers = append(env.closers, hs.Close)
		env.adminAt = hs.URL + "/_admin"
		for _, v := range cfg.Vendors {
			base[v] = hs.URL + MockPath(v)
		}
		cfg.Credentials = mocks.DefaultCredentials()
	default:
		base = cfg.BaseURL
		err := CheckBaseURLs(cfg)
		if cfg.Target == URL {
			env.adminAt = probeAdmin(cfg)
			err = errors.Join(err, checkMockPaths(cfg, env.adminAt))
		}
		if err != nil {
			return err
		}
	}
	// A target whose state the processes would share (one tools/mockserver, or the vendor's
	// records a mutating spec changes) cannot take parallel processes: one's reset or faults
	// would land in another's spec.
	shared := cfg.Target == URL && env.adminAt != "" || cfg.AllowMutations && cfg.Target != Embedded
	if suite, _ := ginkgo.GinkgoConfiguration(); shared && suite.ParallelTotal > 1 {
		return fmt.Errorf("target %s shares its state between ginkgo processes: run it without -p", cfg.Target)
	}
	// A url target that is not a tools/mockserver (no admin API) may be a vendor or a staging
	// host: it gets a live run's safeguards.
	if cfg.Target == URL && env.adminAt == "" {
		if cfg.RequestBudget == 0 {
			cfg.RequestBudget = 300
		}
		if cfg.AllowMutations {
			for _, v := range cfg.Vendors {
				for _, key := range fixtureKeys[v] {
					if cfg.Fixtures[v][key] == "" {
						return fmt.Errorf("%s: the url target has no mock admin API, so --allow-mutations needs the record the suite may change: set %s", v, envName(v, key))
					}
				}
			}
		}
	}
	for _, v := range cfg.Vendors {
		u, err := url.Parse(base[v])
		if err != nil {
			return fmt.Errorf("%s: base URL %q: %w", v, base[v], err)
		}
		val, err := contract.New(v, u.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", v, err)
		}
		if h := vendors.Get(v).CredentialHeader(cfg.Credentials[v]); h != "" {
			val.AcceptCredentialHeader(h)
		}
		ve := &vendorEnv{name: v, baseURL: base[v], validator: val, clients: map[string]any{}}
		ve.transport = &transport{vendor: v, base: http.DefaultTransport, validator: val, secrets: cfg.Secrets()}
		ve.http = &http.Client{
			Transport:     ve.transport,
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		env.vendors[v] = ve
	}
	return nil
}

// Teardown stops what Setup started.
func Teardown() {
	for _, c := range env.closers {
		c()
	}
	env.closers = nil
}

// MockPath is where tools/mockserver and the embedded target serve a vendor's API below the
// server's root: the base URL a client uses is the server URL plus this.
func MockPath(vendor string) string { return vendors.Get(vendor).MockPath() }

// checkHTTP sends the one request per base URL that CheckBaseURLs makes. It follows no redirects
// and sends no credentials: any HTTP answer proves the host is there.
var checkHTTP = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// CheckBaseURLs makes one request to each vendor's base URL of a url or live run before any spec:
// a host that does not answer (a typo, a server not started) is one line naming the flag or
// variable and the URL, instead of every spec of the vendor failing the same way. Every vendor is
// checked, and every failure reported.
func CheckBaseURLs(cfg *Config) error {
	var errs []error
	for _, v := range cfg.Vendors {
		u := cfg.BaseURL[v]
		resp, err := checkHTTP.Get(u)
		if err != nil {
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err
			}
			errs = append(errs, fmt.Errorf("%s %s: no answer from %s: %v", baseURLFrom(cfg, v), u, v, err))
			continue
		}
		resp.Body.Close()
	}
	return errors.Join(errs...)
}

// checkMockPaths checks, on a tools/mockserver, that each base URL is where the server serves its
// vendor: "--iovox-url http://127.0.0.1:8080/iovx" would otherwise answer every spec with the
// server's plain 404.
func checkMockPaths(cfg *Config, adminAt string) error {
	if adminAt == "" {
		return nil
	}
	root := strings.TrimSuffix(adminAt, "/_admin")
	var errs []error
	for _, v := range cfg.Vendors {
		if !strings.HasPrefix(cfg.BaseURL[v], root+"/") && cfg.BaseURL[v] != root {
			continue // another host: not this mockserver's to judge
		}
		if want := root + MockPath(v); cfg.BaseURL[v] != want {
			errs = append(errs, fmt.Errorf("%s %s: tools/mockserver at %s serves %s at %s", baseURLFrom(cfg, v), cfg.BaseURL[v], root, v, want))
		}
	}
	return errors.Join(errs...)
}

func baseURLFrom(cfg *Config, vendor string) string {
	if from := cfg.BaseURLFrom[vendor]; from != "" {
		return from
	}
	return "--" + vendor + "-url"
}

// probeAdmin finds the admin API of a tools/mockserver behind the url target's base URLs.
func probeAdmin(cfg *Config) string {
	for _, v := range cfg.Vendors {
		u, err := url.Parse(cfg.BaseURL[v])
		if err != nil {
			continue
		}
		admin := u.Scheme + "://" + u.Host + "/_admin"
		resp, err := adminHTTP.Get(admin + "/log/" + v)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return admin
			}
		}
	}
	return ""
}

// ReportEntryNonBreaking names the report entry listing a spec's non-breaking findings (see
// transport.check), which fail the spec only with --strict.
const ReportEntryNonBreaking = "non-breaking"

// Vendor is a spec's handle on one vendor of the target. Declare it in a container with
// NewVendor; it is usable inside specs only.
type Vendor struct {
	name string
}

// NewVendor returns the handle of a vendor for a container.
func NewVendor(name string) *Vendor {
	if !slices.Contains(specs.Vendors(), name) {
		registry.Lock()
		registry.errs = append(registry.errs, fmt.Errorf("NewVendor(%q): unknown vendor", name))
		registry.Unlock()
	}
	return &Vendor{name: name}
}

// Name is the vendor's name.
func (v *Vendor) Name() string { return v.name }

func (v *Vendor) env() *vendorEnv {
	ve := env.vendors[v.name]
	if ve == nil {
		ginkgo.Skip(fmt.Sprintf("%s is not among the vendors of this run (--vendors)", v.name))
	}
	return ve
}

// begin prepares a spec: skips what the target may not run, resets a mock, and starts the spec's
// exchange log, checked and attached as evidence when the spec ends.
func (v *Vendor) begin(s Spec) {
	ve := v.env()
	labels := s.Labels
	switch {
	case slices.Contains(labels, MockOnly) && env.adminAt == "":
		ginkgo.Skip("needs a mock's admin API; the target has none")
	case env.cfg.Target != Embedded && env.adminAt == "" && !env.cfg.AllowMutations && !slices.Contains(labels, LiveSafe):
		ginkgo.Skip("not live-safe; pass --allow-mutations (and name the records it may change) to run it against this target")
	}
	// Every spec on a mock starts from the fixtures, not only the mutating ones: a read-only spec
	// after a mutating one in random order would otherwise see the records that one changed (an
	// iovox spec sending contact 333 after another renamed it got "Contact ID 1 of 1 does not
	// exist" besides its own error), and its recording would not replay against fresh fixtures
	// (tools/drift replay resets per spec).
	if env.adminAt != "" {
		if err := v.Admin().Reset(context.Background()); err != nil {
			ginkgo.Fail(fmt.Sprintf("reset %s mock: %v", v.name, err))
		}
	}
	if v := stray.violations(); len(v) > 0 || env.cfg.Strict && len(stray.nonBreaking()) > 0 {
		v = append(v, stray.nonBreaking()...)
		stray.reset()
		ginkgo.Fail("exchanges made outside a spec body violated the contract:\n  " + strings.Join(v, "\n  "))
	}
	rec := &specLog{negative: slices.Contains(labels, Negative)}
	ve.transport.current.Store(rec)
	runningSpec.Store(rec)
	ginkgo.DeferCleanup(func() {
		ve.transport.current.Store(nil)
		runningSpec.Store(nil)
		exchanges := rec.list()
		for _, ex := range exchanges {
			ginkgo.AddReportEntry(reportEntryExchange, ex, ginkgo.ReportEntryVisibilityNever)
		}
		violations, nonBreaking := rec.violations(), rec.nonBreaking()
		onlyNonBreaking := len(violations) == 0
		if len(nonBreaking) > 0 {
			// Reported whatever the outcome: a vendor that adds a field to its answers is news
			// for the spec, though it breaks no client (see transport.check).
			ginkgo.AddReportEntry(ReportEntryNonBreaking, strings.Join(nonBreaking, "\n"), ginkgo.ReportEntryVisibilityAlways)
			if env.cfg.Strict {
				violations = append(violations, nonBreaking...)
			}
		}
		if len(violations) > 0 || ginkgo.CurrentSpecReport().Failed() {
			ginkgo.AddReportEntry("documented by", v.docRows(s), ginkgo.ReportEntryVisibilityFailureOrVerbose)
			ginkgo.AddReportEntry("evidence", evidence(exchanges), ginkgo.ReportEntryVisibilityFailureOrVerbose)
		}
		if len(violations) > 0 {
			msg := "contract violations:\n  " + strings.Join(violations, "\n  ")
			if onlyNonBreaking {
				msg = NonBreakingPrefix + msg // failing under --strict alone
			}
			ginkgo.Fail(msg + exchangeDigest(msg, exchanges))
		}
	})
}

// HTTP is a client whose every exchange is validated against the vendor's spec and recorded. It
// does not follow redirects (Valomnia's login answers one that a test must see).
func (v *Vendor) HTTP() *http.Client { return v.env().http }

// BaseURL is the base URL clients of this vendor use on this target.
func (v *Vendor) BaseURL() string { return v.env().baseURL }

// Validator is the vendor's contract validator for this target.
func (v *Vendor) Validator() *contract.Validator { return v.env().validator }

// Catalogue is the vendor's error catalogue.
func (v *Vendor) Catalogue() specs.Catalogue { return v.env().validator.Catalogue() }

// Entry returns a catalogue entry, failing the spec when the id does not exist.
func (v *Vendor) Entry(id string) specs.Entry {
	e, ok := v.Catalogue().ByID(id)
	if !ok {
		ginkgo.Fail(fmt.Sprintf("%s has no catalogue entry %q", v.name, id))
	}
	return e
}

// Doc is the vendor's spec.
func (v *Vendor) Doc() *openapi3.T { return v.env().validator.Doc() }

// Example returns the named request example of an operation, as data.
func (v *Vendor) Example(operationID, name string) any {
	for _, op := range specs.Operations(v.Doc()) {
		if op.Operation.OperationID != operationID || op.Operation.RequestBody == nil {
			continue
		}
		for _, media := range op.Operation.RequestBody.Value.Content {
			if ex, ok := media.Examples[name]; ok && ex.Value != nil {
				// A copy: the document is shared read-only by every mock and spec of the process
				// (specs.Shared), and specs change the example before sending it.
				return deepCopy(ex.Value.Value)
			}
		}
	}
	ginkgo.Fail(fmt.Sprintf("%s: operation %q has no request example %q", v.name, operationID, name))
	return nil
}

// Declared returns a decoded JSON object answer of an operation without the top-level members its
// response schema for status does not declare. A vendor that adds a field to its answer makes a
// non-breaking change, which the checking transport reports (and fails under --strict); a spec
// comparing the answer with an expected one must not fail on it as well. The map is changed in
// place and returned.
func (v *Vendor) Declared(operationID string, status int, answer map[string]any) map[string]any {
	for _, op := range specs.Operations(v.Doc()) {
		if op.Operation.OperationID != operationID {
			continue
		}
		ref := op.Operation.Responses.Status(status)
		if ref == nil || ref.Value == nil {
			ginkgo.Fail(fmt.Sprintf("%s: operation %q declares no %d answer", v.name, operationID, status))
		}
		for mt, media := range ref.Value.Content {
			if !strings.Contains(mt, "json") {
				continue
			}
			contract.UndeclaredFields(answer, media.Schema, "", func(ptr, name string) {
				if ptr == "" {
					delete(answer, name)
				}
			})
		}
		return answer
	}
	ginkgo.Fail(fmt.Sprintf("%s: no operation %q", v.name, operationID))
	return nil
}

// deepCopy copies a JSON-shaped value (maps, slices, scalars), as examples are stored.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// Fixture returns the record id a spec should use: the one the user named for a live run
// (CONTACTAPIS_<VENDOR>_<KEY>), else the mocks' default (the page's own example record).
func (v *Vendor) Fixture(key, mockDefault string) string {
	if val := env.cfg.Fixtures[v.name][key]; val != "" {
		return val
	}
	return mockDefault
}

// Target is the kind of target the run uses.
func (v *Vendor) Target() TargetKind { return env.cfg.Target }

// MayMutate reports whether specs that write run on this target: always on the embedded mocks,
// elsewhere only with --allow-mutations.
func (v *Vendor) MayMutate() bool { return env.cfg.Target == Embedded || env.cfg.AllowMutations }

// HasAdmin reports whether the target has a mock's admin API (embedded mocks, or a url target
// that is a tools/mockserver). Without one, specs must read state through the vendor's own API
// and take their records from the configured fixtures, as on a live target.
func (v *Vendor) HasAdmin() bool { return env.adminAt != "" }

// FixtureSet reports whether the user named a record for key (CONTACTAPIS_<VENDOR>_<KEY>).
func (v *Vendor) FixtureSet(key string) (string, bool) {
	val := env.cfg.Fixtures[v.name][key]
	return val, val != ""
}

// Client is the typed client of this target for a vendor (*iovox.ContactsClient, ...: what its
// registry entry builds, vendors.Vendor.NewClient); every call goes through the checking
// transport. It is built once per process.
func Client[T any](v *Vendor) T {
	ve := v.env()
	ve.mu.Lock()
	defer ve.mu.Unlock()
	if c, ok := ve.clients[v.name].(T); ok {
		return c
	}
	c, err := vendors.NewClient[T](vendors.Get(v.name), ve.baseURL, env.cfg.Credentials[v.name], clientOpts(ve)...)
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("%s client: %v", v.name, err))
	}
	ve.clients[v.name] = c
	return c
}

func clientOpts(ve *vendorEnv) []apiclient.Option {
	return []apiclient.Option{apiclient.WithHTTPClient(ve.http), apiclient.WithRetryPolicy(apiclient.NoRetry())}
}

// Iovox is the typed iovox client of this target.
func (v *Vendor) Iovox() *iovox.ContactsClient { return Client[*iovox.ContactsClient](v) }

// Valomnia is the typed Valomnia client of this target.
func (v *Vendor) Valomnia() *valomnia.ContactsClient { return Client[*valomnia.ContactsClient](v) }

// Which50 is the typed Which50 client of this target.
func (v *Vendor) Which50() *which50.ContactsClient { return Client[*which50.ContactsClient](v) }

// Auregister is the typed auregister client of this target.
func (v *Vendor) Auregister() *auregister.ContactsClient {
	return Client[*auregister.ContactsClient](v)
}

// Authorize adds the vendor's credentials to a raw request where its spec's security schemes put
// them (iovox's headers, a bearer token), or (Valomnia) a session from the registry's login, made
// through the checking transport.
func (v *Vendor) Authorize(ctx context.Context, r *http.Request) {
	ve := v.env()
	ve.mu.Lock()
	if ve.auth == nil {
		a, err := vendors.Get(v.name).NewAuthorizer(ve.baseURL, env.cfg.Credentials[v.name], clientOpts(ve)...)
		if err != nil {
			ve.mu.Unlock()
			ginkgo.Fail(fmt.Sprintf("%s credentials: %v", v.name, err))
		}
		ve.auth = a
	}
	a := ve.auth
	ve.mu.Unlock()
	if err := a.Authorize(ctx, r); err != nil {
		ginkgo.Fail(fmt.Sprintf("%s: authorize: %v", v.name, err))
	}
}

// ValomniaLoginRequest is the raw login with the configured credentials (the registry's login
// form, at the host root), which the login's own specs send through Do. The credentials stay
// inside the framework (specs against a tools/mockserver started with other credentials than the
// defaults log in too).
func (v *Vendor) ValomniaLoginRequest(ctx context.Context) *http.Request {
	return v.ValomniaLoginRequestAs(ctx, ValomniaLoginForm)
}

// ValomniaLoginStyle is where a login request carries the credentials, after the public clients
// the spec cites (x-evidence of the login operations).
type ValomniaLoginStyle int

const (
	// ValomniaLoginForm: POST with a form body, as the typed client sends it.
	ValomniaLoginForm ValomniaLoginStyle = iota
	// ValomniaLoginQueryPost: POST with the fields form-encoded in the query string, no body and
	// Content-Type application/json, as the vendor's MuleSoft connector sends it.
	ValomniaLoginQueryPost
	// ValomniaLoginQueryGet: GET with the fields in the query string, as a PHP curl client sends it.
	ValomniaLoginQueryGet
)

// ValomniaLoginRequestAs is ValomniaLoginRequest in one of the styles public clients use, with the
// registry's login form. The exchange recorder redacts j_password from URLs as from bodies.
func (v *Vendor) ValomniaLoginRequestAs(ctx context.Context, style ValomniaLoginStyle) *http.Request {
	l := vendors.Get(v.name).Login
	if l == nil {
		ginkgo.Fail(fmt.Sprintf("%s has no login", v.name))
	}
	form := l.FormValues(env.cfg.Credentials[v.name])
	target := l.URL(v.env().baseURL)
	switch style {
	case ValomniaLoginQueryPost:
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target+"?"+form.Encode(), nil)
		req.Header.Set("Content-Type", "application/json")
		return req
	case ValomniaLoginQueryGet:
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target+"?"+form.Encode(), nil)
		return req
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// Do sends a raw request through the checking transport and returns the response with its body
// read.
func (v *Vendor) Do(r *http.Request) (*http.Response, []byte) {
	resp, err := v.HTTP().Do(r)
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("%s %s: %v", r.Method, r.URL, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("%s %s: read body: %v", r.Method, r.URL, err))
	}
	return resp, body
}

// NewRequest builds a raw request to path below the vendor's base URL ("/Contacts?v=3").
func (v *Vendor) NewRequest(ctx context.Context, method, path, contentType string, body []byte) *http.Request {
	r, err := http.NewRequestWithContext(ctx, method, v.BaseURL()+path, bytes.NewReader(body))
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("request %s %s: %v", method, path, err))
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// Admin is the mock's admin API for this vendor (mock-only specs).
func (v *Vendor) Admin() *Admin {
	if env.adminAt == "" {
		ginkgo.Skip("needs a mock's admin API; the target has none")
	}
	return &Admin{base: env.adminAt, vendor: v.name}
}

// Admin calls the mock admin API for one vendor. Its calls are the mock's own, not the vendor's,
// so they bypass the checking transport.
type Admin struct {
	base, vendor string
}

var adminHTTP = &http.Client{Timeout: 10 * time.Second}

func (a *Admin) call(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := adminHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("admin %s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out, nil
}

// Reset restores the vendor's fixtures. A reset also ends a mock's sessions (Valomnia's), so the
// sessions Authorize cached are forgotten with it.
func (a *Admin) Reset(ctx context.Context) error {
	_, err := a.call(ctx, http.MethodPost, "/reset?vendor="+a.vendor, nil)
	if ve := env.vendors[a.vendor]; ve != nil && vendors.Get(a.vendor).Login != nil {
		ve.mu.Lock()
		ve.auth = nil
		ve.mu.Unlock()
	}
	return err
}

// State returns the vendor's whole store as JSON.
func (a *Admin) State(ctx context.Context) (json.RawMessage, error) {
	return a.call(ctx, http.MethodGet, "/state/"+a.vendor, nil)
}

// Events returns the side effects the vendor's mock recorded (Which50's custom events).
func (a *Admin) Events(ctx context.Context) ([]json.RawMessage, error) {
	raw, err := a.call(ctx, http.MethodGet, "/log/"+a.vendor, nil)
	if err != nil {
		return nil, err
	}
	var log struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(raw, &log); err != nil {
		return nil, errors.New("admin log: " + err.Error())
	}
	return log.Events, nil
}

// docRows names the vendor-page rows of the behaviours a spec covers, for its failure report.
func (v *Vendor) docRows(s Spec) string {
	bs, err := Behaviours(v.name)
	if err != nil {
		return err.Error()
	}
	var rows []string
	for _, b := range bs {
		if slices.Contains(s.Covers, b.ID) {
			rows = append(rows, fmt.Sprintf("%s — %s", b.ID, b.Doc))
		}
	}
	return strings.Join(rows, "\n")
}

// SetFaults sets the vendor mock's fault injection. A reset does not clear faults, so pair every
// SetFaults with a DeferCleanup that sets them back to zero.
func (a *Admin) SetFaults(ctx context.Context, latency, jitter time.Duration, errorRate float64) error {
	body, _ := json.Marshal(map[string]any{"latency": latency, "jitter": jitter, "errorRate": errorRate})
	_, err := a.call(ctx, http.MethodPut, "/faults/"+a.vendor, body)
	return err
}
