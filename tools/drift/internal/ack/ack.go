package ack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// Entry is one exception, from either file.
type Entry struct {
	Vendor string `yaml:"vendor"`
	// Change is an oasdiff rule id or an apidiff message (spec file only).
	Change string `yaml:"change"`
	// Class is a traffic finding class (baseline only).
	Class string `yaml:"class"`
	// Operation narrows the entry to one operation: "METHOD /path" of a spec change, the
	// operationId of a traffic finding. Empty matches any.
	Operation string `yaml:"operation"`
	// Match is an RE2 regular expression the finding's message must contain a match of
	// (baseline only). Empty matches any.
	Match    string `yaml:"match"`
	Reason   string `yaml:"reason"`
	Evidence string `yaml:"evidence"`
	Expires  string `yaml:"expires"`

	where   string
	expires time.Time
	match   *regexp.Regexp
}

// Set is the entries of one file.
type Set struct {
	entries []*Entry
}

// Kind selects the file format.
type Kind int

const (
	// Spec is the acknowledgement file of drift spec (top-level key "acknowledged").
	Spec Kind = iota
	// Baseline is a baseline file of drift traffic (top-level key "baseline").
	Baseline
)

// ErrNotFound is returned (wrapped) by Load for a file that does not exist.
var ErrNotFound = errors.New("file not found")

// Load reads and checks a file of the given kind. display is how the report names it
// ("tools/drift/acknowledged.yaml").
func Load(path, display string, kind Kind, classes []string) (*Set, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", display, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return Parse(data, display, kind, classes)
}

// Parse reads and checks the contents of a file; classes lists the valid traffic classes.
func Parse(data []byte, display string, kind Kind, classes []string) (*Set, error) {
	key := map[Kind]string{Spec: "acknowledged", Baseline: "baseline"}[kind]
	var doc map[string][]*Entry
	dec := yaml.NewDecoder(bytes.NewReader(data))
	// A misspelt key ("expiry:", "reasons:") must not silently drop the expiry or the reason.
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	for k := range doc {
		if k != key {
			return nil, fmt.Errorf("%s: unknown top-level key %q (want %q)", display, k, key)
		}
	}
	// Line numbers, so that the report points at the entry to edit.
	var node yaml.Node
	_ = yaml.Unmarshal(data, &node)
	lines := entryLines(&node, key)
	s := &Set{}
	for i, e := range doc[key] {
		if e == nil {
			return nil, fmt.Errorf("%s: entry %d is empty", display, i+1)
		}
		e.where = display
		if i < len(lines) {
			e.where = fmt.Sprintf("%s:%d", display, lines[i])
		}
		if err := e.check(kind, classes); err != nil {
			return nil, fmt.Errorf("%s: %w", e.where, err)
		}
		s.entries = append(s.entries, e)
	}
	return s, nil
}

func entryLines(doc *yaml.Node, key string) []int {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			var out []int
			for _, item := range m.Content[i+1].Content {
				out = append(out, item.Line)
			}
			return out
		}
	}
	return nil
}

func (e *Entry) check(kind Kind, classes []string) error {
	var missing []string
	need := func(name, v string) {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	need("vendor", e.Vendor)
	need("reason", e.Reason)
	need("expires", e.Expires)
	switch kind {
	case Spec:
		need("change", e.Change)
		if e.Class != "" || e.Match != "" || e.Evidence != "" {
			return errors.New("class, match and evidence belong in a traffic baseline, not the spec acknowledgement file")
		}
	case Baseline:
		need("class", e.Class)
		need("evidence", e.Evidence)
		if e.Change != "" {
			return errors.New("change belongs in the spec acknowledgement file, not a traffic baseline")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("entry lacks %s", strings.Join(missing, ", "))
	}
	if !isVendor(e.Vendor) {
		return fmt.Errorf("unknown vendor %q (known: %s)", e.Vendor, strings.Join(specs.Vendors(), ", "))
	}
	if kind == Baseline && !contains(classes, e.Class) {
		return fmt.Errorf("unknown class %q (known: %s)", e.Class, strings.Join(classes, ", "))
	}
	t, err := time.Parse(time.DateOnly, e.Expires)
	if err != nil {
		return fmt.Errorf("expires %q: want a date as YYYY-MM-DD", e.Expires)
	}
	e.expires = t
	if e.Match != "" {
		re, err := regexp.Compile(e.Match)
		if err != nil {
			return fmt.Errorf("match: %w", err)
		}
		e.match = re
	}
	return nil
}

func isVendor(v string) bool { return contains(specs.Vendors(), v) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Expired reports whether the entry is past its date on the day of now (UTC): an entry expiring
// 2026-06-30 still holds all of that day.
func (e *Entry) Expired(now time.Time) bool {
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return today.After(e.expires)
}

func (e *Entry) matches(f report.Finding) bool {
	// Only what could fail a run is excused: breaking findings, and non-breaking ones (they fail
	// under --strict).
	if f.Vendor != e.Vendor || f.Severity != contract.Breaking && f.Severity != contract.NonBreaking {
		return false
	}
	if e.Operation != "" && e.Operation != f.Operation {
		return false
	}
	if e.Change != "" {
		// An oasdiff rule id, or the exact text of an apidiff change.
		return e.Change == f.Rule || (f.Kind == report.KindGoAPI && e.Change == f.Message)
	}
	if e.Class != f.Rule {
		return false
	}
	return e.match == nil || e.match.MatchString(f.Message)
}

func (e *Entry) view() report.Acknowledgement {
	what := e.Change
	if e.Class != "" {
		what = e.Class
		if e.Match != "" {
			what += " /" + e.Match + "/"
		}
	}
	if e.Operation != "" {
		what += " " + e.Operation
	}
	return report.Acknowledgement{Where: e.where, Vendor: e.Vendor, What: what, Reason: e.Reason, Evidence: e.Evidence, Expires: e.Expires}
}

// Apply marks the report's findings that an entry in force excuses (the first such entry, in
// file order), and lists the expired and unused entries in the report. Entries of vendors not in
// vendors are left out of both lists: a run restricted with --vendor says nothing about them.
func (s *Set) Apply(r *report.Report, now time.Time, vendors []string) {
	if s == nil {
		return
	}
	used := make([]bool, len(s.entries))
	for i := range r.Findings {
		f := &r.Findings[i]
		for j, e := range s.entries {
			if e.Expired(now) || !e.matches(*f) {
				continue
			}
			a := e.view()
			f.Acknowledged = &a
			used[j] = true
			break
		}
	}
	for j, e := range s.entries {
		if !contains(vendors, e.Vendor) {
			continue
		}
		switch {
		case e.Expired(now):
			r.Expired = append(r.Expired, e.view())
		case !used[j]:
			r.Unused = append(r.Unused, e.view())
		}
	}
}

// Len is the number of entries.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.entries)
}
