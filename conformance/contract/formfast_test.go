package contract

import (
	"bytes"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/contactapis/contactapis/specs"
)

// requestMedia are the request bodies of every vendor's spec whose media type which accepts.
func requestMedia(t testing.TB, which func(mediaType string) bool) []*openapi3.MediaType {
	var out []*openapi3.MediaType
	for _, vendor := range specs.Vendors() {
		doc, err := specs.Shared(vendor)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range specs.Operations(doc) {
			if rb := op.Operation.RequestBody; rb != nil && rb.Value != nil {
				for mt, media := range rb.Value.Content {
					if which(mt) {
						out = append(out, media)
					}
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no spec has such a request body")
	}
	return out
}

func isMediaType(want string) func(string) bool { return func(mt string) bool { return mt == want } }

// formMedia are the URL-encoded request bodies of every vendor's spec.
func formMedia(t testing.TB) []*openapi3.MediaType {
	return requestMedia(t, isMediaType("application/x-www-form-urlencoded"))
}

// checkFastForm: where decodeFormFast answers, kin-openapi's decoder answers the same value.
func checkFastForm(t *testing.T, media *openapi3.MediaType, body []byte) bool {
	t.Helper()
	values, err := url.ParseQuery(string(body))
	got, ok := decodeFormFast(values, err, media)
	if !ok {
		return false
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	want, err := openapi3filter.UrlencodedBodyDecoder(bytes.NewReader(body), h, media.Schema, encodingOf(media))
	if err != nil || !reflect.DeepEqual(any(got), want) {
		t.Fatalf("%q: decodeFormFast gives %#v; kin-openapi %#v, %v", body, got, want, err)
	}
	return true
}

var formCorpus = []string{
	"firstName=Marie&lastName=Schrader&customerId=3229",
	"firstName=Marie&lastName=Schrader&customerId=3229&useExternalId=true&email=marie%40example.com",
	"firstName=M&lastName=S&customerId=abc&useExternalId=maybe", "firstName=&lastName=S&customerId=1",
	"firstName=a&firstName=b&lastName=S&customerId=1", "firstName=a%zz", "unknown=1&firstName=a", "", "a;b=1",
	"firstName=%C3%A9&lastName=%FF&customerId=+1", "useExternalId=1&customerId=007",
}

// TestDecodeFormFastAgrees: the pages' forms take the fast path, and what it reads, kin-openapi
// reads alike.
func TestDecodeFormFastAgrees(t *testing.T) {
	read := 0
	for _, media := range formMedia(t) {
		for _, body := range formCorpus {
			if checkFastForm(t, media, []byte(body)) {
				read++
			}
		}
	}
	if read < 4 {
		t.Fatalf("decodeFormFast read %d forms: the fast path is hardly taken", read)
	}
}

func FuzzDecodeFormFast(f *testing.F) {
	for _, body := range formCorpus {
		f.Add(body)
	}
	media := formMedia(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, m := range media {
			checkFastForm(t, m, []byte(body))
		}
		// Pairs the fuzzer can vary one field at a time.
		if q, err := url.ParseQuery(body); err == nil && len(q) > 0 {
			for _, m := range media {
				checkFastForm(t, m, []byte(q.Encode()))
			}
		}
	})
}
