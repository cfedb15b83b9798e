package country

import "testing"

func TestLookups(t *testing.T) {
	tests := []struct {
		name   string
		lookup func(string) (Country, bool)
		in     string
		want   string // Alpha2, "" for not found
	}{
		{"iovox page's country", ByName, "United Kingdom", "GB"},
		{"name ignores case", ByName, "uNITED kingdom", "GB"},
		{"auregister page's birthCountry", ByCodeOrName, "AUSTRALIA", "AU"},
		{"alpha-3", ByCodeOrName, "AUS", "AU"},
		{"Valomnia page's code", ByAlpha2, "FR", "FR"},
		{"alpha-2 is upper case only", ByAlpha2, "fr", ""},
		{"alpha-3 is not alpha-2", ByAlpha2, "FRA", ""},
		{"macro-region is no country", ByCode, "EU", ""},
		{"user-assigned code is no country", ByCode, "XA", ""},
		{"code is not a name", ByName, "GB", ""},
		{"unknown name", ByName, "Atlantis", ""},
		{"empty", ByCodeOrName, "", ""},
	}
	for _, tt := range tests {
		c, ok := tt.lookup(tt.in)
		if got := map[bool]string{true: c.Alpha2}[ok]; got != tt.want {
			t.Errorf("%s: %q -> %q (%+v), want %q", tt.name, tt.in, got, c, tt.want)
		}
	}
}

// Every country has both codes and a name, and the name resolves back to it.
func TestTableIsConsistent(t *testing.T) {
	n := 0
	for code, c := range all().byCode {
		if len(code) != 2 {
			continue
		}
		n++
		if len(c.Alpha3) != 3 || c.Name == "" {
			t.Errorf("%s: incomplete %+v", code, c)
		}
		if back, ok := ByName(c.Name); !ok || back.Alpha2 != code {
			t.Errorf("%s: name %q resolves to %+v", code, c.Name, back)
		}
	}
	// ISO 3166-1 has 249 countries; CLDR adds a few (XK Kosovo) — far fewer would mean a broken table.
	if n < 240 {
		t.Errorf("only %d countries", n)
	}
}
