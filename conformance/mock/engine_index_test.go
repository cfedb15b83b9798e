package mock

import (
	"fmt"
	"hash/maphash"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// An index updated record by record holds what one built from the final records holds, whether a
// record has few entries (compared in a list) or many (in a set).
func TestIndexReplaceMatchesRebuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// Object values, shared between records and versions as stored versions share what they do
	// not change; two are equal but not the same map.
	objects := []map[string]any{{"Plan": "Basic"}, {"Plan": "Basic"}, {"Plan": "Pro"}}
	record := func() map[string]any {
		values := map[string]any{}
		for range rng.IntN(40) {
			var v any = fmt.Sprint(rng.IntN(3))
			if rng.IntN(4) == 0 {
				v = objects[rng.IntN(len(objects))]
			}
			values[fmt.Sprint("f", rng.IntN(30))] = v
		}
		return map[string]any{"list": int64(rng.IntN(2)), "values": values} // int64, as records hold integers
	}
	newIndex := func(seed maphash.Seed) *index {
		return &index{paths: []string{"list", "values/*"}, seed: seed, one: map[uint64]uint32{}, many: map[uint64][]uint32{}}
	}
	seed := maphash.MakeSeed()
	live := newIndex(seed)
	recs := map[uint32]map[string]any{}
	for range 2000 {
		id := uint32(rng.IntN(8))
		next := record()
		if rng.IntN(5) == 0 {
			next = nil
		}
		old := recs[id]
		if next == nil {
			if old != nil {
				live.each(old, func(h uint64) { live.remove(h, id) })
			}
			delete(recs, id)
			continue
		}
		live.replace(id, old, next)
		recs[id] = next
	}
	rebuilt := newIndex(seed)
	for _, id := range slices.Sorted(maps.Keys(recs)) {
		rebuilt.replace(id, nil, recs[id])
	}
	sorted := func(ix *index) map[uint64][]uint32 {
		out := map[uint64][]uint32{}
		for h, id := range ix.one {
			out[h] = []uint32{id}
		}
		for h, ids := range ix.many {
			out[h] = slices.Sorted(slices.Values(ids))
		}
		return out
	}
	got, want := sorted(live), sorted(rebuilt)
	if !maps.EqualFunc(got, want, slices.Equal[[]uint32]) {
		t.Errorf("updated index has %d entries, rebuilt %d", len(got), len(want))
	}
}

// A new version that keeps an index's values (scalars equal, the members object shared) keeps
// its entries; any change of them, or a members object of its own, is a change.
func TestIndexUnchanged(t *testing.T) {
	ix := &index{paths: []string{"list", "values/*"}}
	members := map[string]any{"Email": "a@b.c"}
	old := map[string]any{"list": int64(3), "values": members, "name": "x"}
	renamed := maps.Clone(old)
	renamed["name"] = "y"
	moved := maps.Clone(old)
	moved["list"] = int64(4)
	copied := maps.Clone(old)
	copied["values"] = maps.Clone(members)
	dropped := maps.Clone(old)
	delete(dropped, "values")
	for _, c := range []struct {
		name string
		rec  map[string]any
		want bool
	}{
		{"another property changed", renamed, true},
		{"indexed scalar changed", moved, false},
		{"members object replaced", copied, false},
		{"members object removed", dropped, false},
	} {
		if got := ix.unchanged(old, c.rec); got != c.want {
			t.Errorf("%s: unchanged %v, want %v", c.name, got, c.want)
		}
	}
}
