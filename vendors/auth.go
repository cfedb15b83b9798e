package vendors

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
)

// Authorizer puts a vendor's credentials on raw requests, each where the spec's security scheme
// says it travels. It is safe for concurrent use.
type Authorizer struct {
	put     []func(ctx context.Context, r *http.Request) error
	session atomic.Pointer[apiclient.Secret]
}

// NewAuthorizer returns the Authorizer of a client of baseURL with c. A vendor with a Login opens
// its session on the first request, through opts' HTTP client (the typed client's login). A
// required credential c lacks, or a scheme the registry cannot place, is an error: a request
// would otherwise go out without its credential.
func (v *Vendor) NewAuthorizer(baseURL string, c Credentials, opts ...apiclient.Option) (*Authorizer, error) {
	if missing := v.Missing(c); len(missing) > 0 {
		return nil, fmt.Errorf("%s: no credentials: set %s", v.Name, strings.Join(missing, " and "))
	}
	doc, err := specs.Shared(v.Name)
	if err != nil {
		return nil, err
	}
	a := &Authorizer{}
	override := v.CredentialHeader(c)
	for _, cr := range v.Credentials {
		if cr.Scheme == "" {
			continue
		}
		value := c.Value(cr.Key)
		if override != "" && slices.ContainsFunc(v.Credentials, func(o Credential) bool { return o.HeaderFor == cr.Key }) {
			a.put = append(a.put, func(_ context.Context, r *http.Request) error { r.Header.Set(override, value); return nil })
			continue
		}
		set, err := placer(doc, cr.Scheme)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.Name, err)
		}
		a.put = append(a.put, func(_ context.Context, r *http.Request) error { set(r, value); return nil })
	}
	if l := v.Login; l != nil {
		set, err := placer(doc, l.Scheme)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.Name, err)
		}
		session, err := l.Open(baseURL, c, opts...)
		if err != nil {
			return nil, err
		}
		a.put = append(a.put, func(ctx context.Context, r *http.Request) error {
			tok, err := session(ctx, apiclient.Secret{})
			if err != nil {
				return err
			}
			a.session.Store(&tok)
			set(r, tok.Reveal())
			return nil
		})
	}
	return a, nil
}

// Authorize adds the credentials to r, logging in first where the vendor needs a session.
func (a *Authorizer) Authorize(ctx context.Context, r *http.Request) error {
	for _, put := range a.put {
		if err := put(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// Session is the session token the last Authorize sent (zero before one, or without a Login),
// for redaction.
func (a *Authorizer) Session() apiclient.Secret {
	if t := a.session.Load(); t != nil {
		return *t
	}
	return apiclient.Secret{}
}

// placer returns how a value of the named security scheme goes on a request.
func placer(doc *openapi3.T, scheme string) (func(r *http.Request, value string), error) {
	var s *openapi3.SecurityScheme
	if doc.Components != nil && doc.Components.SecuritySchemes[scheme] != nil {
		s = doc.Components.SecuritySchemes[scheme].Value
	}
	switch {
	case s == nil:
		return nil, fmt.Errorf("the spec has no security scheme %q", scheme)
	case s.Type == "apiKey" && s.In == "header":
		return func(r *http.Request, v string) { r.Header.Set(s.Name, v) }, nil
	case s.Type == "apiKey" && s.In == "query":
		return func(r *http.Request, v string) {
			q := r.URL.Query()
			q.Set(s.Name, v)
			r.URL.RawQuery = q.Encode()
		}, nil
	case s.Type == "apiKey" && s.In == "cookie":
		return func(r *http.Request, v string) { r.AddCookie(&http.Cookie{Name: s.Name, Value: v}) }, nil
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		return func(r *http.Request, v string) { r.Header.Set("Authorization", "Bearer "+v) }, nil
	}
	return nil, fmt.Errorf("security scheme %q (%s %s %s) is not one the registry can place; teach vendors/auth.go", scheme, s.Type, s.In, s.Scheme)
}

// Describe says in one line how a client of baseURL authenticates with c, values shown (for
// tools/mockserver's banner, whose test credentials are meant to be read): "headers username:
// test, secureKey: test", "Authorization: Bearer test", "login user / password at <login URL>".
func (v *Vendor) Describe(baseURL string, c Credentials) string {
	doc, err := specs.Shared(v.Name)
	if err != nil {
		return err.Error()
	}
	var headers, parts []string
	for _, cr := range v.Credentials {
		var s *openapi3.SecurityScheme
		if ref := doc.Components.SecuritySchemes[cr.Scheme]; cr.Scheme != "" && ref != nil {
			s = ref.Value
		}
		switch {
		case s == nil:
		case s.Type == "apiKey" && s.In == "header":
			headers = append(headers, s.Name+": "+c.Value(cr.Key))
		case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
			p := "Authorization: Bearer " + c.Value(cr.Key)
			if cr.NoRights != "" {
				p += " (" + cr.NoRights + ": a token without rights)"
			}
			parts = append(parts, p)
		default:
			parts = append(parts, fmt.Sprintf("%s %s %s: %s", s.Type, s.In, s.Name, c.Value(cr.Key)))
		}
	}
	if len(headers) > 0 {
		parts = append([]string{"headers " + strings.Join(headers, ", ")}, parts...)
	}
	if l := v.Login; l != nil {
		var values []string
		for _, cr := range v.Credentials {
			if _, ok := l.Form[cr.Key]; ok {
				values = append(values, c.Value(cr.Key))
			}
		}
		parts = append(parts, "login "+strings.Join(values, " / ")+" at "+l.URL(baseURL))
	}
	return strings.Join(parts, "; ")
}
