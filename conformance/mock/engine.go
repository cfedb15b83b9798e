package mock

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

var _ Backend = (*Engine)(nil)

// Adapter holds what a vendor's page states beyond its spec: its business rules. Everything else
// (routing, credentials, decoding, validation, records, answers, errors) the engine derives from
// the spec.
type Adapter struct {
	// Update, when set, judges an update against the stored record before it is applied. It
	// may refuse it (return a Problem, usually RuleProblem) or drop changes that are not to be
	// applied (delete them from u.Changes).
	Update func(u *Update) *Problem
	// Select, for operations whose x-mock update selects (see Selection), chooses the records
	// an update changes and may refuse it.
	Select func(s *Selection) (Plan, *Problem)
	// Check, when set, judges every request routed to an operation, valid or refused, for what
	// the page states beyond the schemas; its problems are ranked with validation's.
	Check func(c *Check) []Problem
	// Credential, when set, decides whether a secret presented for a security scheme is valid
	// (instead of EngineConfig.Credentials) and returns what the account may do, which
	// Selection.Principal carries.
	Credential func(scheme, secret string) (principal any, ok bool)
	// Load, when set, completes and checks each fixture record once every collection is read:
	// it may set derived properties (x-mock derived) and make values canonical; get reads the
	// fixtures' records by collection and key.
	Load func(collection string, rec map[string]any, get func(collection, key string) map[string]any) error
}

// Update is an update the engine is about to apply to a stored record.
type Update struct {
	// Operation is the operationId.
	Operation string
	// Params are the path parameters as sent.
	Params map[string]string
	// Stored is the record as stored; read only.
	Stored map[string]any
	// Changes are the body's properties that the record's schema has, values canonical (integers
	// as int64). The engine applies what is left in it after the adapter returns.
	Changes map[string]any
}

// Problem is one reason to refuse a request: the failure (which the catalogue entries' `when`
// map to an entry), the field it concerns, and placeholder values beyond those the engine knows
// (method, path, path parameters, field, and the stored record's properties).
type Problem struct {
	Cond  specs.Condition
	Field string
	Args  map[string]string
}

// RuleProblem is the refusal by the adapter rule named rule, answered by the entry whose `when`
// names it.
func RuleProblem(rule, field string, args map[string]string) *Problem {
	return &Problem{Cond: specs.Condition{On: specs.OnRule, Rule: rule}, Field: field, Args: args}
}

// EngineConfig configures NewEngine.
type EngineConfig struct {
	// Vendor names the spec (specs.Shared) unless Doc is given.
	Vendor string
	// Doc is the spec; nil loads the vendor's.
	Doc *openapi3.T
	// Adapter holds the vendor's business rules.
	Adapter Adapter
	// Credentials are the secrets the mock accepts, by security scheme name ("user:password"
	// for HTTP basic); a scheme not given accepts "test".
	Credentials map[string]string
	// Fixtures are the records loaded at start and by Reset: a JSON object with one array of
	// records per collection of the spec's x-mock.
	Fixtures []byte
	// Logger receives mock bugs; nil discards.
	Logger *slog.Logger
}

// Engine is a mock driven by its spec (see the package documentation, "The engine"). It is a
// Backend, served by Server like any other.
type Engine struct {
	vendor    string
	doc       *openapi3.T
	conf      specs.Mock
	catalogue specs.Catalogue
	adapter   Adapter
	creds     map[string]string
	logger    *slog.Logger
	apiPath   string
	validator *contract.Validator
	ops       map[string]specs.MockOperation

	mu       sync.Mutex
	fixtures dataset // what Reset restores
	data     dataset
	x        *extension // indexes, events (engine_select.go)
}

// dataset is every collection's records by key. Records are never changed in place, only
// replaced, so a copy needs only new maps.
type dataset map[string]map[string]map[string]any

func (d dataset) clone() dataset {
	out := make(dataset, len(d))
	for name, recs := range d {
		out[name] = maps.Clone(recs)
	}
	return out
}

// NewEngine builds the mock of cfg.Vendor from its spec.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	doc := cfg.Doc
	if doc == nil {
		var err error
		if doc, err = specs.Shared(cfg.Vendor); err != nil {
			return nil, err
		}
	}
	e := &Engine{vendor: cfg.Vendor, doc: doc, adapter: cfg.Adapter, creds: cfg.Credentials, logger: cfg.Logger, ops: map[string]specs.MockOperation{}}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	e.logger = e.logger.With("vendor", cfg.Vendor)
	fail := func(err error) (*Engine, error) { return nil, fmt.Errorf("%s mock: %w", cfg.Vendor, err) }
	conf, ok, err := specs.ReadMock(doc)
	if err != nil {
		return fail(err)
	}
	if !ok {
		return fail(fmt.Errorf("the spec has no %s", specs.ExtMock))
	}
	e.conf = conf
	if e.catalogue, err = specs.ReadCatalogue(doc); err != nil {
		return fail(err)
	}
	for _, op := range specs.Operations(doc) {
		mo, err := specs.ReadMockOperation(op.Operation)
		if err != nil {
			return fail(err)
		}
		switch {
		case mo.Update == nil && mo.Read == nil:
			return fail(fmt.Errorf("operation %s: no %s update or read: the engine would not know what it does", op.Operation.OperationID, specs.ExtMock))
		case mo.Update != nil && mo.Read != nil:
			return fail(fmt.Errorf("operation %s: %s has both update and read; an operation does one", op.Operation.OperationID, specs.ExtMock))
		}
		if _, ok := conf.Collections[mo.Record().Collection]; !ok {
			return fail(fmt.Errorf("operation %s: no collection %q", op.Operation.OperationID, mo.Record().Collection))
		}
		e.ops[op.Operation.OperationID] = mo
	}
	if len(doc.Servers) > 0 {
		e.apiPath = contract.ServerPath(doc.Servers[0].URL)
	}
	if conf.APIPath != nil {
		e.apiPath = *conf.APIPath
	}
	if shared, _ := specs.Shared(cfg.Vendor); doc == shared {
		e.validator, err = contract.New(cfg.Vendor, e.apiPath) // compiled once per process
	} else {
		e.validator, err = contract.NewForDoc(cfg.Vendor, doc, e.apiPath)
	}
	if err != nil {
		return fail(err)
	}
	if conf.CaseInsensitiveJSON {
		e.validator.CaseInsensitiveJSON()
	}
	if err := e.initExtension(); err != nil {
		return fail(err)
	}
	if e.fixtures, err = e.parseFixtures(cfg.Fixtures); err != nil {
		return fail(fmt.Errorf("default fixtures: %w", err))
	}
	e.data = e.fixtures.clone()
	e.reindex()
	return e, nil
}

// Vendor implements Backend.
func (e *Engine) Vendor() string { return e.vendor }

// APIPath implements Backend: the path of the spec's first server.
func (e *Engine) APIPath() string { return e.apiPath }

// MaxBodyBytes implements Backend: x-mock's maxBodyBytes.
func (e *Engine) MaxBodyBytes() int64 { return e.conf.MaxBodyBytes }

// StrictJSON makes the pipeline hand the engine the body decoded (see decoder).
func (e *Engine) StrictJSON() bool { return e.conf.StrictJSON }

// Doc is the spec the engine serves.
func (e *Engine) Doc() *openapi3.T { return e.doc }

// Authenticate implements Backend: the operation's security requirements (its own or the
// document's), one of which must be met in full, each scheme as securitySchemes declares it.
func (e *Engine) Authenticate(r *http.Request, m *contract.Match) bool {
	reqs := e.doc.Security
	if m != nil && m.Route.Operation.Security != nil {
		reqs = *m.Route.Operation.Security
	}
	if len(reqs) == 0 {
		return true
	}
	for _, req := range reqs {
		if e.meets(r, req) {
			return true
		}
	}
	return false
}

func (e *Engine) meets(r *http.Request, req openapi3.SecurityRequirement) bool {
	for name := range req {
		ref := e.doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil || !e.schemeMet(r, name, ref.Value) {
			return false
		}
	}
	return true
}

func (e *Engine) schemeMet(r *http.Request, name string, s *openapi3.SecurityScheme) bool {
	got, ok := presented(r, s)
	if !ok {
		return false
	}
	if e.adapter.Credential != nil {
		_, ok := e.adapter.Credential(name, got)
		return ok
	}
	want, ok := e.creds[name]
	if !ok {
		want = "test"
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// presented is the secret r presents for scheme s, as s declares where it goes.
func presented(r *http.Request, s *openapi3.SecurityScheme) (string, bool) {
	var got string
	switch {
	case s.Type == "apiKey" && s.In == "header":
		got = r.Header.Get(s.Name)
	case s.Type == "apiKey" && s.In == "query":
		got = r.URL.Query().Get(s.Name)
	case s.Type == "apiKey" && s.In == "cookie":
		c, err := r.Cookie(s.Name)
		if err != nil {
			return "", false
		}
		got = c.Value
	case s.Type == "http":
		scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, s.Scheme) {
			return "", false
		}
		got = value
		if strings.EqualFold(s.Scheme, "basic") {
			raw, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				return "", false
			}
			got = string(raw)
		}
	default:
		return "", false
	}
	return got, true
}

// Handler implements Backend.
func (e *Engine) Handler() http.Handler { return http.HandlerFunc(e.serve) }

func (e *Engine) serve(w http.ResponseWriter, r *http.Request) {
	m := MatchFrom(r.Context())
	value, decoded := decodedBody(r.Context())
	if m == nil || !decoded {
		// Served without the pipeline (or re-served by Reject): check everything here.
		body, err := io.ReadAll(io.LimitReader(r.Body, e.conf.MaxBodyBytes+1))
		if err != nil {
			e.answer(w, r, nil, []Problem{{Cond: specs.Condition{On: specs.OnMalformed}}})
			return
		}
		e.serveBody(w, r, body)
		return
	}
	e.handle(w, r, m, value)
}

// serveBody routes, checks and handles a request whose body has been read.
func (e *Engine) serveBody(w http.ResponseWriter, r *http.Request, body []byte) {
	m, err := e.validator.Route(r)
	switch {
	case errors.Is(err, contract.ErrMethodNotAllowed):
		e.Reject(w, r, &Rejection{Kind: RejectMethod, Err: err, Body: body})
	case err != nil:
		e.Reject(w, r, &Rejection{Kind: RejectNoRoute, Err: err, Body: body})
	case int64(len(body)) > e.conf.MaxBodyBytes:
		e.Reject(w, r, &Rejection{Kind: RejectTooLarge, Match: m, Body: body[:e.conf.MaxBodyBytes]})
	case !utf8.Valid(body) || !utf8.ValidString(r.URL.RawQuery):
		e.Reject(w, r, &Rejection{Kind: RejectEncoding, Match: m, Body: body})
	case contract.Secured(e.doc, m.Route.Operation) && !e.Authenticate(r, m):
		e.Reject(w, r, &Rejection{Kind: RejectUnauthenticated, Match: m, Body: body})
	default:
		value, err := e.validator.ValidateDecoded(r.Context(), m, r, body, e.conf.StrictJSON)
		if err != nil {
			e.Reject(w, r, &Rejection{Kind: RejectInvalid, Match: m, Err: err, Body: body})
			return
		}
		e.handle(w, r, m, value)
	}
}

// handle applies a valid request.
func (e *Engine) handle(w http.ResponseWriter, r *http.Request, m *contract.Match, value any) {
	mo := e.ops[m.OperationID()]
	if mo.Read != nil {
		e.read(w, r, m, mo.Read)
		return
	}
	op := mo.Update
	if op.Select {
		e.handleSelect(w, r, m, value)
		return
	}
	coll := e.conf.Collections[op.Collection]
	recordSchema := e.schema(coll.Schema)
	// An update applies what the request's schema declares and the record can hold; other
	// properties of the body are ignored, as kin-openapi's validation ignores them.
	body, _ := value.(map[string]any)
	reqSchema := requestSchema(m.Route.Operation, r.Header.Get("Content-Type"))
	changes := map[string]any{}
	for name, v := range body {
		if s := recordSchema.Properties[name]; s != nil && s.Value != nil && reqSchema != nil && reqSchema.Properties[name] != nil {
			changes[name] = canonical(s.Value, v)
		}
	}
	key := e.recordKey(m, op)

	e.mu.Lock()
	defer e.mu.Unlock()
	stored, ok := e.data[op.Collection][key]
	if !ok {
		e.answer(w, r, m, []Problem{{Cond: specs.Condition{On: specs.OnNotFound}}})
		return
	}
	u := &Update{Operation: m.OperationID(), Params: m.PathParams, Stored: stored, Changes: changes}
	if e.adapter.Update != nil {
		if p := e.adapter.Update(u); p != nil {
			e.answer(w, r, m, []Problem{*p})
			return
		}
	}
	if p := e.checkReferences(recordSchema, u.Changes); p != nil {
		e.answer(w, r, m, []Problem{*p})
		return
	}
	// Records stay valid against their schema, which is what lets the answer rendered from one
	// go out without validating it again: a change the request schema takes but the record's
	// refuses is a contradiction in the spec.
	for name, v := range u.Changes {
		rs := recordSchema.Properties[name].Value
		if impliedBy(rs, reqSchema.Properties[name].Value) {
			continue // validated with the request
		}
		if err := rs.VisitJSON(v); err != nil {
			e.logger.Error("the request schema takes a value the record schema refuses; fix the spec", "property", name, "error", err)
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
	}
	next := maps.Clone(stored)
	maps.Copy(next, u.Changes)
	e.put(op.Collection, key, next)
	e.answerRecord(w, r, m, recordSchema, next)
}

// read answers the record a read operation addresses, rendered from its success answer, or the
// not-found entry when no record has the key (as an update of a missing record is answered).
func (e *Engine) read(w http.ResponseWriter, r *http.Request, m *contract.Match, op *specs.MockUpdate) {
	recordSchema := e.schema(e.conf.Collections[op.Collection].Schema)
	key := e.recordKey(m, op)
	e.mu.Lock()
	stored, ok := e.data[op.Collection][key]
	e.mu.Unlock()
	if !ok {
		e.answer(w, r, m, []Problem{{Cond: specs.Condition{On: specs.OnNotFound}}})
		return
	}
	// Records are replaced, never changed in place (dataset), so stored may be rendered unlocked.
	e.answerRecord(w, r, m, recordSchema, stored)
}

// recordKey is the key of the record the operation's path parameter names, canonical as the
// parameter's schema types it ("007" and 7 name the same integer key).
func (e *Engine) recordKey(m *contract.Match, op *specs.MockUpdate) string {
	key := m.PathParams[op.Param]
	if p := m.Route.Operation.Parameters.GetByInAndName(openapi3.ParameterInPath, op.Param); p != nil && p.Schema != nil {
		key = keyOf(canonical(p.Schema.Value, key))
	}
	return key
}

// requestSchema is the schema of the operation's body in the request's media type.
func requestSchema(op *openapi3.Operation, contentType string) *openapi3.Schema {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	if mt := op.RequestBody.Value.Content.Get(contentType); mt != nil && mt.Schema != nil {
		return mt.Schema.Value
	}
	return nil
}

// checkReferences refuses a change whose property carries x-mock-ref and names no record of that
// collection, the first by name.
func (e *Engine) checkReferences(s *openapi3.Schema, changes map[string]any) *Problem {
	for _, ref := range references(s) {
		v, ok := changes[ref.property]
		if !ok || v == nil {
			continue
		}
		if _, ok := e.data[ref.collection][keyOf(v)]; !ok {
			return &Problem{Cond: specs.Condition{On: specs.OnReference}, Field: ref.property, Args: map[string]string{ref.property: keyOf(v)}}
		}
	}
	return nil
}

type reference struct{ property, collection string }

var referencesOf sync.Map // *openapi3.Schema -> []reference

// references lists the x-mock-ref properties of s, sorted by name.
func references(s *openapi3.Schema) []reference {
	if refs, ok := referencesOf.Load(s); ok {
		return refs.([]reference)
	}
	var refs []reference
	for _, name := range sortedProperties(s) {
		if c, _ := s.Properties[name].Value.Extensions[specs.ExtMockRef].(string); c != "" {
			refs = append(refs, reference{name, c})
		}
	}
	referencesOf.Store(s, refs)
	return refs
}

// answerRecord renders rec from the operation's success answer (the lowest 2xx it declares).
func (e *Engine) answerRecord(w http.ResponseWriter, r *http.Request, m *contract.Match, recordSchema *openapi3.Schema, rec map[string]any) {
	status, resp := successResponse(m.Route.Operation)
	if resp == nil || len(resp.Content) == 0 {
		w.WriteHeader(status)
		return
	}
	mt := slices.Sorted(maps.Keys(resp.Content))[0]
	s := resp.Content[mt].Schema
	if s == nil || s.Value == nil {
		writeJSONAnswer(w, mt, status, rec)
		return
	}
	if s.Value == recordSchema {
		vouchForAnswer(r.Context())
	}
	body := appendRecord(make([]byte, 0, 1024), s.Value, rec)
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func successResponse(op *openapi3.Operation) (int, *openapi3.Response) {
	for code := 200; code < 300; code++ {
		if ref := op.Responses.Status(code); ref != nil {
			return code, ref.Value
		}
	}
	return http.StatusOK, nil
}

// project renders a record in the shape of schema s: every property s declares, from rec, null
// for a nullable property rec lacks; nothing s does not declare.
func project(s *openapi3.Schema, rec map[string]any) map[string]any {
	out := make(map[string]any, len(s.Properties))
	for name, ps := range s.Properties {
		if v, ok := rec[name]; ok {
			out[name] = v
		} else if ps.Value != nil && ps.Value.Nullable {
			out[name] = nil
		}
	}
	return out
}

func writeJSONAnswer(w http.ResponseWriter, mediaType string, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Records hold only decoded JSON values; this cannot fail on them.
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// canonical is v as records keep it: integers as int64 (a path parameter's "7", a body's 7.0),
// other numbers as float64, everything else as decoded.
func canonical(s *openapi3.Schema, v any) any {
	if s == nil {
		return v
	}
	switch x := v.(type) {
	case json.Number:
		if s.Type.Is(openapi3.TypeInteger) {
			if n, err := x.Int64(); err == nil {
				return n
			}
			if f, err := x.Float64(); err == nil && f == float64(int64(f)) {
				return int64(f)
			}
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
	case string:
		if s.Type.Is(openapi3.TypeInteger) {
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n
			}
		}
	case []any:
		if s.Items != nil && s.Items.Value != nil {
			out := make([]any, len(x))
			for i, item := range x {
				out[i] = canonical(s.Items.Value, item)
			}
			return out
		}
	}
	return v
}

// keyOf is the text of a record key.
func keyOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

func (e *Engine) schema(name string) *openapi3.Schema { return e.doc.Components.Schemas[name].Value }

// Fail implements Backend: the entry for injected failures.
func (e *Engine) Fail(w http.ResponseWriter, r *http.Request) {
	e.answer(w, r, MatchFrom(r.Context()), []Problem{{Cond: specs.Condition{On: specs.OnInternal}}})
}

// Reset implements Backend.
func (e *Engine) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.data = e.fixtures.clone()
	e.reindex()
}

// PrepareFixtures implements Backend.
func (e *Engine) PrepareFixtures(raw json.RawMessage) (func(), error) {
	d, err := e.parseFixtures(raw)
	if err != nil {
		return nil, err
	}
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.fixtures, e.data = d, d.clone()
		e.reindex()
	}, nil
}

// State implements Backend: every collection's records in key order, rendered from their schemas.
func (e *Engine) State() any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string][]map[string]any{}
	for name, coll := range e.conf.Collections {
		s := e.schema(coll.Schema)
		recs := []map[string]any{}
		for _, key := range sortedKeys(e.data[name]) {
			recs = append(recs, deepCopy(project(s, e.data[name][key])).(map[string]any))
		}
		out[name] = recs
	}
	return out
}

// sortedKeys orders keys numerically when they are integers, else by text.
func sortedKeys(recs map[string]map[string]any) []string {
	keys := slices.Collect(maps.Keys(recs))
	slices.SortFunc(keys, compareKeys)
	return keys
}

// compareKeyPart orders two parts of keys numerically when both are integers, else by text.
func compareKeyPart(a, b string) int {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		return int(max(-1, min(1, na-nb)))
	}
	return strings.Compare(a, b)
}

// parseFixtures checks a fixtures file whole: a JSON object of collections, each record valid
// against its collection's schema with no property the schema lacks (a misspelt key would
// otherwise vanish), keys unique, references resolved.
func (e *Engine) parseFixtures(raw []byte) (dataset, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrFixtures, e.vendor, fmt.Sprintf(format, args...))
	}
	names := slices.Sorted(maps.Keys(e.conf.Collections))
	shape := `want a JSON object {"` + strings.Join(names, `": [...], "`) + `": [...]}`
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var file map[string][]any
	if start := bytes.TrimLeft(raw, " \t\r\n"); len(start) == 0 || start[0] != '{' {
		return nil, fail("%s", shape)
	}
	if err := dec.Decode(&file); err != nil {
		return nil, fail("%s: %v", shape, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail("data after the fixtures object")
	}
	d := dataset{}
	for _, name := range names {
		d[name] = map[string]map[string]any{}
	}
	for name := range file {
		if _, ok := d[name]; !ok {
			return nil, fail("unknown collection %q (%s)", name, strings.Join(names, ", "))
		}
	}
	recKeys := map[string][]string{} // per collection, each fixture's key in file order
	for _, name := range names {
		coll := e.conf.Collections[name]
		s := e.schema(coll.Schema)
		for i, item := range file[name] {
			obj, ok := item.(map[string]any)
			where := fmt.Sprintf("%s[%d]", name, i)
			if ok && len(coll.KeyProperties()) == 1 {
				if k, ok := obj[coll.Key]; ok {
					where += fmt.Sprintf(" (%s %v)", coll.Key, k)
				}
			} else if ok {
				where += fmt.Sprintf(" (%s %s)", coll.Key, recordKey(coll, obj))
			}
			if !ok {
				return nil, fail("%s: not a JSON object", where)
			}
			for _, prop := range slices.Sorted(maps.Keys(obj)) {
				if s.Properties[prop] == nil {
					return nil, fail("%s: unknown property %q", where, prop)
				}
			}
			if err := s.VisitJSON(obj); err != nil {
				return nil, fail("%s: %s", where, e.describe(s, err))
			}
			rec := make(map[string]any, len(obj))
			for prop, v := range obj {
				rec[prop] = canonical(s.Properties[prop].Value, v)
			}
			for _, k := range coll.KeyProperties() {
				if rec[k] == nil {
					return nil, fail("%s: no %s", where, k)
				}
			}
			key := recordKey(coll, rec)
			if _, dup := d[name][key]; dup {
				return nil, fail("%s: %s %s given twice", where, coll.Key, key)
			}
			d[name][key] = rec
			recKeys[name] = append(recKeys[name], key)
		}
	}
	// References are checked once every collection is read.
	for _, name := range names {
		coll := e.conf.Collections[name]
		s := e.schema(coll.Schema)
		for i, key := range recKeys[name] {
			rec := d[name][key]
			for _, prop := range slices.Sorted(maps.Keys(rec)) {
				ref, _ := s.Properties[prop].Value.Extensions[specs.ExtMockRef].(string)
				if v := rec[prop]; ref != "" && v != nil {
					if _, ok := d[ref][keyOf(v)]; !ok {
						return nil, fail("%s[%d] (%s %s): %s %s is not among the %s", name, i, coll.Key, key, prop, keyOf(v), ref)
					}
				}
			}
		}
	}
	if e.adapter.Load != nil {
		get := func(coll, key string) map[string]any { return d[coll][key] }
		for _, name := range names {
			coll := e.conf.Collections[name]
			for i, key := range recKeys[name] {
				if err := e.adapter.Load(name, d[name][key], get); err != nil {
					return nil, fail("%s[%d] (%s %s): %v", name, i, coll.Key, key, err)
				}
			}
		}
	}
	return d, nil
}

// describe says why a record fails its schema, in the vendor's words where the catalogue has an
// entry for the failure ("birthday must be an ISO 8601 date"), else in kin-openapi's.
func (e *Engine) describe(s *openapi3.Schema, err error) string {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return firstLine(err.Error())
	}
	ptr := se.JSONPointer()
	if se.SchemaField == "required" && len(ptr) > 0 {
		return "missing " + ptr[len(ptr)-1]
	}
	p := e.schemaProblem(s, se)
	if entry, ok := e.entryFor(nil, p.Cond); ok && p.Field != "" {
		args := map[string]string{}
		for _, name := range entry.Placeholders() {
			if v, ok := p.Args[name]; ok {
				args[name] = v
			} else if name == "field" {
				args[name] = p.Field
			}
		}
		if msg, err := entry.Render(args); err == nil {
			return msg
		}
	}
	return strings.Join(ptr, "/") + ": " + se.Reason
}

// Reject implements Backend: a refused request as the catalogue entry its failure maps to.
func (e *Engine) Reject(w http.ResponseWriter, r *http.Request, rej *Rejection) {
	switch rej.Kind {
	case RejectNoRoute:
		e.answer(w, r, nil, []Problem{{Cond: specs.Condition{On: specs.OnNoRoute}}})
	case RejectMethod:
		e.answer(w, r, nil, []Problem{{Cond: specs.Condition{On: specs.OnMethod}}})
	case RejectUnauthenticated:
		e.answer(w, r, rej.Match, []Problem{{Cond: specs.Condition{On: specs.OnUnauthenticated}}})
	case RejectTooLarge, RejectEncoding:
		queryOnly := rej.Kind == RejectEncoding && utf8.Valid(rej.Body)
		if queryOnly && !declaresQuery(rej.Match) {
			// Only the query is not UTF-8: the operations declare no query parameter and the
			// vendor is assumed to ignore undeclared ones (as kin-openapi does), so the request
			// is judged without it.
			r2 := r.Clone(r.Context())
			r2.URL.RawQuery = ""
			e.serveBody(w, r2, rej.Body)
			return
		}
		var ps []Problem
		if queryOnly {
			// A query the operation reads that is not text: a value that cannot be bound, judged
			// with the rest of the request.
			ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnInvalid, In: openapi3.ParameterInQuery}})
			if _, err := e.validator.ValidateDecoded(r.Context(), rej.Match, r, rej.Body, e.conf.StrictJSON); err != nil {
				ps = append(ps, e.validationProblems(&Rejection{Kind: RejectInvalid, Match: rej.Match, Err: err, Body: rej.Body})...)
			}
		} else {
			ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnMalformed}})
			if rej.Match != nil && !declaresMediaType(rej.Match.Route.Operation, r.Header.Get("Content-Type")) {
				ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnMediaType}})
			}
			ps = append(ps, e.paramProblems(r, rej.Match)...)
		}
		if rej.Match != nil && contract.Secured(e.doc, rej.Match.Route.Operation) && !e.Authenticate(r, rej.Match) {
			ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnUnauthenticated}})
		}
		e.answer(w, r, rej.Match, append(ps, e.check(r, rej.Match, nil)...))
	default:
		ps := e.validationProblems(rej)
		if len(ps) == 0 {
			e.logger.Warn("request refused for a reason the engine cannot name", "error", rej.Err)
			ps = []Problem{{Cond: specs.Condition{On: specs.OnMalformed}}}
		}
		e.answer(w, r, rej.Match, append(ps, e.check(r, rej.Match, nil)...))
	}
}

// declaresQuery reports whether the matched operation reads query parameters.
func declaresQuery(m *contract.Match) bool {
	if m == nil {
		return false
	}
	for _, p := range m.Route.Operation.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			return true
		}
	}
	return false
}

// paramProblems are the failures of the request's parameters alone, for a request whose body
// could not be judged.
func (e *Engine) paramProblems(r *http.Request, m *contract.Match) []Problem {
	if m == nil {
		return nil
	}
	_, err := e.validator.ValidateDecoded(r.Context(), m, r, nil, e.conf.StrictJSON)
	var multi openapi3.MultiError
	if !errors.As(err, &multi) {
		return nil
	}
	var params openapi3.MultiError
	for _, err := range multi {
		if re, ok := err.(*openapi3filter.RequestError); ok && re.Parameter != nil {
			params = append(params, re)
		}
	}
	return e.validationProblems(&Rejection{Kind: RejectInvalid, Match: m, Err: params})
}

func declaresMediaType(op *openapi3.Operation, contentType string) bool {
	return op.RequestBody == nil || op.RequestBody.Value == nil || op.RequestBody.Value.Content.Get(contentType) != nil
}

// validationProblems turns kin-openapi's validation errors into problems: a parameter by where
// it sits, a body value by the failing keyword (an enum property's by "enum", whatever the value)
// and format, naming the top-level property its JSON pointer starts with.
func (e *Engine) validationProblems(rej *Rejection) []Problem {
	var out []Problem
	var bodySchema *openapi3.Schema
	if m := rej.Match; m != nil && m.Route.Operation.RequestBody != nil && m.Route.Operation.RequestBody.Value != nil {
		for _, mt := range m.Route.Operation.RequestBody.Value.Content {
			if mt.Schema != nil {
				bodySchema = mt.Schema.Value
			}
		}
	}
	var walk func(error)
	walk = func(err error) {
		switch err := err.(type) {
		case nil:
		case openapi3.MultiError:
			for _, e := range err {
				walk(e)
			}
		case *openapi3filter.SecurityRequirementsError:
			out = append(out, Problem{Cond: specs.Condition{On: specs.OnUnauthenticated}})
		case *contract.InexactIntegerError:
			s := bodySchema.Properties[err.Property].Value
			out = append(out, Problem{Cond: specs.Condition{On: specs.OnInvalid, In: "body", Keyword: "type"}, Field: err.Property,
				Args: map[string]string{"expectedType": expectedType(s)}})
		case *openapi3filter.RequestError:
			var schemaErr *openapi3.SchemaError
			var multi openapi3.MultiError
			switch {
			case err.Parameter != nil:
				// A parameter is no body field: the answer names none.
				out = append(out, Problem{Cond: specs.Condition{On: specs.OnInvalid, In: err.Parameter.In, Param: err.Parameter.Name}})
			case err.RequestBody != nil && err.Err == nil && strings.Contains(err.Reason, "Content-Type"):
				out = append(out, Problem{Cond: specs.Condition{On: specs.OnMediaType}})
			case errors.As(err.Err, &multi) || errors.As(err.Err, &schemaErr):
				walk(err.Err)
			default:
				// A body that does not decode, or a required body that is missing.
				out = append(out, Problem{Cond: specs.Condition{On: specs.OnMalformed}})
			}
		case *contract.PropertyError:
			out = append(out, e.propertyProblem(bodySchema, err))
		case *openapi3.SchemaError:
			out = append(out, e.schemaProblem(bodySchema, err))
		default:
			out = append(out, Problem{Cond: specs.Condition{On: specs.OnMalformed}})
		}
	}
	walk(rej.Err)
	return out
}

// propertyProblem is schemaProblem for a failure of one property's schema (contract.visitBody).
func (e *Engine) propertyProblem(body *openapi3.Schema, pe *contract.PropertyError) Problem {
	if pe.Missing {
		return e.fieldProblem(body, pe.Property, "required", false)
	}
	var se *openapi3.SchemaError
	if !errors.As(pe.Err, &se) {
		return Problem{Cond: specs.Condition{On: specs.OnMalformed}}
	}
	return e.fieldProblem(body, pe.Property, se.SchemaField, len(se.JSONPointer()) > 0)
}

func (e *Engine) schemaProblem(body *openapi3.Schema, se *openapi3.SchemaError) Problem {
	ptr := se.JSONPointer()
	if len(ptr) == 0 {
		return Problem{Cond: specs.Condition{On: specs.OnMalformed}}
	}
	return e.fieldProblem(body, ptr[0], se.SchemaField, len(ptr) > 1)
}

// fieldProblem is the failure of body property field for schema keyword; nested says it failed
// inside the value (an array's item).
func (e *Engine) fieldProblem(body *openapi3.Schema, field, keyword string, nested bool) Problem {
	if body == nil || body.Properties[field] == nil || body.Properties[field].Value == nil {
		return Problem{Cond: specs.Condition{On: specs.OnMalformed}}
	}
	s := body.Properties[field].Value
	c := specs.Condition{On: specs.OnInvalid, In: "body", Keyword: keyword}
	switch {
	case len(s.Enum) > 0:
		c.Keyword = "enum"
	case nested:
		c.Keyword = "items"
	case c.Keyword == "format":
		c.Format = s.Format
	}
	// null is listed in a nullable enum (OpenAPI 3.0.3 wants it there) but is no value to name.
	var values []string
	for _, v := range s.Enum {
		if v != nil {
			values = append(values, fmt.Sprint(v))
		}
	}
	sep := cmpOr(e.conf.Errors.Separator, ", ")
	return Problem{Cond: c, Field: field, Args: map[string]string{
		"expectedType": expectedType(s), "allowedValues": strings.Join(values, sep)}}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// expectedType names a schema's type for messages: "string", "integer", "array of integers".
func expectedType(s *openapi3.Schema) string {
	if s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil {
		return "array of " + expectedType(s.Items.Value) + "s"
	}
	if types := s.Type.Slice(); len(types) > 0 {
		return types[0]
	}
	return "value"
}
