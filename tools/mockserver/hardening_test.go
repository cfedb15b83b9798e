package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/contactapis/contactapis/conformance/mock/auregister"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	"github.com/contactapis/contactapis/conformance/mock/which50"
	"github.com/contactapis/contactapis/specs"
)

// Every test of the package must leave no goroutine behind: a server that is shut down takes
// its connections with it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Timeouts of a second or less, so that the tests of what they cut off finish quickly.
var shortTimeouts = []string{"-read-header-timeout", "300ms", "-read-timeout", "1s", "-write-timeout", "1s", "-idle-timeout", "1s", "-log-level", "error"}

// heldLimit is how long a connection the server should cut off may last: the longest timeout
// above plus generous slack for a loaded machine.
const heldLimit = 3 * time.Second

// hardened starts the server with the short timeouts (args override them) and returns its
// address and the goroutines running at that point, the baseline every test returns to.
func hardened(t *testing.T, args ...string) (string, goleak.Option) {
	t.Helper()
	base, _, _, stop := start(t, append(slices.Clone(shortTimeouts), args...)...)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return strings.TrimPrefix(base, "http://"), goleak.IgnoreCurrent()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitClosed reads until the server closes conn and returns how long that took from since. A
// connection still open after heldLimit fails the test.
func waitClosed(t *testing.T, conn net.Conn, since time.Time) time.Duration {
	t.Helper()
	conn.SetReadDeadline(since.Add(heldLimit))
	_, err := io.Copy(io.Discard, conn)
	held := time.Since(since)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still held the connection after %v", held)
	}
	return held
}

// noLeaks fails when a goroutine started since baseline is still running 5s later.
func noLeaks(t *testing.T, baseline goleak.Option) {
	t.Helper()
	// net/http lingers up to half a second on a connection it closes with unread input
	// (rstAvoidanceDelay in closeWriteAndWait), longer than one goleak.Find retries (~0.4s).
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := goleak.Find(baseline)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutines not back to the baseline after 5s: %v", err)
			return
		}
	}
}

func TestSlowLorisIsCutOffAtTheHeaderTimeout(t *testing.T) {
	// net/http falls back on the read timeout when there is no header timeout: a long one
	// here makes the test about the header timeout alone.
	addr, baseline := hardened(t, "-read-timeout", "10s")
	conn := dial(t, addr)
	start := time.Now()
	io.WriteString(conn, "PUT /iovox/Contacts?v=3&method=updateContacts HTTP/1.1\r\nHost: mock\r\n")
	// One header line every 100ms, never the blank line that ends them: without a header
	// timeout this would hold a connection and a goroutine for as long as the client likes.
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		for i := 0; i < 100; i++ {
			time.Sleep(100 * time.Millisecond)
			if _, err := fmt.Fprintf(conn, "X-Slow-%d: a\r\n", i); err != nil {
				return
			}
		}
	}()
	held := waitClosed(t, conn, start)
	conn.Close()
	<-trickled
	if held < 250*time.Millisecond {
		t.Errorf("closed after %v, before the 300ms header timeout: closed for another reason?", held)
	}
	noLeaks(t, baseline)
}

// updateHead is the start of an auregister update declaring a body of length bytes.
func updateHead(length int) string {
	return "PATCH /auregister/contacts/1941877 HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer " + mocks.DefaultCredentials()[specs.Auregister].Value("TOKEN") +
		fmt.Sprintf("\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", length)
}

func auregisterState(t *testing.T, addr string) []byte {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/_admin/state/auregister")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func TestClientGoneMidBodyFreesItsConnectionAndChangesNothing(t *testing.T) {
	addr, _ := hardened(t)
	before := auregisterState(t, addr)
	http.DefaultClient.CloseIdleConnections()
	baseline := goleak.IgnoreCurrent()
	conn := dial(t, addr)
	io.WriteString(conn, updateHead(100_000)+`{"email": "`+strings.Repeat("x", 1000))
	// Let the handler start reading the body, then vanish.
	time.Sleep(200 * time.Millisecond)
	conn.Close()
	noLeaks(t, baseline)
	if after := auregisterState(t, addr); !bytes.Equal(before, after) {
		t.Errorf("a body cut short changed the state:\n%s\nnow\n%s", before, after)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestStalledBodyIsCutOffAtTheReadTimeout(t *testing.T) {
	addr, baseline := hardened(t)
	conn := dial(t, addr)
	start := time.Now()
	io.WriteString(conn, updateHead(100_000)+`{"email": "`)
	held := waitClosed(t, conn, start)
	conn.Close()
	if held < 900*time.Millisecond {
		t.Errorf("closed after %v, before the 1s read timeout: closed for another reason?", held)
	}
	noLeaks(t, baseline)
}

func TestIdleConnectionIsClosedAtTheIdleTimeout(t *testing.T) {
	// As for the header timeout, net/http falls back on the read timeout without an idle one.
	addr, baseline := hardened(t, "-read-timeout", "10s")
	conn := dial(t, addr)
	io.WriteString(conn, "GET /_admin/state/iovox HTTP/1.1\r\nHost: mock\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("status %d, close %v: want a kept-alive 200", resp.StatusCode, resp.Close)
	}
	idle := time.Now()
	held := waitClosed(t, conn, idle)
	conn.Close()
	if held < 900*time.Millisecond {
		t.Errorf("closed after %v idle, before the 1s idle timeout", held)
	}
	noLeaks(t, baseline)
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	addr, baseline := hardened(t)
	conn := dial(t, addr)
	io.WriteString(conn, "PUT /iovox/Contacts HTTP/1.1\r\nHost: mock\r\nX-Big: "+strings.Repeat("a", 100<<10)+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	conn.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KiB of headers: status %d, want 431", resp.StatusCode)
	}
	noLeaks(t, baseline)
}

// vendorAnswer reads the catalogue code and message of a vendor's error answer, in that vendor's
// format (the specs' error bodies).
func vendorAnswer(t *testing.T, vendor string, body []byte) (code, message string) {
	t.Helper()
	var err error
	switch vendor {
	case specs.Iovox:
		var e struct {
			Errors []struct {
				Message string `xml:",chardata"`
			} `xml:"error"`
		}
		if err = xml.Unmarshal(body, &e); err == nil && len(e.Errors) > 0 {
			return "", e.Errors[0].Message
		}
	case specs.Valomnia:
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if err = json.Unmarshal(body, &e); err == nil {
			return e.Error, e.Description
		}
	case specs.Which50:
		var e struct{ Message string }
		if err = json.Unmarshal(body, &e); err == nil {
			return "", e.Message
		}
	case specs.Auregister:
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if err = json.Unmarshal(body, &e); err == nil {
			return e.Error, e.Message
		}
	}
	t.Fatalf("%s answer is not its error format (%v): %.300s", vendor, err, body)
	return "", ""
}

func catalogueEntry(t *testing.T, vendor, id string) specs.Entry {
	t.Helper()
	cat, err := specs.ReadCatalogue(specs.MustLoad(vendor))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := cat.ByID(id)
	if !ok {
		t.Fatalf("%s catalogue has no %s", vendor, id)
	}
	return e
}

// TestBodiesOverTheCapAnswerInTheVendorsForm sends each vendor one byte more than its mock's cap.
// The mock reads no further and answers what the spec says the vendor answers to a body it
// cannot read whole.
func TestBodiesOverTheCapAnswerInTheVendorsForm(t *testing.T) {
	// Reading and judging megabytes under the race detector can take longer than the short
	// timeouts; this test is about the caps.
	addr, baseline := hardened(t, "-read-timeout", "20s", "-write-timeout", "20s")
	creds := mocks.DefaultCredentials()
	pad := func(prefix string, n int64) []byte {
		return append([]byte(prefix), bytes.Repeat([]byte("a"), int(n)+1-len(prefix))...)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("firstName", "Marie")
	part, _ := mw.CreateFormFile("imageFile", "big.png")
	part.Write(pad("\x89PNG\r\n\x1a\n", int64(valomnia.MaxBodyBytes)))
	mw.Close()
	for _, tt := range []struct {
		vendor, id, method, path, contentType string
		body                                  []byte
		header                                http.Header
	}{
		// A document cut at the cap ends unexpectedly: XML parse error (iovox package doc).
		{specs.Iovox, "xml-parse-error", http.MethodPut, "/iovox/Contacts?v=3&method=updateContacts", "application/xml",
			pad("<request><contact><notes>", int64(iovox.MaxBodyBytes)),
			http.Header{"Username": {creds[specs.Iovox].Value("USERNAME")}, "Securekey": {creds[specs.Iovox].Value("SECURE_KEY")}}},
		// A servlet container drops the parameters of a form over its limit; a multipart
		// resolver refuses the upload (valomnia package doc, check 6).
		{specs.Valomnia, "missing-param", http.MethodPost, "/valomnia/api/v1.0/contacts/5", "application/x-www-form-urlencoded",
			pad("firstName=", int64(valomnia.MaxBodyBytes)), nil},
		{specs.Valomnia, "exceeded-file-size", http.MethodPost, "/valomnia/api/v1.0/contacts/5", mw.FormDataContentType(),
			mp.Bytes(), nil},
		// ASP.NET binds a body it cannot read as null (which50 package doc).
		{specs.Which50, "update-contact-null", http.MethodPatch, "/which50/contactLists/3/contact?match=Email&Email=" + url.QueryEscape("jdoe@example.com"), "application/json",
			pad(`{"Values": {"Mobile": "`, int64(which50.MaxBodyBytes)), http.Header{"Authorization": {"Bearer test"}}},
		{specs.Auregister, "malformed-body", http.MethodPatch, "/auregister/contacts/1941877", "application/json",
			pad(`{"email": "`, int64(auregister.MaxBodyBytes)), http.Header{"Authorization": {"Bearer " + creds[specs.Auregister].Value("TOKEN")}}},
	} {
		t.Run(tt.vendor+"/"+tt.id, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, "http://"+addr+tt.path, bytes.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", tt.contentType)
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := catalogueEntry(t, tt.vendor, tt.id)
			code, msg := vendorAnswer(t, tt.vendor, body)
			if _, ok := want.Match(msg); !ok || resp.StatusCode != want.Status || code != want.Code {
				t.Errorf("%d %q %q, want %s: %d %q %q", resp.StatusCode, code, msg, tt.id, want.Status, want.Code, want.Message)
			}
		})
	}
	noLeaks(t, baseline)
}

// TestDeclaredHugeBodyIsAnsweredAtTheCap: a client announcing a gigabyte (by length or chunked)
// gets the vendor's answer once the cap is read, without the server waiting for the rest.
func TestDeclaredHugeBodyIsAnsweredAtTheCap(t *testing.T) {
	addr, baseline := hardened(t, "-read-timeout", "20s", "-write-timeout", "20s")
	body := append([]byte(`{"email": "`), bytes.Repeat([]byte("a"), auregister.MaxBodyBytes)...)
	for name, head := range map[string]string{
		"content-length": updateHead(1 << 30),
		"chunked": strings.Replace(updateHead(0), "Content-Length: 0", "Transfer-Encoding: chunked", 1) +
			fmt.Sprintf("%x\r\n", len(body)),
	} {
		t.Run(name, func(t *testing.T) {
			conn := dial(t, addr)
			go func() { conn.Write(append([]byte(head), body...)) }()
			conn.SetReadDeadline(time.Now().Add(heldLimit))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer at the cap: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			conn.Close()
			want := catalogueEntry(t, specs.Auregister, "malformed-body")
			if code, _ := vendorAnswer(t, specs.Auregister, b); resp.StatusCode != want.Status || code != want.Code {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, b, want.Status, want.Code)
			}
		})
	}
	noLeaks(t, baseline)
}

func TestRefusesTimeoutsThatDisableTheLimit(t *testing.T) {
	for _, args := range [][]string{
		{"-read-header-timeout", "0s"},
		{"-read-timeout", "-1s"},
		{"-write-timeout", "0s"},
		{"-idle-timeout", "0s"},
		{"-max-header-bytes", "100"},
	} {
		err := run(t.Context(), append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard, nil)
		if err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
