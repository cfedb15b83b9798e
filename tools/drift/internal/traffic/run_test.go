package traffic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the progress goroutine and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunReportsProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.har")
	writeCapture(t, path, 200, cleanEntries(t))
	var out syncBuffer
	r, err := Run(context.Background(), []string{path}, Options{Progress: &out, ProgressEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// The last line is written when the run ends, with the final count, and ends the line.
	if got := out.String(); !strings.HasSuffix(got, "\rdrift traffic: 200 exchanges validated, 0 distinct findings\n") {
		t.Errorf("progress %q", got)
	}
	if r.Traffic.Validated != 200 {
		t.Errorf("validated %d", r.Traffic.Validated)
	}
}

func TestRunIsSilentWithoutProgress(t *testing.T) {
	// Progress is nil unless stderr is a terminal (the command decides); nothing else prints.
	path := filepath.Join(t.TempDir(), "p.har")
	writeCapture(t, path, 10, cleanEntries(t))
	if _, err := Run(context.Background(), []string{path}, Options{}); err != nil {
		t.Fatal(err)
	}
}

// Findings are counted per distinct (vendor, class, operation, detail), with the first exchange
// in file order as evidence whatever order the workers finish in.
func TestRunAggregatesDeterministically(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join("..", "..", "testdata", "har", "undocumented-status.har")
	good := filepath.Join(dir, "good.har")
	writeCapture(t, good, 50, cleanEntries(t))
	for range 5 {
		r, err := Run(context.Background(), []string{good, bad, bad}, Options{Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Findings) != 1 || r.Findings[0].Count != 2 || r.Findings[0].Location != bad+" entry 1" {
			t.Fatalf("findings %+v", r.Findings)
		}
	}
}

// A capture where every exchange deviates in its own way (a new message each time) must not
// grow memory with the file: past the cap, findings are counted, not listed.
func TestRunCapsDistinctFindings(t *testing.T) {
	defer func(n int) { maxDistinctFindings = n }(maxDistinctFindings)
	maxDistinctFindings = 3
	var entries []json.RawMessage
	for i := range 6 {
		entries = append(entries, json.RawMessage(fmt.Sprintf(`{"request": {"method": "PATCH", "url": "http://h/auregister/contacts/1",
			"headers": [{"name": "Authorization", "value": "Bearer x"}, {"name": "Content-Type", "value": "application/json"}],
			"postData": {"mimeType": "application/json", "text": "{}"}},
			"response": {"status": 404, "headers": [{"name": "Content-Type", "value": "application/json"}],
			"content": {"mimeType": "application/json", "text": "{\"error\": \"not_found\", \"message\": \"Gone #%d\"}"}}}`, i)))
	}
	path := filepath.Join(t.TempDir(), "unique.har")
	writeCapture(t, path, len(entries), entries)
	r, err := Run(context.Background(), []string{path}, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var listed, total int
	for _, f := range r.Findings {
		listed++
		total += f.Count
	}
	if listed != 4 || total != 6 {
		t.Errorf("%d findings listed for %d exchanges; want 3 and one overflow counting the other 3: %+v", listed, total, r.Findings)
	}
}
