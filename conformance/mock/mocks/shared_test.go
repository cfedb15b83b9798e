package mocks_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
)

// The mocks, their validators and the generated clients' error readers all read the process's one
// parsed spec per vendor (specs.Shared). Serving requests, valid and refused, concurrently, must
// leave every one of them exactly as a fresh parse (specs.Load) gives it: a mock that wrote into
// its spec would change what every other reader of the process sees, silently.
func TestServingLeavesTheSharedSpecsUnchanged(t *testing.T) {
	srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	client := hs.Client()
	var reqs []pageRequest
	for _, p := range pageRequests(t) {
		p = withSession(t, client, hs.URL, p)
		reqs = append(reqs, p)
		// The same update refused: an unparsable body, then a method the path does not have.
		bad := p
		bad.body, bad.status = []byte("{<"), 0
		reqs = append(reqs, bad)
		wrong := p
		wrong.method, wrong.status = http.MethodDelete, 0
		reqs = append(reqs, wrong)
	}
	var wg sync.WaitGroup
	for range 4 {
		for _, p := range reqs {
			wg.Go(func() {
				resp, err := client.Do(p.build(hs.URL))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if p.status != 0 && resp.StatusCode != p.status {
					t.Errorf("%s %s: %d, want %d", p.method, p.path, resp.StatusCode, p.status)
				}
			})
		}
	}
	wg.Wait()
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %v", v)
	}
	for _, vendor := range specs.Vendors() {
		shared, err := specs.Shared(vendor)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := specs.Load(vendor)
		if err != nil {
			t.Fatal(err)
		}
		a, err := json.Marshal(shared)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(fresh)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: serving changed the shared spec", vendor)
		}
	}
}
