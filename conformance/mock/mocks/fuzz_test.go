package mocks_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
)

// defaultFixtures is every vendor's fixtures.json as one fixtures file (the admin API's format).
func defaultFixtures(tb testing.TB) []byte {
	tb.Helper()
	all := map[string]json.RawMessage{}
	for _, v := range specs.Vendors() {
		data, err := os.ReadFile(filepath.Join("..", v, "fixtures.json"))
		if err != nil {
			tb.Fatal(err)
		}
		all[v] = data
	}
	out, err := json.Marshal(all)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// states is every vendor's store as the admin API shows it.
func states(tb testing.TB, s *mock.Server) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, v := range specs.Vendors() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_admin/state/"+v, nil))
		if rec.Code != http.StatusOK {
			tb.Fatalf("admin state of %s: %d %s", v, rec.Code, rec.Body)
		}
		out[v] = rec.Body.String()
	}
	return out
}

// FuzzLoadFixtures: a fixtures file is input from anyone who can reach the admin API or pass
// -fixtures. Whatever it holds, loading it never panics, and it is all or nothing: refused, no
// vendor's store changes; accepted, the vendors it does not name keep theirs.
func FuzzLoadFixtures(f *testing.F) {
	defaults := defaultFixtures(f)
	f.Add(defaults)
	for _, v := range specs.Vendors() {
		one, _ := json.Marshal(map[string]json.RawMessage{v: mustRead(f, filepath.Join("..", v, "fixtures.json"))})
		f.Add(one)
	}
	for _, seed := range []string{``, `{}`, `null`, `[]`, `{"iovox":[]}`, `{"nope":{}}`, `{"iovox":{},"valomnia":5}`, `{"auregister":{"contacts":[{}]}}`,
		`{"iovox":{"contacts":[]},"which50":5}`} {
		f.Add([]byte(seed))
	}
	s, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
	if err != nil {
		f.Fatal(err)
	}
	// The defaults are put back only after an input that loaded: a refused one changed nothing
	// (or the check below failed).
	dirty := true
	f.Fuzz(func(t *testing.T, data []byte) {
		if dirty {
			if err := s.LoadFixtures(defaults); err != nil {
				t.Fatalf("the default fixtures: %v", err)
			}
		}
		before := states(t, s)
		err := s.LoadFixtures(data)
		dirty = err == nil
		after := states(t, s)
		var named map[string]json.RawMessage
		_ = json.Unmarshal(data, &named)
		for _, v := range specs.Vendors() {
			_, isNamed := named[v]
			if (err != nil || !isNamed) && before[v] != after[v] {
				t.Fatalf("%s's store changed (load error: %v)", v, err)
			}
		}
	})
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
