package framework

import (
	"fmt"
	"strconv"
)

// NonBreakingPrefix opens the failure message of a spec that failed only on a non-breaking
// finding: the vendor now accepts what the page refuses, or (with --strict) it added a field or
// enum value to an answer. tools/drift reads it to grade the finding non-breaking.
const NonBreakingPrefix = "non-breaking: "

// acceptedRefusal reports whether a failure is a documented refusal the vendor now accepts: the
// failure compares a status, the spec wanted a 4xx, and the exchange that answered (the one whose
// status the failure names) was routed to an operation of the spec, answered 2xx and broke no
// rule of the contract. Such a change breaks no client written to the spec (it handles the
// success answer anyway), so on a vendor it is non-breaking; on a mock (embedded, or a
// tools/mockserver: a target with the admin API), which must refuse what the page refuses, it is
// a bug and fails as any other (Fail decides). It returns the exchange's
// description for the report.
func acceptedRefusal(message string, exs []Exchange) (string, bool) {
	d := expectedPair(message)
	if d == nil {
		return "", false
	}
	x, pick := pickedExchange(message, exs)
	if x == nil || !x.StatusMarked {
		return "", false
	}
	want, err := strconv.Atoi(d.Want.Before + d.Want.Mark + d.Want.After)
	if err != nil || want < 400 || want > 499 {
		return "", false
	}
	e := exs[pick]
	if e.Status < 200 || e.Status > 299 || e.Operation == "" || len(e.Violations) > 0 {
		return "", false
	}
	return fmt.Sprintf("%s %s (%s) answered %d where the page documents a refusal (%d)", e.Method, e.URL, e.Operation, e.Status, want), true
}
