package ack

import (
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

var classes = []string{"undocumented-field", "request-rejected"}

func TestParseRefusesIncompleteEntries(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		doc  string
		want string
	}{
		{"misspelt key", Spec, "acknowledged:\n  - {vendor: iovox, change: x, reason: r, expiry: 2026-01-01}\n", "field expiry not found"},
		{"no reason", Spec, "acknowledged:\n  - {vendor: iovox, change: x, expires: 2026-01-01}\n", "test.yaml:2: entry lacks reason"},
		{"blank reason", Spec, "acknowledged:\n  - {vendor: iovox, change: x, reason: ' ', expires: 2026-01-01}\n", "lacks reason"},
		{"no expiry", Spec, "acknowledged:\n  - {vendor: iovox, change: x, reason: r}\n", "lacks expires"},
		{"bad date", Spec, "acknowledged:\n  - {vendor: iovox, change: x, reason: r, expires: 31/12/2026}\n", "want a date as YYYY-MM-DD"},
		{"unknown vendor", Spec, "acknowledged:\n  - {vendor: acme, change: x, reason: r, expires: 2026-01-01}\n", `unknown vendor "acme"`},
		{"wrong top key", Spec, "baseline: []\n", `unknown top-level key "baseline"`},
		{"class in spec file", Spec, "acknowledged:\n  - {vendor: iovox, change: x, class: y, reason: r, expires: 2026-01-01}\n", "belong in a traffic baseline"},
		{"no evidence", Baseline, "baseline:\n  - {vendor: iovox, class: undocumented-field, reason: r, expires: 2026-01-01}\n", "lacks evidence"},
		{"unknown class", Baseline, "baseline:\n  - {vendor: iovox, class: odd, reason: r, evidence: e, expires: 2026-01-01}\n", `unknown class "odd"`},
		{"bad regexp", Baseline, "baseline:\n  - {vendor: iovox, class: undocumented-field, match: '(', reason: r, evidence: e, expires: 2026-01-01}\n", "match: error parsing regexp"},
		{"empty entry", Baseline, "baseline:\n  -\n", "entry 1 is empty"},
		{"not YAML", Baseline, "baseline: [\n", "test.yaml: yaml:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), "test.yaml", tc.kind, classes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v; want %q", err, tc.want)
			}
		})
	}
	if s, err := Parse(nil, "empty.yaml", Spec, nil); err != nil || s.Len() != 0 {
		t.Errorf("an empty file: %v, %d entries", err, s.Len())
	}
}

func TestExpiryIsInclusive(t *testing.T) {
	s, err := Parse([]byte("acknowledged:\n  - {vendor: iovox, change: x, reason: r, expires: 2026-06-30}\n"), "a.yaml", Spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := s.entries[0]
	for _, tc := range []struct {
		now     string
		expired bool
	}{
		{"2026-06-30T00:00:00Z", false},
		{"2026-06-30T23:59:59Z", false},
		// Late on the 30th in New York is the 1st in UTC: dates are UTC.
		{"2026-06-30T22:00:00-04:00", true},
		{"2026-07-01T00:00:00Z", true},
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if got := e.Expired(now); got != tc.expired {
			t.Errorf("expired at %s = %v; want %v", tc.now, got, tc.expired)
		}
	}
}

func TestApply(t *testing.T) {
	doc := `baseline:
  - vendor: auregister
    class: undocumented-field
    operation: updateContact
    match: '"nickname"'
    reason: the vendor's beta field
    evidence: capture.har entry 1
    expires: 2099-12-31
  - vendor: auregister
    class: request-rejected
    reason: old
    evidence: e
    expires: 2020-01-01
  - vendor: iovox
    class: request-rejected
    reason: unused
    evidence: e
    expires: 2099-12-31
  - vendor: which50
    class: request-rejected
    reason: another vendor's
    evidence: e
    expires: 2099-12-31
`
	s, err := Parse([]byte(doc), "b.yaml", Baseline, classes)
	if err != nil {
		t.Fatal(err)
	}
	f := func(class, op, msg string) report.Finding {
		return report.Finding{Vendor: "auregister", Kind: report.KindTraffic, Rule: class, Level: report.ERR, Operation: op, Message: msg, Severity: contract.Breaking}
	}
	r := &report.Report{Vendors: []string{"iovox", "auregister"}, Findings: []report.Finding{
		f("undocumented-field", "updateContact", `/: property "nickname" is not declared`),
		f("undocumented-field", "updateContact", `/: property "alias" is not declared`),
		f("undocumented-field", "otherOp", `/: property "nickname" is not declared`),
		f("request-rejected", "updateContact", "x"), // matched only by the expired entry
	}}
	s.Apply(r, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), []string{"iovox", "auregister"})
	var acked []bool
	for _, f := range r.Findings {
		acked = append(acked, f.Acknowledged != nil)
	}
	if want := []bool{true, false, false, false}; !equal(acked, want) {
		t.Errorf("acknowledged %v; want %v", acked, want)
	}
	if len(r.Expired) != 1 || r.Expired[0].Where != "b.yaml:9" || r.Expired[0].Reason != "old" {
		t.Errorf("expired %+v", r.Expired)
	}
	// which50's entry is outside the run's vendors: neither unused nor expired.
	if len(r.Unused) != 1 || r.Unused[0].Vendor != "iovox" {
		t.Errorf("unused %+v", r.Unused)
	}
	if r.Failing() != 4 { // three findings not acknowledged, one expired entry
		t.Errorf("failing %d", r.Failing())
	}
}

func TestApplySpecChanges(t *testing.T) {
	doc := `acknowledged:
  - {vendor: iovox, change: response-success-status-removed, operation: PUT /Contacts, reason: r, expires: 2099-01-01}
  - {vendor: iovox, change: "Contact.Email: removed", reason: r, expires: 2099-01-01}
`
	s, err := Parse([]byte(doc), "a.yaml", Spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Report{Vendors: []string{"iovox"}, Findings: []report.Finding{
		{Vendor: "iovox", Kind: report.KindSpec, Rule: "response-success-status-removed", Operation: "PUT /Contacts", Severity: contract.Breaking},
		{Vendor: "iovox", Kind: report.KindSpec, Rule: "response-success-status-removed", Operation: "PUT /Other", Severity: contract.Breaking},
		{Vendor: "iovox", Kind: report.KindGoAPI, Rule: "go-api-incompatible", Message: "Contact.Email: removed", Severity: contract.Breaking},
		{Vendor: "iovox", Kind: report.KindGoAPI, Rule: "go-api-incompatible", Message: "Contact.Phone: removed", Severity: contract.Breaking},
	}}
	s.Apply(r, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), []string{"iovox"})
	var acked []bool
	for _, f := range r.Findings {
		acked = append(acked, f.Acknowledged != nil)
	}
	if want := []bool{true, false, true, false}; !equal(acked, want) {
		t.Errorf("acknowledged %v; want %v", acked, want)
	}
}

func equal(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
