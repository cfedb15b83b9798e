package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/contactapis/contactapis/tools/mutation/internal/mutant"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

type config struct {
	scopeFile string
	scope     []string
	survivors string
	max       int
	deadline  time.Duration
	workers   int
	reports   string
	pkg       string
	testRun   string
	list      bool
	match     string
	minScore  float64
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("mutation", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.scopeFile, "scope", "conformance/mutation-scope.yaml", "the scope file: the Go files to mutate and the declarations left out")
	fs.StringVar(&c.survivors, "survivors", "conformance/mutation-survivors.yaml", "the reviewed survivors file")
	fs.IntVar(&c.max, "max", 100, "run at most this many mutants, a sample chosen by identity (0: all)")
	fs.DurationVar(&c.deadline, "deadline", 28*time.Minute, "start no mutant after this long; the rest are reported as not run")
	fs.IntVar(&c.workers, "workers", 1, "mutants compiled and run at once")
	fs.StringVar(&c.reports, "reports", "reports", "directory for mutation.txt and mutation.json")
	fs.StringVar(&c.pkg, "pkg", "./conformance", "the package whose tests judge the mutants")
	fs.StringVar(&c.testRun, "run", "^TestConformance$", "the tests of -pkg that judge the mutants (go test -run)")
	fs.Float64Var(&c.minScore, "min-score", 0, "fail when the score (killed of the mutants that are not reviewed equivalent) is below this percentage")
	fs.BoolVar(&c.list, "list", false, "list the sampled mutants and exit, running nothing")
	fs.StringVar(&c.match, "match", "", "run only the sampled mutants whose identity matches this regular expression (to recheck survivors)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mutation [flags] [FILE...] (run from the module root; FILEs, slash paths from the root, replace the scope file's files)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.scope = fs.Args()
	if c.workers < 1 {
		return c, fmt.Errorf("-workers %d: want at least 1", c.workers)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "mutation: %v\n", err)
		return 2
	}
	reviewed, err := mutant.ReadSurvivors(c.survivors)
	if err != nil {
		fmt.Fprintf(stderr, "mutation: %s: %v\n", c.survivors, err)
		return 2
	}
	scope, err := mutant.ReadScope(c.scopeFile)
	if err != nil {
		fmt.Fprintf(stderr, "mutation: %v\n", err)
		return 2
	}
	if len(c.scope) == 0 {
		c.scope = scope.Files
	}
	generated, sources, err := generate(c.scope)
	if err != nil {
		fmt.Fprintf(stderr, "mutation: %v\n", err)
		return 2
	}
	var all []mutant.Mutant
	for _, m := range generated {
		if !scope.Excludes(m) {
			all = append(all, m)
		}
	}
	sample := mutant.Sample(all, c.max)
	if c.match != "" {
		re, err := regexp.Compile(c.match)
		if err != nil {
			fmt.Fprintf(stderr, "mutation: -match: %v\n", err)
			return 2
		}
		sample = slices.DeleteFunc(sample, func(m mutant.Mutant) bool { return !re.MatchString(m.ID()) })
	}
	if c.list {
		for _, m := range sample {
			fmt.Fprintf(stdout, "%s:%d:%d\t%s\n", m.File, m.Line, m.Col, m.ID())
		}
		fmt.Fprintf(stdout, "%d of %d mutants\n", len(sample), len(all))
		return 0
	}

	work, err := os.MkdirTemp("", "mutation-")
	if err != nil {
		fmt.Fprintf(stderr, "mutation: %v\n", err)
		return 2
	}
	defer os.RemoveAll(work)
	r := &runner{cfg: c, work: work, sources: sources, stderr: stderr}
	start := time.Now()
	base, err := r.baseline(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "mutation: the unmutated code fails the suite, so no mutant can be judged: %v\n", err)
		return 2
	}
	r.timeout = max(time.Minute, 10*base)
	fmt.Fprintf(stderr, "mutation: %d of %d mutants; suite takes %s unmutated, a mutant's run is cut at %s\n",
		len(sample), len(all), base.Round(10*time.Millisecond), r.timeout)
	results := r.runAll(ctx, sample, start.Add(c.deadline))

	rep := newReport(c, len(all), results, reviewed, all, time.Since(start))
	rep.Excluded = len(generated) - len(all)
	if err := rep.write(c.reports, stdout); err != nil {
		fmt.Fprintf(stderr, "mutation: %v\n", err)
		return 2
	}
	status := 0
	if len(rep.New) > 0 {
		fmt.Fprintf(stderr, "mutation: %d surviving mutants are not in %s: add a spec that kills each, or list it with the reason it survives\n", len(rep.New), c.survivors)
		status = 1
	}
	if rep.Score < c.minScore {
		fmt.Fprintf(stderr, "mutation: score %.1f%% is below the minimum %.0f%%\n", rep.Score, c.minScore)
		status = 1
	}
	return status
}

// generate lists the mutants of every file of the scope, and keeps each file's source.
func generate(files []string) ([]mutant.Mutant, map[string][]byte, error) {
	var all []mutant.Mutant
	sources := map[string][]byte{}
	for _, name := range files {
		name = filepath.ToSlash(filepath.Clean(name))
		if _, dup := sources[name]; dup {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, nil, fmt.Errorf("scope: %w", err)
		}
		ms, err := mutant.Generate(name, src)
		if err != nil {
			return nil, nil, err
		}
		sources[name] = src
		all = append(all, ms...)
	}
	return all, sources, nil
}

// Statuses of a mutant's run.
const (
	statusKilled    = "killed"     // the suite failed
	statusTimedOut  = "timed-out"  // the suite did not finish in time (counted as killed)
	statusSurvived  = "survived"   // the suite passed
	statusNotViable = "not-viable" // the mutant does not compile (not counted)
	statusNotRun    = "not-run"    // the deadline came first (not counted)
)

// result is one mutant's run.
type result struct {
	mutant.Mutant
	ID      string  `json:"id"`
	Status  string  `json:"status"`
	Detail  string  `json:"detail,omitempty"` // the first failed spec, or the compiler's first line
	Seconds float64 `json:"seconds"`
	Kind    string  `json:"kind,omitempty"`   // a survivor's reviewed kind
	Reason  string  `json:"reason,omitempty"` // and reason
}

type runner struct {
	cfg     config
	work    string
	sources map[string][]byte
	stderr  io.Writer
	timeout time.Duration
	mu      sync.Mutex // stderr progress lines
}

// testArgs are the flags of the judging test binary: the suite alone, stopping at its first
// failure, its reports kept out of the tree.
func (r *runner) testArgs(dir string) []string {
	return []string{"-test.run", r.cfg.testRun, "-ginkgo.fail-fast", "-ginkgo.no-color", "-reports", filepath.Join(dir, "reports")}
}

// baseline builds and runs the suite on the unmutated code (which also warms the build cache)
// and returns how long the suite took.
func (r *runner) baseline(ctx context.Context) (time.Duration, error) {
	dir := filepath.Join(r.work, "baseline")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	bin := filepath.Join(dir, "suite.test")
	if out, err := r.goCmd(ctx, "test", "-vet=off", "-ldflags=-s -w", "-c", "-o", bin, r.cfg.pkg); err != nil {
		return 0, fmt.Errorf("build %s: %v\n%s", r.cfg.pkg, err, out)
	}
	start := time.Now()
	out, err := r.suite(ctx, bin, dir, 10*time.Minute)
	if err != nil {
		return 0, fmt.Errorf("%v\n%s", err, tail(out, 40))
	}
	return time.Since(start), nil
}

func (r *runner) runAll(ctx context.Context, ms []mutant.Mutant, deadline time.Time) []result {
	results := make([]result, len(ms))
	next := make(chan int)
	var wg sync.WaitGroup
	done := 0
	for w := 0; w < r.cfg.workers; w++ {
		wg.Go(func() {
			for i := range next {
				results[i] = r.one(ctx, i, ms[i])
				r.mu.Lock()
				done++
				res := results[i]
				fmt.Fprintf(r.stderr, "[%d/%d] %-10s %s:%d %s %s: %s => %s\n", done, len(ms), res.Status, res.File, res.Line, res.Func, res.Op, res.Original, res.Mutated)
				r.mu.Unlock()
			}
		})
	}
	for i, m := range ms {
		if time.Now().After(deadline) || ctx.Err() != nil {
			results[i] = result{Mutant: m, ID: m.ID(), Status: statusNotRun}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// one judges a mutant: its file replaced through a build overlay (the tree is never written),
// the mutated package compiled on its own first (a cheap refusal of a mutant that does not
// compile), then the suite's test binary built and run.
func (r *runner) one(ctx context.Context, i int, m mutant.Mutant) result {
	start := time.Now()
	res := result{Mutant: m, ID: m.ID()}
	defer func() { res.Seconds = time.Since(start).Seconds() }()
	dir := filepath.Join(r.work, fmt.Sprintf("m%d", i))
	defer os.RemoveAll(dir)
	fail := func(err error) result {
		res.Status, res.Detail = statusNotViable, "mutation tool: "+err.Error()
		return res
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	abs, err := filepath.Abs(filepath.FromSlash(m.File))
	if err != nil {
		return fail(err)
	}
	mutated := filepath.Join(dir, filepath.Base(abs))
	if err := os.WriteFile(mutated, m.Apply(r.sources[m.File]), 0o644); err != nil {
		return fail(err)
	}
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {abs: mutated}})
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		return fail(err)
	}
	pkgDir := "./" + filepath.ToSlash(filepath.Dir(filepath.FromSlash(m.File)))
	if out, err := r.goCmd(ctx, "build", "-overlay", ov, pkgDir); err != nil {
		res.Status, res.Detail = statusNotViable, firstLine(out, "")
		return res
	}
	bin := filepath.Join(dir, "suite.test")
	if out, err := r.goCmd(ctx, "test", "-vet=off", "-ldflags=-s -w", "-overlay", ov, "-c", "-o", bin, r.cfg.pkg); err != nil {
		res.Status, res.Detail = statusNotViable, firstLine(out, "")
		return res
	}
	out, err := r.suite(ctx, bin, dir, r.timeout)
	var exit *exec.ExitError
	switch {
	case err == nil:
		res.Status = statusSurvived
	case errors.Is(err, context.DeadlineExceeded):
		res.Status = statusTimedOut
	case errors.As(err, &exit):
		res.Status, res.Detail = statusKilled, failedSpec(out)
	default:
		return fail(err)
	}
	return res
}

// suite runs the test binary in the package's directory, as go test does.
func (r *runner) suite(ctx context.Context, bin, dir string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, r.testArgs(dir)...)
	cmd.Dir = filepath.FromSlash(r.cfg.pkg)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.Bytes(), ctx.Err()
	}
	return out.Bytes(), err
}

func (r *runner) goCmd(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	return cmd.CombinedOutput()
}

// failedSpec is the first spec the suite reports failed, for the report.
func failedSpec(out []byte) string {
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, "[FAIL]") {
			return strings.TrimSpace(line)
		}
	}
	return firstLine(tail(out, 5), "the suite failed")
}

func firstLine(out []byte, fallback string) string {
	for line := range strings.Lines(string(out)) {
		if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") {
			return s
		}
	}
	return fallback
}

func tail(out []byte, n int) []byte {
	lines := bytes.SplitAfter(out, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, nil)
}
