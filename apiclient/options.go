package apiclient

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Doer sends an HTTP request; *http.Client is one. The generated clients accept the same shape.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// MaxResponseBytes caps how much of a response body a client reads. The vendors' answers are a
// few kilobytes; a larger body is an error, not a reason to exhaust memory.
const MaxResponseBytes = 4 << 20

// Options configure a vendor client. Build them with Option functions.
type Options struct {
	doer    Doer
	retry   *RetryPolicy
	timeout time.Duration
	logger  *slog.Logger
}

// Option sets one client option.
type Option func(*Options)

// WithHTTPClient sends requests through d instead of a default *http.Client.
func WithHTTPClient(d Doer) Option { return func(o *Options) { o.doer = d } }

// WithRetryPolicy sets the retry policy for every call, idempotent or not. Without it, idempotent
// calls use DefaultRetryPolicy and others are not retried.
func WithRetryPolicy(p RetryPolicy) Option { return func(o *Options) { o.retry = &p } }

// WithTimeout bounds each call, retries and back-off included. Zero means no bound beyond ctx.
func WithTimeout(d time.Duration) Option { return func(o *Options) { o.timeout = d } }

// WithLogger logs one debug record per attempt (method, URL path, status, duration); never a
// header, body or credential.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.logger = l } }

// NewOptions applies opts over the defaults: a 30s-timeout *http.Client that does not follow
// redirects (Valomnia's login answers a redirect that carries the session; following it would lose
// it), no call timeout, and a discarding logger.
func NewOptions(opts ...Option) *Options {
	o := &Options{}
	for _, opt := range opts {
		opt(o)
	}
	if o.doer == nil {
		o.doer = &http.Client{
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Doer returns the configured HTTP doer, for handing to a generated client.
func (o *Options) Doer() Doer { return o.doer }

// Exchange is one finished call: the final response and its body, read in full.
type Exchange struct {
	Response *http.Response
	Body     []byte
}

// Send performs one call. build makes a fresh request for each attempt. idempotent selects the
// default retry policy when none was set. The response body is read (up to MaxResponseBytes) and
// closed, so callers decode from Exchange.Body.
func (o *Options) Send(ctx context.Context, idempotent bool, build func(context.Context) (*http.Request, error)) (*Exchange, error) {
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	policy := NoRetry()
	switch {
	case o.retry != nil:
		policy = *o.retry
	case idempotent:
		policy = DefaultRetryPolicy()
	}
	attempt := 0
	resp, err := policy.Do(ctx, func(ctx context.Context) (*http.Response, error) {
		attempt++
		req, err := build(ctx)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		resp, err := o.doer.Do(req)
		attrs := []any{"method", req.Method, "path", req.URL.Path, "attempt", attempt, "duration", time.Since(start)}
		if err != nil {
			o.logger.DebugContext(ctx, "vendor call failed", append(attrs, "error", err)...)
		} else {
			o.logger.DebugContext(ctx, "vendor call", append(attrs, "status", resp.StatusCode)...)
		}
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("response body over %d bytes", MaxResponseBytes)
	}
	return &Exchange{Response: resp, Body: body}, nil
}
