package iovox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/specs"
)

// capture is an httptest server that records the one request it gets and answers with a fixed
// status and body.
type capture struct {
	*httptest.Server
	method, path, contentType string
	query                     map[string][]string
	header                    http.Header
	body                      []byte
}

func newCapture(t *testing.T, status int, contentType string, answer []byte) *capture {
	t.Helper()
	c := &capture{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.method, c.path, c.query, c.header = r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone()
		c.contentType = r.Header.Get("Content-Type")
		c.body, _ = io.ReadAll(r.Body)
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		w.Write(answer)
	}))
	t.Cleanup(c.Close)
	return c
}

// pageExample returns the spec's example of the updateContacts payload, decoded into the generated
// type: the structured form the spec holds, which must be the page's XML once encoded.
func pageExample(t *testing.T) iovox.UpdateContactsPayload {
	t.Helper()
	doc, err := specs.Load(specs.Iovox)
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value("/Contacts").Put
	ex := op.RequestBody.Value.Content.Get("application/xml").Examples["page"]
	raw, err := json.Marshal(ex.Value.Value)
	if err != nil {
		t.Fatal(err)
	}
	var payload iovox.UpdateContactsPayload
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&payload); err != nil {
		t.Fatalf("the spec's example does not fit the generated type: %v", err)
	}
	return payload
}

func TestUpdateContactsRequestIsThePagesPayload(t *testing.T) {
	golden, err := os.ReadFile("testdata/updateContacts.request.xml")
	if err != nil {
		t.Fatal(err)
	}
	payload := pageExample(t)
	var body bytes.Buffer
	body.WriteString(xml.Header)
	if err := xml.NewEncoder(&body).EncodeElement(payload, xml.StartElement{Name: xml.Name{Local: "request"}}); err != nil {
		t.Fatal(err)
	}

	srv := newCapture(t, http.StatusNoContent, "", nil)
	client, err := iovox.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	auth := func(_ context.Context, r *http.Request) error {
		r.Header.Set("username", "user")
		r.Header.Set("secureKey", "key")
		return nil
	}
	params := &iovox.UpdateContactsParams{V: iovox.APIVersionV3, Method: iovox.MethodNameUpdateContacts}
	resp, err := client.UpdateContactsWithBodyWithResponse(context.Background(), params, "application/xml", &body, auth)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusNoContent {
		t.Errorf("status %d, want 204", resp.StatusCode())
	}

	if srv.method != http.MethodPut || srv.path != "/Contacts" {
		t.Errorf("sent %s %s, want PUT /Contacts", srv.method, srv.path)
	}
	// The page's URL: /Contacts?v=3&method=updateContacts
	if got := fmt.Sprint(srv.query); got != "map[method:[updateContacts] v:[3]]" {
		t.Errorf("query %s, want v=3 and method=updateContacts", got)
	}
	if srv.contentType != "application/xml" {
		t.Errorf("Content-Type %q", srv.contentType)
	}
	if srv.header.Get("username") != "user" || srv.header.Get("secureKey") != "key" {
		t.Errorf("auth headers not sent: %v", srv.header)
	}
	if got, want := xmlTokens(t, srv.body), xmlTokens(t, golden); !slices.Equal(got, want) {
		t.Errorf("payload differs from the page's example\n got: %s\nwant: %s", strings.Join(got, " "), strings.Join(want, " "))
	}
}

// The generated client decodes the XML error list of a 400 into the Errors type, attribute and
// text included; several errors in one body stay separate.
func TestUpdateContactsErrorBodyDecodes(t *testing.T) {
	golden, err := os.ReadFile("testdata/errors.400.xml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body []byte
		want []iovox.Error
	}{
		{"one error", golden, []iovox.Error{{Status: 400, Message: "Contact ID 1 of 2 does not exist"}}},
		{"two errors", []byte(`<?xml version="1.0" encoding="utf-8"?><errors><error status="400">API Version Empty</error><error status="400">XML Empty</error></errors>`),
			[]iovox.Error{{Status: 400, Message: "API Version Empty"}, {Status: 400, Message: "XML Empty"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newCapture(t, http.StatusBadRequest, "application/xml", tt.body)
			client, err := iovox.NewClientWithResponses(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			params := &iovox.UpdateContactsParams{V: iovox.APIVersionV3, Method: iovox.MethodNameUpdateContacts}
			resp, err := client.UpdateContactsWithBodyWithResponse(context.Background(), params, "application/xml", strings.NewReader("<request/>"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.XML400 == nil {
				t.Fatalf("400 body not decoded: %q", resp.Body)
			}
			if !slices.Equal(resp.XML400.Error, tt.want) {
				t.Errorf("decoded %+v, want %+v", resp.XML400.Error, tt.want)
			}
		})
	}
}

// xmlTokens flattens an XML document into comparable tokens: element starts with their attributes,
// ends, and non-blank text. Indentation and the XML declaration do not count.
func xmlTokens(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, data)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			s := "<" + tok.Name.Local
			for _, a := range tok.Attr {
				s += fmt.Sprintf(" %s=%q", a.Name.Local, a.Value)
			}
			out = append(out, s+">")
		case xml.EndElement:
			out = append(out, "</"+tok.Name.Local+">")
		case xml.CharData:
			if text := strings.TrimSpace(string(tok)); text != "" {
				out = append(out, text)
			}
		}
	}
}
