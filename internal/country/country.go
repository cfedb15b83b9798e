package country

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Country is one ISO 3166-1 country.
type Country struct {
	Alpha2 string // "GB"
	Alpha3 string // "GBR"
	Name   string // "United Kingdom", CLDR's English name
}

type table struct {
	byCode map[string]Country // alpha-2 and alpha-3, upper case
	byName map[string]Country // English name, lower case
}

// all is built once from every current two-letter code CLDR knows as a country (not a macro-region
// such as "EU", a private-use code, or a withdrawn code).
var all = sync.OnceValue(func() table {
	t := table{byCode: map[string]Country{}, byName: map[string]Country{}}
	names := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			// Withdrawn codes (HV, SU, YU, ...) still parse; their canonical form differs.
			if err != nil || !r.IsCountry() || r.String() != code || r.Canonicalize() != r {
				continue
			}
			c := Country{Alpha2: code, Alpha3: r.ISO3(), Name: names.Name(r)}
			if c.Name == "" {
				continue
			}
			t.byCode[c.Alpha2] = c
			t.byCode[c.Alpha3] = c
			t.byName[strings.ToLower(c.Name)] = c
		}
	}
	return t
})

// ByAlpha2 resolves an alpha-2 code, exactly as written (upper case): "FR".
func ByAlpha2(code string) (Country, bool) {
	c, ok := all().byCode[code]
	return c, ok && len(code) == 2
}

// ByCode resolves an alpha-2 or alpha-3 code, in any case: "fr", "FRA".
func ByCode(code string) (Country, bool) {
	c, ok := all().byCode[strings.ToUpper(code)]
	return c, ok
}

// ByName resolves an English country name, ignoring case and surrounding space:
// "united kingdom".
func ByName(name string) (Country, bool) {
	c, ok := all().byName[strings.ToLower(strings.TrimSpace(name))]
	return c, ok
}

// ByCodeOrName resolves a code (alpha-2 or alpha-3) or an English name.
func ByCodeOrName(s string) (Country, bool) {
	if c, ok := ByCode(s); ok {
		return c, true
	}
	return ByName(s)
}
