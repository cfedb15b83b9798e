package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines to write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func start(t *testing.T, args ...string) (string, *syncBuffer, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), out, logs, ready) }()
	select {
	case addr := <-ready:
		return "http://" + addr, out, logs, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("mockserver did not start: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("mockserver did not start within 10s")
	}
	return "", nil, nil, nil
}

func TestServesAllFourVendorsAndShutsDown(t *testing.T) {
	base, out, logs, stop := start(t, "-which50-token", "w50-secret-token")
	banner := out.String()
	for _, want := range []string{base + "/iovox", base + "/valomnia/api/v1.0", base + "/valomnia/j_spring_security_check",
		base + "/which50", base + "/auregister", "secureKey: test", "test@example.com", "Bearer w50-secret-token", base + "/_admin/", "GET  /_admin/faults/{vendor}", `"latency": "10ms"`} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	// One request per vendor: each answers in its own dialect (here: refusing missing credentials).
	for path, status := range map[string]int{
		"/iovox/Contacts?v=3&method=updateContacts":           http.StatusUnauthorized,
		"/valomnia/api/v1.0/contacts/5":                       http.StatusUnauthorized,
		"/which50/contactLists/1/contact?match=Email&Email=a": http.StatusUnauthorized,
		"/auregister/contacts/1941877":                        http.StatusUnauthorized,
	} {
		method := map[bool]string{true: http.MethodPut, false: http.MethodPatch}[strings.HasPrefix(path, "/iovox")]
		if strings.HasPrefix(path, "/valomnia") {
			method = http.MethodPost
		}
		req, _ := http.NewRequest(method, base+path, strings.NewReader(""))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("%s %s: %d, want %d", method, path, resp.StatusCode, status)
		}
	}
	resp, err := http.Get(base + "/_admin/state/iovox")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("admin state: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if !strings.Contains(logs.String(), "status=401") || strings.Contains(logs.String(), "w50-secret-token") {
		t.Errorf("request log: %s", logs.String())
	}
	if _, err := http.Get(base + "/_admin/state/iovox"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-fault", "iovox"},
		{"-fault", "iovox:error-rate=2"},
		{"-fault", "iovox:speed=fast"},
		{"-fault", "acme:latency=1s"},
		{"-log-level", "loud"},
		{"-fixtures", "/nonexistent/fixtures.json"},
		{"extra"},
	} {
		err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard, nil)
		if err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
