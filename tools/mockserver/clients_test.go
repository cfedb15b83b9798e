package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/conformance/mock/mocks"
)

// The recordings in testdata/clients are the exact requests of four public clients of iovox and
// Valomnia (testdata/clients/README.md names each client, file and commit). Each test below
// replays one client's exchange byte for byte, against the embedded mocks and against this
// command, and checks the answer the way that client's own code reads it: what it takes for
// success, how it parses an error, how it follows the login's redirect.

// clientTarget is a running server to replay recordings against.
type clientTarget struct {
	name string
	base string // http://host:port
}

// clientTargets starts the embedded mocks (mocks.New behind httptest) and this command (run).
func clientTargets(t *testing.T) []clientTarget {
	t.Helper()
	srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
	if err != nil {
		t.Fatal(err)
	}
	embedded := httptest.NewServer(srv)
	t.Cleanup(embedded.Close)
	base, _, _, stop := start(t)
	t.Cleanup(func() { stop() })
	return []clientTarget{{"embedded", embedded.URL}, {"mockserver", base}}
}

// reset restores the target's fixtures, so that each exchange starts from the same data (the
// bundle's documented string renames contact 333).
func (ct clientTarget) reset(t *testing.T) {
	t.Helper()
	resp, err := http.Post(ct.base+"/_admin/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
}

// answer is a response with its body read.
type answer struct {
	*http.Response
	body []byte
}

// replay sends recording name to the target, as the client would send it to the vendor: the
// request target gains the vendor's mount (/iovox, /valomnia) and Host names the target; every
// other byte is the recording's, but for the {{NAME}} placeholders filled from vars (a session
// id that only the login's answer gives).
func (ct clientTarget) replay(t *testing.T, name, mount string, vars map[string]string) answer {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "clients", name))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range vars {
		raw = bytes.ReplaceAll(raw, []byte("{{"+k+"}}"), []byte(v))
	}
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("%s: no end of headers (CRLF CRLF)", name)
	}
	u, _ := url.Parse(ct.base)
	lines := strings.Split(string(head), "\r\n")
	method, target, ok := strings.Cut(lines[0], " ")
	if !ok || !strings.HasPrefix(target, "/") {
		t.Fatalf("%s: request line %q", name, lines[0])
	}
	lines[0] = method + " " + mount + target
	for i, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		switch strings.ToLower(k) {
		case "host":
			lines[i+1] = k + ": " + u.Host
		case "content-length":
			// A recording whose length does not match its body would test the recording.
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n != len(body) {
				t.Fatalf("%s: Content-Length %q for a body of %d bytes", name, v, len(body))
			}
		}
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, strings.Join(lines, "\r\n")+"\r\n\r\n"+string(body)); err != nil {
		t.Fatalf("%s: write: %v", name, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s: no answer: %v", name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read answer: %v", name, err)
	}
	return answer{resp, b}
}

// iovoxErrors decodes an iovox error body as the clients do: Faraday's XML middleware parses only
// a Content-Type matching /\bxml$/ (parameters cut off first), then reads errors > error text;
// the Symfony bundle loads the body with simplexml whatever its type and reads the error texts.
func iovoxErrors(t *testing.T, name string, a answer) []string {
	t.Helper()
	mt, _, _ := mime.ParseMediaType(a.Header.Get("Content-Type"))
	if !regexp.MustCompile(`\bxml$`).MatchString(mt) {
		t.Errorf("%s: Content-Type %q: Faraday's XML parser skips it, and the client's error handling then fails", name, a.Header.Get("Content-Type"))
	}
	var doc struct {
		XMLName xml.Name `xml:"errors"`
		Error   []string `xml:"error"`
	}
	if err := xml.Unmarshal(a.body, &doc); err != nil {
		t.Fatalf("%s: error body is not <errors> XML: %v\n%s", name, err, a.body)
	}
	return doc.Error
}

func TestIovoxClientRecordings(t *testing.T) {
	for _, ct := range clientTargets(t) {
		t.Run(ct.name, func(t *testing.T) {
			// Both clients take 204 for success: the bundle compares the status with 204 exactly,
			// Faraday raises on any 4xx.
			for _, name := range []string{
				"effilab-iovox-update-one.http",
				"effilab-iovox-update-two.http",
				"yproximite-iovox-update-curl.http",
				"yproximite-iovox-update-native.http",
				"yproximite-iovox-update-xmlstring.http",
			} {
				ct.reset(t)
				if a := ct.replay(t, name, "/iovox", nil); a.StatusCode != http.StatusNoContent {
					t.Errorf("%s: %d %s, want 204", name, a.StatusCode, a.body)
				}
			}
			// An unknown contact is the page's row, in the XML both clients parse.
			for _, name := range []string{"effilab-iovox-update-unknown.http", "yproximite-iovox-update-unknown.http"} {
				ct.reset(t)
				a := ct.replay(t, name, "/iovox", nil)
				if a.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: %d %s, want 400", name, a.StatusCode, a.body)
					continue
				}
				if got := iovoxErrors(t, name, a); len(got) != 1 || got[0] != "Contact ID 1 of 1 does not exist" {
					t.Errorf("%s: errors %q, want the page's \"Contact ID 1 of 1 does not exist\"", name, got)
				}
			}
		})
	}
}

// TestIovoxClientRecordingsApply checks that what the clients sent was understood, not only
// accepted: the bundle's serializer's CDATA and the Ruby client's entity escapes reach the store
// as the text they encode.
func TestIovoxClientRecordingsApply(t *testing.T) {
	for _, ct := range clientTargets(t) {
		t.Run(ct.name, func(t *testing.T) {
			for name, want := range map[string]map[string]any{
				"effilab-iovox-update-one.http":     {"company": "Smith's ABC & Sons", "notes": `Prefers "John" <not Jack>`},
				"yproximite-iovox-update-curl.http": {"company": "Smith & Sons <UK>", "notes": "It's a note.", "business_country": "United Kingdom"},
			} {
				ct.reset(t)
				if a := ct.replay(t, name, "/iovox", nil); a.StatusCode != http.StatusNoContent {
					t.Fatalf("%s: %d %s", name, a.StatusCode, a.body)
				}
				got := iovoxContact(t, ct, "333")
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s: stored %s = %#v, want %#v", name, k, got[k], v)
					}
				}
			}
		})
	}
}

// iovoxContact reads one stored contact through the admin API.
func iovoxContact(t *testing.T, ct clientTarget, id string) map[string]any {
	t.Helper()
	resp, err := http.Get(ct.base + "/_admin/state/iovox")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state struct {
		Contacts []map[string]any `json:"contacts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	for _, c := range state.Contacts {
		if c["contact_id"] == id {
			return c
		}
	}
	t.Fatalf("contact %s not in the state", id)
	return nil
}

// TestValomniaMulesoftLogin follows the vendor's own connector (Apache HttpClient, which does not
// follow a POST's redirect): it posts the credentials in the query string with an empty JSON-typed
// body, takes the session id from the first Set-Cookie (the characters between "JSESSIONID=" and
// the first ";"), builds a new POST from Location as given (HttpClient needs an absolute URL
// there), and reads token from the first line of the JSON answer.
func TestValomniaMulesoftLogin(t *testing.T) {
	for _, ct := range clientTargets(t) {
		t.Run(ct.name, func(t *testing.T) {
			a := ct.replay(t, "mulesoft-valomnia-login.http", "/valomnia", nil)
			if a.StatusCode != http.StatusFound {
				t.Fatalf("login: %d %s, want 302", a.StatusCode, a.body)
			}
			loc, err := url.Parse(a.Header.Get("Location"))
			base, _ := url.Parse(ct.base)
			if err != nil || !loc.IsAbs() || loc.Host != base.Host || loc.Path != "/valomnia/login/ajaxSuccess" {
				t.Fatalf("Location %q: want an absolute URL of the token page on the same host", a.Header.Get("Location"))
			}
			cookie := a.Header.Get("Set-Cookie") // the first one, as getFirstHeader
			end := strings.Index(cookie, ";")
			if !strings.HasPrefix(cookie, "JSESSIONID=") || end < 0 {
				t.Fatalf("first Set-Cookie %q: the connector cuts the id from index 11 to the first ';'", cookie)
			}
			token := cookie[len("JSESSIONID="):end]
			s := ct.replay(t, "mulesoft-valomnia-ajax-success.http", "/valomnia", map[string]string{"JSESSIONID": token})
			if s.StatusCode != http.StatusOK {
				t.Fatalf("POST to Location: %d %s, want 200", s.StatusCode, s.body)
			}
			first, _, _ := bytes.Cut(s.body, []byte("\n"))
			var m map[string]any
			if err := json.Unmarshal(first, &m); err != nil || m["token"] != token {
				t.Errorf("first line of the token page %q: want a JSON object whose token is the session id", first)
			}
		})
	}
}

// TestValomniaPHPLogin follows aicha-mkr/valomnia2 (PHP curl): a GET with the credentials
// unencoded in the query (and, through CURLOPT_POSTFIELDS, a multipart body too), redirects
// followed by curl itself (without a cookie engine, so without the session cookie), success read
// from the header text ("302" and "login/ajaxSuccess" in it, the id from a Set-Cookie line), then
// a GET of the token page with the cookie, whose JSON must carry token and the user's email,
// firstName, lastName and role list.
func TestValomniaPHPLogin(t *testing.T) {
	for _, ct := range clientTargets(t) {
		t.Run(ct.name, func(t *testing.T) {
			a := ct.replay(t, "valomnia2-valomnia-login.http", "/valomnia", nil)
			var head strings.Builder
			fmt.Fprintf(&head, "HTTP/1.1 %s\r\n", a.Status)
			a.Header.Write(&head)
			if a.StatusCode != http.StatusFound || !strings.Contains(head.String(), "login/ajaxSuccess") {
				t.Fatalf("login: %s, want a 302 to login/ajaxSuccess", head.String())
			}
			m := regexp.MustCompile(`(?mi)^Set-Cookie:\s*JSESSIONID=([^;]+)`).FindStringSubmatch(head.String())
			if m == nil {
				t.Fatalf("no Set-Cookie line the client's pattern finds:\n%s", head.String())
			}
			token := strings.TrimSpace(m[1])
			loc, err := url.Parse(a.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := (&url.URL{Path: "/valomnia/j_spring_security_check"}).ResolveReference(loc).Path; got != "/valomnia/login/ajaxSuccess" {
				t.Fatalf("Location %q resolves to %q", loc, got)
			}
			// curl's own follow-up: any answer but another redirect ends it.
			if f := ct.replay(t, "valomnia2-valomnia-login-follow.http", "/valomnia", nil); f.StatusCode/100 == 3 {
				t.Errorf("followed redirect answered %d: curl would keep following", f.StatusCode)
			}
			s := ct.replay(t, "valomnia2-valomnia-ajax-success.http", "/valomnia", map[string]string{"JSESSIONID": token})
			if s.StatusCode != http.StatusOK {
				t.Fatalf("token page: %d %s", s.StatusCode, s.body)
			}
			var page struct {
				Token string `json:"token"`
				User  *struct {
					Email     string   `json:"email"`
					FirstName *string  `json:"firstName"`
					LastName  *string  `json:"lastName"`
					Role      []string `json:"role"`
				} `json:"user"`
			}
			if err := json.Unmarshal(s.body, &page); err != nil {
				t.Fatalf("token page: %v\n%s", err, s.body)
			}
			if page.Token != token || page.User == nil || page.User.Email != "test@example.com" ||
				page.User.FirstName == nil || page.User.LastName == nil || page.User.Role == nil {
				t.Errorf("token page %s: the client reads token, user.email, user.firstName, user.lastName and user.role (a list)", s.body)
			}
		})
	}
}
