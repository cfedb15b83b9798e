package mock

import (
	"bytes"
	"cmp"
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

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

var _ Backend = (*Engine)(nil)

// Adapter holds what a vendor's page states beyond its spec: its business rules. Everything else
// (routing, credentials, decoding, validation, records, answers, errors) the engine derives from
// the spec. Every hook is optional.
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
	// Item judges one item of a batch before it is merged into its record (u.Stored is nil when
	// the item names no record; u.Next is not yet set). It may refuse the item (the engine
	// positions the problems at the item) and change u.Changes.
	Item func(u *Update) []Problem
	// Batch judges a whole batch once every item is merged (u.Next; u.Changes is then nil, the
	// map having become u.Next), before anything is written; its problems are listed with the
	// engine's.
	Batch func(b *Batch) []Problem
	// Applied follows a batch once it is written: the adapter's own state (b.Extra) and events.
	Applied func(b *Batch)
	// Fixtures reads the sections of a fixtures document that name no collection (iovox's rule
	// templates) and checks the records against the page's rules; it may canonicalise their
	// values. The engine hands the result to Batch and Applied, and State shows its sections.
	// Without it such sections are refused.
	Fixtures func(sections map[string]json.RawMessage, records Records) (Extra, error)
	// Serve answers the operations whose x-mock names it (serve; see Call): valid requests and
	// those the pipeline refused for their body or query, which the adapter judges in the page's
	// own way. A wrong route or failed credentials are answered by the engine.
	Serve func(c *Call)
	// Reset follows every restore of the records (Reset, new fixtures): state the adapter keeps
	// outside them and outside Extra (Valomnia's sessions) starts afresh.
	Reset func()
}

// Records are every collection's records by key. The engine never changes a record in place, only
// replaces it; hooks must treat them as read only.
type Records map[string]map[string]map[string]any

// Extra is state an adapter keeps beside the spec's records (see Adapter.Fixtures).
type Extra interface {
	// Clone is a copy that Applied may change while the engine keeps the original (Reset).
	Clone() Extra
	// Sections is the state by fixtures section, as GET /_admin/state shows it.
	Sections() map[string]any
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
	// as int64). The engine applies what is left in it after the adapter returns. In a batch
	// they are the item's, by the record's property names (aliases resolved), as sent: an
	// array is merged or replaced as the spec's x-mock says when it is applied. The item's
	// merge turns this map into Next and sets Changes to nil: a second copy of the record was
	// a sixth of an iovox update's allocation.
	Changes map[string]any

	// The rest is set for an item of a batch.

	// Item is the item's 1-based position among the batch's Total items.
	Item, Total int
	// Sent is the item as sent.
	Sent map[string]any
	// Key is the key the item names; NewKey the key it has after the batch (a rename).
	Key, NewKey string
	// Next is the record as the batch leaves it (set before Batch is called).
	Next map[string]any
	// Cleared are the properties the item sent empty that Next no longer has.
	Cleared []string
}

// Batch is a batch of updates the engine is about to apply (Adapter.Batch) or has applied
// (Adapter.Applied).
type Batch struct {
	Operation string
	// Body is the request body; Total its number of items.
	Body  map[string]any
	Total int
	// Items are the items that name a stored record, in body order.
	Items []*Update
	// Records are the batch's collection as stored before the batch; read only.
	Records map[string]map[string]any
	// Extra is the adapter's state (Adapter.Fixtures); Applied may change it.
	Extra  Extra
	record func(Event) // Engine.record: bounded by x-mock maxEvents
	e      *Engine
	coll   string
}

// Find returns the keys, in key order, of the batch's records (as stored before the batch) whose
// property prop holds value, through the index the collection declares on [prop] (Call.Find): a
// rule about other records costs what the records that match cost, not the whole collection.
func (b *Batch) Find(prop string, value any) []string { return b.e.find(b.coll, prop, value) }

// Event records a side effect of an applied batch (Events).
func (b *Batch) Event(kind string, detail map[string]any) {
	b.record(Event{Kind: kind, Detail: detail})
}

// Problem is one reason to refuse a request: the failure (which the catalogue entries' `when`
// map to an entry), the field it concerns, and placeholder values beyond those the engine knows
// (method, path, path parameters, field, item and total, line and column, and the stored record's
// properties).
type Problem struct {
	Cond  specs.Condition
	Field string
	Args  map[string]string
	// Item is the 1-based position of the batch item at fault (0: none) among Total.
	Item, Total int
	// Line and Column place the fault in an XML body (0: unknown).
	Line, Column int
}

// RuleProblem is the refusal by the adapter rule named rule, answered by the entry whose `when`
// names it.
func RuleProblem(rule, field string, args map[string]string) *Problem {
	return &Problem{Cond: specs.Condition{On: specs.OnRule, Rule: rule, Field: field}, Field: field, Args: args}
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
	// entryIndex is each catalogue entry's position, the order in which All lists errors.
	entryIndex map[string]int
	// stored are each collection's record properties and their schemas: its schema's, less what
	// batches only send (aliases, the rename property), and its private ones (nil where the
	// schema has none).
	stored map[string]map[string]*openapi3.Schema
	// aliases are each collection's alias properties (x-mock-alias) naming a property of its
	// schema, sorted: the order in which a batch item's aliases apply.
	aliases map[string][]string

	mu       sync.Mutex
	fixtures state // what Reset restores
	cur      state
	x        *extension // indexes, events (engine_select.go)
}

// state is the engine's data: the records and the adapter's own state (Adapter.Fixtures).
type state struct {
	data  dataset
	extra Extra
}

func (s state) clone() state {
	out := state{data: s.data.clone()}
	if s.extra != nil {
		out.extra = s.extra.Clone()
	}
	return out
}

// dataset is every collection's records by key. Records are never changed in place, only
// replaced, so a copy needs only new maps.
type dataset = Records

func (d Records) clone() Records {
	out := make(Records, len(d))
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
	e := &Engine{vendor: cfg.Vendor, doc: doc, adapter: cfg.Adapter, creds: cfg.Credentials, logger: cfg.Logger, ops: map[string]specs.MockOperation{},
		entryIndex: map[string]int{}, stored: map[string]map[string]*openapi3.Schema{}, aliases: map[string][]string{}}
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
	for i, entry := range e.catalogue {
		e.entryIndex[entry.ID] = i
	}
	for name, coll := range conf.Collections {
		e.stored[name] = map[string]*openapi3.Schema{}
		s := e.schema(coll.Schema)
		for prop, ps := range s.Properties {
			if _, alias := ps.Value.Extensions[specs.ExtMockAlias]; !alias {
				e.stored[name][prop] = ps.Value
			}
			if alias, ok := ps.Value.Extensions[specs.ExtMockAlias].(string); ok && s.Properties[alias] != nil {
				e.aliases[name] = append(e.aliases[name], prop)
			}
		}
		for prop := range coll.Private {
			e.stored[name][prop] = nil
			if ps := s.Properties[prop]; ps != nil {
				e.stored[name][prop] = ps.Value
			}
		}
		slices.Sort(e.aliases[name])
	}
	for _, op := range specs.Operations(doc) {
		mo, err := specs.ReadMockOperation(op.Operation)
		if err != nil {
			return fail(err)
		}
		if err := e.checkOperation(op.Operation, mo); err != nil {
			return fail(fmt.Errorf("operation %s: %w", op.Operation.OperationID, err))
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
	e.cur = e.fixtures.clone()
	e.reindex()
	return e, nil
}

// checkOperation refuses an operation's x-mock the engine cannot serve.
func (e *Engine) checkOperation(op *openapi3.Operation, mo specs.MockOperation) error {
	n := 0
	for _, set := range []bool{mo.Update != nil, mo.Read != nil, mo.Batch != nil, mo.Serve != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return fmt.Errorf("no %s update, read, batch or serve: the engine would not know what it does", specs.ExtMock)
	case n > 1:
		return fmt.Errorf("%s has more than one of update, read, batch and serve; an operation does one", specs.ExtMock)
	case mo.Serve != "":
		if e.adapter.Serve == nil {
			return fmt.Errorf("%s serve %q needs the adapter's Serve", specs.ExtMock, mo.Serve)
		}
		return nil
	case mo.Batch == nil:
		if _, ok := e.conf.Collections[mo.Record().Collection]; !ok {
			return fmt.Errorf("no collection %q", mo.Record().Collection)
		}
		return nil
	}
	b := mo.Batch
	coll, ok := e.conf.Collections[b.Collection]
	if !ok {
		return fmt.Errorf("no collection %q", b.Collection)
	}
	if b.Rename != "" {
		delete(e.stored[b.Collection], b.Rename)
	}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return errors.New("a batch needs a request body")
	}
	for mt, media := range op.RequestBody.Value.Content {
		body := media.Schema.Value
		items := body.Properties[b.Items]
		if items == nil || items.Value == nil || items.Value.Items == nil || items.Value.Items.Value == nil {
			return fmt.Errorf("the %s body has no array property %q", mt, b.Items)
		}
		if items.Value.Items.Value != e.schema(coll.Schema) {
			return fmt.Errorf("the items of %q are not the collection's schema %s", b.Items, coll.Schema)
		}
		if b.Lists != nil && body.Properties[b.Lists.Flag] == nil {
			return fmt.Errorf("the %s body has no list flag %q", mt, b.Lists.Flag)
		}
	}
	if _, resp := successResponse(op); resp != nil && len(resp.Content) > 0 {
		return errors.New("a batch answers its success without a body")
	}
	return nil
}

// Vendor implements Backend.
func (e *Engine) Vendor() string { return e.vendor }

// APIPath implements Backend: the path of the spec's first server.
func (e *Engine) APIPath() string { return e.apiPath }

// MaxBodyBytes implements Backend: x-mock's maxBodyBytes.
func (e *Engine) MaxBodyBytes() int64 { return e.conf.MaxBodyBytes }

// StrictJSON implements Backend: x-mock's strictJSON.
func (e *Engine) StrictJSON() bool { return e.conf.StrictJSON }

// Validator implements Backend: compiled for the engine's own document, which may not be an
// embedded spec.
func (e *Engine) Validator() *contract.Validator { return e.validator }

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
	body, decoded := decodedBody(r.Context())
	if m == nil || !decoded {
		// Served without the pipeline (or re-served by Reject): check everything here.
		raw, err := io.ReadAll(io.LimitReader(r.Body, e.conf.MaxBodyBytes+1))
		if err != nil {
			e.answer(w, r, nil, []Problem{{Cond: specs.Condition{On: specs.OnMalformed}}})
			return
		}
		e.serveBody(w, r, raw)
		return
	}
	e.handle(w, r, m, body)
}

// serveBody routes, checks and handles a request whose body has been read, as the pipeline does.
func (e *Engine) serveBody(w http.ResponseWriter, r *http.Request, body []byte) {
	m, err := e.validator.Route(r)
	switch {
	case errors.Is(err, contract.ErrMethodNotAllowed):
		e.Reject(w, r, &Rejection{Kind: RejectMethod, Match: m, Err: err, Body: body})
	case err != nil:
		e.Reject(w, r, &Rejection{Kind: RejectNoRoute, Err: err, Body: body})
	case int64(len(body)) > e.conf.MaxBodyBytes:
		e.Reject(w, r, &Rejection{Kind: RejectTooLarge, Match: m, Body: body[:e.conf.MaxBodyBytes]})
	case !utf8.ValidString(r.URL.RawQuery) || !utf8.Valid(body):
		e.Reject(w, r, &Rejection{Kind: RejectEncoding, Match: m, Body: body})
	case contract.Secured(e.doc, m.Route.Operation) && !e.Authenticate(r, m):
		e.Reject(w, r, &Rejection{Kind: RejectUnauthenticated, Match: m, Body: body})
	default:
		decoded, err := e.validator.ValidateBody(r.Context(), m, r, body, contract.DecodeOptions{StrictJSON: e.conf.StrictJSON})
		if err != nil {
			e.Reject(w, r, &Rejection{Kind: RejectInvalid, Match: m, Err: err, Body: body, Decoded: decoded})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body)) // read above: the handler's again, as the pipeline does
		e.handle(w, r, m, decoded)
	}
}

// handle applies a valid request.
func (e *Engine) handle(w http.ResponseWriter, r *http.Request, m *contract.Match, decoded contract.Body) {
	if ps := e.repeatedQuery(r, m); len(ps) > 0 {
		e.answer(w, r, m, ps)
		return
	}
	mo := e.ops[m.OperationID()]
	switch {
	case mo.Read != nil && mo.Read.Select:
		e.handleSelect(w, r, m, nil)
		return
	case mo.Serve != "":
		raw, _ := io.ReadAll(r.Body) // the pipeline's copy, in memory
		e.serveAdapter(w, r, m, mo.Serve, raw, nil, decoded)
		return
	case mo.Read != nil:
		e.read(w, r, m, mo.Read)
		return
	case mo.Batch != nil:
		e.handleBatch(w, r, m, mo.Batch, decoded.Value)
		return
	}
	op := mo.Update
	if op.Select {
		e.handleSelect(w, r, m, decoded.Value)
		return
	}
	coll := e.conf.Collections[op.Collection]
	recordSchema := e.schema(coll.Schema)
	// An update applies what the request's schema declares and the record can hold; other
	// properties of the body are ignored, as kin-openapi's validation ignores them.
	body, _ := decoded.Value.(map[string]any)
	reqSchema := requestSchema(m.Route.Operation, r.Header.Get("Content-Type"))
	plan := updatePlanOf(recordSchema, reqSchema)
	// The decoded body is this call's alone: it becomes the changes, in place, rather than
	// being copied into a map of its own.
	changes := body
	if changes == nil {
		changes = map[string]any{}
	}
	for name, v := range changes {
		if p, ok := plan[name]; ok {
			changes[name] = canonical(p.record, v)
		} else {
			delete(changes, name)
		}
	}
	key := e.recordKey(r, m, op)

	e.mu.Lock()
	defer e.mu.Unlock()
	stored, ok := e.cur.data[op.Collection][key]
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
		if p, ok := plan[name]; ok && p.implied {
			continue // validated with the request
		}
		rs := recordSchema.Properties[name].Value
		if impliedBy(rs, reqSchema.Properties[name].Value) {
			continue // validated with the request
		}
		if !contract.Conforms(rs, v) {
			e.logger.Error("the request schema takes a value the record schema refuses; fix the spec", "property", name, "error", rs.VisitJSON(v))
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
	key := e.recordKey(r, m, op)
	e.mu.Lock()
	stored, ok := e.cur.data[op.Collection][key]
	e.mu.Unlock()
	if !ok {
		e.answer(w, r, m, []Problem{{Cond: specs.Condition{On: specs.OnNotFound}}})
		return
	}
	// Records are replaced, never changed in place (dataset), so stored may be rendered unlocked.
	e.answerRecord(w, r, m, recordSchema, stored)
}

// recordKey is the key of the record the operation's parameter names (a path parameter, else a
// query parameter: iovox's contact_id), canonical as the parameter's schema types it ("007" and 7
// name the same integer key).
func (e *Engine) recordKey(r *http.Request, m *contract.Match, op *specs.MockUpdate) string {
	key, in := m.PathParams[op.Param], openapi3.ParameterInPath
	if m.Route.Operation.Parameters.GetByInAndName(in, op.Param) == nil {
		key, in = firstOf(m.Query(r, op.Param)), openapi3.ParameterInQuery
	}
	if p := m.Route.Operation.Parameters.GetByInAndName(in, op.Param); p != nil && p.Schema != nil {
		key = keyOf(canonical(p.Schema.Value, key))
	}
	return key
}

// firstOf is the first of vs, "" when there is none.
func firstOf(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
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
		if _, ok := e.cur.data[ref.collection][keyOf(v)]; !ok {
			return &Problem{Cond: specs.Condition{On: specs.OnReference, Field: ref.property}, Field: ref.property, Args: map[string]string{ref.property: keyOf(v)}}
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
	mt := firstMediaType(resp)
	s := resp.Content[mt].Schema
	if s == nil || s.Value == nil {
		e.writeAnswer(w, mt, status, nil, rec)
		return
	}
	if isXML(mt) {
		// An XML answer may hold the record inside a wrapper (iovox's response > results >
		// result): the record goes where the answer's schema has the record's schema.
		v, ok := placeRecord(s.Value, recordSchema, rec)
		if !ok {
			e.logger.Error("the success answer's schema holds no record of the collection; fix the spec", "operation", m.OperationID())
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		e.writeAnswer(w, mt, status, s.Value, v)
		return
	}
	if s.Value == recordSchema {
		vouchForAnswer(r.Context())
	}
	buf := answerBufs.Get().(*[]byte)
	body := appendRecord((*buf)[:0], s.Value, rec)
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) // a ResponseWriter does not keep the slice it is given
	if cap(body) <= maxPooledBuffer {
		*buf = body[:0]
		answerBufs.Put(buf)
	}
}

// placeRecord is rec in the shape of the answer schema s: rec itself where s is the record's
// schema, else inside the first property (by name) or array item of s that holds that schema
// somewhere below; false when nothing does.
func placeRecord(s, record *openapi3.Schema, rec map[string]any) (any, bool) {
	switch {
	case s == record:
		return project(s, rec), true
	case s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil:
		if v, ok := placeRecord(s.Items.Value, record, rec); ok {
			return []any{v}, true
		}
	default:
		for _, name := range sortedProperties(s) {
			if p := s.Properties[name]; p != nil && p.Value != nil {
				if v, ok := placeRecord(p.Value, record, rec); ok {
					return map[string]any{name: v}, true
				}
			}
		}
	}
	return nil, false
}

// answerBufs are buffers for rendering answers, each written out before it is put back.
var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func successResponse(op *openapi3.Operation) (int, *openapi3.Response) {
	if s, ok := successes.Load(op); ok {
		s := s.(success)
		return s.status, s.resp
	}
	s := success{status: http.StatusOK}
	for code := 200; code < 300; code++ {
		if ref := op.Responses.Status(code); ref != nil {
			s = success{code, ref.Value}
			break
		}
	}
	successes.Store(op, s)
	return s.status, s.resp
}

type success struct {
	status int
	resp   *openapi3.Response
}

// successes are the success answers of the operations served so far: the specs' operations are
// shared and never change (specs.Shared), and finding one took up to a hundred lookups.
var successes sync.Map // *openapi3.Operation -> success

var firstMediaTypes sync.Map // *openapi3.Response -> string

// firstMediaType is the first of resp's media types by name, the one a record is rendered in.
func firstMediaType(resp *openapi3.Response) string {
	if mt, ok := firstMediaTypes.Load(resp); ok {
		return mt.(string)
	}
	mt := slices.Sorted(maps.Keys(resp.Content))[0]
	firstMediaTypes.Store(resp, mt)
	return mt
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

// keyOf is the text of a record key (or of a flag): fmt.Sprint's, without its cost for strings and
// integers.
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
	e.cur = e.fixtures.clone()
	e.reindex()
	if e.adapter.Reset != nil {
		e.adapter.Reset()
	}
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
		e.fixtures, e.cur = d, d.clone()
		e.reindex()
		if e.adapter.Reset != nil {
			e.adapter.Reset()
		}
	}, nil
}

// LoadFixtures replaces the records and the adapter's sections with the fixtures document raw
// (what PUT /_admin/fixtures carries for this vendor), or changes nothing and says why.
func (e *Engine) LoadFixtures(raw json.RawMessage) error {
	install, err := e.PrepareFixtures(raw)
	if err != nil {
		return err
	}
	install()
	return nil
}

// State implements Backend: every collection's records in key order, rendered from their schemas,
// and the adapter's sections.
func (e *Engine) State() any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]any{}
	if e.cur.extra != nil {
		maps.Copy(out, e.cur.extra.Clone().Sections())
	}
	for name, coll := range e.conf.Collections {
		s := e.schema(coll.Schema)
		recs := []map[string]any{}
		for _, key := range e.sortedKeys(coll, e.cur.data[name]) {
			rec := project(s, e.cur.data[name][key])
			for prop := range coll.Private {
				if v, ok := e.cur.data[name][key][prop]; ok {
					rec[prop] = v
				}
			}
			recs = append(recs, deepCopy(rec).(map[string]any))
		}
		out[name] = recs
	}
	return out
}

// deepCopy copies decoded JSON values, so that State's caller cannot change the records (arrays
// are shared between a record and its next version).
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, y := range x {
			out[k] = deepCopy(y)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = deepCopy(y)
		}
		return out
	}
	return v
}

// sortedKeys orders keys by text when the key is one property that is no integer, else part by
// part, numerically where both parts are integers (compareKeys).
func (e *Engine) sortedKeys(coll specs.MockCollection, recs map[string]map[string]any) []string {
	keys := slices.Collect(maps.Keys(recs))
	if props := coll.KeyProperties(); len(props) == 1 && !e.schema(coll.Schema).Properties[props[0]].Value.Type.Is(openapi3.TypeInteger) {
		slices.Sort(keys)
		return keys
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// compareKeyPart orders two parts of keys numerically when both are integers, else by text.
func compareKeyPart(a, b string) int {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		return cmp.Compare(na, nb) // na-nb would overflow at the int64 extremes
	}
	return strings.Compare(a, b)
}

// parseFixtures checks a fixtures file whole: a JSON object of collections, each record valid
// against its collection's schema with no property the record lacks (a misspelt key would
// otherwise vanish), required properties present, keys unique, references resolved; then the
// adapter's sections and rules (Adapter.Fixtures).
func (e *Engine) parseFixtures(raw []byte) (state, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrFixtures, e.vendor, fmt.Sprintf(format, args...))
	}
	names := slices.Sorted(maps.Keys(e.conf.Collections))
	shape := `want a JSON object {"` + strings.Join(names, `": [...], "`) + `": [...]}`
	dec := json.NewDecoder(bytes.NewReader(raw))
	var sections map[string]json.RawMessage
	if start := bytes.TrimLeft(raw, " \t\r\n"); len(start) == 0 || start[0] != '{' {
		return state{}, fail("%s", shape)
	}
	if err := dec.Decode(&sections); err != nil {
		return state{}, fail("%s: %v", shape, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return state{}, fail("data after the fixtures object")
	}
	file := map[string][]any{}
	others := map[string]json.RawMessage{}
	for name, section := range sections {
		if _, ok := e.conf.Collections[name]; !ok {
			if e.adapter.Fixtures == nil {
				return state{}, fail("unknown collection %q (%s)", name, strings.Join(names, ", "))
			}
			others[name] = section
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(section))
		dec.UseNumber()
		var recs []any
		if err := dec.Decode(&recs); err != nil {
			return state{}, fail("%s: want an array of records: %v", name, err)
		}
		file[name] = recs
	}
	d := dataset{}
	for _, name := range names {
		d[name] = map[string]map[string]any{}
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
				return state{}, fail("%s: not a JSON object", where)
			}
			for _, prop := range slices.Sorted(maps.Keys(obj)) {
				if _, ok := e.stored[name][prop]; !ok {
					return state{}, fail("%s: unknown property %q", where, prop)
				}
			}
			for _, prop := range append(coll.KeyProperties(), coll.Required...) {
				if _, ok := obj[prop]; !ok {
					return state{}, fail("%s: missing %s", where, prop)
				}
			}
			if err := s.VisitJSON(obj); err != nil {
				return state{}, fail("%s: %s", where, e.describe(s, err))
			}
			rec := make(map[string]any, len(obj))
			for prop, v := range obj {
				ps := s.Properties[prop]
				if ps == nil { // private (e.stored checked the name)
					ps = coll.Private[prop]
					if err := ps.Value.VisitJSON(v); err != nil {
						return state{}, fail("%s: %s: %s", where, prop, firstLine(err.Error()))
					}
				}
				rec[prop] = canonical(ps.Value, v)
			}
			for _, k := range coll.KeyProperties() {
				if rec[k] == nil {
					return state{}, fail("%s: no %s", where, k)
				}
			}
			key := recordKey(coll, rec)
			if _, dup := d[name][key]; dup {
				return state{}, fail("%s: %s %s given twice", where, coll.Key, key)
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
				ps := s.Properties[prop]
				if ps == nil {
					ps = coll.Private[prop]
				}
				ref, _ := ps.Value.Extensions[specs.ExtMockRef].(string)
				if v := rec[prop]; ref != "" && v != nil {
					if _, ok := d[ref][keyOf(v)]; !ok {
						return state{}, fail("%s[%d] (%s %s): %s %s is not among the %s", name, i, coll.Key, key, prop, keyOf(v), ref)
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
					return state{}, fail("%s[%d] (%s %s): %v", name, i, coll.Key, key, err)
				}
			}
		}
	}
	st := state{data: d}
	if e.adapter.Fixtures != nil {
		extra, err := e.adapter.Fixtures(others, d)
		if err != nil {
			return state{}, fail("%v", err)
		}
		st.extra = extra
	}
	return st, nil
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
	p := e.schemaProblem(s, nil, ptr, se.SchemaField, se.Reason, contract.Body{})
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
