package contract

import (
	"encoding/xml"
	"unicode/utf8"
)

// parseXMLFast builds the element tree ParseXML would build from data, for the plain documents
// request bodies are: an optional <?xml version="1.0" encoding="utf-8"?> declaration at the very
// start, elements with unprefixed ASCII names and unprefixed attributes, text with the five
// predefined entities, UTF-8, LF line ends. It gives up (ok false) on anything else (comments,
// CDATA, character references, namespaces, CR, other encodings) and on every error, and the caller
// then runs ParseXML, whose tree and error messages stay the reference: this only saves
// encoding/xml's per-token allocations on the common path, which were most of an iovox
// exchange's decoding. FuzzParseXMLFast holds it to ParseXML's results. An element name found
// in names (the spec's property and XML names) is names' string, not a copy.
func parseXMLFast(data []byte, names map[string]string) (*element, bool) {
	p := fastXML{data: data, line: 1, col: 1, names: names}
	if !p.declaration() {
		return nil, false
	}
	var root *element
	stack := make([]*element, 0, 8)
	// Text runs of the open elements, joined at their end tags: a leaf's one run is not copied
	// before it becomes the element's string.
	texts := make([]textRuns, 0, 8)
	count := 0
	for p.pos < len(p.data) {
		if p.data[p.pos] != '<' {
			text, ok := p.text()
			if !ok {
				return nil, false
			}
			if len(stack) == 0 {
				if !onlySpace(text) {
					return nil, false
				}
				continue
			}
			texts[len(texts)-1].add(text)
			continue
		}
		if p.pos+1 < len(p.data) && p.data[p.pos+1] == '/' {
			if len(stack) == 0 || !p.endTag(stack[len(stack)-1].name.Local) {
				return nil, false
			}
			top := len(stack) - 1
			stack[top].text = string(texts[top].b)
			stack, texts = stack[:top], texts[:top]
			continue
		}
		count++
		if root != nil && len(stack) == 0 || len(stack) >= maxXMLDepth || count > maxXMLElements {
			return nil, false
		}
		e := p.newElement()
		e.line, e.col = p.line, p.column()
		empty, ok := p.startTag(e)
		if !ok {
			return nil, false
		}
		if len(stack) == 0 {
			root = e
		} else {
			parent := stack[len(stack)-1]
			parent.children = append(parent.children, e)
		}
		if !empty {
			stack = append(stack, e)
			texts = append(texts, textRuns{})
		}
	}
	if root == nil || len(stack) > 0 {
		return nil, false
	}
	return root, true
}

// textRuns joins an element's runs of text. b is the first run as read (part of the document, or
// a run with entities replaced) until a second one comes.
type textRuns struct {
	b     []byte
	owned bool
}

func (t *textRuns) add(run []byte) {
	switch {
	case t.b == nil:
		t.b = run
	case !t.owned:
		t.b = append(append(make([]byte, 0, len(t.b)+len(run)), t.b...), run...)
		t.owned = true
	default:
		t.b = append(t.b, run...)
	}
}

// fastXML is parseXMLFast's position in its document: the byte offset, and the line and the
// offset where that line starts, for element positions as ParseXML counts them.
type fastXML struct {
	data      []byte
	pos       int
	line      int
	lineStart int
	// colAt and col: the column of the byte at colAt, counted so far on the current line.
	colAt, col int
	// elements are allocated a block at a time.
	block []element
	// names are the strings element names are looked up in before one is made.
	names map[string]string
}

func (p *fastXML) newElement() *element {
	if len(p.block) == 0 {
		p.block = make([]element, 16)
	}
	e := &p.block[0]
	p.block = p.block[1:]
	return e
}

// column is the 1-based column of the byte at p.pos, in characters. It counts on from the last
// column asked for on the same line, so that a long line costs its length once.
func (p *fastXML) column() int {
	if p.colAt < p.lineStart {
		p.colAt, p.col = p.lineStart, 1
	}
	for _, c := range p.data[p.colAt:p.pos] {
		if c&0xC0 != 0x80 {
			p.col++
		}
	}
	p.colAt = p.pos
	return p.col
}

// declaration skips the XML declaration when the document opens with one that ParseXML reads as
// UTF-8 XML 1.0 (each pseudo-attribute once, values of plain characters).
func (p *fastXML) declaration() bool {
	const open = "<?xml"
	if len(p.data) < len(open)+1 || string(p.data[:len(open)]) != open {
		return true
	}
	if c := p.data[len(open)]; c != ' ' && c != '\t' && c != '\n' {
		return true // another processing instruction (<?xml-stylesheet): not a declaration
	}
	p.pos = len(open)
	seen := map[string]bool{}
	for {
		if !p.spaces() {
			return false
		}
		if p.pos+1 < len(p.data) && p.data[p.pos] == '?' && p.data[p.pos+1] == '>' {
			p.pos += 2
			return true
		}
		name, ok := p.name()
		if !ok || seen[name] || p.pos >= len(p.data) || p.data[p.pos] != '=' {
			return false
		}
		seen[name] = true
		p.pos++
		if p.pos >= len(p.data) || p.data[p.pos] != '"' && p.data[p.pos] != '\'' {
			return false
		}
		quote := p.data[p.pos]
		start := p.pos + 1
		end := start
		for end < len(p.data) && p.data[end] != quote {
			if c := p.data[end]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
				return false
			}
			end++
		}
		if end == len(p.data) {
			return false
		}
		value := string(p.data[start:end])
		p.pos = end + 1
		switch name {
		case "version":
			if value != "1.0" {
				return false
			}
		case "encoding":
			if value != "utf-8" && value != "UTF-8" && value != "Utf-8" {
				return false
			}
		case "standalone":
			if value != "yes" && value != "no" {
				return false
			}
		default:
			return false
		}
	}
}

// spaces skips spaces, tabs and line feeds, counting lines; a carriage return gives up.
func (p *fastXML) spaces() bool {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t':
		case '\n':
			p.line++
			p.lineStart = p.pos + 1
		case '\r':
			return false
		default:
			return true
		}
		p.pos++
	}
	return true
}

// name reads an ASCII name without a prefix.
func (p *fastXML) name() (string, bool) {
	start := p.pos
	if !p.skipName() {
		return "", false
	}
	return string(p.data[start:p.pos]), true
}

// skipName moves past an ASCII name without a prefix.
func (p *fastXML) skipName() bool {
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || p.pos > start && (c >= '0' && c <= '9' || c == '.' || c == '-') {
			p.pos++
			continue
		}
		break
	}
	return p.pos > start
}

// startTag reads <name attr="value" ...> or <name .../> into e; empty is the latter.
func (p *fastXML) startTag(e *element) (empty, ok bool) {
	p.pos++ // <
	start := p.pos
	if !p.skipName() {
		return false, false
	}
	var known bool
	if e.name.Local, known = p.names[string(p.data[start:p.pos])]; !known {
		e.name.Local = string(p.data[start:p.pos])
	}
	for {
		if !p.spaces() || p.pos >= len(p.data) {
			return false, false
		}
		switch p.data[p.pos] {
		case '>':
			p.pos++
			return false, true
		case '/':
			if p.pos+1 >= len(p.data) || p.data[p.pos+1] != '>' {
				return false, false
			}
			p.pos += 2
			return true, true
		}
		var a xml.Attr
		if a.Name.Local, ok = p.name(); !ok || a.Name.Local == "xmlns" || len(e.attrs) == maxXMLAttributes {
			return false, false
		}
		if !p.spaces() || p.pos >= len(p.data) || p.data[p.pos] != '=' {
			return false, false
		}
		p.pos++
		if !p.spaces() || p.pos >= len(p.data) || p.data[p.pos] != '"' && p.data[p.pos] != '\'' {
			return false, false
		}
		quote := p.data[p.pos]
		p.pos++
		value, ok := p.chars(quote)
		if !ok || p.pos >= len(p.data) {
			return false, false
		}
		p.pos++ // the closing quote
		a.Value = string(value)
		e.attrs = append(e.attrs, a)
	}
}

// endTag reads </name> for the open element name.
func (p *fastXML) endTag(name string) bool {
	p.pos += 2 // </
	start := p.pos
	if !p.skipName() || string(p.data[start:p.pos]) != name || !p.spaces() || p.pos >= len(p.data) || p.data[p.pos] != '>' {
		return false
	}
	p.pos++
	return true
}

// text reads character data up to the next '<' or the end.
func (p *fastXML) text() ([]byte, bool) {
	return p.chars('<')
}

// chars reads characters up to stop (not consumed), the predefined entities replaced. It gives up
// on what ParseXML would refuse or read otherwise: '<' in an attribute value, other entities and
// character references, "]]>", CR, bytes that are not UTF-8 or not XML characters.
func (p *fastXML) chars(stop byte) ([]byte, bool) {
	start := p.pos
	var out []byte // nil while the text is the input's bytes as they are
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == stop:
			if out == nil {
				return p.data[start:p.pos], true
			}
			return out, true
		case c == '<':
			return nil, false
		case c == '&':
			r, n := predefinedEntity(p.data[p.pos:])
			if n == 0 {
				return nil, false
			}
			if out == nil {
				out = append(make([]byte, 0, p.pos-start+16), p.data[start:p.pos]...)
			}
			out = append(out, r)
			p.pos += n
			continue
		case c == ']':
			if p.pos+2 < len(p.data) && p.data[p.pos+1] == ']' && p.data[p.pos+2] == '>' {
				return nil, false
			}
		case c == '\n':
			p.line++
			p.lineStart = p.pos + 1
		case c == '\t':
		case c < 0x20:
			return nil, false // CR, and characters XML does not have
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size == 1 || !isInCharacterRange(r) {
				return nil, false
			}
			if out != nil {
				out = append(out, p.data[p.pos:p.pos+size]...)
			}
			p.pos += size
			continue
		}
		if out != nil {
			out = append(out, c)
		}
		p.pos++
	}
	if stop != '<' {
		return nil, false // an attribute value without its closing quote
	}
	if out == nil {
		return p.data[start:p.pos], true
	}
	return out, true
}

// predefinedEntity reads one of XML's five predefined entities at the start of b: its character
// and length, or a length of 0.
func predefinedEntity(b []byte) (byte, int) {
	for _, e := range [...]struct {
		name string
		r    byte
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if len(b) >= len(e.name) && string(b[:len(e.name)]) == e.name {
			return e.r, len(e.name)
		}
	}
	return 0, 0
}

// isInCharacterRange reports whether r is an XML 1.0 character (its Char production), as
// encoding/xml checks it.
func isInCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func onlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' {
			return false
		}
	}
	return true
}
