package mutant

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sample = `package p

import (
	"errors"
	"net/http"

	"example.com/specs"
)

type T struct {
	Name string ` + "`json:\"name\"`" + `
}

func (t *T) check(w http.ResponseWriter, n int, ok bool) error {
	if n < 3 && !ok {
		w.WriteHeader(http.StatusNotFound)
		return errors.New("too few")
	}
	buf := make([]byte, 0, 64)
	_ = buf
	t.Name = "x"
	cond := specs.OnMalformed
	_ = cond
	return nil
}
`

// ids lists the identities of the mutants, the file name stripped.
func ids(ms []Mutant) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = strings.TrimPrefix(m.ID(), "p.go ")
	}
	return out
}

func TestGenerate(t *testing.T) {
	ms, err := Generate("p.go", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	// Not mutated: the import paths, the struct tag, errors.New's text (no client sees it),
	// make's sizes.
	want := []string{
		`T.check negate: n < 3 && !ok => !(n < 3 && !ok) #1`,
		`T.check negate-cmp: n < 3 => n >= 3 #1`,
		`T.check boundary: n < 3 => n <= 3 #1`,
		`T.check int: 3 => 4 #1`,
		`T.check logic: n < 3 && !ok => n < 3 || !ok #1`,
		`T.check delete: w.WriteHeader(http.StatusNotFound) =>  #1`,
		`T.check status: http.StatusNotFound => http.StatusBadRequest #1`,
		`T.check delete: _ = buf =>  #1`,
		`T.check delete: t.Name = "x" =>  #1`,
		`T.check string: "x" => "" #1`,
		`T.check swap: specs.OnMalformed => specs.OnInvalid #1`,
		`T.check delete: _ = cond =>  #1`,
	}
	if diff := cmp.Diff(want, ids(ms)); diff != "" {
		t.Errorf("mutants (-want +got):\n%s", diff)
	}
}

// Every mutant of the sample is a valid Go file that differs from the original exactly where
// the mutant says.
func TestApplyParses(t *testing.T) {
	ms, err := Generate("p.go", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		out := m.Apply([]byte(sample))
		if string(out) == sample {
			t.Errorf("%s: changes nothing", m.ID())
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "p.go", out, 0); err != nil {
			t.Errorf("%s: does not parse: %v", m.ID(), err)
		}
	}
	m := ms[slices.IndexFunc(ms, func(m Mutant) bool { return m.Op == OpLogic })]
	if got := string(m.Apply([]byte(sample))); !strings.Contains(got, "if n < 3 || !ok {") {
		t.Errorf("logic mutant applied:\n%s", got)
	}
}

// An identity names no line: code added above a function leaves its mutants' identities as
// they were, so the survivors file still matches them.
func TestIdentityStableAcrossEdits(t *testing.T) {
	before, err := Generate("p.go", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(sample, "type T struct", "func unrelated() int { return 1 }\n\n// T is edited.\ntype T struct", 1)
	after, err := Generate("p.go", []byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	var afterCheck []Mutant
	for _, m := range after {
		if m.Func == "T.check" {
			afterCheck = append(afterCheck, m)
		}
	}
	if diff := cmp.Diff(ids(before), ids(afterCheck)); diff != "" {
		t.Errorf("identities changed by an edit elsewhere (-before +after):\n%s", diff)
	}
	if before[0].Line == afterCheck[0].Line {
		t.Errorf("the edit was meant to move the function (line %d both times)", before[0].Line)
	}
}

// Two mutants that are the same change in the same function get ordinals in source order.
func TestOrdinals(t *testing.T) {
	src := "package p\n\nfunc f(a, b error) {\n\tif a != nil {\n\t\treturn\n\t}\n\tif b != nil {\n\t\treturn\n\t}\n}\n"
	ms, err := Generate("p.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"f negate-cmp: a != nil => a == nil #1", "f negate-cmp: b != nil => b == nil #1"}
	if diff := cmp.Diff(want, ids(ms)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	src = strings.ReplaceAll(src, "b != nil", "a != nil")
	if ms, err = Generate("p.go", []byte(src)); err != nil {
		t.Fatal(err)
	}
	want = []string{"f negate-cmp: a != nil => a == nil #1", "f negate-cmp: a != nil => a == nil #2"}
	if diff := cmp.Diff(want, ids(ms)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestNegateAndSwitch(t *testing.T) {
	src := `package p

func f(ok bool, s string) int {
	switch {
	case ok:
		return 1
	case !ok && s == "":
		return 2
	}
	if !ok {
		return 3
	}
	for i := 0; i < 2; i++ {
		continue
	}
	return 0
}
`
	ms, err := Generate("p.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := ids(ms)
	for _, want := range []string{
		`f negate: ok => !(ok) #1`,
		`f negate: !ok && s == "" => !(!ok && s == "") #1`,
		`f negate: !ok => ok #1`,
		`f string: "" => "mutant" #1`,
		`f delete: continue =>  #1`,
		`f boundary: i < 2 => i <= 2 #1`,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no mutant %q among:\n%s", want, strings.Join(got, "\n"))
		}
	}
	// A comparison as a condition is mutated by negate-cmp, not negated a second time.
	for _, id := range got {
		if strings.HasPrefix(id, "f negate: i < 2") {
			t.Errorf("comparison negated twice: %s", id)
		}
	}
}

func TestSwapRings(t *testing.T) {
	for _, tc := range []struct{ from, want string }{
		{"OnInternal", "OnNoRoute"}, // the last comes round to the first of its own ring
		{"OnNotFound", "OnReference"},
		{"NotAViolationUnchanged", "NotAViolationNull"},
	} {
		if got, ok := swapNext("specs", tc.from); !ok || got != tc.want {
			t.Errorf("swapNext(%s) = %s, %v; want %s", tc.from, got, ok, tc.want)
		}
	}
	if _, ok := swapNext("other", "OnInternal"); ok {
		t.Error("swapped a constant of another package")
	}
}

func TestShortenKeepsLongTextsApart(t *testing.T) {
	long := strings.Repeat("a", 100)
	a, b := shorten(long+"1"), shorten(long+"2")
	if a == b || len(a) > maxText+20 {
		t.Errorf("shorten: %q and %q", a, b)
	}
	if got := shorten("a  ==\n\tb"); got != "a == b" {
		t.Errorf("whitespace: %q", got)
	}
}

func TestSample(t *testing.T) {
	var ms []Mutant
	for i := range 50 {
		ms = append(ms, Mutant{File: "f.go", Func: "f", Op: OpInt, Original: "1", Mutated: "2", Ordinal: i + 1, Line: i})
	}
	got := Sample(ms, 10)
	if len(got) != 10 {
		t.Fatalf("%d mutants, want 10", len(got))
	}
	if !slices.IsSortedFunc(got, func(a, b Mutant) int { return a.Line - b.Line }) {
		t.Error("the sample is not in the input's order")
	}
	// The choice depends on identities only: the input reversed gives the same mutants.
	rev := slices.Clone(ms)
	slices.Reverse(rev)
	again := Sample(rev, 10)
	slices.SortFunc(again, func(a, b Mutant) int { return a.Line - b.Line })
	if diff := cmp.Diff(ids(got), ids(again)); diff != "" {
		t.Errorf("sample depends on order (-first +reversed):\n%s", diff)
	}
	if len(Sample(ms, 0)) != 50 || len(Sample(ms, 60)) != 50 {
		t.Error("no cap, or a cap above the count, must keep every mutant")
	}
}

func TestParseSurvivors(t *testing.T) {
	good := "survivors:\n  - id: a\n    kind: equivalent\n    reason: unreachable\n  - id: b\n    kind: silent\n    reason: the page does not say\n"
	s, err := ParseSurvivors([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := s.Lookup("b"); !ok || e.Kind != KindSilent {
		t.Errorf("Lookup(b) = %+v, %v", e, ok)
	}
	if _, ok := s.Lookup("c"); ok {
		t.Error("Lookup(c) found an entry")
	}
	if s, err := ParseSurvivors([]byte("# nothing survives\n")); err != nil || len(s.Survivors) != 0 {
		t.Errorf("comments only: %v, %v", s, err)
	}
	for name, bad := range map[string]string{
		"no reason":     "survivors:\n  - id: a\n    kind: equivalent\n",
		"unknown kind":  "survivors:\n  - id: a\n    kind: fine\n    reason: r\n",
		"twice":         "survivors:\n  - id: a\n    kind: silent\n    reason: r\n  - id: a\n    kind: silent\n    reason: r\n",
		"unknown field": "survivors:\n  - id: a\n    kind: silent\n    reason: r\n    note: x\n",
	} {
		if _, err := ParseSurvivors([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestScope(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "scope.yaml")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s, err := ReadScope(write("files: [a.go, b.go]\nexclude:\n  - file: a.go\n    func: New\n    reason: start only\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Excludes(Mutant{File: "a.go", Func: "New"}) || s.Excludes(Mutant{File: "b.go", Func: "New"}) {
		t.Error("Excludes matched the wrong mutants")
	}
	for name, bad := range map[string]string{
		"no files":        "files: []\n",
		"no reason":       "files: [a.go]\nexclude:\n  - file: a.go\n    func: New\n",
		"file not listed": "files: [a.go]\nexclude:\n  - file: c.go\n    func: New\n    reason: r\n",
	} {
		if _, err := ReadScope(write(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
