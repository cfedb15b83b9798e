package probe

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/contactapis/contactapis/specs"
)

// specIDs walks vendor's spec as plain data, independently of Discrepancies, and returns every
// x-doc-discrepancy id at any depth, with the path of each.
func specIDs(t *testing.T, vendor string) map[string]string {
	t.Helper()
	raw, err := specs.Raw(vendor)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	var walk func(path string, n any)
	walk = func(path string, n any) {
		switch n := n.(type) {
		case map[string]any:
			for k, v := range n {
				if k == specs.ExtDiscrepancy {
					list, _ := v.([]any)
					for i, item := range list {
						m, _ := item.(map[string]any)
						id, _ := m["id"].(string)
						if prev, dup := ids[id]; dup {
							t.Errorf("%s: id %q at %s/%d and %s", vendor, id, path, i, prev)
						}
						ids[id] = fmt.Sprintf("%s/%s/%d", path, k, i)
					}
				}
				walk(path+"/"+k, v)
			}
		case []any:
			for i, v := range n {
				walk(fmt.Sprintf("%s/%d", path, i), v)
			}
		}
	}
	walk("", tree)
	return ids
}

// TestRegistryCoversEveryDiscrepancy requires, for every x-doc-discrepancy of every spec, exactly
// one probe or one reason no live run can settle it; and nothing for an id no spec has. A new
// discrepancy in a spec fails here until someone says how a live run decides it.
func TestRegistryCoversEveryDiscrepancy(t *testing.T) {
	total := 0
	for _, vendor := range specs.Vendors() {
		t.Run(vendor, func(t *testing.T) {
			ids := specIDs(t, vendor)
			total += len(ids)
			probed := map[string]int{}
			for _, p := range ForVendor(vendor) {
				probed[p.ID]++
				switch {
				case p.Vendor != vendor:
					t.Errorf("probe %q is in %s's list but says vendor %q", p.ID, vendor, p.Vendor)
				case ids[p.ID] == "":
					t.Errorf("probe %q: specs/%s.yaml has no such x-doc-discrepancy", p.ID, vendor)
				case p.Run == nil:
					t.Errorf("probe %q has no Run", p.ID)
				}
			}
			unsettleable := Unsettleable(vendor)
			for id, reason := range unsettleable {
				if ids[id] == "" {
					t.Errorf("unsettleable %q: specs/%s.yaml has no such x-doc-discrepancy", id, vendor)
				}
				if strings.TrimSpace(reason) == "" {
					t.Errorf("unsettleable %q: no reason", id)
				}
			}
			var missing []string
			for id, path := range ids {
				n := probed[id]
				_, unsettled := unsettleable[id]
				switch {
				case n > 1:
					t.Errorf("%s (%s): %d probes, want one", id, path, n)
				case n == 1 && unsettled:
					t.Errorf("%s (%s): both a probe and an unsettleable reason", id, path)
				case n == 0 && !unsettled:
					missing = append(missing, id)
				}
			}
			slices.Sort(missing)
			for _, id := range missing {
				t.Errorf("%s (%s): neither a probe nor a reason in %sUnsettleable", id, ids[id], vendor)
			}
		})
	}
	if total == 0 {
		t.Fatal("no x-doc-discrepancy in any spec: the walk is broken")
	}
}

// TestDiscrepancies checks the walker the report's locations come from against the plain walk
// above: the same ids, each at the line that holds its "id:".
func TestDiscrepancies(t *testing.T) {
	for _, vendor := range specs.Vendors() {
		ds, err := Discrepancies(vendor)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := specs.Raw(vendor)
		lines := strings.Split(string(raw), "\n")
		want := specIDs(t, vendor)
		got := map[string]bool{}
		for _, d := range ds {
			got[d.ID] = true
			if want[d.ID] == "" {
				t.Errorf("%s: Discrepancies found %q, the plain walk did not", vendor, d.ID)
			}
			if d.Line < 1 || d.Line > len(lines) || !strings.Contains(lines[d.Line-1], "id: "+d.ID) {
				t.Errorf("%s: %s points at a line without its id", vendor, d.Location())
			}
			if d.Page == "" || d.Spec == "" || d.Probe == "" {
				t.Errorf("%s: %s lacks page, spec or probe", vendor, d.ID)
			}
		}
		for id := range want {
			if !got[id] {
				t.Errorf("%s: Discrepancies missed %q", vendor, id)
			}
		}
	}
}
