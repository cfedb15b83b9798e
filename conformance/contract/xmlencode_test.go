package contract_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// xmlShape lists what a reader of XML sees in a document: each element's namespace and local
// name, its attributes other than namespace declarations, and its non-blank text. Prefixes and
// where a namespace is declared do not show, nor white space between elements. Elements below
// one named skip (and skip itself, but not its start and end) are left out.
func xmlShape(t *testing.T, doc []byte, skip string) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out []string
	depth, skipping := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			depth++
			if skipping > 0 {
				continue
			}
			line := "<{" + x.Name.Space + "}" + x.Name.Local
			for _, a := range x.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					line += " " + a.Name.Local + "=" + a.Value
				}
			}
			out = append(out, line+">")
			if x.Name.Local == skip {
				skipping = depth
			}
		case xml.EndElement:
			if skipping == depth {
				skipping = 0
			}
			depth--
			if skipping == 0 {
				out = append(out, "</"+x.Name.Local+">")
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(x)); s != "" && skipping == 0 {
				out = append(out, s)
			}
		}
	}
}

func pageSample(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// The one XML writer writes each vendor's documented XML as the vendor does: the pages' samples
// (gen/<vendor>/testdata, see their README.md) read back with the same elements, namespaces,
// attributes and text.
func TestToXMLWritesTheDocumentedShapes(t *testing.T) {
	tests := []struct {
		name           string
		vendor, schema string
		value          any
		golden         string
		skip           string // an element whose content the generic writer does not render (DataContract's dictionary)
	}{
		{"iovox error list: status attribute, message text", specs.Iovox, "Errors",
			map[string]any{"error": []any{map[string]any{"status": int64(400), "message": "Contact ID 1 of 2 does not exist"}}},
			"../../gen/iovox/testdata/errors.400.xml", ""},
		{"which50 ids: ArrayOfstring in the Arrays namespace", specs.Which50, "EncContactIDs",
			[]any{"sample string 1", "sample string 2"},
			"../../gen/which50/testdata/response-sample.xml", ""},
		{"which50 contact: root and children in two namespaces", specs.Which50, "ContactDTO",
			map[string]any{"EncContactId": "sample string 2", "Id": int64(1), "ListId": int64(3), "Values": map[string]any{}},
			"../../gen/which50/testdata/request-sample.xml", "Values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schemaOf(t, tt.vendor, tt.schema)
			got, err := contract.ToXML(s.Value, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			want := pageSample(t, tt.golden)
			if g, w := xmlShape(t, got, tt.skip), xmlShape(t, want, tt.skip); !reflect.DeepEqual(g, w) {
				t.Errorf("ToXML wrote\n%s\nwhose shape is\n%q\nthe page's\n%q", got, g, w)
			}
			if bytes.HasPrefix(got, []byte("<?xml")) {
				t.Errorf("an XML declaration precedes the root: %s", got)
			}
		})
	}
}

// The exact bytes of the answers the mocks send most: no declaration, no white space, a namespace
// declared once where it changes.
func TestToXMLBytes(t *testing.T) {
	tests := []struct {
		vendor, schema string
		value          any
		want           string
	}{
		{specs.Iovox, "Errors", map[string]any{"error": []any{
			map[string]any{"status": int64(400), "message": `a & <b>`},
			map[string]any{"status": int64(404), "message": "x"}}},
			`<errors><error status="400">a &amp; &lt;b&gt;</error><error status="404">x</error></errors>`},
		{specs.Which50, "EncContactIDs", []any{"a", "b"},
			`<ArrayOfstring xmlns="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><string>a</string><string>b</string></ArrayOfstring>`},
		{specs.Which50, "HTTPError", map[string]any{"Message": "The request is invalid."},
			`<Error><Message>The request is invalid.</Message></Error>`},
		{specs.Which50, "HTTPError", map[string]any{"MessageDetail": "d", "Message": "m"},
			`<Error><Message>m</Message><MessageDetail>d</MessageDetail></Error>`},
		{specs.Which50, "ContactDTO", map[string]any{"ListId": int64(3), "EncContactId": nil},
			`<Contact xmlns="http://schemas.datacontract.org/2004/07/W50API.Models.DTO"><ListId xmlns="http://schemas.datacontract.org/2004/07/W50Common.Model.DTO">3</ListId></Contact>`},
	}
	for _, tt := range tests {
		got, err := contract.ToXML(schemaOf(t, tt.vendor, tt.schema).Value, tt.value)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s %s: ToXML = %s, %v; want %s", tt.vendor, tt.schema, got, err, tt.want)
		}
	}
}

// ToXML is the inverse of FromXML: what it writes reads back as the value written, undeclared
// members included.
func TestToXMLRoundTrips(t *testing.T) {
	item := &openapi3.Schema{Type: &openapi3.Types{"string"}, XML: &openapi3.XML{Name: "tag"}}
	s := &openapi3.Schema{
		Type: &openapi3.Types{"object"},
		XML:  &openapi3.XML{Name: "root", Namespace: "urn:a"},
		Properties: openapi3.Schemas{
			"id":   {Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}, XML: &openapi3.XML{Attribute: true}}},
			"tags": {Value: &openapi3.Schema{Type: &openapi3.Types{"array"}, XML: &openapi3.XML{Wrapped: true}, Items: &openapi3.SchemaRef{Value: item}}},
			"note": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, XML: &openapi3.XML{Namespace: "urn:b"}}},
		},
	}
	v := map[string]any{"id": int64(7), "tags": []any{"x", "y"}, "note": "n", "extra": "e"}
	got, err := contract.ToXML(s, v)
	if err != nil {
		t.Fatal(err)
	}
	want := `<root xmlns="urn:a" id="7"><note xmlns="urn:b">n</note><tags><tag>x</tag><tag>y</tag></tags><extra>e</extra></root>`
	if string(got) != want {
		t.Errorf("ToXML = %s\nwant    %s", got, want)
	}
	root, err := contract.ParseXML(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	back, err := contract.FromXML(root, &openapi3.SchemaRef{Value: s})
	if err != nil || !reflect.DeepEqual(back, v) {
		t.Errorf("FromXML(ToXML(v)) = %#v, %v; want %#v", back, err, v)
	}
}

// A schema that names no root element cannot be written: the error says so rather than inventing
// a name.
func TestToXMLNeedsARootName(t *testing.T) {
	if _, err := contract.ToXML(&openapi3.Schema{Type: &openapi3.Types{"object"}}, map[string]any{}); err == nil {
		t.Error("ToXML wrote a document for a schema with no xml.name")
	}
}
