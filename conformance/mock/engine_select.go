package mock

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// This file holds what the engine does for operations whose x-mock update selects several records
// (update.select), the request checks and events adapters add, and the indexes records are looked
// up by. See the package documentation, "The engine".

// Check is a routed request as an adapter's Check hook sees it: on every request that reaches
// the operation, valid or refused, so that the page's own checks are ranked with the spec's.
type Check struct {
	Operation string
	Op        *openapi3.Operation
	// Params are the path parameters as sent.
	Params map[string]string
	// Query is the request's query, RawQuery as sent.
	Query    url.Values
	RawQuery string
	// Body is the decoded body once it passed validation; nil when the request is refused.
	Body map[string]any
}

// Selection is a select update the engine is about to apply (update.select in x-mock): the
// adapter chooses the records among the parent's and may change or refuse Changes.
type Selection struct {
	Check
	// Principal is what the adapter's Credential hook returned for the request's credentials.
	Principal any
	// Parent is the record the path names (update.parent); read only.
	Parent map[string]any
	// Changes are the body's properties the records' schema has, minus keys and derived
	// properties; the adapter may change them.
	Changes map[string]any
	// Read: the operation reads the records chosen (x-mock read with select) and changes
	// nothing; choosing none is no failure.
	Read bool

	e    *Engine
	coll string
	key  string // the parent's key
}

// Plan is the adapter's answer to a Selection: the records to update, in the order answered,
// and the events to record once they are updated.
type Plan struct {
	Keys   []string
	Events []Event
}

// Find returns the keys, in key order, of the parent's records whose property path holds value:
// for an object path ("Values/*") the member named member. It costs the same whatever the number
// of records, through the index the collection declares on [parent property, path]; hash
// collisions are the caller's to rule out, by reading the records (Record).
func (s *Selection) Find(path, member string, value any) []string {
	x := s.e.x.collections[s.coll]
	op := s.e.ops[s.Operation].Record()
	parentProp := op.Parent.Property
	for _, ix := range x.indexes {
		if len(ix.paths) == 2 && ix.paths[0] == parentProp && ix.paths[1] == path {
			h := ix.hash([]any{s.Parent[s.e.conf.Collections[op.Parent.Collection].Key], member, value})
			var keys []string
			for _, id := range ix.lookup(h) {
				key := x.keys[id]
				if rec := s.e.cur.data[s.coll][key]; rec != nil && keyOf(rec[parentProp]) == s.key {
					keys = append(keys, key)
				}
			}
			slices.SortFunc(keys, compareKeys)
			return keys
		}
	}
	s.e.logger.Error("no index serves this lookup; declare it in x-mock", "collection", s.coll, "path", path)
	return nil
}

// Record is the stored record of the selection's collection with key; read only.
func (s *Selection) Record(key string) map[string]any { return s.e.cur.data[s.coll][key] }

// extension is the engine's state for select updates, indexes and events.
type extension struct {
	collections map[string]*indexed // collections with indexes
	events      []Event
	maxEvents   int
	errorTypes  []string // media types error answers declare, for unrouted requests
}

// indexed is a collection's indexes and the small ids its records have in them.
type indexed struct {
	indexes []*index
	ids     map[string]uint32 // record key -> id
	keys    []string          // id -> record key ("" when free)
	free    []uint32
}

// index maps the hash of an indexed value to the records holding it. Most values are held by
// one record, which costs one map entry; the others move to many.
type index struct {
	paths []string
	seed  maphash.Seed
	one   map[uint64]uint32
	many  map[uint64][]uint32
}

func (e *Engine) initExtension() error {
	e.x = &extension{collections: map[string]*indexed{}, maxEvents: e.conf.MaxEvents}
	if e.x.maxEvents <= 0 {
		e.x.maxEvents = 10_000
	}
	for name, coll := range e.conf.Collections {
		if len(coll.Indexes) == 0 {
			continue
		}
		x := &indexed{}
		for _, paths := range coll.Indexes {
			for i, p := range paths {
				if strings.HasSuffix(p, "/*") && i != len(paths)-1 {
					return fmt.Errorf("collection %s: index %v: only the last path may name every member (/*)", name, paths)
				}
			}
			x.indexes = append(x.indexes, &index{paths: paths, seed: maphash.MakeSeed()})
		}
		e.x.collections[name] = x
	}
	for id, mo := range e.ops {
		u := mo.Record()
		if u == nil { // a batch
			continue
		}
		if !u.Select {
			if u.Parent != nil || u.Answer != "" {
				return fmt.Errorf("operation %s: parent and answer need select", id)
			}
			continue
		}
		if u.Parent == nil {
			return fmt.Errorf("operation %s: a select update or read needs its parent", id)
		}
		if _, ok := e.conf.Collections[u.Parent.Collection]; !ok {
			return fmt.Errorf("operation %s: no collection %q", id, u.Parent.Collection)
		}
		if e.adapter.Select == nil {
			return fmt.Errorf("operation %s: a select update or read needs the adapter's Select", id)
		}
	}
	for _, op := range specs.Operations(e.doc) {
		for code, ref := range op.Operation.Responses.Map() {
			if strings.HasPrefix(code, "2") || ref.Value == nil {
				continue
			}
			for mt, media := range ref.Value.Content {
				if media.Schema != nil && media.Schema.Value == e.schema(e.conf.Errors.Schema) && !slices.Contains(e.x.errorTypes, mt) {
					e.x.errorTypes = append(e.x.errorTypes, mt)
				}
			}
		}
	}
	slices.Sort(e.x.errorTypes)
	return nil
}

// reindex rebuilds every index from e.cur.data (after a reset or new fixtures) and forgets events.
func (e *Engine) reindex() {
	e.x.events = nil
	for name, x := range e.x.collections {
		x.ids, x.keys, x.free = make(map[string]uint32, len(e.cur.data[name])), make([]string, 0, len(e.cur.data[name])), nil
		for _, ix := range x.indexes {
			ix.one, ix.many = map[uint64]uint32{}, map[uint64][]uint32{}
		}
		for _, key := range e.sortedKeys(e.conf.Collections[name], e.cur.data[name]) {
			id := uint32(len(x.keys))
			x.ids[key] = id
			x.keys = append(x.keys, key)
			for _, ix := range x.indexes {
				ix.each(e.cur.data[name][key], func(h uint64) { ix.add(h, id) })
			}
		}
	}
}

// put stores rec under key (nil: removes the record), keeping the collection's indexes up to
// date: only the entries of values that changed are touched.
func (e *Engine) put(coll, key string, rec map[string]any) {
	old := e.cur.data[coll][key]
	if rec == nil {
		delete(e.cur.data[coll], key)
	} else {
		e.cur.data[coll][key] = rec
	}
	x := e.x.collections[coll]
	if x == nil {
		return
	}
	if rec == nil {
		id, ok := x.ids[key]
		if !ok {
			return
		}
		for _, ix := range x.indexes {
			if old != nil {
				ix.each(old, func(h uint64) { ix.remove(h, id) })
			}
		}
		delete(x.ids, key)
		x.keys[id] = ""
		x.free = append(x.free, id)
		return
	}
	id, ok := x.ids[key]
	if !ok {
		if n := len(x.free); n > 0 {
			id, x.free = x.free[n-1], x.free[:n-1]
			x.keys[id] = key
		} else {
			id = uint32(len(x.keys))
			x.keys = append(x.keys, key)
		}
		x.ids[key] = id
	}
	for _, ix := range x.indexes {
		if old != nil && ix.unchanged(old, rec) {
			continue // a new version usually leaves the indexed values as they were
		}
		ix.replace(id, old, rec)
	}
}

// replaceMembers is replace for an index on an object's members (Which50's custom values) when
// only members changed: the entries of the members whose value changed move, the others stay
// (an update usually sets one or two of many). It reports false, doing nothing, when ix is not
// such an index or a path before the members changed.
func (ix *index) replaceMembers(id uint32, old, rec map[string]any) bool {
	last := len(ix.paths) - 1
	obj, members := strings.CutSuffix(ix.paths[last], "/*")
	if !members {
		return false
	}
	prefix := make([]any, 0, last+2)
	for _, p := range ix.paths[:last] {
		if !same(old[p], rec[p]) {
			return false
		}
		prefix = append(prefix, rec[p])
	}
	was, _ := old[obj].(map[string]any)
	now, _ := rec[obj].(map[string]any)
	for name, v := range was {
		if w, ok := now[name]; !ok || !same(v, w) {
			ix.remove(ix.hash(append(prefix, name, v)), id)
		}
	}
	for name, w := range now {
		if v, ok := was[name]; !ok || !same(v, w) {
			ix.add(ix.hash(append(prefix, name, w)), id)
		}
	}
	return true
}

// same reports whether a and b are the same scalar or the same object (one map: a new version
// shares what it does not change, as Which50's custom values' nested objects); a value of any
// other kind is never the same (it is then taken as changed).
func same(a, b any) bool {
	switch x := a.(type) {
	case nil, string, bool, int64, float64, json.Number:
		return a == b // comparable: a's dynamic type is
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	}
	return false
}

// unchanged reports whether rec holds what old holds on every path of ix: the same scalar, or
// the same object (a new version is a copy of the old one, sharing what it does not change).
// Anything else counts as changed.
func (ix *index) unchanged(old, rec map[string]any) bool {
	for _, p := range ix.paths {
		obj, members := strings.CutSuffix(p, "/*")
		if !members {
			if !same(old[p], rec[p]) {
				return false
			}
			continue
		}
		a, okA := old[obj].(map[string]any)
		b, okB := rec[obj].(map[string]any)
		if okA != okB || okA && reflect.ValueOf(a).UnsafePointer() != reflect.ValueOf(b).UnsafePointer() {
			return false
		}
	}
	return true
}

// smallEntries is how many entries of one record an index compares in a list rather than a set.
const smallEntries = 16

// replace moves record id's entries in ix from those of old (nil: none) to those of rec: entries
// both have stay, the others are removed or added.
func (ix *index) replace(id uint32, old, rec map[string]any) {
	if old != nil && ix.replaceMembers(id, old, rec) {
		return
	}
	// The old entries, each once; a record has one per index but for an index on an object's
	// members (Which50's custom values), so a short list usually holds them.
	var small [smallEntries]uint64
	before := small[:0]
	var set map[uint64]bool
	if old != nil {
		ix.each(old, func(h uint64) {
			switch {
			case set != nil:
				set[h] = true
			case slices.Contains(before, h):
			case len(before) < smallEntries:
				before = append(before, h)
			default:
				set = map[uint64]bool{h: true}
				for _, b := range before {
					set[b] = true
				}
			}
		})
	}
	if set != nil {
		ix.each(rec, func(h uint64) {
			if set[h] {
				delete(set, h)
			} else {
				ix.add(h, id)
			}
		})
		for h := range set {
			ix.remove(h, id)
		}
		return
	}
	ix.each(rec, func(h uint64) {
		if i := slices.Index(before, h); i >= 0 {
			before = slices.Delete(before, i, i+1)
		} else {
			ix.add(h, id)
		}
	})
	for _, h := range before {
		ix.remove(h, id)
	}
}

// each calls f with the hash of every entry rec has in the index: one, or one per member of the
// object its last path names.
func (ix *index) each(rec map[string]any, f func(uint64)) {
	parts := make([]any, 0, len(ix.paths)+1)
	for _, p := range ix.paths {
		if obj, ok := strings.CutSuffix(p, "/*"); ok {
			members, _ := rec[obj].(map[string]any)
			for name, v := range members {
				f(ix.hash(append(parts, name, v)))
			}
			return
		}
		parts = append(parts, rec[p])
	}
	f(ix.hash(parts))
}

// hash hashes values by their JSON text, so that an int64 and a float64 of the same number, as
// records and lookups may hold them, hash alike.
func (ix *index) hash(parts []any) uint64 {
	var h maphash.Hash
	h.SetSeed(ix.seed)
	var text [64]byte // a value's text, on the stack unless it is longer
	buf := text[:0]
	for _, p := range parts {
		buf = appendValue(buf[:0], p)
		h.Write(buf)
		h.WriteByte(0)
	}
	return h.Sum64()
}

func (ix *index) add(h uint64, id uint32) {
	if ids, ok := ix.many[h]; ok {
		ix.many[h] = append(ids, id)
		return
	}
	if first, ok := ix.one[h]; ok {
		delete(ix.one, h)
		ix.many[h] = []uint32{first, id}
		return
	}
	ix.one[h] = id
}

func (ix *index) remove(h uint64, id uint32) {
	if first, ok := ix.one[h]; ok && first == id {
		delete(ix.one, h)
		return
	}
	ids := ix.many[h]
	if i := slices.Index(ids, id); i >= 0 {
		ids = slices.Delete(ids, i, i+1)
		switch len(ids) {
		case 1:
			delete(ix.many, h)
			ix.one[h] = ids[0]
		case 0:
			delete(ix.many, h)
		default:
			ix.many[h] = ids
		}
	}
}

func (ix *index) lookup(h uint64) []uint32 {
	if id, ok := ix.one[h]; ok {
		return []uint32{id}
	}
	return ix.many[h]
}

// check runs the adapter's Check hook, if any.
func (e *Engine) check(r *http.Request, m *contract.Match, body map[string]any) []Problem {
	if e.adapter.Check == nil || m == nil {
		return nil
	}
	c := newCheck(r, m, body)
	return e.adapter.Check(&c)
}

func newCheck(r *http.Request, m *contract.Match, body map[string]any) Check {
	return Check{Operation: m.OperationID(), Op: m.Route.Operation, Params: m.PathParams,
		Query: r.URL.Query(), RawQuery: r.URL.RawQuery, Body: body}
}

// handleSelect applies a valid request to a select update: the parent must exist, the adapter
// chooses the records and may refuse; every chosen record gets the whole update under one lock,
// and the answer lists them.
//
// A select read (x-mock read with select) changes nothing: it answers the chosen records whole,
// rendered from the items of its success answer's schema.
func (e *Engine) handleSelect(w http.ResponseWriter, r *http.Request, m *contract.Match, value any) {
	mo := e.ops[m.OperationID()]
	op := mo.Record()
	coll := e.conf.Collections[op.Collection]
	recordSchema := e.schema(coll.Schema)
	body, _ := value.(map[string]any)
	chk := newCheck(r, m, body) // the query parsed once, for the check and the selection
	if e.adapter.Check != nil {
		if ps := e.adapter.Check(&chk); len(ps) > 0 {
			e.answer(w, r, m, ps)
			return
		}
	}
	reqSchema := requestSchema(m.Route.Operation, r.Header.Get("Content-Type"))
	fixed := append(coll.KeyProperties(), coll.Derived...)
	changes := map[string]any{}
	for name, v := range body {
		if s := recordSchema.Properties[name]; s != nil && s.Value != nil && reqSchema != nil && reqSchema.Properties[name] != nil && !slices.Contains(fixed, name) {
			changes[name] = canonical(s.Value, v)
		}
	}
	parentKey := m.PathParams[op.Parent.Param]
	if p := m.Route.Operation.Parameters.GetByInAndName(openapi3.ParameterInPath, op.Parent.Param); p != nil && p.Schema != nil {
		parentKey = keyOf(canonical(p.Schema.Value, parentKey))
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	parent, ok := e.cur.data[op.Parent.Collection][parentKey]
	if !ok {
		e.answer(w, r, m, []Problem{{Cond: specs.Condition{On: specs.OnNotFound}}})
		return
	}
	sel := &Selection{Check: chk,
		Principal: e.principal(r, m), Parent: parent, Changes: changes, Read: mo.Read != nil, e: e, coll: op.Collection, key: parentKey}
	plan, p := e.adapter.Select(sel)
	if p != nil {
		e.answer(w, r, m, []Problem{*p})
		return
	}
	if sel.Read {
		e.answerRecords(w, r, m, recordSchema, op.Collection, plan.Keys)
		return
	}
	answer := make([]any, 0, len(plan.Keys))
	for _, key := range plan.Keys {
		stored := e.cur.data[op.Collection][key]
		if stored == nil {
			e.logger.Error("the adapter selected a record that does not exist", "key", key)
			continue
		}
		next := maps.Clone(stored)
		for name, v := range sel.Changes {
			old, isMap := stored[name].(map[string]any)
			add, addMap := v.(map[string]any)
			if slices.Contains(op.Merge, name) && isMap && addMap {
				merged := make(map[string]any, len(old)+len(add))
				maps.Copy(merged, old)
				maps.Copy(merged, add)
				v = merged
			}
			next[name] = v
		}
		e.put(op.Collection, key, next)
		answer = append(answer, next[op.Answer])
	}
	for _, ev := range plan.Events {
		e.record(ev)
	}
	status, resp := successResponse(m.Route.Operation)
	if resp == nil || len(resp.Content) == 0 {
		w.WriteHeader(status)
		return
	}
	e.writeValue(w, r, status, resp.Content, answer)
}

// answerRecords answers the records of coll with keys, in that order, each in the shape of the
// record schema (a select read).
func (e *Engine) answerRecords(w http.ResponseWriter, r *http.Request, m *contract.Match, recordSchema *openapi3.Schema, coll string, keys []string) {
	answer := make([]any, 0, len(keys))
	for _, key := range keys {
		if stored := e.cur.data[coll][key]; stored != nil {
			answer = append(answer, project(recordSchema, stored))
		}
	}
	status, resp := successResponse(m.Route.Operation)
	if resp == nil || len(resp.Content) == 0 {
		w.WriteHeader(status)
		return
	}
	e.writeValue(w, r, status, resp.Content, answer)
}

// record keeps an event, dropping the oldest past x-mock's maxEvents.
func (e *Engine) record(ev Event) {
	if len(e.x.events) >= e.x.maxEvents {
		e.x.events = slices.Delete(e.x.events, 0, len(e.x.events)-e.x.maxEvents+1)
	}
	e.x.events = append(e.x.events, ev)
}

// Events implements Backend: the events adapters recorded since the last reset, oldest first.
func (e *Engine) Events() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Event, len(e.x.events))
	for i, ev := range e.x.events {
		out[i] = Event{Kind: ev.Kind, Detail: maps.Clone(ev.Detail)}
	}
	return out
}

// principal is what the adapter's Credential hook says of the request's credentials.
func (e *Engine) principal(r *http.Request, m *contract.Match) any {
	if e.adapter.Credential == nil {
		return nil
	}
	reqs := e.doc.Security
	if m != nil && m.Route.Operation.Security != nil {
		reqs = *m.Route.Operation.Security
	}
	for _, req := range reqs {
		for name := range req {
			if ref := e.doc.Components.SecuritySchemes[name]; ref != nil && ref.Value != nil {
				if secret, ok := presented(r, ref.Value); ok {
					if p, ok := e.adapter.Credential(name, secret); ok {
						return p
					}
				}
			}
		}
	}
	return nil
}

// compareKeys orders record keys part by part ("3/10" after "3/9"), numerically where both parts
// are integers.
func compareKeys(a, b string) int {
	for {
		pa, ra, moreA := strings.Cut(a, "/")
		pb, rb, moreB := strings.Cut(b, "/")
		if c := compareKeyPart(pa, pb); c != 0 {
			return c
		}
		if !moreA || !moreB {
			return boolCompare(moreA, moreB)
		}
		a, b = ra, rb
	}
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// recordKey is the key of rec in a collection: its key properties' values joined by "/".
func recordKey(coll specs.MockCollection, rec map[string]any) string {
	props := coll.KeyProperties()
	if len(props) == 1 {
		return keyOf(rec[props[0]])
	}
	parts := make([]string, len(props))
	for i, p := range props {
		parts[i] = keyOf(rec[p])
	}
	return strings.Join(parts, "/")
}
