package iovox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/iovox"
)

const secureKey = "k3y-that-must-never-print"

var creds = iovox.Credentials{Username: "user", SecureKey: apiclient.NewSecret(secureKey)}

// server answers each call with the next of answers (the last one repeats) and records bodies.
type server struct {
	*httptest.Server
	calls  atomic.Int32
	bodies [][]byte
	last   *http.Request
}

type answer struct {
	status      int
	contentType string
	body        string
}

func newServer(t *testing.T, answers ...answer) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.calls.Add(1))
		body, _ := io.ReadAll(r.Body)
		s.bodies = append(s.bodies, body)
		s.last = r
		a := answers[min(n, len(answers))-1]
		if a.contentType != "" {
			w.Header().Set("Content-Type", a.contentType)
		}
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n))
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func newClient(t *testing.T, url string, opts ...apiclient.Option) *iovox.ContactsClient {
	t.Helper()
	opts = append([]apiclient.Option{apiclient.WithRetryPolicy(apiclient.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})}, opts...)
	c, err := iovox.NewContactsClient(url, creds, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUpdateContactsSendsThePagesRequest(t *testing.T) {
	golden, err := os.ReadFile("testdata/updateContacts.request.xml")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, answer{status: http.StatusNoContent})
	if err := newClient(t, srv.URL).UpdateContacts(context.Background(), pageExample(t)); err != nil {
		t.Fatal(err)
	}
	r := srv.last
	if r.Method != http.MethodPut || r.URL.Path != "/Contacts" || r.URL.RawQuery == "" {
		t.Errorf("sent %s %s", r.Method, r.URL)
	}
	if q := r.URL.Query(); q.Get("v") != "3" || q.Get("method") != "updateContacts" {
		t.Errorf("query %v, want v=3&method=updateContacts", q)
	}
	if r.Header.Get("Content-Type") != "application/xml" || r.Header.Get("username") != "user" || r.Header.Get("secureKey") != secureKey {
		t.Errorf("headers %v", r.Header)
	}
	if got, want := xmlTokens(t, srv.bodies[0]), xmlTokens(t, golden); !slices.Equal(got, want) {
		t.Errorf("payload differs from the page's example\n got: %s\nwant: %s", got, want)
	}
	if !bytes.HasPrefix(srv.bodies[0], []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("payload does not start with an XML declaration: %.60s", srv.bodies[0])
	}
}

// Several contacts and a repeated detail: each contact is its own <contact>, each business phone
// its own <business_phone>, in order, and an emptied detail, a phone list included, is sent as an
// empty element (the page's rm_rules behaviour depends on the vendor seeing it).
func TestUpdateContactsRepeatsContactsAndDetails(t *testing.T) {
	srv := newServer(t, answer{status: http.StatusNoContent})
	empty := ""
	flag := iovox.FlagFALSE
	p := iovox.UpdateContactsPayload{
		ReplaceDetails: &flag,
		Contact: []iovox.Contact{
			{ContactID: "1", BusinessPhone: iovox.PhoneNumbers{"441111111111", "442222222222"}},
			{ContactID: "2", Email: &empty, MobilePhone: iovox.PhoneNumbers{""}},
		},
	}
	if err := newClient(t, srv.URL).UpdateContacts(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	want := []string{"<request>", "<replace_details>", "FALSE", "</replace_details>",
		"<contact>", "<contact_id>", "1", "</contact_id>",
		"<business_phone>", "441111111111", "</business_phone>", "<business_phone>", "442222222222", "</business_phone>", "</contact>",
		"<contact>", "<contact_id>", "2", "</contact_id>", "<email>", "</email>", "<mobile_phone>", "</mobile_phone>", "</contact>", "</request>"}
	if got := xmlTokens(t, srv.bodies[0]); !slices.Equal(got, want) {
		t.Errorf("payload\n got: %s\nwant: %s", got, want)
	}
}

func TestUpdateContactsErrors(t *testing.T) {
	tests := []struct {
		name      string
		answer    answer
		status    int
		sentinel  error
		details   []iovox.ErrorDetail
		body      string
		catalogue string
	}{
		{
			name:   "documented, positioned",
			answer: answer{400, "application/xml", `<?xml version="1.0"?><errors><error status="400">Contact ID 1 of 2 does not exist</error></errors>`},
			status: 400, sentinel: apiclient.ErrBadRequest, catalogue: "contact-id-not-found",
			details: []iovox.ErrorDetail{{Status: 400, Message: "Contact ID 1 of 2 does not exist", ID: "contact-id-not-found", Item: 1, Total: 2}},
		},
		{
			name:   "several errors in one body",
			answer: answer{400, "application/xml", `<errors><error status="400">Home Phone 2 of 3 is not internationalised</error><error status="400">Request Method must be PUT. POST attempted</error></errors>`},
			status: 400, sentinel: apiclient.ErrBadRequest, catalogue: "request-method-not-put",
			details: []iovox.ErrorDetail{
				{Status: 400, Message: "Home Phone 2 of 3 is not internationalised", ID: "home-phone-not-internationalised", Item: 2, Total: 3},
				{Status: 400, Message: "Request Method must be PUT. POST attempted", ID: "request-method-not-put"},
			},
		},
		{
			name:   "undocumented message keeps its text",
			answer: answer{400, "text/xml", `<errors><error status="400">Contact ID does not exist</error></errors>`},
			status: 400, sentinel: apiclient.ErrBadRequest,
			details: []iovox.ErrorDetail{{Status: 400, Message: "Contact ID does not exist"}},
		},
		{
			name:   "body that is not XML",
			answer: answer{502, "text/html", `<html><body>Bad Gateway</body>`},
			status: 502, sentinel: apiclient.ErrServer, body: `<html><body>Bad Gateway</body>`,
		},
		{
			name:   "empty body",
			answer: answer{401, "", ""},
			status: 401, sentinel: apiclient.ErrUnauthorized,
		},
		{
			name:   "XML that is not an error list",
			answer: answer{400, "application/xml", `<errors></errors>`},
			status: 400, sentinel: apiclient.ErrBadRequest, body: `<errors></errors>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.answer)
			err := newClient(t, srv.URL, apiclient.WithRetryPolicy(apiclient.NoRetry())).UpdateContacts(context.Background(), pageExample(t))
			var apiErr *iovox.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *iovox.APIError", err, err)
			}
			if apiErr.StatusCode != tt.status || apiErr.RequestID != "req-1" || apiErr.Body != tt.body {
				t.Errorf("status %d, request id %q, body %q", apiErr.StatusCode, apiErr.RequestID, apiErr.Body)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) is false", tt.sentinel)
			}
			if tt.catalogue != "" && !errors.Is(err, apiclient.CatalogueID(tt.catalogue)) {
				t.Errorf("errors.Is(err, CatalogueID(%q)) is false", tt.catalogue)
			}
			if errors.Is(err, apiclient.CatalogueID("xml-empty")) {
				t.Error("matches a catalogue entry it does not carry")
			}
			if len(apiErr.Errors) != len(tt.details) {
				t.Fatalf("details %+v, want %+v", apiErr.Errors, tt.details)
			}
			for i, d := range apiErr.Errors {
				w := tt.details[i]
				if d.Status != w.Status || d.Message != w.Message || d.ID != w.ID || d.Item != w.Item || d.Total != w.Total {
					t.Errorf("detail %d = %+v, want %+v", i, d, w)
				}
			}
		})
	}
}

// The page's 500 says "Retry later": an idempotent PUT is retried with the same body until it
// succeeds; a 400 is not retried.
func TestUpdateContactsRetriesTheDocumented500(t *testing.T) {
	internal := answer{500, "application/xml", `<errors><error status="500">Internal Server Error</error></errors>`}
	srv := newServer(t, internal, internal, answer{status: http.StatusNoContent})
	c, err := iovox.NewContactsClient(srv.URL, creds, apiclient.WithRetryPolicy(apiclient.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateContacts(context.Background(), pageExample(t)); err != nil {
		t.Fatalf("after two 500s and a 204: %v", err)
	}
	if srv.calls.Load() != 3 || !bytes.Equal(srv.bodies[0], srv.bodies[2]) || len(srv.bodies[2]) == 0 {
		t.Errorf("%d calls; every retry must resend the whole payload", srv.calls.Load())
	}

	bad := newServer(t, answer{400, "application/xml", `<errors><error status="400">XML Empty</error></errors>`}, answer{status: 204})
	if err := newClient(t, bad.URL).UpdateContacts(context.Background(), pageExample(t)); !errors.Is(err, apiclient.CatalogueID("xml-empty")) {
		t.Errorf("400 answer: %v", err)
	}
	if bad.calls.Load() != 1 {
		t.Errorf("a 400 was retried: %d calls", bad.calls.Load())
	}
}

func TestUpdateContactsHonoursContextAndTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release) // before Close, which waits for the handler
	start := time.Now()
	err := newClient(t, slow.URL, apiclient.WithTimeout(50*time.Millisecond)).UpdateContacts(context.Background(), pageExample(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want a deadline error", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("call took %v despite a 50ms timeout", elapsed)
	}
}

// No error, log line or formatted value may carry the secure key, even when the vendor echoes it.
func TestSecureKeyNeverLeaks(t *testing.T) {
	srv := newServer(t, answer{400, "application/xml", `<errors><error status="400">Key ` + secureKey + ` refused</error></errors>`})
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv.URL, apiclient.WithLogger(logger), apiclient.WithRetryPolicy(apiclient.NoRetry()))
	err := c.UpdateContacts(context.Background(), pageExample(t))
	var apiErr *iovox.APIError
	if !errors.As(err, &apiErr) {
		t.Fatal(err)
	}
	echoed := newServer(t, answer{403, "text/plain", "forbidden for " + secureKey})
	err2 := newClient(t, echoed.URL, apiclient.WithRetryPolicy(apiclient.NoRetry())).UpdateContacts(context.Background(), pageExample(t))
	for _, out := range []string{
		err.Error(), fmt.Sprintf("%+v %#v", apiErr, apiErr), err2.Error(),
		fmt.Sprintf("%v %+v %#v", creds, creds, c), logs.String(),
	} {
		if strings.Contains(out, secureKey) {
			t.Errorf("secure key leaked: %s", out)
		}
	}
	if !strings.Contains(logs.String(), "status=400") {
		t.Errorf("the call was not logged: %q", logs.String())
	}
}

func TestNewContactsClientRefusesBadConfiguration(t *testing.T) {
	for _, tt := range []struct {
		url   string
		creds iovox.Credentials
	}{
		{"api.iovox.com", creds},
		{"://", creds},
		{iovox.SandboxURL, iovox.Credentials{Username: "u"}},
		{iovox.SandboxURL, iovox.Credentials{SecureKey: apiclient.NewSecret("k")}},
	} {
		if _, err := iovox.NewContactsClient(tt.url, tt.creds); err == nil {
			t.Errorf("NewContactsClient(%q, %v) accepted", tt.url, tt.creds)
		}
	}
}

// A base URL with a path (a proxy's, or tools/mockserver's /iovox) keeps it: the generated request
// builder resolves against the base URL and would drop its last segment without a trailing slash.
func TestUpdateContactsKeepsTheBaseURLPath(t *testing.T) {
	srv := newServer(t, answer{status: http.StatusNoContent})
	for _, base := range []string{srv.URL + "/iovox", srv.URL + "/iovox/"} {
		if err := newClient(t, base).UpdateContacts(context.Background(), pageExample(t)); err != nil {
			t.Fatal(err)
		}
		if srv.last.URL.Path != "/iovox/Contacts" {
			t.Errorf("base %q: sent to %s, want /iovox/Contacts", base, srv.last.URL.Path)
		}
	}
}
