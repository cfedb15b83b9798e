package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// testNow is the day every golden is judged on: acknowledgements expiring 2026-06-30 or earlier
// are expired, later ones hold.
var testNow = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func testEnv() env {
	return env{now: func() time.Time { return testNow }, isTerminal: func(io.Writer) bool { return false }}
}

// golden runs drift with args and compares exit status, stdout and stderr with
// testdata/golden/<name>.golden, after replace (pairs of old, new) has made them
// machine-independent.
func golden(t *testing.T, name string, wantCode int, args []string, replace ...string) {
	t.Helper()
	goldenEnv(t, name, wantCode, testEnv(), args, replace...)
}

// goldenEnv is golden with the command's surroundings given.
func goldenEnv(t *testing.T, name string, wantCode int, e env, args []string, replace ...string) {
	t.Helper()
	goldenNormalised(t, name, wantCode, e, args, nil, replace...)
}

// goldenNormalised is goldenEnv with normalise applied to the output after replace, for what
// varies with files the golden is not about.
func goldenNormalised(t *testing.T, name string, wantCode int, e env, args []string, normalise func(string) string, replace ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, e)
	r := strings.NewReplacer(replace...)
	got := fmt.Sprintf("$ drift %s\nexit %d\n--- stdout\n%s--- stderr\n%s", r.Replace(strings.Join(args, " ")), code, r.Replace(stdout.String()), r.Replace(stderr.String()))
	if normalise != nil {
		got = normalise(got)
	}
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", path, got)
	}
	if code != wantCode {
		t.Errorf("exit %d, want %d", code, wantCode)
	}
	// Bare "drift" prints the usage; everything else that exits 2 says why in one line.
	if code == exitUsage && len(args) > 0 && strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("an input or usage error must be one line on stderr, got %q", stderr.String())
	}
}

func specFile(name string) string { return filepath.Join("testdata", "spec", name+".yaml") }

func TestSpecFiles(t *testing.T) {
	files := func(head string, more ...string) []string {
		return append([]string{"spec", "--base-file", specFile("base"), "--head-file", specFile(head), "--vendor", "auregister", "--ack", "testdata/ack/empty.yaml"}, more...)
	}
	for _, tc := range []struct {
		name string
		code int
		args []string
	}{
		// One change of each oasdiff level: ERR fails; WARN and INFO do not, so that the summary's
		// count of ERR is the count of what fails.
		{"spec-err", 1, files("err")},
		{"spec-warn", 0, files("warn")},
		{"spec-info", 0, files("info")},
		// The error catalogue, which oasdiff does not read.
		{"spec-catalogue", 1, files("catalogue")},
		{"spec-unchanged", 0, files("base")},
		// Every level at once, in each format.
		{"spec-all-text", 1, files("all")},
		{"spec-all-json", 1, files("all", "--format", "json")},
		{"spec-all-markdown", 1, files("all", "--format", "markdown")},
		{"spec-all-junit", 1, files("all", "--format", "junit")},
		// Acknowledged: every breaking change excused, exit 0; one entry unused.
		{"spec-acknowledged", 0, []string{"spec", "--base-file", specFile("base"), "--head-file", specFile("all"), "--vendor", "auregister", "--ack", "testdata/ack/spec.yaml"}},
		{"spec-acknowledged-markdown", 0, []string{"spec", "--base-file", specFile("base"), "--head-file", specFile("all"), "--vendor", "auregister", "--ack", "testdata/ack/spec.yaml", "--format", "markdown"}},
		// An expired entry excuses nothing and fails by itself.
		{"spec-ack-expired", 1, []string{"spec", "--base-file", specFile("base"), "--head-file", specFile("all"), "--vendor", "auregister", "--ack", "testdata/ack/spec-expired.yaml"}},
		{"spec-ack-expired-junit", 1, []string{"spec", "--base-file", specFile("base"), "--head-file", specFile("all"), "--vendor", "auregister", "--ack", "testdata/ack/spec-expired.yaml", "--format", "junit"}},
		// Bad input and usage: one line, exit 2.
		{"spec-broken-spec", 2, files("broken")},
		{"spec-missing-file", 2, files("nonexistent")},
		{"spec-bad-ack", 2, []string{"spec", "--base-file", specFile("base"), "--head-file", specFile("err"), "--vendor", "auregister", "--ack", "testdata/baseline/traffic.yaml"}},
		{"spec-missing-ack", 2, []string{"spec", "--base-file", specFile("base"), "--head-file", specFile("err"), "--vendor", "auregister", "--ack", "testdata/ack/nonexistent.yaml"}},
		{"spec-no-base", 2, []string{"spec"}},
		{"spec-files-no-vendor", 2, []string{"spec", "--base-file", specFile("base"), "--head-file", specFile("err")}},
		{"spec-files-and-revs", 2, []string{"spec", "--base", "HEAD", "--base-file", specFile("base"), "--head-file", specFile("err"), "--vendor", "auregister"}},
		{"spec-bad-format", 2, []string{"spec", "--base", "HEAD", "--format", "yaml"}},
		{"spec-unknown-vendor", 2, []string{"spec", "--base", "HEAD", "--vendor", "acme"}},
		{"spec-unknown-flag", 2, []string{"spec", "--bsae", "HEAD"}},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, tc.code, tc.args) })
	}
}

func TestSpecNotARepository(t *testing.T) {
	dir := t.TempDir()
	golden(t, "spec-not-a-repository", 2, []string{"spec", "--dir", dir, "--base", "HEAD"}, dir, "$TMP")
}

// gitRepo makes a repository with two commits: a module whose specs/auregister.yaml is
// testdata/spec/base.yaml then all.yaml, and whose gen/auregister changes its API between them.
// It returns the directory and the two commit ids.
func gitRepo(t *testing.T) (dir, base, head string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir = t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=drift test", "GIT_AUTHOR_EMAIL=drift@example.test", "GIT_AUTHOR_DATE=2026-07-01T10:00:00Z",
			"GIT_COMMITTER_NAME=drift test", "GIT_COMMITTER_EMAIL=drift@example.test", "GIT_COMMITTER_DATE=2026-07-01T10:00:00Z")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := func(name string) string {
		data, err := os.ReadFile(specFile(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	git("init", "--quiet")
	write("go.mod", "module example.com/drifttest\n\ngo 1.26\n")
	write("specs/auregister.yaml", spec("base"))
	write("gen/auregister/api.go", `// Package auregister stands in for a generated client in tools/drift's tests.
package auregister

// DefaultServer is the base URL used when none is given.
const DefaultServer = "https://auregister.invalid"

// Contact is a stored contact.
type Contact struct {
	ID    int64
	Title *string
}

// Client calls the API.
type Client struct{ Server string }

// UpdateContact changes a contact's title.
func (c *Client) UpdateContact(id int64, title string) (*Contact, error) { return nil, nil }
`)
	git("add", ".")
	git("commit", "--quiet", "-m", "base")
	write("specs/auregister.yaml", spec("all"))
	write("gen/auregister/api.go", `// Package auregister stands in for a generated client in tools/drift's tests.
package auregister

import "context"

// Contact is a stored contact.
type Contact struct {
	ID    int64
	Title *int
}

// Client calls the API.
type Client struct{ Server string }

// UpdateContact changes a contact's title.
func (c *Client) UpdateContact(ctx context.Context, id int64, title int) (*Contact, error) { return nil, nil }

// Close releases the client's connections.
func (c *Client) Close() error { return nil }
`)
	git("add", ".")
	git("commit", "--quiet", "-m", "head")
	return dir, git("rev-parse", "HEAD~1"), git("rev-parse", "HEAD")
}

func TestSpecGitRevisions(t *testing.T) {
	dir, base, head := gitRepo(t)
	// Commit ids are stable for fixed dates and authors, but not across git's object formats:
	// name them, and the temporary directory, by role.
	replace := []string{dir, "$REPO", base, "$BASE", base[:12], "$BASE", head, "$HEAD", head[:12], "$HEAD"}
	t.Run("spec-git", func(t *testing.T) {
		golden(t, "spec-git", 1, []string{"spec", "--dir", dir, "--base", "HEAD~1", "--head", "HEAD", "--vendor", "auregister", "--ack", "testdata/ack/git.yaml"}, replace...)
	})
	t.Run("spec-git-same-commit", func(t *testing.T) {
		// A fresh clone with one commit: the merge base is HEAD, and nothing changed.
		golden(t, "spec-git-same-commit", 0, []string{"spec", "--dir", dir, "--base", "HEAD", "--head", head}, replace...)
	})
	t.Run("spec-git-missing-spec", func(t *testing.T) {
		// On neither side: a vendor that does not exist in this repository.
		golden(t, "spec-git-missing-spec", 2, []string{"spec", "--dir", dir, "--base", "HEAD~1", "--vendor", "iovox"}, replace...)
	})
	t.Run("spec-git-vendor-added", func(t *testing.T) {
		// A pull request adding a vendor: new at head, so nothing to compare, and nothing fails.
		p := filepath.Join(dir, "specs", "iovox.yaml")
		data, err := os.ReadFile(specFile("base"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p)
		golden(t, "spec-git-vendor-added", 0, []string{"spec", "--dir", dir, "--base", "HEAD", "--vendor", "iovox"}, replace...)
	})
	t.Run("spec-git-vendor-removed", func(t *testing.T) {
		// Removing a vendor's spec breaks every user of its client.
		p := filepath.Join(dir, "specs", "auregister.yaml")
		if err := os.Rename(p, p+".away"); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(p+".away", p)
		golden(t, "spec-git-vendor-removed", 1, []string{"spec", "--dir", dir, "--base", "HEAD", "--vendor", "auregister"}, replace...)
	})
	t.Run("spec-git-unknown-revision", func(t *testing.T) {
		golden(t, "spec-git-unknown-revision", 2, []string{"spec", "--dir", dir, "--base", "HEAD~5"}, replace...)
	})
	t.Run("spec-git-option-revision", func(t *testing.T) {
		// A revision git would read as an option is refused before git sees it.
		golden(t, "spec-git-option-revision", 2, []string{"spec", "--dir", dir, "--base=--output=/tmp/x"}, replace...)
	})
	t.Run("spec-git-working-tree", func(t *testing.T) {
		// Head defaults to the working tree: an uncommitted removal shows.
		p := filepath.Join(dir, "gen", "auregister", "api.go")
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(src, []byte("\n// Close"))
		if err := os.WriteFile(p, src[:i+1], 0o644); err != nil {
			t.Fatal(err)
		}
		golden(t, "spec-git-working-tree", 1, []string{"spec", "--dir", dir, "--base", "HEAD", "--vendor", "auregister"}, replace...)
	})
}

func TestTraffic(t *testing.T) {
	har := func(name string) string { return filepath.Join("testdata", "har", name+".har") }
	classes := []string{"undocumented-status", "undocumented-media-type", "response-schema-mismatch", "missing-required-field",
		"undocumented-field", "error-message-not-in-catalogue", "request-rejected"}
	all := []string{"traffic"}
	for _, c := range classes {
		all = append(all, har(c))
	}
	type tcase struct {
		name string
		code int
		args []string
	}
	cases := []tcase{
		{"traffic-clean", 0, []string{"traffic", har("clean")}},
		// The suite's negative specs send invalid requests on purpose; only the answer counts.
		{"traffic-negative", 0, []string{"traffic", har("negative")}},
		{"traffic-vendor-map", 0, []string{"traffic", "--vendor-map", "contacts.example.test/v9=auregister", har("vendor-map")}},
		{"traffic-skip-unknown-hosts", 0, []string{"traffic", har("unknown-host"), "--skip-unknown-hosts"}},
		// All classes, each format.
		{"traffic-all-text", 1, all},
		{"traffic-all-json", 1, append(append([]string{}, all...), "--format", "json")},
		{"traffic-all-markdown", 1, append(append([]string{}, all...), "--format", "markdown")},
		{"traffic-all-junit", 1, append(append([]string{}, all...), "--format", "junit")},
		// Baseline: what it excuses passes; an expired entry fails.
		{"traffic-baseline", 1, append([]string{"traffic", "--baseline", "testdata/baseline/traffic.yaml"}, all[1:]...)},
		{"traffic-baseline-clears", 0, []string{"traffic", "--baseline", "testdata/baseline/traffic.yaml", har("undocumented-status")}},
		{"traffic-baseline-expired", 1, []string{"traffic", "--baseline", "testdata/baseline/expired.yaml", har("undocumented-status")}},
		{"traffic-baseline-bad", 2, []string{"traffic", "--baseline", "testdata/baseline/bad.yaml", har("clean")}},
		// Bad input: one line, exit 2, never a panic.
		{"traffic-empty", 2, []string{"traffic", har("empty")}},
		{"traffic-not-json", 2, []string{"traffic", har("not-json")}},
		{"traffic-truncated", 2, []string{"traffic", har("truncated")}},
		{"traffic-no-entries", 2, []string{"traffic", har("no-entries")}},
		{"traffic-unknown-host", 2, []string{"traffic", har("unknown-host")}},
		{"traffic-missing-file", 2, []string{"traffic", har("nonexistent")}},
		{"traffic-no-files", 2, []string{"traffic"}},
		{"traffic-bad-vendor-map", 2, []string{"traffic", "--vendor-map", "example.test", har("clean")}},
	}
	for _, c := range classes {
		code := 1
		if c == "undocumented-field" {
			// A vendor that adds a field to its answer is non-breaking: reported, not failed...
			code = 0
		}
		cases = append(cases, tcase{"traffic-" + c, code, []string{"traffic", har(c)}})
	}
	// ...unless --strict.
	cases = append(cases, tcase{"traffic-undocumented-field-strict", 1, []string{"traffic", "--strict", har("undocumented-field")}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, tc.code, tc.args) })
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		args []string
	}{
		{"usage", 2, nil},
		{"unknown-command", 2, []string{"diff"}},
		{"probe", 2, []string{"probe", "--vendor", "iovox"}},
		{"replay", 2, []string{"replay", "capture.har"}},
		{"help", 0, []string{"help"}},
		{"spec-help", 0, []string{"spec", "-h"}},
		{"traffic-help", 0, []string{"traffic", "--help"}},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, tc.code, tc.args) })
	}
}

// On a terminal, drift traffic shows its progress on stderr; the report stays on stdout.
func TestTrafficProgressOnATerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	e := testEnv()
	e.isTerminal = func(w io.Writer) bool { return w == &stderr }
	code := run(context.Background(), []string{"traffic", filepath.Join("testdata", "har", "clean.har")}, &stdout, &stderr, e)
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.HasSuffix(stderr.String(), "\rdrift traffic: 5 exchanges validated, 0 distinct findings\n") {
		t.Errorf("stderr %q", stderr.String())
	}
	if strings.Contains(stdout.String(), "\r") {
		t.Errorf("progress on stdout: %q", stdout.String())
	}
}

// --base auto never compares HEAD with itself: on a branch it takes the merge base with
// origin/main, on main (a fresh clone) the commit before HEAD, and on a one-commit clone it
// stops with a line that says what to do. Each run names the base it chose on stderr.
func TestSpecAutoBase(t *testing.T) {
	dir, first, second := gitRepo(t)
	gitIn := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "protocol.file.allow=always"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=drift test", "GIT_AUTHOR_EMAIL=drift@example.test",
			"GIT_COMMITTER_NAME=drift test", "GIT_COMMITTER_EMAIL=drift@example.test")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	gitIn(dir, "branch", "-M", "main")
	spec := func(dir string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"spec", "--dir", dir, "--base", "auto", "--skip-go-api", "--vendor", "auregister", "--ack", "testdata/ack/empty.yaml"}, &stdout, &stderr, testEnv())
		return code, stdout.String(), stderr.String()
	}
	short := func(c string) string { return c[:12] }

	t.Run("no origin", func(t *testing.T) {
		code, stdout, stderr := spec(dir)
		if code != exitFindings || !strings.Contains(stderr, "base "+short(first)) || !strings.Contains(stderr, "no origin/main") {
			t.Errorf("exit %d, stderr %q; want the commit before HEAD (%s), its reason, and the findings between them", code, stderr, short(first))
		}
		if !strings.Contains(stdout, "base "+short(first)) {
			t.Errorf("the report does not name the base: %s", stdout)
		}
	})

	clone := filepath.Join(t.TempDir(), "clone")
	gitIn(filepath.Dir(clone), "clone", "--quiet", dir, clone)
	t.Run("fresh clone of main", func(t *testing.T) {
		code, _, stderr := spec(clone)
		if code != exitFindings || !strings.Contains(stderr, "base "+short(first)) || !strings.Contains(stderr, "HEAD is the merge base with origin/main") {
			t.Errorf("exit %d, stderr %q; want the commit before HEAD (%s)", code, stderr, short(first))
		}
	})

	t.Run("branch with commits of its own", func(t *testing.T) {
		branch := filepath.Join(t.TempDir(), "branch")
		gitIn(filepath.Dir(branch), "clone", "--quiet", dir, branch)
		gitIn(branch, "switch", "--quiet", "-c", "feature")
		gitIn(branch, "commit", "--quiet", "--allow-empty", "-m", "one")
		gitIn(branch, "commit", "--quiet", "--allow-empty", "-m", "two")
		code, _, stderr := spec(branch)
		// The merge base is main's head (the second commit): the spec is the same there, so OK.
		if code != exitClean || !strings.Contains(stderr, "base "+short(second)) || !strings.Contains(stderr, "merge base of HEAD and origin/main") {
			t.Errorf("exit %d, stderr %q; want the merge base %s", code, stderr, short(second))
		}
	})

	t.Run("one-commit clone", func(t *testing.T) {
		shallow := filepath.Join(t.TempDir(), "shallow")
		gitIn(filepath.Dir(shallow), "clone", "--quiet", "--depth", "1", "file://"+dir, shallow)
		code, _, stderr := spec(shallow)
		if code != exitUsage || !strings.Contains(stderr, "nothing to compare with") || !strings.Contains(stderr, "--base") {
			t.Errorf("exit %d, stderr %q; want one line saying there is nothing to compare with", code, stderr)
		}
	})
}
