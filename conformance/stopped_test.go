package conformance_test

import (
	"html"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock/mocks"
)

// A run that stops before any spec must say so in every report it leaves, and exit non-zero:
// `make conformance TARGET=url` without URLs used to leave a JUnit file of 0 tests and 0
// failures, an empty report.json and the previous run's coverage.html.
func TestStoppedRunsSayWhyInTheirReports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite binary")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	// A port nothing listens on: taken, then given back.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name string
		args []string
		// want must each appear in the console output, coverage.md, coverage.html and the JUnit file.
		want []string
	}{
		{"url target without URLs", []string{"--target=url", "--vendors=iovox"},
			[]string{"iovox: no base URL: pass --iovox-url or set CONTACTAPIS_IOVOX_BASE_URL"}},
		{"unknown vendor", []string{"--vendors=iovox,acme"}, []string{`unknown vendor "acme"`}},
		{"unreachable host and a mistyped path", []string{"--target=url", "--vendors=iovox,which50",
			"--iovox-url=" + hs.URL + "/iovx", "--which50-url=" + closed + "/which50"},
			[]string{
				"--iovox-url " + hs.URL + "/iovx: tools/mockserver at " + hs.URL + " serves iovox at " + hs.URL + "/iovox",
				"--which50-url " + closed + "/which50: no answer from which50",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			har := filepath.Join(dir, "run.har")
			// The last run's reports, which must not survive looking current.
			for _, name := range []string{"coverage.html", "coverage.md", "run.har"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("last run: all passed"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(self, append([]string{"-test.run=^TestConformance$", "-ginkgo.no-color",
				"-ginkgo.junit-report=" + filepath.Join(dir, "junit.xml"), "-reports=" + dir, "-har=" + har}, tc.args...)...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("a stopped run exited 0:\n%s", tail(out))
			}
			if !strings.Contains(string(out), "STOPPED before any spec ran") || !strings.Contains(string(out), "Ran 0 of") {
				t.Errorf("the console does not say the run stopped:\n%s", tail(out))
			}
			for _, name := range []string{"coverage.html", "coverage.md", "junit.xml"} {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				// HTML and XML escape quotes: compare the text they carry.
				s := html.UnescapeString(string(data))
				if strings.Contains(s, "last run: all passed") {
					t.Errorf("%s is the last run's", name)
				}
				if name == "junit.xml" && !strings.Contains(s, `failures="1"`) {
					t.Errorf("junit.xml counts no failure:\n%s", s)
				}
				if name != "junit.xml" && !strings.Contains(strings.ToLower(s), "stopped before any spec ran") {
					t.Errorf("%s does not say the run stopped:\n%s", name, s)
				}
				for _, w := range tc.want {
					if !strings.Contains(s, w) {
						t.Errorf("%s lacks %q:\n%s", name, w, s)
					}
				}
			}
			if data, err := os.ReadFile(har); err == nil && strings.Contains(string(data), "last run") {
				t.Errorf("the last run's HAR is still at %s", har)
			}
		})
	}
}
