package mock

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// propertyNames caches each schema's property names, sorted: every answer is rendered in that
// order, and sorting them again per answer was a visible share of its cost.
var propertyNames sync.Map // *openapi3.Schema -> []string

func sortedProperties(s *openapi3.Schema) []string {
	if names, ok := propertyNames.Load(s); ok {
		return names.([]string)
	}
	names := slices.Sorted(maps.Keys(s.Properties))
	propertyNames.Store(s, names)
	return names
}

// appendRecord appends rec rendered in the shape of schema s as a JSON object (see project):
// properties in name order, as encoding/json orders a map, without building the map.
func appendRecord(out []byte, s *openapi3.Schema, rec map[string]any) []byte {
	out = append(out, '{')
	first := true
	for _, name := range sortedProperties(s) {
		v, ok := rec[name]
		if !ok {
			if ps := s.Properties[name]; ps.Value == nil || !ps.Value.Nullable {
				continue
			}
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = appendString(out, name)
		out = append(out, ':')
		out = appendValue(out, v)
	}
	return append(out, '}')
}

// appendValue appends a decoded JSON value as encoding/json would write it; a part it would not
// write (NaN, a channel) as null.
func appendValue(out []byte, v any) []byte {
	out, _ = appendJSON(out, v)
	return out
}

// appendJSON is appendValue, and whether encoding/json writes every part of v.
func appendJSON(out []byte, v any) ([]byte, bool) {
	ok, partOK := true, true
	switch x := v.(type) {
	case nil:
		return append(out, "null"...), true
	case bool:
		return strconv.AppendBool(out, x), true
	case string:
		return appendString(out, x), true
	case int64:
		return strconv.AppendInt(out, x, 10), true
	case json.Number:
		return append(out, x...), true
	case []any:
		out = append(out, '[')
		for i, item := range x {
			if i > 0 {
				out = append(out, ',')
			}
			out, partOK = appendJSON(out, item)
			ok = ok && partOK
		}
		return append(out, ']'), ok
	case map[string]any:
		out = append(out, '{')
		var buf [32]string // most objects' names sort here without a heap allocation
		keys := buf[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendString(out, k)
			out = append(out, ':')
			out, partOK = appendJSON(out, x[k])
			ok = ok && partOK
		}
		return append(out, '}'), ok
	}
	b, err := json.Marshal(v)
	if err != nil {
		return append(out, "null"...), false
	}
	return append(out, b...), true
}

// appendString appends s as a JSON string: plain printable ASCII as is, anything else escaped by
// encoding/json (which also escapes <, > and &).
func appendString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(out, b...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}

// implied caches, per pair of request and record property schemas, whether a value valid against
// the first is valid against the second: true when the two constrain alike (they differ only in
// descriptions, examples and extensions, as a request's and an answer's property usually do).
var implied sync.Map // [2]*openapi3.Schema -> bool

func impliedBy(record, request *openapi3.Schema) bool {
	key := [2]*openapi3.Schema{record, request}
	if v, ok := implied.Load(key); ok {
		return v.(bool)
	}
	a, errA := json.Marshal(constraints(record))
	b, errB := json.Marshal(constraints(request))
	same := errA == nil && errB == nil && string(a) == string(b)
	implied.Store(key, same)
	return same
}

// constraints is s without what does not constrain a value.
func constraints(s *openapi3.Schema) *openapi3.Schema {
	c := *s
	c.Description, c.Title, c.Example, c.Extensions = "", "", nil, nil
	c.ReadOnly, c.WriteOnly = false, false
	return &c
}

// updatePlan is what an update reads of its two schemas for each property both declare: the
// record's schema of it, and whether the request's schema implies it (impliedBy).
type updatePlan map[string]plannedProperty

type plannedProperty struct {
	record  *openapi3.Schema
	implied bool
}

var updatePlans sync.Map // [2]*openapi3.Schema{record, request} -> updatePlan

// updatePlanOf returns the plan of updates of a record schema by a request schema, made once:
// every update used to look each property up in both schemas two or three times.
func updatePlanOf(record, request *openapi3.Schema) updatePlan {
	key := [2]*openapi3.Schema{record, request}
	if p, ok := updatePlans.Load(key); ok {
		return p.(updatePlan)
	}
	plan := updatePlan{}
	if request != nil {
		for name, rs := range record.Properties {
			if q := request.Properties[name]; rs != nil && rs.Value != nil && q != nil {
				p := plannedProperty{record: rs.Value}
				if q.Value != nil {
					p.implied = impliedBy(rs.Value, q.Value)
				}
				plan[name] = p
			}
		}
	}
	updatePlans.Store(key, plan)
	return plan
}
