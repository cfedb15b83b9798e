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
	record := func() map[string]any {
		values := map[string]any{}
		for range rng.IntN(40) {
			values[fmt.Sprint("f", rng.IntN(30))] = fmt.Sprint(rng.IntN(3))
		}
		return map[string]any{"list": rng.IntN(2), "values": values}
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
