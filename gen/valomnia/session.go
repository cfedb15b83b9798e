package valomnia

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/oapi-codegen/runtime"

	"github.com/contactapis/contactapis/apiclient"
)

// sessionCookie is the cookie every API call carries the session in (the spec's sessionCookie
// security scheme).
const sessionCookie = "JSESSIONID"

// session is the one session token all callers of a client share.
//
// lock is a one-slot channel used as a mutex: a caller waiting for another caller's login must be
// able to give up when its own context ends, which sync.Mutex cannot do. token is read without the
// lock (to scrub error text) and so is atomic.
type session struct {
	lock  chan struct{}
	token atomic.Pointer[apiclient.Secret]
}

func newSession() session { return session{lock: make(chan struct{}, 1)} }

// current returns the session token, zero before the first login.
func (s *session) current() apiclient.Secret {
	if t := s.token.Load(); t != nil {
		return *t
	}
	return apiclient.Secret{}
}

// usable reports whether t can be sent: there is one, and it is not the one the vendor refused.
func usable(t, stale apiclient.Secret) bool {
	return !t.IsZero() && t.Reveal() != stale.Reveal()
}

// get returns a session token other than stale, logging in when there is none. Callers that find
// the same stale token wait for the first one's login and share its session: ten calls failing
// together with an expired session log in once, not ten times.
func (s *session) get(ctx context.Context, stale apiclient.Secret, login func(context.Context) (apiclient.Secret, error)) (apiclient.Secret, error) {
	if t := s.current(); usable(t, stale) {
		return t, nil
	}
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return apiclient.Secret{}, fmt.Errorf("valomnia: waiting for the login: %w", ctx.Err())
	}
	defer func() { <-s.lock }()
	t := s.current()
	if usable(t, stale) {
		return t, nil
	}
	if !t.IsZero() {
		// Forget the refused session before logging in, so that a failed login leaves none and
		// the next call logs in instead of sending it again.
		s.token.Store(nil)
	}
	t, err := login(ctx)
	if err != nil {
		return apiclient.Secret{}, err
	}
	s.token.Store(&t)
	return t, nil
}

// login opens a session: the login form, then the token page its redirect points to.
func (c *ContactsClient) login(ctx context.Context) (apiclient.Secret, error) {
	form, err := runtime.MarshalForm(LoginForm{
		JUsername: c.creds.User,
		JPassword: c.creds.Password.Reveal(),
		Ajax:      LoginFormAjaxTrue,
	}, nil)
	if err != nil {
		return apiclient.Secret{}, fmt.Errorf("valomnia: login: encode form: %w", err)
	}
	body := form.Encode()
	ex, err := c.opts.Send(ctx, false, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.loginURL.String(), strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	})
	if err != nil {
		return apiclient.Secret{}, fmt.Errorf("valomnia: login: %w", err)
	}
	switch status := ex.Response.StatusCode; {
	case status == http.StatusOK:
		// A Doer that follows redirects itself, with a cookie jar, hands over the token page.
		return c.readToken(ex)
	case status/100 != 3:
		return apiclient.Secret{}, c.apiError(opLogin, ex)
	}

	location := ex.Response.Header.Get("Location")
	if location == "" {
		return apiclient.Secret{}, c.apiError(opLogin, ex)
	}
	target, err := c.loginURL.Parse(location)
	if err != nil {
		// Not err itself: it quotes the Location, which may carry the session id.
		return apiclient.Secret{}, fmt.Errorf("valomnia: login: the redirect's Location is not a URL")
	}
	if target.Host != c.loginURL.Host {
		return apiclient.Secret{}, fmt.Errorf("valomnia: login: redirected to another host (%s); the session is not sent there", target.Host)
	}
	target, rewritten := cutSessionParam(target)
	cookie := rewritten
	for _, ck := range ex.Response.Cookies() {
		if ck.Name == sessionCookie {
			cookie = ck.Value
		}
	}
	redirectSession := apiclient.NewSecret(cookie)

	ex, err = c.opts.Send(ctx, false, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
		if err != nil {
			return nil, err
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
		}
		return req, nil
	})
	if err != nil {
		return apiclient.Secret{}, fmt.Errorf("valomnia: loginSuccess: %w", err)
	}
	if ex.Response.StatusCode != http.StatusOK {
		return apiclient.Secret{}, c.apiError(opLoginSuccess, ex, redirectSession)
	}
	return c.readToken(ex, redirectSession)
}

// readToken takes the session token from the token page. A page without one is where a refused
// login lands when the vendor redirects on failure instead of answering 401 (the spec's
// login-failed entry leaves both open), so it is reported as login-failed.
func (c *ContactsClient) readToken(ex *apiclient.Exchange, extra ...apiclient.Secret) (apiclient.Secret, error) {
	var answer LoginSuccess
	if err := json.Unmarshal(ex.Body, &answer); err == nil && answer.Token != "" {
		return apiclient.NewSecret(answer.Token), nil
	}
	e := c.apiError(opLogin, ex, extra...)
	if e.ID == "" {
		e.ID = "login-failed"
	}
	return apiclient.Secret{}, e
}

// cutSessionParam removes a servlet container's ";jsessionid=…" path parameter from u and returns
// its value. Containers add it to a new session's redirect when they cannot yet tell whether the
// client keeps cookies; left in the URL it would reach logs and error messages.
func cutSessionParam(u *url.URL) (*url.URL, string) {
	const param = ";jsessionid="
	i := strings.Index(strings.ToLower(u.Path), param)
	if i < 0 {
		return u, ""
	}
	value, rest := u.Path[i+len(param):], ""
	if j := strings.IndexAny(value, ";/"); j >= 0 {
		value, rest = value[:j], value[j:]
	}
	clean := *u
	clean.Path, clean.RawPath = u.Path[:i]+rest, ""
	return &clean, value
}
