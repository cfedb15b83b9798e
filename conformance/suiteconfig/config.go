package suiteconfig

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// TargetKind says what the suite runs against.
type TargetKind string

const (
	// Embedded runs the four mocks in process, one set per ginkgo process (so -p works).
	Embedded TargetKind = "embedded"
	// URL runs against servers already listening (tools/mockserver, say).
	URL TargetKind = "url"
	// Live runs against the vendors themselves, with credentials from the environment.
	Live TargetKind = "live"
)

// Config is the suite's configuration, read once from flags and the environment.
type Config struct {
	Target  TargetKind
	Vendors []string
	// BaseURL per vendor: what a client is configured with (for Valomnia the API base,
	// .../api/v1.0; its login is derived from it).
	BaseURL map[string]string
	// Credentials per vendor, by the keys of its registry entry (vendors.Credential.Key):
	// CONTACTAPIS_<VENDOR>_<KEY>, or the mocks' test values on a url target where none is set.
	Credentials map[string]vendors.Credentials
	// BaseURLFrom says per vendor where BaseURL came from, for messages about it: the flag
	// ("--iovox-url"), the variable ("CONTACTAPIS_IOVOX_BASE_URL") or "the live default".
	BaseURLFrom map[string]string
	// Fixture ids per vendor for mutating specs on a live target: the records the user allows the
	// suite to change (CONTACTAPIS_<VENDOR>_<KEY>, e.g. CONTACTAPIS_IOVOX_CONTACT_ID), the
	// OptionalFixtureKeys that are set included.
	Fixtures map[string]map[string]string
	// AllowMutations lets specs that write run on a live target.
	AllowMutations bool
	// Strict fails a spec on non-breaking findings too (a field or enum value the spec does not
	// declare in an answer); without it they are reported and the spec passes.
	Strict bool
	// RequestBudget caps the requests of a run (per ginkgo process); 0 means no cap.
	RequestBudget int
	// HAR is where to write every exchange as HAR 1.2 ("" for none).
	HAR string
	// ReportsDir receives the coverage matrix.
	ReportsDir string
	// CoverageFile is the golden coverage file; UpdateCoverage rewrites it instead of checking.
	CoverageFile   string
	UpdateCoverage bool
	// TamperVendor and TamperKind break one embedded mock on purpose (the suite's self-test).
	TamperVendor, TamperKind string
}

// Secrets lists every credential value of the configuration, for redaction.
func (c *Config) Secrets() []apiclient.Secret {
	var out []apiclient.Secret
	for _, v := range vendors.All() {
		out = append(out, v.Secrets(c.Credentials[v.Name])...)
	}
	return out
}

// Flags are the suite's command-line flags (after -- on the ginkgo command line).
type Flags struct {
	target, vendors, har, reports, coverage, tamper string
	allowMutations, updateCoverage, strict          bool
	budget                                          int
	urls                                            map[string]*string
}

// RegisterFlags defines the suite's flags on fs.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{urls: map[string]*string{}}
	fs.StringVar(&f.target, "target", string(Embedded), "what to run against: embedded (in-process mocks), url (running servers) or live (the vendors)")
	fs.StringVar(&f.vendors, "vendors", strings.Join(specs.Vendors(), ","), "comma-separated vendors to check")
	fs.BoolVar(&f.allowMutations, "allow-mutations", false, "let specs that write data run against a live target (on the fixture records you name)")
	fs.BoolVar(&f.strict, "strict", false, "fail specs on non-breaking findings too (a new field or enum value in an answer, a documented refusal now accepted); without it they are reported")
	fs.IntVar(&f.budget, "request-budget", 0, "cap on requests per ginkgo process (default: 300 for live, none otherwise)")
	fs.StringVar(&f.har, "har", "", "write every exchange, secrets redacted, as a HAR 1.2 file at this path")
	fs.StringVar(&f.reports, "reports", "../reports", "directory for the coverage matrix (coverage.md, coverage.html)")
	fs.StringVar(&f.coverage, "coverage-file", "coverage.yaml", "golden coverage file")
	fs.BoolVar(&f.updateCoverage, "update-coverage", false, "rewrite the golden coverage file from the declared specs instead of checking it")
	fs.StringVar(&f.tamper, "tamper", "", "self-test only: break the embedded mock of a vendor on purpose (vendor:errors-as-ok, vendor:misspell or vendor:drop-field)")
	for _, v := range specs.Vendors() {
		f.urls[v] = fs.String(v+"-url", "", fmt.Sprintf("base URL of %s for --target url or live (overrides %s)", v, EnvName(v, "BASE_URL")))
	}
	return f
}

// Usage writes the suite's own flags (those after -- on the ginkgo command line, or in make's
// ARGS), each with its default, the valid values where there is a fixed set, and the environment
// variables the url and live targets read. ginkgo's -args -h lists them among its own hundred.
func Usage(w io.Writer) {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	RegisterFlags(fs)
	fmt.Fprintln(w, "The conformance suite's flags (make conformance ARGS='...', or after -- on the ginkgo command line):")
	fmt.Fprintln(w)
	valid := map[string]string{
		"target":  "embedded, url, live",
		"vendors": strings.Join(specs.Vendors(), ", ") + " (comma-separated, any subset)",
		"tamper":  "<vendor>:" + strings.Join(TamperKinds, " or <vendor>:"),
	}
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(w, "  --%s\n      %s\n", f.Name, f.Usage)
		if v := valid[f.Name]; v != "" {
			fmt.Fprintf(w, "      valid: %s\n", v)
		}
		if f.DefValue != "" {
			fmt.Fprintf(w, "      default: %s\n", f.DefValue)
		}
	})
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Environment (url and live targets; a flag wins over its variable):")
	for _, v := range specs.Vendors() {
		keys := []string{"BASE_URL"}
		switch v {
		case specs.Iovox:
			keys = append(keys, "USERNAME", "SECURE_KEY")
		case specs.Valomnia:
			keys = append(keys, "USER", "PASSWORD")
		case specs.Which50:
			keys = append(keys, "TOKEN", "AUTH_HEADER")
		case specs.Auregister:
			keys = append(keys, "TOKEN")
		}
		keys = append(keys, FixtureKeys[v]...)
		keys = append(keys, OptionalFixtureKeys[v]...)
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = EnvName(v, k)
		}
		fmt.Fprintf(w, "  %-11s %s\n", v, strings.Join(names, " "))
	}
}

// ReportsDir is the --reports directory, known even when Load fails: a run stopped by its
// configuration still writes its reports there.
func (f *Flags) ReportsDir() string { return f.reports }

// HAR is the --har path, known even when Load fails.
func (f *Flags) HAR() string { return f.har }

// Target is the --target value as given (not validated).
func (f *Flags) Target() string { return f.target }

// EnvName is the environment variable of a vendor's setting: CONTACTAPIS_<VENDOR>_<KEY>.
func EnvName(vendor, key string) string { return vendors.EnvName(vendor, key) }

// FixtureKeys are the records a mutating live spec may change, per vendor: the <KEY> of
// CONTACTAPIS_<VENDOR>_<KEY> (vendors.Vendor.FixtureKeys). Read-only: every user of the
// configuration keys on them.
var FixtureKeys = perVendor(func(v *vendors.Vendor) []string { return v.FixtureKeys })

// OptionalFixtureKeys are records a vendor's mutating probes may change besides FixtureKeys,
// read when set and never required by --allow-mutations (vendors.Vendor.OptionalFixtureKeys).
// Read-only, as FixtureKeys.
var OptionalFixtureKeys = perVendor(func(v *vendors.Vendor) []string { return v.OptionalFixtureKeys })

func perVendor(keys func(*vendors.Vendor) []string) map[string][]string {
	m := map[string][]string{}
	for _, v := range vendors.All() {
		if k := keys(v); len(k) > 0 {
			m[v.Name] = slices.Clone(k)
		}
	}
	return m
}

// Load validates the flags and reads the environment through getenv. Every problem is reported
// at once, each with how to fix it.
func (f *Flags) Load(getenv func(string) string) (*Config, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c := &Config{
		Target: TargetKind(f.target), BaseURL: map[string]string{}, BaseURLFrom: map[string]string{}, Fixtures: map[string]map[string]string{},
		Credentials:    map[string]vendors.Credentials{},
		AllowMutations: f.allowMutations, Strict: f.strict, RequestBudget: f.budget, HAR: f.har, ReportsDir: f.reports,
		CoverageFile: f.coverage, UpdateCoverage: f.updateCoverage,
	}
	if !slices.Contains([]TargetKind{Embedded, URL, Live}, c.Target) {
		bad("--target %q: use embedded, url or live", f.target)
	}
	for _, v := range strings.Split(f.vendors, ",") {
		v = strings.TrimSpace(v)
		if !slices.Contains(specs.Vendors(), v) {
			bad("--vendors: unknown vendor %q (known: %s)", v, strings.Join(specs.Vendors(), ", "))
			continue
		}
		if !slices.Contains(c.Vendors, v) {
			c.Vendors = append(c.Vendors, v)
		}
	}
	var err error
	if c.TamperVendor, c.TamperKind, err = ParseTamper(f.tamper); err != nil {
		bad("%v", err)
	} else if c.TamperVendor != "" && c.Target != Embedded {
		bad("--tamper works on the embedded target only")
	}
	if c.RequestBudget < 0 {
		bad("--request-budget %d: must be 0 (no cap) or more", c.RequestBudget)
	}
	if c.Target == Live && c.RequestBudget == 0 {
		c.RequestBudget = 300
	}
	if c.Target == Embedded {
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		return c, nil
	}
	for _, v := range c.Vendors {
		u, from := *f.urls[v], "--"+v+"-url"
		if u == "" {
			u, from = getenv(EnvName(v, "BASE_URL")), EnvName(v, "BASE_URL")
		}
		if u == "" && c.Target == Live {
			u, from = vendors.Get(v).LiveURL, "the live default"
		}
		if u == "" {
			bad("%s: no base URL: pass --%s-url or set %s", v, v, EnvName(v, "BASE_URL"))
			continue
		}
		if _, _, err := apiclient.BaseURL(u); err != nil {
			bad("%s: %v", v, err)
			continue
		}
		c.BaseURL[v] = strings.TrimSuffix(u, "/")
		c.BaseURLFrom[v] = from
	}
	// The url target defaults to tools/mockserver's test credentials; the environment overrides.
	mockCreds := c.Target == URL
	for _, v := range c.Vendors {
		c.Credentials[v] = c.readCredentials(vendors.Get(v), getenv, mockCreds, bad)
		c.Fixtures[v] = map[string]string{}
		for _, key := range FixtureKeys[v] {
			val := getenv(EnvName(v, key))
			if val == "" && c.Target == Live && c.AllowMutations {
				bad("%s: --allow-mutations needs the record the suite may change: set %s", v, EnvName(v, key))
			}
			if val != "" {
				c.Fixtures[v][key] = val
			}
		}
		for _, key := range OptionalFixtureKeys[v] {
			if val := getenv(EnvName(v, key)); val != "" {
				c.Fixtures[v][key] = val
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// readCredentials reads a vendor's credentials: every required one from the environment (on a
// live target each missing one is an error), all of them or none (then, with mockCreds, the
// mocks' test values); the optional ones when set.
func (c *Config) readCredentials(v *vendors.Vendor, getenv func(string) string, mockCreds bool, bad func(string, ...any)) vendors.Credentials {
	creds := vendors.Credentials{}
	var required []string
	set := 0
	for _, cr := range v.Credentials {
		name := EnvName(v.Name, cr.Key)
		val := getenv(name)
		if val != "" {
			creds[cr.Key] = apiclient.NewSecret(val)
		}
		if cr.Optional {
			continue
		}
		required = append(required, name)
		if val != "" {
			set++
		} else if c.Target == Live {
			bad("%s: %s is not set; export it to run against the live vendor (or leave %s out of --vendors)", v.Name, name, v.Name)
		}
	}
	switch {
	case set == 0 && mockCreds:
		for key, val := range v.TestCredentials() {
			creds[key] = val
		}
	case set > 0 && set < len(required) && len(required) == 2:
		bad("%s: set both %s and %s, or neither", v.Name, required[0], required[1])
	case set > 0 && set < len(required):
		bad("%s: set all of %s, or none", v.Name, strings.Join(required, ", "))
	}
	return creds
}

// Ways to break an embedded mock on purpose (--tamper vendor:kind), for the suite's self-test:
// the suite must fail, with evidence naming the page row, when a mock stops doing what the page
// says. conformance/framework implements them.
const (
	// TamperErrorsAsOK answers 200 where the mock answered a 4xx, body unchanged.
	TamperErrorsAsOK = "errors-as-ok"
	// TamperMisspell changes the last character of every error message of a 4xx answer.
	TamperMisspell = "misspell"
	// TamperExtraField adds a member the spec does not declare to every JSON object a 2xx answer
	// holds at its top (or in its top-level array): a vendor that adds a field, a non-breaking
	// change that must not fail the run without --strict.
	TamperExtraField = "extra-field"
	// TamperDropField loses the last field of every successful update: taken out of the 2xx
	// answer where the operation answers the record, else out of the update before the mock
	// stores it (iovox answers 204, Which50 a list of ids).
	TamperDropField = "drop-field"
)

// TamperKinds lists the --tamper kinds.
var TamperKinds = []string{TamperErrorsAsOK, TamperMisspell, TamperExtraField, TamperDropField}

// ParseTamper reads --tamper: "" (no tampering) or vendor:kind.
func ParseTamper(s string) (vendor, kind string, err error) {
	if s == "" {
		return "", "", nil
	}
	vendor, kind, _ = strings.Cut(s, ":")
	if !slices.Contains(specs.Vendors(), vendor) || !slices.Contains(TamperKinds, kind) {
		return "", "", fmt.Errorf("--tamper %q: want vendor:%s", s, strings.Join(TamperKinds, "|"))
	}
	return vendor, kind, nil
}

// FlagsFor returns the Flags a command line setting values would give ({"target": "live",
// "vendors": "iovox", "iovox-url": "https://..."}, names without dashes), for tools that
// configure the suite's targets without its command line. Load them as usual.
func FlagsFor(values map[string]string) (*Flags, error) {
	fs := flag.NewFlagSet("suiteconfig", flag.ContinueOnError)
	f := RegisterFlags(fs)
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := fs.Set(name, values[name]); err != nil {
			return nil, fmt.Errorf("--%s=%s: %w", name, values[name], err)
		}
	}
	return f, nil
}
