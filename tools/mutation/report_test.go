package main

import (
	"strings"
	"testing"

	"github.com/contactapis/contactapis/tools/mutation/internal/mutant"
)

func TestReportClassifies(t *testing.T) {
	m := func(orig string) mutant.Mutant {
		return mutant.Mutant{File: "f.go", Func: "f", Op: mutant.OpInt, Original: orig, Mutated: "x", Ordinal: 1}
	}
	all := []mutant.Mutant{m("1"), m("2"), m("3"), m("4"), m("5"), m("6")}
	res := func(i int, status string) result { return result{Mutant: all[i], ID: all[i].ID(), Status: status} }
	results := []result{
		res(0, statusKilled), res(1, statusTimedOut), res(2, statusSurvived), res(3, statusSurvived),
		res(4, statusNotViable), res(5, statusNotRun),
	}
	reviewed := mutant.Survivors{Survivors: []mutant.Survivor{
		{ID: all[2].ID(), Kind: mutant.KindEquivalent, Reason: "unreachable"},
		{ID: all[0].ID(), Kind: mutant.KindSilent, Reason: "was a survivor"},
		{ID: "f.go gone int: 9 => x #1", Kind: mutant.KindSilent, Reason: "code since removed"},
	}}
	rep := newReport(config{scope: []string{"f.go"}, max: 6}, len(all), results, reviewed, all, 0)
	if rep.Killed != 2 || rep.TimedOut != 1 || rep.Survived != 2 || rep.NotViable != 1 || rep.NotRun != 1 || rep.Run != 5 {
		t.Errorf("counts: %+v", rep)
	}
	// 2 killed of 4 judged (not viable and not run are not judged); one survivor is listed as
	// equivalent, so 2 of the 3 a request can tell apart.
	if rep.RawScore != 50 || rep.Equivalent != 1 || rep.Score < 66.6 || rep.Score > 66.7 {
		t.Errorf("scores %.2f (raw %.2f), %d equivalent; want 66.67 (raw 50), 1", rep.Score, rep.RawScore, rep.Equivalent)
	}
	if len(rep.New) != 1 || rep.New[0].ID != all[3].ID() {
		t.Errorf("new survivors: %+v", rep.New)
	}
	if len(rep.Stale) != 1 || rep.Stale[0] != all[0].ID() {
		t.Errorf("stale: %v", rep.Stale)
	}
	if len(rep.Gone) != 1 || rep.Gone[0] != "f.go gone int: 9 => x #1" {
		t.Errorf("gone: %v", rep.Gone)
	}
	var b strings.Builder
	rep.text(&b)
	for _, want := range []string{"mutation score 66.7%", "50.0% of all judged", "equivalent: unreachable", "NEW, not in the survivors file", "  - id: '" + all[3].ID() + "'"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
}
