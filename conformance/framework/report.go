package framework

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/contactapis/contactapis/specs"
)

// Outcome of a behaviour in the matrix.
const (
	OutcomePass       = "pass"
	OutcomeFail       = "fail"
	OutcomeSkipped    = "skipped"
	OutcomeNotRun     = "not run"
	OutcomeNotCovered = "not covered"
)

// Row is one behaviour of the coverage matrix with its outcome.
type Row struct {
	Behaviour
	Outcome string
	Specs   []string // names of the specs covering it
	Reason  string   // why it is skipped or not covered
	// Evidence is the anchor of the first failure blamed on this behaviour, "" if none.
	Evidence string
	// Labels are the labels of the specs covering it (op:<id>, negative, mutating, ...), sorted.
	Labels []string
}

// Failure is one failed spec with its evidence, for the matrix's evidence section.
type Failure struct {
	Anchor, Vendor, Spec, Message, Location, Evidence string
	// Behaviours are the ids the failure is blamed on (Vendor.Checking).
	Behaviours []string
	// Exchanges are the spec's exchanges, secrets redacted, in the order made.
	Exchanges []Exchange
}

// Matrix is the coverage matrix of a run.
type Matrix struct {
	Target    string
	Generated time.Time
	Vendors   []VendorMatrix
	Failures  []Failure
	// Stopped is why the run stopped before any spec ran (configuration, an unreachable target, a
	// malformed tree), "" for a run that ran its specs. Every report leads with it.
	Stopped string
}

// VendorMatrix is one vendor's rows and counts.
type VendorMatrix struct {
	Vendor string
	Rows   []Row
	Counts map[string]int
}

// specResult is what one spec report says about its behaviours.
type specResult struct {
	entry     behaviourEntry
	state     types.SpecState
	reason    string
	anchor    string
	exchanges []Exchange
	// checked lists the Checking marks of the spec in order: the last one, in a failed spec, is
	// what the failing check was about.
	checked [][]string
}

// blamed returns the behaviours a failed spec's failure is about: those of its last Checking
// mark, or all it covers when it made none.
func (r specResult) blamed() []string {
	if len(r.checked) == 0 {
		return r.entry.Covers
	}
	return r.checked[len(r.checked)-1]
}

// stateOf is the spec's result for one behaviour it covers. A failed spec with Checking marks
// fails only the behaviours of its last mark; behaviours of earlier marks passed, and the rest
// were not reached (skipped, with the failure's anchor as the reason).
func (r specResult) stateOf(id string) (types.SpecState, string) {
	if !r.state.Is(types.SpecStateFailureStates) || len(r.checked) == 0 {
		return r.state, r.reason
	}
	if slices.Contains(r.blamed(), id) {
		return r.state, ""
	}
	for _, ids := range r.checked[:len(r.checked)-1] {
		if slices.Contains(ids, id) {
			return types.SpecStatePassed, ""
		}
	}
	return types.SpecStateSkipped, fmt.Sprintf("not reached: %q stopped at an earlier failing check", r.entry.Must)
}

func specResults(r types.Report) ([]specResult, []Failure) {
	var out []specResult
	var failures []Failure
	for _, s := range r.SpecReports {
		var res specResult
		found := false
		for _, e := range s.ReportEntries {
			switch e.Name {
			case reportEntryBehaviour:
				found = decodeEntry(e, &res.entry)
			case reportEntryExchange:
				var ex Exchange
				if decodeEntry(e, &ex) {
					res.exchanges = append(res.exchanges, ex)
				}
			case reportEntryChecking:
				var ids []string
				if decodeEntry(e, &ids) {
					res.checked = append(res.checked, ids)
				}
			}
		}
		if !found {
			continue
		}
		res.state = s.State
		if s.State.Is(types.SpecStateSkipped) {
			res.reason = MessageWithoutExchange(s.Failure.Message)
		}
		if s.State.Is(types.SpecStateFailureStates) {
			res.anchor = fmt.Sprintf("failure-%d", len(failures)+1)
			var ev string
			for _, e := range s.ReportEntries {
				if e.Name == "evidence" {
					ev = e.StringRepresentation()
				}
			}
			failures = append(failures, Failure{Anchor: res.anchor, Vendor: res.entry.Vendor, Spec: res.entry.Must,
				Message: MessageWithoutExchange(s.Failure.Message), Location: s.Failure.Location.String(), Evidence: ev,
				Behaviours: res.blamed(), Exchanges: res.exchanges})
		}
		out = append(out, res)
	}
	return out, failures
}

// BuildMatrix builds the coverage matrix of vendors from a suite report and the golden coverage
// file (for the reasons of behaviours not covered).
func BuildMatrix(r types.Report, vendors []string, golden Coverage, target string) (*Matrix, error) {
	results, failures := specResults(r)
	declared, labels := declaredCoverage(), declaredLabels()
	m := &Matrix{Target: target, Generated: time.Now().UTC(), Failures: failures}
	for _, vendor := range vendors {
		bs, err := Behaviours(vendor)
		if err != nil {
			return nil, err
		}
		vm := VendorMatrix{Vendor: vendor, Counts: map[string]int{}}
		for _, b := range bs {
			row := Row{Behaviour: b, Specs: declared[vendor][b.ID], Labels: labels[vendor][b.ID]}
			var states []behaviourResult
			for _, res := range results {
				if res.entry.Vendor == vendor && slices.Contains(res.entry.Covers, b.ID) {
					st, reason := res.stateOf(b.ID)
					states = append(states, behaviourResult{state: st, reason: reason, anchor: res.anchor})
				}
			}
			row.Outcome, row.Reason, row.Evidence = outcome(row.Specs, states)
			if row.Outcome == OutcomeNotCovered {
				row.Reason = golden.reason(vendor, b.ID)
			}
			vm.Counts[row.Outcome]++
			vm.Rows = append(vm.Rows, row)
		}
		m.Vendors = append(m.Vendors, vm)
	}
	return m, nil
}

// behaviourResult is one spec's result for one behaviour.
type behaviourResult struct {
	state          types.SpecState
	reason, anchor string
}

func outcome(declared []string, results []behaviourResult) (string, string, string) {
	if len(declared) == 0 {
		return OutcomeNotCovered, "", ""
	}
	passed, skipped := 0, 0
	reason := ""
	for _, r := range results {
		switch {
		case r.state.Is(types.SpecStateFailureStates):
			return OutcomeFail, "", r.anchor
		case r.state == types.SpecStatePassed:
			passed++
		case r.state.Is(types.SpecStateSkipped | types.SpecStatePending):
			skipped++
			if reason == "" {
				reason = r.reason
			}
		}
	}
	switch {
	case passed > 0:
		return OutcomePass, "", ""
	case skipped > 0:
		return OutcomeSkipped, reason, ""
	}
	return OutcomeNotRun, "filtered out of this run", ""
}

// WriteMatrix writes coverage.md and coverage.html into dir.
func WriteMatrix(m *Matrix, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Doc-coverage matrix\n\nTarget: %s. Generated %s.\n\n", m.Target, m.Generated.Format(time.RFC3339))
	if m.Stopped != "" {
		fmt.Fprintf(&md, "**The run stopped before any spec ran; nothing was checked.**\n\n```\n%s\n```\n\n", m.Stopped)
	}
	for _, vm := range m.Vendors {
		fmt.Fprintf(&md, "## %s\n\n%s\n\n| behaviour | outcome | vendor page | specs |\n|---|---|---|---|\n", vm.Vendor, countsLine(vm.Counts))
		for _, r := range vm.Rows {
			out := r.Outcome
			if r.Evidence != "" {
				out = fmt.Sprintf("[%s](coverage.html#%s)", out, r.Evidence)
			}
			if r.Reason != "" {
				out += " — " + mdEscape(r.Reason)
			}
			if r.Assumed != "" {
				out += " (assumed)"
			}
			fmt.Fprintf(&md, "| `%s` %s | %s | %s | %s |\n", r.ID, mdEscape(r.Summary), out, mdEscape(r.Doc), mdEscape(strings.Join(r.Specs, "; ")))
		}
		md.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "coverage.md"), []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "coverage.html"))
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	defer f.Close()
	if err := writeHTML(f, m); err != nil {
		return fmt.Errorf("reports: coverage.html: %w", err)
	}
	return f.Close()
}

// Summary is one screen per vendor: counts and what failed.
func Summary(m *Matrix) string {
	var b strings.Builder
	b.WriteString("\ncontactapis conformance — target " + m.Target + "\n")
	if m.Stopped != "" {
		b.WriteString("  STOPPED before any spec ran; nothing was checked:\n    " + strings.ReplaceAll(m.Stopped, "\n", "\n    ") + "\n")
		return b.String()
	}
	for _, vm := range m.Vendors {
		fmt.Fprintf(&b, "  %-11s %s\n", vm.Vendor, countsLine(vm.Counts))
		for _, r := range vm.Rows {
			if r.Outcome == OutcomeFail {
				fmt.Fprintf(&b, "      FAIL %s  (%s)\n", r.ID, r.Doc)
			}
		}
	}
	return b.String()
}

func countsLine(c map[string]int) string {
	var parts []string
	for _, o := range []string{OutcomePass, OutcomeFail, OutcomeSkipped, OutcomeNotRun, OutcomeNotCovered} {
		if c[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[o], o))
		}
	}
	total := 0
	for _, n := range c {
		total += n
	}
	return fmt.Sprintf("%d behaviours: %s", total, strings.Join(parts, ", "))
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// vendorsOf returns the vendors of the run, or all.
func vendorsOf(cfg *Config) []string {
	if cfg == nil || len(cfg.Vendors) == 0 {
		return specs.Vendors()
	}
	v := slices.Clone(cfg.Vendors)
	sort.Strings(v)
	return v
}

// stoppedBy returns the failure of the suite's setup nodes (BeforeSuite, SynchronizedBeforeSuite),
// which stops a run before any spec: "" when they passed.
func stoppedBy(r types.Report) string {
	for _, s := range r.SpecReports {
		if s.LeafNodeType.Is(types.NodeTypeBeforeSuite|types.NodeTypeSynchronizedBeforeSuite) && s.State.Is(types.SpecStateFailureStates) {
			msg := strings.TrimSpace(s.Failure.Message)
			if msg == "" {
				msg = s.State.String()
			}
			return msg
		}
	}
	return ""
}

// FinishStopped writes the reports of a run that stopped before reading its configuration: the
// coverage matrix says why, instead of the last run's matrix staying behind, and the HAR path
// (which would hold the last run's exchanges) is removed. Call it from ReportAfterSuite.
func FinishStopped(r types.Report, reportsDir, har, why string) error {
	if s := stoppedBy(r); s != "" {
		why = s
	}
	m := &Matrix{Target: "not configured", Generated: time.Now().UTC(), Stopped: why}
	if err := WriteMatrix(m, reportsDir); err != nil {
		return err
	}
	if har != "" {
		if err := os.Remove(har); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove the last run's HAR: %w", err)
		}
	}
	fmt.Print(Summary(m))
	if abs, err := filepath.Abs(reportsDir); err == nil {
		reportsDir = abs
	}
	fmt.Printf("  reports: %s (coverage.md, coverage.html say why)\n", reportsDir)
	return nil
}

// Finish writes the run's reports (coverage matrix, HAR) and prints the per-vendor summary. Call
// it from ReportAfterSuite, which sees every process's specs.
func Finish(r types.Report, cfg *Config) error {
	golden, err := ReadCoverage(cfg.CoverageFile)
	if err != nil {
		return err
	}
	target := string(cfg.Target)
	switch cfg.Target {
	case Embedded:
		target += " (in-process mocks)"
	default:
		var urls []string
		for _, v := range vendorsOf(cfg) {
			urls = append(urls, v+"="+cfg.BaseURL[v])
		}
		target += " (" + strings.Join(urls, ", ") + ")"
	}
	m, err := BuildMatrix(r, vendorsOf(cfg), golden, target)
	if err != nil {
		return err
	}
	m.Stopped = stoppedBy(r)
	if err := WriteMatrix(m, cfg.ReportsDir); err != nil {
		return err
	}
	fmt.Print(Summary(m))
	dir, err := filepath.Abs(cfg.ReportsDir)
	if err != nil {
		dir = cfg.ReportsDir
	}
	fmt.Printf("  reports: %s (coverage.md, coverage.html", dir)
	if cfg.HAR != "" {
		if err := WriteHAR(r, cfg.HAR); err != nil {
			return err
		}
		fmt.Printf(", HAR %s", cfg.HAR)
	}
	fmt.Println(")")
	return nil
}

// decodeEntry reads a report entry's value into dst. In a serial run the entry still holds the
// value itself; from parallel processes it arrives as JSON.
func decodeEntry[T any](e types.ReportEntry, dst *T) bool {
	if v, ok := e.Value.GetRawValue().(T); ok {
		*dst = v
		return true
	}
	data := []byte(e.Value.AsJSON)
	if len(data) == 0 {
		var err error
		if data, err = json.Marshal(e.Value.GetRawValue()); err != nil {
			return false
		}
	}
	return json.Unmarshal(data, dst) == nil
}
