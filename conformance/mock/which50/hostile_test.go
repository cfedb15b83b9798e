package which50_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	w50 "github.com/contactapis/contactapis/conformance/mock/which50"
)

// A Contact the page's PATCH example accepts, as DataContract XML: the base of the hostile
// documents below, each of which differs from it only by what makes it hostile.
const cleanContactXML = `<Contact><Values><KeyValueOfstringanyType><Key>Mobile</Key><Value>0400000000</Value></KeyValueOfstringanyType></Values></Contact>`

// Every XML body the parser refuses (a declaration, the only way to entities; a document beyond
// its limits) is unreadable to the vendor's formatter, which binds the Contact as null: the
// spec's update-contact-null (which50-null-contact-403), in both XML media types, with or
// without the spec's validation, and nothing is expanded, fetched or changed.
func TestHostileXMLIsANullContact(t *testing.T) {
	laughs := `<!DOCTYPE Contact [<!ENTITY lol "lol">`
	for i := 1; i <= 9; i++ {
		prev := "lol"
		if i > 1 {
			prev = fmt.Sprintf("lol%d", i-1)
		}
		laughs += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
	}
	laughs += "]>"
	var attrs strings.Builder
	for i := range 65 {
		fmt.Fprintf(&attrs, ` a%d="1"`, i)
	}
	inValue := func(inner string) string {
		return strings.Replace(cleanContactXML, "<Value>0400000000</Value>", "<Value>"+inner+"</Value>", 1)
	}
	bodies := map[string]string{
		"billion laughs":    laughs + inValue("&lol9;"),
		"external entity":   `<!DOCTYPE Contact [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + inValue("&xxe;"),
		"external DTD":      `<!DOCTYPE Contact SYSTEM "http://127.0.0.1:1/contact.dtd">` + cleanContactXML,
		"parameter entity":  `<!DOCTYPE Contact [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]>` + cleanContactXML,
		"ENTITY in a value": inValue(`<!ENTITY a "b">`),
		"65 attributes":     strings.Replace(cleanContactXML, "<Contact>", "<Contact"+attrs.String()+">", 1),
		"nesting":           inValue(strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)),
		"100,001 elements":  strings.Replace(cleanContactXML, "</Contact>", strings.Repeat("<a/>", 100_000)+"</Contact>", 1),
		"nesting to the body cap": strings.Replace(cleanContactXML, "</Contact>", "", 1) +
			strings.Repeat("<a>", (w50.MaxBodyBytes-len(cleanContactXML))/3),
	}
	e := newEnv(t)
	b, err := w50.New(w50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bare := httptest.NewServer(b.Handler())
	t.Cleanup(bare.Close)
	for _, ct := range []string{"application/xml", "text/xml"} {
		t.Run("clean "+ct, func(t *testing.T) {
			e.reset(t)
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.contentType, r.body = ct, []byte(cleanContactXML) }))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("the clean document: %d %s", resp.StatusCode, body)
			}
		})
		for name, doc := range bodies {
			t.Run(name+" "+ct, func(t *testing.T) {
				if len(doc) > w50.MaxBodyBytes {
					t.Fatalf("bad test: %d bytes, over the cap", len(doc))
				}
				e.reset(t)
				before := e.state(t)
				req := patchPage(t).with(func(r *rawReq) { r.contentType, r.body = ct, []byte(doc) })
				resp, body := e.send(t, req)
				wantError(t, resp, body, "update-contact-null", nil, "application/json")
				if !equalState(before, e.state(t)) {
					t.Error("the store changed")
				}
				bresp, bbody := send(t, bare.URL, req)
				if bresp.StatusCode != resp.StatusCode || !bytes.Equal(bbody, body) {
					t.Errorf("handler alone: %d %s\nwith the pipeline: %d %s", bresp.StatusCode, bbody, resp.StatusCode, body)
				}
			})
		}
	}
}
