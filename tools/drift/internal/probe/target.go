package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/vendors"
)

// maxResponseBody bounds what a probe reads of one answer.
const maxResponseBody = 1 << 20

// Target is where probes send their requests: a live vendor, or a mock for the tests.
type Target struct {
	Vendor string
	// BaseURL is the base the vendor's client takes (for Valomnia the API base, .../api/v1.0).
	BaseURL string
	HTTP    *http.Client
	// Authorize adds the vendor's credentials to a request (for Valomnia it logs in once).
	Authorize func(ctx context.Context, req *http.Request) error
	// Fixtures are the records a mutating probe may change (the suite's CONTACTAPIS_<VENDOR>_<KEY>
	// values, keyed by KEY: CONTACT_ID, LIST_ID, MATCH, ...).
	Fixtures map[string]string
	// AllowMutations lets probes that write run.
	AllowMutations bool

	// secrets returns the credential values in use (the Valomnia session included), which Run
	// scrubs from a probe's evidence; nil when the Target was built by hand.
	secrets func() []apiclient.Secret
}

// Do sends r and reads the whole answer (up to 1 MiB).
func (t *Target) Do(ctx context.Context, r Request) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, strings.TrimSuffix(t.BaseURL, "/")+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if !r.Anonymous && t.Authorize != nil {
		if err := t.Authorize(ctx, req); err != nil {
			return nil, fmt.Errorf("credentials: %w", err)
		}
	}
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return &Response{Status: resp.StatusCode, MediaType: strings.ToLower(mt), Header: resp.Header, Body: body}, nil
}

// Messages returns the error messages of the answer in the vendor's error format (none when the
// body is not in that format).
func (r *Response) Messages(vendor string) []string {
	msgs, err := vendors.ErrorMessages(vendor, r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		return nil
	}
	return msgs
}

// Fixture returns the fixture record key, and whether the user named one.
func (t *Target) Fixture(key string) (string, bool) {
	v, ok := t.Fixtures[key]
	return v, ok && v != ""
}
