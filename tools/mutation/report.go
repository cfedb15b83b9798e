package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/contactapis/contactapis/tools/mutation/internal/mutant"
)

// report is what a run writes: reports/mutation.json whole, reports/mutation.txt and stdout as
// text.
type report struct {
	Scope     []string `json:"scope"`
	Generated int      `json:"generated"` // mutants of the scope
	Excluded  int      `json:"excluded"`  // mutants of the declarations the scope file leaves out
	Max       int      `json:"max"`       // the sample's cap (0: none)
	Run       int      `json:"run"`       // sampled and run
	Killed    int      `json:"killed"`    // timed out included
	TimedOut  int      `json:"timedOut"`
	Survived  int      `json:"survived"`
	NotViable int      `json:"notViable"`
	NotRun    int      `json:"notRun"`
	// Equivalent are the survivors the survivors file lists as equivalent: mutants no request can
	// tell from the code, which no spec can kill.
	Equivalent int `json:"equivalent"`
	// Score is killed / (killed + survived - equivalent), in percent: the share of the mutants a
	// request can tell apart that the suite kills (the usual definition of the mutation score).
	Score float64 `json:"score"`
	// RawScore is killed / (killed + survived), in percent, equivalent mutants counted as
	// survivors.
	RawScore float64 `json:"rawScore"`
	// MinScore is the score below which the run fails (0: none).
	MinScore float64 `json:"minScore"`
	Seconds  float64 `json:"seconds"`
	// Survivors are every surviving mutant, reviewed or not.
	Survivors []result `json:"survivors"`
	// New are the surviving mutants the survivors file does not list: they fail the run.
	New []result `json:"new"`
	// Stale are listed mutants that ran and were killed: their entries can go.
	Stale []string `json:"stale"`
	// Gone are listed identities no mutant of the scope has any more (the code changed).
	Gone    []string `json:"gone"`
	Results []result `json:"results"`
}

func newReport(c config, generated int, results []result, reviewed mutant.Survivors, all []mutant.Mutant, took time.Duration) *report {
	rep := &report{Scope: c.scope, Generated: generated, Max: c.max, Seconds: took.Seconds(), Results: results,
		Survivors: []result{}, New: []result{}, Stale: []string{}, Gone: []string{}}
	for i := range results {
		res := &results[i]
		entry, listed := reviewed.Lookup(res.ID)
		switch res.Status {
		case statusKilled, statusTimedOut:
			rep.Killed++
			if res.Status == statusTimedOut {
				rep.TimedOut++
			}
			if listed {
				rep.Stale = append(rep.Stale, res.ID)
			}
		case statusSurvived:
			rep.Survived++
			if listed {
				res.Kind, res.Reason = entry.Kind, entry.Reason
				if entry.Kind == mutant.KindEquivalent {
					rep.Equivalent++
				}
			} else {
				rep.New = append(rep.New, *res)
			}
			rep.Survivors = append(rep.Survivors, *res)
		case statusNotViable:
			rep.NotViable++
		case statusNotRun:
			rep.NotRun++
		}
	}
	rep.Run = len(results) - rep.NotRun
	if judged := rep.Killed + rep.Survived; judged > 0 {
		rep.RawScore = 100 * float64(rep.Killed) / float64(judged)
	}
	if distinguishable := rep.Killed + rep.Survived - rep.Equivalent; distinguishable > 0 {
		rep.Score = 100 * float64(rep.Killed) / float64(distinguishable)
	}
	rep.MinScore = c.minScore
	exists := map[string]bool{}
	for _, m := range all {
		exists[m.ID()] = true
	}
	for _, e := range reviewed.Survivors {
		if !exists[e.ID] {
			rep.Gone = append(rep.Gone, e.ID)
		}
	}
	return rep
}

func (rep *report) write(dir string, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mutation.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var b strings.Builder
	rep.text(&b)
	if err := os.WriteFile(filepath.Join(dir, "mutation.txt"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

func (rep *report) text(w io.Writer) {
	fmt.Fprintf(w, "mutation score %.1f%% (killed of the mutants a request can tell apart; %.1f%% of all judged)", rep.Score, rep.RawScore)
	if rep.MinScore > 0 {
		fmt.Fprintf(w, ", minimum %.0f%%", rep.MinScore)
	}
	fmt.Fprintf(w, "\n%d killed (%d timed out), %d survived (%d equivalent)", rep.Killed, rep.TimedOut, rep.Survived, rep.Equivalent)
	fmt.Fprintf(w, "; %d not viable, %d not run; %d run of %d generated (cap %d; %d more in excluded declarations) in %s\n",
		rep.NotViable, rep.NotRun, rep.Run, rep.Generated, rep.Max, rep.Excluded, time.Duration(rep.Seconds*float64(time.Second)).Round(time.Second))
	fmt.Fprintf(w, "scope: %s\n", strings.Join(rep.Scope, " "))
	if len(rep.Survivors) > 0 {
		fmt.Fprintf(w, "\nsurvivors:\n")
		for _, s := range rep.Survivors {
			why := "NEW, not in the survivors file"
			if s.Kind != "" {
				why = s.Kind + ": " + s.Reason
			}
			fmt.Fprintf(w, "  %s:%d:%d %s %s: %s => %s\n      %s\n", s.File, s.Line, s.Col, s.Func, s.Op, s.Original, s.Mutated, why)
		}
	}
	if len(rep.New) > 0 {
		fmt.Fprintf(w, "\nnew survivors, to kill with a spec or to list with a reason (kind equivalent or silent):\n")
		entries := make([]mutant.Survivor, len(rep.New))
		for i, s := range rep.New {
			entries[i] = mutant.Survivor{ID: s.ID, Kind: "", Reason: ""}
		}
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		enc.Encode(mutant.Survivors{Survivors: entries})
		enc.Close()
	}
	for _, list := range []struct {
		title string
		ids   []string
	}{
		{"listed but killed now (remove them from the survivors file)", rep.Stale},
		{"listed but no longer generated (the code changed; remove or update them)", rep.Gone},
	} {
		if len(list.ids) > 0 {
			fmt.Fprintf(w, "\n%s:\n", list.title)
			for _, id := range list.ids {
				fmt.Fprintf(w, "  %s\n", id)
			}
		}
	}
}
