package traffic

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestDefaultRulesComeFromTheSpecs(t *testing.T) {
	rules, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		got = append(got, r.String())
	}
	// The documented hosts (ports dropped, a sub-domain variable as a wildcard, a host variable as
	// its default), then tools/mockserver's prefixes.
	for _, want := range []string{"api.iovox.com=iovox", "sandboxapi.iovox.com=iovox", "*.valomnia.com=valomnia",
		"app.which50.com=which50", "auregister.invalid=auregister",
		"/iovox=iovox", "/valomnia=valomnia", "/which50=which50", "/auregister=auregister"} {
		if !slices.Contains(got, want) {
			t.Errorf("no default rule %s in %v", want, got)
		}
	}
}

func TestRoute(t *testing.T) {
	user, err := ParseRule("contacts.example.test/v9=auregister")
	if err != nil {
		t.Fatal(err)
	}
	port, err := ParseRule("localhost:9000=which50")
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRouter([]Rule{user, port})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url, hint string
		want      Target
	}{
		// Documented hosts; the base path is the API path of the first server where the request
		// is below it.
		{"https://api.iovox.com:444/Contacts?v=3", "", Target{"iovox", ""}},
		{"https://acme.valomnia.com/api/v2.1/contacts/5", "", Target{"valomnia", "/api/v2.1"}},
		{"https://acme.valomnia.com/j_spring_security_check", "", Target{"valomnia", ""}},
		{"https://app.which50.com/Which50API/contactLists/1/contact", "", Target{"which50", "/Which50API"}},
		{"https://auregister.invalid/contacts/1", "", Target{"auregister", ""}},
		// tools/mockserver on any host.
		{"http://127.0.0.1:8080/iovox/Contacts", "", Target{"iovox", "/iovox"}},
		{"http://127.0.0.1:8080/valomnia/api/v1.0/contacts/5", "", Target{"valomnia", "/valomnia/api/v1.0"}},
		{"http://127.0.0.1:8080/valomnia/j_spring_security_check", "", Target{"valomnia", "/valomnia"}},
		{"http://127.0.0.1:8080/which50/contactLists/1/contact", "", Target{"which50", "/which50"}},
		// --vendor-map, before the defaults; a rule with a port is for that port only.
		{"https://contacts.example.test/v9/contacts/1", "", Target{"auregister", "/v9"}},
		{"http://localhost:9000/contactLists/1/contact", "", Target{"which50", ""}},
		// _vendor names the vendor; the rules still find the base path.
		{"http://127.0.0.1:41234/iovox/Contacts", "iovox", Target{"iovox", "/iovox"}},
		{"http://10.1.2.3/Contacts", "iovox", Target{"iovox", ""}},
	} {
		u, _ := url.Parse(tc.url)
		got, err := r.Route(u, tc.hint)
		if err != nil || got != tc.want {
			t.Errorf("Route(%s, %q) = %+v, %v; want %+v", tc.url, tc.hint, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ url, hint, want string }{
		{"https://www.google-analytics.com/collect", "", "no vendor for this host or path"},
		{"http://localhost:9001/contactLists/1/contact", "", "no vendor"},
		{"http://127.0.0.1/iovoxx/Contacts", "", "no vendor"},
		{"http://127.0.0.1/iovox/Contacts", "acme", `_vendor "acme" is not a vendor`},
	} {
		u, _ := url.Parse(tc.url)
		if _, err := r.Route(u, tc.hint); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Route(%s, %q): %v; want %q", tc.url, tc.hint, err, tc.want)
		}
	}
	u, _ := url.Parse("https://www.google-analytics.com/collect")
	if _, err := r.Route(u, ""); !errors.Is(err, ErrUnknownHost) {
		t.Errorf("an unknown host is not ErrUnknownHost: %v", err)
	}
}

func TestParseRule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rule
		err  string
	}{
		{in: "/mocks/iovox=iovox", want: Rule{Prefix: "/mocks/iovox", Vendor: "iovox"}},
		{in: "API.Example.test=which50", want: Rule{Host: "api.example.test", Vendor: "which50"}},
		{in: "h:8443/base/=valomnia", want: Rule{Host: "h:8443", Prefix: "/base", Vendor: "valomnia"}},
		{in: "h", err: "want host-or-prefix=vendor"},
		{in: "=iovox", err: "want host-or-prefix=vendor"},
		{in: "h=acme", err: `unknown vendor "acme"`},
	} {
		got, err := ParseRule(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRule(%q): %v; want %q", tc.in, err, tc.err)
			}
			continue
		}
		got.Origin = ""
		if err != nil || got != tc.want {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}
