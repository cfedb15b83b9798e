package framework

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Coverage is the golden coverage file: per vendor, the behaviours the suite covers and those it
// does not, each with a reason.
type Coverage map[string]*VendorCoverage

// VendorCoverage is one vendor's part of the golden coverage file.
type VendorCoverage struct {
	Covered    []string    `yaml:"covered"`
	NotCovered []Uncovered `yaml:"notCovered"`
}

// Uncovered is a behaviour the suite deliberately does not cover.
type Uncovered struct {
	ID     string `yaml:"id"`
	Reason string `yaml:"reason"`
}

// MaxUncoveredShare is the largest share of a vendor's behaviours that may be listed as not
// covered rather than covered.
const MaxUncoveredShare = 0.10

// ReadCoverage reads the golden coverage file.
func ReadCoverage(path string) (Coverage, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		// No file yet: everything is unlisted, which CheckCoverage reports behaviour by behaviour.
		return Coverage{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("coverage file: %w", err)
	}
	var c Coverage
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("coverage file %s: %w", path, err)
	}
	return c, nil
}

func (c Coverage) reason(vendor, id string) string {
	if vc := c[vendor]; vc != nil {
		for _, u := range vc.NotCovered {
			if u.ID == id {
				return u.Reason
			}
		}
	}
	return ""
}

// CheckCoverage compares the declared specs with the golden file. It fails when a documented
// behaviour is neither covered nor listed with a reason, when the file's covered list differs from
// what the specs declare (run with --update-coverage and review the diff), when a listed behaviour
// does not exist or is covered after all, and when more than MaxUncoveredShare of a vendor's
// behaviours are listed rather than covered.
func CheckCoverage(golden Coverage, vendors []string) error {
	declared := declaredCoverage()
	var errs []error
	for _, vendor := range vendors {
		bs, err := Behaviours(vendor)
		if err != nil {
			return err
		}
		vc := golden[vendor]
		if vc == nil {
			vc = &VendorCoverage{}
		}
		ids := map[string]bool{}
		for _, b := range bs {
			ids[b.ID] = true
		}
		var covered []string
		for id := range declared[vendor] {
			covered = append(covered, id)
		}
		sort.Strings(covered)
		if !slices.Equal(covered, sortedCopy(vc.Covered)) {
			errs = append(errs, fmt.Errorf("%s: the coverage file's covered list differs from the declared specs (+declared -file: %v); run make conformance-coverage and review the diff",
				vendor, diff(covered, vc.Covered)))
		}
		listed := map[string]bool{}
		for _, u := range vc.NotCovered {
			switch {
			case !ids[u.ID]:
				errs = append(errs, fmt.Errorf("%s: notCovered lists %q, which is no behaviour", vendor, u.ID))
			case len(declared[vendor][u.ID]) > 0:
				errs = append(errs, fmt.Errorf("%s: notCovered lists %q, which specs cover: remove it", vendor, u.ID))
			case u.Reason == "":
				errs = append(errs, fmt.Errorf("%s: notCovered %q has no reason", vendor, u.ID))
			}
			listed[u.ID] = true
		}
		for _, b := range bs {
			if len(declared[vendor][b.ID]) == 0 && !listed[b.ID] {
				errs = append(errs, fmt.Errorf("%s: behaviour %q (%s) is neither covered by a spec nor listed in notCovered with a reason", vendor, b.ID, b.Doc))
			}
		}
		if len(bs) > 0 && float64(len(vc.NotCovered)) > MaxUncoveredShare*float64(len(bs)) {
			errs = append(errs, fmt.Errorf("%s: %d of %d behaviours are listed as not covered; at most %.0f%% may be", vendor, len(vc.NotCovered), len(bs), 100*MaxUncoveredShare))
		}
	}
	return errors.Join(errs...)
}

// UpdateCoverage rewrites the vendors' parts of the golden file from the declared specs, keeping
// the reasons of behaviours still not covered and the other vendors' parts as they are. New
// uncovered behaviours get an empty reason, which CheckCoverage refuses until a person writes one.
func UpdateCoverage(path string, old Coverage, vendors []string) error {
	declared := declaredCoverage()
	out := Coverage{}
	for v, vc := range old {
		out[v] = vc
	}
	for _, vendor := range vendors {
		bs, err := Behaviours(vendor)
		if err != nil {
			return err
		}
		vc := &VendorCoverage{Covered: []string{}, NotCovered: []Uncovered{}}
		for _, b := range bs {
			if len(declared[vendor][b.ID]) > 0 {
				vc.Covered = append(vc.Covered, b.ID)
			} else {
				vc.NotCovered = append(vc.NotCovered, Uncovered{ID: b.ID, Reason: old.reason(vendor, b.ID)})
			}
		}
		out[vendor] = vc
	}
	var buf bytes.Buffer
	buf.WriteString("# Golden coverage file of the conformance suite: per vendor, the documented behaviours\n" +
		"# (conformance/framework: catalogue entries, statuses, examples, rules) the specs cover, and\n" +
		"# those they do not, each with a reason. Rewrite the covered lists with\n" +
		"# `make conformance-coverage`; write the reasons by hand.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

func diff(want, have []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, "+"+w)
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) {
			out = append(out, "-"+h)
		}
	}
	return out
}
