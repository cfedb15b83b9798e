package auregister

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestStringValuesAreCanonical checks the shortcut for plain strings against encoding/json itself:
// whatever the wire form, a string property's checked value must be the bytes json.Marshal writes
// for the decoded string, since stored and sent values are compared byte for byte (matchStored,
// notAViolation).
func TestStringValuesAreCanonical(t *testing.T) {
	s := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}}
	for _, raw := range []string{
		`"Smith"`, `""`, `"a b-c.d'e"`, `"a<b"`, `"a>b"`, `"a&b"`, `"\u0041"`, `"\/"`, `"tab\t"`,
		`"Zoë"`, "\"\u2028\"", `"\"quoted\""`, `"back\\slash"`, `"~"`,
	} {
		var str string
		if err := json.Unmarshal([]byte(raw), &str); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		want, _ := json.Marshal(str)
		got, p := checkValue("lastName", s, json.RawMessage(raw))
		if p != nil {
			t.Errorf("%s: refused: %+v", raw, *p)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s: checked value %s, json.Marshal writes %s", raw, got, want)
		}
	}
}
