package main

import (
	"fmt"
	"math/rand/v2"
)

// unit is what one worker owns in one group of one vendor: fields no other worker writes, on
// every contact of the group.
type unit struct {
	vendor   int // index into the drivers
	contacts []string
	fields   []field
}

// blockSize is how many fields a block holds: each update writes at least two, so that a
// half-applied update can be seen.
const blockSize = 2

// blocks cuts fields into blocks of blockSize, the last one taking a remainder.
func blocks(fields []field) [][]field {
	var out [][]field
	for i := 0; i+blockSize <= len(fields); i += blockSize {
		out = append(out, fields[i:i+blockSize])
	}
	if rem := len(fields) % blockSize; rem > 0 {
		if len(out) == 0 {
			return [][]field{fields}
		}
		out[len(out)-1] = fields[len(fields)-blockSize-rem:]
	}
	return out
}

// plan hands every block of every group of every vendor to one worker, round robin, and returns
// each worker's units. Consecutive blocks of a group go to different workers (when there are at
// least as many workers as blocks), which is what makes the contacts overlap.
func plan(ds []driver, groups, size, workers int) ([][]*unit, error) {
	units := make([]map[[2]int]*unit, workers)
	for w := range units {
		units[w] = map[[2]int]*unit{}
	}
	k := 0
	for v, d := range ds {
		keys := d.keys(groups, size)
		for g := range groups {
			for _, b := range blocks(d.fields()) {
				w := k % workers
				k++
				u := units[w][[2]int{v, g}]
				if u == nil {
					u = &unit{vendor: v, contacts: keys[g]}
					units[w][[2]int{v, g}] = u
				}
				u.fields = append(u.fields, b...)
			}
		}
	}
	if k < workers {
		return nil, fmt.Errorf("-workers %d is more than the %d field blocks there are to own (-groups %d); use fewer workers or more groups", workers, k, groups)
	}
	out := make([][]*unit, workers)
	// Map order is random; the plan must not be, so that -seed reproduces a run's updates.
	for w := range units {
		for v := range ds {
			for g := range groups {
				if u := units[w][[2]int{v, g}]; u != nil {
					out[w] = append(out[w], u)
				}
			}
		}
	}
	return out, nil
}

// update is one update a worker makes.
type update struct {
	worker, seq int
	unit        *unit
	// values[contact][field] is what the update sets.
	values map[string]map[string]string
}

// nextUpdate draws the seq-th update of worker w from its own seeded sequence.
func nextUpdate(rng *rand.Rand, ds []driver, units []*unit, w, seq int) update {
	u := units[rng.IntN(len(units))]
	multi, same := ds[u.vendor].multi()
	targets := []int{rng.IntN(len(u.contacts))}
	if multi && len(u.contacts) > 1 && rng.IntN(3) == 0 {
		targets = targets[:0]
		for i := range u.contacts {
			targets = append(targets, i)
		}
	}
	up := update{worker: w, seq: seq, unit: u, values: map[string]map[string]string{}}
	for _, ci := range targets {
		token := fmt.Sprintf("w%du%d", w, seq)
		if !same {
			token += fmt.Sprintf("c%d", ci)
		}
		vals := map[string]string{}
		for _, f := range u.fields {
			vals[f.name] = f.kind.value(token)
		}
		up.values[u.contacts[ci]] = vals
	}
	return up
}
