package contract

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
)

// TestSurelyValidNeverOverrules: wherever surelyValid says valid, kin-openapi agrees, for every
// property schema of every vendor's specs and values of every JSON kind, valid and not.
func TestSurelyValidNeverOverrules(t *testing.T) {
	register()
	values := []any{nil, "", "x", "é", strings.Repeat("x", 255), strings.Repeat("é", 256), strings.Repeat("x", 256), "2001-08-01", "2001-02-30", "AUSTRALIA", "Atlantis", "Male", "male", true, false,
		json.Number("0"), json.Number("1.5"), json.Number("1e3"), json.Number("9223372036854775808"), json.Number("2147483648"),
		json.Number("-1"), []any{}, map[string]any{}}
	checked := 0
	for _, vendor := range specs.Vendors() {
		doc, err := specs.Shared(vendor)
		if err != nil {
			t.Fatal(err)
		}
		for name, ref := range doc.Components.Schemas {
			for prop, ps := range ref.Value.Properties {
				if ps.Value == nil {
					continue
				}
				for _, v := range values {
					if surelyValid(ps.Value, v) {
						checked++
						if err := ps.Value.VisitJSON(v, openapi3.VisitAsRequest()); err != nil {
							t.Errorf("%s %s.%s: surelyValid(%#v) but kin-openapi: %v", vendor, name, prop, v, err)
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no value was judged surely valid: the fast path is never taken")
	}
}

// sampleValue makes a value for s, valid or not: objects with a random part of their properties
// (and sometimes one the schema does not declare or a required one left out), arrays of zero to
// three items, scalars from pool and s's enum.
func sampleValue(s *openapi3.Schema, rng *rand.Rand, pool []any, depth int) any {
	if rng.IntN(12) == 0 || depth > 6 {
		return pool[rng.IntN(len(pool))]
	}
	switch {
	case len(s.AllOf) > 0 && s.AllOf[0].Value != nil:
		return sampleValue(s.AllOf[0].Value, rng, pool, depth+1)
	case s.Type.Is(openapi3.TypeObject):
		obj := map[string]any{}
		for name, ps := range s.Properties {
			if ps.Value != nil && rng.IntN(3) > 0 {
				obj[name] = sampleValue(ps.Value, rng, pool, depth+1)
			}
		}
		if rng.IntN(4) == 0 {
			obj["undeclared"] = pool[rng.IntN(len(pool))]
		}
		return obj
	case s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil:
		items := make([]any, rng.IntN(4))
		for i := range items {
			items[i] = sampleValue(s.Items.Value, rng, pool, depth+1)
		}
		return items
	case len(s.Enum) > 0 && rng.IntN(2) == 0:
		return s.Enum[rng.IntN(len(s.Enum))]
	}
	return pool[rng.IntN(len(pool))]
}

// TestSurelyValidTreeNeverOverrules: wherever surelyValidTree says valid, kin-openapi agrees, for
// every schema of every vendor's spec and values of their shape, valid and not.
func TestSurelyValidTreeNeverOverrules(t *testing.T) {
	register()
	pool := []any{nil, "", "x", "John", "447772412312", "0400", "United Kingdom", "GB", "TRUE", "true", "2001-08-01",
		"jsmith@iovox.com", true, json.Number("1"), json.Number("-1"), json.Number("1.5"), int64(3), float64(2.5),
		[]any{}, []any{"447772412312"}, []any{""}, map[string]any{}}
	rng := rand.New(rand.NewPCG(1, 2))
	structured := 0
	for _, vendor := range specs.Vendors() {
		doc, err := specs.Shared(vendor)
		if err != nil {
			t.Fatal(err)
		}
		for name, ref := range doc.Components.Schemas {
			for range 300 {
				v := sampleValue(ref.Value, rng, pool, 0)
				if !surelyValidTree(ref.Value, v, 0) {
					continue
				}
				if _, ok := v.(map[string]any); ok {
					structured++
				}
				if err := ref.Value.VisitJSON(v, openapi3.VisitAsRequest()); err != nil {
					t.Fatalf("%s %s: surelyValidTree(%#v) but kin-openapi: %v", vendor, name, v, err)
				}
			}
		}
	}
	if structured < 100 {
		t.Fatalf("%d objects judged surely valid: the tree is hardly ever taken apart", structured)
	}
}

// The page's own iovox update is judged without kin-openapi's visit of the contact list.
func TestSurelyValidTreeTakesThePagesUpdate(t *testing.T) {
	register()
	doc, err := specs.Shared(specs.Iovox)
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("../../gen/iovox/testdata/updateContacts.request.xml")
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["UpdateContactsPayload"]
	v, _, err := decodeXML(body, false, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, pv := range v.(map[string]any) {
		if ps := schema.Value.Properties[name]; ps != nil && !surelyValidTree(ps.Value, pv, 0) {
			t.Errorf("%s = %#v is not judged surely valid", name, pv)
		}
	}
	// A contact without its id is not.
	contact := v.(map[string]any)["contact"].([]any)[0].(map[string]any)
	delete(contact, "contact_id")
	if surelyValidTree(schema.Value.Properties["contact"].Value, v.(map[string]any)["contact"], 0) {
		t.Error("a contact without contact_id is judged surely valid")
	}
}

// Which50's page update, whose Values take any value but null (additionalProperties: {}), is
// judged without kin-openapi's visit; a null value is left to kin-openapi, which refuses it.
func TestSurelyValidTreeTakesWhich50sValues(t *testing.T) {
	register()
	doc, err := specs.Shared(specs.Which50)
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("../../gen/which50/testdata/patch-request.json")
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["ContactDTO"].Value
	v, ok := decodeJSONFast(body, nil)
	if !ok || !surelyValidTree(schema, v, 0) {
		t.Fatalf("the page's PATCH body %s is not judged surely valid", body)
	}
	v.(map[string]any)["Values"].(map[string]any)["Mobile"] = nil
	if surelyValidTree(schema, v, 0) {
		t.Error("a null value in Values is judged surely valid")
	}
}

// String length bounds are judged as kin-openapi judges them, in characters, at both ends.
func TestSurelyValidStringLengths(t *testing.T) {
	three := uint64(3)
	schemas := []*openapi3.Schema{
		{Type: &openapi3.Types{openapi3.TypeString}, MinLength: 2},
		{Type: &openapi3.Types{openapi3.TypeString}, MaxLength: &three},
		{Type: &openapi3.Types{openapi3.TypeString}, MinLength: 2, MaxLength: &three},
	}
	agreed := 0
	for _, s := range schemas {
		for _, v := range []string{"", "a", "ab", "abc", "abcd", "é", "éé", "ééé", "éééé", "😀😀", "😀😀😀😀"} {
			kin := s.VisitJSON(v, openapi3.VisitAsRequest()) == nil
			if got := surelyValid(s, v); got != kin {
				t.Errorf("minLength %d maxLength %v, %q: surelyValid %v, kin-openapi %v", s.MinLength, s.MaxLength, v, got, kin)
			}
			if kin {
				agreed++
			}
		}
	}
	if agreed == 0 {
		t.Fatal("no value was valid")
	}
}
