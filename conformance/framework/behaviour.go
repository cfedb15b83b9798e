package framework

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/contactapis/contactapis/specs"
)

// Behaviour is one documented behaviour of a vendor: a row of the coverage matrix.
type Behaviour struct {
	Vendor string `json:"vendor"`
	// ID is unique within the vendor: catalogue/<entry id>, status/<operationId>/<code>,
	// example/<operationId>/<example name>, or rule/<name> for rules the suite declares.
	ID string `json:"id"`
	// Doc is the vendor-page reference the behaviour comes from.
	Doc string `json:"doc"`
	// Summary is a short description for the matrix.
	Summary string `json:"summary"`
	// Assumed is the spec's reason when the behaviour is a guess (x-assumed), else "".
	Assumed string `json:"assumed,omitempty"`
}

// Kinds of behaviour IDs.
const (
	KindCatalogue = "catalogue"
	KindStatus    = "status"
	KindExample   = "example"
	KindRule      = "rule"
)

// CatalogueID is the behaviour id of a catalogue entry.
func CatalogueID(entry string) string { return KindCatalogue + "/" + entry }

// StatusID is the behaviour id of a documented status of an operation.
func StatusID(operationID string, status int) string {
	return KindStatus + "/" + operationID + "/" + strconv.Itoa(status)
}

// ExampleID is the behaviour id of an example of an operation.
func ExampleID(operationID, example string) string {
	return KindExample + "/" + operationID + "/" + example
}

// RuleID is the behaviour id of a rule of the page that the suite names.
func RuleID(name string) string { return KindRule + "/" + name }

// SpecBehaviours derives every behaviour of vendor that its spec documents: catalogue entries,
// declared statuses and request examples. Rules are added by the suite (RegisterRule).
func SpecBehaviours(vendor string) ([]Behaviour, error) {
	doc, err := specs.Shared(vendor)
	if err != nil {
		return nil, err
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return nil, err
	}
	page, _ := doc.Info.Extensions["x-vendor-page"].(string)
	var out []Behaviour
	for _, e := range cat {
		out = append(out, Behaviour{Vendor: vendor, ID: CatalogueID(e.ID), Doc: e.Doc, Assumed: e.Assumed,
			Summary: fmt.Sprintf("%d %s", e.Status, e.Message)})
	}
	for _, op := range specs.Operations(doc) {
		id := op.Operation.OperationID
		for code, r := range op.Operation.Responses.Map() {
			status, err := strconv.Atoi(code)
			if err != nil || r.Value == nil {
				continue
			}
			assumed, _ := r.Value.Extensions[specs.ExtAssumed].(string)
			desc := ""
			if r.Value.Description != nil {
				desc = firstSentence(*r.Value.Description)
			}
			out = append(out, Behaviour{Vendor: vendor, ID: StatusID(id, status), Doc: page + ": " + op.Method + " " + op.Path,
				Summary: fmt.Sprintf("%s answers %d: %s", id, status, desc), Assumed: assumed})
		}
		if rb := op.Operation.RequestBody; rb != nil && rb.Value != nil {
			seen := map[string]bool{}
			for _, media := range rb.Value.Content {
				for name, ex := range media.Examples {
					if seen[name] || ex.Value == nil {
						continue
					}
					seen[name] = true
					assumed, _ := ex.Value.Extensions[specs.ExtAssumed].(string)
					out = append(out, Behaviour{Vendor: vendor, ID: ExampleID(id, name), Doc: page + ": example " + name,
						Summary: fmt.Sprintf("%s succeeds with the example %q", id, name), Assumed: assumed})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
