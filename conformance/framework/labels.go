package framework

import (
	"fmt"
	"slices"
	"strings"

	"github.com/contactapis/contactapis/specs"
)

// Label is a typed spec label. Only the constructors here make them, so a label is never typed
// into a test name or misspelt into a filter that matches nothing.
type Label string

// Plain labels.
const (
	// Mutating specs write data; on a live target they run only with --allow-mutations.
	Mutating Label = "mutating"
	// Negative specs send invalid requests on purpose: only their responses are validated.
	Negative Label = "negative"
	// LiveSafe specs may run against a live vendor without --allow-mutations.
	LiveSafe Label = "live-safe"
	// Assumed specs check a behaviour the spec guesses (x-assumed), so that a live run shows
	// whether the vendor agrees.
	Assumed Label = "assumed"
	// Mock specs need the mock's admin API (fixtures, state, faults) and skip elsewhere.
	MockOnly Label = "mock-only"
)

var plainLabels = []Label{Mutating, Negative, LiveSafe, Assumed, MockOnly}

// VendorLabel is vendor:<name> for one of specs.Vendors.
func VendorLabel(vendor string) Label { return Label("vendor:" + vendor) }

// OpLabel is op:<operationId>.
func OpLabel(operationID string) Label { return Label("op:" + operationID) }

// validateLabel reports whether l is a label this framework makes, for the given vendor.
func validateLabel(l Label, vendor string, operations []string) error {
	s := string(l)
	switch {
	case slices.Contains(plainLabels, l):
		return nil
	case strings.HasPrefix(s, "vendor:"):
		if v := strings.TrimPrefix(s, "vendor:"); v != vendor || !slices.Contains(specs.Vendors(), v) {
			return fmt.Errorf("label %q: the spec is declared for vendor %q", s, vendor)
		}
		return nil
	case strings.HasPrefix(s, "op:"):
		if op := strings.TrimPrefix(s, "op:"); !slices.Contains(operations, op) {
			return fmt.Errorf("label %q: %s has no operation %q (has %v)", s, vendor, op, operations)
		}
		return nil
	}
	return fmt.Errorf("unknown label %q (known: %v, vendor:<name>, op:<operationId>)", s, plainLabels)
}
