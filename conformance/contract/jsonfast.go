package contract

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// decodeJSONFast decodes one JSON value with nothing but whitespace after it, as
// json.Decoder with UseNumber would (objects as map[string]any, numbers as json.Number), for the
// plain documents request bodies are. It gives up (ok false) on anything else, syntax errors
// included, and the caller then asks encoding/json, whose answer and error messages stay the
// reference: this only saves encoding/json's reflection on the common path, which was the largest
// single cost of serving an update. FuzzDecodeJSONFast holds it to encoding/json's results.
// A member name found in names (the spec's property names) is names' string, not a copy.
func decodeJSONFast(data []byte, names map[string]string) (v any, ok bool) {
	buf := memberBufs.Get().(*[]member)
	d := fastDecoder{data: data, members: (*buf)[:0], names: names}
	defer func() {
		if cap(d.members) <= maxPooledMembers {
			clear(d.members[:cap(d.members)]) // the values are the caller's now
			*buf = d.members[:0]
			memberBufs.Put(buf)
		}
	}()
	d.space()
	v, ok = d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.pos == len(d.data)
}

// memberBufs are fastDecoder.members buffers, room for the objects of a body being read: one per
// decode, as a fresh one (or its growth) was most of what decoding allocated besides the value.
var memberBufs = sync.Pool{New: func() any { b := make([]member, 0, 32); return &b }}

// maxPooledMembers keeps the buffer of an exceptional body out of the pool.
const maxPooledMembers = 1024

type fastDecoder struct {
	data []byte
	pos  int
	// members holds the members of the objects being read, innermost last: an object's map is
	// made once its size is known, instead of growing member by member.
	members []member
	// names are strings a member name is looked up in before one is made for it: a body's
	// names are mostly its schema's, and each was an allocation.
	names map[string]string
}

type member struct {
	name  string
	value any
}

// maxFastDepth bounds nesting; deeper documents go to encoding/json.
const maxFastDepth = 512

func (d *fastDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *fastDecoder) value(depth int) (any, bool) {
	if d.pos >= len(d.data) || depth > maxFastDepth {
		return nil, false
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.string()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case d.literal("true"):
		return true, true
	case d.literal("false"):
		return false, true
	case d.literal("null"):
		return nil, true
	}
	return nil, false
}

func (d *fastDecoder) literal(word string) bool {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return true
	}
	return false
}

func (d *fastDecoder) object(depth int) (any, bool) {
	d.pos++ // {
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return map[string]any{}, true
	}
	start := len(d.members) // on failure the decoder is dropped, members and all
	for {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, false
		}
		k, ok := d.name()
		if !ok {
			return nil, false
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, false
		}
		d.pos++
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		d.members = append(d.members, member{k, v})
		d.space()
		if d.pos >= len(d.data) {
			return nil, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			obj := make(map[string]any, len(d.members)-start)
			for _, m := range d.members[start:] {
				obj[m.name] = m.value // a repeated name keeps its last value, as encoding/json does
			}
			clear(d.members[start:])
			d.members = d.members[:start]
			return obj, true
		default:
			return nil, false
		}
	}
}

func (d *fastDecoder) array(depth int) (any, bool) {
	d.pos++ // [
	arr := []any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return arr, true
	}
	for {
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		arr = append(arr, v)
		d.space()
		if d.pos >= len(d.data) {
			return nil, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return arr, true
		default:
			return nil, false
		}
	}
}

// name reads a member name: string's reading, the name taken from d.names when it is one.
func (d *fastDecoder) name() (string, bool) {
	raw, plain, ok := d.raw()
	switch {
	case !ok:
		return "", false
	case !plain:
		s, ok := unescape(raw)
		return s, ok
	}
	if s, ok := d.names[string(raw)]; ok { // no allocation: the conversion only looks up
		return s, true
	}
	return string(raw), true
}

// string reads a string whose escapes are all simple (see raw).
func (d *fastDecoder) string() (any, bool) {
	raw, plain, ok := d.raw()
	switch {
	case !ok:
		return nil, false
	case plain:
		return string(raw), true
	}
	s, ok := unescape(raw)
	if !ok {
		return nil, false
	}
	return s, true
}

// raw reads a string's bytes between its quotes, and whether they hold no escape; a \u escape of
// a surrogate, a control character or invalid UTF-8 gives up (encoding/json replaces some of
// those, and says where others fail).
func (d *fastDecoder) raw() (raw []byte, plain, ok bool) {
	d.pos++ // "
	start := d.pos
	plain = true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			raw := d.data[start:d.pos]
			d.pos++
			return raw, plain, true
		case c == '\\':
			plain = false
			d.pos += 2
		case c < 0x20:
			return nil, false, false
		case c < utf8.RuneSelf:
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size == 1 {
				return nil, false, false
			}
			d.pos += size
		}
	}
	return nil, false, false
}

func unescape(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			return "", false
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 >= len(raw) {
				return "", false
			}
			n, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 16)
			if err != nil || utf16.IsSurrogate(rune(n)) {
				return "", false
			}
			out = utf8.AppendRune(out, rune(n))
			i += 4
		default:
			return "", false
		}
	}
	return string(out), true
}

// number reads a number in JSON's grammar, kept as written (json.Number).
func (d *fastDecoder) number() (any, bool) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case digits() == 0:
		return nil, false
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return nil, false
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return json.Number(d.data[start:d.pos]), true
}

// propertyNames are the property and XML names of doc's schemas, the strings decodeJSONFast and
// parseXMLFast give the members and elements of a body that bear them.
func propertyNames(doc *openapi3.T) map[string]string {
	names := map[string]string{}
	seen := map[*openapi3.Schema]bool{}
	var visit func(ref *openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.XML != nil && s.XML.Name != "" {
			names[s.XML.Name] = s.XML.Name
		}
		for name, p := range s.Properties {
			names[name] = name
			visit(p)
		}
		for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf, {s.Items, s.Not, s.AdditionalProperties.Schema}} {
			for _, sub := range group {
				visit(sub)
			}
		}
	}
	if doc.Components != nil {
		for _, s := range doc.Components.Schemas {
			visit(s)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, media := range op.RequestBody.Value.Content {
					visit(media.Schema)
				}
			}
		}
	}
	return names
}
