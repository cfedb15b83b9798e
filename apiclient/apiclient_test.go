package apiclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestSecretNeverPrints(t *testing.T) {
	const value = "s3cr3t-value"
	s := NewSecret(value)
	type creds struct {
		User string
		Key  Secret
	}
	c := creds{User: "u", Key: s}
	type holder struct{ creds creds } // unexported: fmt reaches it by reflection only
	h := holder{c}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("call", "key", s, "creds", c)
	js, _ := json.Marshal(c)
	outputs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x %d", s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprintf("%v %+v %#v", h, h, &h), string(js), logged.String(),
		fmt.Errorf("wrapped: %v", s).Error(),
	}
	for _, out := range outputs {
		if strings.Contains(out, value) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

func TestDelayIsCappedExponentialWithFullJitter(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, rand: func() float64 { return 0.999999 }}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := p.Delay(i + 1).Round(time.Millisecond); got != w*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	p.rand = func() float64 { return 0 }
	if got := p.Delay(3); got != 0 {
		t.Errorf("full jitter reaches 0, got %v", got)
	}
}

func TestDoRetriesOnlyWhatIsRetryable(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		attempts int
		want     int
	}{
		{"500 then 204", []int{500, 204}, 4, 204},
		{"500 until attempts run out", []int{500, 500, 500, 500, 500}, 3, 500},
		{"400 is final", []int{400, 204}, 4, 400},
		{"no retry", []int{500, 204}, 1, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				w.WriteHeader(tt.statuses[n-1])
			}))
			defer srv.Close()
			p := RetryPolicy{MaxAttempts: tt.attempts, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
			resp, err := p.Do(context.Background(), func(ctx context.Context) (*http.Response, error) {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, strings.NewReader("body"))
				return http.DefaultClient.Do(req)
			})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("final status %d, want %d", resp.StatusCode, tt.want)
			}
			wantCalls := min(len(tt.statuses), tt.attempts)
			if tt.want != 500 {
				wantCalls = indexOf(tt.statuses, tt.want) + 1
			}
			if int(calls.Load()) != wantCalls {
				t.Errorf("%d calls, want %d", calls.Load(), wantCalls)
			}
		})
	}
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// A connection the server closes mid-response is retried; a cancelled context stops the loop.
func TestDoRetriesConnectionErrorsButNotCancellation(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	p := RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	send := func(ctx context.Context) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, nil)
		return http.DefaultClient.Do(req)
	}
	resp, err := p.Do(context.Background(), send)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || calls.Load() != 2 {
		t.Errorf("status %d after %d calls; want 204 after 2", resp.StatusCode, calls.Load())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls.Store(0)
	if _, err := p.Do(ctx, send); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call: err %v, want context.Canceled", err)
	}
	if calls.Load() != 0 {
		t.Errorf("cancelled call reached the server %d times", calls.Load())
	}
}

func TestStatusSentinel(t *testing.T) {
	for status, want := range map[int]error{400: ErrBadRequest, 401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound, 422: ErrUnprocessable, 500: ErrServer, 503: ErrServer, 418: ErrUnexpected} {
		if got := StatusSentinel(status); got != want {
			t.Errorf("StatusSentinel(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestRequestID(t *testing.T) {
	h := http.Header{}
	if RequestID(h) != "" {
		t.Error("no header, no id")
	}
	h.Set("X-Correlation-Id", "abc")
	if RequestID(h) != "abc" {
		t.Errorf("RequestID = %q", RequestID(h))
	}
}

func TestBaseURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://app.which50.com/Which50API": "https://app.which50.com/Which50API/",
		"http://127.0.0.1:8080/iovox/":       "http://127.0.0.1:8080/iovox/",
		"https://api.iovox.com:444":          "https://api.iovox.com:444/",
	} {
		if _, got, err := BaseURL(raw); err != nil || got != want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{"api.iovox.com", "ftp://h/x", "https://h/x?a=1", "https://h/x#f", "://", "https://user:s3cret@h/x"} {
		_, _, err := BaseURL(bad)
		if err == nil {
			t.Errorf("BaseURL(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("BaseURL error shows the password: %v", err)
		}
	}
}

func TestDelayGrowsWithoutMaxDelay(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, rand: func() float64 { return 0.999999 }}
	if got := p.Delay(4).Round(time.Millisecond); got != 800*time.Millisecond {
		t.Errorf("Delay(4) without MaxDelay = %v, want 800ms", got)
	}
	if got := p.Delay(200); got <= 0 {
		t.Errorf("Delay(200) overflowed to %v", got)
	}
}

// Only failures another attempt can mend are retried: *url.Error wraps every http.Client failure
// and is a net.Error itself, so matching net.Error retried bad URLs and certificates too.
func TestRetryableDefaultClassifiesErrors(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Put", URL: "https://h/x", Err: err} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", wrap(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true},
		{"connection reset", wrap(syscall.ECONNRESET), true},
		{"response cut short", wrap(io.ErrUnexpectedEOF), true},
		{"untrusted certificate", wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false},
		{"unsupported scheme", wrap(errors.New(`unsupported protocol scheme "ftp"`)), false},
		{"cancelled", wrap(context.Canceled), false},
		{"deadline", wrap(context.DeadlineExceeded), false},
	}
	for _, tt := range tests {
		if got := RetryableDefault(nil, tt.err); got != tt.want {
			t.Errorf("%s: RetryableDefault = %v, want %v", tt.name, got, tt.want)
		}
	}
	if RetryableDefault(&http.Response{StatusCode: 502}, nil) || !RetryableDefault(&http.Response{StatusCode: 500}, nil) {
		t.Error("statuses: only the documented 500 is retried")
	}
}
