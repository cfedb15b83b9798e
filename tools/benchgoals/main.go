package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
)

// The goals of issue 8, as ratios measured in one run.
const (
	maxValidationOverhead = 0.25 // validation adds under 25% to a loopback round trip
	minMockRate           = 0.7  // the validated mock serves at least 0.7× the bare handler's rate
	maxSuiteSeconds       = 2.0  // the suite's specs finish in under two seconds after compilation
)

const defaultFile = "reports/bench/new.txt"

// cpuUnit is the benchmarks' cpu-ns/op (internal/benchcpu) as benchfmt tidies it.
const cpuUnit = "cpu-sec/op"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "usage: benchgoals [FILE...] (default %s, written by make bench)\n", defaultFile)
		return 2
	}
	files := args
	if len(files) == 0 {
		files = []string{defaultFile}
	}
	s, err := readSamples(files, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "benchgoals: %v\n", err)
		return 1
	}
	write(stdout, s)
	return 0
}

// samples are every measurement read, by benchmark name (without the -GOMAXPROCS suffix) and
// unit ("sec/op", "B/op", "req/s", ...).
type samples map[string]map[string][]float64

func readSamples(files []string, stderr io.Writer) (samples, error) {
	s := samples{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s does not exist: run make bench first", name)
			}
			return nil, err
		}
		r := benchfmt.NewReader(f, name)
		for r.Scan() {
			switch rec := r.Result().(type) {
			case *benchfmt.Result:
				n := benchName(rec.Name)
				if s[n] == nil {
					s[n] = map[string][]float64{}
				}
				for _, v := range rec.Values {
					s[n][v.Unit] = append(s[n][v.Unit], v.Value)
				}
			case *benchfmt.SyntaxError:
				// A truncated line from an interrupted run: say so, use the rest.
				fmt.Fprintf(stderr, "benchgoals: skipped: %v\n", rec)
			}
		}
		err = r.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("no benchmark results in %s: run make bench first", strings.Join(files, ", "))
	}
	return s, nil
}

// benchName is a result's name without the -GOMAXPROCS suffix: "RoundTrip/iovox/xml/validation=on".
func benchName(n benchfmt.Name) string {
	base, parts := n.Parts()
	if len(parts) > 0 && strings.HasPrefix(string(parts[len(parts)-1]), "-") {
		parts = parts[:len(parts)-1]
	}
	var b strings.Builder
	b.Write(base)
	for _, p := range parts {
		b.Write(p)
	}
	return b.String()
}

// median of the samples of name in unit; ok is false when there are none.
func (s samples) median(name, unit string) (float64, bool) {
	vs := slices.Clone(s[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// cases returns the distinct middles of the names "prefix/<case>/<last>" found, sorted:
// "RoundTrip/", "/validation=on" gives "iovox/xml", "valomnia/form", ...
func (s samples) cases(prefix, last string) []string {
	var out []string
	for name := range s {
		if c, ok := strings.CutPrefix(name, prefix); ok {
			if c, ok := strings.CutSuffix(c, last); ok && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// goal is one figure with a goal.
type goal struct {
	name   string
	figure string
	want   string
	ratio  float64 // figure over goal: at most 1 is met for upper bounds, at least 1 for lower
	met    bool
}

func (s samples) goals() []goal {
	var out []goal
	for _, c := range s.cases("RoundTrip/", "/validation=on") {
		on, ok1 := s.median("RoundTrip/"+c+"/validation=on", "sec/op")
		off, ok2 := s.median("RoundTrip/"+c+"/validation=off", "sec/op")
		if !ok1 || !ok2 || off == 0 {
			continue
		}
		overhead := on/off - 1
		figure := fmt.Sprintf("%+.0f%%", 100*overhead)
		if cpuOn, ok := s.median("RoundTrip/"+c+"/validation=on", cpuUnit); ok {
			if cpuOff, ok := s.median("RoundTrip/"+c+"/validation=off", cpuUnit); ok && cpuOff > 0 {
				figure += fmt.Sprintf(" (by CPU %+.0f%%)", 100*(cpuOn/cpuOff-1))
			}
		}
		out = append(out, goal{name: "validation overhead " + c, figure: figure,
			want: fmt.Sprintf("< %.0f%%", 100*maxValidationOverhead), ratio: overhead / maxValidationOverhead,
			met: overhead < maxValidationOverhead})
	}
	for _, c := range s.cases("MockThroughput/", "/server=validated") {
		mock, ok1 := s.median("MockThroughput/"+c+"/server=validated", "req/s")
		bare, ok2 := s.median("MockThroughput/"+c+"/server=bare", "req/s")
		if !ok1 || !ok2 || bare == 0 {
			continue
		}
		rate := mock / bare
		figure := fmt.Sprintf("%.2f× bare (%.0f/%.0f req/s", rate, mock, bare)
		if cpuMock, ok := s.median("MockThroughput/"+c+"/server=validated", cpuUnit); ok && cpuMock > 0 {
			if cpuBare, ok := s.median("MockThroughput/"+c+"/server=bare", cpuUnit); ok {
				// CPU per request the other way up: the bare handler's cost over the mock's.
				figure += fmt.Sprintf("; by CPU %.2f×", cpuBare/cpuMock)
			}
		}
		figure += ")"
		out = append(out, goal{name: "mock rate " + c, figure: figure,
			want: fmt.Sprintf(">= %.1f×", minMockRate), ratio: rate / minMockRate, met: rate >= minMockRate})
	}
	for _, mode := range []string{"serial", "parallel"} {
		name := "Suite/mode=" + mode
		wall, ok := s.median(name, "sec/op")
		if !ok {
			continue
		}
		figure := fmt.Sprintf("%.2f s wall", wall)
		if suite, ok := s.median(name, "suite-s"); ok {
			figure += fmt.Sprintf(", %.2f s in the suite", suite)
		}
		if procs, ok := s.median(name, "procs"); ok && mode == "parallel" {
			figure += fmt.Sprintf(" (%.0f procs)", procs)
		}
		out = append(out, goal{name: "suite " + mode, figure: figure,
			want: fmt.Sprintf("< %.0f s", maxSuiteSeconds), ratio: wall / maxSuiteSeconds, met: wall < maxSuiteSeconds})
	}
	return out
}

// infos are the figures without a goal.
func (s samples) infos() [][2]string {
	var out [][2]string
	for _, c := range s.cases("ValidateExchange/", "") {
		name := "ValidateExchange/" + c
		t, ok := s.median(name, "sec/op")
		if !ok {
			continue
		}
		figure := fmt.Sprintf("%.1f µs", t*1e6)
		if a, ok := s.median(name, "allocs/op"); ok {
			figure += fmt.Sprintf(", %.0f allocs", a)
		}
		if b, ok := s.median(name, "B/op"); ok {
			figure += fmt.Sprintf(", %.1f KiB", b/1024)
		}
		out = append(out, [2]string{"validate one exchange " + c, figure})
	}
	if rate, ok := s.median("Traffic", "exchanges/s"); ok {
		figure := fmt.Sprintf("%.0f exchanges/s", rate)
		if heap, ok := s.median("Traffic", "peak-heap-MiB"); ok {
			figure += fmt.Sprintf(", peak heap %.1f MiB", heap)
		}
		if size, ok := s.median("Traffic", "capture-MiB"); ok {
			figure += fmt.Sprintf(" on a %.0f MiB capture", size)
		}
		out = append(out, [2]string{"drift traffic", figure})
	}
	return out
}

func write(w io.Writer, s samples) {
	goals := s.goals()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "goal\tfigure\tgoal\tratio to goal\tstatus")
	var missed []string
	for _, g := range goals {
		status := "met"
		if !g.met {
			status = "MISSED"
			missed = append(missed, g.name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\n", g.name, g.figure, g.want, g.ratio, status)
	}
	tw.Flush()
	if infos := s.infos(); len(infos) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, i := range infos {
			fmt.Fprintf(tw, "%s\t%s\n", i[0], i[1])
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	switch {
	case len(goals) == 0:
		fmt.Fprintln(w, "no goal figures in the results (RoundTrip, MockThroughput, Suite benchmarks missing)")
	case len(missed) == 0:
		fmt.Fprintf(w, "goals: all %d met\n", len(goals))
	default:
		fmt.Fprintf(w, "goals: %d of %d met; MISSED: %s\n", len(goals)-len(missed), len(goals), strings.Join(missed, "; "))
	}
}
