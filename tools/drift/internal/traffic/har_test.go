package traffic

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStreamReadsEntriesInOrder(t *testing.T) {
	// Members before and after log.entries, of every JSON kind, are skipped.
	doc := `{"x": [1, {"a": "b"}], "log": {"version": "1.2", "pages": [{"id": "p"}],
		"entries": [{"request": {"method": "GET", "url": "http://h/a"}, "response": {"status": 200}},
		            {"request": {"method": "PUT", "url": "http://h/b"}, "response": {"status": 204}, "_vendor": "iovox", "_negative": true}],
		"comment": null}, "y": true}`
	var got []string
	n, err := Stream(strings.NewReader(doc), func(e *Entry) error {
		got = append(got, e.Request.Method+" "+e.Request.URL)
		if e.Index == 2 && (e.Vendor != "iovox" || !e.Negative) {
			t.Errorf("custom fields of entry 2: %+v", e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || strings.Join(got, ", ") != "GET http://h/a, PUT http://h/b" {
		t.Errorf("got %d entries %q", n, got)
	}
}

func TestStreamStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	doc := `{"log": {"entries": [{}, {}, {}]}}`
	calls := 0
	_, err := Stream(strings.NewReader(doc), func(*Entry) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err %v after %d calls; want the callback's error after 1", err, calls)
	}
}

func TestStreamBadInput(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", "", "the file is empty"},
		{"blank", " \n\t", "the file is empty"},
		{"not JSON", "<html>", "not valid JSON at byte 1"},
		{"array", "[]", `the document is "[", a HAR file is a JSON object`},
		{"no log", `{"version": "1.2"}`, "no log.entries"},
		{"no entries", `{"log": {"version": "1.2"}}`, "no log.entries"},
		{"entries not a list", `{"log": {"entries": {}}}`, `log.entries is "{", HAR wants "["`},
		{"log not an object", `{"log": 3}`, `log is a number, HAR wants "{"`},
		{"wrong field type", `{"log": {"entries": [{"response": {"status": "200"}}]}}`, "entry 1: response.status is a JSON string, HAR wants a number"},
		{"entry not an object", `{"log": {"entries": [{}, 5]}}`, "entry 2 is a JSON number, HAR wants an object"},
		{"field not an object", `{"log": {"entries": [{"request": []}]}}`, "entry 1: request is a JSON array, HAR wants an object"},
		{"trailing data", `{"log": {"entries": []}} {}`, "data after the end of the JSON document"},
		{"truncated in an entry", `{"log": {"entries": [{"request": {"meth`, "truncated: the file ends at byte"},
		{"truncated after an entry", `{"log": {"entries": [{}, `, "(after 1 complete entry)"},
		{"truncated at the end", `{"log": {"entries": []}`, "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Stream(strings.NewReader(tc.doc), func(*Entry) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v; want it to contain %q", err, tc.want)
			}
		})
	}
}

// Regression guard for "never a panic, never a silent success": every proper prefix of a real
// capture is an error.
func TestStreamEveryTruncationFails(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "har", "request-rejected.har"))
	if err != nil {
		t.Fatal(err)
	}
	full := strings.TrimRight(string(data), "\n")
	for cut := 0; cut < len(full); cut++ {
		if _, err := Stream(strings.NewReader(full[:cut]), func(*Entry) error { return nil }); err == nil {
			t.Fatalf("a capture cut at byte %d of %d was read without error", cut, len(full))
		}
	}
	if n, err := Stream(strings.NewReader(full), func(*Entry) error { return nil }); err != nil || n != 3 {
		t.Fatalf("the whole capture: %d entries, %v", n, err)
	}
}

func TestRequestBodyFromParams(t *testing.T) {
	// Browsers record a form as params; the body is re-encoded from them.
	doc := `{"log": {"entries": [{"request": {"postData": {"mimeType": "application/x-www-form-urlencoded",
		"params": [{"name": "firstName", "value": "Marie Ann"}, {"name": "id", "value": "5"}]}}}]}}`
	_, err := Stream(strings.NewReader(doc), func(e *Entry) error {
		if got := string(e.RequestBody()); got != "firstName=Marie+Ann&id=5" {
			t.Errorf("body %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestResponseBodyBase64(t *testing.T) {
	e := &Entry{}
	e.Response.Content.Text, e.Response.Content.Encoding = "eyJhIjoxfQ==", "base64"
	if b, err := e.ResponseBody(); err != nil || string(b) != `{"a":1}` {
		t.Errorf("body %q, %v", b, err)
	}
	e.Response.Content.Text = "%%%"
	if _, err := e.ResponseBody(); err == nil {
		t.Error("bad base64 accepted")
	}
}

// FuzzStream: whatever the bytes, Stream returns (entries, error) and never panics; go test runs
// the seeds, go test -fuzz FuzzStream explores.
func FuzzStream(f *testing.F) {
	for _, name := range []string{"clean.har", "truncated.har", "not-json.har", "no-entries.har", "negative.har"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "har", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"log":{"entries":[{"request":{"headers":[{"name":1}]}}]}}`))
	f.Add([]byte(`{"log":{"entries":[[[[[[[[[[]]]]]]]]]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Stream(bytes.NewReader(data), func(*Entry) error { return nil })
	})
}

// The conformance suite keeps 64 KiB of a request body and says so in bodySize: a body kept in
// part (a 2 MB photo's multipart) cannot be judged, a whole one can.
func TestRequestBodyCut(t *testing.T) {
	doc := `{"log": {"entries": [
		{"request": {"method": "POST", "url": "http://h/a", "bodySize": 2000000, "postData": {"mimeType": "multipart/form-data", "text": "--b\r\n"}}, "response": {"status": 200}},
		{"request": {"method": "POST", "url": "http://h/a", "bodySize": 5, "postData": {"mimeType": "text/plain", "text": "hello"}}, "response": {"status": 200}},
		{"request": {"method": "GET", "url": "http://h/a", "bodySize": 0}, "response": {"status": 200}}]}}`
	var got []bool
	if _, err := Stream(strings.NewReader(doc), func(e *Entry) error { got = append(got, e.RequestBodyCut()); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0] || got[1] || got[2] {
		t.Errorf("RequestBodyCut = %v, want [true false false]", got)
	}
}
