package suiteconfig

import (
	"strings"
	"testing"
)

// The suite's own flags and Load are tested through conformance/framework, which re-exports them;
// here, what tools add.
func TestFlagsFor(t *testing.T) {
	f, err := FlagsFor(map[string]string{"target": "url", "vendors": "which50", "which50-url": "http://127.0.0.1:1/which50", "allow-mutations": "true"})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CONTACTAPIS_WHICH50_LIST_ID": "7"}
	cfg, err := f.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Target != URL || len(cfg.Vendors) != 1 || cfg.Vendors[0] != "which50" || cfg.BaseURL["which50"] != "http://127.0.0.1:1/which50" ||
		!cfg.AllowMutations || cfg.Fixtures["which50"]["LIST_ID"] != "7" || cfg.Which50.Reveal() != "test" {
		t.Errorf("config %+v", cfg)
	}
	for _, bad := range []map[string]string{{"no-such-flag": "x"}, {"allow-mutations": "maybe"}} {
		if _, err := FlagsFor(bad); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("FlagsFor(%v): %v, want a one-line error", bad, err)
		}
	}
}
