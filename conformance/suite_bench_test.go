package conformance_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// BenchmarkSuite runs the whole conformance suite against the embedded mocks as `make
// conformance` does (the ginkgo CLI, randomised, with its JSON report), serially and with -p. The
// suite binary is this very test binary, compiled before the benchmark starts, so what is timed
// is what a developer waits for after compilation. ns/op is the wall time of one run (ginkgo CLI
// and suite processes started, specs run, reports written); suite-s is the suite's run time by
// ginkgo's report (specs and their setup); specs-s is the sum of the specs' own run times, the
// work a parallel run shares out; procs is the number of suite processes.
func BenchmarkSuite(b *testing.B) {
	self, err := os.Executable()
	if err != nil || filepath.Ext(self) != ".test" {
		b.Skipf("the ginkgo CLI runs only a compiled *.test binary; this one is %q", self)
	}
	out, err := exec.Command("go", "tool", "-n", "ginkgo").Output()
	if err != nil {
		b.Skipf("no ginkgo CLI (go tool -n ginkgo: %v)", err)
	}
	ginkgo := strings.TrimSpace(string(out))
	coverage, err := filepath.Abs("coverage.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"mode=serial", nil},
		{"mode=parallel", []string{"-p"}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var suite, specs time.Duration
			procs := 0
			for b.Loop() {
				dir, err := os.MkdirTemp("", "suite-bench-")
				if err != nil {
					b.Fatal(err)
				}
				args := append(append([]string{}, mode.args...), "--randomize-all", "--fail-on-pending", "--fail-on-empty",
					"--no-color", "--succinct", "--json-report=report.json", "--output-dir="+dir,
					self, "--", "-test.run=^TestConformance$", "--coverage-file="+coverage, "--reports="+dir)
				out, err := exec.Command(ginkgo, args...).CombinedOutput()
				if err != nil {
					os.RemoveAll(dir)
					b.Fatalf("the suite failed: %v\n%s", err, tail(out))
				}
				b.StopTimer()
				r, err := readSuiteReport(filepath.Join(dir, "report.json"))
				os.RemoveAll(dir)
				if err != nil {
					b.Fatal(err)
				}
				suite += r.RunTime
				for _, s := range r.SpecReports {
					specs += s.RunTime
				}
				procs = max(r.SuiteConfig.ParallelTotal, 1)
				b.StartTimer()
			}
			b.ReportMetric(suite.Seconds()/float64(b.N), "suite-s")
			b.ReportMetric(specs.Seconds()/float64(b.N), "specs-s")
			b.ReportMetric(float64(procs), "procs")
		})
	}
}

// readSuiteReport reads the one suite report of a ginkgo JSON report.
func readSuiteReport(path string) (types.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return types.Report{}, err
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		return types.Report{}, err
	}
	if len(reports) != 1 {
		return types.Report{}, fmt.Errorf("%s holds %d suite reports, want 1", path, len(reports))
	}
	return reports[0], nil
}
