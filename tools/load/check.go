package main

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// slotKey is one field of one contact of one vendor.
type slotKey struct{ vendor, contact, field string }

func (k slotKey) String() string { return k.vendor + " contact " + k.contact + " " + k.field }

// writeID names an update: worker and sequence number.
type writeID struct{ worker, seq int }

func (id writeID) String() string { return fmt.Sprintf("update %d of worker %d", id.seq, id.worker) }

// slot is the ledger of one field. Only its owner writes it during the run, so it needs no lock.
type slot struct {
	field   field
	initial string
	// want is the value of the last acknowledged write (initial when there was none), by wantBy.
	want   string
	wantBy *writeID
	// earlier holds the values of acknowledged writes before the last one: seeing one of them
	// at the end means a later acknowledged write was lost.
	earlier []string
	// loose are values of updates whose fate is unknown (a connection error on an attempt, the
	// time limit): any of them is accepted from then on, as such a write may land late.
	loose []string
	// refused are values of updates the server refused; none may show.
	refused []string
}

// outcome of one update, for the ledger.
type outcome int

const (
	acked   outcome = iota // the server answered success
	refused                // the server answered a failure: nothing was written
	unknown                // no answer, or not for every attempt
)

// ledger tracks what the state must hold.
type ledger struct {
	slots map[slotKey]*slot
}

func newLedger(ds []driver, units [][]*unit) *ledger {
	l := &ledger{slots: map[slotKey]*slot{}}
	for _, us := range units {
		for _, u := range us {
			for _, c := range u.contacts {
				for _, f := range u.fields {
					l.slots[slotKey{ds[u.vendor].name(), c, f.name}] = &slot{field: f}
				}
			}
		}
	}
	return l
}

// record enters an update's outcome. Only the slot's owner calls it for a slot.
func (l *ledger) record(vendor string, up update, o outcome) {
	id := writeID{up.worker, up.seq}
	for c, vals := range up.values {
		for f, v := range vals {
			s := l.slots[slotKey{vendor, c, f}]
			switch o {
			case acked:
				if s.wantBy != nil {
					s.earlier = append(s.earlier, s.want)
				}
				s.want, s.wantBy = v, &id
			case refused:
				s.refused = append(s.refused, v)
			case unknown:
				s.loose = append(s.loose, v)
			}
		}
	}
}

// setInitial fills every slot's fixture value from the initial state.
func (l *ledger) setInitial(vendor string, contacts map[string]map[string]any) error {
	for k, s := range l.slots {
		if k.vendor != vendor {
			continue
		}
		c, ok := contacts[k.contact]
		if !ok {
			return fmt.Errorf("%s: contact %s is not in the state after loading the fixtures", vendor, k.contact)
		}
		v, ok := text(c[k.field])
		if !ok {
			return fmt.Errorf("%s: contact %s: %s is %v, not text", vendor, k.contact, k.field, c[k.field])
		}
		s.initial, s.want = v, v
	}
	return nil
}

// text reads a field the load writes: a string, or "" for null and absent.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	}
	return "", false
}

// verdict is the result of the state check.
type verdict struct {
	SlotsChecked int `json:"slotsChecked"`
	// SlotsLoose were checked against several values: an update of theirs had an unknown fate.
	SlotsLoose int `json:"slotsLoose"`
	// LostUpdates are acknowledged updates none of whose last-written fields hold its values;
	// HalfApplied those of which some do and some do not.
	LostUpdates int `json:"lostUpdates"`
	HalfApplied int `json:"halfApplied"`
	// Mismatched fields in all, among them those holding a value no acknowledged update sent
	// last (RefusedApplied: one of a refused update; Foreign: one never sent).
	Mismatched     int `json:"mismatchedFields"`
	RefusedApplied int `json:"refusedApplied"`
	Foreign        int `json:"foreign"`
	// Stray are changes outside the written fields: other fields, contacts, the rest of the state.
	Stray    int      `json:"stray"`
	Problems []string `json:"problems,omitempty"`
}

func (v *verdict) ok() bool { return v.Mismatched == 0 && v.Stray == 0 }

const maxProblems = 20

func (v *verdict) problem(format string, args ...any) {
	if len(v.Problems) < maxProblems {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	}
}

// vendorState is a vendor's state, cut by its driver.
type vendorState struct {
	contacts map[string]map[string]any
	rest     map[string]any
}

// check compares the final states with the initial ones and the ledger.
func (l *ledger) check(ds []driver, initial, final map[string]vendorState) *verdict {
	v := &verdict{}
	type tally struct{ ok, bad int }
	perWrite := map[writeID]*tally{}
	var badWrites []writeID
	keys := slices.SortedFunc(maps.Keys(l.slots), func(a, b slotKey) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		s := l.slots[k]
		d := driverNamed(ds, k.vendor)
		v.SlotsChecked++
		if len(s.loose) > 0 {
			v.SlotsLoose++
		}
		c := final[k.vendor].contacts[k.contact]
		got, isText := text(c[k.field])
		match := func(sent string) bool { return isText && d.matches(s.field, sent, got) }
		ok := (s.wantBy == nil && isText && got == s.initial) || (s.wantBy != nil && match(s.want)) || slices.ContainsFunc(s.loose, match)
		if s.wantBy != nil {
			t := perWrite[*s.wantBy]
			if t == nil {
				t = &tally{}
				perWrite[*s.wantBy] = t
			}
			if ok {
				t.ok++
			} else {
				if t.bad == 0 {
					badWrites = append(badWrites, *s.wantBy)
				}
				t.bad++
			}
		}
		if ok {
			continue
		}
		v.Mismatched++
		want := s.want
		if s.wantBy == nil {
			want += " (fixtures; no update acknowledged)"
		} else {
			want += " (" + s.wantBy.String() + ")"
		}
		switch {
		case isText && (got == s.initial || slices.ContainsFunc(s.earlier, match)):
			v.problem("%s: holds %q, an older value, want %s", k, got, want)
		case slices.ContainsFunc(s.refused, match):
			v.RefusedApplied++
			v.problem("%s: holds %q from an update the server refused, want %s", k, got, want)
		default:
			v.Foreign++
			v.problem("%s: holds %v, a value no update sent, want %s", k, c[k.field], want)
		}
	}
	for _, id := range badWrites {
		if t := perWrite[id]; t.ok > 0 {
			v.HalfApplied++
			v.problem("half-applied: %s: %d of its fields hold its values, %d do not", id, t.ok, t.bad)
		} else {
			v.LostUpdates++
			v.problem("lost: %s: none of its %d fields holds its values", id, t.bad)
		}
	}
	for _, d := range ds {
		name := d.name()
		in, out := initial[name], final[name]
		for _, c := range slices.Sorted(maps.Keys(in.contacts)) {
			fc, ok := out.contacts[c]
			if !ok {
				v.Stray++
				v.problem("%s: contact %s is gone", name, c)
				continue
			}
			ic := in.contacts[c]
			for _, f := range slices.Sorted(maps.Keys(union(ic, fc))) {
				if _, tracked := l.slots[slotKey{name, c, f}]; tracked || d.ignored(f) {
					continue
				}
				if !reflect.DeepEqual(ic[f], fc[f]) {
					v.Stray++
					v.problem("%s contact %s: %s changed from %v to %v, but no update wrote it", name, c, f, ic[f], fc[f])
				}
			}
		}
		for _, c := range slices.Sorted(maps.Keys(out.contacts)) {
			if _, ok := in.contacts[c]; !ok {
				v.Stray++
				v.problem("%s: contact %s appeared", name, c)
			}
		}
		if !reflect.DeepEqual(in.rest, out.rest) {
			v.Stray++
			v.problem("%s: the state outside the contacts changed", name)
		}
	}
	return v
}

func union(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

func driverNamed(ds []driver, name string) driver {
	for _, d := range ds {
		if d.name() == name {
			return d
		}
	}
	return nil
}
