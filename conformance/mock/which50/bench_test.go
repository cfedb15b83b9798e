package which50_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	w50 "github.com/contactapis/contactapis/conformance/mock/which50"
)

// BenchmarkUpdateContactsByMatch sends the page's PATCH example over loopback HTTP, through the
// full pipeline (request and response validated against the spec) and through the Backend's
// Handler alone, and reports requests per second of each.
func BenchmarkUpdateContactsByMatch(b *testing.B) {
	req := patchPage(b)
	for _, tc := range []struct {
		name    string
		handler func(*w50.Backend) http.Handler
	}{
		{"validation=on", func(be *w50.Backend) http.Handler {
			s, err := mock.New(mock.Options{}, be)
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
		{"validation=off", func(be *w50.Backend) http.Handler { return be.Handler() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			be, err := w50.New(w50.Options{})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(tc.handler(be))
			defer srv.Close()
			base := srv.URL
			if tc.name == "validation=on" {
				base += "/which50"
			}
			client := srv.Client()
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Do(req.build(b, base))
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
