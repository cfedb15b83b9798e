package mock

import (
	"cmp"
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// handleBatch applies a valid batch (x-mock batch): judged and written under one lock, all or
// nothing.
func (e *Engine) handleBatch(w http.ResponseWriter, r *http.Request, m *contract.Match, op *specs.MockBatch, value any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ps := e.judgeBatch(m, op, value)
	if len(ps) > 0 {
		e.answer(w, r, m, ps)
		return
	}
	if b != nil {
		e.applyBatch(op, b)
	}
	status, _ := successResponse(m.Route.Operation)
	w.WriteHeader(status)
}

// judgeBatch judges every item of a batch body against the stored records and returns the batch
// to apply with every fault found: items naming no record (not-found), a record named twice or
// keys that would not be unique after the renames (duplicate), and what the adapter's Item and
// Batch rules refuse. value may have failed its schema: only what can be read is judged. The
// caller holds e.mu.
func (e *Engine) judgeBatch(m *contract.Match, op *specs.MockBatch, value any) (*Batch, []Problem) {
	body, _ := value.(map[string]any)
	if body == nil {
		return nil, nil
	}
	items, _ := body[op.Items].([]any)
	coll := e.conf.Collections[op.Collection]
	records := e.cur.data[op.Collection]
	b := &Batch{Operation: m.OperationID(), Body: body, Total: len(items), Records: records, Extra: e.cur.extra, record: e.record, e: e, coll: op.Collection}
	replace := op.Lists == nil || keyOf(body[op.Lists.Flag]) == op.Lists.Replace
	var ps []Problem
	positioned := func(p Problem, item int) Problem {
		if p.Item == 0 {
			p.Item = item
		}
		if p.Item > 0 {
			p.Total = len(items)
		}
		return p
	}
	inBatch := map[string]bool{}
	duplicate := false
	for i, raw := range items {
		sent, ok := raw.(map[string]any)
		if !ok {
			continue // the schema's failure says so
		}
		u := &Update{Operation: b.Operation, Item: i + 1, Total: len(items), Sent: sent}
		u.Key = e.itemKey(coll, sent[coll.Key])
		if u.Key != "" {
			u.Stored = records[u.Key]
		}
		u.Changes = e.batchChanges(op, coll, sent, len(u.Stored))
		if e.adapter.Item != nil {
			for _, p := range e.adapter.Item(u) {
				ps = append(ps, positioned(p, u.Item))
			}
		}
		switch {
		case u.Key == "":
			continue // no key: the schema's failure says so
		case u.Stored == nil:
			ps = append(ps, positioned(Problem{Cond: specs.Condition{On: specs.OnNotFound}}, u.Item))
			continue
		case inBatch[u.Key]:
			duplicate = true
			continue
		}
		inBatch[u.Key] = true
		u.NewKey = u.Key
		if op.Rename != "" {
			if k := e.itemKey(coll, sent[op.Rename]); k != "" {
				u.NewKey = k
			}
		}
		u.Next, u.Cleared = e.merge(op, coll, u, replace)
		b.Items = append(b.Items, u)
	}
	// Keys stay unique after the batch: a rename onto a key that is kept, or two renames onto one
	// key, is a duplicate like the same key sent twice. Two records may swap keys. Only the keys
	// the items end with are counted: the check costs the batch, not the store.
	final := map[string]int{}
	for _, u := range b.Items {
		if _, stored := records[u.NewKey]; stored && !inBatch[u.NewKey] {
			final[u.NewKey]++ // kept by the batch under its own key
		}
		final[u.NewKey]++
		duplicate = duplicate || final[u.NewKey] > 1
	}
	if duplicate {
		ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnDuplicate}})
	}
	if e.adapter.Batch != nil {
		for _, p := range e.adapter.Batch(b) {
			ps = append(ps, positioned(p, 0))
		}
	}
	return b, ps
}

// itemKey is the text of a key sent in an item, "" when none can be read (absent, empty, a list).
func (e *Engine) itemKey(coll specs.MockCollection, v any) string {
	switch v.(type) {
	case string, json.Number, float64, int64:
		return keyOf(canonical(e.schema(coll.Schema).Properties[coll.Key].Value, v))
	}
	return ""
}

// batchChanges are the properties an item sends that its record stores, by the record's names:
// an alias (x-mock-alias) as the property it stands for, which wins when both are sent. The map
// has room for the record (stored properties), which merge makes of it.
func (e *Engine) batchChanges(op *specs.MockBatch, coll specs.MockCollection, sent map[string]any, storedLen int) map[string]any {
	s := e.schema(coll.Schema)
	changes := make(map[string]any, max(len(sent), storedLen))
	// Aliases in their sorted order, so that of two aliases sent for one property the same one
	// wins every time; the property itself, sent, wins over both.
	for _, name := range e.aliases[op.Collection] {
		if v, ok := sent[name]; ok {
			alias := s.Properties[name].Value.Extensions[specs.ExtMockAlias].(string)
			changes[alias] = canonical(s.Properties[alias].Value, v)
		}
	}
	stored := e.stored[op.Collection]
	for name, v := range sent {
		if ps, ok := stored[name]; ok && name != coll.Key {
			changes[name] = canonical(ps, v)
		}
	}
	return changes
}

// merge is the record u leaves: u.Changes applied to u.Stored as the batch says (an empty value
// clears under EmptyClears; an array is merged unless the flag asks to replace it, never holding
// a value twice), keyed by u.NewKey; and the properties sent empty that it no longer has. The
// record is made in u.Changes' map, which u no longer holds.
func (e *Engine) merge(op *specs.MockBatch, coll specs.MockCollection, u *Update, replace bool) (map[string]any, []string) {
	s := e.schema(coll.Schema)
	next := u.Changes
	u.Changes = nil
	var sentEmpty []string
	// Each change sets or deletes its own property, which the loop has read: their order does
	// not matter (cleared is sorted below).
	for name, v := range next {
		list, isList := v.([]any)
		if isList && unwrapAllOf(s.Properties[name].Value).Type.Is(openapi3.TypeArray) {
			if op.EmptyClears && slices.Contains(list, any("")) {
				list = slices.DeleteFunc(slices.Clone(list), func(x any) bool { return x == "" })
			}
			switch {
			case len(list) == 0 && op.EmptyClears:
				delete(next, name)
				sentEmpty = append(sentEmpty, name)
			case replace:
				next[name] = distinct(nil, list)
			default:
				old, _ := u.Stored[name].([]any)
				next[name] = distinct(old, list)
			}
			continue
		}
		if op.EmptyClears && v == "" {
			delete(next, name)
			sentEmpty = append(sentEmpty, name)
		}
	}
	// What the item leaves alone stays as stored.
	for name, v := range u.Stored {
		if _, changed := next[name]; !changed && !slices.Contains(sentEmpty, name) {
			next[name] = v
		}
	}
	next[coll.Key] = canonical(s.Properties[coll.Key].Value, u.NewKey)
	var cleared []string
	for _, name := range sentEmpty {
		if _, ok := next[name]; !ok {
			cleared = append(cleared, name)
		}
	}
	// In the schema's order (x-order), as the vendor's page lists the details; by name where
	// x-order does not say.
	slices.SortFunc(cleared, func(a, b string) int {
		return cmp.Or(cmp.Compare(xOrder(s.Properties[a].Value), xOrder(s.Properties[b].Value)), cmp.Compare(a, b))
	})
	return next, cleared
}

// xOrder is a property's x-order, properties without one last.
func xOrder(s *openapi3.Schema) float64 {
	if n, ok := s.Extensions["x-order"].(float64); ok {
		return n
	}
	return math.MaxFloat64
}

// distinct is old followed by the values of add it lacks, each once.
func distinct(old, add []any) []any {
	out := make([]any, 0, len(old)+len(add))
	for _, list := range [2][]any{old, add} {
		for _, v := range list {
			// DeepEqual: a value that failed its schema may be a map, which == would panic on.
			if !slices.ContainsFunc(out, func(x any) bool { return reflect.DeepEqual(x, v) }) {
				out = append(out, v)
			}
		}
	}
	return out
}

// applyBatch writes a judged batch: every record under its new key, then the adapter's own
// changes (Adapter.Applied). The caller holds e.mu.
func (e *Engine) applyBatch(op *specs.MockBatch, b *Batch) {
	// Through put, so that the collection's indexes follow; every old key goes first, since two
	// records may swap keys.
	for _, u := range b.Items {
		if u.NewKey != u.Key {
			e.put(op.Collection, u.Key, nil)
		}
	}
	for _, u := range b.Items {
		e.put(op.Collection, u.NewKey, u.Next)
	}
	if e.adapter.Applied != nil {
		e.adapter.Applied(b)
	}
}
