package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/gen/which50"
)

// config is a run's settings, from the flags.
type config struct {
	server              string
	requests, workers   int
	groups, groupSize   int
	seed                uint64
	timeLimit           time.Duration
	faultsOn            bool
	faults              faults
	attempts            int
	baseDelay, maxDelay time.Duration
	attemptTimeout      time.Duration
	serverPID           int
	creds               credentials
}

// countingDoer sends one worker's requests to one vendor and counts each attempt's outcome. A
// worker makes one update at a time, so it needs no lock.
type countingDoer struct {
	vendor string
	client *http.Client
	st     *workerStats
	// transportErr is set when an attempt of the current update got no answer: the server may
	// have applied it all the same.
	transportErr bool
}

func (d *countingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.client.Do(req)
	d.st.requests++
	if err != nil {
		d.transportErr = true
		d.st.attempts[d.vendor+" "+transportKind(err)]++
		return nil, err
	}
	d.st.attempts[d.vendor+" "+strconv.Itoa(resp.StatusCode)]++
	if v := resp.Header.Get(mock.ContractViolationHeader); v != "" {
		d.st.violations++
		if d.st.violationSample == "" {
			d.st.violationSample = d.vendor + " " + req.Method + " " + req.URL.Path + ": " + v
		}
	}
	return resp, nil
}

// workerStats is one worker's tally, merged after the run.
type workerStats struct {
	latencies    map[string][]time.Duration // per vendor
	errors       map[string]int
	errorSamples map[string]string
	attempts     map[string]int
	requests     int
	violations   int
	// violationSample is the first answer marked as violating its spec.
	violationSample string
	made, failed    int
}

func newWorkerStats() *workerStats {
	return &workerStats{latencies: map[string][]time.Duration{}, errors: map[string]int{}, errorSamples: map[string]string{}, attempts: map[string]int{}}
}

type vendorClient struct {
	doer   *countingDoer
	writer writer
}

// results is what a run produced, for the report.
type results struct {
	planned    int
	elapsed    time.Duration
	stats      *workerStats
	timeLimit  bool
	check      *verdict
	serverMem  *memory
	serverMem0 *memory
	loadMem    *memory
	memNotes   []string
}

// execute runs the load described by cfg.
func execute(ctx context.Context, cfg config) (*results, error) {
	ds := drivers(cfg.creds)
	units, err := plan(ds, cfg.groups, cfg.groupSize, cfg.workers)
	if err != nil {
		return nil, err
	}
	// One pool for every client, large enough that no worker's connection is closed for want of
	// an idle slot (net/http keeps 2 per host by default): churn would measure dialing, not the
	// server.
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        4 * cfg.workers,
		MaxIdleConnsPerHost: 4 * cfg.workers,
		IdleConnTimeout:     30 * time.Second,
	}
	defer transport.CloseIdleConnections()
	adm := &admin{base: cfg.server, client: &http.Client{Transport: transport}}
	if err := adm.probe(ctx, ds[0].name()); err != nil {
		return nil, err
	}
	fixtures := map[string]any{}
	for _, d := range ds {
		if fixtures[d.name()], err = d.fixtures(cfg.groups, cfg.groupSize); err != nil {
			return nil, fmt.Errorf("%s fixtures: %w", d.name(), err)
		}
	}
	if err := adm.loadFixtures(ctx, fixtures); err != nil {
		return nil, fmt.Errorf("load the fixtures: %w", err)
	}
	led := newLedger(ds, units)
	initial := map[string]vendorState{}
	for _, d := range ds {
		raw, err := adm.state(ctx, d.name())
		if err != nil {
			return nil, err
		}
		var vs vendorState
		if vs.contacts, vs.rest, err = d.split(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", d.name(), err)
		}
		if err := led.setInitial(d.name(), vs.contacts); err != nil {
			return nil, err
		}
		initial[d.name()] = vs
	}
	res := &results{planned: cfg.requests, stats: newWorkerStats()}
	if cfg.serverPID > 0 {
		if m, err := readMemory(strconv.Itoa(cfg.serverPID)); err == nil {
			res.serverMem0 = &m
		} else {
			res.memNotes = append(res.memNotes, err.Error())
		}
	}
	if cfg.faultsOn {
		// Cleared whatever happens, so that a server left running is not left failing.
		defer func() {
			for _, d := range ds {
				adm.setFaults(context.Background(), d.name(), faults{})
			}
		}()
		for _, d := range ds {
			if err := adm.setFaults(ctx, d.name(), cfg.faults); err != nil {
				return nil, fmt.Errorf("set faults: %w", err)
			}
		}
	}

	retry := apiclient.RetryPolicy{MaxAttempts: cfg.attempts, BaseDelay: cfg.baseDelay, MaxDelay: cfg.maxDelay}
	stats := make([]*workerStats, cfg.workers)
	clients := make([][]vendorClient, cfg.workers)
	for w := range cfg.workers {
		stats[w] = newWorkerStats()
		for _, d := range ds {
			doer := &countingDoer{vendor: d.name(), st: stats[w], client: &http.Client{
				Transport: transport,
				Timeout:   cfg.attemptTimeout,
				// Valomnia's client follows its login redirect itself (gen/valomnia, session.go).
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}}
			wr, err := d.newClient(cfg.server, apiclient.WithHTTPClient(doer), apiclient.WithRetryPolicy(retry))
			if err != nil {
				return nil, fmt.Errorf("%s client: %w", d.name(), err)
			}
			clients[w] = append(clients[w], vendorClient{doer, wr})
		}
	}

	runCtx, cancel := context.WithTimeout(ctx, cfg.timeLimit)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.workers {
		n := cfg.requests / cfg.workers
		if w < cfg.requests%cfg.workers {
			n++
		}
		wg.Go(func() { work(runCtx, ds, units[w], clients[w], stats[w], led, cfg.seed, w, n) })
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.timeLimit = runCtx.Err() != nil && ctx.Err() == nil
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	for _, st := range stats {
		res.stats.merge(st)
	}

	final := map[string]vendorState{}
	for _, d := range ds {
		raw, err := adm.state(ctx, d.name())
		if err != nil {
			return nil, err
		}
		var vs vendorState
		if vs.contacts, vs.rest, err = d.split(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", d.name(), err)
		}
		final[d.name()] = vs
	}
	res.check = led.check(ds, initial, final)
	if cfg.serverPID > 0 {
		if m, err := readMemory(strconv.Itoa(cfg.serverPID)); err == nil {
			res.serverMem = &m
		} else {
			res.memNotes = append(res.memNotes, err.Error())
		}
	} else {
		res.memNotes = append(res.memNotes, "server memory not measured: pass -server-pid (make load does)")
	}
	if m, err := readMemory("self"); err == nil {
		res.loadMem = &m
	} else {
		res.memNotes = append(res.memNotes, err.Error())
	}
	return res, nil
}

// work makes worker w's n updates, one after the other.
func work(ctx context.Context, ds []driver, units []*unit, clients []vendorClient, st *workerStats, led *ledger, seed uint64, w, n int) {
	rng := rand.New(rand.NewPCG(seed, uint64(w)))
	for i := range n {
		if ctx.Err() != nil {
			return
		}
		up := nextUpdate(rng, ds, units, w, i+1)
		d, cl := ds[up.unit.vendor], clients[up.unit.vendor]
		cl.doer.transportErr = false
		start := time.Now()
		answer, err := cl.writer.write(ctx, up.values)
		elapsed := time.Since(start)
		if err == nil {
			err = checkAnswer(d, up, answer)
		}
		kind, o := classify(err)
		if o == refused && cl.doer.transportErr {
			// An earlier attempt got no answer and may have been applied before the refusal.
			o = unknown
		}
		led.record(d.name(), up, o)
		st.made++
		st.latencies[d.name()] = append(st.latencies[d.name()], elapsed)
		if err != nil {
			st.failed++
			kind = d.name() + " " + kind
			st.errors[kind]++
			if _, ok := st.errorSamples[kind]; !ok {
				st.errorSamples[kind] = err.Error()
			}
		}
	}
}

// checkAnswer compares the contact a vendor answered with the values sent.
func checkAnswer(d driver, up update, answer map[string]map[string]any) error {
	for c, got := range answer {
		for _, f := range up.unit.fields {
			sent, ok := up.values[c][f.name]
			if !ok {
				continue
			}
			if v, isText := text(got[f.name]); !isText || !d.matches(f, sent, v) {
				return &answerError{fmt.Sprintf("%s answered contact %s with %s %v, not the %q just sent", d.name(), c, f.name, got[f.name], sent)}
			}
		}
	}
	return nil
}

// classify names an update's failure and says what it implies for the state.
func classify(err error) (string, outcome) {
	if err == nil {
		return "", acked
	}
	var (
		ans *answerError
		iv  *iovox.APIError
		va  *valomnia.APIError
		wh  *which50.APIError
		au  *auregister.APIError
		rl  *auregister.RuleError
		img *valomnia.ImageError
	)
	switch {
	case errors.As(err, &ans):
		return "answer contradicts the update", acked
	case errors.As(err, &iv):
		ids := make([]string, 0, len(iv.Errors))
		for _, e := range iv.Errors {
			ids = append(ids, orUnknown(e.ID))
		}
		return fmt.Sprintf("%d %s", iv.StatusCode, strings.Join(slices.Compact(ids), ",")), refused
	case errors.As(err, &va):
		return fmt.Sprintf("%s %d %s", va.Operation, va.StatusCode, orUnknown(va.ID)), refused
	case errors.As(err, &wh):
		return fmt.Sprintf("%d %s", wh.StatusCode, orUnknown(wh.ID)), refused
	case errors.As(err, &au):
		return fmt.Sprintf("%d %s", au.StatusCode, orUnknown(au.ID)), refused
	case errors.As(err, &rl), errors.As(err, &img):
		return "refused by the client", refused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "time limit", unknown
	}
	return transportKind(err), unknown
}

func orUnknown(id string) string {
	if id == "" {
		return "(not in the catalogue)"
	}
	return id
}

// transportKind names a failure to get an answer.
func transportKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "time limit"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &ne) && ne.Timeout():
		return "attempt timeout"
	}
	return "transport error"
}

func (s *workerStats) merge(o *workerStats) {
	for k, v := range o.latencies {
		s.latencies[k] = append(s.latencies[k], v...)
	}
	for k, v := range o.errors {
		s.errors[k] += v
	}
	for k, v := range o.errorSamples {
		if _, ok := s.errorSamples[k]; !ok {
			s.errorSamples[k] = v
		}
	}
	for k, v := range o.attempts {
		s.attempts[k] += v
	}
	s.requests += o.requests
	s.violations += o.violations
	if s.violationSample == "" {
		s.violationSample = o.violationSample
	}
	s.made += o.made
	s.failed += o.failed
}
