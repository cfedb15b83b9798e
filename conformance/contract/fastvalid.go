package contract

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// surelyValid reports whether v is valid against s when s is a simple scalar schema (a type, maybe
// nullable, an enum, a format kin-openapi knows, string length bounds, a pattern Go's regexp reads
// as it is, nothing else) and v is clearly valid: a null
// where s is nullable, or a value of s's type in its enum, passing its format. Any other schema
// or value, and every invalid one, gets false, and kin-openapi then judges it and says why: this
// only spares it the valid values of flat bodies, where its per-call set-up dominated.
func surelyValid(s *openapi3.Schema, v any) bool { return surelyValidAs(s, factsOf(s), v) }

// surelyValidAs is surelyValid with s's facts at hand.
func surelyValidAs(s *openapi3.Schema, f *schemaFacts, v any) bool {
	if !f.simple {
		return false
	}
	if v == nil {
		return s.Nullable
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		return false
	}
	switch x := v.(type) {
	case string:
		if !s.Type.Is(openapi3.TypeString) {
			return false
		}
		if s.MinLength != 0 || s.MaxLength != nil {
			// kin-openapi counts the runes (its UTF-16 count meets no surrogate in a Go string).
			n := uint64(utf8.RuneCountInString(x))
			if n < s.MinLength || s.MaxLength != nil && n > *s.MaxLength {
				return false
			}
		}
		if s.Pattern != "" && !f.pattern.MatchString(x) {
			return false
		}
		if s.Format != "" {
			f, ok := openapi3.SchemaStringFormats[s.Format]
			return ok && f.Validate(x) == nil
		}
		return true
	case bool:
		return s.Type.Is(openapi3.TypeBoolean)
	case json.Number:
		if !s.Type.Is(openapi3.TypeInteger) || s.Format != "" && s.Format != "int64" && s.Format != "int32" {
			return false
		}
		n, err := strconv.ParseInt(string(x), 10, 64)
		return err == nil && (s.Format != "int32" || n >= math.MinInt32 && n <= math.MaxInt32)
	}
	return false
}

// schemaFacts are what surelyValid and surelyValidTree know of a schema, found once.
type schemaFacts struct {
	simple bool // isSimpleScalar
	shape  shape
	// pattern is s's pattern compiled as kin-openapi compiles it, for a simple string schema.
	pattern stringMatcher
	// intEnum: an integer schema that would be simple but for its enum of numbers, which a
	// parameter's value (parsed, not a json.Number) is compared with as kin-openapi compares
	// numbers.
	intEnum bool
	// The schemas surelyValidTree descends to, with their facts once asked, so that a walk down a
	// value looks each part's facts up here rather than in the process-wide cache: an object's
	// properties by name, an array's items or a wrapper's member (child).
	props map[string]*part
	child *part
	// anyExtra: an object whose additionalProperties schema says nothing ({}), which kin-openapi
	// reads as any value but null (Which50's Values).
	anyExtra bool
}

// part is a schema surelyValidTree descends to.
type part struct {
	s *openapi3.Schema
	f atomic.Pointer[schemaFacts]
}

func (p *part) facts() *schemaFacts {
	if f := p.f.Load(); f != nil {
		return f
	}
	f := factsOf(p.s)
	p.f.Store(f) // another goroutine may store the same facts: the cache gives one value per schema
	return f
}

var facts sync.Map // *openapi3.Schema -> *schemaFacts

func factsOf(s *openapi3.Schema) *schemaFacts {
	if v, ok := facts.Load(s); ok {
		return v.(*schemaFacts)
	}
	f := &schemaFacts{simple: isSimpleScalar(s), shape: shapeOfSchema(s), anyExtra: objectOfAnything(s)}
	switch f.shape {
	case shapeObject:
		f.props = make(map[string]*part, len(s.Properties))
		for name, ref := range s.Properties {
			f.props[name] = &part{s: ref.Value}
		}
	case shapeArray:
		f.child = &part{s: s.Items.Value}
	case shapeWrapper:
		f.child = &part{s: s.AllOf[0].Value}
	}
	if f.simple && s.Pattern != "" {
		f.pattern = compilePattern(s.Pattern) // isSimpleScalar compiled it
	}
	if !f.simple && s.Type.Is(openapi3.TypeInteger) && len(s.Enum) > 0 {
		c := *s
		c.Enum = nil
		f.intEnum = isSimpleScalar(&c) && (s.Format == "" || s.Format == "int32" || s.Format == "int64")
		for _, e := range s.Enum {
			if _, ok := enumNumber(e); !ok {
				f.intEnum = false
			}
		}
	}
	v, _ := facts.LoadOrStore(s, f)
	return v.(*schemaFacts)
}

// isSimpleScalar reports whether s constrains a value only by type, nullability, enum, format,
// string length and a pattern Go's regexp reads as it is.
func isSimpleScalar(s *openapi3.Schema) bool {
	t := s.Type.Slice()
	simple := len(t) == 1 && (t[0] == openapi3.TypeString || t[0] == openapi3.TypeBoolean || t[0] == openapi3.TypeInteger) &&
		len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 && s.Not == nil && s.Min == nil && s.Max == nil && s.MultipleOf == nil && !s.ReadOnly && !s.WriteOnly
	if s.Pattern != "" {
		// kin-openapi compiles a pattern with Go's regexp after rewriting \uXXXX escapes; one
		// without them, on a string, is the same regexp here. Others are left to it.
		_, err := regexp.Compile(s.Pattern)
		simple = simple && t[0] == openapi3.TypeString && !strings.Contains(s.Pattern, `\u`) && err == nil
	}
	if simple {
		// Enum members are compared as decoded values; integers come as json.Number, which an
		// enum of numbers would not equal, so only string and boolean enums are simple (with
		// the null of a nullable one's list, which surelyValid's nullability settles first).
		for _, e := range s.Enum {
			switch e.(type) {
			case string, bool, nil:
			default:
				simple = false
			}
		}
	}
	return simple
}

// surelyValidTree is surelyValid for a value with structure: an object of a plain object schema
// (see plainObject; or objectOfAnything, its undeclared values not null), an array whose schema
// says no more than its items and a least length, or a value of a schema that is one allOf member
// and notes, is taken apart and each part judged on its own, which is what kin-openapi's visit of
// such a schema does; a scalar part is judged by surelyValid, else by kin-openapi itself. So a
// valid contact list is judged without kin-openapi's object visit, which sorts the property names
// of every object on every call. false (anything invalid, or a schema of another kind) sends the
// whole value to kin-openapi, whose errors stay the reference.
func surelyValidTree(s *openapi3.Schema, v any, depth int) bool {
	return surelyValidNode(s, factsOf(s), v, depth)
}

// surelyValidNode is surelyValidTree with s's facts at hand.
func surelyValidNode(s *openapi3.Schema, f *schemaFacts, v any, depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	if v == nil && s.Nullable {
		return true // kin-openapi's first check: a null where null is allowed, whatever else s says
	}
	for f.shape == shapeWrapper {
		if v == nil {
			return false // null against a wrapper: its nullability is kin-openapi's to judge
		}
		s, f = f.child.s, f.child.facts()
	}
	switch x := v.(type) {
	case map[string]any:
		if f.shape != shapeObject {
			return false
		}
		for name, pv := range x {
			p := f.props[name]
			if p == nil && f.anyExtra && pv == nil || p != nil && !surelyValidNode(p.s, p.facts(), pv, depth+1) {
				return false
			}
		}
		for _, name := range s.Required {
			if _, ok := x[name]; !ok {
				return false
			}
		}
		return true
	case []any:
		if f.shape != shapeArray || uint64(len(x)) < s.MinItems {
			return false
		}
		items, itemFacts := f.child.s, f.child.facts()
		for _, item := range x {
			if !surelyValidNode(items, itemFacts, item, depth+1) {
				return false
			}
		}
		return true
	}
	if f.simple && surelyValidAs(s, f, v) {
		return true
	}
	return s.VisitJSON(v, openapi3.VisitAsRequest(), openapi3.MultiErrors()) == nil
}

// shape is how surelyValidTree takes a schema apart.
type shape int

const (
	shapeOther   shape = iota
	shapeWrapper       // allOf with one member, and nothing else that validates
	shapeObject        // a plain object (plainObject) whose properties and notes are all it says
	shapeArray         // type array, items, maybe minItems, and nothing else that validates
)

// shapeOfSchema classifies s by clearing what surelyValidTree reads and what does not validate (notes,
// examples, defaults, XML names) from a copy: if nothing is left, no keyword it does not know
// (a bound, a pattern, a keyword of a later kin-openapi) is set.
func shapeOfSchema(s *openapi3.Schema) shape {
	c := withoutNotes(s)
	sh := shapeOther
	switch {
	case len(s.AllOf) == 1 && s.AllOf[0].Value != nil && s.Type == nil:
		c.AllOf = nil
		sh = shapeWrapper
	case s.Type.Is(openapi3.TypeObject) && len(s.Type.Slice()) == 1 && (plainObject(s) || objectOfAnything(s)):
		c.Type, c.Properties, c.Required, c.Nullable = nil, nil, nil, false
		if s.AdditionalProperties.Schema == nil && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) || objectOfAnything(s) {
			c.AdditionalProperties = openapi3.AdditionalProperties{}
		}
		sh = shapeObject
		for _, p := range s.Properties {
			if p == nil || p.Value == nil {
				sh = shapeOther
			}
		}
	case s.Type.Is(openapi3.TypeArray) && len(s.Type.Slice()) == 1 && s.Items != nil && s.Items.Value != nil:
		c.Type, c.Items, c.MinItems, c.Nullable = nil, nil, 0, false
		sh = shapeArray
	}
	if sh != shapeOther && !reflect.DeepEqual(c, openapi3.Schema{}) {
		sh = shapeOther
	}
	return sh
}

// objectOfAnything reports whether s is a plain object (plainObject) but for its
// additionalProperties, a schema that says nothing of a value but notes.
func objectOfAnything(s *openapi3.Schema) bool {
	extra := s.AdditionalProperties
	if extra.Schema == nil || extra.Schema.Value == nil || extra.Has != nil && !*extra.Has ||
		!reflect.DeepEqual(withoutNotes(extra.Schema.Value), openapi3.Schema{}) {
		return false
	}
	c := *s
	c.AdditionalProperties = openapi3.AdditionalProperties{}
	return isPlainObject(&c)
}

// enumNumber is an enum member that is a number, as float64 (how kin-openapi compares numbers).
func enumNumber(e any) (float64, bool) {
	switch n := e.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// Conforms reports whether v is valid against s as kin-openapi's VisitJSON judges it, asking
// kin-openapi only where surelyValidTree cannot tell: for a server's yes-or-no checks of values it
// holds, where kin-openapi's per-call set-up was most of the cost and its error is not wanted.
// (surelyValidTree judges as a request's visit does, which refuses more than VisitJSON's default
// and nothing less, so its yes is VisitJSON's too.)
func Conforms(s *openapi3.Schema, v any) bool {
	return surelyValidTree(s, v, 0) || s.VisitJSON(v) == nil
}

// withoutNotes is a copy of s without what does not validate a value: notes, examples, defaults,
// XML names, extensions.
func withoutNotes(s *openapi3.Schema) openapi3.Schema {
	c := *s
	c.Extensions, c.Origin, c.Title, c.Description, c.Default, c.Example, c.Examples = nil, nil, "", "", nil, nil, nil
	c.ExternalDocs, c.XML, c.Deprecated, c.Comment = nil, nil, false, ""
	return c
}
