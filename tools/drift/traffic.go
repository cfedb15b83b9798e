package main

import (
	"context"
	"io"

	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/traffic"
)

const trafficHelp = `usage: drift traffic [--vendor-map HOST-OR-PREFIX=VENDOR]... [--baseline FILE] [--strict] [--format F] FILE.har...

Validates the exchanges recorded in HAR 1.2 files against the vendors' specs. Each entry goes to
the vendor its _vendor field names, else the first --vendor-map rule that matches (host[:port],
host/prefix or /prefix), else the vendors' documented hosts, else tools/mockserver's prefixes
(/iovox, /valomnia, /which50, /auregister).
Every finding has a severity: breaking (a field gone or retyped, a status or error code changed,
something documented refused), non-breaking (a new field or enum value in an answer, something
refused now accepted) or info. Breaking findings fail (exit 1) unless the baseline excuses them;
non-breaking ones are reported and fail only with --strict.

`

func runTraffic(ctx context.Context, args []string, stdout, stderr io.Writer, e env) (int, error) {
	fs := newFlagSet("traffic", trafficHelp)
	var maps repeatFlag
	fs.Var(&maps, "vendor-map", "route `host-or-prefix=vendor` (repeatable; tried before the defaults)")
	baseline := fs.String("baseline", "", "baseline `file` of known deviations")
	format := fs.String("format", "text", "output `format`: text, json, markdown or junit")
	skipUnknown := fs.Bool("skip-unknown-hosts", false, "skip exchanges no rule routes (a browser's fonts and analytics) instead of failing")
	strict := fs.Bool("strict", false, "fail on non-breaking findings too (a new field or enum value in an answer, a refused request now accepted)")
	workers := fs.Int("workers", 0, "exchanges validated in parallel (default: GOMAXPROCS)")
	files, err := parse(fs, args, stdout)
	if err != nil {
		return exitUsage, err
	}
	if err := checkFormat(*format); err != nil {
		return exitUsage, err
	}
	if len(files) == 0 {
		return exitUsage, usagef("no HAR file given")
	}
	opts := traffic.Options{SkipUnknownHosts: *skipUnknown, Workers: *workers}
	if opts.Rules, err = parseRules(maps); err != nil {
		return exitUsage, err
	}
	acks, err := loadBaseline(*baseline, traffic.Classes)
	if err != nil {
		return exitUsage, err
	}
	if e.isTerminal(stderr) {
		opts.Progress = stderr
	}
	r, err := traffic.Run(ctx, files, opts)
	if err != nil {
		return exitUsage, err
	}
	r.Strict = *strict
	acks.Apply(r, e.now(), specs.Vendors())
	return finish(stdout, *format, r)
}
