package contract

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
)

// TestSurelyValidNeverOverrules: wherever surelyValid says valid, kin-openapi agrees, for every
// property schema of every vendor's specs and values of every JSON kind, valid and not.
func TestSurelyValidNeverOverrules(t *testing.T) {
	register()
	values := []any{nil, "", "x", "2001-08-01", "2001-02-30", "AUSTRALIA", "Atlantis", "Male", "male", true, false,
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
