package contract

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/specs"
)

// The schema-property cache must serve conversions and still let go of documents nobody holds:
// tests load hundreds of their own (specs.Load), and a strong cache would keep every one alive.
func TestPropertyCacheLetsDocumentsGo(t *testing.T) {
	body, err := os.ReadFile("../../gen/iovox/testdata/updateContacts.request.xml")
	if err != nil {
		t.Fatal(err)
	}
	entries := func() int {
		n := 0
		propertyCache.m.Range(func(any, any) bool { n++; return true })
		return n
	}
	before := entries()
	for range 3 {
		doc, err := specs.Load(specs.Iovox)
		if err != nil {
			t.Fatal(err)
		}
		root, err := ParseXML(strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		v, err := FromXML(root, doc.Components.Schemas["UpdateContactsPayload"])
		if err != nil {
			t.Fatal(err)
		}
		// The cached properties still map the page's contact: its contact_id is read.
		contacts, _ := v.(map[string]any)["contact"].([]any)
		if len(contacts) != 1 || contacts[0].(map[string]any)["contact_id"] != "333" {
			t.Fatalf("converted %v", v)
		}
	}
	if entries() <= before {
		t.Fatal("converting left nothing in the cache: the test no longer exercises it")
	}
	for i := 0; i < 100 && entries() > before; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := entries(); n > before {
		t.Errorf("%d cache entries outlive the documents they describe", n-before)
	}
}
