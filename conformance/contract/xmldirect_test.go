package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// xmlBodySchemas are the XML request bodies of every vendor's spec, and an object of each kind
// of property decodeXMLDirect reads (scalars, a nested object, unwrapped arrays of scalars and
// objects, XML names that are not the property's) and some it leaves to the tree.
func xmlBodySchemas(t testing.TB) []*openapi3.SchemaRef {
	var out []*openapi3.SchemaRef
	for _, media := range requestMedia(t, isXMLMediaType) {
		if media.Schema != nil {
			out = append(out, media.Schema)
		}
	}
	named := func(s *openapi3.Schema, name string) *openapi3.Schema { s.XML = &openapi3.XML{Name: name}; return s }
	item := openapi3.NewObjectSchema().WithProperty("id", openapi3.NewInt64Schema()).WithProperty("b", openapi3.NewBoolSchema())
	flat := openapi3.NewObjectSchema().
		WithProperty("a", openapi3.NewStringSchema()).
		WithProperty("n", openapi3.NewIntegerSchema()).
		WithProperty("f", openapi3.NewFloat64Schema()).
		WithProperty("renamed", named(openapi3.NewStringSchema(), "b")).
		WithProperty("inner", openapi3.NewObjectSchema().WithProperty("a", openapi3.NewStringSchema())).
		WithProperty("tags", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())).
		WithProperty("items", named(openapi3.NewArraySchema().WithItems(item), "item"))
	odd := openapi3.NewObjectSchema().WithProperty("a", openapi3.NewStringSchema()).
		WithProperty("wrapped", &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: openapi3.NewSchemaRef("", openapi3.NewStringSchema()),
			XML: &openapi3.XML{Wrapped: true}}).
		WithProperty("attr", &openapi3.Schema{Type: &openapi3.Types{"string"}, XML: &openapi3.XML{Attribute: true}})
	plain := openapi3.NewObjectSchema().WithProperty("a", openapi3.NewStringSchema()).WithProperty("inner", openapi3.NewObjectSchema().
		WithProperty("n", openapi3.NewInt32Schema()))
	wide := openapi3.NewObjectSchema() // more properties than decodeXMLDirect's bitmap of those seen
	for i := range 70 {
		wide.WithProperty(fmt.Sprintf("p%d", i), openapi3.NewStringSchema())
	}
	wide.WithProperty("list", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema()))
	// Constraints whose failures the direct path's judgement must see: required, pattern, enum,
	// least length of an unwrapped array, length of its items, and allOf wrappers.
	inner := openapi3.NewObjectSchema().WithProperty("x", openapi3.NewIntegerSchema()).WithRequired([]string{"x"})
	wrapper := func(s *openapi3.Schema) *openapi3.Schema {
		return &openapi3.Schema{AllOf: openapi3.SchemaRefs{openapi3.NewSchemaRef("", s)}}
	}
	checked := openapi3.NewObjectSchema().
		WithProperty("id", openapi3.NewStringSchema().WithPattern("^[0-9]+$")).
		WithProperty("kind", openapi3.NewStringSchema().WithEnum("a", "b")).
		WithProperty("tags", openapi3.NewArraySchema().WithMinItems(2).WithItems(openapi3.NewStringSchema().WithMaxLength(3))).
		WithProperty("ref", wrapper(inner)).
		WithProperty("subs", named(openapi3.NewArraySchema().WithItems(wrapper(inner)), "sub")).
		WithRequired([]string{"id"})
	// Constraints the judgement leaves to kin-openapi: a wrapper that adds one (unwrap reads
	// through it, surelyValidNode does not), an object's and an array's count of members.
	limited := wrapper(inner)
	limited.MaxProps = new(uint64)
	checked.WithProperty("limited", limited).
		WithProperty("few", openapi3.NewObjectSchema().WithProperty("a", openapi3.NewStringSchema()).WithMinProperties(2)).
		WithProperty("capped", openapi3.NewArraySchema().WithMaxItems(1).WithItems(openapi3.NewStringSchema()))
	one := uint64(1)
	wrappedRoot := wrapper(named(checked, "c"))
	wrappedRoot.MaxProps = &one
	return append(out, openapi3.NewSchemaRef("", named(flat, "a")), openapi3.NewSchemaRef("", plain), openapi3.NewSchemaRef("", odd),
		openapi3.NewSchemaRef("", wide), openapi3.NewSchemaRef("", named(checked, "c")), openapi3.NewSchemaRef("", wrappedRoot))
}

var xmlDirectCorpus = []string{
	`<a><a>x</a><n> 12 </n><f>1.5</f><b>y</b></a>`, `<a><inner><a>1</a></inner><tags>x</tags><tags>y</tags></a>`,
	`<a><item><id>1</id><b>true</b></item><item><id>x</id></item></a>`, `<a><wrapped><x>1</x></wrapped></a>`, `<a attr="1"/>`,
	`<a><a>x</a><a>y</a></a>`, `<a><undeclared>1</undeclared><undeclared>2</undeclared></a>`, `<a><renamed>1</renamed></a>`,
	`<a><inner/><tags/><item/></a>`, `<a>text<a>x</a>more</a>`, `<a><a><b/></a></a>`, `<a><x><y/></x></a>`, `<b/>`,
	`<a><inner><inner><a/></inner></inner></a>`, `<a><KeyValueOfstringanyType/></a>`, `<a><n>&lt;1</n></a>`,
	`<request><contact><contact_id>1</contact_id></contact><contact><contact_id>2</contact_id></contact></request>`,
	`<request><rm_rules>TRUE</rm_rules><rm_rules>FALSE</rm_rules></request>`, `<request/>`, `<request></request><x/>`,
	`<w><p0>a</p0><p69>b</p69><list>1</list><list>2</list></w>`, `<w><p68>a</p68><p68>b</p68></w>`, `<w><p3>a</p3><p3>b</p3></w>`,
	`<c><id>12</id><kind>a</kind><tags>ab</tags><tags>cd</tags><ref><x>1</x></ref><sub><x>1</x></sub><other>o</other></c>`,
	`<c><kind>a</kind></c>`, `<c><id>x1</id></c>`, `<c><id>1</id><kind>z</kind></c>`, `<c><id>1</id><tags>ab</tags></c>`,
	`<c><id>1</id><tags>abcd</tags><tags>a</tags></c>`, `<c><id>1</id><ref/></c>`, `<c><id>1</id><ref><x>y</x></ref></c>`,
	`<c><id>1</id><sub><x>1</x></sub><sub/></c>`, `<c><id>1</id><sub><x>z</x></sub></c>`, `<c><id>7</id></c>`,
	`<c><id>1</id><limited><x>1</x></limited></c>`, `<c><id>1</id><few><a>1</a></few></c>`,
	`<c><id>1</id><capped>a</capped><capped>b</capped></c>`, `<c><id>12</id><kind>a</kind></c>`,
}

// checkDirectXML: where decodeXMLDirect answers, the tree's reading (decodeXML) answers the same
// value without error; where it also finds the value surely valid, visitBody finds nothing wrong.
func checkDirectXML(t *testing.T, schema *openapi3.SchemaRef, doc []byte) (read, valid bool) {
	t.Helper()
	got, ok, valid := decodeXMLDirect(doc, schema, xmlNames)
	if !ok {
		return false, false
	}
	want, _, err := decodeXML(doc, false, schema, nil)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decodeXMLDirect gives %#v; the tree %#v, %v", doc, got, want, err)
	}
	if errs := visitBody(schema.Value, got); valid && len(errs) > 0 {
		t.Fatalf("%q: decodeXMLDirect finds %#v surely valid; visitBody: %v", doc, got, errs)
	}
	return true, valid
}

func TestDecodeXMLDirectAgrees(t *testing.T) {
	read, valid := 0, 0
	for _, schema := range xmlBodySchemas(t) {
		for _, doc := range append(xmlDirectCorpus, xmlCorpus...) {
			r, v := checkDirectXML(t, schema, []byte(doc))
			if r {
				read++
			}
			if v {
				valid++
			}
		}
	}
	t.Logf("decodeXMLDirect read %d documents, %d of them surely valid", read, valid)
	if read < 10 || valid < 5 {
		t.Errorf("decodeXMLDirect read %d documents, %d surely valid: the fast path is hardly taken", read, valid)
	}
}

// iovox's page bodies take the direct path: it is there for them.
func TestDecodeXMLDirectReadsThePagesBodies(t *testing.T) {
	files, _ := filepath.Glob("../../gen/iovox/testdata/*.request.xml")
	if len(files) == 0 {
		t.Fatal("found no iovox request example")
	}
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		read, valid := false, false
		for _, schema := range xmlBodySchemas(t) {
			r, v := checkDirectXML(t, schema, doc)
			read, valid = read || r, valid || v
		}
		if !read || !valid {
			t.Errorf("%s: decodeXMLDirect read it %v, found it surely valid %v", f, read, valid)
		}
	}
}

func FuzzDecodeXMLDirect(f *testing.F) {
	for _, doc := range append(xmlDirectCorpus, xmlCorpus...) {
		f.Add([]byte(doc))
	}
	files, _ := filepath.Glob("../../gen/*/testdata/*.xml")
	for _, name := range files {
		if doc, err := os.ReadFile(name); err == nil {
			f.Add(doc)
		}
	}
	schemas := xmlBodySchemas(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, s := range schemas {
			checkDirectXML(t, s, doc)
		}
	})
}
