package iovox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
)

// BenchmarkUpdateAtScale: one updateContacts through the whole mock (pipeline and engine, in
// process) with 1k, 10k and 100k contacts stored, each with its own display name and numbers. The
// display-name uniqueness rule looks at the contacts of the sent name (the collection's index),
// so the cost per update must not grow with the store.
func BenchmarkUpdateAtScale(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			contacts := make([]map[string]any, n)
			for i := range contacts {
				contacts[i] = map[string]any{"contact_id": strconv.Itoa(i + 1), "display_name": "Person " + strconv.Itoa(i+1),
					"mobile_phone": []string{strconv.Itoa(447700000000 + i)}}
			}
			data, err := json.Marshal(map[string]any{"contacts": contacts})
			if err != nil {
				b.Fatal(err)
			}
			e, err := iovox.New(iovox.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := e.LoadFixtures(data); err != nil {
				b.Fatal(err)
			}
			s, err := mock.New(mock.Options{}, e)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				id := i%n + 1
				body := fmt.Sprintf(`<request><contact><contact_id>%d</contact_id><display_name>Person %d</display_name>`+
					`<email>p%d@example.com</email></contact></request>`, id, id, i)
				req := httptest.NewRequest(http.MethodPut, "/iovox/Contacts?v=3&method=updateContacts", bytes.NewReader([]byte(body)))
				req.Header.Set("username", "test")
				req.Header.Set("secureKey", "test")
				req.Header.Set("Content-Type", "application/xml")
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					b.Fatalf("contact %d: %d %s", id, rec.Code, rec.Body)
				}
			}
		})
	}
}
