package valomnia

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// sessionCookie is the cookie of the spec's sessionCookie security scheme; tokenPath is where a
// successful login redirects (operation loginSuccess), below the host root.
const (
	sessionCookie = "JSESSIONID"
	tokenPath     = "/login/ajaxSuccess"
)

// login opens a session for the configured user: 302 to the token page, with the session's
// cookie. Anything else (a wrong user or password, no ajax=true, a body that is too large or not
// UTF-8, a form that does not parse) answers the operation's rule login. The fields are request
// parameters: a POST's form body and query alike (the vendor's connector sends them in the query
// of a body-less POST), a GET's query, where a field sent twice is refused.
func (a *adapter) login(c *mock.Call) {
	r := c.R
	var values map[string][]string
	query := r.URL.Query()
	repeated := slices.ContainsFunc(c.Match.Route.Operation.Parameters, func(p *openapi3.ParameterRef) bool {
		return p.Value.In == openapi3.ParameterInQuery && len(query[p.Value.Name]) > 1
	})
	switch {
	case repeated, c.Refused != nil && c.Refused.Kind != mock.RejectInvalid:
	case r.Method == http.MethodGet:
		values = query
	default:
		r2 := r.Clone(r.Context())
		r2.Body, r2.Form, r2.PostForm = http.NoBody, nil, nil
		if len(c.Body) > 0 {
			r2.Body = bodyOf(c.Body)
		}
		if r2.ParseForm() == nil {
			values = r2.Form
		}
	}
	get := func(name string) string {
		if vs := values[name]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	if values == nil || get("ajax") != "true" || !sameSecret(get("j_username"), a.creds.User) || !sameSecret(get("j_password"), a.creds.Password.Reveal()) {
		c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnRule, Rule: ruleLogin}})
		return
	}
	token := a.sessions.start(a.creds.User)
	// Location is absolute, on the host the client called, as a servlet container writes it: the
	// vendor's connector posts to Location as given, and its HTTP client has no host to send a
	// relative URL to. Mounted under a path (/valomnia in the shared server), the redirect and the
	// cookie's path carry the mount.
	prefix := mountPrefix(r)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	c.W.Header().Set("Location", scheme+"://"+r.Host+prefix+tokenPath)
	c.W.Header().Set("Set-Cookie", (&http.Cookie{Name: sessionCookie, Value: token, Path: prefix + "/", HttpOnly: true}).String())
	c.W.WriteHeader(http.StatusFound)
}

// mountPrefix is what precedes the path the mock sees in the path the client sent: the mount
// that http.StripPrefix removed.
func mountPrefix(r *http.Request) string {
	sent, _, _ := strings.Cut(r.RequestURI, "?")
	if p, ok := strings.CutSuffix(sent, r.URL.EscapedPath()); ok && strings.HasPrefix(p, "/") {
		return strings.TrimSuffix(p, "/")
	}
	return ""
}

// token answers the token of the session the cookie names, and its user; without an open
// session (or for a body too large or not UTF-8), the operation's unauthenticated entry.
func (a *adapter) token(c *mock.Call) {
	var user, token string
	ok := false
	if cookie, err := c.R.Cookie(sessionCookie); err == nil && c.Refused == nil {
		token = cookie.Value
		user, ok = a.sessions.use(token)
	}
	if !ok {
		c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnUnauthenticated}})
		return
	}
	roles := make([]any, len(a.creds.Roles))
	for i, role := range a.creds.Roles {
		roles[i] = role
	}
	c.Answer("", map[string]any{"token": token, "success": true, "username": user, "user": map[string]any{
		"email": a.creds.User, "firstName": a.creds.FirstName, "lastName": a.creds.LastName, "role": slices.Clip(roles)}})
}

// maxSessions bounds the open sessions, so that a client (or a fuzzer) logging in in a loop cannot
// grow the mock without end; past it the session closest to expiry is dropped.
const maxSessions = 10_000

// session is one logged-in session. Its token is the map key and never leaves the store except in
// the login's Set-Cookie and the token page.
type session struct {
	user    string
	expires time.Time
}

// sessions are the server-side sessions, keyed by their random opaque token. A session expires
// after timeout without use (a servlet container's idle timeout): each request that presents it
// pushes its expiry back.
type sessions struct {
	timeout time.Duration
	now     func() time.Time

	mu   sync.Mutex
	open map[string]session
}

func newSessions(timeout time.Duration, now func() time.Time) *sessions {
	return &sessions{timeout: timeout, now: now, open: map[string]session{}}
}

// start opens a session for user and returns its token: 16 random bytes in upper-case hex, the
// shape of a servlet session id.
func (s *sessions) start(user string) string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	token := strings.ToUpper(hex.EncodeToString(b))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.open) >= maxSessions {
		s.evictLocked(now)
	}
	s.open[token] = session{user: user, expires: now.Add(s.timeout)}
	return token
}

// evictLocked drops the expired sessions, or the one closest to expiry when none has.
func (s *sessions) evictLocked(now time.Time) {
	var oldest string
	for token, ss := range s.open {
		if !now.Before(ss.expires) {
			delete(s.open, token)
			continue
		}
		if oldest == "" || ss.expires.Before(s.open[oldest].expires) {
			oldest = token
		}
	}
	if len(s.open) >= maxSessions {
		delete(s.open, oldest)
	}
}

// use returns the user of the open session token names and extends it; an expired session is
// closed.
func (s *sessions) use(token string) (user string, ok bool) {
	if token == "" {
		return "", false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.open[token]
	switch {
	case !ok:
		return "", false
	case !now.Before(ss.expires):
		delete(s.open, token)
		return "", false
	}
	ss.expires = now.Add(s.timeout)
	s.open[token] = ss
	return ss.user, true
}

// count returns the number of sessions not yet expired.
func (s *sessions) count() int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.open {
		if now.Before(ss.expires) {
			n++
		}
	}
	return n
}

func (s *sessions) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.open)
}

// sameSecret compares a credential in constant time, so that response times do not tell how much
// of a guess was right.
func sameSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func bodyOf(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
