package mock

import (
	"bytes"
	"net/http"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
)

// Call is a request to an operation the adapter serves (x-mock serve): the adapter reads it as
// its page states and answers through the engine, which renders errors from the catalogue and
// records from the response schema. The engine's lock is held for the whole call, so the
// records it reads and writes stay consistent.
type Call struct {
	// Name is the operation's x-mock serve.
	Name string
	W    http.ResponseWriter
	R    *http.Request
	// Match is the routed operation.
	Match *contract.Match
	// Body is the request body as read (cut at the cap when Refused says it was too large).
	Body []byte
	// Refused is why the pipeline refused the request (too large, not UTF-8, invalid against
	// the spec); nil for a valid one.
	Refused *Rejection

	e       *Engine
	decoded contract.Body // the pipeline's reading of Body, if it read it
}

// serveAdapter hands a request to the adapter's Serve under the engine's lock.
func (e *Engine) serveAdapter(w http.ResponseWriter, r *http.Request, m *contract.Match, name string, body []byte, rej *Rejection, decoded contract.Body) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.adapter.Serve(&Call{Name: name, W: w, R: r, Match: m, Body: body, Refused: rej, e: e, decoded: decoded})
}

// serveRefused hands a refused request to the adapter when its operation is served by it and
// the refusal is about the request's content; it reports whether it did. A body that could not
// be read at all comes unrouted: it is routed here.
func (e *Engine) serveRefused(w http.ResponseWriter, r *http.Request, rej *Rejection) bool {
	m := rej.Match
	if m == nil && rej.Kind == RejectInvalid {
		m, _ = e.validator.Route(r)
	}
	if m == nil || !slices.Contains([]RejectKind{RejectTooLarge, RejectEncoding, RejectInvalid}, rej.Kind) {
		return false
	}
	name := e.ops[m.OperationID()].Serve
	if name == "" {
		return false
	}
	e.serveAdapter(w, r, m, name, rej.Body, rej, rej.Decoded)
	return true
}

// Refuse answers the request with the catalogue entry its problems map to (see Engine.answer).
func (c *Call) Refuse(ps ...Problem) { c.e.answer(c.W, c.R, c.Match, ps) }

// Record is the stored record of collection coll with key; nil when there is none. Read only.
func (c *Call) Record(coll, key string) map[string]any { return c.e.cur.data[coll][key] }

// Find returns the keys, in key order, of the records of coll whose property prop holds value,
// through the index the collection declares on [prop]; hash collisions are ruled out here.
func (c *Call) Find(coll, prop string, value any) []string { return c.e.find(coll, prop, value) }

// find is Call.Find. Without an index on [prop] (a spec that lost its x-mock indexes) it reads
// every record, so the answer stays right and only its cost grows with the store; the log says
// which index to declare.
func (e *Engine) find(coll, prop string, value any) []string {
	var wantText, gotText [64]byte // a value's text, on the stack unless it is longer
	want := appendValue(wantText[:0], value)
	holds := func(key string) bool {
		rec := e.cur.data[coll][key]
		return rec != nil && bytes.Equal(appendValue(gotText[:0], rec[prop]), want)
	}
	var keys []string
	if ix, x := e.indexOn(coll, prop); ix != nil {
		for _, id := range ix.lookup(ix.hash([]any{value})) {
			if key := x.keys[id]; holds(key) {
				keys = append(keys, key)
			}
		}
	} else {
		e.logger.Error("no index serves this lookup, so it reads every record; declare it in x-mock", "collection", coll, "property", prop)
		for key := range e.cur.data[coll] {
			if holds(key) {
				keys = append(keys, key)
			}
		}
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// indexOn is coll's index on [prop] and its collection's ids, nil when it declares none.
func (e *Engine) indexOn(coll, prop string) (*index, *indexed) {
	if x := e.x.collections[coll]; x != nil {
		for _, ix := range x.indexes {
			if slices.Equal(ix.paths, []string{prop}) {
				return ix, x
			}
		}
	}
	return nil, nil
}

// Put stores rec as the record of coll with key (a new version: never change a stored record in
// place).
func (c *Call) Put(coll, key string, rec map[string]any) { c.e.put(coll, key, rec) }

// Extra is the adapter's state beside the records (Adapter.Fixtures).
func (c *Call) Extra() Extra { return c.e.cur.extra }

// Answer answers rec rendered from the operation's success answer; a record of collection coll
// ("" for a value that is no record), whose answer the engine then vouches for (records are kept
// valid against their schema).
func (c *Call) Answer(coll string, rec map[string]any) {
	var s *openapi3.Schema
	if coll != "" {
		s = c.e.schema(c.e.conf.Collections[coll].Schema)
	}
	c.e.answerRecord(c.W, c.R, c.Match, s, rec)
}
