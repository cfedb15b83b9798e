package which50

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/contactapis/contactapis/conformance/mock"
)

// Sentinel errors of the store. They never reach the wire: the server maps each to the
// catalogue entry the spec gives for it (see errors.go).
var (
	ErrListNotFound = errors.New("contact list not found")
	ErrForbidden    = errors.New("credential has no rights to the contact list")
	ErrUnknownField = errors.New("property is not a field of the list's schema")
	ErrBadValue     = errors.New("value does not fit the field's type")
	ErrNoMatch      = errors.New("no contact matched")
)

// FieldType is the type of one field of a contact list's schema. Values are converted to it
// on the way in (spec discrepancy which50-values-types: conversion by the list's schema).
type FieldType string

const (
	FieldString  FieldType = "string"
	FieldInteger FieldType = "integer"
	FieldNumber  FieldType = "number"
	FieldBoolean FieldType = "boolean"
	// FieldObject takes any value; it is the type of the help page's sample fields, whose
	// values are `{}` (spec discrepancy which50-values-sample-empty-objects).
	FieldObject FieldType = "object"
)

func (t FieldType) valid() bool {
	switch t {
	case FieldString, FieldInteger, FieldNumber, FieldBoolean, FieldObject:
		return true
	}
	return false
}

// Field is one field of a contact list's schema.
type Field struct {
	Name string    `json:"name"`
	Type FieldType `json:"type"`
}

// maxEvents bounds the recorded Custom Events, oldest dropped first: a long fuzz or load run
// with `customevents` must not grow the mock without limit.
const maxEvents = 10_000

// idKey keys the hash that turns a contact's internal id into its encrypted id. It is fixed so
// that ids are stable across restarts, as the vendor's are.
var idKey = []byte("which50 mock: contact id key")

// encContactID is the encrypted id of contact id in list listID: a keyed hash, so it is stable,
// differs between lists, and reveals neither number.
func encContactID(listID, contactID int) string {
	h := hmac.New(sha256.New, idKey)
	fmt.Fprintf(h, "%d/%d", listID, contactID)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

type list struct {
	id       int
	name     string
	fields   []Field
	types    map[string]FieldType
	contacts []*contact // sorted by id
}

type contact struct {
	id    int
	encID string
	// values is replaced whole by an update and never changed in place, so a reader holding
	// the old map sees one consistent version.
	values map[string]any
}

// snapshot is a validated data set: what fixtures install and Reset restores. It is never
// changed after it is built.
type snapshot struct {
	lists []*list // sorted by id
}

// clone returns a store-owned copy of s.
func (s *snapshot) clone() map[int]*list {
	out := make(map[int]*list, len(s.lists))
	for _, l := range s.lists {
		c := &list{id: l.id, name: l.name, fields: l.fields, types: l.types, contacts: make([]*contact, len(l.contacts))}
		for i, ct := range l.contacts {
			c.contacts[i] = &contact{id: ct.id, encID: ct.encID, values: ct.values}
		}
		out[l.id] = c
	}
	return out
}

// store is the mock's state: contact lists and the Custom Events run on their contacts.
type store struct {
	mu     sync.Mutex
	lists  map[int]*list
	events []mock.Event
}

func (s *store) load(snap *snapshot) {
	lists := snap.clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists = lists
	s.events = nil
}

// criterion is one property to match on: a query string on PATCH, a body value on PUT.
type criterion struct {
	name  string
	value any
	query bool // value is the query's text, converted by the field's type
}

// update is one match-and-set call.
type update struct {
	listID int
	grant  Grant
	match  []criterion
	set    map[string]any
	events []string
}

// apply finds the contacts of u.listID matching every criterion, sets u.set on each and records
// u.events per contact, all under one lock: either every matched contact gets the whole update
// or, on error, nothing changes. It returns the encrypted ids of the updated contacts.
func (s *store) apply(u update) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.lists[u.listID]
	if !ok {
		return nil, fmt.Errorf("list %d: %w", u.listID, ErrListNotFound)
	}
	if !u.grant.allows(u.listID) {
		return nil, fmt.Errorf("list %d: %w", u.listID, ErrForbidden)
	}
	set := make(map[string]any, len(u.set))
	for _, name := range sortedKeys(u.set) {
		typ, ok := l.types[name]
		if !ok {
			return nil, fmt.Errorf("list %d: %q: %w", u.listID, name, ErrUnknownField)
		}
		v, err := convert(typ, u.set[name])
		if err != nil {
			return nil, fmt.Errorf("list %d: %q: %w", u.listID, name, err)
		}
		set[name] = v
	}
	var matched []*contact
	for _, c := range l.contacts {
		if matches(l, c, u.match) {
			matched = append(matched, c)
		}
	}
	if len(matched) == 0 {
		return nil, fmt.Errorf("list %d: %w", u.listID, ErrNoMatch)
	}
	ids := make([]string, len(matched))
	for i, c := range matched {
		values := make(map[string]any, len(c.values)+len(set))
		for k, v := range c.values {
			values[k] = v
		}
		for k, v := range set {
			values[k] = v
		}
		c.values = values
		ids[i] = c.encID
		for _, name := range u.events {
			s.record(mock.Event{Kind: "customevent", Detail: map[string]any{
				"listId": u.listID, "encContactId": c.encID, "event": name,
			}})
		}
	}
	return ids, nil
}

func (s *store) record(e mock.Event) {
	if len(s.events) >= maxEvents {
		s.events = slices.Delete(s.events, 0, len(s.events)-maxEvents+1)
	}
	s.events = append(s.events, e)
}

func (s *store) eventList() []mock.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]mock.Event, len(s.events))
	for i, e := range s.events {
		detail := make(map[string]any, len(e.Detail))
		for k, v := range e.Detail {
			detail[k] = v
		}
		out[i] = mock.Event{Kind: e.Kind, Detail: detail}
	}
	return out
}

// State is the whole store as the admin API shows it: lists by id, contacts by id, each with
// its encrypted id. PrepareFixtures reads the same shape back.
type State struct {
	Lists []StateList `json:"lists"`
}

// StateList is one contact list.
type StateList struct {
	ID       int            `json:"id"`
	Name     string         `json:"name,omitempty"`
	Fields   []Field        `json:"fields"`
	Contacts []StateContact `json:"contacts"`
}

// StateContact is one contact: its internal id, the encrypted id the API shows, and its values.
type StateContact struct {
	ID           int            `json:"id"`
	EncContactID string         `json:"encContactId,omitempty"`
	Values       map[string]any `json:"values"`
}

func (s *store) state() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.lists))
	for id := range s.lists {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	st := State{Lists: make([]StateList, 0, len(ids))}
	for _, id := range ids {
		l := s.lists[id]
		sl := StateList{ID: l.id, Name: l.name, Fields: slices.Clone(l.fields), Contacts: make([]StateContact, 0, len(l.contacts))}
		for _, c := range l.contacts {
			sl.Contacts = append(sl.Contacts, StateContact{ID: c.id, EncContactID: c.encID, Values: deepCopy(c.values).(map[string]any)})
		}
		st.Lists = append(st.Lists, sl)
	}
	return st
}

// deepCopy copies the maps and slices of a decoded value, so a caller of State cannot reach
// into the store.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func matches(l *list, c *contact, criteria []criterion) bool {
	for _, cr := range criteria {
		typ, ok := l.types[cr.name]
		if !ok {
			// A name outside the schema matches nothing: the no-match entry's resolution tells
			// the caller to check the names in `match` against the list's schema.
			return false
		}
		stored := c.values[cr.name]
		if typ == FieldObject {
			if !objectEqual(stored, cr.value, cr.query) {
				return false
			}
			continue
		}
		var want any
		var err error
		if cr.query {
			want, err = convertText(typ, cr.value.(string))
		} else {
			want, err = convert(typ, cr.value)
		}
		if err != nil || want == nil || stored != want {
			return false
		}
	}
	return true
}

// objectEqual compares values of an object-typed field by their JSON text; a query's text
// also matches a stored string equal to it.
func objectEqual(stored, want any, query bool) bool {
	a, err := json.Marshal(stored)
	if err != nil {
		return false
	}
	if query {
		s, _ := want.(string)
		if str, ok := stored.(string); ok && str == s {
			return true
		}
		return string(a) == s
	}
	norm, err := normalize(want)
	if err != nil {
		return false
	}
	b, err := json.Marshal(norm)
	return err == nil && string(a) == string(b)
}

// convert turns a decoded value (JSON with json.Number, or the DataContract XML codec's Go
// values) into the canonical form of a field of type t: string, int64, float64, bool, or for
// object fields the value itself with numbers normalised. nil clears a field of any type.
func convert(t FieldType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case FieldObject:
		return normalize(v)
	case FieldString:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case uint64:
			return strconv.FormatUint(x, 10), nil
		case float64:
			if finite(x) {
				return strconv.FormatFloat(x, 'f', -1, 64), nil
			}
		case time.Time:
			return x.Format(time.RFC3339Nano), nil
		}
	case FieldInteger:
		switch x := v.(type) {
		case string:
			return convertText(t, x)
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return i, nil
			}
			if f, err := x.Float64(); err == nil {
				return integral(f)
			}
		case int64:
			return x, nil
		case uint64:
			if x <= math.MaxInt64 {
				return int64(x), nil
			}
		case float64:
			return integral(x)
		}
	case FieldNumber:
		switch x := v.(type) {
		case string:
			return convertText(t, x)
		case json.Number:
			if f, err := x.Float64(); err == nil && finite(f) {
				return f, nil
			}
		case int64:
			return float64(x), nil
		case uint64:
			return float64(x), nil
		case float64:
			if finite(x) {
				return x, nil
			}
		}
	case FieldBoolean:
		switch x := v.(type) {
		case string:
			return convertText(t, x)
		case bool:
			return x, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrBadValue, describe(t, v))
}

// convertText reads a query string (or a string value) as a value of type t.
func convertText(t FieldType, s string) (any, error) {
	trimmed := strings.TrimSpace(s)
	switch t {
	case FieldString, FieldObject:
		return s, nil
	case FieldInteger:
		if i, err := strconv.ParseInt(trimmed, 10, 64); err == nil {
			return i, nil
		}
	case FieldNumber:
		if f, err := strconv.ParseFloat(trimmed, 64); err == nil && finite(f) {
			return f, nil
		}
	case FieldBoolean:
		switch strings.ToLower(trimmed) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrBadValue, describe(t, s))
}

func describe(t FieldType, v any) string {
	return fmt.Sprintf("a %T where the field's type is %s", v, t)
}

func finite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }

func integral(f float64) (any, error) {
	if finite(f) && f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f), nil
	}
	return nil, fmt.Errorf("%w: %v is not an integer", ErrBadValue, f)
}

// normalize gives an object field's value one form whatever it came in: json.Number as int64
// or float64, nested maps and slices copied. Values JSON cannot hold (NaN, infinities, types
// of no JSON form) are refused, so State always marshals.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64, time.Time:
		return x, nil
	case uint64:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil || !finite(f) {
			return nil, fmt.Errorf("%w: number %s", ErrBadValue, x)
		}
		return f, nil
	case float64:
		if !finite(x) {
			return nil, fmt.Errorf("%w: number %v", ErrBadValue, x)
		}
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s has no JSON form", ErrBadValue, reflect.TypeOf(v))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
