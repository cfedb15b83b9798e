package conformance_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/contactapis/contactapis/conformance/framework"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
)

// auregURLEnv names one contact of each type of the mocks' auregister fixtures, as a user names
// the records of a live account (the second person, 1941881, brings a second address).
var auregURLEnv = []string{
	"CONTACTAPIS_AUREGISTER_CONTACT_ID=1941877",
	"CONTACTAPIS_AUREGISTER_CONTACT_ID_PEOPLE=1941881",
	"CONTACTAPIS_AUREGISTER_CONTACT_ID_JOINT_MEMBER=1941878",
	"CONTACTAPIS_AUREGISTER_CONTACT_ID_COMPANY=1941879",
	"CONTACTAPIS_AUREGISTER_CONTACT_ID_OTHER_ENTITY=1941880",
}

// vendorOnlyServer serves the mocks with their admin API refused: to the suite it is a vendor, a
// url target without admin API. It returns the server and the mocks' own admin handler, for the
// test to look behind the vendor's back.
func vendorOnlyServer(t *testing.T) (*httptest.Server, http.Handler) {
	t.Helper()
	srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
	if err != nil {
		t.Fatal(err)
	}
	return asVendor(t, srv, nil), srv
}

// asVendor serves h with its admin API refused, unless admin is set: to the suite a vendor, or a
// mock while admin holds true.
func asVendor(t *testing.T, h http.Handler, admin *atomic.Bool) *httptest.Server {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_admin/") && (admin == nil || !admin.Load()) {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs
}

// runURLSuite runs the suite's specs of vendor with --target=url against base and returns its
// ginkgo report.
func runURLSuite(t *testing.T, vendor, base string, env []string, extra ...string) (types.Report, []byte, error) {
	t.Helper()
	rep, out, _, err := runURLSuiteIn(t, t.TempDir(), vendor, base, env, extra...)
	return rep, out, err
}

// runURLSuiteIn is runURLSuite writing its reports (coverage.md among them) into dir.
func runURLSuiteIn(t *testing.T, dir, vendor, base string, env []string, extra ...string) (types.Report, []byte, string, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	reportPath := filepath.Join(dir, "report.json")
	args := append([]string{"-test.run=^TestConformance$", "-ginkgo.label-filter=vendor:" + vendor, "-ginkgo.no-color",
		"-ginkgo.json-report=" + reportPath, "-target=url", "-vendors=" + vendor, "-" + vendor + "-url=" + base + framework.MockPath(vendor),
		"-request-budget=100000", "-reports=" + dir}, extra...)
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), env...)
	out, runErr := cmd.CombinedOutput()
	raw, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatalf("no report (%v):\n%s", err, tail(out))
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("report: %v", err)
	}
	return reports[0], out, dir, runErr
}

// urlVendors are the vendors whose specs read state back through the vendor's own API and
// restore what they change on a url or live target: every vendor.
var urlVendors = specs.Vendors()

// TestURLTargetWithoutAdminRunsTheLiveSpecs: a url target without a mock's admin API gets a live
// run's treatment, so it must run every spec a live run does, the mutating ones on the records
// named, reading state through the vendor's API; only mock-only specs may be skipped.
// (auregister's helpers that pick a contact of a type or list addresses read the admin API unless
// the target was live, and 35 specs were skipped.)
func TestURLTargetWithoutAdminRunsTheLiveSpecs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	hs, _ := vendorOnlyServer(t)
	for _, vendor := range urlVendors {
		t.Run(vendor, func(t *testing.T) {
			rep, _, err := runURLSuite(t, vendor, hs.URL, urlEnv[vendor], "-allow-mutations")
			if err != nil {
				t.Errorf("the suite failed against a vendor-only server: %v\n%s", err, failures(rep))
			}
			var skipped []string
			ran := 0
			for _, s := range rep.SpecReports {
				if s.LeafNodeType != types.NodeTypeIt || !slices.Contains(s.Labels(), "vendor:"+vendor) {
					continue
				}
				if s.State.Is(types.SpecStateSkipped) {
					if !slices.Contains(s.Labels(), string(framework.MockOnly)) {
						skipped = append(skipped, s.LeafNodeText+": "+s.Failure.Message)
					}
					continue
				}
				ran++
			}
			t.Logf("%d %s specs ran; %d that a live run runs were skipped", ran, vendor, len(skipped))
			if len(skipped) > 0 {
				t.Errorf("%d specs a live run runs were skipped:\n  %s", len(skipped), strings.Join(skipped, "\n  "))
			}
		})
	}
}

// failures lists the failed specs of a report with their messages, first lines only.
func failures(rep types.Report) string {
	var out []string
	for _, s := range rep.SpecReports {
		if s.State.Is(types.SpecStateFailureStates) {
			msg, _, _ := strings.Cut(s.Failure.Message, "\n")
			out = append(out, s.LeafNodeText+": "+msg+" ("+s.Failure.Location.String()+")")
		}
	}
	return strings.Join(out, "\n")
}

// adminState is GET /_admin/state/vendor of the mocks' own handler.
func adminState(t *testing.T, h http.Handler, vendor string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_admin/state/"+vendor, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("admin state: %d %s", rec.Code, rec.Body)
	}
	if vendor != specs.Valomnia {
		return rec.Body.String()
	}
	// What a Valomnia write-back cannot give back: the logins a run opens are no data, every
	// write moves a contact's lastUpdated, and no update removes the photo of the contact named
	// for photos.
	var st map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("admin state: %v", err)
	}
	delete(st, "openSessions")
	contacts, _ := st["contacts"].([]any)
	for _, c := range contacts {
		c, _ := c.(map[string]any)
		delete(c, "lastUpdated")
		if fmt.Sprint(c["id"]) == vlMockPhotoContact {
			delete(c, "photo")
		}
	}
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestMutatingRunLeavesRecordsAsFound: a full --allow-mutations run of a vendor's specs against
// a url target leaves every record as it found it: each mutating spec reads what it may change
// first and writes it back after, also when it fails. Checked behind the target's back through
// the mocks' admin state, on a target without admin API (as a live vendor: no reset between
// specs) and on a tools/mockserver (with one: the last spec's changes would remain).
func TestMutatingRunLeavesRecordsAsFound(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	for _, vendor := range urlVendors {
		t.Run(vendor+" without admin API", func(t *testing.T) {
			hs, mocksHandler := vendorOnlyServer(t)
			before := adminState(t, mocksHandler, vendor)
			rep, _, err := runURLSuite(t, vendor, hs.URL, urlEnv[vendor], "-allow-mutations")
			if err != nil {
				t.Errorf("the suite failed: %v\n%s", err, failures(rep))
			}
			if after := adminState(t, mocksHandler, vendor); after != before {
				t.Errorf("the run changed the records:\nbefore %s\nafter  %s", before, after)
			}
		})
		t.Run(vendor+" tools/mockserver", func(t *testing.T) {
			srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv)
			t.Cleanup(hs.Close)
			before := adminState(t, srv, vendor)
			rep, _, err := runURLSuite(t, vendor, hs.URL, nil, "-allow-mutations")
			if err != nil {
				t.Errorf("the suite failed: %v\n%s", err, failures(rep))
			}
			if after := adminState(t, srv, vendor); after != before {
				t.Errorf("the run changed the records:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// urlEnv names, per vendor, the records of the mocks' fixtures a url run may change, as a user
// names the records of a live account.
var urlEnv = map[string][]string{
	specs.Auregister: auregURLEnv,
	specs.Iovox:      {"CONTACTAPIS_IOVOX_CONTACT_ID=333"},
	specs.Valomnia: {"CONTACTAPIS_VALOMNIA_CONTACT_ID=5", "CONTACTAPIS_VALOMNIA_CUSTOMER_ID=3229",
		"CONTACTAPIS_VALOMNIA_PHOTO_CONTACT_ID=" + vlMockPhotoContact},
	specs.Which50: {"CONTACTAPIS_WHICH50_LIST_ID=3", "CONTACTAPIS_WHICH50_MATCH=ReferanceAccountId=123456&Email=pgannon%40customerminds.com"},
}

// countsLine is a vendor's counts line of coverage.md ("45 behaviours: 30 pass, 15 skipped").
var countsLine = regexp.MustCompile(`(?m)^## (\w+)\n\n(\d+) behaviours: (.*)$`)

// skippedRow is a behaviour's row of coverage.md that did not run, with the reason.
var skippedRow = regexp.MustCompile("(?m)^\\| `([^`]+)`[^|]*\\| (?:skipped|not run) — ([^|]*)")

// minURLShare is the share of the documented behaviours a target without admin API must check
// (issue 14): the rest need a mock (faults, custom events).
const minURLShare = 0.80

// TestURLTargetShareOfBehaviours runs every vendor's specs against a target without admin API,
// with every record named and --allow-mutations, as a nightly live run would, and counts the
// documented behaviours that passed there: the share a live run can check at all.
func TestURLTargetShareOfBehaviours(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	hs, _ := vendorOnlyServer(t)
	ran, total := 0, 0
	for _, vendor := range specs.Vendors() {
		dir := t.TempDir()
		rep, _, _, err := runURLSuiteIn(t, dir, vendor, hs.URL, urlEnv[vendor], "-allow-mutations")
		if err != nil {
			t.Errorf("%s: the suite failed against a vendor-only server: %v\n%s", vendor, err, failures(rep))
		}
		md, err := os.ReadFile(filepath.Join(dir, "coverage.md"))
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, m := range countsLine.FindAllStringSubmatch(string(md), -1) {
			if m[1] != vendor {
				continue
			}
			found = true
			n, _ := strconv.Atoi(m[2])
			pass := 0
			for _, part := range strings.Split(m[3], ", ") {
				if c, ok := strings.CutSuffix(part, " pass"); ok {
					pass, _ = strconv.Atoi(c)
				}
			}
			t.Logf("%s: %d of %d behaviours run without admin API (%s)", vendor, pass, n, m[3])
			ran += pass
			total += n
		}
		if !found {
			t.Fatalf("%s: no counts in coverage.md:\n%s", vendor, md)
		}
		for _, m := range skippedRow.FindAllStringSubmatch(string(md), -1) {
			t.Logf("  %s: %s not run: %s", vendor, m[1], m[2])
		}
	}
	share := float64(ran) / float64(total)
	t.Logf("all vendors: %d of %d behaviours (%.0f%%) run without admin API", ran, total, 100*share)
	if share < minURLShare {
		t.Errorf("%d of %d behaviours (%.0f%%) run on a target without admin API; want at least %.0f%%", ran, total, 100*share, 100*minURLShare)
	}
}
