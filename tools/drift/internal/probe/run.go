package probe

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/suiteconfig"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// Rules of the findings Run reports.
const (
	// RuleSpec: the vendor follows the spec's reading; the choice is confirmed (INFO).
	RuleSpec = "doc-discrepancy-spec"
	// RulePage: the vendor follows the page's other reading; the spec must change (ERR).
	RulePage = "doc-discrepancy-page"
	// RuleNeither: the vendor follows neither reading; the spec must change (ERR).
	RuleNeither = "doc-discrepancy-neither"
	// RuleUnsettled: the run could not tell, or no live run can (INFO).
	RuleUnsettled = "doc-discrepancy-unsettled"
)

// Rules lists the rules of Run's findings, for baseline validation.
var Rules = []string{RuleSpec, RulePage, RuleNeither, RuleUnsettled}

// DefaultTimeout bounds one probe, all of its requests together.
const DefaultTimeout = 2 * time.Minute

// Options tune Run.
type Options struct {
	// Timeout bounds each probe; 0 means DefaultTimeout.
	Timeout time.Duration
	// Probes and Unsettleable replace the vendor's registered ones when either is set (tests
	// of the command that must not depend on how the vendor probes evolve).
	Probes       []Probe
	Unsettleable map[string]string
}

// Counts are how many of a vendor's discrepancies ended in each reading.
type Counts map[Reading]int

// Run settles the x-doc-discrepancy entries of t's vendor: every probe runs, one after the other
// (a live vendor is not hammered), each within its timeout; the discrepancies no live run can
// decide are reported as unsettled with their reason. It returns one finding per discrepancy.
// The error is about the spec itself, which cannot be read.
func Run(ctx context.Context, t *Target, opts Options) ([]report.Finding, Counts, error) {
	if opts.Probes != nil || opts.Unsettleable != nil {
		return run(ctx, t, opts.Probes, opts.Unsettleable, opts)
	}
	return run(ctx, t, ForVendor(t.Vendor), Unsettleable(t.Vendor), opts)
}

func run(ctx context.Context, t *Target, probes []Probe, unsettleable map[string]string, opts Options) ([]report.Finding, Counts, error) {
	ds, err := Discrepancies(t.Vendor)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]Discrepancy{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	counts := Counts{}
	var out []report.Finding
	add := func(id string, o Outcome) {
		o = t.clean(o)
		counts[o.Reading]++
		out = append(out, finding(t.Vendor, id, byID[id], o))
	}
	for _, p := range probes {
		if ctx.Err() != nil {
			add(p.ID, Outcome{Reading: Unsettled, Evidence: "not run: " + ctx.Err().Error()})
			continue
		}
		add(p.ID, runOne(ctx, t, p, timeout))
	}
	ids := make([]string, 0, len(unsettleable))
	for id := range unsettleable {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		add(id, Outcome{Reading: Unsettled, Evidence: "no live run can settle it: " + unsettleable[id]})
	}
	return out, counts, nil
}

// runOne runs one probe within its timeout, turning what keeps it from answering (mutations not
// allowed, a panic, an unknown reading) into Unsettled with the reason.
func runOne(ctx context.Context, t *Target, p Probe, timeout time.Duration) (o Outcome) {
	if p.Mutates && !t.AllowMutations {
		return Outcome{Reading: Unsettled, Evidence: "the probe writes data: it needs --allow-mutations and the records it may change, " + fixtureVars(t.Vendor)}
	}
	if p.Run == nil {
		return Outcome{Reading: Unsettled, Evidence: "the probe has no Run function"}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			o = Outcome{Reading: Unsettled, Evidence: fmt.Sprintf("the probe panicked: %v", r)}
		}
	}()
	o = p.Run(ctx, t)
	switch o.Reading {
	case Spec, Page, Neither, Unsettled:
	default:
		return Outcome{Reading: Unsettled, Evidence: fmt.Sprintf("the probe answered the unknown reading %q: %s", o.Reading, o.Evidence)}
	}
	if o.Reading != Unsettled && ctx.Err() != nil {
		// A probe that decided while its requests were being cut off decided on partial evidence.
		return Outcome{Reading: Unsettled, Evidence: fmt.Sprintf("timed out after %s: %s", timeout, o.Evidence)}
	}
	return o
}

// fixtureVars names the environment variables of a vendor's fixture records.
func fixtureVars(vendor string) string {
	var names []string
	for _, key := range suiteconfig.FixtureKeys[vendor] {
		names = append(names, suiteconfig.EnvName(vendor, key))
	}
	return strings.Join(names, " and ")
}

// finding turns an outcome into the report's terms.
func finding(vendor, id string, d Discrepancy, o Outcome) report.Finding {
	f := report.Finding{Vendor: vendor, Kind: report.KindProbe, Operation: id, Location: fmt.Sprintf("specs/%s.yaml", vendor)}
	if d.Line > 0 {
		f.Location = d.Location()
	}
	switch o.Reading {
	case Spec:
		f.Rule, f.Level, f.Severity = RuleSpec, report.INFO, contract.Info
		f.Message = "the vendor follows the spec's reading: " + o.Evidence
	case Page:
		f.Rule, f.Level, f.Severity = RulePage, report.ERR, contract.Breaking
		f.Message = "the vendor follows the page's other reading, not the spec's: change the spec: " + o.Evidence
	case Neither:
		f.Rule, f.Level, f.Severity = RuleNeither, report.ERR, contract.Breaking
		f.Message = "the vendor follows neither the spec nor the page: change the spec: " + o.Evidence
	default:
		f.Rule, f.Level, f.Severity = RuleUnsettled, report.INFO, contract.Info
		f.Message = "unsettled: " + o.Evidence
	}
	if d.ID == "" {
		f.Message += fmt.Sprintf(" (specs/%s.yaml has no x-doc-discrepancy %q)", vendor, id)
	}
	return f
}

// clean keeps an outcome's evidence to one line without a credential, whatever the probe put in.
func (t *Target) clean(o Outcome) Outcome {
	ev := strings.Join(strings.Fields(o.Evidence), " ")
	if t.secrets != nil {
		ev = apiclient.Scrub(ev, t.secrets()...)
	}
	if ev == "" {
		ev = "(the probe gave no evidence)"
	}
	o.Evidence = ev
	return o
}
