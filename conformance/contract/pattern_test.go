package contract

import (
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
)

// specPatterns are the patterns of every schema in the vendors' specs.
func specPatterns(t testing.TB) []string {
	var out []string
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Pattern != "" {
			out = append(out, s.Pattern)
		}
		for _, p := range s.Properties {
			walk(p.Value)
		}
		if s.Items != nil {
			walk(s.Items.Value)
		}
		for _, sub := range append(append(append(openapi3.SchemaRefs{}, s.AllOf...), s.AnyOf...), s.OneOf...) {
			walk(sub.Value)
		}
	}
	for _, vendor := range specs.Vendors() {
		doc, err := specs.Shared(vendor)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range doc.Components.Schemas {
			walk(ref.Value)
		}
	}
	return out
}

var classRunPatterns = []string{
	`^[a-z]*$`, `^[a-z]+$`, `^[a-z]?$`, `^[0-9]{2,4}$`, `^[0-9]{3}$`, `^[0-9]{2,}$`, `^[^x]*$`, `(?i)^[a-z]*$`,
	`^[A-Za-zé]*$`, `^[\p{L}]+$`, `^[\s\S]*$`, `^[a-z]*`, `[a-z]*$`, `^[a-z]*$|x`, `(?m)^[a-z]*$`, `^a*$`, `^(?:[a-z])*$`,
	`^[a-z]*?$`, `^\d+$`, `^[^\x{FFFD}]*$`, `^[\x{FFFD}]*$`,
	// Sequences of runs, and optional ones; the last three are not taken (a run before the last
	// that varies in length, a group inside, an optional run inside the group).
	`^([1-9][0-9]{6,14})?$`, `^[1-9][0-9]{2,3}$`, `^(?:[a-z]{2}[0-9])?$`, `^([a-z])?$`, `^[a-z][0-9]*$`, `^[é][a-z]{2}[0-9]+$`,
	`^[a-z]{1,2}[0-9]$`, `^([a-z])[0-9]$`, `^([a-z]*)?$`,
}

var classRunInputs = []string{
	"", "a", "abc", "ABC", "aBc", "12", "123", "1234", "12345", "x", "ax", "é", "ée", "ÉE", "a\n", "\na", "\xff", "a\xffb",
	"\xef\xbf\xbd", "日本", "Ӓ", "ǅ", "K", "ſ", strings.Repeat("a", 300), "a b", "\x00", "\u2028",
	"447772412312", "0447772412312", "123456", "1234567", "123456789012345", "1234567890123456", "12a4567",
	"ab1", "ab12", "a1", "a", "éab1", "éab", "1\xff",
}

// TestClassRunIsRegexp: a pattern compileClassRun takes matches what regexp matches, and the
// specs' letters-only patterns are taken.
func TestClassRunIsRegexp(t *testing.T) {
	taken := 0
	for _, pattern := range append(specPatterns(t), classRunPatterns...) {
		c := compileClassRun(pattern)
		if c == nil {
			continue
		}
		taken++
		re := regexp.MustCompile(pattern)
		for _, s := range classRunInputs {
			if got, want := c.MatchString(s), re.MatchString(s); got != want {
				t.Errorf("%q on %q: classRun %v, regexp %v", pattern, s, got, want)
			}
		}
	}
	t.Logf("compileClassRun took %d patterns", taken)
	if taken < 10 {
		t.Errorf("compileClassRun took %d patterns", taken)
	}
	// The specs' anchored patterns (letters-only names, phone numbers) are all runs of classes.
	for _, pattern := range specPatterns(t) {
		if strings.HasPrefix(pattern, "^") && compileClassRun(pattern) == nil {
			t.Errorf("the pattern %.40q… is left to regexp", pattern)
		}
	}
	for _, pattern := range []string{`^[a-z]{1,2}[0-9]$`, `^([a-z])[0-9]$`, `^([a-z]*)?$`, `^[a-z]*|x$`} {
		if compileClassRun(pattern) != nil {
			t.Errorf("%q is taken: only sequences whose runs before the last have a fixed length split one way", pattern)
		}
	}
}

func FuzzClassRun(f *testing.F) {
	for i, p := range classRunPatterns {
		f.Add(p, classRunInputs[i%len(classRunInputs)])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		c := compileClassRun(pattern)
		if c == nil {
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("%q: compileClassRun took what regexp refuses: %v", pattern, err)
		}
		if got, want := c.MatchString(s), re.MatchString(s); got != want {
			t.Fatalf("%q on %q: classRun %v, regexp %v", pattern, s, got, want)
		}
	})
}
