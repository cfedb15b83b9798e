package specdiff

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

func doc(t *testing.T, name string) Document {
	t.Helper()
	p := filepath.Join("..", "..", "testdata", "spec", name)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return Document{Name: name, Data: data}
}

// One small change of each oasdiff level, made on copies of the real auregister spec; the levels
// and rule ids are oasdiff's.
func TestCompareSpecsLevels(t *testing.T) {
	base := doc(t, "base.yaml")
	for _, tc := range []struct {
		head, rule, level string
		breaking          bool
	}{
		{"err.yaml", "response-property-type-changed", report.ERR, true},
		{"warn.yaml", "request-property-removed", report.WARN, false},
		{"info.yaml", "endpoint-deprecated", report.INFO, false},
	} {
		fs, err := CompareSpecs("auregister", base, doc(t, tc.head))
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 {
			t.Fatalf("%s: %d findings, want 1: %+v", tc.head, len(fs), fs)
		}
		f := fs[0]
		if f.Rule != tc.rule || f.Level != tc.level || f.Breaking() != tc.breaking || f.Operation != "PATCH /contacts/{contactId}" {
			t.Errorf("%s: %+v; want %s %s breaking=%v", tc.head, f, tc.level, tc.rule, tc.breaking)
		}
	}
	if fs, err := CompareSpecs("auregister", base, base); err != nil || len(fs) != 0 {
		t.Errorf("a spec against itself: %+v, %v", fs, err)
	}
}

func TestCompareSpecsCatalogue(t *testing.T) {
	fs, err := CompareSpecs("auregister", doc(t, "base.yaml"), doc(t, "catalogue.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Level+" "+f.Rule)
	}
	slices.Sort(got)
	want := "ERR error-catalogue-entry-message-changed, ERR error-catalogue-entry-removed, INFO error-catalogue-entry-added"
	if strings.Join(got, ", ") != want {
		t.Errorf("got %s; want %s", strings.Join(got, ", "), want)
	}
}

func TestCompareSpecsUnparseable(t *testing.T) {
	if _, err := CompareSpecs("auregister", doc(t, "base.yaml"), doc(t, "broken.yaml")); err == nil || !strings.Contains(err.Error(), "load broken.yaml") {
		t.Errorf("err %v", err)
	}
}

// An old revision's catalogue may carry keys the current one does not know: it still compares.
func TestReadCatalogueIsLenient(t *testing.T) {
	d := &openapi3.T{Extensions: map[string]any{"x-error-catalogue": []any{
		map[string]any{"id": "a", "status": float64(400), "message": "m", "retired-key": true},
		map[string]any{"status": float64(500)}, // no id: not an entry anyone keys on
	}}}
	c := readCatalogue(d)
	if len(c) != 1 || c[0].ID != "a" || c[0].Status != 400 || c[0].Message != "m" {
		t.Errorf("catalogue %+v", c)
	}
}
