package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBodiesReadWholeKeepTheConnection is the other half of closeUnread: only a body the mock
// left unread (over its cap) costs the client its connection. Every ordinary request, whose body
// the pipeline reads to the end, whether by length or chunked and whatever it answers, leaves
// the keep-alive connection open for the next request, as tools/load and the suite's clients
// rely on (a new connection per update would measure dialing, not the mock).
func TestBodiesReadWholeKeepTheConnection(t *testing.T) {
	addr, baseline := hardened(t)
	body := `{"email": "keep-alive@example.com"}`
	faults := `{"latency": 0, "jitter": 0, "errorRate": 0}`
	chunked := strings.Replace(updateHead(0), "Content-Length: 0", "Transfer-Encoding: chunked", 1) +
		fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	conn := dial(t, addr)
	conn.SetDeadline(time.Now().Add(heldLimit))
	rd := bufio.NewReader(conn)
	for _, tt := range []struct{ name, request string }{
		{"an update by length", updateHead(len(body)) + body},
		{"a chunked update", chunked},
		{"a body the spec refuses", updateHead(len(`{"email": 5}`)) + `{"email": 5}`},
		// The admin API reads its body with a JSON decoder, which stops at the value's end.
		{"an admin call", fmt.Sprintf("PUT /_admin/faults/iovox HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			len(faults), faults)},
	} {
		if _, err := io.WriteString(conn, tt.request); err != nil {
			t.Fatalf("%s: the connection is gone: %v", tt.name, err)
		}
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatalf("%s: no answer on the kept connection: %v", tt.name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Close || resp.StatusCode >= http.StatusInternalServerError {
			t.Errorf("%s: status %d, close %v: want an answer that keeps the connection", tt.name, resp.StatusCode, resp.Close)
		}
	}
	conn.Close()
	noLeaks(t, baseline)
}
