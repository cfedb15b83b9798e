package valomnia_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

const (
	// apiPrefix is the path the documented server URL puts before every API path
	// (https://{organisation}.valomnia.com/api/{version}, version v1.0).
	apiPrefix = "/api/v1.0"
	// fakeSession stands for the token loginSuccess returns; not a real session.
	fakeSession = "FAKE-SESSION-0001"
	// goldenBoundary is the boundary testdata/update-contact-request.multipart is written with.
	goldenBoundary = "valomnia-golden-boundary"
)

// exchange is what the test server saw of one request.
type exchange struct {
	method, path, rawQuery, contentType string
	cookie                              string
	body                                []byte
	validation                          error // the spec's verdict on the request
}

// TestUpdateContactRequests sends the derived request examples through the generated client and
// checks what reaches the wire, then decodes the page's success example through the same client.
func TestUpdateContactRequests(t *testing.T) {
	doc := specs.MustLoad(specs.Valomnia)
	successGolden := readGolden(t, "update-contact-200.json")

	tests := []struct {
		name            string
		id              string
		send            func(context.Context, *valomnia.ClientWithResponses, string) (*valomnia.UpdateContactResponse, error)
		wantContentType string
		wantValues      string // golden file holding the expected form fields, URL-encoded
		wantImage       string // golden file the imageFile part must carry; "" for none
	}{
		{
			name: "form with the success example's values",
			id:   "5",
			send: func(ctx context.Context, c *valomnia.ClientWithResponses, id string) (*valomnia.UpdateContactResponse, error) {
				return c.UpdateContactWithFormdataBodyWithResponse(ctx, id, valomnia.ContactUpdate{
					FirstName:  "Marie",
					LastName:   "Schrader",
					CustomerID: "3229",
					Fonction:   ptr("Commercial"),
					City:       ptr("Any town"),
					Address:    ptr("Main street"),
				}, withSession)
			},
			wantContentType: "application/x-www-form-urlencoded",
			wantValues:      "update-contact-request.form",
		},
		{
			// The page's parameter table gives example values for id (123), country (FR) and
			// useExternalId (true, false); a boolean must reach the form as the word "true".
			name: "form with the parameter table's example values",
			id:   "123",
			send: func(ctx context.Context, c *valomnia.ClientWithResponses, id string) (*valomnia.UpdateContactResponse, error) {
				return c.UpdateContactWithFormdataBodyWithResponse(ctx, id, valomnia.ContactUpdate{
					FirstName:     "Marie",
					LastName:      "Schrader",
					CustomerID:    "3229",
					Country:       ptr("FR"),
					UseExternalID: ptr(true),
				}, withSession)
			},
			wantContentType: "application/x-www-form-urlencoded",
			wantValues:      "update-contact-request-table.form",
		},
		{
			// The generator has no typed multipart helper (a later issue): the caller encodes the
			// body, and the generated WithBody path must send it with the caller's content type,
			// boundary included, or the vendor cannot split the parts.
			name: "multipart with the success example's values and a photo",
			id:   "5",
			send: func(ctx context.Context, c *valomnia.ClientWithResponses, id string) (*valomnia.UpdateContactResponse, error) {
				body := readGolden(t, "update-contact-request.multipart")
				return c.UpdateContactWithBodyWithResponse(ctx, id, "multipart/form-data; boundary="+goldenBoundary, bytes.NewReader(body), withSession)
			},
			wantContentType: "multipart/form-data; boundary=" + goldenBoundary,
			wantValues:      "update-contact-request.form",
			wantImage:       "marie_schrader.png",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make(chan exchange, 1)
			mux := http.NewServeMux()
			mux.HandleFunc("POST "+apiPrefix+"/contacts/{id}", func(w http.ResponseWriter, r *http.Request) {
				ex := record(t, r)
				ex.validation = validateRequest(doc, r, ex.body, "/contacts/{id}", map[string]string{"id": r.PathValue("id")})
				seen <- ex
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(successGolden)
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()

			client, err := valomnia.NewClientWithResponses(srv.URL + apiPrefix)
			if err != nil {
				t.Fatalf("new client: %v", err)
			}
			resp, err := tt.send(t.Context(), client, tt.id)
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			var ex exchange
			select {
			case ex = <-seen:
			default:
				t.Fatalf("the request did not reach POST %s/contacts/{id}; got status %d", apiPrefix, resp.StatusCode())
			}

			if want := apiPrefix + "/contacts/" + tt.id; ex.method != http.MethodPost || ex.path != want {
				t.Errorf("request line = %s %s, want POST %s", ex.method, ex.path, want)
			}
			if ex.rawQuery != "" {
				t.Errorf("query = %q, want none (every field goes in the body)", ex.rawQuery)
			}
			if ex.contentType != tt.wantContentType {
				t.Errorf("Content-Type = %q, want %q", ex.contentType, tt.wantContentType)
			}
			if ex.cookie != fakeSession {
				t.Errorf("JSESSIONID cookie = %q, want %q", ex.cookie, fakeSession)
			}
			if ex.validation != nil {
				t.Errorf("the spec refuses the request: %v", ex.validation)
			}

			wantValues := parseFormGolden(t, tt.wantValues)
			gotValues, gotFiles := decodeFields(t, ex.contentType, ex.body)
			if !reflect.DeepEqual(gotValues, wantValues) {
				t.Errorf("fields = %v, want %v", gotValues, wantValues)
			}
			var wantFiles map[string]filePart
			if tt.wantImage != "" {
				wantFiles = map[string]filePart{"imageFile": {
					filename:    tt.wantImage,
					contentType: "image/png",
					content:     string(readGolden(t, tt.wantImage)),
				}}
			}
			if !reflect.DeepEqual(gotFiles, wantFiles) {
				t.Errorf("file parts = %+v, want %+v", gotFiles, wantFiles)
			}

			if resp.StatusCode() != http.StatusOK || resp.JSON200 == nil {
				t.Fatalf("response: status %d, JSON200 %v; want 200 with a contact", resp.StatusCode(), resp.JSON200)
			}
			if err := validateResponse(doc, "/contacts/{id}", http.StatusOK, resp.HTTPResponse.Header, successGolden); err != nil {
				t.Errorf("the spec refuses the page's success example: %v", err)
			}
			// Re-encoding the decoded contact must give back every field of the page's example:
			// a property missing from the generated type would vanish here.
			if got, want := reencode(t, resp.JSON200), decodeJSON(t, successGolden); !reflect.DeepEqual(got, want) {
				t.Errorf("decoded contact re-encodes as\n%v\nwant (page's success example)\n%v", got, want)
			}
			c := resp.JSON200
			var userID int64
			if c.User != nil {
				userID = deref(c.User.ID)
			}
			if c.ID != 5 || deref(c.Customer.ID) != 3229 || userID != 4 ||
				c.DateCreated == nil || c.DateCreated.UTC().Format("2006-01-02T15:04:05Z") != "2015-12-18T13:21:18Z" {
				t.Errorf("typed contact: id %d, customer.id %d, user.id %d, dateCreated %v; want 5, 3229, 4, 2015-12-18T13:21:18Z",
					c.ID, deref(c.Customer.ID), userID, c.DateCreated)
			}
		})
	}
}

// TestUpdateContactErrors decodes each failure example of the page through the generated client and
// checks it against the golden file and against the spec's error catalogue, the only place the
// module's error strings are kept.
func TestUpdateContactErrors(t *testing.T) {
	doc := specs.MustLoad(specs.Valomnia)
	catalogue, err := specs.ReadCatalogue(doc)
	if err != nil {
		t.Fatalf("read catalogue: %v", err)
	}

	tests := []struct {
		golden  string
		status  int
		entryID string
		args    map[string]string // the placeholder values the page's example uses
	}{
		{"update-contact-400-save-failed.json", 400, "save-failed", nil},
		{"update-contact-400-missing-param.json", 400, "missing-param", map[string]string{"param": "customerId"}},
		{"update-contact-400-invalid-param-type.json", 400, "invalid-param-type", map[string]string{"param": "customerId"}},
		{"update-contact-400-email-validation-error.json", 400, "email-validation-error", nil},
		{"update-contact-400-country-error.json", 400, "country-error", nil},
		{"update-contact-400-exceeded-file-size.json", 400, "exceeded-file-size", nil},
		{"update-contact-400-unsupported-file-type.json", 400, "unsupported-file-type", nil},
		{"update-contact-404-not-found.json", 404, "not-found-customer", map[string]string{"id": "31888"}},
		{"update-contact-500-server-error.json", 500, "server-error", nil},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			golden := readGolden(t, tt.golden)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write(golden)
			}))
			defer srv.Close()

			client, err := valomnia.NewClientWithResponses(srv.URL + apiPrefix)
			if err != nil {
				t.Fatalf("new client: %v", err)
			}
			resp, err := client.UpdateContactWithFormdataBodyWithResponse(t.Context(), "5",
				valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: "3229"}, withSession)
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if resp.StatusCode() != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode(), tt.status)
			}
			if err := validateResponse(doc, "/contacts/{id}", tt.status, resp.HTTPResponse.Header, golden); err != nil {
				t.Errorf("the spec refuses the golden body: %v", err)
			}

			var got *valomnia.ErrorBody
			switch tt.status {
			case 400:
				got = resp.JSON400
			case 404:
				got = resp.JSON404
			case 500:
				got = resp.JSON500
			}
			if got == nil {
				t.Fatalf("JSON%d is nil; body %s", tt.status, resp.Body)
			}
			if re, want := reencode(t, got), decodeJSON(t, golden); !reflect.DeepEqual(re, want) {
				t.Errorf("decoded error re-encodes as %v, want %v", re, want)
			}

			entry, ok := catalogue.ByID(tt.entryID)
			if !ok {
				t.Fatalf("catalogue has no entry %q", tt.entryID)
			}
			msg, err := entry.Render(tt.args)
			if err != nil {
				t.Fatalf("render %q: %v", tt.entryID, err)
			}
			if got.Error != entry.Code || got.ErrorDescription != msg || entry.Status != tt.status {
				t.Errorf("golden body (%d, %q, %q) does not match catalogue entry %q (%d, %q, %q)",
					tt.status, got.Error, got.ErrorDescription, tt.entryID, entry.Status, entry.Code, msg)
			}
		})
	}
}

// TestLoginThroughHostRoot drives the session login the page takes for granted. Generated clients
// ignore the operation-level servers of login and loginSuccess, so the client here is built on the
// host root, and its http.Client must not follow the 302 itself: the redirect carries the session
// cookie that loginSuccess needs. The values come from public material (see
// shared/vendor-docs/README.md), not from the page.
func TestLoginThroughHostRoot(t *testing.T) {
	doc := specs.MustLoad(specs.Valomnia)
	seen := make(chan exchange, 2)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /j_spring_security_check", func(w http.ResponseWriter, r *http.Request) {
		ex := record(t, r)
		ex.validation = validateRequest(doc, r, ex.body, "/j_spring_security_check", nil)
		seen <- ex
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: fakeSession, Path: "/", HttpOnly: true})
		w.Header().Set("Location", "/login/ajaxSuccess")
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("GET /login/ajaxSuccess", func(w http.ResponseWriter, r *http.Request) {
		ex := record(t, r)
		ex.validation = validateRequest(doc, r, ex.body, "/login/ajaxSuccess", nil)
		seen <- ex
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":%q}`, fakeSession)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	client, err := valomnia.NewClientWithResponses(srv.URL, valomnia.WithHTTPClient(noRedirects))
	if err != nil {
		t.Fatalf("new client: %v", err)
	}

	login, err := client.LoginWithFormdataBodyWithResponse(t.Context(), nil, valomnia.LoginForm{
		JUsername: "someone@example.com",
		JPassword: "not-a-real-password",
		Ajax:      valomnia.LoginFormAjaxTrue,
	})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	ex := <-seen
	if ex.contentType != "application/x-www-form-urlencoded" || ex.validation != nil {
		t.Errorf("login request: Content-Type %q, spec verdict %v", ex.contentType, ex.validation)
	}
	wantForm := url.Values{"j_username": {"someone@example.com"}, "j_password": {"not-a-real-password"}, "ajax": {"true"}}
	if got, _ := url.ParseQuery(string(ex.body)); !reflect.DeepEqual(got, wantForm) {
		t.Errorf("login form = %v, want %v", got, wantForm)
	}
	if login.StatusCode() != http.StatusFound || login.Headers302 == nil || deref(login.Headers302.Location) != "/login/ajaxSuccess" {
		t.Fatalf("login answer: status %d, headers %+v; want 302 to /login/ajaxSuccess", login.StatusCode(), login.Headers302)
	}
	var session string
	for _, c := range login.HTTPResponse.Cookies() {
		if c.Name == "JSESSIONID" {
			session = c.Value
		}
	}

	token, err := client.LoginSuccessWithResponse(t.Context(), &valomnia.LoginSuccessParams{JSESSIONID: &session})
	if err != nil {
		t.Fatalf("loginSuccess: %v", err)
	}
	ex = <-seen
	if ex.cookie != fakeSession || ex.validation != nil {
		t.Errorf("loginSuccess request: JSESSIONID %q (want %q), spec verdict %v", ex.cookie, fakeSession, ex.validation)
	}
	if token.JSON200 == nil || token.JSON200.Token != fakeSession {
		t.Errorf("loginSuccess answer: %s; want token %q", token.Body, fakeSession)
	}
}

// withSession sends the session cookie the generated client leaves to the caller: oapi-codegen
// generates nothing for an apiKey-in-cookie scheme.
func withSession(_ context.Context, req *http.Request) error {
	req.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: fakeSession})
	return nil
}

func record(t *testing.T, r *http.Request) exchange {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read request body: %v", err)
	}
	ex := exchange{
		method:      r.Method,
		path:        r.URL.Path,
		rawQuery:    r.URL.RawQuery,
		contentType: r.Header.Get("Content-Type"),
		body:        body,
	}
	if c, err := r.Cookie("JSESSIONID"); err == nil {
		ex.cookie = c.Value
	}
	return ex
}

// validateRequest checks a received request against the operation at path in the spec. The route
// is given by hand: the spec's servers name the vendor's hosts, which a test server never matches.
func validateRequest(doc *openapi3.T, r *http.Request, body []byte, path string, pathParams map[string]string) error {
	item := doc.Paths.Find(path)
	if item == nil {
		return fmt.Errorf("spec has no path %s", path)
	}
	op := item.GetOperation(r.Method)
	if op == nil {
		return fmt.Errorf("spec has no %s %s", r.Method, path)
	}
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	return openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      &routers.Route{Spec: doc, Path: path, PathItem: item, Method: r.Method, Operation: op},
		Options: &openapi3filter.Options{
			// The session check is the vendor's; here it only has to be present.
			AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
				if _, err := in.RequestValidationInput.Request.Cookie(in.SecurityScheme.Name); err != nil {
					return fmt.Errorf("no %s cookie: %w", in.SecurityScheme.Name, err)
				}
				return nil
			},
		},
	})
}

// validateResponse checks a response body against what the spec declares for updateContact.
func validateResponse(doc *openapi3.T, path string, status int, header http.Header, body []byte) error {
	item := doc.Paths.Find(path)
	req := httptest.NewRequest(http.MethodPost, path, nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req,
			Route:   &routers.Route{Spec: doc, Path: path, PathItem: item, Method: http.MethodPost, Operation: item.Post},
		},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

type filePart struct{ filename, contentType, content string }

// decodeFields splits a form or multipart body into its text fields and its file parts, so that
// bodies can be compared whatever the field order or boundary.
func decodeFields(t *testing.T, contentType string, body []byte) (url.Values, map[string]filePart) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("parse Content-Type %q: %v", contentType, err)
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatalf("parse form body %q: %v", body, err)
		}
		return values, nil
	case "multipart/form-data":
		values := url.Values{}
		var files map[string]filePart
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return values, files
			}
			if err != nil {
				t.Fatalf("read multipart body: %v", err)
			}
			content, err := io.ReadAll(part)
			if err != nil {
				t.Fatalf("read part %q: %v", part.FormName(), err)
			}
			if part.FileName() == "" {
				values.Add(part.FormName(), string(content))
				continue
			}
			if files == nil {
				files = map[string]filePart{}
			}
			files[part.FormName()] = filePart{part.FileName(), part.Header.Get("Content-Type"), string(content)}
		}
	default:
		t.Fatalf("unexpected media type %q", mediaType)
		return nil, nil
	}
}

func parseFormGolden(t *testing.T, name string) url.Values {
	t.Helper()
	values, err := url.ParseQuery(strings.TrimSpace(string(readGolden(t, name))))
	if err != nil {
		t.Fatalf("parse golden %s: %v", name, err)
	}
	return values
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	return data
}

func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

func reencode(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return decodeJSON(t, data)
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
