package iovox_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
)

// BenchmarkUpdateContactsPageExample sends the page's example over loopback HTTP: through the full
// pipeline (routing, auth, kin-openapi validation of request and response), and to the backend's
// handler alone for comparison. The example renames 333, so the store is reset before each request
// (a map copy of five contacts, included in the time).
func BenchmarkUpdateContactsPageExample(b *testing.B) {
	body := pageExampleBody(b)
	run := func(b *testing.B, backend *iovox.Backend, handler http.Handler, url string) {
		srv := httptest.NewServer(handler)
		defer srv.Close()
		client := srv.Client()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			backend.Reset()
			req, _ := http.NewRequest(http.MethodPut, srv.URL+url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/xml")
			req.Header.Set("username", "test")
			req.Header.Set("secureKey", "test")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("validation=on", func(b *testing.B) {
		backend, err := iovox.New(iovox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := mock.New(mock.Options{}, backend)
		if err != nil {
			b.Fatal(err)
		}
		run(b, backend, s, "/iovox/Contacts"+query)
		if v := s.Violations(); len(v) > 0 {
			b.Fatal(v)
		}
	})
	b.Run("validation=off", func(b *testing.B) {
		backend, err := iovox.New(iovox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		run(b, backend, backend.Handler(), "/Contacts"+query)
	})
}
