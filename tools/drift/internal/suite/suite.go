package suite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/framework"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// Module is the module the suite belongs to.
const Module = "github.com/contactapis/contactapis"

// Rules of the findings Findings reports.
const (
	// RuleSpecFailed: a conformance spec failed (or panicked, timed out, was interrupted) against
	// the target.
	RuleSpecFailed = "suite-spec-failed"
	// RuleNodeFailed: a suite-level node failed (the configuration or the target's setup, so
	// that no spec ran; or the teardown, or the reports).
	RuleNodeFailed = "suite-node-failed"
	// RuleNonBreaking: a spec found only a non-breaking change (the vendor now accepts what the
	// page refuses, or adds a field or enum value to an answer). Reported whether the spec then
	// failed (--strict), was skipped or passed; it fails a run only with --strict.
	RuleNonBreaking = "suite-non-breaking"
)

// Rules lists the rules of Findings, for baseline validation.
var Rules = []string{RuleSpecFailed, RuleNodeFailed, RuleNonBreaking}

// ModuleRoot returns the root of the module checkout that holds dir: the directory, at dir or
// above, whose go.mod declares Module.
func ModuleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(data) == Module {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("%s is not inside a checkout of %s: run drift probe from the repository", abs, Module)
		}
		d = parent
	}
}

func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// Build compiles the suite's test binary to out with the go command of PATH.
func Build(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", out, "./conformance")
	cmd.Dir = root
	// Cancelling kills the go command, not the compilers it started, which hold its output pipe
	// until they finish: stop waiting for them soon after.
	cmd.WaitDelay = waitDelay
	output, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("building the conformance suite was stopped: %w", ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("build the conformance suite: %v: %s (reproduce: cd %s && go test -c -o conformance.test ./conformance)", err, lastLine(output), root)
	}
	return nil
}

// waitDelay bounds the wait for a cancelled command's output once the command itself is killed
// (a variable for the tests).
var waitDelay = 5 * time.Second

// Run is one run of a suite binary.
type Run struct {
	// Binary is the suite's test binary; Dir the conformance directory it runs in (its coverage
	// file and paths are relative to it).
	Binary, Dir string
	// Args are the suite's own flags that choose what runs (--target, --vendors, ...).
	Args []string
	// Outputs are its flags that only say where its files go (--har, --reports): left out of
	// the command line an error message gives to reproduce a run.
	Outputs []string
	// LabelFilter selects the specs (ginkgo's label filter).
	LabelFilter string
	// Report is where ginkgo writes its JSON report.
	Report string
	// Env is the suite's environment (the CONTACTAPIS_* variables among it).
	Env []string
}

// Command is the command line Run executes; without outputs, the one to reproduce a run by hand.
func (r Run) Command(outputs bool) []string {
	line := append([]string{r.Binary, "-test.run=^TestConformance$"}, r.Args...)
	line = append(line, "-ginkgo.label-filter="+r.LabelFilter, "-ginkgo.no-color")
	if outputs {
		line = append(append(line, r.Outputs...), "-ginkgo.json-report="+r.Report)
	}
	return line
}

// Exec runs the suite and reads its report. The suite's exit status is not an error: failing
// specs make it non-zero, and they are in the report. No report is an error, with the last line
// of the suite's output and how to run it by hand. output receives what the suite prints.
func (r Run) Exec(ctx context.Context, output *bytes.Buffer) (*types.Report, error) {
	line := r.Command(true)
	cmd := exec.CommandContext(ctx, line[0], line[1:]...)
	cmd.Dir, cmd.Env = r.Dir, r.Env
	cmd.Stdout, cmd.Stderr = output, output
	cmd.WaitDelay = waitDelay
	runErr := cmd.Run()
	if ctx.Err() != nil {
		// Killed midway: whatever report it left is partial, or half written.
		return nil, fmt.Errorf("the conformance suite was stopped: %w", ctx.Err())
	}
	reproduce := fmt.Sprintf("reproduce: cd %s && %s", r.Dir, shellQuote(r.Command(false)))
	data, err := os.ReadFile(r.Report)
	if err != nil {
		status := "without running"
		if runErr != nil {
			status = runErr.Error()
		}
		return nil, fmt.Errorf("the conformance suite binary exited (%s) without a report: %s (%s)", status, lastLine(output.Bytes()), reproduce)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil || len(reports) != 1 {
		if err == nil {
			err = fmt.Errorf("%d suites in it, want 1", len(reports))
		}
		return nil, fmt.Errorf("the conformance suite's report is unreadable: %v (%s)", err, reproduce)
	}
	return &reports[0], nil
}

// Stats count the specs of a run.
type Stats = report.SuiteStats

// Findings turns a ginkgo report into findings: one per failed spec, against its vendor (graded
// non-breaking when it found only a non-breaking change, as one per passed or skipped spec that
// reported such a change), and one per failed suite-level node, against each of vendors (a broken setup spoils every vendor's
// result, and a finding without a vendor would not show in the report). Locations are made relative to root; failure texts are scrubbed of secrets.
func Findings(r *types.Report, vendors []string, root string, secrets ...apiclient.Secret) ([]report.Finding, Stats) {
	var out []report.Finding
	var st Stats
	for _, s := range r.SpecReports {
		suiteNode := s.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes)
		if !suiteNode {
			switch {
			case s.State.Is(types.SpecStateSkipped | types.SpecStatePending):
				st.Skipped++
				if len(nonBreakingEntries(s)) == 0 {
					continue
				}
			case s.State.Is(types.SpecStatePassed):
				st.Passed++
			case s.State.Is(types.SpecStateFailureStates):
				st.Failed++
			}
		}
		failed := s.State.Is(types.SpecStateFailureStates)
		nonBreaking := nonBreakingEntries(s)
		if !failed && (suiteNode || len(nonBreaking) == 0) {
			continue
		}
		f := report.Finding{Kind: report.KindProbe, Level: report.ERR, Severity: contract.Breaking,
			Location: relLocation(root, s.LeafNodeLocation)}
		if !failed || strings.HasPrefix(s.Failure.Message, framework.NonBreakingPrefix) {
			// A spec that found only a non-breaking change: skipped with the reason, passed with
			// the transport's findings, or failed under --strict.
			f.Rule, f.Level, f.Severity = RuleNonBreaking, report.LevelOf(contract.NonBreaking), contract.NonBreaking
			msg := strings.Join(nonBreaking, "; ")
			if failed || s.State.Is(types.SpecStateSkipped) {
				msg = strings.TrimPrefix(framework.MessageWithoutExchange(s.Failure.Message), framework.NonBreakingPrefix)
			}
			f.Message = s.LeafNodeText + ": " + oneLine(apiclient.Scrub(msg, secrets...))
			f.Vendor, f.Operation = specLabels(s)
			out = append(out, f)
			continue
		}
		failure := oneLine(apiclient.Scrub(framework.MessageWithoutExchange(s.Failure.Message), secrets...))
		if s.State != types.SpecStateFailed {
			failure = s.State.String() + ": " + failure
		}
		if suiteNode {
			f.Rule = RuleNodeFailed
			f.Message = fmt.Sprintf("the suite's %s failed: %s", strings.TrimSpace(s.LeafNodeType.String()+" "+s.LeafNodeText), failure)
			for _, v := range vendors {
				f.Vendor = v
				out = append(out, f)
			}
			continue
		}
		f.Rule = RuleSpecFailed
		f.Message = s.LeafNodeText + ": " + failure
		f.Vendor, f.Operation = specLabels(s)
		out = append(out, f)
	}
	st.Ran = st.Passed + st.Failed
	return out, st
}

// specLabels are a spec's vendor and operation, from its vendor: and op: labels.
func specLabels(s types.SpecReport) (vendor, op string) {
	for _, l := range s.Labels() {
		if v, ok := strings.CutPrefix(l, "vendor:"); ok {
			vendor = v
		}
		if o, ok := strings.CutPrefix(l, "op:"); ok {
			op = o
		}
	}
	return vendor, op
}

// nonBreakingEntries are the values of a spec's report entries of non-breaking findings.
func nonBreakingEntries(s types.SpecReport) []string {
	var out []string
	for _, e := range s.ReportEntries {
		if e.Name == framework.ReportEntryNonBreaking {
			out = append(out, e.StringRepresentation())
		}
	}
	return out
}

// maxFailureText bounds the failure text a finding quotes; the suite's own report has the rest.
const maxFailureText = 300

// oneLine folds a gomega failure ("status\nExpected\n    <int>: 200\nto equal\n    <int>: 400")
// into one line, cut at maxFailureText.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxFailureText {
		s = strings.ToValidUTF8(s[:maxFailureText], "") + "…"
	}
	return s
}

func relLocation(root string, l types.CodeLocation) string {
	if l.FileName == "" {
		return ""
	}
	name := l.FileName
	if rel, err := filepath.Rel(root, name); err == nil && !strings.HasPrefix(rel, "..") {
		name = filepath.ToSlash(rel)
	}
	return fmt.Sprintf("%s:%d", name, l.LineNumber)
}

func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if l == "" {
		return "no output"
	}
	return oneLine(l)
}

// shellQuote writes a command line a shell reads back as args.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool { return !isPlain(r) }) < 0 {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func isPlain(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r)
}
