package framework

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/contactapis/contactapis/specs"
)

// Spec declares one conformance spec: one documented behaviour (or a few that one exchange
// proves together), the page row it checks and what MUST hold.
type Spec struct {
	// Must is the spec's name: one sentence saying what the vendor MUST do.
	Must string
	// Operation is the operationId the spec exercises ("" for unrouted requests).
	Operation string
	// Covers lists the behaviour ids the spec proves (CatalogueID, StatusID, ExampleID, RuleID).
	Covers []string
	// Labels beyond the vendor and operation labels, which the framework adds.
	Labels []Label
}

// declared is one ConformanceIt call, kept for tree validation and the coverage matrix.
type declared struct {
	Vendor string
	Spec
	Location string
}

var registry struct {
	sync.Mutex
	specs []declared
	rules map[string]map[string]Behaviour // vendor -> rule id -> behaviour
	errs  []error
}

// RegisterRule adds a rule of the vendor page (a behaviour no catalogue entry, status or example
// names: "replace_details TRUE replaces the list") to the coverage matrix. Call it at package
// level or in a container, before specs reference the rule.
func RegisterRule(vendor, name, doc, summary string) string {
	registry.Lock()
	defer registry.Unlock()
	if registry.rules == nil {
		registry.rules = map[string]map[string]Behaviour{}
	}
	if registry.rules[vendor] == nil {
		registry.rules[vendor] = map[string]Behaviour{}
	}
	id := RuleID(name)
	if _, dup := registry.rules[vendor][id]; dup {
		registry.errs = append(registry.errs, fmt.Errorf("%s: rule %q registered twice", vendor, name))
	}
	registry.rules[vendor][id] = Behaviour{Vendor: vendor, ID: id, Doc: doc, Summary: summary}
	return id
}

// Behaviours returns every behaviour of vendor: the spec's and the registered rules.
func Behaviours(vendor string) ([]Behaviour, error) {
	out, err := SpecBehaviours(vendor)
	if err != nil {
		return nil, err
	}
	registry.Lock()
	for _, b := range registry.rules[vendor] {
		out = append(out, b)
	}
	registry.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ConformanceIt declares a spec of vendor inside a ginkgo container. body runs with the vendor's
// handle, already set up for this spec (fresh exchange log, a mock's state reset to its fixtures).
func (v *Vendor) ConformanceIt(s Spec, body func(ctx ginkgo.SpecContext)) bool {
	registry.Lock()
	registry.specs = append(registry.specs, declared{Vendor: v.name, Spec: s, Location: location(2)})
	registry.Unlock()
	labels := []string{string(VendorLabel(v.name))}
	if s.Operation != "" {
		labels = append(labels, string(OpLabel(s.Operation)))
	}
	for _, l := range s.Labels {
		labels = append(labels, string(l))
	}
	// Offset(1): the spec's location in reports is the vendor file that declares it, not this line.
	return ginkgo.It(s.Must, ginkgo.Offset(1), ginkgo.Label(labels...), func(ctx ginkgo.SpecContext) {
		// First, so that a spec begin skips or fails still counts in the matrix as what it is.
		ginkgo.AddReportEntry(reportEntryBehaviour, behaviourEntry{Vendor: v.name, Covers: s.Covers, Must: s.Must}, ginkgo.ReportEntryVisibilityNever)
		currentSpec.covers = s.Covers
		ginkgo.DeferCleanup(func() { currentSpec.covers = nil })
		v.begin(s)
		body(ctx)
	})
}

const reportEntryBehaviour = "contactapis.behaviour"

// reportEntryChecking marks, in a spec's report, which of its behaviours the checks that follow
// are about (Vendor.Checking).
const reportEntryChecking = "contactapis.checking"

// Checking says that the checks that follow, up to the next Checking, are about these behaviours
// of the spec's Covers. A spec that proves many behaviours one after another ("every refused
// update MUST leave the stored data unchanged", one catalogue entry per request) calls it before
// each: when a check fails, only the behaviours it was about fail in the coverage matrix; those
// checked before it passed, and those after it were not reached. Without Checking a failure is
// blamed on every behaviour the spec covers, which is right for a spec whose one exchange proves
// them together.
func (v *Vendor) Checking(behaviours ...string) {
	covers := currentSpec.covers
	for _, b := range behaviours {
		if !slices.Contains(covers, b) {
			ginkgo.Fail(fmt.Sprintf("Checking(%q): the spec does not cover it (covers %s)", b, strings.Join(covers, ", ")))
		}
	}
	ginkgo.AddReportEntry(reportEntryChecking, slices.Clone(behaviours), ginkgo.ReportEntryVisibilityNever)
}

// currentSpec is the spec this ginkgo process is running (processes run one spec at a time).
var currentSpec struct {
	covers []string
}

// behaviourEntry travels with each spec's report (across parallel processes, as JSON).
type behaviourEntry struct {
	Vendor string   `json:"vendor"`
	Covers []string `json:"covers"`
	Must   string   `json:"must"`
}

func location(skip int) string {
	return types.NewCodeLocation(skip + 1).String()
}

// ValidateTree checks every declared spec before any runs: a MUST sentence, unique names, known
// labels and operations, and behaviour ids that exist. Kubernetes' conformance framework refuses to
// start on a malformed tree in the same way: a spec that covers nothing real would otherwise pass
// and count.
func ValidateTree() error {
	registry.Lock()
	defer registry.Unlock()
	errs := slices.Clone(registry.errs)
	names := map[string]string{}
	known := map[string]map[string]bool{}
	ops := map[string][]string{}
	for _, vendor := range specs.Vendors() {
		doc, err := specs.Shared(vendor)
		if err != nil {
			return err
		}
		for _, op := range specs.Operations(doc) {
			ops[vendor] = append(ops[vendor], op.Operation.OperationID)
		}
		bs, err := SpecBehaviours(vendor)
		if err != nil {
			return err
		}
		known[vendor] = map[string]bool{}
		for _, b := range bs {
			known[vendor][b.ID] = true
		}
		for id := range registry.rules[vendor] {
			known[vendor][id] = true
		}
	}
	for _, d := range registry.specs {
		where := fmt.Sprintf("%s (%s)", d.Must, d.Location)
		if !strings.Contains(d.Must, "MUST") {
			errs = append(errs, fmt.Errorf("%s: the name must be a sentence with MUST", where))
		}
		if prev, dup := names[d.Vendor+"\x00"+d.Must]; dup {
			errs = append(errs, fmt.Errorf("%s: name already used at %s", where, prev))
		}
		names[d.Vendor+"\x00"+d.Must] = d.Location
		if d.Operation != "" && !slices.Contains(ops[d.Vendor], d.Operation) {
			errs = append(errs, fmt.Errorf("%s: %s has no operation %q", where, d.Vendor, d.Operation))
		}
		for _, l := range d.Labels {
			if err := validateLabel(l, d.Vendor, ops[d.Vendor]); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
			}
		}
		if slices.Contains(d.Labels, Mutating) && slices.Contains(d.Labels, LiveSafe) {
			errs = append(errs, fmt.Errorf("%s: a mutating spec cannot be live-safe", where))
		}
		if len(d.Covers) == 0 {
			errs = append(errs, fmt.Errorf("%s: covers no behaviour", where))
		}
		for _, id := range d.Covers {
			if !known[d.Vendor][id] {
				errs = append(errs, fmt.Errorf("%s: covers %q, which is no behaviour of %s", where, id, d.Vendor))
			}
		}
	}
	return errors.Join(errs...)
}

// declaredCoverage returns, per vendor, the behaviour ids some declared spec covers.
func declaredCoverage() map[string]map[string][]string {
	registry.Lock()
	defer registry.Unlock()
	out := map[string]map[string][]string{}
	for _, d := range registry.specs {
		if out[d.Vendor] == nil {
			out[d.Vendor] = map[string][]string{}
		}
		for _, id := range d.Covers {
			out[d.Vendor][id] = append(out[d.Vendor][id], d.Must)
		}
	}
	return out
}

// declaredLabels returns, per vendor and behaviour id, the sorted labels of the specs covering it:
// their operation's op: label and their own (the vendor label is implied).
func declaredLabels() map[string]map[string][]string {
	registry.Lock()
	defer registry.Unlock()
	out := map[string]map[string][]string{}
	for _, d := range registry.specs {
		if out[d.Vendor] == nil {
			out[d.Vendor] = map[string][]string{}
		}
		var ls []string
		if d.Operation != "" {
			ls = append(ls, string(OpLabel(d.Operation)))
		}
		for _, l := range d.Labels {
			ls = append(ls, string(l))
		}
		for _, id := range d.Covers {
			merged := append(out[d.Vendor][id], ls...)
			slices.Sort(merged)
			out[d.Vendor][id] = slices.Compact(merged)
		}
	}
	return out
}
