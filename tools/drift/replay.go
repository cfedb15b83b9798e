package main

import (
	"context"
	"io"

	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/replay"
)

const replayHelp = `usage: drift replay [--url BASE] [--fixtures FILE] [--vendor-map HOST-OR-PREFIX=VENDOR]... [--baseline FILE] [--strict] [--format F] FILE.har...

Sends the requests recorded in HAR 1.2 files to the mock, in order and one at a time, and compares
the mock's answers with the recorded ones: status, media type, error messages and body shape.
The mock is the four mocks served in process, or a running tools/mockserver at --url (its root
URL). The mock is reset before the first exchange and whenever the entry's _spec changes; a
capture of a live vendor needs its records in the mock (--fixtures). Routing is drift traffic's.
Every finding has a severity: breaking (a field gone or retyped, a status or error code changed,
something documented refused), non-breaking (a new field or enum value in an answer, something
refused now accepted) or info. Breaking findings fail (exit 1) unless the baseline excuses them;
non-breaking ones are reported and fail only with --strict.

`

func runReplay(ctx context.Context, args []string, stdout, _ io.Writer, e env) (int, error) {
	fs := newFlagSet("replay", replayHelp)
	mockURL := fs.String("url", "", "root `URL` of a running tools/mockserver (default: the mocks in process)")
	fixtures := fs.String("fixtures", "", "fixtures `file` loaded into the mock first (conformance/mock's format, one member per vendor)")
	var maps repeatFlag
	fs.Var(&maps, "vendor-map", "route `host-or-prefix=vendor` (repeatable; tried before the defaults)")
	baseline := fs.String("baseline", "", "baseline `file` of known deviations")
	format := fs.String("format", "text", "output `format`: text, json, markdown or junit")
	strict := fs.Bool("strict", false, "fail on non-breaking findings too (a new field or enum value in an answer, a refused request now accepted)")
	skipUnknown := fs.Bool("skip-unknown-hosts", false, "skip exchanges no rule routes (a browser's fonts and analytics) instead of failing")
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
	opts := replay.Options{URL: *mockURL, Fixtures: *fixtures, SkipUnknownHosts: *skipUnknown}
	if opts.Rules, err = parseRules(maps); err != nil {
		return exitUsage, err
	}
	acks, err := loadBaseline(*baseline, replay.Classes)
	if err != nil {
		return exitUsage, err
	}
	r, err := replay.Run(ctx, files, opts)
	if err != nil {
		return exitUsage, err
	}
	r.Strict = *strict
	acks.Apply(r, e.now(), specs.Vendors())
	return finish(stdout, *format, r)
}
