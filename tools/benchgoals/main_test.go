package main

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func readSample(t *testing.T) samples {
	t.Helper()
	s, err := readSamples([]string{filepath.Join("testdata", "sample.txt")}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The figures of testdata/sample.txt, worked out by hand from its lines.
func TestGoalsFromSample(t *testing.T) {
	want := map[string]struct {
		ratio float64
		met   bool
	}{
		// medians 140000 / 110000 ns (the outlier 190000 moves a mean, not the median): +27.3%, over
		// the 25% goal.
		"validation overhead iovox/xml": {(140000.0/110000 - 1) / 0.25, false},
		// medians 50000 / 40000 ns: exactly +25%, which is not under 25%.
		"validation overhead which50/json": {1, false},
		// medians 1100 / 2000 req/s: 0.55, under 0.7.
		"mock rate iovox": {0.55 / 0.7, false},
		// 3 s against 2 s; 1.5 s against 2 s.
		"suite serial":   {1.5, false},
		"suite parallel": {0.75, true},
	}
	goals := readSample(t).goals()
	if len(goals) != len(want) {
		t.Errorf("%d goals, want %d: %+v", len(goals), len(want), goals)
	}
	for _, g := range goals {
		w, ok := want[g.name]
		if !ok {
			t.Errorf("unexpected goal %q", g.name)
			continue
		}
		if math.Abs(g.ratio-w.ratio) > 1e-9 || g.met != w.met {
			t.Errorf("%s: ratio %v met %v; want %v %v", g.name, g.ratio, g.met, w.ratio, w.met)
		}
	}
}

func TestReport(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{filepath.Join("testdata", "sample.txt")}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d with goals missed; benchmarks report, they do not fail: %s", code, stderr.String())
	}
	path := filepath.Join("testdata", "sample.golden")
	if *update {
		if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if stdout.String() != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", path, stdout.String())
	}
}

func TestUnreadableInput(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, []byte("PASS\nok  \tpkg\t1.0s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{filepath.Join(t.TempDir(), "missing.txt")}, 1, "run make bench first"},
		{[]string{empty}, 1, "no benchmark results"},
		{[]string{"-h"}, 2, "usage: benchgoals"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tt.args, code, stderr.String(), tt.code, tt.want)
		}
	}
}
