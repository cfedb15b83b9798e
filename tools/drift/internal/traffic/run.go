package traffic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// Options tunes Run.
type Options struct {
	// Rules are the user's --vendor-map rules, tried before the defaults.
	Rules []Rule
	// SkipUnknownHosts skips exchanges no rule routes instead of failing on the first: a
	// browser's recording holds fonts and analytics besides the vendor's API.
	SkipUnknownHosts bool
	// Workers validate exchanges in parallel; 0 means GOMAXPROCS.
	Workers int
	// Progress, when not nil, receives a progress line every ProgressEvery (a terminal's stderr).
	Progress      io.Writer
	ProgressEvery time.Duration
}

type job struct {
	file   int
	entry  *Entry
	url    *url.URL
	target Target
}

type result struct {
	file, entry int
	vendor      string
	raws        []Raw
	err         error
}

type aggKey struct {
	vendor, class, op, detail string
	severity                  contract.Severity
}

// maxDistinctFindings bounds the findings kept in memory (see Run). A variable for the test.
var maxDistinctFindings = 10_000

type agg struct {
	f           report.Finding
	file, entry int
}

// Run validates every exchange of the HAR files against its vendor's spec and returns the
// findings, one per distinct (vendor, class, operation, detail), with the number of exchanges
// showing it and the first of them. Files are streamed: memory holds the exchanges being
// validated (a few per worker) and the distinct findings, never a file.
//
// Errors are about the input (a file that is missing, not JSON, truncated or not a HAR; a host
// no rule routes): the run stops at the first.
func Run(ctx context.Context, files []string, opts Options) (*report.Report, error) {
	router, err := NewRouter(opts.Rules)
	if err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	stats := &report.TrafficStats{Files: len(files), PerVendor: map[string]int{}}
	jobs := make(chan job, 2*workers)
	results := make(chan result, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				raws, err := Check(ctx, j.target, j.url, j.entry)
				results <- result{file: j.file, entry: j.entry.Index, vendor: j.target.Vendor, raws: raws, err: err}
			}
		}()
	}

	// The aggregator owns the findings; the progress line reads two counters.
	var validated, distinct atomic.Int64
	found := map[aggKey]*agg{}
	var checkErr error
	aggDone := make(chan struct{})
	go func() {
		defer close(aggDone)
		for r := range results {
			validated.Add(1)
			if r.err != nil {
				if checkErr == nil {
					checkErr = fmt.Errorf("%s entry %d: %w", files[r.file], r.entry, r.err)
					cancel()
				}
				continue
			}
			stats.PerVendor[r.vendor]++
			for _, raw := range r.raws {
				k := aggKey{r.vendor, raw.Class, raw.Operation, raw.Detail, raw.Severity}
				if _, ok := found[k]; !ok && len(found) >= maxDistinctFindings {
					// Memory must not grow with the file even when every exchange deviates in
					// its own way (a unique message each): past the cap, new ones are counted
					// together per vendor and class.
					k = aggKey{r.vendor, raw.Class, "", fmt.Sprintf("more than %d distinct findings: the rest of this class is counted here, not listed", maxDistinctFindings), raw.Severity}
				}
				a := found[k]
				if a == nil {
					a = &agg{f: report.Finding{Vendor: r.vendor, Kind: report.KindTraffic, Rule: raw.Class, Level: report.LevelOf(raw.Severity),
						Operation: raw.Operation, Message: raw.Detail, Severity: raw.Severity}, file: r.file, entry: r.entry}
					found[k] = a
					distinct.Add(1)
				}
				a.f.Count++
				// Workers finish out of order; the first exchange in file order is the evidence,
				// so that the report is the same on every run.
				if r.file < a.file || r.file == a.file && r.entry < a.entry {
					a.file, a.entry = r.file, r.entry
				}
			}
		}
	}()

	stopProgress := startProgress(opts, func() string {
		return fmt.Sprintf("drift traffic: %d exchanges validated, %d distinct findings", validated.Load(), distinct.Load())
	})
	readErr := func() error {
		defer close(jobs)
		for i, name := range files {
			if err := readFile(ctx, i, name, router, opts, stats, jobs); err != nil {
				return err
			}
		}
		return nil
	}()
	wg.Wait()
	close(results)
	<-aggDone
	stopProgress()
	switch {
	case readErr != nil && !errors.Is(readErr, context.Canceled):
		return nil, readErr
	case checkErr != nil:
		return nil, checkErr
	case readErr != nil:
		return nil, readErr
	}

	stats.Validated = int(validated.Load())
	r := &report.Report{Command: "traffic", Subject: strings.Join(files, ", "), Traffic: stats}
	for _, v := range specs.Vendors() {
		if stats.PerVendor[v] > 0 {
			r.Vendors = append(r.Vendors, v)
		}
	}
	for _, a := range found {
		a.f.Location = fmt.Sprintf("%s entry %d", files[a.file], a.entry)
		r.Findings = append(r.Findings, a.f)
	}
	r.Sort()
	return r, nil
}

func readFile(ctx context.Context, i int, name string, router *Router, opts Options, stats *report.TrafficStats, jobs chan<- job) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = Stream(f, func(e *Entry) error {
		stats.Exchanges++
		if e.Response.Status <= 0 {
			// No response was recorded (a browser's blocked or aborted request records 0 or -1):
			// nothing to judge.
			stats.Skipped++
			return nil
		}
		if e.Request.Method == "" {
			return fmt.Errorf("entry %d: the request has no method", e.Index)
		}
		u, err := url.Parse(e.Request.URL)
		if err != nil || u.Host == "" && !strings.HasPrefix(u.Path, "/") {
			return fmt.Errorf("entry %d: request URL %q is not an absolute URL", e.Index, e.Request.URL)
		}
		t, err := router.Route(u, e.Vendor)
		if err != nil {
			if errors.Is(err, ErrUnknownHost) && opts.SkipUnknownHosts {
				stats.Skipped++
				return nil
			}
			if errors.Is(err, ErrUnknownHost) {
				return fmt.Errorf("entry %d: %s %s: %w (map it with --vendor-map HOST=VENDOR or /PREFIX=VENDOR, or pass --skip-unknown-hosts)", e.Index, e.Request.Method, u.Redacted(), err)
			}
			return fmt.Errorf("entry %d: %w", e.Index, err)
		}
		select {
		case jobs <- job{file: i, entry: e, url: u, target: t}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// startProgress prints a progress line every opts.ProgressEvery until the returned function is
// called, which ends the line.
func startProgress(opts Options, line func() string) func() {
	if opts.Progress == nil {
		return func() {}
	}
	every := opts.ProgressEvery
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fmt.Fprintf(opts.Progress, "\r%s", line())
			case <-done:
				fmt.Fprintf(opts.Progress, "\r%s\n", line())
				return
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}
