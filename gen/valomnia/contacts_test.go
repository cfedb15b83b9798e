package valomnia_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// The user and password of testdata/login-request.form; made up.
const (
	testUser     = "marie@entity1.example"
	testPassword = "pa55-w0rd-that-must-never-print"
)

var testCreds = valomnia.Credentials{User: testUser, Password: apiclient.NewSecret(testPassword)}

// sessionToken is the token the fake's n-th login issues, redirectCookie the JSESSIONID its 302
// sets. They differ on purpose: the client must send the token from the token page, not the cookie.
func sessionToken(n int) string   { return fmt.Sprintf("T0KEN-%d-0123456789ABCDEF", n) }
func redirectCookie(n int) string { return fmt.Sprintf("REDIRECT-%d-FEDCBA9876543210", n) }

// seenRequest is what the fake vendor saw of one request.
type seenRequest struct {
	method, path, escapedPath, query, contentType, cookie string
	body                                                  []byte
	validation                                            error
}

type answer struct {
	status      int
	contentType string
	body        string
}

// fakeVendor answers as Valomnia does: a login form that redirects to a token page, and the
// contacts API behind the session cookie. Fields set before the first call change its behaviour.
type fakeVendor struct {
	*httptest.Server
	t *testing.T

	loginPath string // where the login form is served
	apiPrefix string // what precedes /contacts/{id}
	tokenPath string // the token page
	// location is the 302's Location; "" means tokenPath. "{cookie}" is replaced by the session id.
	location string
	// noRedirectCookie: the 302 sets no JSESSIONID (the token page then trusts the last login).
	noRedirectCookie bool
	// loginAnswer and tokenAnswer replace the documented answers of the login and token page.
	loginAnswer, tokenAnswer *answer
	// updates answer the API calls in turn (the last repeats) once the session is accepted; none
	// means the page's success example.
	updates []answer
	// loginGate runs inside the login handler before it answers, to hold logins open.
	loginGate func()

	mu       sync.Mutex
	requests []seenRequest
	logins   int
	expired  map[string]bool
	updateN  int
}

func newFakeVendor(t *testing.T, configure func(*fakeVendor)) *fakeVendor {
	t.Helper()
	v := &fakeVendor{t: t, loginPath: "/j_spring_security_check", apiPrefix: apiPrefix, tokenPath: "/login/ajaxSuccess", expired: map[string]bool{}}
	if configure != nil {
		configure(v)
	}
	v.Server = httptest.NewServer(http.HandlerFunc(v.serve))
	t.Cleanup(v.Close)
	return v
}

// baseURL is the API base URL a client of the fake uses.
func (v *fakeVendor) baseURL() string { return v.URL + v.apiPrefix }

func (v *fakeVendor) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	seen := seenRequest{method: r.Method, path: r.URL.Path, escapedPath: r.URL.EscapedPath(), query: r.URL.RawQuery, contentType: r.Header.Get("Content-Type"), body: body}
	if c, err := r.Cookie("JSESSIONID"); err == nil {
		seen.cookie = c.Value
	}
	id, isAPI := strings.CutPrefix(r.URL.Path, v.apiPrefix+"/contacts/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == v.loginPath:
		seen.validation = validateShared(r, body, "/j_spring_security_check", nil)
	case r.Method == http.MethodGet && r.URL.Path == v.tokenPath:
		seen.validation = validateShared(r, body, "/login/ajaxSuccess", nil)
	case r.Method == http.MethodPost && isAPI:
		seen.validation = validateShared(r, body, "/contacts/{id}", map[string]string{"id": id})
	}
	v.mu.Lock()
	v.requests = append(v.requests, seen)
	n := len(v.requests)
	v.mu.Unlock()
	w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n))

	switch {
	case r.Method == http.MethodPost && r.URL.Path == v.loginPath:
		v.serveLogin(w, r.Host, body)
	case r.Method == http.MethodGet && r.URL.Path == v.tokenPath:
		v.serveToken(w, seen.cookie)
	case r.Method == http.MethodPost && isAPI:
		v.serveUpdate(w, seen.cookie)
	default:
		v.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotFound)
	}
}

func (v *fakeVendor) serveLogin(w http.ResponseWriter, host string, body []byte) {
	if v.loginGate != nil {
		v.loginGate()
	}
	if v.loginAnswer != nil {
		write(w, *v.loginAnswer)
		return
	}
	form, _ := url.ParseQuery(string(body))
	if form.Get("j_username") != testUser || form.Get("j_password") != testPassword || form.Get("ajax") != "true" {
		write(w, vendorError(v.t, "login-failed", nil))
		return
	}
	v.mu.Lock()
	v.logins++
	n := v.logins
	v.mu.Unlock()
	if !v.noRedirectCookie {
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: redirectCookie(n), Path: "/", HttpOnly: true})
	}
	location := v.location
	if location == "" {
		location = v.tokenPath
	}
	location = strings.NewReplacer("{cookie}", redirectCookie(n), "{host}", host).Replace(location)
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
}

func (v *fakeVendor) serveToken(w http.ResponseWriter, cookie string) {
	if v.tokenAnswer != nil {
		write(w, *v.tokenAnswer)
		return
	}
	v.mu.Lock()
	n := v.logins
	if cookie != "" {
		n = 0
		for i := 1; i <= v.logins; i++ {
			if cookie == redirectCookie(i) {
				n = i
			}
		}
	}
	v.mu.Unlock()
	if n == 0 {
		write(w, vendorError(v.t, "login-success-no-session", nil))
		return
	}
	write(w, answer{200, "application/json", fmt.Sprintf(`{"success":true,"username":%q,"token":%q}`, testUser, sessionToken(n))})
}

func (v *fakeVendor) serveUpdate(w http.ResponseWriter, cookie string) {
	v.mu.Lock()
	valid := false
	for i := 1; i <= v.logins; i++ {
		valid = valid || cookie == sessionToken(i)
	}
	valid = valid && !v.expired[cookie]
	var a answer
	if valid {
		v.updateN++
		if len(v.updates) == 0 {
			a = answer{200, "application/json", string(readGolden(v.t, "update-contact-200.json"))}
		} else {
			a = v.updates[min(v.updateN, len(v.updates))-1]
		}
	}
	v.mu.Unlock()
	if !valid {
		a = vendorError(v.t, "no-credentials", nil)
	}
	write(w, a)
}

// expire makes the API refuse every session issued so far, as after a session timeout.
func (v *fakeVendor) expire() {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i := 1; i <= v.logins; i++ {
		v.expired[sessionToken(i)] = true
	}
}

// seen returns the requests so far whose path is path (every request for "").
func (v *fakeVendor) seen(path string) []seenRequest {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []seenRequest
	for _, r := range v.requests {
		if path == "" || r.path == path || strings.HasPrefix(r.path, path+"/") {
			out = append(out, r)
		}
	}
	return out
}

func (v *fakeVendor) apiCalls() []seenRequest   { return v.seen(v.apiPrefix + "/contacts") }
func (v *fakeVendor) loginCalls() []seenRequest { return v.seen(v.loginPath) }

func write(w http.ResponseWriter, a answer) {
	if a.contentType != "" {
		w.Header().Set("Content-Type", a.contentType)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

// The spec, loaded once: the fake validates every request against it, concurrently in some tests,
// and kin-openapi's validation is not documented as safe for concurrent use.
var (
	sharedDoc        = sync.OnceValue(func() *openapi3.T { return specs.MustLoad(specs.Valomnia) })
	sharedCatalogue  = sync.OnceValues(func() (specs.Catalogue, error) { return specs.ReadCatalogue(sharedDoc()) })
	sharedValidation sync.Mutex
)

func validateShared(r *http.Request, body []byte, path string, pathParams map[string]string) error {
	doc := sharedDoc()
	sharedValidation.Lock()
	defer sharedValidation.Unlock()
	return validateRequest(doc, r, body, path, pathParams)
}

// vendorError renders a catalogue entry as the vendor's JSON error: the spec is the only place the
// module's error strings are written.
func vendorError(t *testing.T, id string, args map[string]string) answer {
	t.Helper()
	cat, err := sharedCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := cat.ByID(id)
	if !ok {
		t.Fatalf("no catalogue entry %q", id)
	}
	msg, err := e.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(valomnia.ErrorBody{Error: e.Code, ErrorDescription: msg})
	return answer{e.Status, "application/json", string(body)}
}

var fastRetry = apiclient.WithRetryPolicy(apiclient.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})

func newTestClient(t *testing.T, baseURL string, opts ...apiclient.Option) *valomnia.ContactsClient {
	t.Helper()
	c, err := valomnia.NewContactsClient(baseURL, testCreds, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// marie is the update built from the page's success example (testdata/update-contact-request.form).
func marie() valomnia.ContactUpdate {
	return valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: "3229",
		Fonction: ptr("Commercial"), City: ptr("Any town"), Address: ptr("Main street")}
}

func pngImage(t *testing.T) *valomnia.Image {
	return &valomnia.Image{FileName: "marie_schrader.png", Content: bytes.NewReader(readGolden(t, "marie_schrader.png"))}
}

func TestUpdateContactSendsThePagesRequests(t *testing.T) {
	tests := []struct {
		name       string
		id         string
		update     valomnia.ContactUpdate
		image      func(*testing.T) *valomnia.Image
		wantPath   string // escaped, after the API prefix
		wantForm   string // golden of the URL-encoded body
		wantParts  string // golden of the multipart body
		wantMedium string
	}{
		{name: "form, the success example's values", id: "5", update: marie(),
			wantPath: "/contacts/5", wantForm: "update-contact-request.form", wantMedium: "application/x-www-form-urlencoded"},
		{name: "form, the parameter table's example values", id: "123",
			update:   valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: "3229", Country: ptr("FR"), UseExternalID: ptr(true)},
			wantPath: "/contacts/123", wantForm: "update-contact-request-table.form", wantMedium: "application/x-www-form-urlencoded"},
		{name: "multipart with the photo", id: "5", update: marie(), image: pngImage,
			wantPath: "/contacts/5", wantParts: "update-contact-request.multipart", wantMedium: "multipart/form-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t, nil)
			var img *valomnia.Image
			if tt.image != nil {
				img = tt.image(t)
			}
			contact, err := newTestClient(t, v.baseURL()).UpdateContact(t.Context(), tt.id, tt.update, img)
			if err != nil {
				t.Fatal(err)
			}
			calls := v.apiCalls()
			if len(calls) != 1 {
				t.Fatalf("%d API calls, want 1", len(calls))
			}
			r := calls[0]
			if r.method != http.MethodPost || r.escapedPath != apiPrefix+tt.wantPath || r.query != "" {
				t.Errorf("sent %s %s?%s, want POST %s%s without a query", r.method, r.escapedPath, r.query, apiPrefix, tt.wantPath)
			}
			if r.cookie != sessionToken(1) {
				t.Errorf("JSESSIONID %q, want the token page's %q", r.cookie, sessionToken(1))
			}
			if r.validation != nil {
				t.Errorf("the spec refuses the request: %v", r.validation)
			}
			medium, params, _ := mime.ParseMediaType(r.contentType)
			if medium != tt.wantMedium {
				t.Fatalf("Content-Type %q, want %s", r.contentType, tt.wantMedium)
			}
			if tt.wantForm != "" {
				if got, want := parseForm(t, r.body), parseFormGolden(t, tt.wantForm); !reflect.DeepEqual(got, want) {
					t.Errorf("form %v, want %v", got, want)
				}
			} else {
				got, want := rawParts(t, r.body, params["boundary"]), rawParts(t, readGolden(t, tt.wantParts), goldenBoundary)
				if !slices.Equal(got, want) {
					t.Errorf("multipart parts differ from %s\n got: %q\nwant: %q", tt.wantParts, got, want)
				}
			}
			if contact.ID != 5 || contact.FirstName != "Marie" || deref(contact.City) != "Any town" || deref(contact.Customer.ID) != 3229 {
				t.Errorf("contact %+v is not the page's success example", contact)
			}
		})
	}
}

// An external reference is any string: it must reach the vendor intact, escaped in the path, with
// useExternalId=true in the body.
func TestUpdateContactByExternalReference(t *testing.T) {
	v := newFakeVendor(t, nil)
	update := valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: "C0959", UseExternalID: ptr(true)}
	if _, err := newTestClient(t, v.baseURL()).UpdateContact(t.Context(), "crm/42 b", update, nil); err != nil {
		t.Fatal(err)
	}
	r := v.apiCalls()[0]
	if r.path != apiPrefix+"/contacts/crm/42 b" || r.escapedPath != apiPrefix+"/contacts/crm%2F42%20b" {
		t.Errorf("path %q (escaped %q)", r.path, r.escapedPath)
	}
	want := url.Values{"firstName": {"Marie"}, "lastName": {"Schrader"}, "customerId": {"C0959"}, "useExternalId": {"true"}}
	if got := parseForm(t, r.body); !reflect.DeepEqual(got, want) {
		t.Errorf("form %v, want %v", got, want)
	}
}

func TestLoginURLAndRedirect(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*fakeVendor)
		base      func(*fakeVendor) string // "" means the fake's base URL
		loginURL  func(*fakeVendor) string
	}{
		{name: "derived from /api/{version}", configure: func(v *fakeVendor) {}},
		{name: "derived, trailing slash", configure: func(v *fakeVendor) { v.apiPrefix = "/api/v2.1" },
			base: func(v *fakeVendor) string { return v.URL + "/api/v2.1/" }},
		{name: "derived under a path prefix, relative Location", configure: func(v *fakeVendor) {
			v.apiPrefix, v.loginPath, v.tokenPath, v.location = "/valomnia/api/v1.0", "/valomnia/j_spring_security_check", "/valomnia/login/ajaxSuccess", "login/ajaxSuccess"
		}},
		{name: "absolute Location", configure: func(v *fakeVendor) { v.location = "http://{host}/login/ajaxSuccess" }},
		{name: "explicit login URL", configure: func(v *fakeVendor) { v.loginPath = "/sso/check" },
			loginURL: func(v *fakeVendor) string { return v.URL + "/sso/check" }},
		{name: "explicit login URL, base without /api/{version}", configure: func(v *fakeVendor) { v.apiPrefix = "/gateway" },
			loginURL: func(v *fakeVendor) string { return v.URL + "/j_spring_security_check" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t, tt.configure)
			base := v.baseURL()
			if tt.base != nil {
				base = tt.base(v)
			}
			creds := testCreds
			if tt.loginURL != nil {
				creds.LoginURL = tt.loginURL(v)
			}
			c, err := valomnia.NewContactsClient(base, creds)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.UpdateContact(t.Context(), "5", marie(), nil); err != nil {
				t.Fatal(err)
			}
			all := v.seen("")
			wantPaths := []string{v.loginPath, v.tokenPath, v.apiPrefix + "/contacts/5"}
			var gotPaths []string
			for _, r := range all {
				gotPaths = append(gotPaths, r.method+" "+r.path)
			}
			if want := []string{"POST " + wantPaths[0], "GET " + wantPaths[1], "POST " + wantPaths[2]}; !slices.Equal(gotPaths, want) {
				t.Fatalf("requests %q, want %q", gotPaths, want)
			}
			login := all[0]
			if login.contentType != "application/x-www-form-urlencoded" || login.validation != nil {
				t.Errorf("login Content-Type %q, spec verdict %v", login.contentType, login.validation)
			}
			if got, want := parseForm(t, login.body), parseFormGolden(t, "login-request.form"); !reflect.DeepEqual(got, want) {
				t.Errorf("login form %v, want %v", got, want)
			}
		})
	}
}

// The 302's cookie goes to the token page; the token page's token goes to the API. A container's
// ;jsessionid= path parameter is turned into the cookie rather than sent in the URL.
func TestLoginCarriesTheSessionThroughTheRedirect(t *testing.T) {
	tests := []struct {
		name            string
		configure       func(*fakeVendor)
		wantTokenCookie string
	}{
		{"cookie set by the 302", nil, redirectCookie(1)},
		{"no cookie on the 302", func(v *fakeVendor) { v.noRedirectCookie = true }, ""},
		{"session id in the Location's path", func(v *fakeVendor) {
			v.noRedirectCookie, v.location = true, "/login/ajaxSuccess;jsessionid={cookie}"
		}, redirectCookie(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t, tt.configure)
			if _, err := newTestClient(t, v.baseURL()).UpdateContact(t.Context(), "5", marie(), nil); err != nil {
				t.Fatal(err)
			}
			page := v.seen(v.tokenPath)
			if len(page) != 1 || page[0].cookie != tt.wantTokenCookie || page[0].escapedPath != v.tokenPath {
				t.Fatalf("token page requests %+v; want one to %s with JSESSIONID %q", page, v.tokenPath, tt.wantTokenCookie)
			}
			if page[0].validation != nil {
				t.Errorf("the spec refuses the token page request: %v", page[0].validation)
			}
			if api := v.apiCalls(); api[0].cookie != sessionToken(1) {
				t.Errorf("API call JSESSIONID %q, want the token %q", api[0].cookie, sessionToken(1))
			}
		})
	}
}

func TestLoginFailures(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*fakeVendor)
		creds     valomnia.Credentials
		op        string
		status    int
		sentinel  error
		id        string
		body      string
	}{
		{name: "wrong password", creds: valomnia.Credentials{User: testUser, Password: apiclient.NewSecret("wrong-password")},
			op: "login", status: 401, sentinel: apiclient.ErrUnauthorized, id: "login-failed"},
		{name: "refusal in other words", configure: func(v *fakeVendor) {
			v.loginAnswer = &answer{401, "application/json", `{"error":"bad_credentials","error_description":"Sorry, we were not able to find a user with that username and password."}`}
		}, op: "login", status: 401, sentinel: apiclient.ErrUnauthorized, id: "login-failed"},
		{name: "redirect to a failure page", configure: func(v *fakeVendor) {
			v.tokenAnswer = &answer{200, "application/json", `{"error":"Sorry, we were not able to find a user with that username and password."}`}
		}, op: "login", status: 200, sentinel: apiclient.ErrUnexpected, id: "login-failed"},
		{name: "token page without a session", configure: func(v *fakeVendor) {
			v.tokenAnswer = ptr(vendorError(t, "login-success-no-session", nil))
		}, op: "loginSuccess", status: 401, sentinel: apiclient.ErrUnauthorized, id: "login-success-no-session"},
		{name: "token page that is not JSON", configure: func(v *fakeVendor) { v.tokenAnswer = &answer{200, "text/html", "<html>Welcome</html>"} },
			op: "login", status: 200, sentinel: apiclient.ErrUnexpected, id: "login-failed", body: "<html>Welcome</html>"},
		{name: "no_credentials, which no login entry documents", configure: func(v *fakeVendor) {
			v.loginAnswer = ptr(vendorError(t, "no-credentials", nil))
		}, op: "login", status: 401, sentinel: apiclient.ErrUnauthorized},
		{name: "proxy error on the login", configure: func(v *fakeVendor) { v.loginAnswer = &answer{502, "text/html", "<h1>Bad Gateway</h1>"} },
			op: "login", status: 502, sentinel: apiclient.ErrServer, body: "<h1>Bad Gateway</h1>"},
		{name: "redirect without Location", configure: func(v *fakeVendor) { v.loginAnswer = &answer{302, "", ""} },
			op: "login", status: 302, sentinel: apiclient.ErrUnexpected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t, tt.configure)
			creds := tt.creds
			if creds.User == "" {
				creds = testCreds
			}
			c, err := valomnia.NewContactsClient(v.baseURL(), creds)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.UpdateContact(t.Context(), "5", marie(), nil)
			var apiErr *valomnia.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			if apiErr.Operation != tt.op || apiErr.StatusCode != tt.status || apiErr.ID != tt.id || apiErr.Body != tt.body || apiErr.RequestID == "" {
				t.Errorf("got %+v; want operation %s, status %d, id %q, body %q, a request id", apiErr, tt.op, tt.status, tt.id, tt.body)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) is false", tt.sentinel)
			}
			if tt.id != "" && !errors.Is(err, apiclient.CatalogueID(tt.id)) {
				t.Errorf("errors.Is(err, CatalogueID(%q)) is false", tt.id)
			}
			if n := len(v.apiCalls()); n != 0 {
				t.Errorf("%d API calls after a failed login", n)
			}
		})
	}
}

// The session goes to the host that opened it and nowhere else.
func TestLoginRefusesARedirectToAnotherHost(t *testing.T) {
	elsewhere := newFakeVendor(t, nil)
	v := newFakeVendor(t, func(v *fakeVendor) { v.location = elsewhere.URL + "/login/ajaxSuccess" })
	_, err := newTestClient(t, v.baseURL()).UpdateContact(t.Context(), "5", marie(), nil)
	if err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("err %v, want a refusal to follow the redirect", err)
	}
	if n := len(elsewhere.seen("")); n != 0 {
		t.Errorf("the other host received %d requests", n)
	}
}

func TestSessionIsReusedAcrossCalls(t *testing.T) {
	v := newFakeVendor(t, nil)
	c := newTestClient(t, v.baseURL())
	for range 3 {
		if _, err := c.UpdateContact(t.Context(), "5", marie(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(v.loginCalls()); n != 1 {
		t.Errorf("%d logins for three calls, want 1", n)
	}
	for i, r := range v.apiCalls() {
		if r.cookie != sessionToken(1) {
			t.Errorf("call %d sent JSESSIONID %q", i+1, r.cookie)
		}
	}
}

// no_credentials means the session is gone: log in again and retry the call, once.
func TestExpiredSessionIsRenewedOnce(t *testing.T) {
	tests := []struct {
		name       string
		alwaysDead bool // every session is refused, the new one too
		status     int  // status of the no_credentials answer; 0 leaves the catalogue's
		wantLogins int
		wantCalls  int // API calls after the first, successful one
		wantErr    bool
	}{
		{name: "renewed and retried", wantLogins: 2, wantCalls: 2},
		{name: "refused under another status", status: http.StatusForbidden, wantLogins: 2, wantCalls: 2},
		{name: "new session refused too", alwaysDead: true, wantLogins: 2, wantCalls: 2, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t, nil)
			c := newTestClient(t, v.baseURL())
			if _, err := c.UpdateContact(t.Context(), "5", marie(), nil); err != nil {
				t.Fatal(err)
			}
			v.expire()
			if tt.alwaysDead {
				v.mu.Lock()
				v.expired[sessionToken(2)] = true
				v.mu.Unlock()
			}
			if tt.status != 0 {
				refusal := vendorError(t, "no-credentials", nil)
				refusal.status = tt.status
				// Sessions stay valid for the fake; the API itself answers the refusal first.
				v.mu.Lock()
				clear(v.expired)
				v.updates = []answer{{200, "application/json", string(readGolden(t, "update-contact-200.json"))}, refusal, {200, "application/json", string(readGolden(t, "update-contact-200.json"))}}
				v.mu.Unlock()
			}
			_, err := c.UpdateContact(t.Context(), "5", marie(), nil)
			calls := v.apiCalls()[1:]
			if got := len(v.loginCalls()); got != tt.wantLogins || len(calls) != tt.wantCalls {
				t.Errorf("%d logins and %d calls, want %d and %d", got, len(calls), tt.wantLogins, tt.wantCalls)
			}
			if len(calls) == 2 && (calls[0].cookie != sessionToken(1) || calls[1].cookie != sessionToken(2)) {
				t.Errorf("sessions sent %q, %q; want the old one, then the new one", calls[0].cookie, calls[1].cookie)
			}
			if len(calls) == 2 && !bytes.Equal(calls[0].body, calls[1].body) {
				t.Error("the retry did not resend the same body")
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("after a re-login: %v", err)
				}
				return
			}
			var apiErr *valomnia.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != "no_credentials" || apiErr.ID != "no-credentials" || !errors.Is(err, apiclient.ErrUnauthorized) {
				t.Errorf("err %v, want the second no_credentials as an *APIError", err)
			}
		})
	}
}

// Callers that start together share one login: the login is held open until a second login
// arrives or 100ms pass, which is plenty for eight goroutines to reach it if nothing stops them.
func TestConcurrentFirstCallsLogInOnce(t *testing.T) {
	second := make(chan struct{})
	var once sync.Once
	var entered sync.Mutex
	logins := 0
	v := newFakeVendor(t, func(v *fakeVendor) {
		v.loginGate = func() {
			entered.Lock()
			logins++
			if logins > 1 {
				once.Do(func() { close(second) })
			}
			entered.Unlock()
			select {
			case <-second:
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	c := newTestClient(t, v.baseURL())
	start := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			<-start
			_, err := c.UpdateContact(t.Context(), "5", marie(), nil)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(v.loginCalls()); n != 1 {
		t.Errorf("%d logins for eight concurrent first calls, want 1", n)
	}
	if n := len(v.apiCalls()); n != 8 {
		t.Errorf("%d API calls, want 8", n)
	}
}

// Eight calls refused together with the same expired session renew it once between them.
func TestConcurrentCallsRenewAnExpiredSessionOnce(t *testing.T) {
	v := newFakeVendor(t, nil)
	c := newTestClient(t, v.baseURL())
	if _, err := c.UpdateContact(t.Context(), "5", marie(), nil); err != nil {
		t.Fatal(err)
	}
	v.expire()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.UpdateContact(t.Context(), "5", marie(), nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(v.loginCalls()); n != 2 {
		t.Errorf("%d logins, want 2 (the first, and one renewal)", n)
	}
}

// A caller waiting for another caller's login gives up with its own context.
func TestWaitingForTheLoginHonoursContext(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	v := newFakeVendor(t, func(v *fakeVendor) {
		v.loginGate = func() {
			close(entered)
			<-release
		}
	})
	c := newTestClient(t, v.baseURL())
	first := make(chan error, 1)
	go func() {
		_, err := c.UpdateContact(t.Context(), "5", marie(), nil)
		first <- err
	}()
	<-entered
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	waiting := make(chan error, 1)
	go func() {
		_, err := c.UpdateContact(ctx, "5", marie(), nil)
		waiting <- err
	}()
	select {
	case err := <-waiting:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting caller: err %v, want its deadline", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("the waiting caller is still blocked 2s after its 20ms deadline")
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("logging-in caller: %v", err)
	}
}

func TestUpdateContactReturnsTypedErrors(t *testing.T) {
	golden := func(name string) string { return string(readGolden(t, name)) }
	longBody := strings.Repeat("x", 3000)
	tests := []struct {
		name        string
		answer      answer
		code        string
		description string
		id          string
		params      map[string]string
		body        string
		sentinel    error
	}{
		{name: "save_failed", answer: answer{400, "application/json", golden("update-contact-400-save-failed.json")},
			code: "save_failed", description: "Failed to save instance.", id: "save-failed", sentinel: apiclient.ErrBadRequest},
		{name: "missing_param", answer: answer{400, "application/json", golden("update-contact-400-missing-param.json")},
			code: "missing_param", description: "customerId parameter is missing", id: "missing-param", params: map[string]string{"param": "customerId"}, sentinel: apiclient.ErrBadRequest},
		{name: "invalid_param_type", answer: answer{400, "application/json", golden("update-contact-400-invalid-param-type.json")},
			code: "invalid_param_type", description: "The type of parameter customerId you provided is not valid for this request.", id: "invalid-param-type", params: map[string]string{"param": "customerId"}, sentinel: apiclient.ErrBadRequest},
		{name: "email_validation_error", answer: answer{400, "application/json", golden("update-contact-400-email-validation-error.json")},
			code: "email_validation_error", description: "Failed to update the contact : incorrect Email format", id: "email-validation-error", sentinel: apiclient.ErrBadRequest},
		{name: "country_error", answer: answer{400, "application/json", golden("update-contact-400-country-error.json")},
			code: "country_error", description: "Failed to update the contact : incorrect country code", id: "country-error", sentinel: apiclient.ErrBadRequest},
		{name: "exceeded_file_size", answer: answer{400, "application/json", golden("update-contact-400-exceeded-file-size.json")},
			code: "exceeded_file_size", description: "image size should not exceed 2Mo", id: "exceeded-file-size", sentinel: apiclient.ErrBadRequest},
		{name: "unsupported_file_type", answer: answer{400, "application/json", golden("update-contact-400-unsupported-file-type.json")},
			code: "unsupported_file_type", description: "image format not supported.", id: "unsupported-file-type", sentinel: apiclient.ErrBadRequest},
		{name: "not_found customer", answer: answer{404, "application/json", golden("update-contact-404-not-found.json")},
			code: "not_found", description: "The customer with the id 31888 doesn't exist.", id: "not-found-customer", params: map[string]string{"id": "31888"}, sentinel: apiclient.ErrNotFound},
		{name: "not_found contact", answer: vendorError(t, "not-found-contact", map[string]string{"id": "77"}),
			code: "not_found", description: "The contact with the id 77 doesn't exist.", id: "not-found-contact", params: map[string]string{"id": "77"}, sentinel: apiclient.ErrNotFound},
		{name: "server_error", answer: answer{500, "application/json", golden("update-contact-500-server-error.json")},
			code: "server_error", description: "Oops! Something went wrong...", id: "server-error", sentinel: apiclient.ErrServer},
		{
			// The page prints this body without the closing quote of error_description.
			name:   "the page's literal, malformed exceeded_file_size",
			answer: answer{400, "application/json", "{\n\"error\": \"exceeded_file_size\",\n\"error_description\": \"image size should not exceed 2Mo\n}"},
			code:   "exceeded_file_size", description: "image size should not exceed 2Mo", id: "exceeded-file-size", sentinel: apiclient.ErrBadRequest,
			body: "{\n\"error\": \"exceeded_file_size\",\n\"error_description\": \"image size should not exceed 2Mo\n}",
		},
		{name: "known code, reworded message", answer: answer{400, "application/json", `{"error":"country_error","error_description":"Failed to update the contact : unknown country"}`},
			code: "country_error", description: "Failed to update the contact : unknown country", id: "country-error", sentinel: apiclient.ErrBadRequest},
		{name: "not_found in other words names no entry", answer: answer{404, "application/json", `{"error":"not_found","error_description":"Nothing here."}`},
			code: "not_found", description: "Nothing here.", sentinel: apiclient.ErrNotFound},
		{name: "unknown route, from the root catalogue", answer: vendorError(t, "route-not-found", map[string]string{"path": "/api/v9/contacts/5"}),
			code: "not_found", description: "The resource /api/v9/contacts/5 doesn't exist.", id: "route-not-found", params: map[string]string{"path": "/api/v9/contacts/5"}, sentinel: apiclient.ErrNotFound},
		{name: "unknown code", answer: answer{429, "application/json", `{"error":"rate_limited","error_description":"Slow down"}`},
			code: "rate_limited", description: "Slow down", sentinel: apiclient.ErrUnexpected},
		{name: "JSON without a code", answer: answer{400, "application/json", `{"message":"bad"}`},
			body: `{"message":"bad"}`, sentinel: apiclient.ErrBadRequest},
		{name: "HTML", answer: answer{502, "text/html", "<html><body>Bad Gateway</body></html>"},
			body: "<html><body>Bad Gateway</body></html>", sentinel: apiclient.ErrServer},
		{name: "empty body", answer: answer{503, "", ""}, sentinel: apiclient.ErrServer},
		{name: "long body is capped", answer: answer{500, "text/plain", longBody}, body: longBody[:1024], sentinel: apiclient.ErrServer},
		{name: "200 that is not a contact", answer: answer{200, "text/html", "<html>maintenance</html>"},
			body: "<html>maintenance</html>", sentinel: apiclient.ErrUnexpected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t, func(v *fakeVendor) { v.updates = []answer{tt.answer} })
			contact, err := newTestClient(t, v.baseURL()).UpdateContact(t.Context(), "5", marie(), nil)
			var apiErr *valomnia.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err %v (%T), contact %v; want an *APIError", err, err, contact)
			}
			want := valomnia.APIError{Operation: "updateContact", StatusCode: tt.answer.status, RequestID: "req-3",
				Code: tt.code, Description: tt.description, ID: tt.id, Params: tt.params, Body: tt.body}
			if !reflect.DeepEqual(*apiErr, want) {
				t.Errorf("got  %+v\nwant %+v", *apiErr, want)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) is false", tt.sentinel)
			}
			if tt.id != "" && !errors.Is(err, apiclient.CatalogueID(tt.id)) {
				t.Errorf("errors.Is(err, CatalogueID(%q)) is false", tt.id)
			}
			if errors.Is(err, apiclient.CatalogueID("save-failed")) != (tt.id == "save-failed") {
				t.Error("matches a catalogue entry it does not carry")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "valomnia: updateContact: ") || (tt.code != "" && !strings.Contains(msg, tt.code)) {
				t.Errorf("message %q", msg)
			}
			if n := len(v.apiCalls()); n != 1 {
				t.Errorf("%d API calls; a POST is not retried by default", n)
			}
		})
	}
}

// Opting into retries resends the same bytes, without logging in again.
func TestUpdateContactRetriesWhenAskedTo(t *testing.T) {
	oops := answer{500, "application/json", string(readGolden(t, "update-contact-500-server-error.json"))}
	v := newFakeVendor(t, func(v *fakeVendor) {
		v.updates = []answer{oops, oops, {200, "application/json", string(readGolden(t, "update-contact-200.json"))}}
	})
	if _, err := newTestClient(t, v.baseURL(), fastRetry).UpdateContact(t.Context(), "5", marie(), pngImage(t)); err != nil {
		t.Fatalf("after two 500s and a 200: %v", err)
	}
	calls := v.apiCalls()
	if len(calls) != 3 || len(v.loginCalls()) != 1 {
		t.Fatalf("%d calls and %d logins, want 3 and 1", len(calls), len(v.loginCalls()))
	}
	for _, r := range calls[1:] {
		if !bytes.Equal(r.body, calls[0].body) || r.contentType != calls[0].contentType {
			t.Error("a retry did not resend the same multipart body")
		}
	}
}

func TestUpdateContactHonoursTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	start := time.Now()
	_, err := newTestClient(t, slow.URL+apiPrefix, apiclient.WithTimeout(50*time.Millisecond)).UpdateContact(t.Context(), "5", marie(), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want a deadline error", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v despite a 50ms timeout", elapsed)
	}
}

// countingReader is an endless image that counts what is read of it.
type countingReader struct {
	head []byte
	read int
}

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		if r.read+i < len(r.head) {
			p[i] = r.head[r.read+i]
		} else {
			p[i] = 0
		}
	}
	r.read += len(p)
	return len(p), nil
}

func TestImagesAreCheckedBeforeSending(t *testing.T) {
	png := readGolden(t, "marie_schrader.png")
	padded := func(head []byte, size int) []byte { return append(bytes.Clone(head), make([]byte, size-len(head))...) }
	tests := []struct {
		name        string
		content     []byte
		endless     bool
		fileName    string
		wantType    string // detected type sent in the part; "" when refused
		wantRefusal string // catalogue id of the refusal; "" for a plain argument error
	}{
		{name: "PNG", content: png, fileName: "photo.dat", wantType: "image/png"},
		{name: "JPEG", content: []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), fileName: "photo.dat", wantType: "image/jpeg"},
		{name: "GIF", content: []byte("GIF89a\x01\x00\x01\x00"), fileName: "photo.dat", wantType: "image/gif"},
		{name: "BMP", content: []byte("BM\x3a\x00\x00\x00\x00\x00"), fileName: "photo.dat", wantType: "image/bmp"},
		{name: "exactly the limit", content: padded(png, valomnia.MaxImageBytes), fileName: "big.png", wantType: "image/png"},
		{name: "one byte over", content: padded(png, valomnia.MaxImageBytes+1), fileName: "big.png", wantRefusal: "exceeded-file-size"},
		{name: "endless stream", content: png, endless: true, fileName: "stream.png", wantRefusal: "exceeded-file-size"},
		{name: "WebP", content: []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), fileName: "photo.png", wantRefusal: "unsupported-file-type"},
		{name: "text named .jpg", content: []byte("not an image"), fileName: "photo.jpg", wantRefusal: "unsupported-file-type"},
		{name: "empty", content: nil, fileName: "photo.png", wantRefusal: "unsupported-file-type"},
		{name: "no file name", content: png},
		{name: "line break in the file name", content: png, fileName: "a\r\nX-Injected: 1.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t, nil)
			var content io.Reader = bytes.NewReader(tt.content)
			counter := &countingReader{head: tt.content}
			if tt.endless {
				content = counter
			}
			_, err := newTestClient(t, v.baseURL()).UpdateContact(t.Context(), "5", marie(), &valomnia.Image{FileName: tt.fileName, Content: content})
			if tt.endless && counter.read > valomnia.MaxImageBytes+1 {
				t.Errorf("read %d bytes of an endless image; one past the limit is enough to refuse it", counter.read)
			}
			if tt.wantType != "" {
				if err != nil {
					t.Fatal(err)
				}
				_, params, _ := mime.ParseMediaType(v.apiCalls()[0].contentType)
				file := decodeParts(t, v.apiCalls()[0].body, params["boundary"])
				if file.contentType != tt.wantType || file.filename != tt.fileName || file.content != string(tt.content) {
					t.Errorf("image part %q %q (%d bytes), want %q %q (%d bytes)", file.filename, file.contentType, len(file.content), tt.fileName, tt.wantType, len(tt.content))
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if n := len(v.seen("")); n != 0 {
				t.Errorf("%d requests reached the server (login included) before the refusal", n)
			}
			var imgErr *valomnia.ImageError
			if tt.wantRefusal == "" {
				if errors.As(err, &imgErr) {
					t.Errorf("argument error reported as %v", imgErr)
				}
				return
			}
			if !errors.As(err, &imgErr) || !errors.Is(err, apiclient.CatalogueID(tt.wantRefusal)) {
				t.Errorf("err %v, want an *ImageError matching %s", err, tt.wantRefusal)
			}
			if !strings.Contains(err.Error(), tt.fileName) {
				t.Errorf("message %q does not name the file", err)
			}
		})
	}
}

// No error, log line or formatted value may carry the password or a session id, even when the
// vendor echoes them back.
func TestSecretsNeverPrint(t *testing.T) {
	var logs strings.Builder
	logger := apiclient.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))

	echoPassword := newFakeVendor(t, func(v *fakeVendor) {
		v.loginAnswer = &answer{401, "application/json", `{"error":"bad_credentials","error_description":"Bad credentials: ` + testPassword + `"}`}
	})
	_, errLogin := newTestClient(t, echoPassword.baseURL(), logger).UpdateContact(t.Context(), "5", marie(), nil)

	echoToken := newFakeVendor(t, func(v *fakeVendor) {
		v.updates = []answer{{400, "text/html", "<p>session " + sessionToken(1) + " / " + testPassword + "</p>"}}
	})
	c := newTestClient(t, echoToken.baseURL(), logger)
	_, errUpdate := c.UpdateContact(t.Context(), "5", marie(), nil)

	echoCookie := newFakeVendor(t, func(v *fakeVendor) {
		v.noRedirectCookie, v.location = true, "/login/ajaxSuccess;jsessionid={cookie}"
		v.tokenAnswer = &answer{401, "application/json", `{"error":"no_credentials","error_description":"no session ` + redirectCookie(1) + `"}`}
	})
	_, errToken := newTestClient(t, echoCookie.baseURL(), logger).UpdateContact(t.Context(), "5", marie(), nil)

	var outputs []string
	for _, err := range []error{errLogin, errUpdate, errToken} {
		var apiErr *valomnia.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("err %v is not an *APIError", err)
		}
		outputs = append(outputs, err.Error(), fmt.Sprintf("%v %+v %#v", apiErr, apiErr, *apiErr))
	}
	outputs = append(outputs, fmt.Sprintf("%v %+v %#v", testCreds, testCreds, testCreds), fmt.Sprintf("%v %+v %#v", c, c, c), logs.String())
	for _, out := range outputs {
		for _, secret := range []string{testPassword, sessionToken(1), redirectCookie(1)} {
			if strings.Contains(out, secret) {
				t.Errorf("%q leaked: %s", secret, out)
			}
		}
	}
	if !strings.Contains(logs.String(), "status=302") || !strings.Contains(logs.String(), "/login/ajaxSuccess") {
		t.Errorf("the calls were not logged: %s", logs.String())
	}
}

func TestNewContactsClientRefusesBadConfiguration(t *testing.T) {
	good := "https://entity1.valomnia.com/api/v1.0"
	tests := []struct {
		name  string
		base  string
		creds valomnia.Credentials
	}{
		{"no scheme", "entity1.valomnia.com/api/v1.0", testCreds},
		{"not http", "ftp://entity1.valomnia.com/api/v1.0", testCreds},
		{"unparsable", "://", testCreds},
		{"query", good + "?x=1", testCreds},
		{"no /api/{version} to derive the login from", "https://entity1.valomnia.com/v1.0", testCreds},
		{"no user", good, valomnia.Credentials{Password: apiclient.NewSecret("p")}},
		{"no password", good, valomnia.Credentials{User: "u"}},
		{"relative login URL", good, valomnia.Credentials{User: "u", Password: apiclient.NewSecret("p"), LoginURL: "/j_spring_security_check"}},
	}
	for _, tt := range tests {
		if _, err := valomnia.NewContactsClient(tt.base, tt.creds); err == nil {
			t.Errorf("%s: NewContactsClient(%q) accepted", tt.name, tt.base)
		}
	}
	if _, err := valomnia.NewContactsClient(good, testCreds); err != nil {
		t.Errorf("the documented base URL: %v", err)
	}
}

func TestUpdateContactRefusesAnEmptyID(t *testing.T) {
	v := newFakeVendor(t, nil)
	if _, err := newTestClient(t, v.baseURL()).UpdateContact(t.Context(), "", marie(), nil); err == nil {
		t.Error("accepted an empty id")
	}
	if n := len(v.seen("")); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func parseForm(t *testing.T, body []byte) url.Values {
	t.Helper()
	values, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatalf("parse form %q: %v", body, err)
	}
	return values
}

// rawParts lists each part of a multipart body as its headers and content, sorted, so that two
// bodies compare equal whatever their part order and boundary, but not if a header differs.
func rawParts(t *testing.T, body []byte, boundary string) []string {
	t.Helper()
	var parts []string
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read multipart: %v", err)
		}
		content, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(p.Header)) {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(p.Header[k], ", "))
		}
		fmt.Fprintf(&b, "\n%s", content)
		parts = append(parts, b.String())
	}
	slices.Sort(parts)
	return parts
}

// decodeParts returns the imageFile part of a multipart body.
func decodeParts(t *testing.T, body []byte, boundary string) filePart {
	t.Helper()
	_, files := decodeFields(t, "multipart/form-data; boundary="+boundary, body)
	return files["imageFile"]
}
