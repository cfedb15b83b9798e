package replay

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// render lists a shape as "path: kinds" lines, sorted.
func render(s Shape) string {
	var lines []string
	for _, p := range slices.Sorted(maps.Keys(s)) {
		lines = append(lines, fmt.Sprintf("%s: %s", p, s[p]))
	}
	return strings.Join(lines, "\n")
}

func TestShapeOf(t *testing.T) {
	for _, tc := range []struct {
		name, mt, body, want string
	}{
		{"json object", "application/json", `{"id": 5, "name": "Marie", "ok": true, "fax": null, "tags": ["a", "b"], "a/b": {"c": 1.5}}`,
			"/: object\n/a~1b: object\n/a~1b/c: number\n/fax: null\n/id: number\n/name: string\n/ok: boolean\n/tags: array\n/tags/*: string"},
		// Every item of a list shares one path; an item of another kind adds its kind there.
		{"json list", "application/json", `[{"id": 1}, {"id": "x", "extra": []}]`,
			"/: array\n/*: object\n/*/extra: array\n/*/id: string or number"},
		{"json scalar", "text/json", `"just text"`, "/: string"},
		{"json suffix", "application/problem+json", `{"title": "x"}`, "/: object\n/title: string"},
		// iovox's error list: repeated elements share a path, attributes are text.
		{"xml errors", "application/xml", `<errors><error status="400">A</error><error status="400">B</error></errors>`,
			"/errors: element\n/errors/error: text\n/errors/error/@status: text"},
		// Which50's XML: namespace declarations are not data, prefixes are ignored.
		{"xml namespaces", "application/xml", `<Error xmlns="http://schemas.datacontract.org/x" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Message>m</Message><Detail i:nil="true"/></Error>`,
			"/Error: element\n/Error/Detail: empty\n/Error/Detail/@nil: text\n/Error/Message: text"},
		{"xml mixed", "text/xml", "<a>text<b/></a>", "/a: element or text\n/a/b: empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ShapeOf(tc.mt, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if got := render(s); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestShapeOfRefuses(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	for _, tc := range []struct {
		name, mt, body, want string
	}{
		{"not json", "application/json", `{"a":`, "not valid JSON"},
		{"json then more", "application/json", `{} {}`, "not valid JSON: data after the first value"},
		{"json nested beyond the decoder", "application/json", deep, "not valid JSON"},
		{"not xml", "application/xml", `<a><b></a>`, "not valid XML"},
		{"xml without root", "application/xml", `   `, "not valid XML: no root element"},
		{"html", "text/html", `<html></html>`, "not JSON or XML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ShapeOf(tc.mt, []byte(tc.body))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want %q...", err, tc.want)
			}
		})
	}
}

// A body cannot cost unbounded memory or stack: the walk stops at maxShapeDepth and the shape at
// maxShapePaths.
func TestShapeBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range maxShapePaths + 500 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":1`, i)
	}
	b.WriteString("}")
	s, err := ShapeOf("application/json", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != maxShapePaths {
		t.Errorf("%d paths, want the cap %d", len(s), maxShapePaths)
	}
	deep := strings.Repeat("<a>", 500) + strings.Repeat("</a>", 500)
	s, err = ShapeOf("application/xml", []byte(deep))
	if err != nil {
		t.Fatal(err)
	}
	for p := range s {
		if n := strings.Count(p, "/"); n > maxShapeDepth {
			t.Fatalf("path %d segments deep, past the limit %d", n, maxShapeDepth)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name, mt, vendor, mock string
		want                   []string
	}{
		{"same structure, other values", "application/json", `{"id": 1, "name": "a", "tags": ["x"]}`, `{"id": 2, "name": "b", "tags": ["y", "z"]}`, nil},
		{"kind", "application/json", `{"id": "1"}`, `{"id": 1}`, []string{"/id is string in the vendor's, number in the mock's"}},
		{"only on one side", "application/json", `{"id": 1, "nickname": "c"}`, `{"id": 1, "email": "e"}`,
			[]string{"/email (string) only in the mock's", "/nickname (string) only in the vendor's"}},
		// A missing object is one difference, not one per member.
		{"missing subtree", "application/json", `{"customer": {"id": 1, "href": "/c/1"}}`, `{}`, []string{"/customer (object) only in the vendor's"}},
		// Null is a value: it matches any kind, and hides nothing that lies below it.
		{"null matches any kind", "application/json", `{"fax": null, "user": null}`, `{"fax": "0123", "user": {"id": 4}}`, nil},
		{"null and absent", "application/json", `{"fax": null}`, `{}`, nil},
		// An empty list is data: its items are not missing on that side.
		{"empty array", "application/json", `{"ids": []}`, `{"ids": [1, 2]}`, nil},
		{"array against object", "application/json", `{"ids": []}`, `{"ids": {}}`, []string{"/ids is array in the vendor's, object in the mock's"}},
		{"xml element", "application/xml", `<errors><error status="400">A</error></errors>`, `<errors><error>A</error></errors>`,
			[]string{"/errors/error/@status (text) only in the vendor's"}},
		{"xml root", "application/xml", `<errors><error>A</error></errors>`, `<Error><Message>A</Message></Error>`,
			[]string{"/Error (element) only in the mock's", "/errors (element) only in the vendor's"}},
		{"xml empty element", "application/xml", `<c><notes/></c>`, `<c><notes>n</notes></c>`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ShapeOf(tc.mt, []byte(tc.vendor))
			if err != nil {
				t.Fatal(err)
			}
			m, err := ShapeOf(tc.mt, []byte(tc.mock))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range Compare(v, m) {
				got = append(got, d.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
