package which50_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
)

// token is long and distinctive so that any copy of it in an output is found.
const token = "w50-t0ken-that-must-never-print"

var bearer = which50.BearerToken(apiclient.NewSecret(token))

// pageIDs are the ids of the page's three 200 samples (Response Information, Formats).
var pageIDs = []string{"sample string 1", "sample string 2"}

// The page's Match Values example: PATCH matches in the query, sets Mobile; PUT carries all three
// in the body, ReferanceAccountId as a number.
var (
	pageMatch    = map[string]string{"ReferanceAccountId": "123456", "Email": "pgannon@customerminds.com"}
	pageSet      = map[string]any{"Mobile": "353871234567"}
	pagePutMatch = map[string]any{"ReferanceAccountId": 123456, "Email": "pgannon@customerminds.com"}
)

// answer is one canned response of the stand-in server.
type answer struct {
	status      int
	contentType string
	body        string
}

func okJSON(t *testing.T) answer {
	return answer{http.StatusOK, "application/json; charset=utf-8", string(golden(t, "response-sample.json"))}
}

type request struct {
	method, path, rawQuery string
	header                 http.Header
	body                   []byte
}

// vendor answers each call with the next answer (the last repeats) and records every request.
type vendor struct {
	*httptest.Server
	calls atomic.Int32
	mu    sync.Mutex
	reqs  []request
}

func newVendor(t *testing.T, answers ...answer) *vendor {
	t.Helper()
	v := &vendor{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(v.calls.Add(1))
		body, _ := io.ReadAll(r.Body)
		v.mu.Lock()
		v.reqs = append(v.reqs, request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		v.mu.Unlock()
		a := answers[min(n, len(answers))-1]
		if a.contentType != "" {
			w.Header().Set("Content-Type", a.contentType)
		}
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n))
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(v.Close)
	return v
}

func (v *vendor) last(t *testing.T) request {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.reqs) == 0 {
		t.Fatal("the vendor received no request")
	}
	return v.reqs[len(v.reqs)-1]
}

// fastRetries keeps retry tests well under a second.
var fastRetries = apiclient.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}

func newClient(t *testing.T, v *vendor, opts ...apiclient.Option) *which50.ContactsClient {
	t.Helper()
	c, err := which50.NewContactsClient(v.URL+basePath, bearer, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sortedMatch makes the page's `match=ReferanceAccountId,Email` comparable with the client's
// sorted `match=Email,ReferanceAccountId`: the order of the names carries no meaning.
func sortedMatch(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = slices.Clone(vs)
		if k == "match" {
			for i, v := range vs {
				names := strings.Split(v, ",")
				sort.Strings(names)
				out[k][i] = strings.Join(names, ",")
			}
		}
	}
	return out
}

func equalJSON(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("golden not JSON: %v", err)
	}
	return reflect.DeepEqual(g, w)
}

// xmlTokens is the document as names (namespace resolved), attributes other than namespace
// declarations, and non-blank text: two documents that a DataContract reader sees alike compare
// equal whatever their prefixes and spacing.
func xmlTokens(t *testing.T, doc []byte) []string {
	t.Helper()
	var out []string
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, doc)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			var attrs []string
			for _, a := range x.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					attrs = append(attrs, fmt.Sprintf("{%s}%s=%q", a.Name.Space, a.Name.Local, a.Value))
				}
			}
			sort.Strings(attrs)
			out = append(out, fmt.Sprintf("<{%s}%s %s>", x.Name.Space, x.Name.Local, strings.Join(attrs, " ")))
		case xml.EndElement:
			out = append(out, fmt.Sprintf("</{%s}%s>", x.Name.Space, x.Name.Local))
		case xml.CharData:
			if s := strings.TrimSpace(string(x)); s != "" {
				out = append(out, s)
			}
		}
	}
}

func TestCallsSendThePagesExamples(t *testing.T) {
	patch := func(opts ...which50.CallOption) func(context.Context, *which50.ContactsClient) ([]string, error) {
		return func(ctx context.Context, c *which50.ContactsClient) ([]string, error) {
			return c.UpdateContactsByMatch(ctx, contactListID, pageMatch, pageSet, opts...)
		}
	}
	put := func(opts ...which50.CallOption) func(context.Context, *which50.ContactsClient) ([]string, error) {
		return func(ctx context.Context, c *which50.ContactsClient) ([]string, error) {
			return c.UpsertContactsByMatch(ctx, contactListID, pagePutMatch, pageSet, opts...)
		}
	}
	tests := []struct {
		name string
		call func(context.Context, *which50.ContactsClient) ([]string, error)
		// method, then the query exactly as sent (hand-typed from the page, names sorted), the
		// page's own query (compared decoded), and the body golden file.
		method, sentQuery, pageQuery, body string
		// customEvents is a raw fragment that must be in the query as it is on the page.
		customEvents string
		contentType  string
	}{
		{
			name: "PATCH", call: patch(), method: http.MethodPatch,
			sentQuery: "patch-request.sent.query", pageQuery: "patch-request.query", body: "patch-request.json",
			contentType: "application/json",
		},
		{
			name: "PATCH with the Custom Events example", method: http.MethodPatch,
			call:      patch(which50.WithCustomEvents("SendWelcomeEmail", "SendEventInvite")),
			sentQuery: "patch-request.sent.query", pageQuery: "patch-request.query", body: "patch-request.json",
			customEvents: "customevents.query", contentType: "application/json",
		},
		{
			name: "PUT", call: put(), method: http.MethodPut,
			sentQuery: "put-request.sent.query", pageQuery: "put-request.query", body: "put-request.json",
			contentType: "application/json",
		},
		{
			name: "PUT with the Custom Events example", method: http.MethodPut,
			call:      put(which50.WithCustomEvents("SendWelcomeEmail", "SendEventInvite")),
			sentQuery: "put-request.sent.query", pageQuery: "put-request.query", body: "put-request.json",
			customEvents: "customevents.query", contentType: "application/json",
		},
		{
			name: "PUT as DataContract XML", method: http.MethodPut,
			call:      put(which50.WithRequestFormat(which50.FormatXML)),
			sentQuery: "put-request.sent.query", pageQuery: "put-request.query", body: "put-request.xml",
			contentType: "application/xml",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVendor(t, okJSON(t))
			ids, err := tt.call(t.Context(), newClient(t, v))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, pageIDs) {
				t.Errorf("ids %q, want %q", ids, pageIDs)
			}
			r := v.last(t)
			if r.method != tt.method || r.path != basePath+"/contactLists/3/contact" {
				t.Errorf("sent %s %s", r.method, r.path)
			}

			fragments := strings.Split(r.rawQuery, "&")
			if tt.customEvents != "" {
				want := strings.TrimSpace(string(golden(t, tt.customEvents)))
				i := slices.Index(fragments, want)
				if i < 0 {
					t.Fatalf("query %q lacks %q with its literal comma", r.rawQuery, want)
				}
				fragments = slices.Delete(fragments, i, i+1)
			}
			if got, want := strings.Join(fragments, "&"), strings.TrimSpace(string(golden(t, tt.sentQuery))); got != want {
				t.Errorf("raw query (customevents aside)\n got %s\nwant %s", got, want)
			}
			gotQ, _ := url.ParseQuery(strings.Join(fragments, "&"))
			pageQ, _ := url.ParseQuery(strings.TrimSpace(string(golden(t, tt.pageQuery))))
			if !reflect.DeepEqual(sortedMatch(gotQ), sortedMatch(pageQ)) {
				t.Errorf("query means %v, the page's %v", gotQ, pageQ)
			}

			if got := r.header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if got := r.header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept %q, want application/json", got)
			}
			if got := r.header.Get("Authorization"); got != "Bearer "+token {
				t.Errorf("Authorization header %q is not the bearer token", got)
			}
			want := golden(t, tt.body)
			if tt.contentType == "application/xml" {
				if got, want := xmlTokens(t, r.body), xmlTokens(t, want); !slices.Equal(got, want) {
					t.Errorf("body\n got %s\nwant %s", got, want)
				}
			} else if !equalJSON(t, r.body, want) {
				t.Errorf("body %s, want %s", r.body, want)
			}
		})
	}
}

// Go randomises map order; the query must not follow it. Names and values are escaped alike
// (the generated client left exploded keys raw: `Home Phone=...` broke the request line).
func TestMatchValuesAreSortedAndEscaped(t *testing.T) {
	tests := []struct {
		name  string
		match map[string]string
		want  string
	}{
		{"three names", map[string]string{"Zip": "D1", "Mobile": "353871234567", "Email": "a@b.ie"},
			"match=Email,Mobile,Zip&Email=a%40b.ie&Mobile=353871234567&Zip=D1"},
		{"names and values needing escapes", map[string]string{"Home Phone": "+353 1", "a&b": "x=y,z"},
			"match=Home+Phone,a%26b&Home+Phone=%2B353+1&a%26b=x%3Dy%2Cz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVendor(t, okJSON(t))
			c := newClient(t, v)
			for range 5 {
				if _, err := c.UpdateContactsByMatch(t.Context(), contactListID, tt.match, pageSet); err != nil {
					t.Fatal(err)
				}
				if got := v.last(t).rawQuery; got != tt.want {
					t.Fatalf("query\n got %s\nwant %s", got, tt.want)
				}
			}
			q, _ := url.ParseQuery(tt.want)
			for name, value := range tt.match {
				if q.Get(name) != value {
					t.Errorf("%s decodes to %q, want %q", name, q.Get(name), value)
				}
			}
		})
	}
}

func TestResponseFormats(t *testing.T) {
	xmlSample := string(golden(t, "response-sample.xml"))
	indented := strings.ReplaceAll(xmlSample, "> <", ">\r\n\t<")
	tests := []struct {
		name       string
		opts       []which50.CallOption
		wantAccept string
		answer     answer
	}{
		{"default is JSON", nil, "application/json",
			answer{200, "application/json; charset=utf-8", string(golden(t, "response-sample.json"))}},
		{"JSON asked, text/json answered", []which50.CallOption{which50.WithResponseFormat(which50.FormatJSON)}, "application/json",
			answer{200, "text/json; charset=utf-8", string(golden(t, "response-sample.json"))}},
		{"csp-report answered", nil, "application/json",
			answer{200, "application/csp-report", string(golden(t, "response-sample.csp-report.json"))}},
		{"XML, the page's sample with its spaces", []which50.CallOption{which50.WithResponseFormat(which50.FormatXML)}, "application/xml",
			answer{200, "application/xml; charset=utf-8", xmlSample}},
		{"XML as text/xml", []which50.CallOption{which50.WithResponseFormat(which50.FormatXML)}, "application/xml",
			answer{200, "text/xml; charset=utf-8", xmlSample}},
		{"XML indented with CRLF and tabs", []which50.CallOption{which50.WithResponseFormat(which50.FormatXML)}, "application/xml",
			answer{200, "application/xml", indented}},
		{"XML without a Content-Type", []which50.CallOption{which50.WithResponseFormat(which50.FormatXML)}, "application/xml",
			answer{200, "", xmlSample}},
		{"XML answered as text/plain", nil, "application/json",
			answer{200, "text/plain", xmlSample}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVendor(t, tt.answer)
			for _, call := range []func() ([]string, error){
				func() ([]string, error) {
					return newClient(t, v).UpdateContactsByMatch(t.Context(), contactListID, pageMatch, pageSet, tt.opts...)
				},
				func() ([]string, error) {
					return newClient(t, v).UpsertContactsByMatch(t.Context(), contactListID, pagePutMatch, pageSet, tt.opts...)
				},
			} {
				ids, err := call()
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids, pageIDs) {
					t.Errorf("ids %q, want %q", ids, pageIDs)
				}
				if got := v.last(t).header.Get("Accept"); got != tt.wantAccept {
					t.Errorf("Accept %q, want %q", got, tt.wantAccept)
				}
			}
		})
	}
}

// A 200 the client cannot read is an error, never an empty list of ids that looks like success.
func TestUnreadableSuccessIsAnError(t *testing.T) {
	for _, a := range []answer{
		{200, "application/json", `{"ids": []}`},
		{200, "application/xml", `<Error><Message>x</Message></Error>`},
		{200, "text/html", `<html><body>maintenance</body>`},
	} {
		v := newVendor(t, a)
		ids, err := newClient(t, v).UpdateContactsByMatch(t.Context(), contactListID, pageMatch, pageSet)
		var apiErr *which50.APIError
		if err == nil || errors.As(err, &apiErr) {
			t.Errorf("%s %q: ids %q, err %v; want a decoding error", a.contentType, a.body, ids, err)
		}
	}
}

func TestXMLCodec(t *testing.T) {
	t.Run("the page's request sample decodes and encodes back", func(t *testing.T) {
		sample := golden(t, "request-sample.xml")
		var got which50.ContactDTO
		if err := xml.Unmarshal(sample, &got); err != nil {
			t.Fatal(err)
		}
		want := sampleBody
		want.ID = ptr(1) // the XML sample's extra element (which50-xml-id-element)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decoded %s, want %s", describe(got), describe(want))
		}
		out, err := xml.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := xmlTokens(t, out), xmlTokens(t, sample); !slices.Equal(got, want) {
			t.Errorf("encoded\n got %s\nwant %s", got, want)
		}
	})

	t.Run("typed values round-trip", func(t *testing.T) {
		when := time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC)
		in := which50.ContactValues{
			"s": "353871234567", "i": 123456, "l": int64(1) << 40, "u": uint8(7), "f": 1.5, "b": true,
			"n": nil, "t": when, "o": map[string]any{}, "jn": json.Number("42"),
		}
		want := which50.ContactValues{
			"s": "353871234567", "i": int64(123456), "l": int64(1) << 40, "u": int64(7), "f": 1.5, "b": true,
			"n": nil, "t": when, "o": map[string]any{}, "jn": int64(42),
		}
		out, err := xml.Marshal(which50.ContactDTO{Values: &in})
		if err != nil {
			t.Fatal(err)
		}
		for _, typed := range []string{`i:type="d3p1:string">353871234567<`, `i:type="d3p1:int">123456<`,
			`i:type="d3p1:long">1099511627776<`, `i:type="d3p1:double">1.5<`, `i:type="d3p1:boolean">true<`,
			`i:nil="true"`, `i:type="d3p1:dateTime">2024-05-01T09:30:00Z<`} {
			if !bytes.Contains(out, []byte(typed)) {
				t.Errorf("encoded body lacks %s:\n%s", typed, out)
			}
		}
		var back which50.ContactDTO
		if err := xml.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if back.Values == nil || !reflect.DeepEqual(*back.Values, want) {
			t.Errorf("round trip %s, want %s", describe(back), describe(which50.ContactDTO{Values: &want}))
		}
	})

	t.Run("values with no DataContract form are refused", func(t *testing.T) {
		for _, bad := range []any{map[string]any{"a": 1}, []string{"x"}, struct{}{}} {
			v := which50.ContactValues{"k": bad}
			if out, err := xml.Marshal(which50.ContactDTO{Values: &v}); err == nil {
				t.Errorf("%T encoded as %s", bad, out)
			}
		}
	})

	t.Run("ids encode as the page's ArrayOfstring", func(t *testing.T) {
		out, err := xml.Marshal(which50.EncContactIDs(pageIDs))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := xmlTokens(t, out), xmlTokens(t, golden(t, "response-sample.xml")); !slices.Equal(got, want) {
			t.Errorf("encoded\n got %s\nwant %s", got, want)
		}
		var ids which50.EncContactIDs
		if err := xml.Unmarshal([]byte(`<Error><Message>x</Message></Error>`), &ids); err == nil {
			t.Errorf("an <Error> decoded as ids %q", ids)
		}
	})
}

func describe(c which50.ContactDTO) string {
	b, _ := json.Marshal(struct {
		which50.ContactDTO
		ID *int
	}{c, c.ID})
	return string(b)
}

// cat is the spec's catalogue: error bodies in these tests are rendered from it, as the vendor
// renders them, so no message is typed twice.
var cat = sync.OnceValue(func() specs.Catalogue {
	c, err := specs.ReadCatalogue(specs.MustLoad(specs.Which50))
	if err != nil {
		panic(err)
	}
	return c
})

func message(t *testing.T, id string, args map[string]string) string {
	t.Helper()
	e, ok := cat().ByID(id)
	if !ok {
		t.Fatalf("no catalogue entry %q", id)
	}
	m, err := e.Render(args)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func jsonError(msg, detail string) string {
	b, _ := json.Marshal(which50.HTTPError{Message: msg, MessageDetail: map[bool]*string{true: &detail}[detail != ""]})
	return string(b)
}

func xmlError(msg string) string {
	b, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"Error"`
		which50.HTTPError
	}{HTTPError: which50.HTTPError{Message: msg}})
	return string(b)
}

// errWant is what a test expects of an *APIError.
type errWant struct {
	status       int
	sentinel     error
	id           string
	idFromStatus bool
	message      string
	detail       string
	body         string
	params       map[string]string
	// noMatch and listMissing are the two 404 conditions of the page's single row.
	noMatch, listMissing bool
}

func TestErrors(t *testing.T) {
	type want = errWant
	type tcase struct {
		name   string
		put    bool
		answer answer
		want   want
	}
	var tests []tcase

	// Every documented error, in JSON, text/json and XML, is identified by its message.
	for _, e := range cat() {
		if e.OperationID != "updateContactsByMatch" {
			continue
		}
		msg := message(t, e.ID, nil)
		w := want{status: e.Status, sentinel: apiclient.StatusSentinel(e.Status), id: e.ID, message: msg,
			noMatch: e.ID == "update-no-contacts-matched", listMissing: e.ID == "update-list-not-found"}
		tests = append(tests,
			tcase{e.ID + " JSON", false, answer{e.Status, "application/json; charset=utf-8", jsonError(msg, "")}, w},
			tcase{e.ID + " text/json", false, answer{e.Status, "text/json; charset=utf-8", jsonError(msg, "")}, w},
			tcase{e.ID + " XML", false, answer{e.Status, "application/xml; charset=utf-8", xmlError(msg)}, w},
		)
	}

	// Bodies that are not the error object, and ASP.NET's own messages: the status picks the
	// entry only when one entry alone has it (400, 403 and 404 have two or three).
	byStatus := map[int]string{400: "", 401: "update-unauthorized", 403: "", 404: "", 500: "update-internal-error"}
	frameworkMessage := map[int]string{
		400: "A potentially dangerous Request.Path value was detected from the client (&).",
		401: "Authorization has been denied for this request.",
		403: "Forbidden.",
		404: "Not Found",
		500: "An error has occurred.",
	}
	for status, id := range byStatus {
		w := want{status: status, sentinel: apiclient.StatusSentinel(status), id: id, idFromStatus: id != ""}
		html := "<html><head><title>IIS</title></head><body>Server Error</body></html>"
		tests = append(tests,
			tcase{fmt.Sprintf("%d empty", status), false, answer{status, "", ""}, w},
			tcase{fmt.Sprintf("%d HTML", status), false, answer{status, "text/html", html}, w.withBody(html)},
			tcase{fmt.Sprintf("%d text", status), false, answer{status, "text/plain", "Bad things"}, w.withBody("Bad things")},
			tcase{fmt.Sprintf("%d JSON of another shape", status), false, answer{status, "application/json", `{"error":"x"}`}, w.withBody(`{"error":"x"}`)},
			tcase{fmt.Sprintf("%d malformed JSON", status), false, answer{status, "application/json", `{"Message": "tru`}, w.withBody(`{"Message": "tru`)},
		)
		fw := w
		fw.message = strings.TrimSpace(frameworkMessage[status])
		tests = append(tests,
			tcase{fmt.Sprintf("%d ASP.NET default message JSON", status), false, answer{status, "application/json", jsonError(frameworkMessage[status], "")}, fw},
			tcase{fmt.Sprintf("%d ASP.NET default message XML", status), false, answer{status, "application/xml", xmlError(frameworkMessage[status])}, fw},
		)
	}

	notFound := message(t, "update-list-not-found", nil)
	noMatch := message(t, "update-no-contacts-matched", nil)
	tests = append(tests,
		tcase{"404 list, spacing, case and a full stop aside", false,
			answer{404, "application/json", jsonError("  the specified contactlist was  not found.", "")},
			want{status: 404, sentinel: apiclient.ErrNotFound, id: "update-list-not-found", listMissing: true,
				message: "the specified contactlist was  not found."}},
		tcase{"404 with both conditions in one message is neither", false,
			answer{404, "application/json", jsonError(strings.TrimSuffix(notFound, ".")+" or "+noMatch, "")},
			want{status: 404, sentinel: apiclient.ErrNotFound, message: strings.TrimSuffix(notFound, ".") + " or " + noMatch}},
		tcase{"PUT no match has the PUT entry", true,
			answer{404, "application/json", jsonError(noMatch, "")},
			want{status: 404, sentinel: apiclient.ErrNotFound, id: "upsert-no-contacts-matched", noMatch: true, message: noMatch}},
		tcase{"PUT 401 by status", true, answer{401, "", ""},
			want{status: 401, sentinel: apiclient.ErrUnauthorized, id: "upsert-unauthorized", idFromStatus: true}},
		tcase{"unknown route, with its URI", false,
			answer{404, "application/json", jsonError(message(t, "route-not-found", map[string]string{"uri": "https://h/x"}), "No type was found")},
			want{status: 404, sentinel: apiclient.ErrNotFound, id: "route-not-found", params: map[string]string{"uri": "https://h/x"},
				message: message(t, "route-not-found", map[string]string{"uri": "https://h/x"}), detail: "No type was found"}},
		tcase{"ASP.NET's binding error, with its detail", false,
			answer{400, "application/json", jsonError(message(t, "request-invalid", nil), "The parameters dictionary contains a null entry for parameter 'contactListId'")},
			want{status: 400, sentinel: apiclient.ErrBadRequest, id: "request-invalid", message: message(t, "request-invalid", nil),
				detail: "The parameters dictionary contains a null entry for parameter 'contactListId'"}},
		tcase{"415 by status", false, answer{415, "", ""},
			want{status: 415, sentinel: apiclient.ErrUnexpected, id: "unsupported-media-type", idFromStatus: true}},
		tcase{"502 from a proxy", false, answer{502, "text/html", "<html>Bad Gateway</html>"},
			want{status: 502, sentinel: apiclient.ErrServer, body: "<html>Bad Gateway</html>"}},
	)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVendor(t, tt.answer)
			c := newClient(t, v)
			var err error
			if tt.put {
				_, err = c.UpsertContactsByMatch(t.Context(), contactListID, pagePutMatch, pageSet)
			} else {
				_, err = c.UpdateContactsByMatch(t.Context(), contactListID, pageMatch, pageSet)
			}
			var e *which50.APIError
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			w := tt.want
			if e.StatusCode != w.status || e.RequestID != "req-1" {
				t.Errorf("status %d, request id %q", e.StatusCode, e.RequestID)
			}
			if e.ID != w.id || e.IDFromStatus != w.idFromStatus {
				t.Errorf("ID %q (from status: %v), want %q (%v)", e.ID, e.IDFromStatus, w.id, w.idFromStatus)
			}
			if e.Message != w.message || e.MessageDetail != w.detail || e.Body != w.body {
				t.Errorf("message %q, detail %q, body %q; want %q, %q, %q", e.Message, e.MessageDetail, e.Body, w.message, w.detail, w.body)
			}
			if len(w.params) > 0 && !reflect.DeepEqual(e.Params, w.params) {
				t.Errorf("params %v, want %v", e.Params, w.params)
			}
			if !errors.Is(err, w.sentinel) {
				t.Errorf("errors.Is(err, %v) is false", w.sentinel)
			}
			if w.id != "" && !errors.Is(err, apiclient.CatalogueID(w.id)) {
				t.Errorf("errors.Is(err, CatalogueID(%q)) is false", w.id)
			}
			if errors.Is(err, apiclient.CatalogueID("")) {
				t.Error("matches the empty catalogue id")
			}
			for _, other := range cat() {
				if other.ID != w.id && errors.Is(err, apiclient.CatalogueID(other.ID)) {
					t.Errorf("matches catalogue entry %q too", other.ID)
				}
			}
			if e.NoContactsMatched() != w.noMatch || e.ListNotFound() != w.listMissing {
				t.Errorf("NoContactsMatched %v, ListNotFound %v; want %v, %v", e.NoContactsMatched(), e.ListNotFound(), w.noMatch, w.listMissing)
			}
			if !strings.Contains(e.Error(), fmt.Sprint(w.status)) || (w.message != "" && !strings.Contains(e.Error(), w.message)) {
				t.Errorf("Error() %q lacks the status or message", e.Error())
			}
		})
	}
}

func (w errWant) withBody(body string) errWant {
	w.body = body
	return w
}

// A long error body is kept, capped, and still an *APIError.
func TestLongErrorBodyIsCapped(t *testing.T) {
	long := strings.Repeat("é", 4000)
	v := newVendor(t, answer{500, "text/plain", long})
	_, err := newClient(t, v).UpdateContactsByMatch(t.Context(), contactListID, pageMatch, pageSet)
	var e *which50.APIError
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	if len(e.Body) == 0 || len(e.Body) > 1024 || !strings.HasPrefix(long, e.Body) {
		t.Errorf("body of %d bytes kept as %d bytes (a prefix: %v)", len(long), len(e.Body), strings.HasPrefix(long, e.Body))
	}
}

// PATCH and PUT are not idempotent here (a lost answer may hide an update, Custom Events already
// run, or an insert): one attempt by default, retries only when the caller sets a policy, and
// then the same request each time.
func TestRetries(t *testing.T) {
	internal := answer{500, "application/json", jsonError(message(t, "update-internal-error", nil), "")}
	calls := map[string]func(context.Context, *which50.ContactsClient) ([]string, error){
		"PATCH": func(ctx context.Context, c *which50.ContactsClient) ([]string, error) {
			return c.UpdateContactsByMatch(ctx, contactListID, pageMatch, pageSet, which50.WithCustomEvents("SendWelcomeEmail"))
		},
		"PUT": func(ctx context.Context, c *which50.ContactsClient) ([]string, error) {
			return c.UpsertContactsByMatch(ctx, contactListID, pagePutMatch, pageSet)
		},
	}
	for name, call := range calls {
		t.Run(name+" not retried by default", func(t *testing.T) {
			v := newVendor(t, internal, okJSON(t))
			_, err := call(t.Context(), newClient(t, v))
			if !errors.Is(err, apiclient.ErrServer) || v.calls.Load() != 1 {
				t.Errorf("err %v after %d calls; want the 500 after 1", err, v.calls.Load())
			}
		})
		t.Run(name+" retried when asked, with the same request", func(t *testing.T) {
			v := newVendor(t, internal, internal, okJSON(t))
			ids, err := call(t.Context(), newClient(t, v, apiclient.WithRetryPolicy(fastRetries)))
			if err != nil || !slices.Equal(ids, pageIDs) || v.calls.Load() != 3 {
				t.Fatalf("ids %q, err %v after %d calls; want the ids after 3", ids, err, v.calls.Load())
			}
			first := v.reqs[0]
			for i, r := range v.reqs[1:] {
				if r.rawQuery != first.rawQuery || !bytes.Equal(r.body, first.body) || len(r.body) == 0 ||
					r.header.Get("Authorization") != first.header.Get("Authorization") || r.header.Get("Accept") != first.header.Get("Accept") {
					t.Errorf("attempt %d differs from the first: %+v vs %+v", i+2, r, first)
				}
			}
		})
		t.Run(name+" 404 is final even with a policy", func(t *testing.T) {
			v := newVendor(t, answer{404, "application/json", jsonError(message(t, "update-no-contacts-matched", nil), "")}, okJSON(t))
			_, err := call(t.Context(), newClient(t, v, apiclient.WithRetryPolicy(fastRetries)))
			if !errors.Is(err, apiclient.ErrNotFound) || v.calls.Load() != 1 {
				t.Errorf("err %v after %d calls", err, v.calls.Load())
			}
		})
	}
}

func TestContextAndTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release) // before Close, which waits for the handler
	c, err := which50.NewContactsClient(slow.URL, bearer, apiclient.WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.UpdateContactsByMatch(t.Context(), contactListID, pageMatch, pageSet); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want a deadline error", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("call took %v despite a 50ms timeout", elapsed)
	}

	v := newVendor(t, okJSON(t))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := newClient(t, v).UpsertContactsByMatch(ctx, contactListID, pagePutMatch, pageSet); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if v.calls.Load() != 0 {
		t.Errorf("a cancelled call reached the vendor")
	}
}

// The scheme is undocumented: the default is the spec's bearer assumption, and any header an
// account was issued can replace it.
func TestCredentialHeaders(t *testing.T) {
	tests := []struct {
		name  string
		creds which50.Credentials
		want  http.Header // every credential header the vendor must see, and nothing else
	}{
		{"bearer", which50.BearerToken(apiclient.NewSecret(token)),
			http.Header{"Authorization": {"Bearer " + token}}},
		{"account header", which50.HeaderCredentials("X-W50-ApiKey", apiclient.NewSecret(token)),
			http.Header{"X-W50-Apikey": {token}}},
		{"another Authorization scheme, verbatim", which50.HeaderCredentials("authorization", apiclient.NewSecret("Basic "+token)),
			http.Header{"Authorization": {"Basic " + token}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVendor(t, okJSON(t))
			c, err := which50.NewContactsClient(v.URL, tt.creds)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.UpdateContactsByMatch(t.Context(), contactListID, pageMatch, pageSet); err != nil {
				t.Fatal(err)
			}
			got := http.Header{}
			for k, vs := range v.last(t).header {
				if k == "Authorization" || strings.HasPrefix(k, "X-W50") {
					got[k] = vs
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("credential headers %v, want %v", got, tt.want)
			}
		})
	}
}

// No error, log line or formatted value may carry the credential, even when the vendor echoes
// it back (whole header or bare token) in any body shape.
func TestCredentialNeverPrints(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) {
		seen := r.Header.Get("Authorization") + r.Header.Get("X-W50-ApiKey")
		switch r.URL.Query().Get("match") {
		case "Email": // JSON, both fields
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, jsonError("Credentials '"+seen+"' were refused", "token "+token))
		case "Mobile": // XML
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, xmlError("Forbidden for "+seen))
		default: // not an error object
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, "echo: "+seen)
		}
	}
	for _, creds := range []which50.Credentials{bearer, which50.HeaderCredentials("X-W50-ApiKey", apiclient.NewSecret(token))} {
		t.Run(creds.String(), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(echo))
			defer srv.Close()
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := which50.NewContactsClient(srv.URL, creds, apiclient.WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			outputs := []string{fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprintf("%v %+v %#v %s %q", creds, creds, creds, creds, creds)}
			for _, field := range []string{"Email", "Mobile", "Zip"} {
				_, err := c.UpdateContactsByMatch(t.Context(), contactListID, map[string]string{field: "x"}, pageSet)
				var e *which50.APIError
				if !errors.As(err, &e) {
					t.Fatalf("%s: %v", field, err)
				}
				if !strings.Contains(e.Message+e.MessageDetail+e.Body, apiclient.Redacted) {
					t.Errorf("%s: the echo was not redacted but dropped: %+v", field, e)
				}
				outputs = append(outputs, err.Error(), fmt.Sprintf("%v %+v %#v", err, e, e), e.Message, e.MessageDetail, e.Body)
			}
			outputs = append(outputs, logs.String())
			for _, out := range outputs {
				if strings.Contains(out, token) {
					t.Errorf("credential printed: %s", out)
				}
			}
			if !strings.Contains(logs.String(), "status=401") {
				t.Errorf("the calls were not logged: %q", logs.String())
			}
		})
	}
}

func TestNewContactsClientRefusesBadConfiguration(t *testing.T) {
	good := which50.ProductionURL
	tests := []struct {
		name  string
		url   string
		creds which50.Credentials
		want  string // in the message
	}{
		{"no scheme", "app.which50.com/Which50API", bearer, "absolute"},
		{"not http", "ftp://app.which50.com", bearer, "absolute"},
		{"query", good + "?x=1", bearer, "query"},
		{"zero credentials", good, which50.Credentials{}, "BearerToken"},
		{"empty token", good, which50.BearerToken(apiclient.Secret{}), "empty"},
		{"token too short to redact", good, which50.BearerToken(apiclient.NewSecret("abc")), "too short"},
		{"token with its scheme", good, which50.BearerToken(apiclient.NewSecret("Bearer " + token)), "without \"Bearer \""},
		{"value with a line break", good, which50.HeaderCredentials("X-Key", apiclient.NewSecret(token+"\r\nX-Evil: 1")), "line break"},
		{"empty header name", good, which50.HeaderCredentials("", apiclient.NewSecret(token)), "BearerToken"},
		{"header name with a space", good, which50.HeaderCredentials("Api Key", apiclient.NewSecret(token)), "not a valid"},
		{"header the client sets", good, which50.HeaderCredentials("accept", apiclient.NewSecret(token)), "set by the client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := which50.NewContactsClient(tt.url, tt.creds)
			if err == nil {
				t.Fatalf("NewContactsClient(%q, %v) accepted", tt.url, tt.creds)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), token) {
				t.Errorf("error %q: want it to mention %q and never the credential", err, tt.want)
			}
		})
	}
}

// Arguments the vendor could not read as meant are refused before anything is sent.
func TestCallArgumentsAreCheckedBeforeSending(t *testing.T) {
	v := newVendor(t, okJSON(t))
	c := newClient(t, v)
	ctx := t.Context()
	patch := func(match map[string]string, set map[string]any, opts ...which50.CallOption) error {
		_, err := c.UpdateContactsByMatch(ctx, contactListID, match, set, opts...)
		return err
	}
	tests := map[string]func() error{
		"no match values":           func() error { return patch(nil, pageSet) },
		"empty match name":          func() error { return patch(map[string]string{"": "x"}, pageSet) },
		"comma in a match name":     func() error { return patch(map[string]string{"A,B": "x"}, pageSet) },
		"match name `match`":        func() error { return patch(map[string]string{"Match": "x"}, pageSet) },
		"match name `customevents`": func() error { return patch(map[string]string{"customEvents": "x"}, pageSet) },
		"names differing in case":   func() error { return patch(map[string]string{"Email": "a", "email": "b"}, pageSet) },
		"empty custom event":        func() error { return patch(pageMatch, pageSet, which50.WithCustomEvents("")) },
		"comma in a custom event":   func() error { return patch(pageMatch, pageSet, which50.WithCustomEvents("A,B")) },
		"unknown format":            func() error { return patch(pageMatch, pageSet, which50.WithResponseFormat(which50.Format(7))) },
		"value JSON cannot encode":  func() error { return patch(pageMatch, map[string]any{"x": make(chan int)}) },
		"value XML cannot encode": func() error {
			return patch(pageMatch, map[string]any{"x": []int{1}}, which50.WithRequestFormat(which50.FormatXML))
		},
		"list id zero":             func() error { _, err := c.UpdateContactsByMatch(ctx, 0, pageMatch, pageSet); return err },
		"PUT list id negative":     func() error { _, err := c.UpsertContactsByMatch(ctx, -3, pagePutMatch, pageSet); return err },
		"PUT without match values": func() error { _, err := c.UpsertContactsByMatch(ctx, contactListID, nil, pageSet); return err },
		"PUT name matched and set": func() error {
			_, err := c.UpsertContactsByMatch(ctx, contactListID, pagePutMatch, map[string]any{"Email": "x"})
			return err
		},
	}
	for name, call := range tests {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := v.calls.Load(); n != 0 {
		t.Errorf("%d refused calls reached the vendor", n)
	}

	// Nothing to set is a valid call (run Custom Events on the matched contacts): Values is {}.
	if err := patch(pageMatch, nil, which50.WithCustomEvents("SendWelcomeEmail")); err != nil {
		t.Fatal(err)
	}
	if got := v.last(t).body; !equalJSON(t, got, []byte(`{"Values":{}}`)) {
		t.Errorf("body %s, want {\"Values\":{}}", got)
	}
}
