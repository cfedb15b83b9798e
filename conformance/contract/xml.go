package contract

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"
)

// Limits of the XML decoder. The vendors' documents are a few levels deep and a few hundred
// elements long; anything far beyond is refused before it costs memory (deep nesting, attribute
// floods).
const (
	maxXMLDepth      = 32
	maxXMLElements   = 100_000
	maxXMLAttributes = 64
)

// XMLSyntaxError is an XML document that does not parse, with the position the vendor's
// "XML parse error. x at line y, column z" needs.
type XMLSyntaxError struct {
	Msg          string
	Line, Column int
}

func (e *XMLSyntaxError) Error() string {
	return fmt.Sprintf("%s at line %d, column %d", e.Msg, e.Line, e.Column)
}

// ErrXMLNotAllowed is a document that parses but uses what the decoder refuses: a DOCTYPE (the
// door to entity expansion), or more depth, elements or attributes than the limits.
var ErrXMLNotAllowed = errors.New("XML construct not allowed")

// XMLPositionError is a document refused for a reason other than its syntax (ErrXMLNotAllowed, an
// unsupported encoding, a read error, a root element the schema does not name), with the position
// where the parser stopped or of the element at fault. Its text is the reason alone.
type XMLPositionError struct {
	Err          error
	Line, Column int
}

func (e *XMLPositionError) Error() string { return e.Err.Error() }
func (e *XMLPositionError) Unwrap() error { return e.Err }

// element is one parsed XML element, with the 1-based line and column of its start tag's '<'.
type element struct {
	name      xml.Name
	attrs     []xml.Attr
	children  []*element
	text      string // its character data, every run of it joined
	line, col int
}

// ParseXML reads one XML document into an element tree, refusing DOCTYPE declarations and
// documents beyond the decoder's limits. Syntax errors are *XMLSyntaxError with 1-based line and
// column.
func ParseXML(r io.Reader) (*element, error) {
	cr := &positionReader{r: byteReader(r), line: 1, col: 1}
	dec := xml.NewDecoder(cr)
	dec.Strict = true
	// Only the five predefined entities exist; an undeclared one is a syntax error, never a lookup.
	dec.Entity = nil
	// Older XML clients declare ISO-8859-1 or windows-1252; encoding/xml reads only UTF-8.
	dec.CharsetReader = charsetReader
	var root *element
	var stack []*element
	var texts [][]byte // the text of each element on the stack
	count := 0
	stopped := func(err error) error {
		return &XMLPositionError{Err: err, Line: cr.line, Column: cr.column()}
	}
	for {
		// Where the next token starts: the reader's position now, or the byte it read last when
		// the decoder put that back (see positionReader.at).
		off, before := dec.InputOffset(), *cr
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if root == nil {
				return nil, &XMLSyntaxError{Msg: "no root element", Line: cr.line, Column: cr.column()}
			}
			if len(stack) > 0 {
				return nil, &XMLSyntaxError{Msg: fmt.Sprintf("element <%s> not closed", stack[len(stack)-1].name.Local), Line: cr.line, Column: cr.column()}
			}
			return root, nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &XMLSyntaxError{Msg: se.Msg, Line: cr.line, Column: cr.column()}
			}
			return nil, stopped(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			switch {
			case root != nil && len(stack) == 0:
				return nil, &XMLSyntaxError{Msg: "more than one root element", Line: cr.line, Column: cr.column()}
			case len(stack) >= maxXMLDepth:
				return nil, stopped(fmt.Errorf("%w: nesting deeper than %d", ErrXMLNotAllowed, maxXMLDepth))
			case count > maxXMLElements:
				return nil, stopped(fmt.Errorf("%w: more than %d elements", ErrXMLNotAllowed, maxXMLElements))
			case len(t.Attr) > maxXMLAttributes:
				return nil, stopped(fmt.Errorf("%w: more than %d attributes on <%s>", ErrXMLNotAllowed, maxXMLAttributes, t.Name.Local))
			}
			e := &element{name: t.Name, attrs: t.Copy().Attr}
			e.line, e.col = before.at(off)
			if len(stack) == 0 {
				root = e
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, e)
			}
			stack = append(stack, e)
			texts = append(texts, nil)
		case xml.EndElement:
			top := len(stack) - 1
			stack[top].text = string(texts[top])
			stack, texts = stack[:top], texts[:top]
		case xml.CharData:
			if len(stack) > 0 {
				texts[len(texts)-1] = append(texts[len(texts)-1], t...)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, &XMLSyntaxError{Msg: "text outside the root element", Line: cr.line, Column: cr.column()}
			}
		case xml.Directive:
			return nil, stopped(fmt.Errorf("%w: <!%s", ErrXMLNotAllowed, firstWord(string(t))))
		}
	}
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// positionReader tracks the line and column of the bytes read so far. encoding/xml reports only
// the line of a syntax error; the vendor's message wants the column too.
//
// It is an io.ByteReader, so encoding/xml takes its bytes one at a time without buffering ahead
// of it: the position is exact when the decoder stops on an error. (An io.Reader returning one
// byte per Read did the same through the decoder's own bufio, at a call chain per byte that made
// XML parsing most of an iovox exchange's validation time.)
type positionReader struct {
	r         io.ByteReader
	line, col int
	// n counts the bytes read; prevLine and prevCol are the position of the last one.
	n                 int64
	prevLine, prevCol int
}

// at is the position of the byte at offset off, the decoder's InputOffset before a token: the next
// byte to read, or the last one read when the decoder has read it and put it back (the '<' that
// ends text).
func (p *positionReader) at(off int64) (line, col int) {
	if p.n == off+1 {
		return p.prevLine, p.prevCol
	}
	return p.line, p.col
}

// byteReader reads r a byte at a time. ParseXML never reads past the byte it stopped at, which
// callers rely on to place errors the parser reports without a position (iovox's mock counts the
// bytes read), so a reader without ReadByte is read one byte per call rather than buffered ahead.
// Bodies from kin-openapi are bytes.Readers and take the fast path.
func byteReader(r io.Reader) io.ByteReader {
	if br, ok := r.(io.ByteReader); ok {
		return br
	}
	return &oneByteReader{r: r}
}

type oneByteReader struct {
	r   io.Reader
	buf [1]byte
}

func (o *oneByteReader) ReadByte() (byte, error) {
	for {
		n, err := o.r.Read(o.buf[:])
		if n == 1 {
			return o.buf[0], nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// column is the column of the last character read: where the decoder stood when it failed.
func (p *positionReader) column() int { return max(1, p.col-1) }

func (p *positionReader) ReadByte() (byte, error) {
	c, err := p.r.ReadByte()
	if err == nil {
		p.n++
		p.prevLine, p.prevCol = p.line, p.col
		if c == '\n' {
			p.line++
			p.col = 1
		} else if c&0xC0 != 0x80 { // count characters, not UTF-8 continuation bytes
			p.col++
		}
	}
	return c, err
}

// Read serves a CharsetReader (the decoder hands it the reader it was given): a byte at a time,
// so the position stays that of the bytes consumed.
func (p *positionReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c, err := p.ReadByte()
	if err != nil {
		return 0, err
	}
	b[0] = c
	return 1, nil
}

// XMLDecoder is a kin-openapi BodyDecoder for XML bodies: it maps the document onto the JSON shape
// its schema describes, so that kin-openapi validates it like any JSON body.
func XMLDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	root, err := ParseXML(body)
	if err != nil {
		return nil, err
	}
	if err := checkDictionaries(root); err != nil {
		return nil, err
	}
	return FromXML(root, schema)
}

// FromXML converts an element tree to the JSON-shaped value its schema describes. Elements and
// attributes the schema does not declare are kept under their own names, so that validation and
// drift detection see them.
func FromXML(root *element, schema *openapi3.SchemaRef) (any, error) {
	if schema == nil || schema.Value == nil {
		return strings.TrimSpace(root.text), nil
	}
	if want := xmlRootName(schema.Value); want != "" && root.name.Local != want {
		return nil, &XMLPositionError{Err: fmt.Errorf("root element is <%s>, the schema's is <%s>", root.name.Local, want), Line: root.line, Column: root.col}
	}
	return convert(root, schema.Value), nil
}

func xmlRootName(s *openapi3.Schema) string {
	if s.XML != nil {
		return s.XML.Name
	}
	return ""
}

func convert(e *element, s *openapi3.Schema) any {
	if isNil(e) {
		return nil
	}
	s = unwrap(s)
	switch {
	case s.Type.Is("array"):
		// An array at this level is a wrapper (<ArrayOfstring>): every child is an item.
		items := make([]any, 0, len(e.children))
		for _, c := range e.children {
			items = append(items, convertRef(c, s.Items))
		}
		return items
	case isObject(s):
		return convertObject(e, s)
	default:
		return scalar(e.text, s)
	}
}

func convertRef(e *element, ref *openapi3.SchemaRef) any {
	if ref == nil || ref.Value == nil {
		if len(e.children) > 0 {
			return convertObject(e, &openapi3.Schema{})
		}
		return e.text
	}
	return convert(e, ref.Value)
}

// unwrap sees through the one-member allOf the specs use to give a referenced schema its own xml
// tag and order (allOf: [$ref: Flag]).
func unwrap(s *openapi3.Schema) *openapi3.Schema {
	for s.Type == nil && len(s.Properties) == 0 && len(s.AllOf) == 1 && s.AllOf[0].Value != nil {
		s = s.AllOf[0].Value
	}
	return s
}

// isWrapped reports whether an array property's items sit inside one element named like the
// property (OpenAPI xml.wrapped) rather than each being named like it.
func isWrapped(s *openapi3.Schema) bool {
	return s.XML != nil && s.XML.Wrapped || unwrap(s).XML != nil && unwrap(s).XML.Wrapped
}

func isObject(s *openapi3.Schema) bool {
	return s.Type.Is("object") || len(s.Properties) > 0 || len(s.AllOf) > 0
}

// property is how one schema property appears in XML.
type property struct {
	name, xmlName string
	attr, text    bool
	schema        *openapi3.Schema
}

func propertiesOf(s *openapi3.Schema) []property {
	var out []property
	for name, ref := range allProperties(s) {
		if ref.Value == nil {
			continue
		}
		p := property{name: name, xmlName: name, schema: ref.Value}
		if x := ref.Value.XML; x != nil {
			if x.Name != "" {
				p.xmlName = x.Name
			}
			p.attr = x.Attribute
		}
		// The generator's struct tag is what actually goes on the wire: "status,attr",
		// ",chardata", "ns contact_id,omitempty".
		if tags, ok := ref.Value.Extensions["x-oapi-codegen-extra-tags"].(map[string]any); ok {
			if tag, ok := tags["xml"].(string); ok {
				name, opts, _ := strings.Cut(tag, ",")
				if f := strings.Fields(name); len(f) > 0 {
					p.xmlName = f[len(f)-1]
				}
				for _, o := range strings.Split(opts, ",") {
					p.attr = p.attr || o == "attr"
					p.text = p.text || o == "chardata"
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// allProperties merges properties of a schema and its allOf members.
func allProperties(s *openapi3.Schema) openapi3.Schemas {
	if len(s.AllOf) == 0 {
		return s.Properties
	}
	merged := openapi3.Schemas{}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			for k, v := range allProperties(sub.Value) {
				merged[k] = v
			}
		}
	}
	for k, v := range s.Properties {
		merged[k] = v
	}
	return merged
}

func convertObject(e *element, s *openapi3.Schema) any {
	props := cachedProperties(s)
	out := make(map[string]any, len(e.children)+len(e.attrs))
	// claimed[i]: e.children[i] is a declared property's; claimedAttr: attribute names likewise.
	claimed := make([]bool, len(e.children))
	var claimedAttr []string
	for _, p := range props {
		switch {
		case p.attr:
			for _, a := range e.attrs {
				if a.Name.Local == p.xmlName {
					out[p.name] = scalar(a.Value, p.schema)
					claimedAttr = append(claimedAttr, a.Name.Local)
				}
			}
		case p.text:
			out[p.name] = scalar(e.text, p.schema)
		default:
			var first *element
			var matches []*element // when there are several
			for i, c := range e.children {
				if c.name.Local == p.xmlName {
					if first == nil {
						first = c
					} else {
						if matches == nil {
							matches = []*element{first}
						}
						matches = append(matches, c)
					}
					claimed[i] = true
				}
			}
			switch {
			case first == nil:
			case unwrap(p.schema).Type.Is("array"):
				if matches == nil {
					if !isWrapped(p.schema) {
						out[p.name] = []any{convertRef(first, unwrap(p.schema).Items)}
						break
					}
					matches = first.children // <tags><tag/><tag/></tags>: the items are inside
				}
				items := make([]any, 0, len(matches))
				for _, m := range matches {
					items = append(items, convertRef(m, unwrap(p.schema).Items))
				}
				out[p.name] = items
			case matches == nil:
				out[p.name] = convert(first, p.schema)
			default:
				// A single-valued property sent several times: keep them all, so validation
				// reports the type mismatch instead of one value winning silently.
				items := make([]any, 0, len(matches))
				for _, m := range matches {
					items = append(items, convert(m, p.schema))
				}
				out[p.name] = items
			}
		}
	}
	if len(props) == 0 && s.AdditionalProperties.Schema != nil || s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has && len(props) == 0 {
		if m, ok := keyValuePairs(e); ok {
			return m
		}
	}
	// Undeclared elements and attributes stay visible under their own names.
	for i, c := range e.children {
		if claimed[i] {
			continue
		}
		var v any = c.text
		if len(c.children) > 0 {
			v = convertObject(c, &openapi3.Schema{})
		}
		if prev, dup := out[c.name.Local]; dup {
			if list, ok := prev.([]any); ok {
				out[c.name.Local] = append(list, v)
			} else {
				out[c.name.Local] = []any{prev, v}
			}
		} else {
			out[c.name.Local] = v
		}
	}
	for _, a := range e.attrs {
		if slices.Contains(claimedAttr, a.Name.Local) || a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space == xsiNamespace {
			continue
		}
		out[a.Name.Local] = a.Value
	}
	return out
}

const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// keyValuePairs reads a .NET DataContract dictionary (<KeyValueOfstringanyType><Key>k</Key>
// <Value>v</Value></KeyValueOfstringanyType>...) as a JSON object.
func keyValuePairs(e *element) (map[string]any, bool) {
	out := map[string]any{}
	for _, c := range e.children {
		if !strings.HasPrefix(c.name.Local, "KeyValueOf") {
			return nil, false
		}
		var key *element
		var value any
		for _, kv := range c.children {
			switch kv.name.Local {
			case "Key":
				key = kv
			case "Value":
				if isNil(kv) {
					value = nil
				} else if len(kv.children) > 0 {
					value = convertObject(kv, &openapi3.Schema{})
				} else {
					value, _ = dataContractValue(kv)
				}
			}
		}
		if key == nil {
			return nil, false
		}
		out[key.text] = value
	}
	return out, true
}

func isNil(e *element) bool {
	for _, a := range e.attrs {
		if a.Name.Local == "nil" && a.Name.Space == xsiNamespace && a.Value == "true" {
			return true
		}
	}
	return false
}

// scalar converts text to the schema's type where it parses; text that does not parse stays a
// string, so validation reports the mismatch instead of the decoder hiding it.
func scalar(text string, s *openapi3.Schema) any {
	s = unwrap(s)
	switch {
	case s.Type.Is("integer"):
		if n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil {
			return n
		}
	case s.Type.Is("number"):
		if f, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil {
			return f
		}
	case s.Type.Is("boolean"):
		if b, err := strconv.ParseBool(strings.TrimSpace(text)); err == nil {
			return b
		}
	}
	return text
}

// charsetReader decodes a document that declares an encoding other than UTF-8, by its IANA name.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, err := ianaindex.IANA.Encoding(label)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	return transform.NewReader(input, enc.NewDecoder()), nil
}
