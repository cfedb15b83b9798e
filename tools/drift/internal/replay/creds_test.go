package replay

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
)

func loadCreds(t *testing.T, vendor string) (*vendorCreds, specs.Catalogue) {
	t.Helper()
	doc, err := specs.Load(vendor)
	if err != nil {
		t.Fatal(err)
	}
	vc, err := newVendorCreds(vendor, doc, mocks.DefaultCredentials())
	if err != nil {
		t.Fatal(err)
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		t.Fatal(err)
	}
	return vc, cat
}

// The recorded answer decides the credential: the messages are the catalogue's own (the spec's
// x-error-catalogue entries named in each case).
func TestCredentialMode(t *testing.T) {
	for _, tc := range []struct {
		vendor string
		status int
		msg    string
		want   credMode
	}{
		{specs.Iovox, 204, "", credValid},
		{specs.Iovox, 401, "Authentication Failed", credInvalid},
		{specs.Valomnia, 401, "Bad credentials", credInvalid},
		// Which50's 403 is two entries: a token without rights to the list, and a null contact
		// (sent with a valid token).
		{specs.Which50, 403, "The user does not have the relevant permissions to perform this action", credNoRights},
		{specs.Which50, 403, "the passed Contact is null", credValid},
		{specs.Which50, 401, "Request has been denied as it lacks valid Authentication credentials.", credInvalid},
		{specs.Auregister, 404, "Contact 1 does not exist", credValid},
	} {
		_, cat := loadCreds(t, tc.vendor)
		var msgs []string
		if tc.msg != "" {
			msgs = []string{tc.msg}
		}
		if got := credentialMode(tc.vendor, cat, tc.status, msgs); got != tc.want {
			t.Errorf("%s %d %q: %s, want %s", tc.vendor, tc.status, tc.msg, got, tc.want)
		}
	}
}

func TestApplyCredentials(t *testing.T) {
	for _, tc := range []struct {
		name, vendor string
		recorded     http.Header
		query        string
		mode         credMode
		session      string
		want         http.Header
	}{
		{"iovox redacted", specs.Iovox, http.Header{"Username": {apiclient.Redacted}, "Securekey": {apiclient.Redacted}}, "", credValid, "",
			http.Header{"Username": {"test"}, "Securekey": {"test"}}},
		// A username recorded in clear is still replaced: the mock knows only its own user.
		{"iovox refused", specs.Iovox, http.Header{"Username": {"someone"}, "Securekey": {apiclient.Redacted}}, "", credInvalid, "",
			http.Header{"Username": {invalidCredential}, "Securekey": {invalidCredential}}},
		{"iovox none stays none", specs.Iovox, http.Header{}, "", credInvalid, "", http.Header{}},
		{"iovox only one", specs.Iovox, http.Header{"Securekey": {apiclient.Redacted}}, "", credValid, "", http.Header{"Securekey": {"test"}}},
		{"which50 bearer", specs.Which50, http.Header{"Authorization": {apiclient.Redacted}}, "", credValid, "", http.Header{"Authorization": {"Bearer test"}}},
		{"which50 without rights", specs.Which50, http.Header{"Authorization": {apiclient.Redacted}}, "", credNoRights, "", http.Header{"Authorization": {"Bearer readonly"}}},
		{"which50 none", specs.Which50, http.Header{"Cookie": {"_ga=1"}}, "", credValid, "", http.Header{}},
		// auregister has no token without rights: the valid one goes.
		{"auregister without rights", specs.Auregister, http.Header{"Authorization": {"Bearer live-token"}}, "", credNoRights, "", http.Header{"Authorization": {"Bearer test"}}},
		{"valomnia redacted cookie", specs.Valomnia, http.Header{"Cookie": {apiclient.Redacted}}, "", credValid, "S1", http.Header{"Cookie": {"JSESSIONID=S1"}}},
		{"valomnia browser cookies", specs.Valomnia, http.Header{"Cookie": {"_ga=GA1; JSESSIONID=ABC"}}, "", credValid, "S1", http.Header{"Cookie": {"JSESSIONID=S1"}}},
		{"valomnia other cookies only", specs.Valomnia, http.Header{"Cookie": {"_ga=GA1"}}, "", credValid, "S1", http.Header{}},
		{"valomnia refused", specs.Valomnia, http.Header{"Cookie": {apiclient.Redacted}}, "", credInvalid, "", http.Header{"Cookie": {"JSESSIONID=" + invalidCredential}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc, _ := loadCreds(t, tc.vendor)
			u := &url.URL{Path: "/x", RawQuery: tc.query}
			req := &http.Request{Method: http.MethodPost, URL: u, Header: tc.recorded.Clone()}
			vc.apply(req, tc.recorded, tc.mode, tc.session)
			got := req.Header
			if len(got) != len(tc.want) {
				t.Errorf("headers %v, want %v", got, tc.want)
			}
			for name, want := range tc.want {
				if !slices.Equal(got[name], want) {
					t.Errorf("%s: %q, want %q", name, got[name], want)
				}
			}
		})
	}
}

// A session cookie needs an open session only when the vendor accepted the recorded one.
func TestNeedsSession(t *testing.T) {
	vc, _ := loadCreds(t, specs.Valomnia)
	redacted := http.Header{"Cookie": {apiclient.Redacted}}
	if !vc.needsSession(redacted, nil, credValid) {
		t.Error("a redacted cookie of an accepted request needs the mock's session")
	}
	if vc.needsSession(redacted, nil, credInvalid) {
		t.Error("a refused cookie needs no session")
	}
	if vc.needsSession(http.Header{}, nil, credValid) {
		t.Error("no cookie, no session")
	}
	io, _ := loadCreds(t, specs.Iovox)
	if io.needsSession(http.Header{"Username": {"x"}}, nil, credValid) {
		t.Error("iovox has no session")
	}
}

// Valomnia's login form is filled in field by field, keeping the recorded order and the fields
// the recording has.
func TestLoginBody(t *testing.T) {
	vc, _ := loadCreds(t, specs.Valomnia)
	recorded := "ajax=true&j_password=[REDACTED]&j_username=[REDACTED]%40example.com"
	if got := string(vc.loginBody([]byte(recorded), credValid)); got != "ajax=true&j_password=test&j_username=test%40example.com" {
		t.Errorf("valid: %s", got)
	}
	refused := "j_username=contactapis-conformance%40example.invalid&j_password=[REDACTED]&ajax=true"
	want := "j_username=" + invalidCredential + "&j_password=" + invalidCredential + "&ajax=true"
	if got := string(vc.loginBody([]byte(refused), credInvalid)); got != want {
		t.Errorf("refused: %s, want %s", got, want)
	}
	// A form without a password stays without one: the mock must answer that form.
	if got := string(vc.loginBody([]byte("ajax=true&j_username=x"), credValid)); got != "ajax=true&j_username=test%40example.com" {
		t.Errorf("no password: %s", got)
	}
	form, err := url.ParseQuery(vc.loginFormBody())
	if err != nil || form.Get("j_username") != "test@example.com" || form.Get("j_password") != "test" || form.Get("ajax") != "true" {
		t.Errorf("the replay's own login form: %v %v", form, err)
	}
}

// A spec that gains a security scheme the replay cannot fill in fails here, not silently.
func TestUnknownSecurityScheme(t *testing.T) {
	doc := &openapi3.T{Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{
		"oauth": {Value: &openapi3.SecurityScheme{Type: "oauth2"}},
	}}}
	_, err := newVendorCreds(specs.Auregister, doc, mocks.DefaultCredentials())
	if err == nil || !strings.Contains(err.Error(), "creds.go") {
		t.Errorf("error %v", err)
	}
	doc.Components.SecuritySchemes = openapi3.SecuritySchemes{"apiKeyHeader": {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: "X-Key"}}}
	_, err = newVendorCreds(specs.Auregister, doc, mocks.DefaultCredentials())
	if err == nil || !strings.Contains(err.Error(), `no mock credential for security scheme "apiKeyHeader"`) {
		t.Errorf("error %v", err)
	}
}
