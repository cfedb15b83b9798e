package contract_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// Validators share the process's parsed spec (specs.Shared) and, per base path, a compiled
// router. Rebasing for one base path must neither change the shared document nor leak into a
// validator built for another: Valomnia's login sits at the host root, which differs per base.
func TestValidatorsForDifferentBasesAreIndependent(t *testing.T) {
	shared, err := specs.Shared(specs.Valomnia)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(shared)
	cases := []struct{ base, update, login string }{
		{"/valomnia/api/v1.0", "/valomnia/api/v1.0/contacts/5", "/valomnia/j_spring_security_check"},
		{"/api/v1.0", "/api/v1.0/contacts/5", "/j_spring_security_check"},
		{"/tenant/api/v2", "/tenant/api/v2/contacts/5", "/tenant/j_spring_security_check"},
	}
	var validators []*contract.Validator
	for _, c := range cases {
		validators = append(validators, validator(t, specs.Valomnia, c.base))
	}
	// Once more, from the cache, in the other order.
	for i := len(cases) - 1; i >= 0; i-- {
		validators = append(validators, validator(t, specs.Valomnia, cases[i].base))
	}
	for i, v := range validators {
		c := cases[min(i, 2*len(cases)-1-i)]
		for target, op := range map[string]string{c.update: "updateContact", c.login: "login"} {
			m, err := v.Route(httptest.NewRequest("POST", target, nil))
			if err != nil || m.OperationID() != op {
				t.Errorf("base %s: POST %s routed to %v (%v), want %s", c.base, target, m, err, op)
			}
		}
		for _, other := range cases {
			if other.base == c.base {
				continue
			}
			if _, err := v.Route(httptest.NewRequest("POST", other.login, nil)); err == nil {
				t.Errorf("base %s: the login of base %s is routed too", c.base, other.base)
			}
		}
	}
	if after, _ := json.Marshal(shared); string(after) != string(before) {
		t.Error("building validators changed the shared document")
	}
	if len(shared.Servers) == 0 || shared.Servers[0].URL == "/valomnia/api/v1.0/" {
		t.Errorf("the shared document's servers were rebased: %v", shared.Servers)
	}
}
