package probe

import (
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/suiteconfig"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// Settings configure the Target of one vendor.
type Settings struct {
	Vendor string
	// BaseURL is the base the vendor's client takes (for Valomnia the API base, .../api/v1.0).
	BaseURL string
	// Credentials are the vendor's, keyed as its registry entry names them (vendors.Credential.Key);
	// every value is a Secret, so it never prints.
	Credentials vendors.Credentials
	// Fixtures are the records mutating probes may change, keyed as in Target.Fixtures.
	Fixtures       map[string]string
	AllowMutations bool
	// Budget caps the requests of every Target that shares it (logins included); nil means none.
	Budget *Budget
	// Transport sends the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

// SettingsFrom takes a vendor's Settings from the suite's configuration, so that probes use
// the base URL, credentials and fixture records a suite run with the same flags and environment
// would. Budget and Transport are the caller's.
func SettingsFrom(cfg *suiteconfig.Config, vendor string) Settings {
	return Settings{
		Vendor:         vendor,
		BaseURL:        cfg.BaseURL[vendor],
		Credentials:    cfg.Credentials[vendor],
		Fixtures:       cfg.Fixtures[vendor],
		AllowMutations: cfg.AllowMutations,
	}
}

// ErrBudget is what a request fails with once the run has spent its request budget.
var ErrBudget = errors.New("request budget exhausted (raise --request-budget)")

// Budget counts the requests of a run against a cap. It is safe for concurrent use.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a budget of limit requests; 0 or less means no cap (the count still runs).
func NewBudget(limit int) *Budget { return &Budget{limit: int64(limit)} }

// Used is how many requests were attempted, refused ones included.
func (b *Budget) Used() int { return int(b.used.Load()) }

// take spends one request, or reports that none is left.
func (b *Budget) take() error {
	if n := b.used.Add(1); b.limit > 0 && n > b.limit {
		return ErrBudget
	}
	return nil
}

// budgetTransport refuses requests beyond the budget before they reach the network. It logs
// nothing: headers there carry the credentials.
type budgetTransport struct {
	budget *Budget
	base   http.RoundTripper
}

func (t budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.budget != nil {
		if err := t.budget.take(); err != nil {
			if req.Body != nil {
				req.Body.Close() // a RoundTripper must close the body, even on error
			}
			return nil, err
		}
	}
	return t.base.RoundTrip(req)
}

// requestTimeout bounds one exchange; a probe's own timeout bounds all of its exchanges.
const requestTimeout = 30 * time.Second

// NewTarget builds the Target of s.Vendor: an HTTP client that counts against the budget and does
// not follow redirects (a probe must see the vendor's own answer, Valomnia's login redirect
// included), and Authorize for the vendor's scheme.
func NewTarget(s Settings) (*Target, error) {
	if _, _, err := apiclient.BaseURL(s.BaseURL); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Vendor, err)
	}
	base := s.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc := &http.Client{
		Transport:     budgetTransport{budget: s.Budget, base: base},
		Timeout:       requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	fixtures := map[string]string{}
	for k, v := range s.Fixtures {
		fixtures[k] = v
	}
	t := &Target{Vendor: s.Vendor, BaseURL: s.BaseURL, HTTP: hc, Fixtures: fixtures, AllowMutations: s.AllowMutations}
	v, ok := vendors.Lookup(s.Vendor)
	if !ok {
		return nil, fmt.Errorf("unknown vendor %q (known: %v)", s.Vendor, specs.Vendors())
	}
	// The registry's Authorizer: each credential where the spec's security scheme puts it, and
	// Valomnia's session from the typed client's own login, through the same counted client, so
	// the session is opened exactly as users' clients open it.
	auth, err := v.NewAuthorizer(s.BaseURL, s.Credentials, apiclient.WithHTTPClient(hc), apiclient.WithRetryPolicy(apiclient.NoRetry()))
	if err != nil {
		return nil, fmt.Errorf("the probes need credentials: %w", err)
	}
	t.Authorize = auth.Authorize
	t.secrets = func() []apiclient.Secret {
		out := v.Secrets(s.Credentials)
		if tok := auth.Session(); !tok.IsZero() {
			out = append(out, tok)
		}
		return out
	}
	return t, nil
}
