package probe

import (
	"bytes"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/contactapis/contactapis/specs"
)

// vendorProbes are a vendor's probes and, for each x-doc-discrepancy no live run can decide,
// why. Each vendor's file registers its own, so a vendor without probes (a new one) needs no
// entry anywhere.
type vendorProbes struct {
	probes       *[]Probe
	unsettleable *map[string]string
}

var byVendor = map[string]vendorProbes{}

// register adds a vendor's probes. The lists are read at call time through the pointers, not
// copied here at package initialisation, so that the vendor files may build them however they
// like.
func register(vendor string, probes *[]Probe, unsettleable *map[string]string) {
	byVendor[vendor] = vendorProbes{probes: probes, unsettleable: unsettleable}
}

// ForVendor returns the probes of one vendor; none for a vendor that has none.
func ForVendor(vendor string) []Probe {
	if p, ok := byVendor[vendor]; ok {
		return slices.Clone(*p.probes)
	}
	return nil
}

// Unsettleable returns, for each x-doc-discrepancy of vendor that no live run can decide, why.
func Unsettleable(vendor string) map[string]string {
	out := map[string]string{}
	if p, ok := byVendor[vendor]; ok {
		for k, v := range *p.unsettleable {
			out[k] = v
		}
	}
	return out
}

// Discrepancy is one x-doc-discrepancy record of a spec, with where it is.
type Discrepancy struct {
	Vendor string
	ID     string
	// Line is the line of the id in specs/<vendor>.yaml.
	Line int
	// Page, Spec and Probe are the record's readings and how a live run tells them apart.
	Page, Spec, Probe string
}

// Location is where the report points: "specs/iovox.yaml:412".
func (d Discrepancy) Location() string { return fmt.Sprintf("specs/%s.yaml:%d", d.Vendor, d.Line) }

// Discrepancies returns every x-doc-discrepancy record of vendor's spec, at any depth, in file
// order. The YAML is walked rather than the loaded OpenAPI document, because records sit on nodes
// kin-openapi keeps in different places (parameters, schemas, catalogue entries, the root) and
// because the report needs their line.
func Discrepancies(vendor string) ([]Discrepancy, error) {
	raw, err := specs.Raw(vendor)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(raw)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("specs/%s.yaml: %w", vendor, err)
	}
	var out []Discrepancy
	var errs []error
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value != specs.ExtDiscrepancy {
					continue
				}
				list := n.Content[i+1]
				if list.Kind != yaml.SequenceNode {
					errs = append(errs, fmt.Errorf("specs/%s.yaml:%d: %s is not a list", vendor, list.Line, specs.ExtDiscrepancy))
					continue
				}
				for _, item := range list.Content {
					d := Discrepancy{Vendor: vendor, Line: item.Line}
					for j := 0; item.Kind == yaml.MappingNode && j+1 < len(item.Content); j += 2 {
						k, v := item.Content[j], item.Content[j+1]
						switch k.Value {
						case "id":
							d.ID, d.Line = v.Value, v.Line
						case "page":
							d.Page = v.Value
						case "spec":
							d.Spec = v.Value
						case "probe":
							d.Probe = v.Value
						}
					}
					if d.ID == "" {
						errs = append(errs, fmt.Errorf("specs/%s.yaml:%d: an %s record has no id", vendor, item.Line, specs.ExtDiscrepancy))
						continue
					}
					out = append(out, d)
				}
			}
		}
		// Aliases are skipped: the node they point to is walked where it is defined.
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	if len(errs) > 0 {
		return nil, errs[0] // the spec linter (specs_test.go) reports them all
	}
	return out, nil
}
