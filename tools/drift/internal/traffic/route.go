package traffic

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// Rule maps requests to a vendor by host, path prefix, or both.
type Rule struct {
	// Host is a host name, with a port when the rule is for that port only; "*.example.com"
	// matches every sub-domain. Empty matches any host.
	Host string
	// Prefix is the path below which the vendor's API is served ("/iovox"); empty for the root.
	Prefix string
	Vendor string
	// Origin says where the rule comes from, for messages: "--vendor-map", "spec servers",
	// "mockserver".
	Origin string
}

func (r Rule) String() string { return r.Host + r.Prefix + "=" + r.Vendor }

// ParseRule reads a --vendor-map value: host[:port][/prefix]=vendor or /prefix=vendor.
func ParseRule(s string) (Rule, error) {
	key, vendor, ok := strings.Cut(s, "=")
	if !ok || key == "" || vendor == "" {
		return Rule{}, fmt.Errorf("--vendor-map %q: want host-or-prefix=vendor (api.example.com=iovox, /iovox=iovox)", s)
	}
	if !slices.Contains(specs.Vendors(), vendor) {
		return Rule{}, fmt.Errorf("--vendor-map %q: unknown vendor %q (known: %s)", s, vendor, strings.Join(specs.Vendors(), ", "))
	}
	r := Rule{Vendor: vendor, Origin: "--vendor-map"}
	if strings.HasPrefix(key, "/") {
		r.Prefix = key
	} else {
		host, prefix, _ := strings.Cut(key, "/")
		r.Host = strings.ToLower(host)
		if prefix != "" {
			r.Prefix = "/" + prefix
		}
	}
	r.Prefix = strings.TrimSuffix(r.Prefix, "/")
	return r, nil
}

// DefaultRules are the vendors' documented hosts, read from each spec's servers (document and
// operation level; a host written as a variable gives the variable's default and enum values),
// then the path prefixes tools/mockserver serves the vendors under, on any host.
func DefaultRules() ([]Rule, error) {
	docs, err := loadSpecs()
	if err != nil {
		return nil, err
	}
	return defaultRules(docs), nil
}

// loadSpecs loads the embedded specs once per process: routing only reads their servers, and
// loading (with validation) is the slow part of a run on a small file.
var loadSpecs = sync.OnceValues(func() (map[string]*openapi3.T, error) {
	docs := map[string]*openapi3.T{}
	for _, v := range specs.Vendors() {
		doc, err := specs.Shared(v)
		if err != nil {
			return nil, err
		}
		docs[v] = doc
	}
	return docs, nil
})

func defaultRules(docs map[string]*openapi3.T) []Rule {
	var hostRules, prefixRules []Rule
	for _, v := range specs.Vendors() {
		doc := docs[v]
		servers := slices.Clone(doc.Servers)
		for _, op := range specs.Operations(doc) {
			if op.Operation.Servers != nil {
				servers = append(servers, *op.Operation.Servers...)
			}
		}
		for _, s := range servers {
			for _, h := range serverHosts(s) {
				r := Rule{Host: h, Vendor: v, Origin: "spec servers"}
				if !slices.Contains(hostRules, r) {
					hostRules = append(hostRules, r)
				}
			}
		}
		prefixRules = append(prefixRules, Rule{Prefix: "/" + v, Vendor: v, Origin: "mockserver"})
	}
	return append(hostRules, prefixRules...)
}

var varRE = regexp.MustCompile(`\{([^{}]+)\}`)

// serverHosts returns the host names a server URL template stands for: "{organisation}.valomnia.com"
// gives "*.valomnia.com"; "{baseUrl}" gives the hosts of the variable's default and enum values.
// Ports are dropped: a proxy may record the default port, or none.
func serverHosts(s *openapi3.Server) []string {
	u := s.URL
	if m := varRE.FindStringSubmatch(u); m != nil && m[0] == u {
		var out []string
		if sv := s.Variables[m[1]]; sv != nil {
			for _, val := range append([]string{sv.Default}, sv.Enum...) {
				if pu, err := url.Parse(val); err == nil && pu.Hostname() != "" {
					out = append(out, strings.ToLower(pu.Hostname()))
				}
			}
		}
		return out
	}
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return nil
	}
	host, _, _ := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "}") {
		host = host[:i]
	}
	labels := strings.Split(host, ".")
	for i, l := range labels {
		if varRE.MatchString(l) {
			if i != 0 {
				return nil // a variable inside the domain: no host to match on
			}
			labels[i] = "*"
		}
	}
	return []string{strings.ToLower(strings.Join(labels, "."))}
}

// Router routes recorded requests to a vendor and the base path its API is called at.
type Router struct {
	rules []Rule
	// apiPath is, per vendor, a pattern of the path its first server gives below the host
	// ("/api/{version}" as ^/api/[^/]+), so that a live recording's base path includes it.
	apiPath map[string]*regexp.Regexp
}

// NewRouter returns a router trying user rules first, in order, then the defaults.
func NewRouter(user []Rule) (*Router, error) {
	docs, err := loadSpecs()
	if err != nil {
		return nil, err
	}
	r := &Router{rules: append(slices.Clone(user), defaultRules(docs)...), apiPath: map[string]*regexp.Regexp{}}
	for _, v := range specs.Vendors() {
		doc := docs[v]
		if len(doc.Servers) == 0 {
			continue
		}
		p := contract.ServerPath(doc.Servers[0].URL)
		if p == "" {
			continue
		}
		parts := varRE.Split(p, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		r.apiPath[v] = regexp.MustCompile(`^(` + strings.Join(parts, `[^/]+`) + `)(?:/|$)`)
	}
	return r, nil
}

// ErrUnknownHost is returned (wrapped) for a request no rule routes.
var ErrUnknownHost = errors.New("no vendor for this host or path")

// Target is where a request goes: the vendor, and the base path of its API in the request's
// URL (what a client's base URL would have as its path).
type Target struct {
	Vendor   string
	BasePath string
}

// Route finds the vendor of a request. vendorHint is the HAR entry's _vendor field: it names the
// vendor outright, and the rules then only find the base path.
func (r *Router) Route(u *url.URL, vendorHint string) (Target, error) {
	if vendorHint != "" && !slices.Contains(specs.Vendors(), vendorHint) {
		return Target{}, fmt.Errorf("_vendor %q is not a vendor (known: %s)", vendorHint, strings.Join(specs.Vendors(), ", "))
	}
	host := strings.ToLower(u.Host)
	hostname := strings.ToLower(u.Hostname())
	for _, rule := range r.rules {
		if vendorHint != "" && rule.Vendor != vendorHint {
			continue
		}
		if !hostMatches(rule.Host, host, hostname) || !underPrefix(u.Path, rule.Prefix) {
			continue
		}
		return Target{Vendor: rule.Vendor, BasePath: r.basePath(rule.Vendor, rule.Prefix, u.Path)}, nil
	}
	if vendorHint != "" {
		return Target{Vendor: vendorHint, BasePath: r.basePath(vendorHint, "", u.Path)}, nil
	}
	return Target{}, fmt.Errorf("%w %q", ErrUnknownHost, u.Host)
}

func hostMatches(pattern, host, hostname string) bool {
	switch {
	case pattern == "":
		return true
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(hostname, pattern[1:])
	case strings.Contains(pattern, ":"):
		return host == pattern
	}
	return hostname == pattern
}

func underPrefix(path, prefix string) bool {
	return prefix == "" || path == prefix || strings.HasPrefix(path, prefix+"/")
}

// basePath is the prefix, plus the vendor's API path when the request is below it (a live
// Valomnia call to /api/v2.1/contacts/1 has base path /api/v2.1; its login at the host root has
// none, and conformance/contract routes it there).
func (r *Router) basePath(vendor, prefix, path string) string {
	re := r.apiPath[vendor]
	if re == nil {
		return prefix
	}
	if m := re.FindStringSubmatch(strings.TrimPrefix(path, prefix)); m != nil {
		return prefix + m[1]
	}
	return prefix
}
