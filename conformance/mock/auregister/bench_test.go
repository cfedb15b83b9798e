package auregister_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkUpdateContact sends the page's request to the page's contact over loopback HTTP, with
// the full pipeline (kin-openapi validation of request and answer) and with the handler alone,
// and reports requests per second for each.
func BenchmarkUpdateContact(b *testing.B) {
	body := golden(b, "update-contact-request.json")
	p := newPair(b)
	defer p.shutdown()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	for _, bc := range []struct{ name, url string }{
		{"validation=on", p.onURL + "/contacts/1941877"},
		{"validation=off", p.offURL + "/contacts/1941877"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req, err := http.NewRequest(http.MethodPatch, bc.url, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			for b.Loop() {
				req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
