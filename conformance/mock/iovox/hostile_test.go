package iovox_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
)

// Every document the XML parser refuses (declarations, which are the only way to entities; and
// documents beyond its limits) is the vendor's parse error, naming the parser's reason and the
// position where it stopped: the end of the offending markup. Never a 500, never an expansion.
// The handler alone (no pipeline) answers the same. The positions are counted by hand below: all
// the documents are on one line, so the column is the offset of the last byte read, plus one.
func TestHostileXMLIsTheVendorsParseError(t *testing.T) {
	laughs := `<!DOCTYPE request [<!ENTITY lol "lol">`
	for i := 1; i <= 9; i++ {
		prev := "lol"
		if i > 1 {
			prev = fmt.Sprintf("lol%d", i-1)
		}
		laughs += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
	}
	laughs += "]>"
	attrs := "<request"
	for i := range 65 {
		attrs += fmt.Sprintf(` a%d="1"`, i)
	}
	attrs += ">"
	const root = "<request>"
	deepAtCap := root + strings.Repeat("<a>", (iovox.MaxBodyBytes-len(root))/3)
	tests := []struct {
		name, body string
		// upTo is the document up to the last byte the parser reads.
		upTo   string
		reason string
	}{
		{"billion laughs", laughs + "<request>&lol9;</request>", laughs, "<!DOCTYPE"},
		{"external entity", `<!DOCTYPE request [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><request><notes>&xxe;</notes></request>`,
			`<!DOCTYPE request [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`, "<!DOCTYPE"},
		{"external DTD", `<!DOCTYPE request SYSTEM "http://127.0.0.1:1/request.dtd"><request/>`,
			`<!DOCTYPE request SYSTEM "http://127.0.0.1:1/request.dtd">`, "<!DOCTYPE"},
		{"parameter entity", `<!DOCTYPE request [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]><request/>`,
			`<!DOCTYPE request [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]>`, "<!DOCTYPE"},
		{"ENTITY inside the root", `<request><!ENTITY a "b"><rm_rules>TRUE</rm_rules></request>`, `<request><!ENTITY a "b">`, "<!ENTITY"},
		{"65 attributes", attrs + "</request>", attrs, "more than 64 attributes on <request>"},
		{"100,001 elements", root + strings.Repeat("<a/>", 100_000) + "</request>", root + strings.Repeat("<a/>", 100_000), "more than 100000 elements"},
		{"nesting to the body cap", deepAtCap, root + strings.Repeat("<a>", 32), "nesting deeper than 32"},
	}
	shared := newHarness(t, mock.Options{})
	bare, err := iovox.New(iovox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.body) > iovox.MaxBodyBytes || !strings.HasPrefix(tt.body, tt.upTo) {
				t.Fatal("bad test: the body is over the cap or does not start with upTo")
			}
			// The parser's own refusal, so the test fails if it stops refusing.
			_, perr := contract.ParseXML(strings.NewReader(tt.body))
			if !errors.Is(perr, contract.ErrXMLNotAllowed) {
				t.Fatalf("the parser accepts the document: %v", perr)
			}
			detail := contract.ErrXMLNotAllowed.Error() + ": " + tt.reason
			want := w("xml-parse-error", "detail", detail, "line", "1", "column", strconv.Itoa(len(tt.upTo)))
			h := shared.sub(t)
			got := h.send(put(tt.body))
			expectErrors(t, got, want)

			rec := httptest.NewRecorder()
			req := httptest.NewRequest("PUT", "/Contacts"+query, strings.NewReader(tt.body))
			for k, v := range authHeader("application/xml") {
				req.Header[http.CanonicalHeaderKey(k)] = v // as a server hands them over
			}
			bare.Handler().ServeHTTP(rec, req)
			if rec.Code != got.status || !bytes.Equal(rec.Body.Bytes(), got.body) {
				t.Errorf("handler alone: %d %s\nwith the pipeline: %d %s", rec.Code, rec.Body, got.status, got.body)
			}
		})
	}
}
