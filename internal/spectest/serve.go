package spectest

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
)

// Serve serves backend (a mock built from a changed spec) through the shared pipeline on a test
// server, and fails the test at its end if the mock gave an answer the changed spec forbids:
// a spec change must be followed by the answers too, not only by what is stored.
func Serve(t testing.TB, backend mock.Backend) (*mock.Server, *httptest.Server) {
	t.Helper()
	s, err := mock.New(mock.Options{}, backend)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		if v := s.Violations(); len(v) > 0 {
			t.Errorf("answers the changed spec forbids:\n%s", strings.Join(v, "\n"))
		}
	})
	return s, srv
}
