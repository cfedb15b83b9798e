package probe

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/conformance/suiteconfig"
	"github.com/contactapis/contactapis/specs"
)

// mockFixtures are the records of the mocks' default fixtures (conformance/mock/<vendor>/
// fixtures.json) that stand for a live run's CONTACTAPIS_<VENDOR>_<KEY>: the page's own example
// records, the same defaults the conformance suite falls back to.
var mockFixtures = map[string]map[string]string{
	specs.Iovox:    {"CONTACT_ID": "333"},
	specs.Valomnia: {"CONTACT_ID": "5", "CUSTOMER_ID": "3229"},
	// List 3 holds contact 1, the one the page's match values (ReferanceAccountId 123456 and
	// Email pgannon@customerminds.com) select.
	specs.Which50:    {"LIST_ID": "3", "MATCH": "ReferanceAccountId=123456&Email=pgannon%40customerminds.com"},
	specs.Auregister: {"CONTACT_ID": "1941877"},
}

// mockPath is where the mocks serve a vendor's API below the server's root (as
// conformance/framework.MockPath, which this package cannot import without ginkgo).
func mockPath(vendor string) string {
	if vendor == specs.Valomnia {
		return "/valomnia/api/v1.0"
	}
	return "/" + vendor
}

// mockTarget serves a fresh set of the project's mocks (conformance/mock/mocks, default
// credentials and fixtures) and returns a Target of vendor on them, with Authorize set and the
// fixtures above. It is configured as drift probe configures a url target (suite flags, then
// SettingsFrom), with the fixtures as CONTACTAPIS_<VENDOR>_<KEY> and no other environment. Each
// call has its own server, so a mutating probe cannot disturb another test; the server stops
// when the test ends, and the test fails if a mock answered against its own spec meanwhile.
func mockTarget(t testing.TB, vendor string, allowMutations bool) *Target {
	t.Helper()
	return mockTargetEnv(t, vendor, allowMutations, nil)
}

// mockTargetEnv is mockTarget with more CONTACTAPIS_* environment (credentials the mocks refuse,
// say).
func mockTargetEnv(t testing.TB, vendor string, allowMutations bool, extra map[string]string) *Target {
	t.Helper()
	srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
	if err != nil {
		t.Fatalf("mocks: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		// An answer a mock's own spec forbids is a bug in the mock, not a probe result.
		for _, v := range srv.Violations() {
			t.Errorf("mock %s violated its spec: %s", vendor, v)
		}
	})
	flags, err := suiteconfig.FlagsFor(map[string]string{"target": "url", "vendors": vendor, vendor + "-url": ts.URL + mockPath(vendor),
		"allow-mutations": strconv.FormatBool(allowMutations)})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for key, val := range mockFixtures[vendor] {
		env[suiteconfig.EnvName(vendor, key)] = val
	}
	for k, v := range extra {
		env[k] = v
	}
	// The url target's credentials default to the mocks' (mocks.DefaultCredentials).
	cfg, err := flags.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("configuration: %v", err)
	}
	s := SettingsFrom(cfg, vendor)
	s.Transport = ts.Client().Transport
	target, err := NewTarget(s)
	if err != nil {
		t.Fatalf("target %s: %v", vendor, err)
	}
	return target
}
