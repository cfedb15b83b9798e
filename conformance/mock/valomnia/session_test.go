package valomnia_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	api "github.com/contactapis/contactapis/gen/valomnia"
)

// The login flow public material describes: a form post answered 302 to /login/ajaxSuccess with
// the session's cookie, whose token page answers the token to send as JSESSIONID.
func TestLoginOpensASession(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	res := e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: formType,
		body: []byte("j_username=test%40example.com&j_password=test&ajax=true")})
	if res.status != http.StatusFound {
		t.Fatalf("status %d, want 302; body %s", res.status, res.body)
	}
	// Mounted under /valomnia, the redirect and the cookie stay under the mount; Location is
	// absolute, on the host called (the vendor's connector posts to it as given).
	if loc, err := url.Parse(res.header.Get("Location")); err != nil || !loc.IsAbs() || loc.Host != e.host() || loc.Path != "/valomnia/login/ajaxSuccess" {
		t.Errorf("Location %q, want an absolute URL of /valomnia/login/ajaxSuccess on %s", res.header.Get("Location"), e.host())
	}
	cookies := (&http.Response{Header: res.header}).Cookies()
	if len(cookies) != 1 || cookies[0].Name != "JSESSIONID" || cookies[0].Path != "/valomnia/" || !cookies[0].HttpOnly {
		t.Fatalf("cookies %+v; want one HttpOnly JSESSIONID for /valomnia/", cookies)
	}
	token := cookies[0].Value

	page := e.send(raw{method: http.MethodGet, path: "/login/ajaxSuccess", session: token})
	var got api.LoginSuccess
	if err := json.Unmarshal(page.body, &got); err != nil || page.status != http.StatusOK {
		t.Fatalf("token page: %d %s", page.status, page.body)
	}
	if got.Token != token || got.Success == nil || !*got.Success || got.Username == nil || *got.Username != testUser {
		t.Errorf("token page %+v; want the cookie's token for %s", got, testUser)
	}
	// The user a public client reads from the page (LoginUser): the default credentials' profile.
	if u := got.User; u.Email != testUser || u.FirstName != "Test" || u.LastName != "User" || len(u.Role) != 1 || u.Role[0] != "ROLE_ADMIN" {
		t.Errorf("token page user %+v", u)
	}
	wantContact(t, e.send(form("/api/v1.0/contacts/5", marieForm("", ""), got.Token)))
	if n := e.state().OpenSessions; n != 1 {
		t.Errorf("%d open sessions, want 1", n)
	}
}

// Without the mount (the backend's handler served at a host root) the redirect is the page's own
// path.
func TestLoginRedirectWithoutMount(t *testing.T) {
	b, err := valomnia.New(valomnia.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	resp, err := noRedirect.Post(srv.URL+"/j_spring_security_check", formType, strings.NewReader("j_username=test%40example.com&j_password=test&ajax=true"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != srv.URL+"/login/ajaxSuccess" {
		t.Errorf("%d, Location %q", resp.StatusCode, loc)
	}
	if c := resp.Cookies(); len(c) != 1 || c[0].Path != "/" {
		t.Errorf("cookies %+v", c)
	}
}

// Tokens are random and opaque: 32 upper-case hex digits, different for every login, and never
// derived from the user or password.
func TestSessionTokensAreRandomOpaque(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	shape := regexp.MustCompile(`^[0-9A-F]{32}$`)
	seen := map[string]bool{}
	for range 20 {
		token := e.login()
		if !shape.MatchString(token) || seen[token] {
			t.Fatalf("token %q: not 32 hex digits, or seen before", token)
		}
		seen[token] = true
	}
	// Each is its own session, all open.
	if n := e.state().OpenSessions; n != 20 {
		t.Errorf("%d open sessions, want 20", n)
	}
}

// The login takes only the configured credentials, in the JSON flow (ajax=true); every other
// login form answers login-failed and opens no session.
func TestFailedLoginsAnswerLoginFailed(t *testing.T) {
	tests := []struct{ name, contentType, body string }{
		{"wrong password", formType, "j_username=test%40example.com&j_password=tesT&ajax=true"},
		{"wrong user", formType, "j_username=TEST%40example.com&j_password=test&ajax=true"},
		{"password prefix", formType, "j_username=test%40example.com&j_password=tes&ajax=true"},
		{"no password", formType, "j_username=test%40example.com&ajax=true"},
		{"not the JSON flow", formType, "j_username=test%40example.com&j_password=test&ajax=false"},
		{"empty form", formType, ""},
		{"JSON body", "application/json", `{"j_username":"test@example.com","j_password":"test","ajax":"true"}`},
		{"malformed form", formType, "j_username=test%40example.com&j_password=%zz&ajax=true"},
		{"password not UTF-8", formType, "j_username=test%40example.com&j_password=\xff&ajax=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			wantError(t, e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: tt.contentType, body: []byte(tt.body)}), "login-failed", nil)
			if n := e.state().OpenSessions; n != 0 {
				t.Errorf("a refused login opened %d sessions", n)
			}
		})
	}
}

// The spec assumes (the x-assumed of the login's form media type) that the vendor reads the
// login's fields from the query string as well, as a public connector sends them; the spec's
// validation, which requires a body, is overruled for it.
func TestLoginReadsRequestParameters(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	res := e.send(raw{method: http.MethodPost, path: "/j_spring_security_check?j_username=test%40example.com&j_password=test&ajax=true"})
	if res.status != http.StatusFound {
		t.Fatalf("status %d, body %s", res.status, res.body)
	}
	// The body first: its wrong password decides, whatever the query says.
	wantError(t, e.send(raw{method: http.MethodPost, path: "/j_spring_security_check?j_password=test", contentType: formType,
		body: []byte("j_username=test%40example.com&j_password=wrong&ajax=true")}), "login-failed", nil)
}

// Configured credentials replace the defaults.
func TestConfiguredCredentials(t *testing.T) {
	e := newEnv(t, valomnia.Options{Credentials: valomnia.Credentials{User: "marie@entity1.example", Password: apiclient.NewSecret("s3cret")}})
	wantError(t, e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: formType,
		body: []byte("j_username=test%40example.com&j_password=test&ajax=true")}), "login-failed", nil)
	res := e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: formType,
		body: []byte("j_username=marie%40entity1.example&j_password=s3cret&ajax=true")})
	if res.status != http.StatusFound {
		t.Errorf("status %d with the configured credentials", res.status)
	}
}

// A missing, unknown or expired session answers no_credentials on the API and on the token page;
// a session lives for its idle timeout, and each use pushes the expiry back.
func TestSessionsExpireWhenIdle(t *testing.T) {
	e := newEnv(t, valomnia.Options{SessionTimeout: 10 * time.Minute})
	token := e.login()
	update := func() result { return e.send(form("/api/v1.0/contacts/5", marieForm("", ""), token)) }

	e.clock.Advance(9 * time.Minute)
	wantContact(t, update()) // 9 minutes idle: alive, and renewed
	e.clock.Advance(9 * time.Minute)
	wantContact(t, update()) // 18 minutes after login, 9 idle: alive
	e.clock.Advance(10 * time.Minute)
	wantError(t, update(), "no-credentials", nil) // 10 minutes idle: gone
	wantError(t, e.send(raw{method: http.MethodGet, path: "/login/ajaxSuccess", session: token}), "login-success-no-session", nil)
	if n := e.state().OpenSessions; n != 0 {
		t.Errorf("%d open sessions after expiry", n)
	}

	// A new login works at once.
	wantContact(t, e.send(form("/api/v1.0/contacts/5", marieForm("", ""), e.login())))
}

func TestMissingOrUnknownSessionAnswersNoCredentials(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	e.login()
	for _, session := range []string{"", "0123456789ABCDEF0123456789ABCDEF", "not-a-token"} {
		wantError(t, e.send(form("/api/v1.0/contacts/5", marieForm("", ""), session)), "no-credentials", nil)
	}
	// The token in another cookie is no session.
	req, _ := http.NewRequest(http.MethodPost, e.url("/api/v1.0/contacts/5"), strings.NewReader(marieForm("", "")))
	req.Header.Set("Content-Type", formType)
	req.AddCookie(&http.Cookie{Name: "SESSION", Value: e.login()})
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantError(t, result{status: resp.StatusCode, header: resp.Header, body: body}, "no-credentials", nil)
}

// The admin reset restores the fixtures and closes every session.
func TestResetClearsSessionsAndData(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	token := e.login()
	wantContact(t, e.send(form("/api/v1.0/contacts/5", marieForm("city=Any+town", "city=Springfield"), token)))
	if e.contact(5).City != "Springfield" {
		t.Fatal("the update was not stored")
	}
	resp, err := noRedirect.Post(e.srv.URL+"/_admin/reset?vendor=valomnia", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e.contact(5).City != "Any town" {
		t.Error("reset did not restore contact 5")
	}
	wantError(t, e.send(form("/api/v1.0/contacts/5", marieForm("", ""), token)), "no-credentials", nil)
}

// The client logs in by itself, shares one session between calls, and logs in again when the
// session is gone.
func TestClientSessionLifecycle(t *testing.T) {
	e := newEnv(t, valomnia.Options{SessionTimeout: time.Minute})
	c := e.client()
	for range 3 {
		if _, err := c.UpdateContact(t.Context(), "5", marie(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.state().OpenSessions; n != 1 {
		t.Errorf("%d sessions for three calls, want 1", n)
	}
	e.clock.Advance(2 * time.Minute)
	if _, err := c.UpdateContact(t.Context(), "5", marie(), nil); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}

// No credential reaches a log: neither the password nor a session token, whatever happens.
func TestLogsCarryNoCredential(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const password = "pa55-w0rd-that-must-never-print"
	b, err := valomnia.New(valomnia.Options{Credentials: valomnia.Credentials{User: "marie@entity1.example", Password: apiclient.NewSecret(password)}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	e := serve(t, b, newClock(), mock.Options{Logger: logger})
	res := e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: formType,
		body: []byte("j_username=marie%40entity1.example&j_password=" + password + "&ajax=true")})
	token := (&http.Response{Header: res.header}).Cookies()[0].Value
	e.send(raw{method: http.MethodGet, path: "/login/ajaxSuccess", session: token})
	e.send(form("/api/v1.0/contacts/5", marieForm("", ""), token))
	e.send(form("/api/v1.0/contacts/5", "useExternalId=maybe", token)) // refused by validation, logged at debug
	ct, body := multipartBody(t, fields(part{name: "imageFile", fileName: "m.png", contentType: "application/octet-stream", data: golden(t, "marie_schrader.png")})...)
	e.send(raw{method: http.MethodPost, path: "/api/v1.0/contacts/5", contentType: ct, body: body, session: token}) // accepted past validation, logged as a warning
	e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: formType,
		body: []byte("j_username=marie%40entity1.example&j_password=" + password + "x&ajax=true")})
	if logs.Len() == 0 {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	for _, secret := range []string{password, token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a credential reached the log:\n%s", logs.String())
		}
	}
}
