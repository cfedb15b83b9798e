package contract

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// ToXML writes v, a value in the JSON shape of schema s, as the XML document s describes: the
// inverse of FromXML, and the one XML writer of the mocks (answers and error bodies alike).
//
//   - The root element is named by s's xml name; an array schema at the root is the wrapper of
//     its items (<ArrayOfstring><string>...</string></ArrayOfstring>).
//   - An element is in the namespace its schema's xml object names, declared (xmlns="...") where
//     it differs from its parent's; an element whose schema names none stays in its parent's.
//   - An object's declared properties come first, in x-order then by name, as attributes, the
//     element's text or child elements as their generator's xml tags say (the reading FromXML
//     makes); members the schema does not declare follow by name as child elements, as FromXML
//     keeps them. Absent and null members are left out.
//   - An array property is one element per item named like the property, or with xml.wrapped a
//     wrapper named like the property around items named by the items' xml name.
//
// Nothing precedes the root element (no XML declaration). Text is escaped as encoding/xml
// escapes it.
func ToXML(s *openapi3.Schema, v any) ([]byte, error) {
	name := xmlRootName(s)
	if name == "" {
		return nil, fmt.Errorf("the schema names no root element (xml.name)")
	}
	var buf bytes.Buffer
	w := xmlWriter{buf: &buf}
	var err error
	if items, ok := v.([]any); ok && unwrap(s).Type.Is("array") {
		err = w.wrapped(name, s, items, "")
	} else {
		err = w.element(name, s, v, "")
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type xmlWriter struct{ buf *bytes.Buffer }

// namespace is the namespace of an element of schema s whose parent is in parentNS.
func namespace(s *openapi3.Schema, parentNS string) string {
	if s != nil && s.XML != nil && s.XML.Namespace != "" {
		return s.XML.Namespace
	}
	return parentNS
}

// start opens the start tag of name, declaring namespace ns where it is not the parent's; the
// caller writes the attributes and closes the tag.
func (w xmlWriter) start(name, ns, parentNS string) {
	w.buf.WriteString("<" + name)
	if ns != parentNS {
		w.buf.WriteString(` xmlns="`)
		xml.EscapeText(w.buf, []byte(ns))
		w.buf.WriteString(`"`)
	}
}

// element writes v as the element name of schema s (nil: no schema, as for undeclared members).
func (w xmlWriter) element(name string, s *openapi3.Schema, v any, parentNS string) error {
	if s != nil {
		s = unwrap(s)
	}
	ns := namespace(s, parentNS)
	w.start(name, ns, parentNS)
	obj, isObj := v.(map[string]any)
	if !isObj {
		w.buf.WriteString(">")
		if v != nil {
			if err := writeText(w.buf, v); err != nil {
				return fmt.Errorf("<%s>: %w", name, err)
			}
		}
		w.buf.WriteString("</" + name + ">")
		return nil
	}
	var props []property
	if s != nil {
		props = orderedProperties(s)
	}
	for _, p := range props {
		if x, ok := obj[p.name]; ok && x != nil && p.attr {
			w.buf.WriteString(" " + p.xmlName + `="`)
			if err := writeText(w.buf, x); err != nil {
				return fmt.Errorf("<%s %s>: %w", name, p.xmlName, err)
			}
			w.buf.WriteString(`"`)
		}
	}
	w.buf.WriteString(">")
	declared := make(map[string]bool, len(props))
	for _, p := range props {
		declared[p.name] = true
		x, ok := obj[p.name]
		if !ok || x == nil || p.attr {
			continue
		}
		if p.text {
			if err := writeText(w.buf, x); err != nil {
				return fmt.Errorf("<%s>: %w", name, err)
			}
			continue
		}
		if err := w.member(p.xmlName, p.schema, x, ns); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if x := obj[k]; !declared[k] && x != nil {
			if err := w.member(k, nil, x, ns); err != nil {
				return err
			}
		}
	}
	w.buf.WriteString("</" + name + ">")
	return nil
}

// member writes the value of one object member: an array as one element per item (or, with
// xml.wrapped, a wrapper around them), anything else as one element.
func (w xmlWriter) member(name string, s *openapi3.Schema, v any, parentNS string) error {
	items, ok := v.([]any)
	if !ok || s != nil && !unwrap(s).Type.Is("array") {
		return w.element(name, s, v, parentNS)
	}
	if s != nil && isWrapped(s) {
		return w.wrapped(name, s, items, parentNS)
	}
	itemSchema := xmlItems(s)
	for _, item := range items {
		if err := w.element(name, itemSchema, item, parentNS); err != nil {
			return err
		}
	}
	return nil
}

// wrapped writes items inside a wrapper element name of array schema s, each item named by the
// items' xml name ("item" when they have none).
func (w xmlWriter) wrapped(name string, s *openapi3.Schema, items []any, parentNS string) error {
	ns := namespace(s, parentNS)
	w.start(name, ns, parentNS)
	w.buf.WriteString(">")
	itemSchema, itemName := xmlItems(s), "item"
	if itemSchema != nil && itemSchema.XML != nil && itemSchema.XML.Name != "" {
		itemName = itemSchema.XML.Name
	}
	for _, item := range items {
		if err := w.element(itemName, itemSchema, item, ns); err != nil {
			return err
		}
	}
	w.buf.WriteString("</" + name + ">")
	return nil
}

func xmlItems(s *openapi3.Schema) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if is := unwrap(s).Items; is != nil && is.Value != nil {
		return is.Value
	}
	return nil
}

// orderedProperties are s's properties in the order the generator writes them: x-order, then name.
func orderedProperties(s *openapi3.Schema) []property {
	props := slices.Clone(cachedProperties(s))
	order := func(p property) float64 {
		switch n := p.schema.Extensions["x-order"].(type) {
		case float64:
			return n
		case json.Number:
			f, _ := n.Float64()
			return f
		}
		return 1e9
	}
	slices.SortFunc(props, func(a, b property) int {
		return cmp.Or(cmp.Compare(order(a), order(b)), cmp.Compare(a.name, b.name))
	})
	return props
}

func writeText(buf *bytes.Buffer, v any) error {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		s = x.String()
	case bool:
		s = strconv.FormatBool(x)
	default:
		return fmt.Errorf("%T is no XML text", v)
	}
	return xml.EscapeText(buf, []byte(s))
}
