package conformance_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

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
	cases := []struct{ vendor, kind string }{
		{specs.Iovox, framework.TamperMisspell},
		{specs.Valomnia, framework.TamperErrorsAsOK},
		{specs.Which50, framework.TamperMisspell},
		{specs.Auregister, framework.TamperErrorsAsOK},
	}
	for _, tc := range cases {
		t.Run(tc.vendor+"/"+tc.kind, func(t *testing.T) {
			t.Parallel()
			doc, err := specs.Load(tc.vendor)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := doc.Info.Extensions["x-vendor-page"].(string)
			cmd := exec.Command(self,
				"-test.run=^TestConformance$",
				"-ginkgo.label-filter=vendor:"+tc.vendor+" && negative",
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

func tail(out []byte) string {
	s := string(out)
	if len(s) > 4000 {
		s = "..." + s[len(s)-4000:]
	}
	return s
}
