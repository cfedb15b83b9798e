package conformance_test

import (
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/reporters"

	"github.com/contactapis/contactapis/conformance/framework"
	"github.com/contactapis/contactapis/specs"
)

// TestSuiteCatchesBrokenMocks breaks each vendor's embedded mock on purpose (framework's --tamper)
// and runs the suite's specs of that vendor against it: the run must fail, and the failure report
// must name the vendor page row the broken behaviour comes from. A suite that passed against a
// broken mock would prove nothing about a vendor either.
func TestSuiteCatchesBrokenMocks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite several times")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// labels selects the specs run against the broken mock; failing, when set, must match the
	// report of a spec that failed, so that a kind is proven caught by the specs written for it.
	type selfTest struct {
		vendor, kind, labels string
		failing              *regexp.Regexp
	}
	cases := []selfTest{
		{vendor: specs.Iovox, kind: framework.TamperMisspell, labels: "negative"},
		{vendor: specs.Valomnia, kind: framework.TamperErrorsAsOK, labels: "negative"},
		{vendor: specs.Which50, kind: framework.TamperMisspell, labels: "negative"},
		{vendor: specs.Auregister, kind: framework.TamperErrorsAsOK, labels: "negative"},
	}
	// A mock that loses a field of an update must fail the schema-derived round trips
	// (roundtrip_test.go) of every vendor: those whose answer is the record (Valomnia, auregister)
	// and those read back through the mock's state (iovox, Which50).
	for _, vendor := range specs.Vendors() {
		cases = append(cases, selfTest{vendor: vendor, kind: framework.TamperDropField, labels: "mutating",
			failing: regexp.MustCompile(`(?m)^\s+\[FAIL\] ` + regexp.QuoteMeta(vendor) + ` round trips \[It\] MUST store `)})
	}
	for _, tc := range cases {
		t.Run(tc.vendor+"/"+tc.kind, func(t *testing.T) {
			t.Parallel()
			doc, err := specs.Load(tc.vendor)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := doc.Info.Extensions["x-vendor-page"].(string)
			junit := filepath.Join(t.TempDir(), "junit.xml")
			cmd := exec.Command(self,
				"-ginkgo.junit-report="+junit,
				"-test.run=^TestConformance$",
				"-ginkgo.label-filter=vendor:"+tc.vendor+" && "+tc.labels,
				"-ginkgo.no-color",
				"-tamper="+tc.vendor+":"+tc.kind,
				"-vendors="+tc.vendor,
				"-reports="+t.TempDir(),
			)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed against a broken %s mock (%s):\n%s", tc.vendor, tc.kind, tail(out))
			}
			// The framework's failure report lists the covered behaviours with their page rows:
			// "documented by ... catalogue/<id> — <page>: <table>, row ...".
			row := regexp.MustCompile(`(?m)^\s+(catalogue|status|example|rule)/\S+ — ` + regexp.QuoteMeta(page))
			if !strings.Contains(string(out), "documented by") || !row.Match(out) {
				t.Errorf("the failure report does not name a row of %s:\n%s", page, tail(out))
			}
			if tc.failing != nil && !tc.failing.Match(out) {
				t.Errorf("no spec matching %s failed against the broken mock:\n%s", tc.failing, tail(out))
			}
			checkFailuresShowTheExchange(t, out, junit)
		})
	}
}

// TestAddedFieldIsNonBreaking has a mock add a field the spec does not declare to its answers (a
// vendor extending its API): the suite must report it as non-breaking and pass, and fail only with
// --strict. A suite that failed every nightly run on an added field would teach its users to
// ignore it.
func TestAddedFieldIsNonBreaking(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite several times")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, vendor := range []string{specs.Valomnia, specs.Auregister} {
		for _, strict := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/strict=%v", vendor, strict), func(t *testing.T) {
				t.Parallel()
				args := []string{"-test.run=^TestConformance$", "-ginkgo.label-filter=vendor:" + vendor, "-ginkgo.no-color",
					"-tamper=" + vendor + ":" + framework.TamperExtraField, "-vendors=" + vendor, "-reports=" + t.TempDir()}
				if strict {
					args = append(args, "-strict")
				}
				out, err := exec.Command(self, args...).CombinedOutput()
				if !strings.Contains(string(out), "non-breaking ") || !strings.Contains(string(out), `property "`+framework.ExtraFieldName+`" is not declared`) {
					t.Errorf("the added field is not reported as non-breaking:\n%s", tail(out))
				}
				switch {
				case !strict && err != nil:
					t.Errorf("the suite failed on a non-breaking change without --strict:\n%s", tail(out))
				case strict && err == nil:
					t.Errorf("the suite passed a non-breaking change with --strict:\n%s", tail(out))
				}
			})
		}
	}
}

// checkFailuresShowTheExchange: in the terminal and in the JUnit report, a failure shows the
// exchange at fault (request line, the vendor's status, its body) under the message, and no test
// credential appears anywhere.
func checkFailuresShowTheExchange(t *testing.T, terminal []byte, junitPath string) {
	t.Helper()
	exchange := regexp.MustCompile(`--- the exchange at fault: exchange \d+ of \d+[^\n]*\n\s*> (GET|PUT|POST|PATCH|DELETE|HEAD|OPTIONS|TRACE) http://\S+[^\n]*\n\s*(< \S*\d{3} |! )`)
	if !exchange.Match(terminal) {
		t.Errorf("no failure in the terminal shows its exchange:\n%s", tail(terminal))
	}
	raw, err := os.ReadFile(junitPath)
	if err != nil {
		t.Fatal(err)
	}
	var suites reporters.JUnitTestSuites
	if err := xml.Unmarshal(raw, &suites); err != nil {
		t.Fatalf("JUnit report: %v", err)
	}
	shown := 0
	for _, s := range suites.TestSuites {
		for _, tc := range s.TestCases {
			if tc.Failure != nil && exchange.MatchString(tc.Failure.Description) {
				shown++
			}
		}
	}
	if shown == 0 {
		t.Errorf("no failure of the JUnit report shows its exchange")
	}
	secret := regexp.MustCompile(`(?i)(securekey: |username: |authorization: bearer |password=|"password": ?"|j_password=)test\b`)
	for name, b := range map[string][]byte{"terminal": terminal, "JUnit report": raw} {
		if m := secret.Find(b); m != nil {
			t.Errorf("the %s shows a credential: %q", name, m)
		}
	}
}

func tail(out []byte) string {
	s := string(out)
	if len(s) > 4000 {
		s = "..." + s[len(s)-4000:]
	}
	return s
}
