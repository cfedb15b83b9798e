package main

import (
	"cmp"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
)

// This file reads from a vendor's spec the fields the load writes and what values they take, so
// that a property added to a request schema is written (and checked) by the load with no change
// here, and one removed is no longer sent.

// specFields lists the properties of schema s the load can give a new, unique value on every
// write, in the order the spec gives them (x-order, then name), leaving out those skip names:
//
//   - strings only, with no enum and no format but email (a date, a number in a string or a
//     binary has values of its own);
//   - the kind of value from the spec: letters when a pattern takes letters and not free text
//     (iovox's PersonName), an email address when the format is email or the document's
//     examples of the property are addresses, free text otherwise; a pattern neither satisfies
//     leaves the property out;
//   - a property whose examples are all codes (two or three capital letters: Valomnia's country
//     FR) is left out: codes are too few to give every write its own;
//   - so is a property whose value an adapter rule judges (a catalogue entry's `when` names it:
//     {on: rule, field: home_country}: iovox's country names), unless it takes an email address,
//     which any address check accepts: the load cannot make up values such a rule takes.
func specFields(doc *openapi3.T, s *openapi3.Schema, skip func(name string) bool) []field {
	examples := exampleStrings(doc)
	judged := map[string]bool{}
	catalogue, err := specs.ReadCatalogue(doc)
	if err != nil {
		panic(err) // the embedded specs' catalogues are linted by specs_test
	}
	for _, e := range catalogue {
		for _, c := range e.When {
			if c.On == specs.OnRule && c.Field != "" {
				judged[c.Field] = true
			}
		}
	}
	type prop struct {
		name  string
		order float64
		f     field
	}
	var props []prop
	for name, ref := range s.Properties {
		if ref.Value == nil || skip(name) {
			continue
		}
		p := unwrapAllOf(ref.Value)
		if !p.Type.Is(openapi3.TypeString) || len(p.Enum) > 0 || p.Format != "" && p.Format != "email" {
			continue
		}
		k, ok := valueKind(p, examples[name])
		if !ok || judged[name] && k != kindEmail {
			continue
		}
		order := 1e9
		switch o := ref.Value.Extensions["x-order"].(type) {
		case float64:
			order = o
		case json.Number:
			order, _ = o.Float64()
		}
		props = append(props, prop{name, order, field{name, k}})
	}
	slices.SortFunc(props, func(a, b prop) int { return cmp.Or(cmp.Compare(a.order, b.order), strings.Compare(a.name, b.name)) })
	out := make([]field, len(props))
	for i, p := range props {
		out[i] = p.f
	}
	return out
}

var code = regexp.MustCompile(`^[A-Z]{2,3}$`)

// valueKind is the kind of value a string property takes (see specFields); ok is false when the
// load has none that fits.
func valueKind(s *openapi3.Schema, examples []string) (kind, bool) {
	if len(examples) > 0 && !slices.ContainsFunc(examples, func(e string) bool { return !code.MatchString(e) }) {
		return 0, false
	}
	k := kindText
	if s.Format == "email" || len(examples) > 0 && !slices.ContainsFunc(examples, func(e string) bool { return !strings.Contains(e, "@") }) {
		k = kindEmail
	}
	if s.Pattern == "" {
		return k, true
	}
	re, err := regexp.Compile(s.Pattern)
	if err != nil {
		return 0, false
	}
	const token = "w12u345c6" // the shape of every token (see kind.value)
	for _, k := range []kind{k, kindLetters} {
		if re.MatchString(k.value(token)) {
			return k, true
		}
	}
	return 0, false
}

// unwrapAllOf sees through the one-member allOf the specs use to give a referenced schema its own
// tags (allOf: [$ref: PersonName]).
func unwrapAllOf(s *openapi3.Schema) *openapi3.Schema {
	for s.Type == nil && len(s.Properties) == 0 && len(s.AllOf) == 1 && s.AllOf[0].Value != nil {
		s = s.AllOf[0].Value
	}
	return s
}

// exampleStrings are the non-empty string values the document's examples give each property
// name: the schemas' own examples and those of request and response bodies, at any depth.
func exampleStrings(doc *openapi3.T) map[string][]string {
	out := map[string][]string{}
	var walk func(name string, v any)
	walk = func(name string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(k, x[k])
			}
		case []any:
			for _, e := range x {
				walk(name, e)
			}
		case string:
			if name != "" && x != "" && !slices.Contains(out[name], x) {
				out[name] = append(out[name], x)
			}
		}
	}
	content := func(c openapi3.Content) {
		for _, mt := range c {
			walk("", mt.Example)
			for _, ex := range mt.Examples {
				if ex.Value != nil {
					walk("", ex.Value.Value)
				}
			}
		}
	}
	for _, op := range specs.Operations(doc) {
		if rb := op.Operation.RequestBody; rb != nil && rb.Value != nil {
			content(rb.Value.Content)
		}
		for _, r := range op.Operation.Responses.Map() {
			if r.Value != nil {
				content(r.Value.Content)
			}
		}
	}
	if doc.Components != nil {
		for _, r := range doc.Components.Responses {
			if r.Value != nil {
				content(r.Value.Content)
			}
		}
		for _, ref := range doc.Components.Schemas {
			if ref.Value == nil {
				continue
			}
			for name, p := range ref.Value.Properties {
				if p.Value != nil {
					walk(name, p.Value.Example)
				}
			}
		}
	}
	return out
}

// mustShared is vendor's embedded spec, which loads or nothing in this module works.
func mustShared(vendor string) *openapi3.T {
	doc, err := specs.Shared(vendor)
	if err != nil {
		panic(err)
	}
	return doc
}
