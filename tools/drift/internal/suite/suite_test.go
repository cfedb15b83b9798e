package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestFindings converts testdata/report.json, a small hand-written ginkgo report with a spec in
// each state and a failed suite node, into findings (testdata/findings.golden.json).
func TestFindings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		t.Fatal(err)
	}
	fs, st := Findings(&reports[0], []string{"iovox", "auregister"}, "/repo", apiclient.NewSecret("s3cr3t-token"))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Stats    Stats            `json:"stats"`
		Findings []report.Finding `json:"findings"`
	}{st, fs}); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", "findings.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
	if bytes.Contains(got, []byte("s3cr3t-token")) {
		t.Error("a secret reached the findings")
	}
	// Counted by hand from report.json: passed 1; failed, panicked and timed out 3; skipped and
	// pending 2; the suite nodes are not specs.
	if st != (Stats{Ran: 4, Passed: 1, Failed: 3, Skipped: 2}) {
		t.Errorf("stats %+v", st)
	}
}

// script writes an executable shell script standing in for a suite binary.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "suite.test")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExec(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "ginkgo.json")
	sample, err := filepath.Abs(filepath.Join("testdata", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(bin string) (*types.Report, error) {
		os.Remove(report)
		r := Run{Binary: bin, Dir: dir, Args: []string{"--target=url"}, Outputs: []string{"--har=" + filepath.Join(dir, "x.har")},
			LabelFilter: "(vendor:iovox) && live-safe", Report: report, Env: []string{"CONTACTAPIS_X=1"}}
		var out bytes.Buffer
		return r.Exec(context.Background(), &out)
	}
	t.Run("failing specs are a report, not an error", func(t *testing.T) {
		// The report path is the last argument; the environment is passed through.
		bin := script(t, `for a; do r=$a; done; [ "$CONTACTAPIS_X" = 1 ] || exit 9; cp '`+sample+`' "${r#-ginkgo.json-report=}"; exit 1`)
		r, err := run(bin)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.SpecReports) != 8 {
			t.Errorf("%d spec reports", len(r.SpecReports))
		}
	})
	t.Run("no report", func(t *testing.T) {
		bin := script(t, "echo 'flag provided but not defined: -target' >&2; exit 2")
		_, err := run(bin)
		want := "the conformance suite binary exited (exit status 2) without a report: flag provided but not defined: -target (reproduce: cd " + dir + " && " + bin +
			" '-test.run=^TestConformance$' --target=url '-ginkgo.label-filter=(vendor:iovox) && live-safe' -ginkgo.no-color)"
		if err == nil || err.Error() != want {
			t.Errorf("error\n %v\nwant\n %s", err, want)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		// The shell waits on a sleep that holds the output pipe: killing the shell alone must
		// not leave Exec waiting for the sleep.
		defer func(d time.Duration) { waitDelay = d }(waitDelay)
		waitDelay = 100 * time.Millisecond
		// It leaves a half-written report behind, which must not be read.
		bin := script(t, `for a; do r=$a; done; echo '[{"SuitePath":' > "${r#-ginkgo.json-report=}"; sleep 30; exit 0`)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		os.Remove(report)
		r := Run{Binary: bin, Dir: dir, Report: report}
		var out bytes.Buffer
		_, err := r.Exec(ctx, &out)
		if err == nil || !strings.Contains(err.Error(), "the conformance suite was stopped") {
			t.Errorf("error %v", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Exec returned %s after the cancel", d)
		}
	})
	t.Run("unreadable report", func(t *testing.T) {
		bin := script(t, `for a; do r=$a; done; echo '{"not": "a list"}' > "${r#-ginkgo.json-report=}"`)
		if _, err := run(bin); err == nil || !strings.Contains(err.Error(), "report is unreadable") {
			t.Errorf("error %v", err)
		}
	})
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "conformance", "coverage.yaml")); err != nil {
		t.Errorf("root %s: %v", root, err)
	}
	if _, err := ModuleRoot(t.TempDir()); err == nil || !strings.Contains(err.Error(), "run drift probe from the repository") {
		t.Errorf("outside the module: %v", err)
	}
}

// TestFindingsSeverity: a spec that failed on a non-breaking change only (its message opens with
// framework.NonBreakingPrefix, as under --strict), or that passed or was skipped reporting one, is
// a non-breaking finding; any other failure is breaking.
func TestFindingsSeverity(t *testing.T) {
	labels := []string{"vendor:auregister", "op:updateContact"}
	spec := func(text string, state types.SpecState, msg string, entries ...string) types.SpecReport {
		s := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, LeafNodeLabels: labels, State: state,
			Failure: types.Failure{Message: msg}}
		for _, e := range entries {
			s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: "non-breaking", Value: types.WrapEntryValue(e)})
		}
		return s
	}
	accepted := "PATCH https://vendor.example/contacts/7 (updateContact) answered 200 where the page documents a refusal (400)"
	r := &types.Report{SpecReports: types.SpecReports{
		spec("a refusal now accepted, --strict", types.SpecStateFailed, "non-breaking: the vendor now accepts what the page refuses: "+accepted, accepted),
		spec("a refusal now accepted", types.SpecStateSkipped, "non-breaking: the vendor now accepts what the page refuses: "+accepted, accepted),
		spec("a new field in an answer", types.SpecStatePassed, "", "non-breaking PATCH /contacts/7 -> 200: property nickname is not declared"),
		spec("a field gone", types.SpecStateFailed, "contract violations:\n  response body: property id is missing"),
		spec("a plain pass", types.SpecStatePassed, ""),
		spec("a plain skip", types.SpecStateSkipped, "not live-safe"),
	}}
	fs, st := Findings(r, []string{"auregister"}, "/repo")
	got := map[string]string{}
	for _, f := range fs {
		text, _, _ := strings.Cut(f.Message, ":")
		got[text] = string(f.Severity) + " " + f.Rule
		if f.Vendor != "auregister" || f.Operation != "updateContact" {
			t.Errorf("%s: vendor %q, operation %q", text, f.Vendor, f.Operation)
		}
	}
	want := map[string]string{
		"a refusal now accepted, --strict": "non-breaking " + RuleNonBreaking,
		"a refusal now accepted":           "non-breaking " + RuleNonBreaking,
		"a new field in an answer":         "non-breaking " + RuleNonBreaking,
		"a field gone":                     "breaking " + RuleSpecFailed,
	}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	if st.Failed != 2 || st.Passed != 2 || st.Skipped != 2 {
		t.Errorf("stats %+v", st)
	}
	for _, f := range fs {
		if f.Severity == "non-breaking" && f.Fails(false) {
			t.Errorf("%s fails a run without --strict", f.Message)
		}
	}
}
