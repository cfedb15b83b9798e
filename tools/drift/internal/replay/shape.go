package replay

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/contactapis/contactapis/conformance/contract"
)

// This file is the one definition of a body's shape, what replay-body-shape compares.
//
// A shape maps each path of a body to the kinds of value found there; values themselves play no
// part, so a live vendor's records and the mock's fixtures compare by structure only.
//
//   - JSON: "/" is the document, "/name" an object member, "/list/*" every item of an array
//     (all items share one path: one extra field in each of ten items is one difference). Kinds:
//     object, array, string, number, boolean, null.
//   - XML: "/root/child" an element (namespaces ignored, repeated elements share a path),
//     "/root/child/@attr" an attribute. Kinds: element (has child elements), text (has
//     non-blank text), empty (neither); attributes are text.
//
// Two shapes differ where a path is on one side only, or where both sides have a path with
// different kinds. Absence that is data, not structure, is not a difference: null and empty
// (an XML element with nothing in it) match any kind, and what lies below a null, an empty
// element or an empty array on one side is not missing there.

// kind is a set of kinds of value, as bits.
type kind uint16

const (
	kObject kind = 1 << iota
	kArray
	kString
	kNumber
	kBoolean
	kNull
	kElement
	kText
	kEmpty
	// kEmptyArray marks an array seen without items; it compares as an array.
	kEmptyArray
)

var kindNames = []struct {
	k    kind
	name string
}{{kObject, "object"}, {kArray, "array"}, {kString, "string"}, {kNumber, "number"}, {kBoolean, "boolean"},
	{kNull, "null"}, {kElement, "element"}, {kText, "text"}, {kEmpty, "empty"}}

// structural is the kinds that say something about structure: a null or an empty element is a
// value any field can have, and an empty array is an array.
func (k kind) structural() kind {
	if k&kEmptyArray != 0 {
		k |= kArray
	}
	return k &^ (kNull | kEmpty | kEmptyArray)
}

// hollow reports whether a path with these kinds can hide what would lie below it.
func (k kind) hollow() bool { return k&(kNull|kEmpty|kEmptyArray) != 0 }

func (k kind) String() string {
	var names []string
	for _, kn := range kindNames {
		if k&kn.k != 0 || kn.k == kArray && k&kEmptyArray != 0 {
			names = append(names, kn.name)
		}
	}
	return strings.Join(slices.Compact(names), " or ")
}

// Shape is the structure of a body: its paths and the kinds of value at each.
type Shape map[string]kind

// Limits on a body's walk: the vendors' bodies are a few levels deep with a few dozen paths; a
// hostile or huge body must cost neither the stack nor memory.
const (
	maxShapeDepth = 64
	maxShapePaths = 10_000
)

// errNoShape is returned for a media type whose bodies have no shape drift compares.
var errNoShape = errors.New("not JSON or XML")

// ShapeOf returns the shape of a body of media type mt (no parameters). Bodies other than JSON
// and XML have none (errNoShape); a JSON or XML body that does not parse is an error.
func ShapeOf(mt string, body []byte) (Shape, error) {
	switch {
	case isJSON(mt):
		return jsonShape(body)
	case isXML(mt):
		return xmlShape(body)
	}
	return nil, errNoShape
}

func isJSON(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

func isXML(mt string) bool { return strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "+xml") }

func (s Shape) add(path string, k kind) {
	if _, ok := s[path]; !ok && len(s) >= maxShapePaths {
		return
	}
	s[path] |= k
}

func jsonShape(body []byte) (Shape, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not valid JSON: data after the first value")
	}
	s := Shape{}
	s.walkJSON(v, "", 0)
	return s, nil
}

func (s Shape) walkJSON(v any, path string, depth int) {
	at := path
	if at == "" {
		at = "/"
	}
	if depth > maxShapeDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		s.add(at, kObject)
		for _, k := range slices.Sorted(maps.Keys(x)) {
			s.walkJSON(x[k], path+"/"+escape(k), depth+1)
		}
	case []any:
		if len(x) == 0 {
			s.add(at, kEmptyArray)
		} else {
			s.add(at, kArray)
		}
		for _, item := range x {
			s.walkJSON(item, path+"/*", depth+1)
		}
	case string:
		s.add(at, kString)
	case json.Number:
		s.add(at, kNumber)
	case bool:
		s.add(at, kBoolean)
	case nil:
		s.add(at, kNull)
	}
}

func xmlShape(body []byte) (Shape, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	s := Shape{}
	type open struct {
		path           string
		children, text bool
	}
	var stack []open
	roots := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not valid XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := ""
			if len(stack) > 0 {
				stack[len(stack)-1].children = true
				parent = stack[len(stack)-1].path
			} else {
				roots++
			}
			path := parent + "/" + escape(t.Name.Local)
			if len(stack) < maxShapeDepth {
				for _, a := range t.Attr {
					if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
						continue // a namespace declaration, not data
					}
					s.add(path+"/@"+escape(a.Name.Local), kText)
				}
			}
			stack = append(stack, open{path: path})
		case xml.CharData:
			if len(stack) > 0 && len(bytes.TrimSpace(t)) > 0 {
				stack[len(stack)-1].text = true
			}
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) >= maxShapeDepth {
				continue
			}
			switch {
			case top.children:
				s.add(top.path, kElement)
				if top.text {
					s.add(top.path, kText)
				}
			case top.text:
				s.add(top.path, kText)
			default:
				s.add(top.path, kEmpty)
			}
		}
	}
	if roots == 0 {
		return nil, errors.New("not valid XML: no root element")
	}
	return s, nil
}

// escape writes a member or element name as a path segment (RFC 6901's escapes), so that a name
// holding "/" cannot pass for two segments.
func escape(name string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
}

// Difference is one way two shapes differ.
type Difference struct {
	Path string
	// Vendor and Mock are the kinds at Path on each side; zero where the side lacks the path.
	Vendor, Mock kind
}

func (d Difference) String() string {
	switch {
	case d.Mock == 0:
		return fmt.Sprintf("%s (%s) only in the vendor's", d.Path, d.Vendor)
	case d.Vendor == 0:
		return fmt.Sprintf("%s (%s) only in the mock's", d.Path, d.Mock)
	}
	return fmt.Sprintf("%s is %s in the vendor's, %s in the mock's", d.Path, d.Vendor, d.Mock)
}

// Severity is what the difference means to a client written to the mock's answers (the spec's):
// a path only the vendor's answer has is a new field, non-breaking; a path the vendor's answer
// lacks, or a value of another kind, breaks such a client.
func (d Difference) Severity() contract.Severity {
	if d.Mock == 0 {
		return contract.NonBreaking
	}
	return contract.Breaking
}

// Compare lists how the mock's shape differs from the vendor's, by path.
func Compare(vendor, mock Shape) []Difference {
	var out []Difference
	paths := slices.Sorted(maps.Keys(vendor))
	for p := range mock {
		if _, ok := vendor[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		v, inV := vendor[p]
		m, inM := mock[p]
		switch {
		case inV && inM:
			if sv, sm := v.structural(), m.structural(); sv != 0 && sm != 0 && sv != sm {
				out = append(out, Difference{Path: p, Vendor: v, Mock: m})
			}
		case inV:
			if !v.hollowOnly() && !covered(mock, p) {
				out = append(out, Difference{Path: p, Vendor: v})
			}
		default:
			if !m.hollowOnly() && !covered(vendor, p) {
				out = append(out, Difference{Path: p, Mock: m})
			}
		}
	}
	return out
}

// hollowOnly reports kinds that are only null or empty: a field present but empty on one side is
// no more structure than one absent on the other.
func (k kind) hollowOnly() bool { return k.structural() == 0 && k&kEmptyArray == 0 }

// covered reports whether a path s lacks is accounted for by its parent: the parent is missing
// from s as well (its own difference says so, once), or s has it as null, empty or an empty array
// (the other side's record had something there, this one had nothing to walk).
func covered(s Shape, path string) bool {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || path == "/" {
		return false
	}
	parent := path[:i]
	if parent == "" {
		parent = "/"
		if _, ok := s[parent]; !ok {
			return false // an XML root element has no parent path
		}
	}
	k, ok := s[parent]
	return !ok || k.hollow()
}
