package contract_test

import (
	"errors"
	"fmt"
	"mime"
	"runtime"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// Documents an attacker sends to make an XML reader expand, fetch or hoard. The parser refuses
// every DOCTYPE and every other markup declaration outright: entities can only be declared there,
// so nothing is ever expanded or fetched, whatever the declaration says.
var hostileXML = map[string]string{
	"billion laughs": `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` + func() string {
		var b strings.Builder
		for i := 1; i <= 9; i++ {
			fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
		}
		return strings.ReplaceAll(b.String(), "&lol0;", "&lol;")
	}() + `]><request>&lol9;</request>`,
	"external entity":        `<!DOCTYPE request [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><request>&xxe;</request>`,
	"external DTD":           `<!DOCTYPE request SYSTEM "http://127.0.0.1:1/request.dtd"><request/>`,
	"public DTD":             `<!DOCTYPE request PUBLIC "-//X//Y//EN" "http://127.0.0.1:1/request.dtd"><request/>`,
	"parameter entity":       `<!DOCTYPE request [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]><request/>`,
	"DOCTYPE after the root": `<request/><!DOCTYPE request [<!ENTITY a "b">]>`,
	"ENTITY in the root":     `<request><!ENTITY a "b"></request>`,
	"declared in ISO-8859-1": `<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>`,
}

func TestParseXMLRefusesEveryDeclaration(t *testing.T) {
	for name, doc := range hostileXML {
		t.Run(name, func(t *testing.T) {
			_, err := contract.ParseXML(strings.NewReader(doc))
			if !errors.Is(err, contract.ErrXMLNotAllowed) {
				t.Errorf("err %v, want ErrXMLNotAllowed", err)
			}
		})
	}
}

// nested is depth elements each inside the previous one.
func nested(depth int) string {
	return strings.Repeat("<a>", depth) + strings.Repeat("</a>", depth)
}

// withAttributes is one element with n distinct attributes.
func withAttributes(n int) string {
	var b strings.Builder
	b.WriteString("<a")
	for i := range n {
		fmt.Fprintf(&b, ` a%d="1"`, i)
	}
	b.WriteString("/>")
	return b.String()
}

// flat is a root holding n-1 empty children: n elements.
func flat(n int) string { return "<r>" + strings.Repeat("<a/>", n-1) + "</r>" }

// Each limit holds exactly where it is documented (xml.go): a document at the limit parses, one
// step beyond is refused. The vendors' documents are a few levels deep, with a few attributes.
func TestParseXMLLimitsAreExact(t *testing.T) {
	tests := []struct {
		name           string
		atLimit, above string
	}{
		{"depth 32", nested(32), nested(33)},
		{"64 attributes", withAttributes(64), withAttributes(65)},
		{"100,000 elements", flat(100_000), flat(100_001)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := contract.ParseXML(strings.NewReader(tt.atLimit)); err != nil {
				t.Errorf("at the limit: %v", err)
			}
			if _, err := contract.ParseXML(strings.NewReader(tt.above)); !errors.Is(err, contract.ErrXMLNotAllowed) {
				t.Errorf("beyond the limit: err %v, want ErrXMLNotAllowed", err)
			}
		})
	}
}

// At the mocks' body cap (1 MiB for the XML vendors) a hostile document costs a bounded amount:
// it is refused where it crosses a limit, before the rest is read (nesting, elements), or after
// one start tag whose size the cap bounds (attributes).
func TestHostileXMLAtTheCapIsCheap(t *testing.T) {
	const capBytes = 1 << 20
	docs := map[string]string{
		"nesting":    strings.Repeat("<a>", capBytes/3),
		"elements":   "<r>" + strings.Repeat("<a/>", capBytes/4-1),
		"attributes": withAttributes(capBytes / 12),
		"laughs":     hostileXML["billion laughs"] + strings.Repeat(" ", capBytes-len(hostileXML["billion laughs"])),
	}
	// The element tree of 100,000 empty elements is the most the parser keeps; the attribute
	// flood's start tag (87,000 attributes) is the largest single token. Measured: 33 MiB and
	// 21 MiB; the others stop at once. Without the element limit the tree alone passes 64 MiB.
	const budget = 64 << 20
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := contract.ParseXML(strings.NewReader(doc))
			runtime.ReadMemStats(&after)
			if !errors.Is(err, contract.ErrXMLNotAllowed) {
				t.Errorf("err %v, want ErrXMLNotAllowed", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > budget {
				t.Errorf("parsing allocated %d MiB, over %d MiB", alloc>>20, budget>>20)
			} else {
				t.Logf("%s: %d KiB document, %d MiB allocated", name, len(doc)>>10, alloc>>20)
			}
		})
	}
}

// The vendors' error bodies are read with the same rules: an error body with a DOCTYPE is not in
// the vendor's format, whatever it declares.
func TestErrorMessagesRefuseDeclarations(t *testing.T) {
	bodies := map[string]struct{ vendor, contentType, body string }{
		"iovox entity":      {specs.Iovox, "application/xml", `<!DOCTYPE errors [<!ENTITY a "Contact ID does not exist">]><errors><error status="400">&a;</error></errors>`},
		"iovox plain":       {specs.Iovox, "application/xml", `<!DOCTYPE errors><errors><error status="400">x</error></errors>`},
		"iovox deep":        {specs.Iovox, "application/xml", `<errors><error status="400">x</error>` + nested(40) + `</errors>`},
		"which50 XML":       {specs.Which50, "application/xml", `<!DOCTYPE Error SYSTEM "http://127.0.0.1:1/e.dtd"><Error><Message>x</Message></Error>`},
		"which50 too many":  {specs.Which50, "text/xml", `<Error` + strings.TrimSuffix(strings.TrimPrefix(withAttributes(65), "<a"), "/>") + `><Message>x</Message></Error>`},
		"iovox laughs":      {specs.Iovox, "text/xml", hostileXML["billion laughs"]},
		"which50 in a root": {specs.Which50, "application/xml", `<Error><!ENTITY a "b"><Message>x</Message></Error>`},
	}
	for name, tt := range bodies {
		t.Run(name, func(t *testing.T) {
			msgs, err := vendors.ErrorMessages(tt.vendor, tt.contentType, []byte(tt.body))
			if err == nil {
				t.Errorf("read %q from a body with a declaration", msgs)
			}
		})
	}
	// Without the declaration the same bodies are the vendors' format.
	for _, ok := range []struct{ vendor, body string }{
		{specs.Iovox, `<errors><error status="400">x</error></errors>`},
		{specs.Which50, `<Error><Message>x</Message></Error>`},
	} {
		if msgs, err := vendors.ErrorMessages(ok.vendor, "application/xml", []byte(ok.body)); err != nil || len(msgs) != 1 || msgs[0] != "x" {
			t.Errorf("%s: %q, %v", ok.vendor, msgs, err)
		}
	}
}

// FuzzErrorMessages: no error body makes the reader panic or hang, and it reads nothing from an
// XML body the XML parser refuses as a declaration or beyond its limits.
func FuzzErrorMessages(f *testing.F) {
	f.Add(specs.Iovox, "application/xml", `<errors><error status="400">Contact ID 1 of 2 does not exist</error></errors>`)
	f.Add(specs.Which50, "text/xml", `<Error><Message>Authorization has been denied for this request.</Message></Error>`)
	f.Add(specs.Which50, "application/json", `{"Message":"x"}`)
	f.Add(specs.Valomnia, "application/json", `{"error":"missing_param","error_description":"customerId parameter is missing"}`)
	f.Add(specs.Auregister, "application/json", `{"message":"x"}`)
	f.Add(specs.Iovox, "text/xml", hostileXML["billion laughs"])
	f.Fuzz(func(t *testing.T, vendor, contentType, body string) {
		msgs, err := vendors.ErrorMessages(vendor, contentType, []byte(body))
		if err != nil {
			return
		}
		if len(msgs) == 0 {
			t.Fatal("no error and no message")
		}
		mt, _, _ := mime.ParseMediaType(contentType)
		if vendor == specs.Iovox || vendor == specs.Which50 && strings.HasSuffix(mt, "/xml") {
			if _, err := contract.ParseXML(strings.NewReader(body)); errors.Is(err, contract.ErrXMLNotAllowed) {
				t.Fatalf("read %q from a body the XML parser refuses: %v", msgs, err)
			}
		}
	})
}
