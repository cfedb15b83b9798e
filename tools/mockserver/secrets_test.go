package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// A full conformance run against this server, with credentials no other run uses, leaves no
// credential value in anything it produces: the suite's output (verbose, so every spec's
// evidence is printed), its reports (coverage.md and .html, the JUnit and JSON reports), its HAR
// recording, and every line the server logs at debug level. Each value is looked for as sent and
// in the encodings an output could carry it in: URL escaping, base64 (alone, as user:secret, at
// any alignment inside longer text), JSON, HTML and XML escaping, hex. The server's banner
// (stdout), which exists to tell a user the credentials to use, must show them: it is the check
// that the scan finds what it looks for.
//
// It builds the suite's test binary and runs it against this server (--target url), as
// `make conformance-mockserver` does, so it takes some seconds; -short skips it.
func TestFullRunLeaksNoCredential(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the conformance suite")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build the conformance suite")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", root, err)
	}
	dir := t.TempDir()
	suite := filepath.Join(dir, "conformance.test")
	build := exec.Command(goTool, "test", "-c", "-o", suite, "./conformance")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the suite: %v\n%s", err, out)
	}

	// Characters that every encoding below changes (+ / = & %), and a random part, so that no
	// value can turn up by chance.
	suffix := randomHex(t)
	const iovoxUser, valomniaUser = "test", "test@example.com"
	secrets := map[string]string{
		"iovox secureKey":    "ioK+/=&" + suffix,
		"valomnia password":  "vaP+/=&%" + suffix,
		"which50 token":      "w5T+/=" + suffix,
		"auregister token":   "auT+/=" + suffix,
		"iovox user:key":     iovoxUser + ":" + "ioK+/=&" + suffix,
		"valomnia user:pass": valomniaUser + ":" + "vaP+/=&%" + suffix,
	}
	base, banner, logs, stop := start(t, "-log-level", "debug",
		"-iovox-secure-key", secrets["iovox secureKey"], "-valomnia-password", secrets["valomnia password"],
		"-which50-token", secrets["which50 token"], "-auregister-token", secrets["auregister token"])

	out := filepath.Join(dir, "out")
	run := exec.Command(suite, "-test.run", "^TestConformance$", "-test.v", "-test.count=1",
		"-ginkgo.v", "-ginkgo.junit-report="+filepath.Join(out, "junit.xml"), "-ginkgo.json-report="+filepath.Join(out, "report.json"),
		"--target=url", "--reports="+filepath.Join(out, "reports"), "--har="+filepath.Join(out, "conformance.har"),
		"--iovox-url="+base+"/iovox", "--valomnia-url="+base+"/valomnia/api/v1.0",
		"--which50-url="+base+"/which50", "--auregister-url="+base+"/auregister")
	run.Dir = filepath.Join(root, "conformance") // the golden coverage.yaml
	run.Env = append(withoutSuiteEnv(os.Environ()),
		"CONTACTAPIS_IOVOX_USERNAME="+iovoxUser, "CONTACTAPIS_IOVOX_SECURE_KEY="+secrets["iovox secureKey"],
		"CONTACTAPIS_VALOMNIA_USER="+valomniaUser, "CONTACTAPIS_VALOMNIA_PASSWORD="+secrets["valomnia password"],
		"CONTACTAPIS_WHICH50_TOKEN="+secrets["which50 token"], "CONTACTAPIS_AUREGISTER_TOKEN="+secrets["auregister token"])
	suiteOut, err := run.CombinedOutput()
	if err := stop(); err != nil {
		t.Errorf("mockserver: %v", err)
	}
	if err != nil {
		// The run must pass, so that every spec, and its evidence, ran with these credentials.
		tail := lastLines(string(suiteOut), 60)
		for what, secret := range secrets {
			tail = strings.ReplaceAll(tail, secret, "<"+what+">")
		}
		t.Fatalf("the conformance run failed: %v\n%s", err, tail)
	}

	artifacts := map[string]string{"suite output": string(suiteOut), "mockserver log": logs.String()}
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		artifacts[strings.TrimPrefix(path, out+string(filepath.Separator))] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"junit.xml", "report.json", "conformance.har", filepath.Join("reports", "coverage.md"), filepath.Join("reports", "coverage.html")} {
		if len(artifacts[name]) < 1000 {
			t.Errorf("%s is missing or nearly empty (%d bytes): the run did not produce what is scanned", name, len(artifacts[name]))
		}
	}
	if n := strings.Count(artifacts["conformance.har"], `"startedDateTime"`); n < 100 {
		t.Errorf("the HAR holds %d exchanges; a full run makes hundreds", n)
	}
	if n := strings.Count(artifacts["mockserver log"], "msg=request"); n < 100 {
		t.Errorf("the server logged %d requests; a full run makes hundreds", n)
	}

	// The control: the banner shows every credential, as sent.
	for name, secret := range secrets {
		if strings.Contains(name, ":") {
			continue // the banner shows user and secret apart
		}
		if hits := find(banner.String(), secret); len(hits) == 0 {
			t.Errorf("the scan does not find the %s in the banner, which shows it:\n%s", name, banner)
		}
	}

	names := make([]string, 0, len(artifacts))
	for name := range artifacts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		text := artifacts[name]
		for what, secret := range secrets {
			if hits := find(text, secret); len(hits) > 0 {
				h := hits[0]
				t.Errorf("%s holds the %s (%s) at byte %d, in %d encodings: …%s…", name, what, h.form, h.at, len(hits),
					strings.ReplaceAll(around(text, h), h.value, "<"+what+">"))
			}
		}
		// Valomnia's session tokens (16 random bytes in upper-case hex) are credentials too; the
		// run opens sessions it never names, so any such value is one. Runs of one digit and the
		// spec's made-up example are not random.
		for _, tok := range sessionTokenRE.FindAllString(text, -1) {
			if strings.Count(tok, tok[:1]) != len(tok) && tok != "0123456789ABCDEF0123456789ABCDEF" {
				t.Errorf("%s holds what looks like a Valomnia session token", name)
				break
			}
		}
	}
}

var sessionTokenRE = regexp.MustCompile(`\b[0-9A-F]{32}\b`)

// hit is one place a secret was found, in one of its encodings.
type hit struct {
	form, value string
	at          int
}

// find returns where text holds secret, once per distinct encoding, the earliest first.
func find(text, secret string) []hit {
	var out []hit
	seen := map[string]bool{}
	for form, value := range encodings(secret) {
		if seen[value] {
			continue
		}
		seen[value] = true
		if i := strings.Index(text, value); i >= 0 {
			out = append(out, hit{form: form, value: value, at: i})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].at < out[j].at || out[i].at == out[j].at && out[i].form < out[j].form
	})
	return out
}

// encodings are the forms secret can take in a text output.
func encodings(secret string) map[string]string {
	js, _ := json.Marshal(secret)
	var x strings.Builder
	xml.EscapeText(&x, []byte(secret))
	forms := map[string]string{
		"as sent":          secret,
		"query-escaped":    url.QueryEscape(secret),
		"path-escaped":     url.PathEscape(secret),
		"JSON string":      strings.Trim(string(js), `"`),
		"HTML-escaped":     html.EscapeString(secret),
		"template-escaped": template.HTMLEscapeString(secret),
		"JS-escaped":       template.JSEscapeString(secret),
		"XML-escaped":      x.String(),
		"hex":              hex.EncodeToString([]byte(secret)),
	}
	forms["query-escaped, lower-case hex"] = lowerEscapes(forms["query-escaped"])
	// base64 of the secret at each alignment inside a longer text: the characters that depend on
	// its bytes alone, between the group it shares with what precedes and the last group.
	for _, enc := range []struct {
		name string
		*base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
		forms[enc.name] = enc.EncodeToString([]byte(secret))
		for pad := range 3 {
			s := enc.EncodeToString([]byte(strings.Repeat("\x00", pad) + secret))
			forms[fmt.Sprintf("%s at offset %d", enc.name, pad)] = s[4 : len(s)-4]
		}
	}
	return forms
}

var escapeRE = regexp.MustCompile(`%[0-9A-F]{2}`)

func lowerEscapes(s string) string { return escapeRE.ReplaceAllStringFunc(s, strings.ToLower) }

// around is the text around a hit, for the failure message.
func around(text string, h hit) string {
	from, to := max(0, h.at-60), min(len(text), h.at+len(h.value)+60)
	return strings.Join(strings.Fields(strings.ToValidUTF8(text[from:to], "?")), " ")
}

// withoutSuiteEnv drops the caller's suite configuration, so that the run sees only this test's.
func withoutSuiteEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "CONTACTAPIS_") {
			out = append(out, kv)
		}
	}
	return out
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
