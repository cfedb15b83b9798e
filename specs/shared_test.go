package specs_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/specs"
)

// Shared is one document per vendor for the whole process, and the same content as Load's.
func TestSharedIsOneDocumentPerVendor(t *testing.T) {
	for _, vendor := range specs.Vendors() {
		// Concurrent first calls must still agree on one document.
		docs := make([]any, 8)
		var wg sync.WaitGroup
		for i := range docs {
			wg.Go(func() {
				doc, err := specs.Shared(vendor)
				if err != nil {
					t.Error(err)
				}
				docs[i] = doc
			})
		}
		wg.Wait()
		for i := range docs {
			if docs[i] != docs[0] {
				t.Fatalf("%s: Shared returned different documents", vendor)
			}
		}
		shared, _ := specs.Shared(vendor)
		own, err := specs.Load(vendor)
		if err != nil {
			t.Fatal(err)
		}
		if own == shared {
			t.Fatalf("%s: Load returned the shared document; a caller changing it would change everyone's", vendor)
		}
		a, _ := json.Marshal(shared)
		b, _ := json.Marshal(own)
		if string(a) != string(b) {
			t.Errorf("%s: Shared and Load documents differ", vendor)
		}
	}
	if _, err := specs.Shared("acme"); err == nil {
		t.Error("Shared of an unknown vendor must fail")
	}
}

// Compiled templates are cached by message: two entries must never share another's.
func TestMatchTemplatesAreEntrySpecific(t *testing.T) {
	a := specs.Entry{Message: "Contact ID {item} of {total} does not exist"}
	b := specs.Entry{Message: "Contact ID {item} of {total} Empty"}
	for range 2 { // the second round reads the cache
		if _, ok := a.Match("Contact ID 1 of 2 does not exist"); !ok {
			t.Error("a: its own message does not match")
		}
		if _, ok := b.Match("Contact ID 1 of 2 does not exist"); ok {
			t.Error("b matched a's message")
		}
		if args, ok := b.Match("Contact ID 3 of 4 Empty"); !ok || args["item"] != "3" || args["total"] != "4" {
			t.Errorf("b: %v %v", args, ok)
		}
	}
}
