package contract

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"testing"
)

// referenceDecode is what decodeJSONFast stands in for: encoding/json with UseNumber, one value,
// nothing but whitespace after it.
func referenceDecode(data []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

var jsonCorpus = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `"a"`, ` {"a" : [1, 2.0, {"b": null}], "c": "d\u00e9\n\"x\""} `,
	`{"a":1,"a":2}`, `{"mobile":"0400000000","title":null,"skype":""}`, `{"a":1}x`, `{"a":}`, `{"a" 1}`, `[1,]`, `01`, `1.`, `-`,
	`"\ud83d\ude00"`, `"\ud83d"`, "\"\xff\"", "\"a\tb\"", `"\x"`, `{"a":1}{}`, "\ufeff{}", `{"é":"ü"}`, `[[[[]]]]`, `1e999`, `tru`, ``,
}

// TestDecodeJSONFastAgrees: where the fast decoder answers, it answers what encoding/json does.
func TestDecodeJSONFastAgrees(t *testing.T) {
	for _, in := range jsonCorpus {
		checkFastDecode(t, []byte(in))
	}
}

func FuzzDecodeJSONFast(f *testing.F) {
	for _, in := range jsonCorpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkFastDecode(t, data) })
}

// corpusNames stand in for a spec's property names: the members that bear one take its string.
var corpusNames = map[string]string{"a": "a", "b": "b", "mobile": "mobile", "title": "title", "é": "é"}

func checkFastDecode(t *testing.T, data []byte) {
	t.Helper()
	want, wantOK := referenceDecode(data)
	for _, names := range []map[string]string{nil, corpusNames} {
		got, ok := decodeJSONFast(data, names)
		if ok && (!wantOK || !reflect.DeepEqual(got, want)) {
			t.Fatalf("%q: fast decoder gives %#v, encoding/json %#v (ok %v)", data, got, want, wantOK)
		}
		// Through decodeStrictJSON the result is always encoding/json's.
		v, err := decodeStrictJSON(data, names)
		if (err == nil) != wantOK || err == nil && !reflect.DeepEqual(v, want) {
			t.Fatalf("%q: decodeStrictJSON gives %#v, %v; encoding/json %#v (ok %v)", data, v, err, want, wantOK)
		}
	}
}
