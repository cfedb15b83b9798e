package contract

import (
	"bytes"

	"github.com/getkin/kin-openapi/openapi3"
)

// decodeXMLDirect decodes data straight into the value FromXML gives for the tree parseXMLFast
// reads, without building the tree, for the plain documents and schemas update bodies have: the
// documents parseXMLFast reads, with no attributes; object schemas (xmlObjectOf) whose elements
// each appear once (an unwrapped array property's once per item), hold text (a scalar property's,
// or an undeclared element's) or elements (an object's), never both. It gives up (ok false) on
// anything else, and the caller then builds the tree, whose value and errors stay the reference:
// the tree's elements, their child lists and texts were most of an iovox exchange's allocations.
// FuzzDecodeXMLDirect holds it to parseXMLFast and FromXML.
//
// valid reports that the value is surely valid against the schema, as visitBody would find it
// (surelyValidTree's judgement, made while decoding rather than by a second walk over the value):
// false says nothing, and the caller validates the value.
func decodeXMLDirect(data []byte, schema *openapi3.SchemaRef, names map[string]string) (v any, ok, valid bool) {
	if schema == nil || schema.Value == nil {
		return nil, false, false
	}
	d := xmlDirect{fastXML: fastXML{data: data, line: 1, col: 1, names: names}}
	if !d.declaration() || !d.spaceText() || d.pos >= len(d.data) || d.atEndTag() {
		return nil, false, false
	}
	name, empty, ok := d.openTag()
	s := unwrap(schema.Value)
	if !ok || (xmlRootName(schema.Value) != "" && string(name) != xmlRootName(schema.Value)) || s.Type.Is("array") || !isObject(s) {
		return nil, false, false
	}
	obj, ok, valid := d.object(name, s, empty, 1)
	if !ok || !d.spaceText() || d.pos < len(d.data) {
		return nil, false, false // an element after the root, or text that is not space
	}
	// visitBody takes a wrapped root to kin-openapi whole.
	return obj, true, valid && s == schema.Value
}

// xmlDirect is decodeXMLDirect's reading of its document.
type xmlDirect struct {
	fastXML
	elements int
}

// spaceText moves past text that is only spaces, giving up on any other.
func (d *xmlDirect) spaceText() bool {
	if d.pos >= len(d.data) || d.data[d.pos] == '<' {
		return true
	}
	text, ok := d.text()
	return ok && onlySpace(text)
}

func (d *xmlDirect) atEndTag() bool {
	return d.pos+1 < len(d.data) && d.data[d.pos] == '<' && d.data[d.pos+1] == '/'
}

// openTag reads a start tag without attributes: its name as in the document, and whether it is
// empty (<name/>).
func (d *xmlDirect) openTag() (raw []byte, empty, ok bool) {
	if d.elements++; d.elements > maxXMLElements {
		return nil, false, false
	}
	d.pos++ // <
	start := d.pos
	if !d.skipName() {
		return nil, false, false
	}
	raw = d.data[start:d.pos]
	if !d.spaces() || d.pos >= len(d.data) {
		return nil, false, false
	}
	switch {
	case d.data[d.pos] == '>':
		d.pos++
	case d.data[d.pos] == '/' && d.pos+1 < len(d.data) && d.data[d.pos+1] == '>':
		d.pos += 2
		empty = true
	default:
		return nil, false, false // an attribute
	}
	return raw, empty, !bytes.HasPrefix(raw, []byte("KeyValueOf")) // a dictionary is the tree's to read
}

// closeTag reads the end tag of the open element name.
func (d *xmlDirect) closeTag(name []byte) bool {
	d.pos += 2 // </
	start := d.pos
	if !d.skipName() || !bytes.Equal(d.data[start:d.pos], name) || !d.spaces() || d.pos >= len(d.data) || d.data[d.pos] != '>' {
		return false
	}
	d.pos++
	return true
}

// leaf reads the text of the open element name up to its end tag; false when it holds an element.
func (d *xmlDirect) leaf(name []byte, empty bool) (string, bool) {
	if empty {
		return "", true
	}
	var text []byte
	if d.pos < len(d.data) && d.data[d.pos] != '<' {
		var ok bool
		if text, ok = d.text(); !ok {
			return "", false
		}
	}
	if !d.atEndTag() || !d.closeTag(name) {
		return "", false
	}
	return string(text), true
}

// object reads the open element name of object schema s (depth its nesting, the root's 1) up
// to its end tag; valid: surelyValidNode would find the value valid against s.
func (d *xmlDirect) object(name []byte, s *openapi3.Schema, empty bool, depth int) (out map[string]any, ok, valid bool) {
	obj := xmlObjectOf(s)
	if obj == nil {
		return nil, false, false
	}
	out = make(map[string]any, len(obj.props))
	if empty {
		return out, true, obj.valid(out)
	}
	valid = true
	var seen uint64 // bit i: the property of index i has a value (for the first 64)
	for {
		if !d.skipText() || d.pos >= len(d.data) {
			return nil, false, false
		}
		if d.atEndTag() {
			return out, d.closeTag(name), valid && obj.valid(out)
		}
		if depth >= maxXMLDepth {
			return nil, false, false
		}
		child, childEmpty, ok := d.openTag()
		if !ok {
			return nil, false, false
		}
		p := obj.props[string(child)]
		if p == nil {
			// Undeclared: kept under its own name, as text.
			key, known := d.names[string(child)]
			if !known {
				key = string(child)
			}
			if _, dup := out[key]; dup || obj.names[key] {
				return nil, false, false
			}
			text, ok := d.leaf(child, childEmpty)
			if !ok {
				return nil, false, false
			}
			out[key] = text // a string: valid wherever an undeclared property is
			continue
		}
		var again bool
		if p.index < 64 {
			again, seen = seen&(1<<p.index) != 0, seen|1<<p.index
		} else {
			_, again = out[p.name]
		}
		if again && p.items == nil {
			return nil, false, false // a single-valued property sent twice: the tree keeps them all
		}
		s, judge := p.schema, &p.value
		if p.items != nil {
			s, judge = p.items, &p.item
		}
		var v any
		if isObject(s) {
			var childValid bool
			if v, ok, childValid = d.object(child, s, childEmpty, depth+1); !ok {
				return nil, false, false
			}
			valid = valid && childValid && judge.direct
		} else {
			text, ok := d.leaf(child, childEmpty)
			if !ok {
				return nil, false, false
			}
			v = scalar(text, s)
			valid = valid && surelyValidNode(judge.declared, judge.facts, v, 0)
		}
		if p.items != nil {
			var list []any
			if again {
				list, _ = out[p.name].([]any)
			}
			v = append(list, v)
		}
		out[p.name] = v
	}
}

// skipText moves past the text of an object's element, which its value does not hold (the tree
// keeps it, FromXML ignores it), giving up where parseXMLFast would.
func (d *xmlDirect) skipText() bool {
	if d.pos < len(d.data) && d.data[d.pos] != '<' {
		_, ok := d.text()
		return ok
	}
	return true
}

// xmlObject is how decodeXMLDirect reads the elements of an object schema.
type xmlObject struct {
	props map[string]*xmlProp // by XML name
	// names are every property's name and XML name: an undeclared element so named would meet a
	// property's value in the tree's reading.
	names map[string]bool
	// What surelyValidNode asks of the object beyond its values: that the schema is one it
	// takes apart (shapeObject), its required properties, its arrays' least lengths.
	plain    bool
	required []string
	lists    []*xmlProp
}

// valid reports whether out, whose values were each found surely valid, is surely valid against
// the object's schema.
func (o *xmlObject) valid(out map[string]any) bool {
	if !o.plain {
		return false
	}
	for _, name := range o.required {
		if _, ok := out[name]; !ok {
			return false
		}
	}
	for _, p := range o.lists {
		if list, ok := out[p.name].([]any); ok && (!p.value.direct || uint64(len(list)) < p.minItems) {
			return false
		}
	}
	return true
}

// xmlProp is a property as an element: its value's schema (unwrapped), or for an unwrapped array
// its items' schema.
type xmlProp struct {
	name          string
	index         int // its place among the object's properties
	schema, items *openapi3.Schema
	// value judges the property's value as surelyValidNode does, item an unwrapped array's items;
	// minItems is the array's least length.
	value, item xmlJudge
	minItems    uint64
}

// xmlJudge is what surelyValidNode reads of a schema a value is decoded for: the schema as
// declared, with its facts, and whether surelyValidNode's walk down its one-member allOf
// wrappers ends at the schema decodeXMLDirect reads the value with (direct).
type xmlJudge struct {
	declared *openapi3.Schema
	facts    *schemaFacts
	direct   bool
}

func judgeOf(declared, read *openapi3.Schema) xmlJudge {
	j := xmlJudge{declared: declared, facts: factsOf(declared)}
	s, f := declared, j.facts
	for f.shape == shapeWrapper {
		s, f = f.child.s, f.child.facts()
	}
	j.direct = s == read
	return j
}

var xmlObjects schemaCache[*xmlObject] // nil for a schema decodeXMLDirect leaves to the tree

// xmlObjectOf is s's xmlObject, when every property is an element (no attribute, no text) with
// its own XML name, of a scalar or object schema or an unwrapped array of them; nil otherwise.
func xmlObjectOf(s *openapi3.Schema) *xmlObject { return xmlObjects.get(s, buildXMLObject) }

func buildXMLObject(s *openapi3.Schema) *xmlObject {
	props := cachedProperties(s)
	if len(props) == 0 {
		return nil // additional properties and dictionaries: the tree's
	}
	obj := &xmlObject{props: map[string]*xmlProp{}, names: map[string]bool{}, plain: factsOf(s).shape == shapeObject, required: s.Required}
	for _, p := range props {
		if p.attr || p.text || obj.props[p.xmlName] != nil {
			return nil
		}
		xp := &xmlProp{name: p.name, index: len(obj.props), schema: unwrap(p.schema)}
		xp.value = judgeOf(p.schema, xp.schema)
		if xp.schema.Type.Is("array") {
			if isWrapped(p.schema) || xp.schema.Items == nil || xp.schema.Items.Value == nil {
				return nil
			}
			xp.items = unwrap(xp.schema.Items.Value)
			if xp.items.Type.Is("array") {
				return nil
			}
			// The array as surelyValidNode reads it: its items' schema as declared.
			xp.value.direct = xp.value.direct && factsOf(xp.schema).shape == shapeArray
			xp.item, xp.minItems = judgeOf(xp.schema.Items.Value, xp.items), xp.schema.MinItems
			obj.lists = append(obj.lists, xp)
		}
		obj.props[p.xmlName] = xp
		obj.names[p.name], obj.names[p.xmlName] = true, true
	}
	return obj
}
