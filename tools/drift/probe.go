package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/contactapis/contactapis/conformance/suiteconfig"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/probe"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
	"github.com/contactapis/contactapis/tools/drift/internal/suite"
	"github.com/contactapis/contactapis/tools/drift/internal/traffic"
)

const probeHelp = `usage: drift probe --vendor V [--vendor V2]... [--target live|url] [--url BASE] [--suite PATH]
                   [--allow-mutations] [--request-budget N] [--har FILE] [--baseline FILE] [--strict] [--format F]

Probes each vendor three ways and reports everything as one set of findings:
  1. runs the conformance suite's live-safe specs (with --allow-mutations, every spec that is not
     mock-only) against the target; each failed spec is a finding (suite-spec-failed);
  2. validates the suite's recording of that run against the specs, as drift traffic does;
  3. runs the x-doc-discrepancy probes: for each contradiction of a vendor page that a live run can
     settle, which reading the vendor follows. doc-discrepancy-page and doc-discrepancy-neither
     fail (the spec must change); doc-discrepancy-spec confirms the spec; doc-discrepancy-unsettled
     says why a probe could not tell.
The target, credentials and fixture records come from the CONTACTAPIS_<VENDOR>_* environment the
conformance suite reads (see README.md); --target url points at a running server such as
tools/mockserver instead. Every finding has a severity: breaking (a field gone or retyped, a status or error code changed,
something documented refused), non-breaking (a new field or enum value in an answer, something
refused now accepted) or info. Breaking findings fail (exit 1) unless the baseline excuses them;
non-breaking ones are reported and fail only with --strict.
--strict is passed on to the suite, whose specs then fail on non-breaking findings too.

`

// defaultLiveBudget caps the discrepancy probes' requests to a live vendor, per vendor.
const defaultLiveBudget = 100

func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer, e env) (int, error) {
	fs := newFlagSet("probe", probeHelp)
	var vendorList listFlag
	fs.Var(&vendorList, "vendor", "`vendor` to probe (repeatable or comma-separated; at least one)")
	target := fs.String("target", string(suiteconfig.Live), "what to probe: live (the vendors, credentials from the environment) or url (a running server)")
	baseURL := fs.String("url", "", "base `URL` of the vendor (one --vendor only; default: CONTACTAPIS_<VENDOR>_BASE_URL, else the vendor's public host)")
	suitePath := fs.String("suite", "", "prebuilt conformance suite `binary` (go test -c ./conformance); default: build it")
	allowMutations := fs.Bool("allow-mutations", false, "also run specs and probes that write data, on the records CONTACTAPIS_<VENDOR>_<KEY> names")
	budget := fs.Int("request-budget", 0, "cap on the requests of the discrepancy probes per vendor, and of the suite run (default: 100 probes' and the suite's 300 on live, none on url)")
	harPath := fs.String("har", "", "keep the suite's recording, secrets redacted, as a HAR 1.2 `file`")
	baseline := fs.String("baseline", "", "baseline `file` of known deviations (traffic classes and probe rules)")
	format := fs.String("format", "text", "output `format`: text, json, markdown or junit")
	strict := fs.Bool("strict", false, "fail on non-breaking findings too (a new field or enum value in an answer, a refused request now accepted)")
	timeout := fs.Duration("probe-timeout", probe.DefaultTimeout, "time allowed to each discrepancy probe")
	seed := fs.Int64("seed", 0, "the suite's random `seed` (ginkgo's), to repeat a run's spec order; default: a new one")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return exitUsage, err
	}
	if err := checkFormat(*format); err != nil {
		return exitUsage, err
	}
	if len(rest) > 0 {
		return exitUsage, usagef("unexpected argument %q (drift probe takes flags only)", rest[0])
	}
	if len(vendorList) == 0 {
		return exitUsage, usagef("name the vendors to probe with --vendor (known: %s)", strings.Join(specs.Vendors(), ", "))
	}
	vendors, err := vendorsOf(vendorList)
	if err != nil {
		return exitUsage, err
	}
	kind := suiteconfig.TargetKind(*target)
	if kind != suiteconfig.Live && kind != suiteconfig.URL {
		return exitUsage, usagef("--target %q: use live or url", *target)
	}
	if *baseURL != "" && len(vendors) > 1 {
		return exitUsage, usagef("--url names one vendor's base URL: probe one --vendor at a time, or set CONTACTAPIS_<VENDOR>_BASE_URL for each")
	}
	if *budget < 0 {
		return exitUsage, usagef("--request-budget %d: must be 0 (the default) or more", *budget)
	}
	if *timeout <= 0 {
		return exitUsage, usagef("--probe-timeout %s: must be positive", *timeout)
	}

	classes := slices.Concat(traffic.Classes, suite.Rules, probe.Rules)
	acks, err := loadBaseline(*baseline, classes)
	if err != nil {
		return exitUsage, err
	}

	// The configuration the suite itself will read: same flags, same environment.
	values := map[string]string{"target": string(kind), "vendors": strings.Join(vendors, ","), "allow-mutations": strconv.FormatBool(*allowMutations)}
	if *baseURL != "" {
		values[vendors[0]+"-url"] = *baseURL
	}
	flags, err := suiteconfig.FlagsFor(values)
	if err != nil {
		return exitUsage, err
	}
	cfg, err := flags.Load(e.lookup)
	if err != nil {
		// The suite's messages name its own flags; say drift's.
		var names []string
		for _, v := range specs.Vendors() {
			names = append(names, "pass --"+v+"-url or set", "pass --url or set")
		}
		names = append(names, "out of --vendors", "out of --vendor")
		return exitUsage, errors.New(strings.NewReplacer(names...).Replace(err.Error()))
	}

	// --har is checked before the suite is built and run: the suite would find out only when it
	// writes its reports, after every spec.
	if *harPath != "" {
		dir := filepath.Dir(*harPath)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return exitUsage, usagef("--har %s: there is no directory %s to write it in; create it or choose another path", *harPath, dir)
		}
	}
	root, err := suite.ModuleRoot(".")
	if err != nil {
		return exitUsage, err
	}
	tmp, err := os.MkdirTemp("", "drift-probe-")
	if err != nil {
		return exitUsage, err
	}
	defer os.RemoveAll(tmp)
	binary := *suitePath
	if binary == "" {
		binary = filepath.Join(tmp, "conformance.test")
		if err := suite.Build(ctx, root, binary); err != nil {
			return exitUsage, err
		}
	} else if st, err := os.Stat(binary); err != nil || st.IsDir() {
		return exitUsage, usagef("--suite %s: no such file; build one with \"go test -c -o conformance.test ./conformance\" or leave --suite out", binary)
	}
	if binary, err = filepath.Abs(binary); err != nil {
		return exitUsage, err
	}
	recording := filepath.Join(tmp, "conformance.har")
	if *harPath != "" {
		if recording, err = filepath.Abs(*harPath); err != nil {
			return exitUsage, err
		}
	}

	// 1. The suite.
	run := suite.Run{
		Binary: binary, Dir: filepath.Join(root, "conformance"), Report: filepath.Join(tmp, "ginkgo.json"), Env: e.environment(),
		Args:    []string{"--target=" + string(kind), "--vendors=" + strings.Join(vendors, ",")},
		Outputs: []string{"--har=" + recording, "--reports=" + filepath.Join(tmp, "reports")},
	}
	for _, v := range vendors {
		run.Args = append(run.Args, "--"+v+"-url="+cfg.BaseURL[v])
	}
	if *allowMutations {
		run.Args = append(run.Args, "--allow-mutations")
	}
	if *strict {
		run.Args = append(run.Args, "--strict")
	}
	if *budget > 0 {
		run.Args = append(run.Args, "--request-budget="+strconv.Itoa(*budget))
	}
	if *seed != 0 {
		run.Args = append(run.Args, "-ginkgo.seed="+strconv.FormatInt(*seed, 10))
	}
	run.LabelFilter = labelFilter(vendors, *allowMutations)
	var output bytes.Buffer
	gr, err := run.Exec(ctx, &output)
	if err != nil {
		return exitUsage, err
	}
	findings, suiteStats := suite.Findings(gr, vendors, root, cfg.Secrets()...)
	r := &report.Report{Command: "probe", Subject: subject(cfg, vendors), Vendors: vendors, Findings: findings, Strict: *strict,
		Probe: &report.ProbeStats{Target: string(kind), Suite: suiteStats, Discrepancies: map[string]int{}}}

	// 2. Its recording. None when the suite's reporting failed, which step 1 has reported.
	if _, err := os.Stat(recording); err == nil {
		tr, err := traffic.Run(ctx, []string{recording}, traffic.Options{})
		if err != nil {
			return exitUsage, fmt.Errorf("the suite's recording: %w", err)
		}
		for _, f := range tr.Findings {
			if *harPath == "" {
				// The temporary file is gone when the report is read: name the entry only.
				f.Location = strings.Replace(f.Location, recording, "suite recording", 1)
			}
			r.Findings = append(r.Findings, f)
		}
		r.Traffic = tr.Traffic
	}

	// 3. The discrepancy probes.
	limit := *budget
	if limit == 0 && kind == suiteconfig.Live {
		limit = defaultLiveBudget
	}
	for _, v := range vendors {
		s := probe.SettingsFrom(cfg, v)
		s.Budget = probe.NewBudget(limit)
		t, err := probe.NewTarget(s)
		if err != nil {
			return exitUsage, err
		}
		opts := probe.Options{Timeout: *timeout}
		if e.probes != nil {
			opts.Probes, opts.Unsettleable = e.probes(v)
		}
		fs, counts, err := probe.Run(ctx, t, opts)
		if err != nil {
			return exitUsage, err
		}
		r.Findings = append(r.Findings, fs...)
		for reading, n := range counts {
			r.Probe.Discrepancies[string(reading)] += n
		}
	}
	if err := ctx.Err(); err != nil {
		return exitUsage, fmt.Errorf("interrupted: %w", err)
	}
	r.Sort()
	acks.Apply(r, e.now(), vendors)
	return finish(stdout, *format, r)
}

// labelFilter selects the vendors' specs a probe may run: the live-safe ones, or with mutations
// allowed every one that does not need a mock's admin API.
func labelFilter(vendors []string, allowMutations bool) string {
	var vs []string
	for _, v := range vendors {
		vs = append(vs, "vendor:"+v)
	}
	safety := "live-safe"
	if allowMutations {
		safety = "!mock-only"
	}
	return "(" + strings.Join(vs, " || ") + ") && " + safety
}

func subject(cfg *suiteconfig.Config, vendors []string) string {
	var parts []string
	for _, v := range vendors {
		parts = append(parts, v+"="+cfg.BaseURL[v])
	}
	return fmt.Sprintf("%s target (%s)", cfg.Target, strings.Join(parts, ", "))
}
