package which50_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/gen/which50"
)

// basePath is the path part of the spec's (assumed) server URL. Tests mount the client under
// it so that a generated client dropping the base path fails the path assertions.
const basePath = "/Which50API"

// contactListID stands in for the page's {contactListId} placeholder; the page gives no value,
// so this is the ListId of its Body Parameters sample.
const contactListID = 3

// golden reads a file from testdata; the files are typed from the vendor page (see
// testdata/README.md), never produced by the code under test.
func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read golden file: %v", err)
	}
	return b
}

// goldenQuery reads .query golden files and joins them into one query string.
func goldenQuery(t *testing.T, names ...string) string {
	t.Helper()
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, strings.TrimSpace(string(golden(t, n))))
	}
	return strings.Join(parts, "&")
}

// captured is what the test server saw of one request.
type captured struct {
	method      string
	path        string
	rawQuery    string
	contentType string
	body        []byte
}

// newRecordingServer answers every request with the page's JSON 200 sample and hands what it
// received to the test.
func newRecordingServer(t *testing.T) (*httptest.Server, func() captured) {
	t.Helper()
	var (
		mu   sync.Mutex
		last captured
		seen bool
	)
	resp := golden(t, "response-sample.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		mu.Lock()
		last = captured{
			method:      r.Method,
			path:        r.URL.Path,
			rawQuery:    r.URL.RawQuery,
			contentType: r.Header.Get("Content-Type"),
			body:        body,
		}
		seen = true
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv, func() captured {
		mu.Lock()
		defer mu.Unlock()
		if !seen {
			t.Fatal("the server received no request")
		}
		return last
	}
}

func ptr[T any](v T) *T { return &v }

// Request bodies typed from the page, the way a caller writes them.
var (
	// The PATCH body derived from the page's PUT example (testdata/README.md).
	patchExampleBody = which50.ContactDTO{
		Values: &which50.ContactValues{"Mobile": "353871234567"},
	}
	// The page's PUT example body; ReferanceAccountId is a number there, the others strings.
	putExampleBody = which50.ContactDTO{
		Values: &which50.ContactValues{
			"ReferanceAccountId": 123456,
			"Email":              "pgannon@customerminds.com",
			"Mobile":             "353871234567",
		},
	}
	// The page's Body Parameters sample (JSON and csp-report forms).
	sampleBody = which50.ContactDTO{
		EncContactID: ptr("sample string 2"),
		ListID:       ptr(3),
		Values: &which50.ContactValues{
			"sample string 1": map[string]any{},
			"sample string 3": map[string]any{},
		},
	}
	// The page's PATCH example query: match names, then one parameter per name.
	patchExampleParams = which50.UpdateContactsByMatchParams{
		Match: which50.PropertyNames{"ReferanceAccountId", "Email"},
		MatchValues: &which50.MatchValues{
			"ReferanceAccountId": "123456",
			"Email":              "pgannon@customerminds.com",
		},
	}
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

func TestClientBuildsPageRequests(t *testing.T) {
	type bodyKind int
	const (
		jsonBody  bodyKind = iota // compared structurally: key order and spacing are not meaningful
		bytesBody                 // passed through unchanged, so compared byte for byte
	)
	withCustomEvents := patchExampleParams
	withCustomEvents.CustomEvents = &which50.CustomEventNames{"SendWelcomeEmail", "SendEventInvite"}

	tests := []struct {
		name            string
		send            func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error)
		wantMethod      string
		wantQuery       string
		wantContentType string
		wantBody        string // golden file
		kind            bodyKind
	}{
		{
			name: "PATCH page example",
			send: func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error) {
				p := patchExampleParams
				return c.UpdateContactsByMatch(ctx, contactListID, &p, patchExampleBody)
			},
			wantMethod:      http.MethodPatch,
			wantQuery:       "patch-request.query",
			wantContentType: "application/json",
			wantBody:        "patch-request.json",
			kind:            jsonBody,
		},
		{
			name: "PATCH page example with the Custom Events example",
			send: func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error) {
				p := withCustomEvents
				return c.UpdateContactsByMatch(ctx, contactListID, &p, patchExampleBody)
			},
			wantMethod:      http.MethodPatch,
			wantQuery:       "patch-request.query customevents.query",
			wantContentType: "application/json",
			wantBody:        "patch-request.json",
			kind:            jsonBody,
		},
		{
			name: "PUT page example",
			send: func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error) {
				return c.UpsertContactsByMatch(ctx, contactListID,
					&which50.UpsertContactsByMatchParams{Match: which50.PropertyNames{"ReferanceAccountId", "Email"}}, putExampleBody)
			},
			wantMethod:      http.MethodPut,
			wantQuery:       "put-request.query",
			wantContentType: "application/json",
			wantBody:        "put-request.json",
			kind:            jsonBody,
		},
		{
			name: "PATCH application/json body sample",
			send: func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error) {
				p := patchExampleParams
				return c.UpdateContactsByMatch(ctx, contactListID, &p, sampleBody)
			},
			wantMethod:      http.MethodPatch,
			wantQuery:       "patch-request.query",
			wantContentType: "application/json",
			wantBody:        "request-sample.json",
			kind:            jsonBody,
		},
		{
			// The generator gives typed helpers for application/json only; the other JSON
			// forms go through ...WithBody with the generated struct marshalled by the caller.
			name: "PATCH text/json body sample",
			send: func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error) {
				p := patchExampleParams
				return c.UpdateContactsByMatchWithBody(ctx, contactListID, &p, "text/json",
					bytes.NewReader(mustJSON(t, sampleBody)))
			},
			wantMethod:      http.MethodPatch,
			wantQuery:       "patch-request.query",
			wantContentType: "text/json",
			wantBody:        "request-sample.json",
			kind:            jsonBody,
		},
		{
			name: "PATCH application/csp-report body sample",
			send: func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error) {
				p := patchExampleParams
				return c.UpdateContactsByMatchWithBody(ctx, contactListID, &p, "application/csp-report",
					bytes.NewReader(mustJSON(t, sampleBody)))
			},
			wantMethod:      http.MethodPatch,
			wantQuery:       "patch-request.query",
			wantContentType: "application/csp-report",
			wantBody:        "request-sample.csp-report.json",
			kind:            jsonBody,
		},
		{
			// No XML encoder exists yet for ContactDTO (ContactValues needs a hand-written
			// one); this case pins that the page's XML travels unchanged with its media type.
			name: "PUT application/xml body sample",
			send: func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error) {
				return c.UpsertContactsByMatchWithBody(ctx, contactListID,
					&which50.UpsertContactsByMatchParams{Match: which50.PropertyNames{"ReferanceAccountId", "Email"}},
					"application/xml", bytes.NewReader(golden(t, "request-sample.xml")))
			},
			wantMethod:      http.MethodPut,
			wantQuery:       "put-request.query",
			wantContentType: "application/xml",
			wantBody:        "request-sample.xml",
			kind:            bytesBody,
		},
		{
			name: "PUT text/xml body sample",
			send: func(ctx context.Context, t *testing.T, c *which50.Client) (*http.Response, error) {
				return c.UpsertContactsByMatchWithBody(ctx, contactListID,
					&which50.UpsertContactsByMatchParams{Match: which50.PropertyNames{"ReferanceAccountId", "Email"}},
					"text/xml", bytes.NewReader(golden(t, "request-sample.xml")))
			},
			wantMethod:      http.MethodPut,
			wantQuery:       "put-request.query",
			wantContentType: "text/xml",
			wantBody:        "request-sample.xml",
			kind:            bytesBody,
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, last := newRecordingServer(t)
			c, err := which50.NewClient(srv.URL + basePath)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			rsp, err := tc.send(t.Context(), t, c)
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			_ = rsp.Body.Close()
			got := last()

			if got.method != tc.wantMethod {
				t.Errorf("method = %q, want %q", got.method, tc.wantMethod)
			}
			if want := basePath + "/contactLists/3/contact"; got.path != want {
				t.Errorf("path = %q, want %q", got.path, want)
			}
			if got.contentType != tc.wantContentType {
				t.Errorf("Content-Type = %q, want %q", got.contentType, tc.wantContentType)
			}

			// Decoded comparison: parameter order is not meaningful, and the client may
			// percent-encode characters the page writes literally (see
			// TestClientMatchCommaEncoding for the commas).
			gotQuery, err := url.ParseQuery(got.rawQuery)
			if err != nil {
				t.Fatalf("parse sent query %q: %v", got.rawQuery, err)
			}
			wantQuery, err := url.ParseQuery(goldenQuery(t, strings.Fields(tc.wantQuery)...))
			if err != nil {
				t.Fatalf("parse golden query: %v", err)
			}
			if !reflect.DeepEqual(gotQuery, wantQuery) {
				t.Errorf("query = %v, want %v (raw %q)", gotQuery, wantQuery, got.rawQuery)
			}

			want := golden(t, tc.wantBody)
			switch tc.kind {
			case jsonBody:
				var gotV, wantV any
				if err := json.Unmarshal(got.body, &gotV); err != nil {
					t.Fatalf("sent body is not JSON: %v\n%s", err, got.body)
				}
				if err := json.Unmarshal(want, &wantV); err != nil {
					t.Fatalf("golden %s is not JSON: %v", tc.wantBody, err)
				}
				if !reflect.DeepEqual(gotV, wantV) {
					t.Errorf("body = %s, want (as JSON) %s", got.body, want)
				}
			case bytesBody:
				if !bytes.Equal(got.body, want) {
					t.Errorf("body = %q, want %q", got.body, want)
				}
			}
		})
	}
}

// TestClientMatchCommaEncoding pins how the generated client puts the comma-separated lists on
// the wire. The page writes them with literal commas (`?match=ReferanceAccountId,Email`,
// `?customevents=SendWelcomeEmail,SendEventInvite`) and the vendor splits the raw value itself,
// so a literal comma is what must be sent.
//
// Measured with oapi-codegen v2.8.2 and runtime v1.8.0: with `match` as a string schema the
// client sent `match=ReferanceAccountId%2CEmail` (the string is escaped as a whole, and
// allowReserved is not passed to the runtime); with the spec's array schema in form style
// without explode it joins the escaped names with literal commas, as asserted here. The values
// of the exploded MatchValues object are percent-encoded (`@` becomes %40), which any URL
// decoder reverses; TestClientBuildsPageRequests checks them decoded.
func TestClientMatchCommaEncoding(t *testing.T) {
	srv, last := newRecordingServer(t)
	c, err := which50.NewClient(srv.URL + basePath)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	p := patchExampleParams
	p.CustomEvents = &which50.CustomEventNames{"SendWelcomeEmail", "SendEventInvite"}
	rsp, err := c.UpdateContactsByMatch(t.Context(), contactListID, &p, patchExampleBody)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	_ = rsp.Body.Close()
	got := last()

	for _, want := range []string{
		strings.TrimSpace(string(golden(t, "put-request.query"))), // match=ReferanceAccountId,Email
		strings.TrimSpace(string(golden(t, "customevents.query"))),
	} {
		if !slicesContains(strings.Split(got.rawQuery, "&"), want) {
			t.Errorf("raw query %q lacks %q with a literal comma", got.rawQuery, want)
		}
	}
}

func slicesContains(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

// TestClientWithResponsesDecodesPageResponses decodes the page's 200 samples through the
// generated ClientWithResponses.
func TestClientWithResponsesDecodesPageResponses(t *testing.T) {
	// Typed from the page's Response Information samples (all three show the same two ids).
	want := which50.EncContactIDs{"sample string 1", "sample string 2"}

	// ids extracts the decoded ids. The generated parser decodes only media types whose
	// name contains "json" or "xml"; application/csp-report is left in Body for the caller.
	type ids func(t *testing.T, r *which50.UpdateContactsByMatchResponse) which50.EncContactIDs
	fromJSON200 := func(t *testing.T, r *which50.UpdateContactsByMatchResponse) which50.EncContactIDs {
		t.Helper()
		if r.JSON200 == nil {
			t.Fatalf("JSON200 is nil; Content-Type %q, body %s", r.ContentType(), r.Body)
		}
		return *r.JSON200
	}
	fromBody := func(t *testing.T, r *which50.UpdateContactsByMatchResponse) which50.EncContactIDs {
		t.Helper()
		var v which50.EncContactIDs
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatalf("decode Body: %v", err)
		}
		return v
	}

	tests := []struct {
		name        string
		contentType string // as ASP.NET writes it, with a charset
		golden      string
		ids         ids
	}{
		{"application/json", "application/json; charset=utf-8", "response-sample.json", fromJSON200},
		{"text/json", "text/json; charset=utf-8", "response-sample.json", fromJSON200},
		{"application/csp-report", "application/csp-report; charset=utf-8", "response-sample.csp-report.json", fromBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := golden(t, tc.golden)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write(body)
			}))
			t.Cleanup(srv.Close)
			c, err := which50.NewClientWithResponses(srv.URL + basePath)
			if err != nil {
				t.Fatalf("NewClientWithResponses: %v", err)
			}
			p := patchExampleParams
			rsp, err := c.UpdateContactsByMatchWithResponse(t.Context(), contactListID, &p, patchExampleBody)
			if err != nil {
				t.Fatalf("UpdateContactsByMatchWithResponse: %v", err)
			}
			if rsp.StatusCode() != http.StatusOK {
				t.Fatalf("status = %d, want 200", rsp.StatusCode())
			}
			if got := tc.ids(t, rsp); !reflect.DeepEqual(got, want) {
				t.Errorf("ids = %q, want %q", got, want)
			}
		})
	}
}

// arrayOfString is the DataContract form of the 200 XML sample, decoded here only to check that
// the golden file says what the page says.
type arrayOfString struct {
	XMLName xml.Name `xml:"http://schemas.microsoft.com/2003/10/Serialization/Arrays ArrayOfstring"`
	Strings []string `xml:"http://schemas.microsoft.com/2003/10/Serialization/Arrays string"`
}

// TestClientWithResponsesXMLArrayOfstring decodes the page's XML 200 sample through the
// generated ClientWithResponses.
//
// The generated parser runs xml.Unmarshal into EncContactIDs; without the hand-written
// UnmarshalXML (xml.go) that treats the whole <ArrayOfstring> element as one string and yields
// ["   "] (the sample's whitespace) instead of the ids. This test fails if that method is lost.
func TestClientWithResponsesXMLArrayOfstring(t *testing.T) {
	want := which50.EncContactIDs{"sample string 1", "sample string 2"}
	body := golden(t, "response-sample.xml")

	var guard arrayOfString
	if err := xml.Unmarshal(body, &guard); err != nil {
		t.Fatalf("golden response-sample.xml: %v", err)
	}
	if !reflect.DeepEqual(which50.EncContactIDs(guard.Strings), want) {
		t.Fatalf("golden response-sample.xml holds %q, want %q", guard.Strings, want)
	}

	for _, ct := range []string{"application/xml; charset=utf-8", "text/xml; charset=utf-8"} {
		t.Run(strings.SplitN(ct, ";", 2)[0], func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", ct)
				_, _ = w.Write(body)
			}))
			t.Cleanup(srv.Close)
			c, err := which50.NewClientWithResponses(srv.URL + basePath)
			if err != nil {
				t.Fatalf("NewClientWithResponses: %v", err)
			}
			p := patchExampleParams
			rsp, err := c.UpdateContactsByMatchWithResponse(t.Context(), contactListID, &p, patchExampleBody)
			if err != nil {
				t.Fatalf("UpdateContactsByMatchWithResponse: %v", err)
			}
			if rsp.StatusCode() != http.StatusOK {
				t.Fatalf("status = %d, want 200", rsp.StatusCode())
			}
			if rsp.XML200 == nil {
				t.Fatalf("XML200 is nil; body %s", rsp.Body)
			}
			if got := *rsp.XML200; !reflect.DeepEqual(got, want) {
				t.Errorf("generated client decoded <ArrayOfstring> as %q, page says %q (EncContactIDs.UnmarshalXML in xml.go)", got, want)
			}
		})
	}
}
