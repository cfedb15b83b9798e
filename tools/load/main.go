package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/vendors"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var failed *failedError
	switch {
	case errors.As(err, &failed):
		os.Exit(1) // the report says why
	case err != nil:
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
}

// failedError is a run that finished and failed its checks; the report on stdout says why.
type failedError struct{ failures []string }

func (e *failedError) Error() string { return "load run failed: " + strings.Join(e.failures, "; ") }

// run is the command. It returns a *failedError when the run completed but failed its checks.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, jsonOut, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	res, err := execute(ctx, cfg)
	if err != nil {
		return err
	}
	rep := newReport(cfg, res)
	if jsonOut {
		if err := rep.writeJSON(stdout); err != nil {
			return err
		}
	} else {
		rep.writeText(stdout)
	}
	if !rep.Passed {
		return &failedError{rep.Failures}
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, bool, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.server, "server", "", "root URL of a running tools/mockserver, e.g. http://127.0.0.1:8080 (required)")
	fs.IntVar(&cfg.requests, "requests", 20000, "updates to make in all")
	fs.IntVar(&cfg.workers, "workers", 16, "concurrent clients")
	fs.IntVar(&cfg.groups, "groups", 4, "contact groups per vendor")
	fs.IntVar(&cfg.groupSize, "group-size", 2, "contacts per group")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the workers' choice of updates")
	fs.DurationVar(&cfg.timeLimit, "time-limit", time.Minute, "stop making updates after this long (the run then fails)")
	fs.BoolVar(&cfg.faultsOn, "faults", false, "inject faults on every vendor through the admin API, and retry")
	fs.DurationVar(&cfg.faults.Latency, "fault-latency", time.Millisecond, "with -faults: latency added to every request")
	fs.DurationVar(&cfg.faults.Jitter, "fault-jitter", 4*time.Millisecond, "with -faults: random extra latency, up to this")
	fs.Float64Var(&cfg.faults.ErrorRate, "fault-error-rate", 0.2, "with -faults: share of requests answered with the vendor's documented 500")
	fs.IntVar(&cfg.attempts, "attempts", 0, "attempts per update, the first included (default: 1 without -faults, 12 with)")
	fs.DurationVar(&cfg.baseDelay, "retry-base-delay", time.Millisecond, "first retry back-off ceiling (doubling, full jitter)")
	fs.DurationVar(&cfg.maxDelay, "retry-max-delay", 32*time.Millisecond, "largest retry back-off ceiling")
	fs.DurationVar(&cfg.attemptTimeout, "attempt-timeout", 30*time.Second, "time limit of one HTTP attempt")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "process id of the server, to report its peak memory (Linux /proc)")
	jsonOut := fs.Bool("json", false, "write the report as JSON instead of text")
	// One flag per credential of each vendor, as tools/mockserver takes them (the registry,
	// vendors, lists them), defaulting to the mocks' test values.
	credFlags := map[string]map[string]*string{}
	for _, v := range vendors.All() {
		credFlags[v.Name] = map[string]*string{}
		for _, cr := range v.Required() {
			credFlags[v.Name][cr.Key] = fs.String(cr.Flag(v.Name), cr.Test, cr.Usage+" (as the server was started with)")
		}
	}
	if err := fs.Parse(args); err != nil {
		return config{}, false, err
	}
	if fs.NArg() > 0 {
		return config{}, false, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	cfg.creds = credentials{}
	for vendor, flags := range credFlags {
		cfg.creds[vendor] = vendors.Credentials{}
		for key, val := range flags {
			cfg.creds[vendor][key] = apiclient.NewSecret(*val)
		}
	}
	if cfg.attempts == 0 {
		// Without faults every failure is a finding, so none is hidden by a retry.
		cfg.attempts = 1
		if cfg.faultsOn {
			cfg.attempts = 12
		}
	}
	u, err := url.Parse(cfg.server)
	switch {
	case cfg.server == "":
		return config{}, false, errors.New("-server is required: the root URL of a running tools/mockserver (make load starts one)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return config{}, false, fmt.Errorf("-server %q: want a root URL such as http://127.0.0.1:8080", cfg.server)
	case cfg.requests < 1, cfg.workers < 1, cfg.groups < 1, cfg.groupSize < 1:
		return config{}, false, errors.New("-requests, -workers, -groups and -group-size must be at least 1")
	case cfg.attempts < 1:
		return config{}, false, errors.New("-attempts must be at least 1")
	case cfg.timeLimit <= 0, cfg.attemptTimeout <= 0:
		return config{}, false, errors.New("-time-limit and -attempt-timeout must be positive")
	case cfg.baseDelay < 0, cfg.maxDelay < 0:
		return config{}, false, errors.New("-retry-base-delay and -retry-max-delay must not be negative")
	case cfg.faults.ErrorRate < 0 || cfg.faults.ErrorRate >= 1:
		// At 1 no update could ever complete.
		return config{}, false, errors.New("-fault-error-rate must be at least 0 and below 1")
	}
	cfg.server = strings.TrimRight(cfg.server, "/")
	return cfg, *jsonOut, nil
}
