package framework

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// With -p, specs of two processes overlap in time, each against its own embedded mocks. The
// recording keeps each spec's exchanges together (specs in the order of their first exchange), so
// that tools/drift replay can replay a spec against one mock in the state it ran in; in plain
// time order, B's exchange would land between A's two and a replay would reset the mock there.
func TestWriteHARKeepsSpecsTogether(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	exchange := func(url string, at time.Duration) types.ReportEntry {
		return types.ReportEntry{Name: reportEntryExchange, Value: types.WrapEntryValue(Exchange{
			Vendor: "iovox", Started: t0.Add(at), Method: "PUT", URL: url, Status: 204})}
	}
	report := types.Report{SpecReports: types.SpecReports{
		// Process 2's spec started later but its exchange comes between A's.
		{LeafNodeText: "B", ReportEntries: types.ReportEntries{exchange("http://m/b1", 2*time.Millisecond)}},
		// Entries out of order within a spec are put in start order.
		{LeafNodeText: "A", ReportEntries: types.ReportEntries{exchange("http://m/a2", 3*time.Millisecond), exchange("http://m/a1", time.Millisecond)}},
		{LeafNodeText: "no exchanges"},
	}}
	path := filepath.Join(t.TempDir(), "x.har")
	if err := WriteHAR(report, path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc harFile
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range doc.Log.Entries {
		got = append(got, e.Spec+" "+e.Request.URL)
	}
	if want := "A http://m/a1, A http://m/a2, B http://m/b1"; strings.Join(got, ", ") != want {
		t.Errorf("entries %q, want %s", got, want)
	}
}
