package which50_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"

	api "github.com/contactapis/contactapis/gen/which50"
)

// In the default fixtures, list 3's contact 1 is the page's: ReferanceAccountId 123456 and
// Email pgannon@customerminds.com; contact 2 shares the ReferanceAccountId only.
const pageContact = 1

// pageSampleQuery matches the page's contact for the body samples, whose Values hold only the
// sample's own keys: the samples are formats, not complete requests, so they travel with the
// page's PATCH query.
func sampleReq(t testing.TB, contentType, file string) rawReq {
	return patchPage(t).with(func(r *rawReq) { r.contentType, r.body = contentType, golden(t, file) })
}

// TestPageExamplesRaw sends every example of the page, as the golden files hold them, and
// checks the contact the page means is the one updated.
func TestPageExamplesRaw(t *testing.T) {
	tests := []struct {
		name string
		req  func(t testing.TB) rawReq
		// field and value the update must leave on the page's contact.
		field string
		want  any
		// events the call must record for the page's contact.
		events []string
	}{
		{name: "PATCH example", req: patchPage, field: "Mobile", want: "353871234567"},
		{
			name: "PATCH example with the Custom Events example",
			req: func(t testing.TB) rawReq {
				return patchPage(t).with(func(r *rawReq) { r.query += "&" + string(golden(t, "customevents.query")) })
			},
			field: "Mobile", want: "353871234567", events: []string{"SendWelcomeEmail", "SendEventInvite"},
		},
		{name: "PUT example", req: putPage, field: "Mobile", want: "353871234567"},
		{
			name: "PUT example in DataContract XML",
			req: func(t testing.TB) rawReq {
				return putPage(t).with(func(r *rawReq) { r.contentType, r.body = "application/xml", golden(t, "put-request.xml") })
			},
			field: "Mobile", want: "353871234567",
		},
		{name: "application/json body sample", req: func(t testing.TB) rawReq { return sampleReq(t, "application/json", "request-sample.json") }, field: "sample string 1", want: map[string]any{}},
		{name: "text/json body sample", req: func(t testing.TB) rawReq { return sampleReq(t, "text/json", "request-sample.json") }, field: "sample string 3", want: map[string]any{}},
		{name: "application/csp-report body sample", req: func(t testing.TB) rawReq {
			return sampleReq(t, "application/csp-report", "request-sample.csp-report.json")
		}, field: "sample string 1", want: map[string]any{}},
		{name: "application/xml body sample", req: func(t testing.TB) rawReq { return sampleReq(t, "application/xml", "request-sample.xml") }, field: "sample string 1", want: map[string]any{}},
		{name: "text/xml body sample", req: func(t testing.TB) rawReq { return sampleReq(t, "text/xml", "request-sample.xml") }, field: "sample string 3", want: map[string]any{}},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset(t)
			want := contact(t, e.state(t), pageList, pageContact)
			resp, body := e.send(t, tt.req(t))
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q without Accept, want JSON (spec info x-assumed)", ct)
			}
			if ids := decodeIDs(t, resp, body); !slices.Equal(ids, []string{want.EncContactID}) {
				t.Errorf("ids %v, want the page's contact only: %s", ids, want.EncContactID)
			}
			got := contact(t, e.state(t), pageList, pageContact)
			if !reflect.DeepEqual(got.Values[tt.field], tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.field, got.Values[tt.field], tt.want)
			}
			var events []string
			for _, ev := range e.backend.Events() {
				events = append(events, fmt.Sprint(ev.Detail["event"]))
				if ev.Detail["encContactId"] != want.EncContactID || ev.Detail["listId"] != pageList {
					t.Errorf("event %v is not for the page's contact", ev.Detail)
				}
			}
			if !slices.Equal(events, tt.events) {
				t.Errorf("events %v, want %v", events, tt.events)
			}
		})
	}
}

// TestPageExamplesThroughTheClient makes the same calls through gen/which50's ContactsClient.
func TestPageExamplesThroughTheClient(t *testing.T) {
	samples := map[string]any{"sample string 1": map[string]any{}, "sample string 3": map[string]any{}}
	tests := []struct {
		name   string
		call   func(c *api.ContactsClient) ([]string, error)
		events int
	}{
		{"PATCH example", func(c *api.ContactsClient) ([]string, error) {
			return c.UpdateContactsByMatch(t.Context(), pageList, pageMatch, pageSet)
		}, 0},
		{"PATCH example with Custom Events", func(c *api.ContactsClient) ([]string, error) {
			return c.UpdateContactsByMatch(t.Context(), pageList, pageMatch, pageSet, api.WithCustomEvents("SendWelcomeEmail", "SendEventInvite"))
		}, 2},
		{"PUT example", func(c *api.ContactsClient) ([]string, error) {
			return c.UpsertContactsByMatch(t.Context(), pageList, pagePutMatch, pageSet)
		}, 0},
		{"PUT example, XML both ways", func(c *api.ContactsClient) ([]string, error) {
			return c.UpsertContactsByMatch(t.Context(), pageList, pagePutMatch, pageSet, api.WithRequestFormat(api.FormatXML), api.WithResponseFormat(api.FormatXML))
		}, 0},
		{"body sample values", func(c *api.ContactsClient) ([]string, error) {
			return c.UpdateContactsByMatch(t.Context(), pageList, pageMatch, samples)
		}, 0},
		{"body sample values in XML", func(c *api.ContactsClient) ([]string, error) {
			return c.UpdateContactsByMatch(t.Context(), pageList, pageMatch, samples, api.WithRequestFormat(api.FormatXML))
		}, 0},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset(t)
			want := contact(t, e.state(t), pageList, pageContact).EncContactID
			ids, err := tt.call(e.client(t, "test"))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, []string{want}) {
				t.Errorf("ids %v, want [%s]", ids, want)
			}
			if n := len(e.backend.Events()); n != tt.events {
				t.Errorf("%d events, want %d", n, tt.events)
			}
		})
	}
}

// TestAnswersHaveThePageSamplesShape compares each 200 form with the page's response sample of
// that media type: the same document structure, with the mock's ids in place of the samples.
func TestAnswersHaveThePageSamplesShape(t *testing.T) {
	// ReferanceAccountId 123456 matches two contacts, as many ids as the samples have.
	req := patchPage(t).with(func(r *rawReq) { r.query = "match=ReferanceAccountId&ReferanceAccountId=123456" })
	tests := []struct {
		accept, golden string
		xml            bool
	}{
		{"application/json", "response-sample.json", false},
		{"text/json", "response-sample.json", false},
		{"application/csp-report", "response-sample.csp-report.json", false},
		{"application/xml", "response-sample.xml", true},
		{"text/xml", "response-sample.xml", true},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			e.reset(t)
			resp, body := e.send(t, req.with(func(r *rawReq) { r.accept = tt.accept }))
			if ct := resp.Header.Get("Content-Type"); ct != tt.accept {
				t.Errorf("Content-Type %q, want %q", ct, tt.accept)
			}
			ids := decodeIDs(t, resp, body)
			if len(ids) != 2 {
				t.Fatalf("ids %v, want contacts 1 and 2", ids)
			}
			sample := golden(t, tt.golden)
			if tt.xml {
				got, want := xmlShape(t, body), xmlShape(t, sample)
				if !slices.Equal(got, want) {
					t.Errorf("XML shape %v, want the sample's %v", got, want)
				}
				return
			}
			var sampleIDs []string
			if err := json.Unmarshal(sample, &sampleIDs); err != nil || len(sampleIDs) != 2 {
				t.Fatalf("sample: %v", err)
			}
			if tt.accept == "application/csp-report" {
				var compact bytes.Buffer
				if err := json.Compact(&compact, body); err != nil || !bytes.Equal(compact.Bytes(), bytes.TrimSpace(body)) {
					t.Errorf("csp-report answer %s is not compact like the sample %s", body, sample)
				}
			}
		})
	}
}

// xmlShape is a document's elements (namespace and name) and non-namespace attributes, without
// text: two <ArrayOfstring> with different ids have the same shape.
func xmlShape(t testing.TB, doc []byte) []string {
	t.Helper()
	var out []string
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("not XML: %v: %s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			out = append(out, "{"+se.Name.Space+"}"+se.Name.Local)
			for _, a := range se.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					out = append(out, "@"+a.Name.Local)
				}
			}
		}
	}
}

// The Custom Events example alone carries no `match`; per spec
// which50-customevents-insert-wording `match` stays required, so the bare example is the 400
// row, and nothing is recorded.
func TestCustomEventsExampleAloneNeedsMatch(t *testing.T) {
	e := newEnv(t)
	resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.query = string(golden(t, "customevents.query")) }))
	wantError(t, resp, body, "update-match-missing", nil, "application/json")
	if ev := e.backend.Events(); len(ev) != 0 {
		t.Errorf("events recorded for a refused call: %v", ev)
	}
}
