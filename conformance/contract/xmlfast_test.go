package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// xmlCorpus are documents at the edges of what parseXMLFast reads: each must give ParseXML's tree,
// or make parseXMLFast give up.
var xmlCorpus = []string{
	`<a/>`, `<a></a>`, `<a>x</a>`, ` <a> x </a> `, "\n\n<a>\n  <b>1</b>\n  <b>2</b>\n</a>\n",
	`<?xml version="1.0" encoding="utf-8"?><a/>`, `<?xml version='1.0'?>` + "\n<a/>", `<?xml version="1.1"?><a/>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?><a>caf` + "\xe9" + `</a>`, `<?xml version="1.0" standalone="yes" ?><a/>`,
	`<?xml encoding="UTF-8" version="1.0"?><a/>`, `<?xml version="1.0" encoding="utf-8" encoding="x"?><a/>`, `<?xml?><a/>`,
	`<?xml-stylesheet href="x"?><a/>`, `<a b="1" c='2'>t</a>`, `<a b="1"c="2"/>`, `<a b = "1" />`, `<a b="x<y"/>`,
	`<a b="&lt;&amp;&quot;"/>`, `<a>&lt;&gt;&amp;&apos;&quot;</a>`, `<a>&#65;</a>`, `<a>&nbsp;</a>`, `<a>&lt</a>`, `<a>&AMP;</a>`,
	`<a>]]></a>`, `<a>]]</a>`, `<a>x]>y</a>`, "<a>\r\n</a>", "<a>\x01</a>", "<a>\xff</a>", "<a>\uFFFE</a>", "<a>é ü 😀</a>",
	"<a>\u00a0</a>\u00a0", `<a><b></a></b>`, `<a></b>`, `<a>`, `</a>`, `<a/><b/>`, `<a/>x`, `x<a/>`, `<a/><!-- c -->`,
	`<!DOCTYPE a><a/>`, `<a><![CDATA[x]]></a>`, `<a xmlns="urn:x"><b/></a>`, `<p:a xmlns:p="urn:x"/>`, `<a p:b="1"/>`,
	`<a xml:lang="en"/>`, `<1a/>`, `<_a.b-c/>`, `<a-/>`, `< a/>`, `<a / >`, `<a b/>`, `<a b=1/>`, `<a b="1/>`, `<a></a >`,
	`<a></ a>`, `<aé/>`, `<a>` + strings.Repeat("<b>", 40) + `</a>`, "\ufeff<a/>", `<a>x<b/>y<c/>z</a>`, `<a>&amp;<b/>x</a>`,
	"<a>\n<b>1</b><c\nd=\"2\"\n/><d>é</d>\n<e>x</e></a>", `<a i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>`,
	`<a>` + strings.Repeat(`<b c="1"/>`, 100) + `</a>`, `<a ` + strings.Repeat(`b="1" `, 65) + `/>`, `<a ` + strings.Repeat(`b="1" `, 64) + `/>`,
	"<a b=\"x\ny\"/>", "<a b=\"x\ty\"/>", `<a b="]]>"/>`, `<a>x</a>  ` + "\n", `<a>x</a><`, ``, `   `, `<`, `<a`, `<a b="1"`,
}

// sameTree reports where two parsed documents differ: names, attributes, text, positions and
// children. An absent attribute list and an empty one are the same.
func sameTree(path string, a, b *element) error {
	if a.name != b.name || a.text != b.text || a.line != b.line || a.col != b.col || len(a.attrs) != len(b.attrs) || len(a.children) != len(b.children) {
		return fmt.Errorf("%s: fast %+v (%d children, %q at %d:%d), ParseXML %+v (%d children, %q at %d:%d)", path,
			a.name, len(a.children), a.text, a.line, a.col, b.name, len(b.children), b.text, b.line, b.col)
	}
	for i := range a.attrs {
		if a.attrs[i] != b.attrs[i] {
			return fmt.Errorf("%s: attribute %d: fast %+v, ParseXML %+v", path, i, a.attrs[i], b.attrs[i])
		}
	}
	for i := range a.children {
		if err := sameTree(fmt.Sprintf("%s/%s[%d]", path, a.children[i].name.Local, i), a.children[i], b.children[i]); err != nil {
			return err
		}
	}
	return nil
}

// xmlNames stand in for a spec's names: the elements that bear one take its string.
var xmlNames = map[string]string{"a": "a", "b": "b", "contact": "contact", "contact_id": "contact_id", "request": "request"}

func checkFastXML(t *testing.T, doc []byte) bool {
	t.Helper()
	fast, ok := parseXMLFast(doc, nil)
	if named, namedOK := parseXMLFast(doc, xmlNames); namedOK != ok || ok && sameTree(fast.name.Local, named, fast) != nil {
		t.Fatalf("%q: parseXMLFast with names reads otherwise than without (ok %v, %v)", doc, namedOK, ok)
	}
	if !ok {
		return false
	}
	ref, err := ParseXML(strings.NewReader(string(doc)))
	if err != nil {
		t.Fatalf("%q: parseXMLFast read what ParseXML refuses (%v)", doc, err)
	}
	if err := sameTree(fast.name.Local, fast, ref); err != nil {
		t.Fatalf("%q: %v", doc, err)
	}
	return true
}

func TestParseXMLFastMatchesParseXML(t *testing.T) {
	read := 0
	for _, doc := range xmlCorpus {
		if checkFastXML(t, []byte(doc)) {
			read++
		}
	}
	// The corpus holds both kinds; a fast path that gives up on everything would pass the rest.
	if read < 25 {
		t.Errorf("parseXMLFast read %d of %d documents", read, len(xmlCorpus))
	}
}

// iovox's XML bodies (its page's examples) take the fast path: it is there for them. (Which50's
// DataContract XML uses namespaces, which it leaves to ParseXML.)
func TestParseXMLFastReadsThePagesBodies(t *testing.T) {
	files, _ := filepath.Glob("../../gen/iovox/testdata/*.xml")
	if len(files) < 2 {
		t.Fatalf("found %d XML examples", len(files))
	}
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !checkFastXML(t, doc) {
			t.Errorf("%s: parseXMLFast gave up", f)
		}
	}
}

// FuzzParseXMLFast holds parseXMLFast to ParseXML: whatever it reads, ParseXML reads too, to the
// same tree.
func FuzzParseXMLFast(f *testing.F) {
	for _, doc := range xmlCorpus {
		f.Add([]byte(doc))
	}
	files, _ := filepath.Glob("../../gen/*/testdata/*.xml")
	for _, name := range files {
		if doc, err := os.ReadFile(name); err == nil {
			f.Add(doc)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkFastXML(t, doc)
	})
}
