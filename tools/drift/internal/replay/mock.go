package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
)

// mockTarget is the mock the replay talks to: the four mocks served in process on a loopback
// port, or a running tools/mockserver. Both are driven through the same admin API, so the
// in-process run exercises what --url uses.
type mockTarget struct {
	// root is the server's root URL, without a trailing slash; vendor v is under root+"/"+v.
	root  string
	http  *http.Client
	close func()
}

// mockTimeout bounds one request to the mock, admin calls included.
const mockTimeout = 30 * time.Second

func newMockClient() *http.Client {
	return &http.Client{
		Timeout: mockTimeout,
		// A fresh transport: the replay's connections are its own, and no proxy from the
		// environment stands between it and a loopback mock.
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second},
		// Valomnia's login answers 302; the replay compares that answer, it does not follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// startMocks serves mocks.New (the test credentials, and fixtures loaded from fixturesFile when
// given) on a loopback port.
func startMocks(fixturesFile string) (*mockTarget, error) {
	srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials(), FixturesFile: fixturesFile})
	if err != nil {
		return nil, err // "fixtures <file>: ...", the one thing that can be wrong here
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the mocks: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed when close runs.
	c := newMockClient()
	return &mockTarget{root: "http://" + ln.Addr().String(), http: c, close: func() {
		hs.Close()
		c.CloseIdleConnections()
	}}, nil
}

// connectMock checks that base is a tools/mockserver (its admin API answers) and loads
// fixturesFile into it when given.
func connectMock(ctx context.Context, base, fixturesFile string) (*mockTarget, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want the root URL of a running tools/mockserver, such as http://127.0.0.1:8080", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--url %q: want the server's root URL only, without credentials, query or fragment", u.Redacted())
	}
	m := &mockTarget{root: strings.TrimSuffix(u.String(), "/"), http: newMockClient()}
	m.close = m.http.CloseIdleConnections
	// A GET first: --url might be a vendor's host by mistake, and a read changes nothing there.
	probe := "/_admin/state/" + specs.Vendors()[0]
	status, ct, _, err := m.call(ctx, http.MethodGet, probe, nil)
	if err != nil {
		m.close()
		return nil, fmt.Errorf("--url %s: cannot reach the mock: %v (start tools/mockserver there, or leave --url out to replay against the mocks in process)", m.root, rootCause(err))
	}
	if mt, _, _ := mime.ParseMediaType(ct); status != http.StatusOK || mt != "application/json" {
		m.close()
		return nil, fmt.Errorf("--url %s is not a tools/mockserver: GET %s answered %d %s; give the server's root URL (http://127.0.0.1:8080), not a vendor's base URL", m.root, probe, status, orNone(mt))
	}
	if fixturesFile != "" {
		data, err := os.ReadFile(fixturesFile)
		if err != nil {
			m.close()
			return nil, fmt.Errorf("fixtures: %w", err)
		}
		if err := m.admin(ctx, http.MethodPut, "/_admin/fixtures", data); err != nil {
			m.close()
			return nil, fmt.Errorf("fixtures %s: %w", fixturesFile, err)
		}
	}
	return m, nil
}

// rootCause drops the "Get \"http://...\":" wrapper of a transport error; the URL is already in
// the message.
func rootCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// call makes one admin call and returns the status, Content-Type and (capped) body.
func (m *mockTarget) call(ctx context.Context, method, path string, body []byte) (int, string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, m.root+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), data, err
}

// admin makes an admin call that must answer 204, and says what the admin API answered when not.
func (m *mockTarget) admin(ctx context.Context, method, path string, body []byte) error {
	status, _, data, err := m.call(ctx, method, path, body)
	if err != nil {
		return fmt.Errorf("mock admin %s %s: %v", method, path, rootCause(err))
	}
	if status != http.StatusNoContent {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		if e.Error == "" {
			e.Error = "no error message"
		}
		return fmt.Errorf("mock admin %s %s answered %d: %s", method, path, status, e.Error)
	}
	return nil
}

// reset restores every vendor's fixtures and ends every session.
func (m *mockTarget) reset(ctx context.Context) error {
	return m.admin(ctx, http.MethodPost, "/_admin/reset", nil)
}

// failing makes the vendor's mock answer its documented 500 to every request, or stops that.
// Stopping also clears latency and jitter: the admin API sets faults whole, and a replay wants
// none.
func (m *mockTarget) failing(ctx context.Context, vendor string, on bool) error {
	rate := 0.0
	if on {
		rate = 1
	}
	body, _ := json.Marshal(map[string]any{"latency": 0, "jitter": 0, "errorRate": rate})
	return m.admin(ctx, http.MethodPut, "/_admin/faults/"+vendor, body)
}
