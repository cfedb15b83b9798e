package valomnia

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// A client logging in in a loop cannot grow the session table without end: past maxSessions the
// expired sessions go, then the one closest to expiry; the newest stays usable.
func TestSessionsAreBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newSessions(time.Hour, func() time.Time { return now })
	first := s.start("u")
	var last string
	for range maxSessions {
		now = now.Add(time.Millisecond)
		last = s.start("u")
	}
	if n := s.count(); n != maxSessions {
		t.Errorf("%d sessions, want the cap %d", n, maxSessions)
	}
	if _, ok := s.use(first); ok {
		t.Error("the oldest session survived the cap")
	}
	if _, ok := s.use(last); !ok {
		t.Error("the newest session was dropped")
	}
}

// refusedFields names what kin-openapi's validation refused: schema errors by JSON pointer,
// decoding errors by path.
func TestRefusedFields(t *testing.T) {
	v, err := contract.New(specs.Valomnia, APIPath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		contentType, body string
		want              []string
	}{
		{"application/x-www-form-urlencoded", "lastName=S&customerId=", []string{"customerId", "firstName"}},
		{"application/x-www-form-urlencoded", "firstName=M&lastName=S&customerId=1&useExternalId=maybe", []string{"useExternalId"}},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"imageFile\"; filename=\"m.png\"\r\n" +
			// The photo's declared type is not validated (the vendor judges the bytes); the
			// required fields it lacks are what is refused.
			"Content-Type: application/octet-stream\r\n\r\n\x89PNG\r\n--b--\r\n", []string{"customerId", "firstName", "lastName"}},
		{"application/json", "{}", []string{}},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodPost, APIPath+"/contacts/5", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", tt.contentType)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "x"})
		_, err := v.ValidateRequest(req.Context(), req, []byte(tt.body))
		if err == nil {
			t.Fatalf("%q was not refused", tt.body)
		}
		if got := refusedFields(err); !slices.Equal(got, tt.want) {
			t.Errorf("%q: fields %v, want %v (error: %v)", tt.body, got, tt.want, err)
		}
	}
}
