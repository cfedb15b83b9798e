package probe

import (
	"context"
	"testing"

	"github.com/contactapis/contactapis/conformance/suiteconfig"
	"github.com/contactapis/contactapis/specs"
)

// TestRefusedCredentialsSettleNothing runs every probe of every vendor against the mocks with
// credentials the mocks refuse, fixtures named and mutations allowed: each answer is then about
// the credential, never about a discrepancy, so every probe must say unsettled, and why. (Which50's
// probes read the 401 as "neither" and blamed the spec.) The one exception is the Which50 probe that
// sends no credentials on purpose.
func TestRefusedCredentialsSettleNothing(t *testing.T) {
	wrong := map[string]map[string]string{
		specs.Iovox:      {"USERNAME": "drift-wrong-user", "SECURE_KEY": "drift-wrong-key"},
		specs.Valomnia:   {"USER": "drift-wrong@example.com", "PASSWORD": "drift-wrong-password"},
		specs.Which50:    {"TOKEN": "drift-wrong-token"},
		specs.Auregister: {"TOKEN": "drift-wrong-token"},
	}
	anonymous := map[string]bool{"which50-401-message-framework-default": true}
	for _, vendor := range specs.Vendors() {
		t.Run(vendor, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range wrong[vendor] {
				env[suiteconfig.EnvName(vendor, k)] = v
			}
			target := mockTargetEnv(t, vendor, true, env)
			for _, p := range ForVendor(vendor) {
				if anonymous[p.ID] {
					continue
				}
				out := target.clean(p.Run(context.Background(), target))
				if out.Reading != Unsettled {
					t.Errorf("%s: %s with refused credentials, want unsettled; evidence: %s", p.ID, out.Reading, out.Evidence)
				}
				if out.Evidence == "" {
					t.Errorf("%s: unsettled without a reason", p.ID)
				}
			}
		})
	}
}
