package contract

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"testing"
)

// A match's Query reads one parameter as url.ParseQuery reads the whole query.
func TestMatchQueryIsParseQuery(t *testing.T) {
	queries := []string{"", "a=1", "a=1&a=2&b=3", "a", "a=", "a=%zz&a=2", "a%3D=1", "%61=1&a=2", "a+b=1&a%20b=2", "a;b=1&a=2", "a=1;2",
		"&&a=1&", "a=%2B+x", "b=1", "a=%C3%A9&a=%FF", "=1&a"}
	for _, raw := range queries {
		q, _ := url.ParseQuery(raw)
		m, r := &Match{}, &http.Request{URL: &url.URL{RawQuery: raw}}
		for _, name := range []string{"a", "b", "a b", "a=", ""} {
			if got, want := m.Query(r, name), q[name]; !slices.Equal(got, want) {
				t.Errorf("Query(%q, %q) = %q; ParseQuery %q", raw, name, got, want)
			}
		}
	}
}

// A match's Query reads its request's query once, and again for a request with another query.
func TestMatchQueryFollowsTheRequest(t *testing.T) {
	m := &Match{}
	r := httptest.NewRequest("GET", "/?a=1&a=2&b=%zz&c=3", nil)
	if got := m.Query(r, "a"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("a: %q", got)
	}
	if got := m.Query(r, "b"); got != nil {
		t.Errorf("b, which does not decode: %q", got)
	}
	r2 := httptest.NewRequest("GET", "/?a=9", nil)
	if got := m.Query(r2, "a"); !slices.Equal(got, []string{"9"}) {
		t.Errorf("a of another request: %q", got)
	}
}

func FuzzMatchQuery(f *testing.F) {
	f.Add("a=1&a=2&b=%41", "a")
	f.Add("", "")
	f.Add("=1&a", "")
	f.Fuzz(func(t *testing.T, raw, name string) {
		q, _ := url.ParseQuery(raw)
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		if got, want := (&Match{}).Query(r, name), q[name]; !slices.Equal(got, want) {
			t.Fatalf("Match.Query(%q, %q) = %q; ParseQuery %q", raw, name, got, want)
		}
	})
}

// queryPairs gives what url.ParseQuery reads, and an error for each pair it skips.
func TestQueryPairsIsParseQuery(t *testing.T) {
	for _, raw := range []string{"", "a=1&a=2&b=3", "a", "a=%zz&a=2", "%61=1", "a;b=1&a=2", "&&a=1&", "a=%2B+x", "=1&a"} {
		q, err := url.ParseQuery(raw)
		got, skipped := url.Values{}, false
		queryPairs(raw, func(_, k, v string, e error) bool {
			if e != nil {
				skipped = true
			} else {
				got.Add(k, v)
			}
			return true
		})
		if skipped != (err != nil) || len(q)+len(got) > 0 && !reflect.DeepEqual(got, q) {
			t.Errorf("%q: pairs %v, skipped %v; ParseQuery %v, %v", raw, got, skipped, q, err)
		}
	}
}
