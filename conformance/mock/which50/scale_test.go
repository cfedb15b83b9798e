package which50_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	w50 "github.com/contactapis/contactapis/conformance/mock/which50"
)

// scaleFixtures is one list of n contacts, each with a unique Key and four other values.
func scaleFixtures(n int) []byte {
	contacts := make([]map[string]any, n)
	for i := range contacts {
		contacts[i] = map[string]any{"ListId": 9, "Id": i + 1, "Values": map[string]any{
			"Key": fmt.Sprintf("k%d", i+1), "Email": fmt.Sprintf("c%d@example.com", i+1),
			"Mobile": fmt.Sprintf("3538%08d", i+1), "Group": fmt.Sprintf("g%d", i/2), "Score": i % 100}}
	}
	fields := []map[string]string{{"Name": "Key", "Type": "string"}, {"Name": "Email", "Type": "string"},
		{"Name": "Mobile", "Type": "string"}, {"Name": "Group", "Type": "string"}, {"Name": "Score", "Type": "integer"}}
	b, _ := json.Marshal(map[string]any{"lists": []any{map[string]any{"Id": 9, "Name": "scale", "Fields": fields}}, "contacts": contacts})
	return b
}

// BenchmarkUpdateByMatch is one PATCH matching one contact by its Key, through the engine's
// handler, with 1k, 10k and 100k contacts in the list: the cost must not grow with the list
// (records are found through the index). It reports the heap each stored contact costs
// (heap/record), and that cost beyond the contact's own values (overhead/record: the heap minus
// the size of the contact as JSON).
func BenchmarkUpdateByMatch(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			fixtures := scaleFixtures(n)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			e, err := w50.New(w50.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := e.LoadFixtures(fixtures); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			var empty runtime.MemStats
			e2, _ := w50.New(w50.Options{})
			runtime.GC()
			runtime.ReadMemStats(&empty)
			runtime.KeepAlive(e2)
			perRecord := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
			var doc struct{ Contacts []json.RawMessage }
			json.Unmarshal(fixtures, &doc)
			valueBytes := float64(len(fixtures)) / float64(len(doc.Contacts))
			h := e.Handler()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				id := i%n + 1
				req := httptest.NewRequest(http.MethodPatch, fmt.Sprintf("/contactLists/9/contact?match=Key&Key=k%d", id),
					bytes.NewReader(fmt.Appendf(nil, `{"Values":{"Mobile":"m%d"}}`, i)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer test")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(perRecord, "heap-B/record")
			b.ReportMetric(perRecord-valueBytes, "overhead-B/record")
			runtime.KeepAlive(e)
		})
	}
}
