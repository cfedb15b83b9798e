package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Options configure a Server.
type Options struct {
	// Faults per vendor name; vendors not named have none.
	Faults map[string]Faults
	// Seed makes fault injection reproducible.
	Seed uint64
	// Logger receives one record per request (no headers, bodies or query values) and every
	// contract violation. Nil discards.
	Logger *slog.Logger
	// Tamper, when set, wraps each vendor's finished answers: the conformance suite's self-test
	// uses it to break a mock on purpose and prove the suite notices.
	Tamper func(vendor string, h http.Handler) http.Handler
}

// Server serves every backend under /<vendor>/ and the admin API under /_admin/; AdminCalls
// lists its calls (GET /_admin/ answers that list).
//
// Admin calls need no vendor credentials and exist only in the mock.
type Server struct {
	// fixtures serialises fixture loads, so that two loads cannot interleave their installs
	// across vendors.
	fixtures sync.Mutex
	vendors  map[string]*vendor
	names    []string
	mounts   []mount
	mux      *http.ServeMux // the admin API and everything outside a vendor
}

// AdminCall is one call of the admin API.
type AdminCall struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Does   string `json:"does"`
}

// adminCalls is the admin API, in the order GET /_admin/ and the mockserver banner show it.
var adminCalls = []AdminCall{
	{"GET", "/_admin/", "this list"},
	{"POST", "/_admin/reset[?vendor=v]", "restore fixtures (all vendors, or one) and clear logs"},
	{"PUT", "/_admin/fixtures", "load a fixtures file (one member per vendor), all or nothing"},
	{"GET", "/_admin/state/{vendor}", "the vendor's whole store as JSON"},
	{"GET", "/_admin/log/{vendor}", "recent exchanges and recorded events"},
	{"GET", "/_admin/faults/{vendor}", "the vendor's faults, as PUT takes them"},
	{"PUT", "/_admin/faults/{vendor}", `{"latency": "10ms", "jitter": "5ms", "errorRate": 0..1} (durations as Go durations or nanoseconds); kept across resets`},
}

// AdminCalls returns the admin API's calls.
func AdminCalls() []AdminCall { return slices.Clone(adminCalls) }

// mount is a vendor's path prefix. Vendors are dispatched by plain prefix, not by ServeMux, whose
// path cleaning would answer "/valomnia/api/v1.0/contacts/." with its own 307 before the vendor
// could answer in its dialect.
type mount struct {
	prefix  string
	handler http.Handler
}

// New assembles a server from backends.
func New(opts Options, backends ...Backend) (*Server, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{vendors: map[string]*vendor{}, mux: http.NewServeMux()}
	for i, b := range backends {
		name := b.Vendor()
		if _, dup := s.vendors[name]; dup {
			return nil, fmt.Errorf("mock: vendor %q given twice", name)
		}
		v, err := newVendor(b, opts.Faults[name], opts.Seed+uint64(i), logger)
		if err != nil {
			return nil, fmt.Errorf("mock: %s: %w", name, err)
		}
		s.vendors[name] = v
		s.names = append(s.names, name)
		var h http.Handler = v
		if opts.Tamper != nil {
			h = opts.Tamper(name, h)
		}
		s.mounts = append(s.mounts, mount{prefix: "/" + name + "/", handler: http.StripPrefix("/"+name, h)})
	}
	for name, f := range opts.Faults {
		if _, ok := s.vendors[name]; !ok {
			return nil, fmt.Errorf("mock: faults for unknown vendor %q", name)
		}
		if err := f.Validate(); err != nil {
			return nil, fmt.Errorf("mock: faults for %s: %w", name, err)
		}
	}
	sort.Strings(s.names)
	s.mux.HandleFunc("POST /_admin/reset", s.adminReset)
	s.mux.HandleFunc("PUT /_admin/fixtures", s.adminFixtures)
	s.mux.HandleFunc("GET /_admin/state/{vendor}", s.adminState)
	s.mux.HandleFunc("GET /_admin/log/{vendor}", s.adminLog)
	s.mux.HandleFunc("GET /_admin/faults/{vendor}", s.adminGetFaults)
	s.mux.HandleFunc("PUT /_admin/faults/{vendor}", s.adminFaults)
	s.mux.HandleFunc("GET /_admin/{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"calls": adminCalls, "vendors": s.names})
	})
	s.mux.HandleFunc("/_admin/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, "no admin call %s %s; GET /_admin/ lists them", r.Method, r.URL.Path)
	})
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, m := range s.mounts {
		if strings.HasPrefix(r.URL.Path, m.prefix) {
			m.handler.ServeHTTP(w, r)
			return
		}
	}
	// A request outside every vendor (/, /foo) has no vendor dialect to answer in: plain 404.
	s.mux.ServeHTTP(w, r)
}

// Vendors returns the vendor names served, sorted.
func (s *Server) Vendors() []string { return slices.Clone(s.names) }

// Violations returns, and forgets, every answer the mocks gave that their own specs forbid. A test
// that sees any has found a bug in a mock.
func (s *Server) Violations() []string {
	var out []string
	for _, name := range s.names {
		out = append(out, s.vendors[name].takeViolations()...)
	}
	return out
}

// Reset restores the fixtures of the named vendors (all when none are named) and clears their logs.
func (s *Server) Reset(vendors ...string) error {
	if len(vendors) == 0 {
		vendors = s.names
	}
	for _, name := range vendors {
		v, ok := s.vendors[name]
		if !ok {
			return fmt.Errorf("unknown vendor %q (served: %s)", name, strings.Join(s.names, ", "))
		}
		v.backend.Reset()
		v.log.reset()
	}
	return nil
}

// LoadFixtures loads a fixtures file: a JSON object with one member per vendor, each in that
// vendor's own fixtures format. Vendors not named keep theirs. Nothing changes unless every part
// loads.
func (s *Server) LoadFixtures(data []byte) error {
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return fmt.Errorf("fixtures: not a JSON object of vendors: %w", err)
	}
	for name := range parts {
		if _, ok := s.vendors[name]; !ok {
			return fmt.Errorf("fixtures: unknown vendor %q (served: %s)", name, strings.Join(s.names, ", "))
		}
	}
	s.fixtures.Lock()
	defer s.fixtures.Unlock()
	installs := make([]func(), 0, len(parts))
	for _, name := range s.names {
		if raw, ok := parts[name]; ok {
			install, err := s.vendors[name].backend.PrepareFixtures(raw)
			if err != nil {
				return fmt.Errorf("fixtures for %s: %w", name, err)
			}
			installs = append(installs, install, s.vendors[name].log.reset)
		}
	}
	for _, install := range installs {
		install()
	}
	return nil
}

func (s *Server) adminReset(w http.ResponseWriter, r *http.Request) {
	var names []string
	if v := r.URL.Query().Get("vendor"); v != "" {
		names = []string{v}
	}
	if err := s.Reset(names...); err != nil {
		adminError(w, http.StatusNotFound, "%v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminFixtures(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		adminError(w, http.StatusBadRequest, "read fixtures: %v", err)
		return
	}
	if err := s.LoadFixtures(data); err != nil {
		adminError(w, http.StatusBadRequest, "%v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *vendor {
	v, ok := s.vendors[r.PathValue("vendor")]
	if !ok {
		adminError(w, http.StatusNotFound, "unknown vendor %q (served: %s)", r.PathValue("vendor"), strings.Join(s.names, ", "))
	}
	return v
}

func (s *Server) adminState(w http.ResponseWriter, r *http.Request) {
	if v := s.lookup(w, r); v != nil {
		writeJSON(w, v.backend.State())
	}
}

func (s *Server) adminLog(w http.ResponseWriter, r *http.Request) {
	if v := s.lookup(w, r); v != nil {
		events := v.backend.Events()
		if events == nil {
			events = []Event{}
		}
		writeJSON(w, map[string]any{"exchanges": v.log.list(), "events": events})
	}
}

// Faults returns a vendor's faults in force.
func (s *Server) Faults(vendor string) (Faults, error) {
	v, ok := s.vendors[vendor]
	if !ok {
		return Faults{}, fmt.Errorf("unknown vendor %q (served: %s)", vendor, strings.Join(s.names, ", "))
	}
	return v.faults.get(), nil
}

func (s *Server) adminGetFaults(w http.ResponseWriter, r *http.Request) {
	if v := s.lookup(w, r); v != nil {
		writeJSON(w, v.faults.get())
	}
}

// SetFaults replaces a vendor's faults.
func (s *Server) SetFaults(vendor string, f Faults) error {
	v, ok := s.vendors[vendor]
	if !ok {
		return fmt.Errorf("unknown vendor %q (served: %s)", vendor, strings.Join(s.names, ", "))
	}
	if err := f.Validate(); err != nil {
		return err
	}
	v.faults.set(f)
	return nil
}

func (s *Server) adminFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&f); err != nil {
		adminError(w, http.StatusBadRequest, "faults: want {\"latency\": \"10ms\", \"jitter\": \"5ms\", \"errorRate\": 0..1}: %v", err)
		return
	}
	if err := s.SetFaults(r.PathValue("vendor"), f); err != nil {
		status := http.StatusBadRequest
		if _, ok := s.vendors[r.PathValue("vendor")]; !ok {
			status = http.StatusNotFound
		}
		adminError(w, status, "%v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		// Headers are gone; the truncated body is all the caller gets.
		slog.Default().Error("admin: encode", "error", err)
	}
}

// adminError answers an admin call. Admin errors are the mock's own, not a vendor's, so they use
// a plain JSON shape.
func adminError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf(format, args...)})
}

// ErrFixtures is wrapped by backends' PrepareFixtures errors for content that does not fit.
var ErrFixtures = errors.New("invalid fixtures")
