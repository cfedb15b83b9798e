package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
)

// TestWholeBodyWrittenBeforeReadingGetsTheAnswer is Python's urllib (and curl without Expect)
// against a body over a vendor's cap: the client writes all of its request, here 32 MiB, before
// it reads a byte of the answer. The mock answers at the cap; unless it then reads the rest of the
// body (lingering close), it closes with unread bytes and the kernel resets the connection, so
// the client's write fails and the answer it is owed is lost.
func TestWholeBodyWrittenBeforeReadingGetsTheAnswer(t *testing.T) {
	creds := mocks.DefaultCredentials()
	auth := map[string]string{
		specs.Iovox:      "username: test\r\nsecureKey: " + creds[specs.Iovox].Value("SECURE_KEY"),
		specs.Valomnia:   "",
		specs.Which50:    "Authorization: Bearer test",
		specs.Auregister: "Authorization: Bearer " + creds[specs.Auregister].Value("TOKEN"),
	}
	type request struct {
		vendor, id, method, target, contentType, prefix string
	}
	requests := []request{
		// A document cut at the cap ends unexpectedly: XML parse error (iovox package doc).
		{specs.Iovox, "xml-parse-error", http.MethodPut, "/iovox/Contacts?v=3&method=updateContacts", "application/xml", "<request><contact><notes>"},
		// A servlet container drops the parameters of a form over its limit.
		{specs.Valomnia, "missing-param", http.MethodPost, "/valomnia/api/v1.0/contacts/5", "application/x-www-form-urlencoded", "firstName="},
		{specs.Which50, "update-contact-null", http.MethodPatch, "/which50/contactLists/3/contact?match=Email&Email=" + url.QueryEscape("jdoe@example.com"), "application/json", `{"Values": {"Mobile": "`},
		{specs.Auregister, "malformed-body", http.MethodPatch, "/auregister/contacts/1941877", "application/json", `{"email": "`},
	}
	const size = mock.LingerMaxBytes // the whole body, the largest the mocks drain
	filler := bytes.Repeat([]byte("a"), size)
	send := func(t *testing.T, addr string, rq request) {
		t.Helper()
		body := append([]byte(rq.prefix), filler[:size-len(rq.prefix)]...)
		head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: mock\r\nUser-Agent: Python-urllib/3.12\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n",
			rq.method, rq.target, rq.contentType, len(body))
		if a := auth[rq.vendor]; a != "" {
			head += a + "\r\n"
		}
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(60 * time.Second))
		// Everything first, as urllib's sendall does; only then the answer.
		if _, err := conn.Write(append([]byte(head+"\r\n"), body...)); err != nil {
			t.Fatalf("writing the whole body: %v (the mock closed without draining it)", err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer after the whole body: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := catalogueEntry(t, rq.vendor, rq.id)
		code, msg := vendorAnswer(t, rq.vendor, b)
		if _, ok := want.Match(msg); !ok || resp.StatusCode != want.Status || code != want.Code {
			t.Errorf("%d %q %q, want %s: %d %q %q", resp.StatusCode, code, msg, rq.id, want.Status, want.Code, want.Message)
		}
	}

	// The command, with timeouts long enough for 32 MiB on a loaded machine (the short header
	// timeout of the other tests cuts a connection whose first read is scheduled late).
	addr, baseline := hardened(t, "-read-header-timeout", "10s", "-read-timeout", "60s", "-write-timeout", "60s")
	for _, rq := range requests {
		t.Run("mockserver/"+rq.vendor, func(t *testing.T) { send(t, addr, rq) })
	}
	noLeaks(t, baseline)

	// The embedded mocks behind a plain net/http server, as Go tests serve them.
	srv, err := mocks.New(mocks.Options{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	embedded := httptest.NewServer(srv)
	defer embedded.Close()
	t.Run("embedded/"+specs.Iovox, func(t *testing.T) { send(t, strings.TrimPrefix(embedded.URL, "http://"), requests[0]) })
}
