package suiteconfig

import (
	"flag"
	"maps"
	"slices"
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
		!cfg.AllowMutations || cfg.Fixtures["which50"]["LIST_ID"] != "7" || cfg.Credentials["which50"].Value("TOKEN") != "test" {
		t.Errorf("config %+v", cfg)
	}
	for _, bad := range []map[string]string{{"no-such-flag": "x"}, {"allow-mutations": "maybe"}} {
		if _, err := FlagsFor(bad); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("FlagsFor(%v): %v, want a one-line error", bad, err)
		}
	}
}

// TestConfigOptionalFixtureKeys: auregister's per-type contacts are read when set, yet --allow-mutations
// on a live target requires only CONTACT_ID.
func TestConfigOptionalFixtureKeys(t *testing.T) {
	load := func(env map[string]string) (*Config, error) {
		f, err := FlagsFor(map[string]string{"target": "live", "vendors": "auregister", "auregister-url": "https://auregister.example/api", "allow-mutations": "true"})
		if err != nil {
			t.Fatal(err)
		}
		return f.Load(func(k string) string { return env[k] })
	}
	base := map[string]string{"CONTACTAPIS_AUREGISTER_TOKEN": "tok", "CONTACTAPIS_AUREGISTER_CONTACT_ID": "1"}

	cfg, err := load(base)
	if err != nil {
		t.Fatalf("CONTACT_ID alone: %v, want no error: the per-type keys are optional", err)
	}
	if got := cfg.Fixtures["auregister"]; len(got) != 1 || got["CONTACT_ID"] != "1" {
		t.Errorf("CONTACT_ID alone: fixtures %v, want only CONTACT_ID", got)
	}

	env := map[string]string{"CONTACTAPIS_AUREGISTER_CONTACT_ID_PEOPLE": "2", "CONTACTAPIS_AUREGISTER_CONTACT_ID_JOINT_MEMBER": "3",
		"CONTACTAPIS_AUREGISTER_CONTACT_ID_COMPANY": "4", "CONTACTAPIS_AUREGISTER_CONTACT_ID_OTHER_ENTITY": "5"}
	for k, v := range base {
		env[k] = v
	}
	if cfg, err = load(env); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"CONTACT_ID": "1", "CONTACT_ID_PEOPLE": "2", "CONTACT_ID_JOINT_MEMBER": "3", "CONTACT_ID_COMPANY": "4", "CONTACT_ID_OTHER_ENTITY": "5"}
	if got := cfg.Fixtures["auregister"]; !maps.Equal(got, want) {
		t.Errorf("fixtures %v, want %v", got, want)
	}

	// The per-type keys do not stand in for the required one.
	delete(env, "CONTACTAPIS_AUREGISTER_CONTACT_ID")
	_, err = load(env)
	if err == nil || !strings.Contains(err.Error(), "set CONTACTAPIS_AUREGISTER_CONTACT_ID") || strings.Contains(err.Error(), "CONTACT_ID_") {
		t.Errorf("without CONTACT_ID: %v, want only CONTACTAPIS_AUREGISTER_CONTACT_ID required", err)
	}

	// An optional key that is also required would be required after all.
	for v, keys := range OptionalFixtureKeys {
		for _, k := range keys {
			if slices.Contains(FixtureKeys[v], k) {
				t.Errorf("%s: %s is both a required and an optional fixture key", v, k)
			}
		}
	}
}

// Usage lists every flag the suite registers, with the valid values of the closed sets.
func TestUsageListsEveryFlag(t *testing.T) {
	var b strings.Builder
	Usage(&b)
	out := b.String()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	RegisterFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(out, "  --"+f.Name+"\n") {
			t.Errorf("--%s is not listed", f.Name)
		}
	})
	for _, want := range []string{"valid: embedded, url, live", "valid: iovox, valomnia, which50, auregister", "default: embedded",
		"CONTACTAPIS_VALOMNIA_PASSWORD", "CONTACTAPIS_WHICH50_MATCH"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
}
