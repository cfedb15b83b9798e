package replay

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// credMode is the kind of credential a replayed request carries where the recorded one was.
type credMode int

const (
	// credValid: the mock's test credential (the vendor accepted the recorded one).
	credValid credMode = iota
	// credInvalid: a value no mock accepts (the vendor answered 401).
	credInvalid
	// credNoRights: a valid credential without rights (the vendor answered a catalogue entry of
	// Credential.NoRightsAnswers of the registry).
	credNoRights
)

func (m credMode) String() string {
	return [...]string{"valid", "invalid", "without rights"}[m]
}

// invalidCredential stands where the vendor refused the recorded credential. It is no mock's
// test credential, has the shape of none (no session token is lower-case), and says what it is
// in a mock's log.
const invalidCredential = "drift-replay-refused-credential"

// credentialMode decides which credential reproduces the recorded exchange. The recording hides
// the credential's value (the suite records every Authorization, Cookie and secureKey as
// [REDACTED]), so its answer is the only evidence of what kind it was: 401 is HTTP's "the
// credentials were missing or not accepted", and a no-rights entry says they were valid but
// insufficient. A mock that refuses a valid credential is therefore not caught by a replay of a
// 401 (the conformance suite checks authentication); the format of the refusal still is. The
// no-rights entries are the registry's (Credential.NoRightsAnswers): the mock has a credential
// for them (Credential.NoRights, Which50's "readonly"), and the replay sends it where the vendor
// answered one.
func credentialMode(vendor string, cat specs.Catalogue, status int, msgs []string) credMode {
	var noRights []string
	if v, ok := vendors.Lookup(vendor); ok {
		for _, cr := range v.Credentials {
			noRights = append(noRights, cr.NoRightsAnswers...)
		}
	}
	for _, m := range msgs {
		if e, _, ok := cat.Identify(status, m); ok && slices.Contains(noRights, e.ID) {
			return credNoRights
		}
	}
	if status == http.StatusUnauthorized {
		return credInvalid
	}
	return credValid
}

// credential is one security scheme of a vendor's spec, as the replay fills it in.
type credential struct {
	scheme string
	// in is where the scheme puts the credential: header, query, cookie, or bearer (the
	// Authorization header, "Bearer <token>").
	in, name string
	// valid and noRights are the mock's values; noRights is empty when the mock has no such
	// credential (the valid one is sent).
	valid, noRights string
	// session: the value is a session the mock issued (a cookie a login set), not a constant.
	session bool
}

// loginForm is a login operation whose form carries credentials (Valomnia's user and password),
// which no security scheme describes: the registry's Login.
type loginForm struct {
	// operation is the login the replay makes itself (a form POST); others are the login's other
	// forms a recording may hold (Valomnia's GET with the fields in the query), whose credential
	// fields are replaced as the form's are.
	operation string
	others    []string
	// fields are the form fields holding credentials, with the mock's values.
	fields map[string]string
	// extra are the other fields a login needs (Valomnia's ajax=true), for the replay's own login.
	extra url.Values
}

// vendorCreds are a vendor's credentials as the mocks accept them.
type vendorCreds struct {
	vendor string
	creds  []credential
	login  *loginForm
}

// newVendorCreds places the mocks' credentials (mocks.DefaultCredentials, which tools/mockserver
// also starts with) on the vendor's security schemes, as its registry entry assigns them. A
// scheme no credential of the entry fills is an error, so that a spec gaining one fails the tests
// rather than replaying without the credential.
func newVendorCreds(vendor string, doc *openapi3.T, mc mocks.Credentials) (*vendorCreds, error) {
	v, ok := vendors.Lookup(vendor)
	if !ok {
		return nil, fmt.Errorf("unknown vendor %q", vendor)
	}
	values := map[string][2]string{} // scheme → {valid, without rights}
	for _, cr := range v.Credentials {
		if cr.Scheme != "" {
			values[cr.Scheme] = [2]string{mc[vendor].Value(cr.Key), cr.NoRights}
		}
	}
	vc := &vendorCreds{vendor: vendor}
	if l := v.Login; l != nil {
		vc.login = &loginForm{operation: l.Operation, others: l.Others, fields: map[string]string{}, extra: l.Extra}
		for key, field := range l.Form {
			vc.login.fields[field] = mc[vendor].Value(key)
		}
	}
	if doc.Components == nil {
		return vc, nil
	}
	names := make([]string, 0, len(doc.Components.SecuritySchemes))
	for name := range doc.Components.SecuritySchemes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := doc.Components.SecuritySchemes[name].Value
		if s == nil {
			continue
		}
		c := credential{scheme: name}
		switch {
		case s.Type == "apiKey" && (s.In == "header" || s.In == "query" || s.In == "cookie"):
			c.in, c.name = s.In, s.Name
		case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
			c.in, c.name = "bearer", "Authorization"
		default:
			return nil, fmt.Errorf("%s: security scheme %q (%s %s) is not one drift replay can fill in; teach tools/drift/internal/replay/creds.go", vendor, name, s.Type, s.Scheme)
		}
		if v.Login != nil && v.Login.Scheme == name {
			c.session = true
		} else {
			val, ok := values[name]
			if !ok || val[0] == "" {
				return nil, fmt.Errorf("%s: no mock credential for security scheme %q; add it to the vendor's entry in vendors/vendors.go", vendor, name)
			}
			c.valid, c.noRights = val[0], val[1]
		}
		vc.creds = append(vc.creds, c)
	}
	return vc, nil
}

func (c credential) value(mode credMode, session string) string {
	switch {
	case mode == credInvalid:
		return invalidCredential
	case c.session:
		return session
	case mode == credNoRights && c.noRights != "":
		return c.noRights
	}
	return c.valid
}

// recorded reports whether the recorded request carried the credential, whatever its value
// (redacted or not).
func (c credential) recorded(h http.Header, q url.Values) bool {
	switch c.in {
	case "header":
		return h.Get(c.name) != ""
	case "bearer":
		return h.Get("Authorization") != ""
	case "query":
		return q.Has(c.name)
	case "cookie":
		// A recorder redacts the whole Cookie header; a browser's export keeps its cookies.
		for _, line := range h.Values("Cookie") {
			if line == apiclient.Redacted {
				return true
			}
			for _, part := range strings.Split(line, ";") {
				if name, _, _ := strings.Cut(strings.TrimSpace(part), "="); name == c.name {
					return true
				}
			}
		}
	}
	return false
}

// needsSession reports whether the request, as recorded, carries a session credential that the
// replay must fill with an open session of the mock.
func (vc *vendorCreds) needsSession(h http.Header, q url.Values, mode credMode) bool {
	if mode == credInvalid {
		return false
	}
	for _, c := range vc.creds {
		if c.session && c.recorded(h, q) {
			return true
		}
	}
	return false
}

// apply puts the mock's credentials on req where the recorded request (header h, query q) had
// one, and none where it had none: an unauthenticated exchange stays unauthenticated. Whatever
// the recording held in Cookie and Authorization is dropped first; no vendor's mock reads other
// cookies.
func (vc *vendorCreds) apply(req *http.Request, h http.Header, mode credMode, session string) {
	req.Header.Del("Cookie")
	req.Header.Del("Authorization")
	q := req.URL.Query()
	queryChanged := false
	for _, c := range vc.creds {
		if !c.recorded(h, q) {
			continue
		}
		v := c.value(mode, session)
		switch c.in {
		case "header":
			req.Header.Set(c.name, v)
		case "bearer":
			req.Header.Set("Authorization", "Bearer "+v)
		case "query":
			q.Set(c.name, v)
			queryChanged = true
		case "cookie":
			req.AddCookie(&http.Cookie{Name: c.name, Value: v})
		}
	}
	if queryChanged {
		req.URL.RawQuery = q.Encode()
	}
}

// formFieldRE finds one field of a URL-encoded form, so that a field is replaced in place and the
// form keeps the order and encoding it was recorded with.
func formFieldRE(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|&)(` + regexp.QuoteMeta(url.QueryEscape(name)) + `)=[^&]*`)
}

// loginBody replaces the credentials of a recorded login form (user and password) with the mock's (or, for a
// refused login, invalid ones). Fields the recording lacks stay absent.
func (vc *vendorCreds) loginBody(body []byte, mode credMode) []byte {
	s := string(body)
	for _, field := range slices.Sorted(maps.Keys(vc.login.fields)) {
		value := vc.login.fields[field]
		if mode == credInvalid {
			value = invalidCredential
		}
		value = url.QueryEscape(value)
		s = formFieldRE(field).ReplaceAllStringFunc(s, func(m string) string {
			lead := ""
			if strings.HasPrefix(m, "&") {
				lead = "&"
			}
			return lead + url.QueryEscape(field) + "=" + value
		})
	}
	return []byte(s)
}

// isLogin tells whether opID is one of the login's operations.
func (l *loginForm) isLogin(opID string) bool {
	return l != nil && (opID == l.operation || slices.Contains(l.others, opID))
}

// loginFormBody is the form of the replay's own login, with the mock's test user.
func (vc *vendorCreds) loginFormBody() string {
	v := url.Values{}
	for k, vals := range vc.login.extra {
		v[k] = vals
	}
	for field, value := range vc.login.fields {
		v.Set(field, value)
	}
	return v.Encode()
}

// sessionCookie is the name of the cookie the vendor's session travels in, "" when it has none.
func (vc *vendorCreds) sessionCookie() string {
	for _, c := range vc.creds {
		if c.session {
			return c.name
		}
	}
	return ""
}
