package apiclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// RetryPolicy retries a call with capped exponential backoff and full jitter: before attempt n+1
// it waits a random duration in [0, min(MaxDelay, BaseDelay·2ⁿ⁻¹)]. Full jitter spreads the
// retries of many clients that failed together, which is what a vendor's "retry later" 500 needs.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included; 0 or 1 means no retry.
	MaxAttempts int
	BaseDelay   time.Duration
	MaxDelay    time.Duration
	// Retryable decides from one attempt's outcome whether to try again. Nil means
	// RetryableDefault.
	Retryable func(resp *http.Response, err error) bool
	// rand returns a number in [0, 1); tests replace it to make delays exact.
	rand func() float64
}

// DefaultRetryPolicy is four attempts, 200ms doubling up to 5s, on connection errors and 500.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second}
}

// NoRetry makes a single attempt.
func NoRetry() RetryPolicy { return RetryPolicy{MaxAttempts: 1} }

// Delay returns the wait before the attempt after the given one (1-based).
func (p RetryPolicy) Delay(attempt int) time.Duration {
	ceiling := p.BaseDelay
	for i := 1; i < attempt && (p.MaxDelay <= 0 || ceiling < p.MaxDelay); i++ {
		if ceiling > math.MaxInt64/2 {
			break // doubling again would overflow
		}
		ceiling *= 2
	}
	if p.MaxDelay > 0 && ceiling > p.MaxDelay {
		ceiling = p.MaxDelay
	}
	r := rand.Float64
	if p.rand != nil {
		r = p.rand
	}
	return time.Duration(r() * float64(ceiling))
}

// RetryableDefault retries connection failures (refused, reset, a network read or write that
// failed, a response cut short, a network timeout) and a 500, the status the vendors document as
// "retry later"; never a cancelled or expired context, and never a failure that another attempt
// cannot mend (an untrusted certificate, a bad URL, a refused redirect). *url.Error wraps every
// failure of http.Client.Do and is itself a net.Error, so it is looked through, not matched.
func RetryableDefault(resp *http.Response, err error) bool {
	if err == nil {
		return resp != nil && resp.StatusCode == http.StatusInternalServerError
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) {
		return false
	}
	var opErr *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.As(err, &opErr):
		return true
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		var netErr net.Error
		return errors.As(urlErr.Err, &netErr) && netErr.Timeout()
	}
	return false
}

// Do calls send until it returns an outcome that is not retryable, the attempts run out, or ctx
// ends. send must build a fresh request each time (a body cannot be read twice). The body of a
// response that is retried is drained and closed here; the last response is returned unread.
func (p RetryPolicy) Do(ctx context.Context, send func(context.Context) (*http.Response, error)) (*http.Response, error) {
	retryable := p.Retryable
	if retryable == nil {
		retryable = RetryableDefault
	}
	for attempt := 1; ; attempt++ {
		resp, err := send(ctx)
		if attempt >= p.MaxAttempts || !retryable(resp, err) {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		timer := time.NewTimer(p.Delay(attempt))
		select {
		case <-ctx.Done():
			timer.Stop()
			if err == nil {
				err = ctx.Err()
			}
			return nil, errors.Join(ctx.Err(), err)
		case <-timer.C:
		}
	}
}
