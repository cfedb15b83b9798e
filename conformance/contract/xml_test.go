package contract_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

func schemaOf(t testing.TB, vendor, name string) *openapi3.SchemaRef {
	t.Helper()
	doc, err := specs.Load(vendor)
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas[name]
	if s == nil {
		t.Fatalf("%s has no schema %s", vendor, name)
	}
	return s
}

// The vendor's "XML parse error. x at line y, column z" needs the real position of the fault.
func TestParseXMLReportsLineAndColumn(t *testing.T) {
	tests := []struct {
		doc          string
		line, column int
	}{
		{"<request>\n  <contact>\n    <contact_id>1</contact_id>\n  </contacts>\n</request>", 4, 13},
		{"<request><contact_id>1</request>", 1, 32},
		{"<request>\n<notes>a & b</notes></request>", 2, 11},
		{"<request>\n  <contact>\n  <contact>\n</request>", 4, 10}, // the page's own unclosed example
		{"", 1, 1},
	}
	for _, tt := range tests {
		_, err := contract.ParseXML(strings.NewReader(tt.doc))
		var se *contract.XMLSyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: err %v, want a syntax error", tt.doc, err)
			continue
		}
		if se.Line != tt.line || se.Column != tt.column {
			t.Errorf("%q: %v; want line %d, column %d", tt.doc, se, tt.line, tt.column)
		}
	}
}

func TestParseXMLRefusesHostileDocuments(t *testing.T) {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><request>&lol2;</request>`
	external := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><request>&xxe;</request>`
	deep := strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)
	attrs := "<a" + strings.Repeat(` x="1"`, 1) + func() string {
		var b strings.Builder
		for i := 0; i < 100; i++ {
			b.WriteString(" a" + strings.Repeat("b", i%26) + string(rune('a'+i%26)) + `="1"`)
		}
		return b.String()
	}() + "/>"
	for name, doc := range map[string]string{"entity expansion": laughs, "external entity": external, "deep nesting": deep, "attribute flood": attrs} {
		_, err := contract.ParseXML(strings.NewReader(doc))
		if !errors.Is(err, contract.ErrXMLNotAllowed) {
			t.Errorf("%s: err %v, want ErrXMLNotAllowed", name, err)
		}
	}
	undeclared := `<request>&lol;</request>`
	var se *contract.XMLSyntaxError
	if _, err := contract.ParseXML(strings.NewReader(undeclared)); !errors.As(err, &se) {
		t.Errorf("undeclared entity: %v, want a syntax error", err)
	}
	for _, doc := range []string{"<a/><b/>", "text<a/>", "<a>"} {
		if _, err := contract.ParseXML(strings.NewReader(doc)); !errors.As(err, &se) {
			t.Errorf("%q: %v, want a syntax error", doc, err)
		}
	}
}

func TestFromXMLShapes(t *testing.T) {
	tests := []struct {
		name, vendor, schema, doc string
		want                      any
	}{
		{
			name: "iovox contacts, repeated details, attribute and text", vendor: specs.Iovox, schema: "UpdateContactsPayload",
			doc: `<request><rm_rules>TRUE</rm_rules><contact><contact_id>1</contact_id><business_phone>441</business_phone><business_phone>442</business_phone></contact><contact><contact_id>2</contact_id><email/></contact></request>`,
			want: map[string]any{"rm_rules": "TRUE", "contact": []any{
				map[string]any{"contact_id": "1", "business_phone": []any{"441", "442"}},
				map[string]any{"contact_id": "2", "email": ""},
			}},
		},
		{
			name: "iovox error list", vendor: specs.Iovox, schema: "Errors",
			doc:  `<errors><error status="400">A</error><error status="500">B</error></errors>`,
			want: map[string]any{"error": []any{map[string]any{"status": int64(400), "message": "A"}, map[string]any{"status": int64(500), "message": "B"}}},
		},
		{
			name: "undeclared element and non-numeric status stay visible", vendor: specs.Iovox, schema: "Errors",
			doc:  `<errors><error status="x">A</error><extra>1</extra></errors>`,
			want: map[string]any{"error": []any{map[string]any{"status": "x", "message": "A"}}, "extra": "1"},
		},
		{
			name: "single-valued element sent twice", vendor: specs.Iovox, schema: "UpdateContactsPayload",
			doc:  `<request><rm_rules>TRUE</rm_rules><rm_rules>FALSE</rm_rules></request>`,
			want: map[string]any{"rm_rules": []any{"TRUE", "FALSE"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := contract.ParseXML(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			got, err := contract.FromXML(root, schemaOf(t, tt.vendor, tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// The page's DataContract sample: Values is a list of KeyValueOfstringanyType pairs.
func TestFromXMLDataContractDictionary(t *testing.T) {
	doc := golden(t, "which50", "request-sample.xml")
	root, err := contract.ParseXML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	req := schemaOf(t, specs.Which50, "ContactDTO")
	got, err := contract.FromXML(root, req)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := got.(map[string]any)
	values, _ := m["Values"].(map[string]any)
	if _, ok := values["sample string 1"]; !ok || len(values) != 2 || m["EncContactId"] != "sample string 2" {
		t.Errorf("decoded %#v", got)
	}
}

// FuzzXMLDecoder: no input makes the decoder panic or hang; everything is a value or an error.
func FuzzXMLDecoder(f *testing.F) {
	for _, name := range []string{"updateContacts.request.xml", "errors.400.xml"} {
		f.Add(golden(f, "iovox", name))
	}
	f.Add(golden(f, "which50", "request-sample.xml"))
	f.Add(`<request><contact><contact_id>1</contact_id></contact></request>`)
	f.Add(`<!DOCTYPE a><a/>`)
	payload := schemaOf(f, specs.Iovox, "UpdateContactsPayload")
	dto := schemaOf(f, specs.Which50, "ContactDTO")
	f.Fuzz(func(t *testing.T, doc string) {
		root, err := contract.ParseXML(strings.NewReader(doc))
		if err != nil {
			return
		}
		contract.FromXML(root, payload)
		contract.FromXML(root, dto)
	})
}

// An older client's ISO-8859-1 declaration is valid XML: decoded, not refused with Go's
// "CharsetReader is nil".
func TestParseXMLDecodesDeclaredEncodings(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><request><notes>caf\xe9</notes></request>"
	root, err := contract.ParseXML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	got, err := contract.FromXML(root, schemaOf(t, specs.Iovox, "UpdateContactsPayload"))
	if err != nil {
		t.Fatal(err)
	}
	if notes := got.(map[string]any)["notes"]; notes != "café" {
		t.Errorf("notes = %q, want café", notes)
	}
	if _, err := contract.ParseXML(strings.NewReader(`<?xml version="1.0" encoding="x-nonsense"?><a/>`)); err == nil {
		t.Error("an unknown encoding was accepted")
	}
}
