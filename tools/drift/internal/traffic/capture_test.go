package traffic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// cleanEntries returns the raw entries of testdata/har/clean.har: one valid exchange of each
// vendor, routed by documented host or mockserver prefix.
func cleanEntries(t testing.TB) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "har", "clean.har"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	// Compact, as most recorders write them: the size that matters is the data's, not the
	// indentation's.
	for i, e := range doc.Log.Entries {
		var b bytes.Buffer
		if err := json.Compact(&b, e); err != nil {
			t.Fatal(err)
		}
		doc.Log.Entries[i] = b.Bytes()
	}
	return doc.Log.Entries
}

// writeCapture writes a HAR of n entries cycling through the given ones, streaming to disk so
// that the test itself holds no file-sized buffer.
func writeCapture(t testing.TB, path string, n int, entries []json.RawMessage) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"log":{"version":"1.2","creator":{"name":"tools/drift test","version":"1"},"entries":[`)
	for i := range n {
		if i > 0 {
			w.WriteByte(',')
		}
		w.Write(entries[i%len(entries)])
	}
	w.WriteString("]}}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
