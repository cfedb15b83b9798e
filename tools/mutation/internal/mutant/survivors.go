package mutant

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Kinds of reviewed survivor.
const (
	// KindEquivalent: the mutant changes nothing a request can observe (code no request reaches,
	// or a change that leaves every answer and the stored state the same).
	KindEquivalent = "equivalent"
	// KindSilent: the mutant changes an answer, but the vendor's page says nothing that decides
	// which answer is right, so no conformance spec can pin it.
	KindSilent = "silent"
)

// Survivor is one reviewed entry of the survivors file.
type Survivor struct {
	ID     string `yaml:"id"`
	Kind   string `yaml:"kind"`
	Reason string `yaml:"reason"`
}

// Survivors is the reviewed survivors file.
type Survivors struct {
	Survivors []Survivor `yaml:"survivors"`
}

// ReadSurvivors reads and checks a survivors file: every entry has an id, a known kind and a
// reason, and no id is listed twice. A missing file is an empty list.
func ReadSurvivors(path string) (Survivors, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Survivors{}, nil
	}
	if err != nil {
		return Survivors{}, err
	}
	return ParseSurvivors(raw)
}

// ParseSurvivors parses and checks a survivors file's content (see ReadSurvivors).
func ParseSurvivors(raw []byte) (Survivors, error) {
	var s Survivors
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	// An empty file (or one of comments only) is an empty list.
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return Survivors{}, fmt.Errorf("survivors file: %w", err)
	}
	seen := map[string]bool{}
	var errs []error
	for i, e := range s.Survivors {
		switch {
		case e.ID == "":
			errs = append(errs, fmt.Errorf("survivors[%d]: no id", i))
		case seen[e.ID]:
			errs = append(errs, fmt.Errorf("survivors[%d]: %q listed twice", i, e.ID))
		case e.Kind != KindEquivalent && e.Kind != KindSilent:
			errs = append(errs, fmt.Errorf("survivors[%d] (%s): kind %q: want %s or %s", i, e.ID, e.Kind, KindEquivalent, KindSilent))
		case e.Reason == "":
			errs = append(errs, fmt.Errorf("survivors[%d] (%s): no reason: say why no request can tell it apart, or what the page leaves open", i, e.ID))
		}
		seen[e.ID] = true
	}
	return s, errors.Join(errs...)
}

// Lookup returns the entry listing id.
func (s Survivors) Lookup(id string) (Survivor, bool) {
	for _, e := range s.Survivors {
		if e.ID == id {
			return e, true
		}
	}
	return Survivor{}, false
}

// Sample picks at most max mutants: those whose identities hash lowest, so that a mutant's place
// in the sample depends on its identity and not on its line or on the order of the scope, and an
// edit elsewhere moves few mutants in or out. The result keeps the input's order. max <= 0 keeps
// every mutant.
func Sample(ms []Mutant, max int) []Mutant {
	if max <= 0 || len(ms) <= max {
		return ms
	}
	type ranked struct {
		i    int
		hash [32]byte
	}
	rs := make([]ranked, len(ms))
	for i, m := range ms {
		rs[i] = ranked{i, sha256.Sum256([]byte(m.ID()))}
	}
	slices.SortFunc(rs, func(a, b ranked) int { return bytes.Compare(a.hash[:], b.hash[:]) })
	keep := rs[:max]
	slices.SortFunc(keep, func(a, b ranked) int { return cmp.Compare(a.i, b.i) })
	out := make([]Mutant, len(keep))
	for j, r := range keep {
		out[j] = ms[r.i]
	}
	return out
}

// Scope is the scope file: the Go files mutated, and declarations in them left out, each with the
// reason no request can reach it (the suite judges mutants only through requests).
type Scope struct {
	Files   []string   `yaml:"files"`
	Exclude []Excluded `yaml:"exclude"`
}

// Excluded is a declaration of a scope file that is not mutated.
type Excluded struct {
	File   string `yaml:"file"`
	Func   string `yaml:"func"` // as in Mutant.Func: "NewEngine", "Engine.parseFixtures"
	Reason string `yaml:"reason"`
}

// ReadScope reads and checks a scope file: at least one file, every exclusion naming a file of
// the scope, a declaration and a reason.
func ReadScope(path string) (Scope, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Scope{}, err
	}
	var s Scope
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return Scope{}, fmt.Errorf("scope file %s: %w", path, err)
	}
	var errs []error
	if len(s.Files) == 0 {
		errs = append(errs, fmt.Errorf("scope file %s: no files", path))
	}
	for i, x := range s.Exclude {
		if !slices.Contains(s.Files, x.File) || x.Func == "" || x.Reason == "" {
			errs = append(errs, fmt.Errorf("scope file %s: exclude[%d]: want a file of the scope, a func and a reason", path, i))
		}
	}
	return s, errors.Join(errs...)
}

// Excludes reports whether the scope leaves m out.
func (s Scope) Excludes(m Mutant) bool {
	for _, x := range s.Exclude {
		if x.File == m.File && x.Func == m.Func {
			return true
		}
	}
	return false
}
