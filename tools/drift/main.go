package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/ack"
	"github.com/contactapis/contactapis/tools/drift/internal/probe"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
	"github.com/contactapis/contactapis/tools/drift/internal/traffic"
)

// Exit statuses.
const (
	exitClean    = 0
	exitFindings = 1
	exitUsage    = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, defaultEnv())
	stop()
	os.Exit(code)
}

// env is what the command takes from its surroundings, so tests can fix it.
type env struct {
	now        func() time.Time
	isTerminal func(io.Writer) bool
	// getenv and environ read the environment (drift probe's credentials, and what the suite it
	// runs inherits); nil means an empty one.
	getenv  func(string) string
	environ func() []string
	// probes, when set, replaces the registered discrepancy probes of a vendor (tests).
	probes func(vendor string) ([]probe.Probe, map[string]string)
}

// lookup reads one variable of the environment.
func (e env) lookup(name string) string {
	if e.getenv == nil {
		return ""
	}
	return e.getenv(name)
}

// environment is the whole environment, for a child process.
func (e env) environment() []string {
	if e.environ == nil {
		return []string{}
	}
	return e.environ()
}

func defaultEnv() env {
	return env{
		now:     time.Now,
		getenv:  os.Getenv,
		environ: os.Environ,
		isTerminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		},
	}
}

const usage = `usage:
  drift spec --base REV [--head REV] [--vendor V]... [--ack FILE] [--format F]
  drift spec --base-file OLD.yaml --head-file NEW.yaml --vendor V [--ack FILE] [--format F]
  drift traffic [--vendor-map HOST-OR-PREFIX=VENDOR]... [--baseline FILE] [--format F] FILE.har...
  drift probe --vendor V... [--target live|url] [--url BASE] [--suite PATH] [--allow-mutations] [--request-budget N] [--har FILE] [--baseline FILE] [--format F]
  drift replay [--url BASE] [--fixtures FILE] [--vendor-map HOST-OR-PREFIX=VENDOR]... [--baseline FILE] [--format F] FILE.har...

Formats: text, json, markdown, junit. Exit status: 0 clean, 1 findings, 2 usage or input error.
Run "drift <command> -h" for the flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	var err error
	var code int
	switch cmd {
	case "spec":
		code, err = runSpec(ctx, rest, stdout, stderr, e)
	case "traffic":
		code, err = runTraffic(ctx, rest, stdout, stderr, e)
	case "replay":
		code, err = runReplay(ctx, rest, stdout, stderr, e)
	case "probe":
		code, err = runProbe(ctx, rest, stdout, stderr, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitClean
	default:
		fmt.Fprintf(stderr, "drift: unknown command %q (commands: spec, traffic, probe, replay; \"drift help\" prints the usage)\n", cmd)
		return exitUsage
	}
	if errors.Is(err, errHelp) {
		return exitClean
	}
	if err != nil {
		fmt.Fprintf(stderr, "drift %s: %s\n", cmd, oneLine(err.Error()))
		return exitUsage
	}
	return code
}

// oneLine keeps error output to one line whatever a library put in its message.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ⏎ ")), " ")
}

// usageError marks errors in the command line.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errHelp is returned by parse after printing help for -h.
var errHelp = errors.New("help")

// parse parses flags interspersed with arguments ("drift traffic a.har --format json"), which the
// flag package alone stops at. -h prints the help on stdout and returns errHelp.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, errHelp
		} else if err != nil {
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// listFlag is a repeatable flag; each value may also be a comma-separated list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// repeatFlag is a repeatable flag taken as is.
type repeatFlag []string

func (r *repeatFlag) String() string     { return strings.Join(*r, " ") }
func (r *repeatFlag) Set(s string) error { *r = append(*r, s); return nil }

func checkFormat(f string) error {
	if !slices.Contains(report.Formats, f) {
		return usagef("--format %q: want one of %s", f, strings.Join(report.Formats, ", "))
	}
	return nil
}

// vendorsOf validates --vendor values; none means every vendor.
func vendorsOf(list []string) ([]string, error) {
	if len(list) == 0 {
		return specs.Vendors(), nil
	}
	var out []string
	for _, v := range specs.Vendors() {
		if slices.Contains(list, v) {
			out = append(out, v)
		}
	}
	for _, v := range list {
		if !slices.Contains(out, v) {
			return nil, usagef("--vendor %q: unknown vendor (known: %s)", v, strings.Join(specs.Vendors(), ", "))
		}
	}
	return out, nil
}

// finish writes the report and gives the exit status.
func finish(stdout io.Writer, format string, r *report.Report) (int, error) {
	if err := report.Write(stdout, format, r); err != nil {
		return exitUsage, fmt.Errorf("write report: %w", err)
	}
	if r.Failing() > 0 {
		return exitFindings, nil
	}
	return exitClean, nil
}

// newFlagSet returns a flag set that prints nothing while parsing: a bad flag gets the one-line
// error of run, help only comes with -h.
func newFlagSet(name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet("drift "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help)
		fs.PrintDefaults()
	}
	return fs
}

// parseRules reads --vendor-map values.
func parseRules(maps []string) ([]traffic.Rule, error) {
	var rules []traffic.Rule
	for _, m := range maps {
		rule, err := traffic.ParseRule(m)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// loadBaseline reads a --baseline file whose entries may name the given classes; none given is
// an empty set. Commands read it before they run: a broken baseline must not cost a long run first.
func loadBaseline(path string, classes []string) (*ack.Set, error) {
	if path == "" {
		return nil, nil
	}
	return ack.Load(path, path, ack.Baseline, classes)
}
