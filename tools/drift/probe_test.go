package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/probe"
	"github.com/contactapis/contactapis/tools/drift/internal/suite"
)

// mockPath is where the mocks serve a vendor's API (as conformance/framework.MockPath).
func mockPath(vendor string) string {
	if vendor == specs.Valomnia {
		return "/valomnia/api/v1.0"
	}
	return "/" + vendor
}

// serveMocks serves the project's mocks, the answers of vendor broken by tamper when it is set,
// and returns the server's URL.
func serveMocks(t *testing.T, tamper func(vendor string, h http.Handler) http.Handler) string {
	t.Helper()
	opts := mocks.Options{Credentials: mocks.DefaultCredentials()}
	opts.Tamper = tamper
	srv, err := mocks.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

// errorsAsOK breaks one vendor's mock as the suite's self-test does (--tamper vendor:errors-as-ok):
// every 4xx answer goes out as 200, body and headers unchanged.
func errorsAsOK(broken string) func(string, http.Handler) http.Handler {
	return func(vendor string, h http.Handler) http.Handler {
		if vendor != broken {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			status := rec.Code
			if status >= 400 && status < 500 {
				status = http.StatusOK
			}
			w.WriteHeader(status)
			w.Write(rec.Body.Bytes())
		})
	}
}

// buildSuite compiles the conformance suite once for the test that calls it.
func buildSuite(t *testing.T) string {
	t.Helper()
	root, err := suite.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "conformance.test")
	if err := suite.Build(context.Background(), root, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// fixedProbes stand in for the vendor probes in goldens, so that the goldens show how the command
// reports each kind of outcome without changing whenever a vendor's probes do. The one probe sends
// a real request through the Target the command built (credentials, base URL).
func fixedProbes(vendor string) ([]probe.Probe, map[string]string) {
	if vendor != specs.Iovox {
		return []probe.Probe{}, map[string]string{}
	}
	return []probe.Probe{{
			Vendor: specs.Iovox, ID: "method-parameter-undocumented",
			Run: func(ctx context.Context, t *probe.Target) probe.Outcome {
				resp, err := t.Do(ctx, probe.Request{Method: http.MethodPut, Path: "/Contacts?v=3", ContentType: "application/xml", Body: []byte("<request/>")})
				if err != nil {
					return probe.Outcome{Reading: probe.Unsettled, Evidence: err.Error()}
				}
				// The spec: 400 Method Invalid. A 200 is neither reading.
				reading := probe.Neither
				if resp.Status == http.StatusBadRequest {
					reading = probe.Spec
				}
				return probe.Outcome{Reading: reading, Evidence: fmt.Sprintf("PUT /Contacts?v=3 without method → %d %s %q", resp.Status, resp.MediaType, resp.Messages(specs.Iovox))}
			},
		}, {
			Vendor: specs.Iovox, ID: "flag-type", Mutates: true,
			Run: func(context.Context, *probe.Target) probe.Outcome { return probe.Outcome{Reading: probe.Page} },
		}},
		map[string]string{"example-unclosed-contact": "the page's example is malformed under any reading"}
}

// Lines of conformance/*_test.go and specs/*.yaml, and the count of specs the label filter left
// out (every other vendor's), change with edits the probe goldens are not about.
var (
	probeLineRE        = regexp.MustCompile(`((?:conformance/\w+_test\.go|specs/\w+\.yaml):)\d+`)
	probeSkippedRE     = regexp.MustCompile(`(failed \()\d+( skipped\))`)
	probeSkippedJSONRE = regexp.MustCompile(`("failed": \d+,\s*"skipped": )\d+`)
)

// normaliseProbe makes a probe golden independent of those edits.
func normaliseProbe(s string) string {
	s = probeLineRE.ReplaceAllString(s, "${1}N")
	s = probeSkippedRE.ReplaceAllString(s, "${1}N${2}")
	return probeSkippedJSONRE.ReplaceAllString(s, "${1}N")
}

// TestProbeEndToEnd runs drift probe as a user would against a running server: the suite's
// binary (built once here), its recording and the probes.
func TestProbeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the conformance suite (about a minute); run without -short")
	}
	bin := buildSuite(t)

	// Against the mocks as they are, with every vendor's real probes: nothing may fail. A probe
	// that finds the page's reading on the mock means the mock and the spec disagree.
	for _, v := range specs.Vendors() {
		t.Run("clean/"+v, func(t *testing.T) {
			base := serveMocks(t, nil)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"probe", "--vendor", v, "--target", "url", "--url", base + mockPath(v), "--suite", bin, "--format", "json"},
				&stdout, &stderr, testEnv())
			if code != exitClean || stderr.Len() > 0 {
				t.Fatalf("exit %d, stderr %s\n%s", code, stderr.String(), stdout.String())
			}
			var r struct {
				Failing int `json:"failing"`
				Probe   struct {
					Suite         struct{ Ran, Passed int }
					Discrepancies map[string]int
				}
				Traffic struct{ Validated int }
			}
			if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			ds, err := probe.Discrepancies(v)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, n := range r.Probe.Discrepancies {
				total += n
			}
			switch {
			case r.Failing != 0:
				t.Errorf("%d failing findings:\n%s", r.Failing, stdout.String())
			case r.Probe.Suite.Ran == 0 || r.Probe.Suite.Passed != r.Probe.Suite.Ran:
				t.Errorf("suite: %+v", r.Probe.Suite)
			case r.Traffic.Validated == 0:
				t.Error("the suite's recording validated nothing")
			case total != len(ds):
				t.Errorf("%d discrepancy outcomes, the spec has %d discrepancies", total, len(ds))
			}
		})
	}

	// The iovox mock answering 200 for its errors: failed specs, traffic findings, and the fixed
	// probe seeing neither reading.
	broken := serveMocks(t, errorsAsOK(specs.Iovox))
	e := testEnv()
	e.probes = fixedProbes
	args := func(more ...string) []string {
		return append([]string{"probe", "--vendor", "iovox", "--target", "url", "--url", broken + "/iovox", "--suite", bin, "--seed", "1"}, more...)
	}
	t.Run("probe-tampered", func(t *testing.T) {
		goldenNormalised(t, "probe-tampered", exitFindings, e, args(), normaliseProbe, broken, "$MOCK", bin, "$SUITE")
	})
	t.Run("probe-tampered-json", func(t *testing.T) {
		goldenNormalised(t, "probe-tampered-json", exitFindings, e, args("--format", "json"), normaliseProbe, broken, "$MOCK", bin, "$SUITE")
	})
	// The baseline excuses every finding class the run shows, and lists an entry that matched
	// nothing; an expired entry fails the run by itself.
	t.Run("probe-baseline", func(t *testing.T) {
		goldenNormalised(t, "probe-baseline", exitClean, e, args("--baseline", "testdata/baseline/probe.yaml"), normaliseProbe, broken, "$MOCK", bin, "$SUITE")
	})
	t.Run("probe-baseline-expired", func(t *testing.T) {
		goldenNormalised(t, "probe-baseline-expired", exitFindings, e, args("--baseline", "testdata/baseline/probe-expired.yaml"), normaliseProbe, broken, "$MOCK", bin, "$SUITE")
	})
	// --har keeps the recording, and the report points into it.
	t.Run("har", func(t *testing.T) {
		har := filepath.Join(t.TempDir(), "probe.har")
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args("--har", har), &stdout, &stderr, e)
		if code != exitFindings {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		if !bytes.Contains(stdout.Bytes(), []byte(har+" entry ")) {
			t.Errorf("the report does not point into %s:\n%s", har, stdout.String())
		}
		if _, err := os.Stat(har); err != nil {
			t.Error(err)
		}
	})
}

// Bad input: one line on stderr, exit 2, before anything runs where possible.
func TestProbeBadInput(t *testing.T) {
	root, err := suite.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	url := []string{"--target", "url", "--url", "http://127.0.0.1:1/iovox"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"probe-no-vendor", []string{"probe"}},
		{"probe-unknown-vendor", []string{"probe", "--vendor", "acme"}},
		{"probe-url-two-vendors", append([]string{"probe", "--vendor", "iovox,which50"}, url...)},
		{"probe-live-no-credentials", []string{"probe", "--vendor", "valomnia", "--vendor", "auregister"}},
		{"probe-bad-target", []string{"probe", "--vendor", "iovox", "--target", "staging"}},
		{"probe-bad-format", []string{"probe", "--vendor", "iovox", "--format", "yaml"}},
		{"probe-argument", []string{"probe", "--vendor", "iovox", "capture.har"}},
		{"probe-suite-missing", append([]string{"probe", "--vendor", "iovox", "--suite", "testdata/probe/no-such.test"}, url...)},
		{"probe-bad-baseline", []string{"probe", "--vendor", "iovox", "--baseline", "testdata/baseline/bad.yaml"}},
		{"probe-har-no-dir", append([]string{"probe", "--vendor", "iovox", "--har", "testdata/no-such-dir/probe.har"}, url...)},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, exitUsage, tc.args) })
	}
	t.Run("probe-suite-no-report", func(t *testing.T) {
		// A suite binary that dies before writing its report: the message says how to run it by
		// hand, with the flags that choose the specs.
		bin := filepath.Join(t.TempDir(), "conformance.test")
		if err := os.WriteFile(bin, []byte("#!/bin/sh\necho 'conformance configuration: iovox: no base URL' >&2\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		golden(t, "probe-suite-no-report", exitUsage, append([]string{"probe", "--vendor", "iovox", "--suite", bin}, url...), bin, "$SUITE", root, "$ROOT")
	})
	t.Run("probe-help", func(t *testing.T) { golden(t, "probe-help", exitClean, []string{"probe", "-h"}) })
}

// TestSuiteBuildFails checks a build failure is an input error that says how to reproduce it.
func TestSuiteBuildFails(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+suite.Module+"\n\ngo 1.26\n"), 0o644)
	err := suite.Build(context.Background(), dir, filepath.Join(dir, "x.test"))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("reproduce: cd "+dir+" && go test -c")) {
		t.Errorf("error %v", err)
	}
}
