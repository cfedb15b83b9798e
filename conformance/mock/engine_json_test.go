package mock

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

var jsonValues = []string{
	`null`, `true`, `"plain"`, `"<a href='x'>&</a>"`, `"\u0001\t\n"`, `"é日本\u2028"`, `"\\u0026"`, `1`, `-0`, `1.50`, `1e400`,
	`[]`, `{}`, `[1,"x",null,{"b":2,"a":[true]}]`, `{"Mobile":"353871234567","sample string 1":{"Plan":"Basic"}}`,
}

// appendValue writes a decoded value as encoding/json's Marshal does: answers, index keys and
// lookups rely on it.
func TestAppendValueIsMarshal(t *testing.T) {
	for _, doc := range jsonValues {
		checkAppendValue(t, []byte(doc))
	}
	// Records hold integers as int64 (canonical).
	for _, v := range []any{int64(-9223372036854775808), int64(42), float64(2.5), map[string]any{"n": int64(7)}} {
		want, _ := json.Marshal(v)
		if got := appendValue(nil, v); !bytes.Equal(got, want) {
			t.Errorf("%#v: appendValue %s, Marshal %s", v, got, want)
		}
	}
}

func FuzzAppendValue(f *testing.F) {
	for _, doc := range jsonValues {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { checkAppendValue(t, doc) })
}

func checkAppendValue(t *testing.T, doc []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // as the decoders hand values over
	var v any
	if dec.Decode(&v) != nil {
		return
	}
	want, err := json.Marshal(v)
	if err != nil {
		return // a number encoding/json reads but will not write (1e400): appendValue copies it
	}
	if got := appendValue(nil, v); !bytes.Equal(got, want) {
		t.Errorf("%s: appendValue %s, Marshal %s", doc, got, want)
	}
}

// A JSON answer is what encoding/json writes without HTML escaping (a message quoting a URI keeps
// its &), and a value it does not write is a 500, not a guess.
func TestWriteAsJSON(t *testing.T) {
	e := &Engine{logger: slog.New(slog.DiscardHandler)}
	for _, v := range []any{
		[]any{"a5f3", "b71c"}, map[string]any{"Message": "see https://x.example/?a=1&b=<2>", "Code": json.Number("3")},
		"\u0001", "line\u2028separator\n", map[string]any{"n": int64(-4), "list": []any{nil, true, 2.5}},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		e.writeAs(w, "application/json", 200, nil, v)
		if got := w.Body.String(); w.Code != 200 || got != strings.TrimSuffix(want.String(), "\n") || w.Header().Get("Content-Length") != strconv.Itoa(len(got)) {
			t.Errorf("%#v: %d %s (Content-Length %s), want %s", v, w.Code, got, w.Header().Get("Content-Length"), want.String())
		}
	}
	w := httptest.NewRecorder()
	e.writeAs(w, "application/json", 200, nil, map[string]any{"n": math.NaN()})
	if w.Code != http.StatusInternalServerError {
		t.Errorf("NaN: %d %s, want 500", w.Code, w.Body)
	}
}
