package valomnia

import (
	"bytes"
	"crypto/subtle"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// The spec's sessionCookie scheme's cookie; where a login redirects (operation loginSuccess).
const sessionCookie, tokenPath = "JSESSIONID", "/login/ajaxSuccess"

// login opens a session for the configured user: 302 to the token page, with its cookie; else
// (wrong credentials, no ajax=true, a body too large or not UTF-8, a form that does not parse, a
// query field sent twice) the rule login. The fields are request parameters: a POST's form body
// and query alike (the vendor's connector uses the query of a body-less POST), a GET's query.
func (a *adapter) login(c *mock.Call) {
	r, values := c.R, url.Values(nil)
	query := r.URL.Query()
	switch {
	case c.Refused != nil && c.Refused.Kind != mock.RejectInvalid:
	case slices.ContainsFunc(c.Match.Route.Operation.Parameters, func(p *openapi3.ParameterRef) bool {
		return p.Value.In == openapi3.ParameterInQuery && len(query[p.Value.Name]) > 1
	}):
	case r.Method == http.MethodGet:
		values = query
	default:
		r2 := r.Clone(r.Context())
		r2.Body, r2.Form, r2.PostForm = io.NopCloser(bytes.NewReader(c.Body)), nil, nil
		if r2.ParseForm() == nil {
			values = r2.Form
		}
	}
	// Compared in constant time: response times do not tell how much of a guess was right.
	get, same := url.Values(values).Get, func(got, want string) bool { return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 }
	if get("ajax") != "true" || !same(get("j_username"), a.creds.User) || !same(get("j_password"), a.creds.Password.Reveal()) {
		c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnRule, Rule: ruleLogin}})
		return
	}
	// Location is absolute, on the host the client called, as a servlet container writes it: the
	// vendor's connector posts to Location as given, with no host to send a relative URL to.
	// Mounted under a path (/valomnia in the shared server), redirect and cookie carry the mount.
	prefix, scheme := mountPrefix(r), "http"
	if r.TLS != nil {
		scheme = "https"
	}
	c.W.Header().Set("Location", scheme+"://"+r.Host+prefix+tokenPath)
	c.W.Header().Set("Set-Cookie", (&http.Cookie{Name: sessionCookie, Value: a.sessions.Start(a.creds.User), Path: prefix + "/", HttpOnly: true}).String())
	c.W.WriteHeader(http.StatusFound)
}

// mountPrefix is the mount http.StripPrefix removed: what precedes the path the mock sees in
// the path the client sent.
func mountPrefix(r *http.Request) string {
	sent, _, _ := strings.Cut(r.RequestURI, "?")
	if p, ok := strings.CutSuffix(sent, r.URL.EscapedPath()); ok && strings.HasPrefix(p, "/") {
		return strings.TrimSuffix(p, "/")
	}
	return ""
}

// token answers the session's token and its user; without an open session, or for any request
// the pipeline refused, the operation's unauthenticated entry.
func (a *adapter) token(c *mock.Call) {
	cookie, err := c.R.Cookie(sessionCookie)
	user, ok := "", false
	if err == nil && c.Refused == nil {
		user, ok = a.sessions.Use(cookie.Value)
	}
	if !ok {
		c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnUnauthenticated}})
		return
	}
	c.Answer("", map[string]any{"token": cookie.Value, "success": true, "username": user, "user": map[string]any{
		"email": a.creds.User, "firstName": a.creds.FirstName, "lastName": a.creds.LastName, "role": slices.Clone(a.creds.Roles)}})
}
