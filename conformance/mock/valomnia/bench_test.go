package valomnia_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
)

// The page's request (update-contact-request.form) over loopback HTTP: through the full pipeline
// (routing, session, the spec's request validation, response validation), and to the backend's
// handler alone, to show what validation costs.
func BenchmarkUpdateContact(b *testing.B) {
	body := bytes.TrimRight(golden(b, "update-contact-request.form"), "\n")
	run := func(b *testing.B, url, session string) {
		client := &http.Client{}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Content-Type", formType)
			if session != "" {
				req.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: session})
			}
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
	}
	b.Run("validation=on", func(b *testing.B) {
		backend, err := valomnia.New(valomnia.Options{})
		if err != nil {
			b.Fatal(err)
		}
		e := serve(b, backend, newClock(), mock.Options{})
		run(b, e.url("/api/v1.0/contacts/5"), e.login())
	})
	b.Run("validation=off", func(b *testing.B) {
		backend, err := valomnia.New(valomnia.Options{})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(backend.Handler())
		defer srv.Close()
		run(b, srv.URL+"/api/v1.0/contacts/5", "")
	})
}
