package framework

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/contactapis/contactapis/conformance/suiteconfig"
	"github.com/contactapis/contactapis/vendors"
)

// Ways to break an embedded mock on purpose (--tamper vendor:kind), for the suite's self-test:
// the suite must fail, with evidence naming the page row, when a mock stops doing what the page
// says. The kinds are parsed with the rest of the configuration (conformance/suiteconfig).
const (
	// TamperErrorsAsOK answers 200 where the mock answered a 4xx, body unchanged.
	TamperErrorsAsOK = suiteconfig.TamperErrorsAsOK
	// TamperMisspell changes the last character of every error message of a 4xx answer.
	TamperMisspell = suiteconfig.TamperMisspell
	// TamperExtraField adds an undeclared member to the JSON objects of every 2xx answer.
	TamperExtraField = suiteconfig.TamperExtraField
	// TamperDropField loses one field of every successful update (see dropField).
	TamperDropField = suiteconfig.TamperDropField
)

// ExtraFieldName is the member TamperExtraField adds.
const ExtraFieldName = "addedByTamper"

// tamper returns the mock.Options.Tamper function for the configured breakage.
func tamper(vendor, kind string) (func(string, http.Handler) http.Handler, error) {
	var drop *dropField
	if kind == TamperDropField {
		var err error
		if drop, err = newDropField(vendor); err != nil {
			return nil, err
		}
	}
	return func(name string, h http.Handler) http.Handler {
		if name != vendor {
			return h
		}
		if drop != nil {
			return drop.wrap(h)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			status, body := rec.Code, rec.Body.Bytes()
			if kind == TamperExtraField && status >= 200 && status < 300 {
				body = withExtraField(body)
			}
			if status >= 400 && status < 500 {
				switch kind {
				case TamperErrorsAsOK:
					status = http.StatusOK
				case TamperMisspell:
					msgs, _ := vendors.ErrorMessages(name, rec.Header().Get("Content-Type"), body)
					for _, m := range msgs {
						body = misspell(body, m)
					}
				}
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(status)
			w.Write(body)
		})
	}, nil
}

// misspell changes the last character of message m where it stands in body, as written there: raw,
// JSON-escaped (a quote is \" in a JSON body) or XML-escaped. (Swapping two letters would leave
// "is null" unchanged.)
func misspell(body []byte, m string) []byte {
	if m == "" {
		return body
	}
	last := "~"
	if strings.HasSuffix(m, "~") {
		last = "!"
	}
	_, size := utf8.DecodeLastRuneInString(m)
	wrong := m[:len(m)-size] + last
	jsonText := func(s string) []byte {
		b, _ := json.Marshal(s)
		return b[1 : len(b)-1]
	}
	xmlText := func(s string) []byte {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.Bytes()
	}
	for _, form := range []func(string) []byte{func(s string) []byte { return []byte(s) }, jsonText, xmlText} {
		if old := form(m); bytes.Contains(body, old) {
			return bytes.Replace(body, old, form(wrong), 1)
		}
	}
	return body
}

// withExtraField adds ExtraFieldName to a JSON object body, or to each object of a JSON array
// body; any other body is returned as it is.
func withExtraField(body []byte) []byte {
	add := func(m map[string]any) { m[ExtraFieldName] = "a field the spec does not declare" }
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // ids must keep every digit
	if dec.Decode(&v) != nil {
		return body
	}
	switch x := v.(type) {
	case map[string]any:
		add(x)
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				add(m)
			}
		}
	default:
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}
