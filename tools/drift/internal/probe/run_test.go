package probe

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// TestRun drives the runner with probes that answer each way a probe can, against the auregister
// mock, and checks each becomes the finding the brief's rules give.
func TestRun(t *testing.T) {
	const (
		partial = "update-all-versus-partial" // specs/auregister.yaml
		ruby    = "request-example-ruby-hash"
	)
	target := mockTarget(t, specs.Auregister, false)
	answer := func(r Reading, ev string) func(context.Context, *Target) Outcome {
		return func(context.Context, *Target) Outcome { return Outcome{Reading: r, Evidence: ev} }
	}
	cases := []struct {
		name     string
		probe    Probe
		rule     string
		level    string
		breaking bool
		message  string // a part of the message
	}{
		{"spec", Probe{ID: partial, Run: func(ctx context.Context, t *Target) Outcome {
			resp, err := t.Do(ctx, Request{Method: http.MethodPatch, Path: "/contacts/1941877", ContentType: "application/json", Body: []byte(`{"contactType":"People","firstName":"Christian"}`)})
			if err != nil {
				return Outcome{Reading: Unsettled, Evidence: err.Error()}
			}
			return Outcome{Reading: Spec, Evidence: fmt.Sprintf("PATCH one field → %d %s", resp.Status, resp.MediaType)}
		}}, RuleSpec, report.INFO, false, "the vendor follows the spec's reading: PATCH one field → 200 application/json"},
		{"page", Probe{ID: partial, Run: answer(Page, "e")}, RulePage, report.ERR, true, "page's other reading"},
		{"neither", Probe{ID: partial, Run: answer(Neither, "e")}, RuleNeither, report.ERR, true, "neither"},
		{"unsettled", Probe{ID: partial, Run: answer(Unsettled, "budget")}, RuleUnsettled, report.INFO, false, "unsettled: budget"},
		{"unknown reading", Probe{ID: partial, Run: answer("maybe", "e")}, RuleUnsettled, report.INFO, false, `unknown reading "maybe"`},
		{"panic", Probe{ID: partial, Run: func(context.Context, *Target) Outcome { panic("index out of range") }},
			RuleUnsettled, report.INFO, false, "the probe panicked: index out of range"},
		{"mutates", Probe{ID: partial, Mutates: true, Run: answer(Page, "e")},
			RuleUnsettled, report.INFO, false, "needs --allow-mutations and the records it may change, CONTACTAPIS_AUREGISTER_CONTACT_ID"},
		{"timeout", Probe{ID: partial, Run: func(ctx context.Context, t *Target) Outcome {
			<-ctx.Done()
			return Outcome{Reading: Page, Evidence: "half"}
		}},
			RuleUnsettled, report.INFO, false, "timed out after 50ms: half"},
		// Evidence is one line, and a credential a probe quotes does not reach the report.
		{"evidence cleaned", Probe{ID: partial, Run: answer(Spec, "sent Bearer test\n  and got 200")},
			RuleSpec, report.INFO, false, "sent Bearer [REDACTED] and got 200"},
		{"no evidence", Probe{ID: partial, Run: answer(Spec, "")}, RuleSpec, report.INFO, false, "(the probe gave no evidence)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.probe.Vendor = specs.Auregister
			fs, counts, err := run(context.Background(), target, []Probe{tc.probe}, nil, Options{Timeout: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Rule != tc.rule || f.Level != tc.level || f.Breaking != tc.breaking || f.Kind != report.KindProbe || f.Vendor != specs.Auregister || f.Operation != partial {
				t.Errorf("finding %+v", f)
			}
			if !strings.Contains(f.Message, tc.message) || strings.Contains(f.Message, "\n") {
				t.Errorf("message %q, want one line containing %q", f.Message, tc.message)
			}
			// The id's line in specs/auregister.yaml.
			if f.Location != idLine(t, partial) {
				t.Errorf("location %q", f.Location)
			}
			if n := counts[Reading(strings.TrimPrefix(tc.rule, "doc-discrepancy-"))]; n != 1 {
				t.Errorf("counts %v", counts)
			}
		})
	}

	t.Run("unsettleable and unknown ids", func(t *testing.T) {
		fs, _, err := run(context.Background(), target, []Probe{{Vendor: specs.Auregister, ID: "no-such-id", Run: answer(Spec, "e")}},
			map[string]string{ruby: "the page's example is not sent by anyone"}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 2 {
			t.Fatalf("findings %+v", fs)
		}
		if f := fs[0]; f.Location != "specs/auregister.yaml" || !strings.Contains(f.Message, `has no x-doc-discrepancy "no-such-id"`) {
			t.Errorf("unknown id: %+v", f)
		}
		if f := fs[1]; f.Rule != RuleUnsettled || f.Operation != ruby || f.Breaking || f.Location != idLine(t, ruby) ||
			f.Message != "unsettled: no live run can settle it: the page's example is not sent by anyone" {
			t.Errorf("unsettleable: %+v", f)
		}
	})

	t.Run("cancelled run", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		fs, _, _ := run(ctx, target, []Probe{{Vendor: specs.Auregister, ID: partial, Run: func(context.Context, *Target) Outcome { ran = true; return Outcome{Reading: Page} }}}, nil, Options{})
		if ran || len(fs) != 1 || fs[0].Rule != RuleUnsettled {
			t.Errorf("ran %v, findings %+v", ran, fs)
		}
	})
}

// idLine is where the discrepancy id is written in specs/auregister.yaml ("specs/auregister.yaml:96"),
// found the way a reader of the finding would look for it, so that an edit above it elsewhere in
// the spec does not break the test.
func idLine(t *testing.T, id string) string {
	t.Helper()
	raw, err := specs.Raw(specs.Auregister)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(raw), "\n") {
		if strings.TrimSpace(line) == "- id: "+id {
			return fmt.Sprintf("specs/auregister.yaml:%d", i+1)
		}
	}
	t.Fatalf("no line \"- id: %s\" in specs/auregister.yaml", id)
	return ""
}
