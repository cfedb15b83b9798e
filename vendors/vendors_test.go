package vendors_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// TestRegistryMatchesSpecs: a vendor added to specs.Vendors() without a registry entry, or an
// entry without a spec, fails here, by name. The order is the same too: flags, reports and the
// mocks' assembly follow the registry.
func TestRegistryMatchesSpecs(t *testing.T) {
	var names []string
	for _, v := range vendors.All() {
		names = append(names, v.Name)
	}
	for _, n := range specs.Vendors() {
		if !slices.Contains(names, n) {
			t.Errorf("specs.Vendors() has %q, vendors/vendors.go has no entry for it (README, \"Adding a vendor\")", n)
		}
	}
	for _, n := range names {
		if !slices.Contains(specs.Vendors(), n) {
			t.Errorf("vendors/vendors.go has %q, specs.Vendors() does not (add its spec to specs/)", n)
		}
	}
	if !t.Failed() && !slices.Equal(names, specs.Vendors()) {
		t.Errorf("registry order %v, specs.Vendors() order %v", names, specs.Vendors())
	}
	for _, v := range vendors.All() {
		if v.NewClient == nil || v.NewMock == nil {
			t.Errorf("%s: the entry needs NewClient and NewMock", v.Name)
		}
		if _, ok := vendors.Lookup(v.Name); !ok || vendors.Get(v.Name) != v {
			t.Errorf("%s: Lookup and Get do not find the entry", v.Name)
		}
	}
	if _, ok := vendors.Lookup("acme"); ok {
		t.Error("Lookup found a vendor the registry lacks")
	}
}

// TestCredentialsMatchTheSpec: every credential fills a security scheme the spec declares, every
// scheme of the spec is filled (by a credential or the login's session), and the login's form
// fields are the spec's. A spec that renames or adds a scheme fails here rather than in a live run.
func TestCredentialsMatchTheSpec(t *testing.T) {
	for _, v := range vendors.All() {
		t.Run(v.Name, func(t *testing.T) {
			doc, err := specs.Shared(v.Name)
			if err != nil {
				t.Fatal(err)
			}
			filled := map[string]bool{}
			keys := map[string]bool{}
			for _, cr := range v.Credentials {
				if keys[cr.Key] {
					t.Errorf("%s: key %s listed twice", v.Name, cr.Key)
				}
				keys[cr.Key] = true
				if cr.Scheme != "" {
					if doc.Components.SecuritySchemes[cr.Scheme] == nil {
						t.Errorf("%s: credential %s fills scheme %q, which the spec does not declare", v.Name, cr.Key, cr.Scheme)
					}
					filled[cr.Scheme] = true
				}
				switch {
				case cr.Optional && cr.Test != "":
					t.Errorf("%s: optional %s has a test value: the mocks would need it", v.Name, cr.Key)
				case !cr.Optional && cr.Test == "":
					t.Errorf("%s: required %s has no test value for the mocks", v.Name, cr.Key)
				case !cr.Optional && cr.Usage == "":
					t.Errorf("%s: required %s has no flag help (Usage)", v.Name, cr.Key)
				}
			}
			for _, cr := range v.Credentials {
				if cr.HeaderFor != "" && !slices.ContainsFunc(v.Credentials, func(o vendors.Credential) bool { return o.Key == cr.HeaderFor && o.Scheme != "" }) {
					t.Errorf("%s: %s is HeaderFor %q, no credential with a scheme", v.Name, cr.Key, cr.HeaderFor)
				}
			}
			if l := v.Login; l != nil {
				filled[l.Scheme] = true
				if doc.Components.SecuritySchemes[l.Scheme] == nil {
					t.Errorf("%s: the login fills scheme %q, which the spec does not declare", v.Name, l.Scheme)
				}
				checkLogin(t, v, doc)
			}
			for name := range doc.Components.SecuritySchemes {
				if !filled[name] {
					t.Errorf("%s: the spec's security scheme %q is filled by no credential of the entry", v.Name, name)
				}
			}
			// Every scheme is one the Authorizer can place.
			if _, err := v.NewAuthorizer("http://127.0.0.1:1"+v.MockPath(), v.TestCredentials()); err != nil {
				t.Errorf("%s: %v", v.Name, err)
			}
			if _, err := v.NewAuthorizer("http://127.0.0.1:1"+v.MockPath(), vendors.Credentials{}); err == nil {
				t.Errorf("%s: an Authorizer without credentials", v.Name)
			}
		})
	}
}

// checkLogin: the login operation exists at the login's path and its form has the fields the
// entry sends.
func checkLogin(t *testing.T, v *vendors.Vendor, doc *openapi3.T) {
	t.Helper()
	l := v.Login
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID != l.Operation {
				continue
			}
			if path != l.Path {
				t.Errorf("%s: login %s is at %s in the spec, %s in the entry", v.Name, l.Operation, path, l.Path)
			}
			media := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
			if media == nil {
				t.Fatalf("%s: login %s takes no form", v.Name, l.Operation)
			}
			form := l.FormValues(v.TestCredentials())
			for field := range form {
				if media.Schema.Value.Properties[field] == nil {
					t.Errorf("%s: the login form field %q is not in the spec's form", v.Name, field)
				}
			}
			for _, req := range media.Schema.Value.Required {
				if form.Get(req) == "" {
					t.Errorf("%s: the login sends no %s, which the spec requires", v.Name, req)
				}
			}
			return
		}
	}
	t.Errorf("%s: the spec has no operation %q", v.Name, l.Operation)
}

// TestLoginURL: the login lives at the host root, below any path prefix (the mocks' /valomnia).
func TestLoginURL(t *testing.T) {
	l := vendors.Get(specs.Valomnia).Login
	for base, want := range map[string]string{
		"https://acme.valomnia.com/api/v1.0":     "https://acme.valomnia.com/j_spring_security_check",
		"http://127.0.0.1:8080/valomnia/api/v2/": "http://127.0.0.1:8080/valomnia/j_spring_security_check",
	} {
		if got := l.URL(base); got != want {
			t.Errorf("URL(%s) = %s, want %s", base, got, want)
		}
	}
}

// TestErrorFormatsAreTheSpecs: the member or element each vendor's messages are read from is one
// its spec's error responses declare; a spec whose x-mock declares the error body is read from it,
// and its entry then holds no fallback that could go stale.
func TestErrorFormatsAreTheSpecs(t *testing.T) {
	for _, v := range vendors.All() {
		t.Run(v.Name, func(t *testing.T) {
			doc, err := specs.Shared(v.Name)
			if err != nil {
				t.Fatal(err)
			}
			f := v.ErrorFormat()
			if f.JSON == "" && f.XML == "" {
				t.Fatalf("%s: no error format", v.Name)
			}
			if _, ok, _ := specs.ReadMock(doc); ok && (v.Errors.JSON != "" || v.Errors.XML != "") {
				t.Errorf("%s: the spec's x-mock declares the error body; drop the entry's Errors", v.Name)
			}
			if f.JSON != "" && !errorSchemasDeclare(doc, "json", f.JSON) {
				t.Errorf("%s: no JSON error response of the spec has a property %q", v.Name, f.JSON)
			}
			if f.XML != "" && !errorSchemasDeclare(doc, "xml", f.XML) {
				t.Errorf("%s: no XML error response of the spec has an element %q", v.Name, f.XML)
			}
		})
	}
}

// errorSchemasDeclare reports whether some 4xx or 5xx response of doc, in a media type ending in
// suffix, has a top-level property called name (for XML, by its xml name or its items').
func errorSchemasDeclare(doc *openapi3.T, suffix, name string) bool {
	var responses []*openapi3.Response
	for _, op := range specs.Operations(doc) {
		for code, r := range op.Operation.Responses.Map() {
			if (strings.HasPrefix(code, "4") || strings.HasPrefix(code, "5")) && r.Value != nil {
				responses = append(responses, r.Value)
			}
		}
	}
	for _, r := range responses {
		for mt, media := range r.Content {
			if !strings.HasSuffix(mt, suffix) || media.Schema == nil || media.Schema.Value == nil {
				continue
			}
			for prop, ps := range media.Schema.Value.Properties {
				if suffix == "json" && prop == name {
					return true
				}
				if suffix == "xml" && xmlName(prop, ps.Value) == name {
					return true
				}
			}
		}
	}
	return false
}

func xmlName(prop string, s *openapi3.Schema) string {
	if s == nil {
		return prop
	}
	if s.Type.Is("array") && s.Items != nil && s.Items.Value != nil && s.Items.Value.XML != nil && s.Items.Value.XML.Name != "" {
		return s.Items.Value.XML.Name
	}
	if s.XML != nil && s.XML.Name != "" {
		return s.XML.Name
	}
	return prop
}

// TestConstructors: each entry's client and mock build with the test credentials, and the mock
// is the vendor's, served where MockPath says.
func TestConstructors(t *testing.T) {
	for _, v := range vendors.All() {
		c, err := v.NewClient("http://127.0.0.1:1"+v.MockPath(), v.TestCredentials())
		if err != nil || c == nil {
			t.Errorf("%s: client %v, %v", v.Name, c, err)
		}
		if _, err := vendors.NewClient[string](v, "http://127.0.0.1:1"+v.MockPath(), v.TestCredentials()); err == nil {
			t.Errorf("%s: NewClient as a string: no error", v.Name)
		}
		b, err := v.NewMock(v.TestCredentials())
		if err != nil {
			t.Errorf("%s: mock: %v", v.Name, err)
			continue
		}
		if b.Vendor() != v.Name || "/"+b.Vendor()+b.APIPath() != v.MockPath() {
			t.Errorf("%s: mock of %s at %s, the registry says %s", v.Name, b.Vendor(), b.APIPath(), v.MockPath())
		}
	}
}
