package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// percentiles of update latency in milliseconds, by nearest rank.
type percentiles struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50Ms"`
	P90 float64 `json:"p90Ms"`
	P99 float64 `json:"p99Ms"`
	Max float64 `json:"maxMs"`
}

func percentilesOf(ds []time.Duration) percentiles {
	if len(ds) == 0 {
		return percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return ms(s[max(i, 0)])
	}
	return percentiles{N: len(s), P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000 }

// report is the JSON form of a run (-json); the text form prints the same.
type report struct {
	Server  string `json:"server"`
	Workers int    `json:"workers"`
	Seed    uint64 `json:"seed"`
	// Faults are those set on every vendor (durations in nanoseconds), nil without -faults.
	Faults      *faults `json:"faults,omitempty"`
	MaxAttempts int     `json:"maxAttempts"`

	UpdatesPlanned   int     `json:"updatesPlanned"`
	UpdatesMade      int     `json:"updatesMade"`
	UpdatesFailed    int     `json:"updatesFailed"`
	HTTPRequests     int     `json:"httpRequests"`
	Seconds          float64 `json:"seconds"`
	UpdatesPerSecond float64 `json:"updatesPerSecond"`
	RequestsPerSec   float64 `json:"httpRequestsPerSecond"`
	TimeLimitReached bool    `json:"timeLimitReached"`

	// Latency of whole updates (retries and logins included): "all" and per vendor.
	Latency map[string]percentiles `json:"latency"`
	// Errors are updates that failed, by vendor and kind; ErrorSamples one message of each.
	Errors       map[string]int    `json:"errors"`
	ErrorSamples map[string]string `json:"errorSamples,omitempty"`
	// Attempts are HTTP requests by vendor and status (or transport failure).
	Attempts           map[string]int `json:"attempts"`
	ContractViolations int            `json:"contractViolations"`
	ViolationSample    string         `json:"violationSample,omitempty"`

	Check *verdict `json:"check"`

	ServerMemoryBefore *memory  `json:"serverMemoryBefore,omitempty"`
	ServerMemory       *memory  `json:"serverMemory,omitempty"`
	LoadMemory         *memory  `json:"loadMemory,omitempty"`
	MemoryNotes        []string `json:"memoryNotes,omitempty"`

	Passed   bool     `json:"passed"`
	Failures []string `json:"failures,omitempty"`
}

func newReport(cfg config, r *results) *report {
	rep := &report{
		Server: cfg.server, Workers: cfg.workers, Seed: cfg.seed, MaxAttempts: cfg.attempts,
		UpdatesPlanned: r.planned, UpdatesMade: r.stats.made, UpdatesFailed: r.stats.failed,
		HTTPRequests: r.stats.requests, Seconds: r.elapsed.Seconds(), TimeLimitReached: r.timeLimit,
		Latency: map[string]percentiles{}, Errors: r.stats.errors, ErrorSamples: r.stats.errorSamples,
		Attempts: r.stats.attempts, ContractViolations: r.stats.violations, ViolationSample: r.stats.violationSample,
		Check: r.check, ServerMemoryBefore: r.serverMem0, ServerMemory: r.serverMem, LoadMemory: r.loadMem,
		MemoryNotes: r.memNotes,
	}
	if cfg.faultsOn {
		f := cfg.faults
		rep.Faults = &f
	}
	if s := r.elapsed.Seconds(); s > 0 {
		rep.UpdatesPerSecond = math.Round(float64(r.stats.made)/s*10) / 10
		rep.RequestsPerSec = math.Round(float64(r.stats.requests)/s*10) / 10
	}
	var all []time.Duration
	for v, ls := range r.stats.latencies {
		rep.Latency[v] = percentilesOf(ls)
		all = append(all, ls...)
	}
	rep.Latency["all"] = percentilesOf(all)
	if r.stats.made < r.planned {
		rep.Failures = append(rep.Failures, fmt.Sprintf("only %d of %d updates were made before the time limit (%v)", r.stats.made, r.planned, cfg.timeLimit))
	}
	if r.stats.failed > 0 {
		rep.Failures = append(rep.Failures, fmt.Sprintf("%d updates did not complete", r.stats.failed))
	}
	if r.stats.violations > 0 {
		rep.Failures = append(rep.Failures, fmt.Sprintf("%d answers violated their spec", r.stats.violations))
	}
	if !r.check.ok() {
		rep.Failures = append(rep.Failures, fmt.Sprintf("the final state is not the one the answers imply (%d fields mismatched, %d lost and %d half-applied updates, %d stray changes)",
			r.check.Mismatched, r.check.LostUpdates, r.check.HalfApplied, r.check.Stray))
	}
	rep.Passed = len(rep.Failures) == 0
	return rep
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *report) writeText(w io.Writer) {
	fmt.Fprintf(w, "load: %d updates by %d workers against %s (seed %d)\n", r.UpdatesPlanned, r.Workers, r.Server, r.Seed)
	if r.Faults != nil {
		fmt.Fprintf(w, "  faults on every vendor: latency %v + jitter up to %v, error rate %.2f; clients retry up to %d attempts\n",
			r.Faults.Latency, r.Faults.Jitter, r.Faults.ErrorRate, r.MaxAttempts)
	} else {
		fmt.Fprintf(w, "  no faults; clients make %d attempt(s) per update\n", r.MaxAttempts)
	}
	fmt.Fprintf(w, "  %d updates (%d HTTP requests) in %.2fs: %.1f updates/s, %.1f requests/s\n",
		r.UpdatesMade, r.HTTPRequests, r.Seconds, r.UpdatesPerSecond, r.RequestsPerSec)
	fmt.Fprintf(w, "  update latency (ms)  %6s %8s %8s %8s %8s\n", "n", "p50", "p90", "p99", "max")
	names := slices.Sorted(maps.Keys(r.Latency))
	names = append([]string{"all"}, slices.DeleteFunc(names, func(s string) bool { return s == "all" })...)
	for _, n := range names {
		p := r.Latency[n]
		fmt.Fprintf(w, "    %-18s %6d %8.2f %8.2f %8.2f %8.2f\n", n, p.N, p.P50, p.P90, p.P99, p.Max)
	}
	fmt.Fprintf(w, "  attempts by answer: %s\n", counts(r.Attempts))
	if len(r.Errors) == 0 {
		fmt.Fprintln(w, "  failed updates: none")
	} else {
		fmt.Fprintln(w, "  failed updates:")
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			fmt.Fprintf(w, "    %s: %d (e.g. %s)\n", k, r.Errors[k], r.ErrorSamples[k])
		}
	}
	fmt.Fprintf(w, "  answers violating their spec: %d", r.ContractViolations)
	if r.ViolationSample != "" {
		fmt.Fprintf(w, " (e.g. %s)", r.ViolationSample)
	}
	fmt.Fprintln(w)
	c := r.Check
	if c.ok() {
		fmt.Fprintf(w, "  state: exact: %d written fields hold their last acknowledged value", c.SlotsChecked)
		if c.SlotsLoose > 0 {
			fmt.Fprintf(w, " (%d checked loosely: an update of theirs had an unknown fate)", c.SlotsLoose)
		}
		fmt.Fprintln(w, "; nothing else changed")
	} else {
		fmt.Fprintf(w, "  state: WRONG: %d of %d written fields mismatched (%d lost and %d half-applied updates, %d refused updates applied, %d foreign values), %d stray changes\n",
			c.Mismatched, c.SlotsChecked, c.LostUpdates, c.HalfApplied, c.RefusedApplied, c.Foreign, c.Stray)
		for _, p := range c.Problems {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	var mem []string
	if r.ServerMemory != nil {
		s := "server peak RSS " + mib(r.ServerMemory.PeakRSS)
		if r.ServerMemoryBefore != nil {
			s += fmt.Sprintf(" (RSS %s before the load, %s after)", mib(r.ServerMemoryBefore.CurrentRSS), mib(r.ServerMemory.CurrentRSS))
		}
		mem = append(mem, s)
	}
	if r.LoadMemory != nil {
		mem = append(mem, "load command peak RSS "+mib(r.LoadMemory.PeakRSS))
	}
	mem = append(mem, r.MemoryNotes...)
	fmt.Fprintf(w, "  memory: %s\n", strings.Join(mem, "; "))
	if r.Passed {
		fmt.Fprintln(w, "PASS")
	} else {
		fmt.Fprintf(w, "FAIL: %s\n", strings.Join(r.Failures, "; "))
	}
}

func counts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
