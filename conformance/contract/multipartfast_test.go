package contract

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// multipartMedia are the multipart request bodies of every vendor's spec, and a plain object of
// one field of each type without allOf.
func multipartMedia(t testing.TB) []*openapi3.MediaType {
	out := requestMedia(t, isMediaType("multipart/form-data"))
	flat := openapi3.NewObjectSchema().
		WithProperty("firstName", openapi3.NewStringSchema()).
		WithProperty("customerId", openapi3.NewInt64Schema()).
		WithProperty("count", openapi3.NewInt32Schema()).
		WithProperty("useExternalId", openapi3.NewBoolSchema()).
		WithProperty("imageFile", openapi3.NewStringSchema().WithFormat("binary"))
	return append(out, openapi3.NewMediaType().WithSchema(flat))
}

// mpField is a part to build: its name, data, and Content-Type and file name when not empty.
type mpField struct{ name, data, contentType, fileName string }

func buildMultipart(t testing.TB, fields []mpField) (body []byte, contentType string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		h := textproto.MIMEHeader{}
		disposition := `form-data; name="` + strings.NewReplacer(`"`, `\"`, `\`, `\\`).Replace(f.name) + `"`
		if f.fileName != "" {
			disposition += `; filename="` + f.fileName + `"`
		}
		h.Set("Content-Disposition", disposition)
		if f.contentType != "" {
			h.Set("Content-Type", f.contentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(f.data))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// checkFastMultipart: where decodeMultipartFast answers, kin-openapi's decoder answers the same
// value from the same body.
func checkFastMultipart(t *testing.T, media *openapi3.MediaType, body []byte, contentType string) bool {
	t.Helper()
	boundary := strings.TrimPrefix(contentType, "multipart/form-data; boundary=")
	got, ok := decodeMultipartFast(ReadMultipart(body, boundary), media)
	if !ok {
		return false
	}
	h := http.Header{"Content-Type": {contentType}}
	want, err := openapi3filter.MultipartBodyDecoder(bytes.NewReader(body), h, media.Schema, encodingOf(media))
	if err != nil || !reflect.DeepEqual(any(got), want) {
		t.Fatalf("%q: decodeMultipartFast gives %#v; kin-openapi %#v, %v", body, got, want, err)
	}
	return true
}

var multipartCorpus = [][]mpField{
	{{name: "firstName", data: "Marie"}, {name: "lastName", data: "Schrader"}, {name: "customerId", data: "3229"}},
	{{name: "firstName", data: "Marie"}, {name: "lastName", data: "Schrader"}, {name: "customerId", data: "3229"},
		{name: "useExternalId", data: "true"}, {name: "imageFile", data: "\x89PNG\r\n", contentType: "image/png", fileName: "a.png"}},
	{{name: "imageFile", data: "", contentType: "application/octet-stream", fileName: "empty"}, {name: "customerId", data: "12"}},
	{{name: "firstName", data: "é"}, {name: "count", data: "2147483648"}, {name: "useExternalId", data: "1"}},
	{{name: "firstName", data: "a"}, {name: "firstName", data: "b"}},
	{{name: "firstName", data: ""}, {name: "customerId", data: ""}},
	{{name: "unknown", data: "x"}, {name: "firstName", data: "a"}},
	{{name: "firstName", data: "a", contentType: "text/plain"}},
	{{name: "useExternalId", data: "maybe"}, {name: "customerId", data: "+1"}},
	{},
}

// TestDecodeMultipartFastAgrees: the pages' multipart forms take the fast path, and what it
// reads, kin-openapi reads alike.
func TestDecodeMultipartFastAgrees(t *testing.T) {
	read := 0
	for _, media := range multipartMedia(t) {
		for _, fields := range multipartCorpus {
			body, ct := buildMultipart(t, fields)
			if checkFastMultipart(t, media, body, ct) {
				read++
			}
		}
	}
	if read < 4 {
		t.Fatalf("decodeMultipartFast read %d forms: the fast path is hardly taken", read)
	}
}

// A multipart body's parts are what mime/multipart reads, and a body it cannot read to its end
// keeps the parts before the failure and the error.
func TestReadMultipart(t *testing.T) {
	body, ct := buildMultipart(t, multipartCorpus[1])
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	m := ReadMultipart(body, boundary)
	if m.Err != nil || len(m.Parts) != 5 {
		t.Fatalf("%d parts, %v", len(m.Parts), m.Err)
	}
	if p := m.Parts[4]; p.Name != "imageFile" || p.FileName != "a.png" || string(p.Data) != "\x89PNG\r\n" || p.Header.Get("Content-Type") != "image/png" {
		t.Errorf("the file part reads %+v", p)
	}
	cut := ReadMultipart(body[:len(body)-10], boundary)
	if cut.Err == nil {
		t.Error("a body without its closing delimiter reads without error")
	}
	bad := bytes.Replace(body, []byte("Content-Disposition:"), []byte("Content-Disposition"), 2)
	m = ReadMultipart(bad, boundary)
	if m.Err == nil || len(m.Parts) != 0 && len(m.Parts) != 1 {
		t.Errorf("a malformed header line: %d parts, %v", len(m.Parts), m.Err)
	}
}

func FuzzDecodeMultipartFast(f *testing.F) {
	for _, fields := range multipartCorpus {
		var names, values, types []string
		for _, fl := range fields {
			names, values, types = append(names, fl.name), append(values, fl.data), append(types, fl.contentType)
		}
		f.Add(strings.Join(names, ","), strings.Join(values, ","), strings.Join(types, ","))
	}
	media := multipartMedia(f)
	f.Fuzz(func(t *testing.T, names, values, types string) {
		vs, ts := strings.Split(values, ","), strings.Split(types, ",")
		var fields []mpField
		for i, name := range strings.Split(names, ",") {
			fl := mpField{name: name}
			if i < len(vs) {
				fl.data = vs[i]
			}
			if i < len(ts) && !strings.ContainsAny(ts[i], "\r\n") {
				fl.contentType = ts[i]
			}
			fields = append(fields, fl)
		}
		body, ct := buildMultipart(t, fields)
		for _, m := range media {
			checkFastMultipart(t, m, body, ct)
		}
		// The same bytes as a raw body: framing the writer never makes.
		for _, m := range media {
			checkFastMultipart(t, m, []byte(values), ct)
		}
	})
}
