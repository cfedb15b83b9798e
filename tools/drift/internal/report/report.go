package report

import (
	"cmp"
	"slices"
	"unicode/utf8"

	"github.com/contactapis/contactapis/conformance/contract"
)

// Levels of a finding, oasdiff's scale: ERR breaks clients, WARN may break some, INFO does not.
// Go API changes and traffic findings are put on the same scale (see Finding.Level).
const (
	ERR  = "ERR"
	WARN = "WARN"
	INFO = "INFO"
)

// Kinds of finding.
const (
	// KindSpec is a change between two revisions of a spec, found by oasdiff.
	KindSpec = "spec"
	// KindGoAPI is a change of the exported API of gen/<vendor>, found by apidiff.
	KindGoAPI = "go-api"
	// KindTraffic is a recorded exchange that deviates from its vendor's spec.
	KindTraffic = "traffic"
	// KindReplay is a recorded exchange the mock, sent the same request, answers otherwise than
	// the vendor did.
	KindReplay = "replay"
	// KindProbe is what drift probe saw of a vendor: a conformance spec that failed against it,
	// or which reading of an x-doc-discrepancy it follows.
	KindProbe = "probe"
)

// Acknowledgement is an entry of an acknowledgement or baseline file, as the report shows it.
type Acknowledgement struct {
	// Where is the file and line of the entry ("tools/drift/acknowledged.yaml:12").
	Where string `json:"where"`
	// Vendor and What say what the entry matches ("response-success-status-removed",
	// "undocumented-field updateContact /\"nickname\"/").
	Vendor   string `json:"vendor"`
	What     string `json:"what"`
	Reason   string `json:"reason"`
	Evidence string `json:"evidence,omitempty"`
	Expires  string `json:"expires"`
}

// Finding is one thing drift noticed.
type Finding struct {
	Vendor string `json:"vendor"`
	Kind   string `json:"kind"`
	// Rule is what kind of change or deviation it is: the oasdiff rule id
	// ("response-success-status-removed"), "go-api-incompatible"/"go-api-compatible", or a
	// traffic finding class ("undocumented-field").
	Rule  string `json:"rule"`
	Level string `json:"level"`
	// Operation is "METHOD /path" for spec changes, the operationId (or "METHOD /path" when
	// nothing routes) for traffic; empty when the change is not about one operation.
	Operation string `json:"operation,omitempty"`
	// Message says what changed or deviated, in one line.
	Message string `json:"message"`
	// Location is where to look: "specs/iovox.yaml:70" or "capture.har entry 12".
	Location string `json:"location,omitempty"`
	// Count is how many exchanges showed this finding (traffic only; Location is the first).
	Count int `json:"count,omitempty"`
	// Severity is what the finding means to a client written to the spec: breaking findings
	// fail the run unless acknowledged, non-breaking ones only in strict mode, info never.
	Severity     contract.Severity `json:"severity"`
	Acknowledged *Acknowledgement  `json:"acknowledged,omitempty"`
}

// Fails reports whether the finding fails the run; strict makes non-breaking findings fail too.
func (f Finding) Fails(strict bool) bool { return f.Severity.Fails(strict) && f.Acknowledged == nil }

// Breaking reports whether the finding breaks a client written to the spec.
func (f Finding) Breaking() bool { return f.Severity == contract.Breaking }

// LevelOf puts a severity on oasdiff's scale, for findings that are not oasdiff's own: breaking
// is ERR, non-breaking WARN, info INFO.
func LevelOf(s contract.Severity) string {
	switch s {
	case contract.Breaking:
		return ERR
	case contract.NonBreaking:
		return WARN
	}
	return INFO
}

// Report is the result of one drift run.
type Report struct {
	// Command is the subcommand: "spec", "traffic", "probe" or "replay".
	Command string `json:"command"`
	// Subject says what was compared or validated, in one line.
	Subject string `json:"subject"`
	// Vendors examined, in the specs package's order.
	Vendors  []string  `json:"vendors"`
	Findings []Finding `json:"findings"`
	// Strict makes non-breaking findings fail the run (--strict).
	Strict bool `json:"strict,omitempty"`
	// Expired acknowledgements fail the run whether or not they still match anything: an
	// exception past its date must be renewed with a reason, or removed.
	Expired []Acknowledgement `json:"expired,omitempty"`
	// Unused acknowledgements matched nothing; they are reported, not failed (the change they
	// excused may simply be behind the base revision now).
	Unused []Acknowledgement `json:"unused,omitempty"`
	// Traffic holds the counts of a traffic run.
	Traffic *TrafficStats `json:"traffic,omitempty"`
	// Replay holds the counts of a replay run.
	Replay *ReplayStats `json:"replay,omitempty"`
	// Probe holds the counts of a probe run (its Traffic, those of the suite's recording).
	Probe *ProbeStats `json:"probe,omitempty"`
}

// TrafficStats counts the exchanges of a traffic run.
type TrafficStats struct {
	Files     int `json:"files"`
	Exchanges int `json:"exchanges"`
	// Validated exchanges were routed to a vendor and checked.
	Validated int `json:"validated"`
	// Skipped exchanges were not checked: no response was recorded (status 0), or the host
	// matched no vendor and --skip-unknown-hosts was given.
	Skipped int `json:"skipped"`
	// PerVendor counts validated exchanges by vendor.
	PerVendor map[string]int `json:"perVendor"`
}

// ProbeStats counts what a probe run did.
type ProbeStats struct {
	// Target is what was probed: "live", or "url".
	Target string     `json:"target"`
	Suite  SuiteStats `json:"suite"`
	// Discrepancies counts the x-doc-discrepancy outcomes by reading: spec, page, neither,
	// unsettled.
	Discrepancies map[string]int `json:"discrepancies"`
}

// SuiteStats count the conformance specs of a probe run. Skipped specs are those the label
// filter or the target left out (other vendors', mock-only, mutating without --allow-mutations).
type SuiteStats struct {
	Ran     int `json:"ran"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// ReplayStats counts the exchanges of a replay run.
type ReplayStats struct {
	Files     int `json:"files"`
	Exchanges int `json:"exchanges"`
	// Replayed exchanges were sent to the mock and its answer compared.
	Replayed int `json:"replayed"`
	// NoResponse exchanges were skipped: no response was recorded (status 0 or -1).
	NoResponse int `json:"noResponse"`
	// BodyNotAsSent exchanges were skipped: the recorder kept only part of the request body, or
	// not its bytes (a photo or a non-UTF-8 form, which JSON cannot hold).
	BodyNotAsSent int `json:"bodyNotAsSent"`
	// URLNotAsSent exchanges were skipped: the request line held a byte that is not UTF-8, which
	// JSON recorded as U+FFFD, so a replay would send a valid URL where the client sent an invalid
	// one.
	URLNotAsSent int `json:"urlNotAsSent"`
	// UnknownHost exchanges were skipped: no rule routes them and --skip-unknown-hosts was given.
	UnknownHost int `json:"unknownHost"`
	// Resets of the mock's state: one before the first exchange, one each time the recording's
	// _spec changes.
	Resets int `json:"resets"`
	// Logins the replay made by itself: a session-cookie exchange came with no session of the
	// mock's open (the recording began mid-session, or a reset ended it).
	Logins int `json:"logins"`
	// PerVendor counts replayed exchanges by vendor.
	PerVendor map[string]int `json:"perVendor"`
}

// Skipped is the number of exchanges not replayed.
func (s *ReplayStats) Skipped() int {
	return s.NoResponse + s.BodyNotAsSent + s.URLNotAsSent + s.UnknownHost
}

// Failing counts what fails the run: breaking findings (and in strict mode non-breaking ones) not
// acknowledged, and expired acknowledgements.
func (r *Report) Failing() int {
	n := len(r.Expired)
	for _, f := range r.Findings {
		if f.Fails(r.Strict) {
			n++
		}
	}
	return n
}

var levelRank = map[string]int{ERR: 0, WARN: 1, INFO: 2}

// Sort orders findings by vendor (in the order of r.Vendors), kind, level, rule, operation and
// message, so that output is stable whatever order they were found in.
func (r *Report) Sort() {
	vendorRank := map[string]int{}
	for i, v := range r.Vendors {
		vendorRank[v] = i
	}
	kindRank := map[string]int{KindSpec: 0, KindGoAPI: 1, KindTraffic: 2, KindReplay: 3, KindProbe: 4}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(vendorRank[a.Vendor], vendorRank[b.Vendor]),
			cmp.Compare(kindRank[a.Kind], kindRank[b.Kind]),
			cmp.Compare(levelRank[a.Level], levelRank[b.Level]),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Operation, b.Operation),
			cmp.Compare(a.Message, b.Message),
			cmp.Compare(a.Location, b.Location),
		)
	})
}

// ForVendor returns the findings of one vendor, in report order.
func (r *Report) ForVendor(vendor string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Vendor == vendor {
			out = append(out, f)
		}
	}
	return out
}

// MaxDetail bounds the text of a finding: a vendor's error message can be long, and a finding is
// one line of a report.
const MaxDetail = 300

// Clip cuts s to at most MaxDetail bytes on a rune boundary, marking the cut with "…".
func Clip(s string) string {
	if len(s) <= MaxDetail {
		return s
	}
	cut := MaxDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
