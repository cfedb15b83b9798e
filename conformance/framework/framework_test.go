package framework

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
)

func load(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	f := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.Load(func(k string) string { return env[k] })
}

func TestConfigLoad(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		errs []string // each must appear in the error; none means valid
	}{
		{name: "embedded needs nothing"},
		{name: "unknown target", args: []string{"--target=staging"}, errs: []string{`--target "staging"`}},
		{name: "unknown vendor", args: []string{"--vendors=iovox,acme"}, errs: []string{`unknown vendor "acme"`}},
		{name: "url without base URLs names the flag and the variable", args: []string{"--target=url", "--vendors=iovox"},
			errs: []string{"--iovox-url", "CONTACTAPIS_IOVOX_BASE_URL"}},
		{name: "url with env base URL", args: []string{"--target=url", "--vendors=iovox"}, env: map[string]string{"CONTACTAPIS_IOVOX_BASE_URL": "http://127.0.0.1:8080/iovox"}},
		{name: "url base URL must be absolute", args: []string{"--target=url", "--vendors=which50", "--which50-url=localhost:8080"}, errs: []string{"must be an absolute"}},
		{name: "live names every missing credential", args: []string{"--target=live", "--vendors=iovox,valomnia"},
			env:  map[string]string{"CONTACTAPIS_VALOMNIA_BASE_URL": "https://acme.valomnia.com/api/v1.0"},
			errs: []string{"CONTACTAPIS_IOVOX_USERNAME", "CONTACTAPIS_IOVOX_SECURE_KEY", "CONTACTAPIS_VALOMNIA_USER", "CONTACTAPIS_VALOMNIA_PASSWORD"}},
		{name: "live valomnia has no default host", args: []string{"--target=live", "--vendors=valomnia"},
			env: map[string]string{"CONTACTAPIS_VALOMNIA_USER": "u", "CONTACTAPIS_VALOMNIA_PASSWORD": "p"}, errs: []string{"CONTACTAPIS_VALOMNIA_BASE_URL"}},
		{name: "mutations on live need the records", args: []string{"--target=live", "--vendors=auregister", "--allow-mutations"},
			env: map[string]string{"CONTACTAPIS_AUREGISTER_BASE_URL": "https://r.example", "CONTACTAPIS_AUREGISTER_TOKEN": "tok"}, errs: []string{"CONTACTAPIS_AUREGISTER_CONTACT_ID"}},
		{name: "negative budget", args: []string{"--request-budget=-1"}, errs: []string{"--request-budget"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, tt.args, tt.env)
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("valid configuration refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", cfg)
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%v", want, err)
				}
			}
		})
	}
	cfg, err := load(t, []string{"--target=live", "--vendors=iovox"}, map[string]string{"CONTACTAPIS_IOVOX_USERNAME": "u", "CONTACTAPIS_IOVOX_SECURE_KEY": "k3y-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL[specs.Iovox] != "https://sandboxapi.iovox.com:444" || cfg.RequestBudget != 300 {
		t.Errorf("live defaults: %v, budget %d", cfg.BaseURL, cfg.RequestBudget)
	}
	js, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", *cfg, *cfg, cfg), string(js)} {
		if strings.Contains(out, "k3y-secret") {
			t.Errorf("the configuration prints its secret: %s", out)
		}
	}
	if _, err := load(t, []string{"--target=url", "--vendors=iovox", "--iovox-url=http://127.0.0.1:1/iovox"}, map[string]string{"CONTACTAPIS_IOVOX_USERNAME": "u"}); err == nil || !strings.Contains(err.Error(), "CONTACTAPIS_IOVOX_SECURE_KEY") {
		t.Errorf("half a credential pair: %v", err)
	}
	if _, err := load(t, []string{"--target=url", "--vendors=iovox", "--iovox-url=https://u:s3cret@h/iovox"}, nil); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("credentials in a base URL: %v", err)
	}
	if _, err := load(t, []string{"--tamper=iovx:misspell"}, nil); err == nil {
		t.Error("a misspelt tamper vendor was accepted")
	}
}

func TestRedaction(t *testing.T) {
	tr := &transport{secrets: []apiclient.Secret{apiclient.NewSecret("s3cr3t-key")}}
	h := tr.redactHeaders(http.Header{"Securekey": {"s3cr3t-key"}, "Authorization": {"Bearer abc"}, "Cookie": {"JSESSIONID=xyz"}, "Username": {"test"}, "X-W50-Key": {"s3cr3t-key"}})
	if h["Securekey"][0] != apiclient.Redacted || h["Authorization"][0] != apiclient.Redacted || h["Cookie"][0] != apiclient.Redacted || h["Username"][0] != "test" || h["X-W50-Key"][0] != apiclient.Redacted {
		t.Errorf("headers: %v", h)
	}
	for body, leak := range map[string]string{
		"j_username=u&j_password=hunter22&ajax=true":    "hunter22",
		`{"success": true, "token": "ABCDEF0123"}`:      "ABCDEF0123",
		`<errors><error>key s3cr3t-key refused</error>`: "s3cr3t-key",
	} {
		if got := tr.redactBody([]byte(body)); strings.Contains(got, leak) || !strings.Contains(got, apiclient.Redacted) {
			t.Errorf("redactBody(%q) = %q", body, got)
		}
	}
	// The vendor's MuleSoft connector and a PHP client send the login's fields in the query.
	for raw, leak := range map[string]string{
		"https://acme.valomnia.com/j_spring_security_check?j_username=u%40x.com&j_password=hunter22&ajax=true": "hunter22",
		"https://acme.valomnia.com/j_spring_security_check?j_password=p%26q&ajax=true":                         "p%26q",
		"https://h.example/Contacts?v=3&key=s3cr3t-key":                                                        "s3cr3t-key",
	} {
		u, _ := url.Parse(raw)
		if got := tr.redactURL(u); strings.Contains(got, leak) || !strings.Contains(got, url.QueryEscape(apiclient.Redacted)) && !strings.Contains(got, apiclient.Redacted) {
			t.Errorf("redactURL(%q) = %q", raw, got)
		}
	}
}

// withRegistry runs f with only the given declared specs in the registry.
func withRegistry(t *testing.T, declared []declared, f func()) {
	t.Helper()
	registry.Lock()
	saved, savedRules := registry.specs, registry.rules
	registry.specs, registry.rules = declared, nil
	registry.Unlock()
	defer func() {
		registry.Lock()
		registry.specs, registry.rules = saved, savedRules
		registry.Unlock()
	}()
	f()
}

func TestCheckCoverage(t *testing.T) {
	all := map[string][]string{}
	for _, v := range specs.Vendors() {
		bs, err := SpecBehaviours(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			all[v] = append(all[v], b.ID)
		}
	}
	everything := func() ([]declared, Coverage) {
		var d []declared
		c := Coverage{}
		for v, ids := range all {
			d = append(d, declared{Vendor: v, Spec: Spec{Must: v + " MUST", Covers: ids}})
			c[v] = &VendorCoverage{Covered: ids}
		}
		return d, c
	}
	withRegistry(t, nil, func() {
		d, c := everything()
		registry.specs = d
		if err := CheckCoverage(c, specs.Vendors()); err != nil {
			t.Fatalf("full coverage refused: %v", err)
		}
	})
	// One behaviour dropped from the specs and not listed: refused, naming it.
	withRegistry(t, nil, func() {
		d, c := everything()
		for i := range d {
			if d[i].Vendor == specs.Iovox {
				d[i].Covers = d[i].Covers[1:]
			}
		}
		registry.specs = d
		c[specs.Iovox].Covered = c[specs.Iovox].Covered[1:]
		err := CheckCoverage(c, specs.Vendors())
		if err == nil || !strings.Contains(err.Error(), all[specs.Iovox][0]) {
			t.Errorf("uncovered, unlisted behaviour accepted: %v", err)
		}
		c[specs.Iovox].NotCovered = []Uncovered{{ID: all[specs.Iovox][0], Reason: "needs a live rule template"}}
		if err := CheckCoverage(c, specs.Vendors()); err != nil {
			t.Errorf("listed with a reason, still refused: %v", err)
		}
		c[specs.Iovox].NotCovered[0].Reason = ""
		if err := CheckCoverage(c, specs.Vendors()); err == nil {
			t.Error("listed without a reason, accepted")
		}
	})
	// More than one in ten listed: refused.
	withRegistry(t, nil, func() {
		d, c := everything()
		n := len(all[specs.Which50])/10 + 1
		for i := range d {
			if d[i].Vendor == specs.Which50 {
				d[i].Covers = d[i].Covers[n:]
			}
		}
		registry.specs = d
		c[specs.Which50].Covered = c[specs.Which50].Covered[n:]
		for _, id := range all[specs.Which50][:n] {
			c[specs.Which50].NotCovered = append(c[specs.Which50].NotCovered, Uncovered{ID: id, Reason: "r"})
		}
		if err := CheckCoverage(c, specs.Vendors()); err == nil || !strings.Contains(err.Error(), "at most 10%") {
			t.Errorf("%d of %d listed, accepted: %v", n, len(all[specs.Which50]), err)
		}
	})
}

func TestValidateTree(t *testing.T) {
	good := declared{Vendor: specs.Iovox, Spec: Spec{Must: "An empty payload MUST be refused", Operation: "updateContacts",
		Covers: []string{CatalogueID("xml-empty")}, Labels: []Label{Negative}}}
	tests := []struct {
		name string
		spec declared
		want string
	}{
		{"no MUST", declared{Vendor: specs.Iovox, Spec: Spec{Must: "refuses", Covers: good.Covers}}, "MUST"},
		{"unknown behaviour", declared{Vendor: specs.Iovox, Spec: Spec{Must: "x MUST", Covers: []string{CatalogueID("nosuch")}}}, "no behaviour"},
		{"unknown operation", declared{Vendor: specs.Iovox, Spec: Spec{Must: "x MUST", Operation: "getContacts", Covers: good.Covers}}, "no operation"},
		{"unknown label", declared{Vendor: specs.Iovox, Spec: Spec{Must: "x MUST", Covers: good.Covers, Labels: []Label{"slow"}}}, "unknown label"},
		{"other vendor's label", declared{Vendor: specs.Iovox, Spec: Spec{Must: "x MUST", Covers: good.Covers, Labels: []Label{VendorLabel(specs.Which50)}}}, "vendor"},
		{"mutating and live-safe", declared{Vendor: specs.Iovox, Spec: Spec{Must: "x MUST", Covers: good.Covers, Labels: []Label{Mutating, LiveSafe}}}, "live-safe"},
		{"covers nothing", declared{Vendor: specs.Iovox, Spec: Spec{Must: "x MUST"}}, "covers no"},
		{"duplicate name", good, "already used"},
	}
	for _, tt := range tests {
		withRegistry(t, []declared{good, tt.spec}, func() {
			err := ValidateTree()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: %v, want an error mentioning %q", tt.name, err, tt.want)
			}
		})
	}
	withRegistry(t, []declared{good}, func() {
		if err := ValidateTree(); err != nil {
			t.Errorf("a well-formed spec refused: %v", err)
		}
	})
}

func TestOutcome(t *testing.T) {
	res := func(s types.SpecState) behaviourResult { return behaviourResult{state: s, anchor: "a", reason: "why"} }
	tests := []struct {
		declared []string
		results  []behaviourResult
		want     string
	}{
		{nil, nil, OutcomeNotCovered},
		{[]string{"s"}, nil, OutcomeNotRun},
		{[]string{"s"}, []behaviourResult{res(types.SpecStatePassed)}, OutcomePass},
		{[]string{"s"}, []behaviourResult{res(types.SpecStatePassed), res(types.SpecStateFailed)}, OutcomeFail},
		{[]string{"s"}, []behaviourResult{res(types.SpecStateSkipped)}, OutcomeSkipped},
		{[]string{"s"}, []behaviourResult{res(types.SpecStateSkipped), res(types.SpecStatePassed)}, OutcomePass},
		{[]string{"s"}, []behaviourResult{res(types.SpecStatePanicked)}, OutcomeFail},
	}
	for _, tt := range tests {
		if got, _, _ := outcome(tt.declared, tt.results); got != tt.want {
			t.Errorf("outcome(%v, %v) = %s, want %s", tt.declared, tt.results, got, tt.want)
		}
	}
}

// specReport is a spec's report as ginkgo hands it to ReportAfterSuite from a parallel process:
// report entries as JSON.
func specReport(t *testing.T, state types.SpecState, must string, covers []string, checked ...[]string) types.SpecReport {
	t.Helper()
	entry := func(name string, v any) types.ReportEntry {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return types.ReportEntry{Name: name, Value: types.ReportEntryValue{AsJSON: string(data)}}
	}
	sr := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: must, State: state,
		ReportEntries: types.ReportEntries{entry(reportEntryBehaviour, behaviourEntry{Vendor: specs.Iovox, Covers: covers, Must: must})}}
	for _, ids := range checked {
		sr.ReportEntries = append(sr.ReportEntries, entry(reportEntryChecking, ids))
	}
	if state.Is(types.SpecStateFailureStates) {
		sr.Failure = types.Failure{Message: "Expected 400, got 200"}
	}
	return sr
}

// A spec proving many behaviours one after another fails only the behaviour whose check failed:
// those it checked before passed, those after were not reached. Without Checking marks the
// failure is blamed on every behaviour the spec covers. Each failing row links to the failure
// blamed on it.
func TestBlameFollowsTheFailingCheck(t *testing.T) {
	a, b, c, d := CatalogueID("xml-empty"), CatalogueID("method-invalid"), CatalogueID("api-version-empty"), CatalogueID("api-version-invalid")
	many := declared{Vendor: specs.Iovox, Spec: Spec{Must: "every refusal MUST leave the data unchanged", Covers: []string{a, b, c}}}
	together := declared{Vendor: specs.Iovox, Spec: Spec{Must: "one exchange MUST prove two", Covers: []string{c, d}}}
	report := types.Report{SpecReports: types.SpecReports{
		// Checks a, then b (fails); c is never reached.
		specReport(t, types.SpecStateFailed, many.Must, many.Covers, []string{a}, []string{b}),
		specReport(t, types.SpecStateFailed, together.Must, together.Covers),
	}}
	withRegistry(t, []declared{many, together}, func() {
		m, err := BuildMatrix(report, []string{specs.Iovox}, Coverage{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Row{}
		for _, r := range m.Vendors[0].Rows {
			got[r.ID] = r
		}
		for id, want := range map[string]string{a: OutcomePass, b: OutcomeFail, c: OutcomeFail, d: OutcomeFail} {
			if got[id].Outcome != want {
				t.Errorf("%s: %s, want %s", id, got[id].Outcome, want)
			}
		}
		if len(m.Failures) != 2 {
			t.Fatalf("failures %+v", m.Failures)
		}
		if fs := m.Failures[0].Behaviours; len(fs) != 1 || fs[0] != b {
			t.Errorf("the first failure is blamed on %v, want only %s", fs, b)
		}
		if fs := m.Failures[1].Behaviours; len(fs) != 2 {
			t.Errorf("the unmarked failure is blamed on %v, want both behaviours it covers", fs)
		}
		if got[b].Evidence != m.Failures[0].Anchor || got[d].Evidence != m.Failures[1].Anchor || got[c].Evidence != m.Failures[1].Anchor {
			t.Errorf("rows link to the wrong failures: %s→%s, %s→%s, %s→%s (failures %s, %s)", b, got[b].Evidence,
				c, got[c].Evidence, d, got[d].Evidence, m.Failures[0].Anchor, m.Failures[1].Anchor)
		}
	})

	// Alone, the unreached behaviour is skipped with a reason, not passed.
	withRegistry(t, []declared{many}, func() {
		m, err := BuildMatrix(types.Report{SpecReports: types.SpecReports{report.SpecReports[0]}}, []string{specs.Iovox}, Coverage{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Vendors[0].Rows {
			if r.ID == c && (r.Outcome != OutcomeSkipped || !strings.Contains(r.Reason, "not reached")) {
				t.Errorf("%s: %s (%s), want skipped as not reached", c, r.Outcome, r.Reason)
			}
		}
	})
}

// Examples come from the process's shared spec document: what a spec changes in its copy must not
// reach the document.
func TestDeepCopyLeavesTheOriginal(t *testing.T) {
	orig := map[string]any{"a": []any{map[string]any{"b": "c"}, 1.0}, "d": map[string]any{"e": nil}}
	c := deepCopy(orig).(map[string]any)
	c["a"].([]any)[0].(map[string]any)["b"] = "changed"
	c["a"].([]any)[1] = 2.0
	c["d"].(map[string]any)["e"] = "set"
	c["new"] = true
	if orig["a"].([]any)[0].(map[string]any)["b"] != "c" || orig["a"].([]any)[1] != 1.0 ||
		orig["d"].(map[string]any)["e"] != nil || len(orig) != 2 {
		t.Errorf("changing the copy changed the original: %v", orig)
	}
}
