package auregister_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/auregister"
)

// scaleFixtures is n People contacts shaped like the page's contact, ids from 1.
func scaleFixtures(b *testing.B, n int) []byte {
	b.Helper()
	var page map[string]any
	if err := json.Unmarshal(golden(b, "update-contact-response.json"), &page); err != nil {
		b.Fatal(err)
	}
	contacts := make([]map[string]any, n)
	for i := range contacts {
		c := make(map[string]any, len(page))
		for k, v := range page {
			c[k] = v
		}
		c["id"], c["firstName"], c["addressId"] = i+1, "Person "+strconv.Itoa(i+1), 1
		contacts[i] = c
	}
	data, err := json.Marshal(map[string]any{"addresses": []any{map[string]any{"id": 1}}, "contacts": contacts})
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkUpdateAtScale: one update through the whole mock (pipeline and engine, in process)
// with 1k, 10k and 100k contacts stored. Records are found by key, so the cost per update must
// not grow with the store; heap-B/record is what a stored contact costs, its values included
// (the page's contact: 25 properties, about 300 bytes of JSON).
func BenchmarkUpdateAtScale(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			data := scaleFixtures(b, n)
			before := heapInUse()
			e, err := auregister.New(auregister.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := e.LoadFixtures(data); err != nil {
				b.Fatal(err)
			}
			data = nil
			after := heapInUse()
			s, err := mock.New(mock.Options{}, e)
			if err != nil {
				b.Fatal(err)
			}
			body := []byte(`{"mobile":"0400000000","title":"Dr"}`)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				id := i%n + 1
				req := httptest.NewRequest(http.MethodPatch, "/auregister/contacts/"+strconv.Itoa(id), bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer test")
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("contact %d: %d %s", id, rec.Code, rec.Body)
				}
			}
			// Reported after the loop: ResetTimer drops metrics reported before it. The engine
			// keeps the fixtures and their working copy, which shares the records, so the heap
			// grows by about one record per contact.
			b.ReportMetric(float64(after-before)/float64(n), "heap-B/record")
			runtime.KeepAlive(e)
		})
	}
}
