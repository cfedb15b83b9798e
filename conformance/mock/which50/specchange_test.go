package which50_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	w50 "github.com/contactapis/contactapis/conformance/mock/which50"
	"github.com/contactapis/contactapis/internal/spectest"
	"github.com/contactapis/contactapis/specs"
)

// serveDoc serves the Which50 mock built from doc, a changed copy of the spec.
func serveDoc(t *testing.T, doc *openapi3.T) (*mock.Engine, string) {
	t.Helper()
	e, err := w50.New(w50.Options{Doc: doc})
	if err != nil {
		t.Fatal(err)
	}
	_, srv := spectest.Serve(t, e)
	return e, srv.URL + "/which50"
}

// storedNote is the Note of every contact in the admin state, by Id, or "-" without one.
func storedNote(t *testing.T, e *mock.Engine) map[int]string {
	t.Helper()
	raw, err := json.Marshal(e.State())
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Contacts []struct {
			ListID int `json:"ListId"`
			ID     int `json:"Id"`
			Note   *string
		} `json:"contacts"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, c := range st.Contacts {
		if c.ListID == pageList {
			out[c.ID] = "-"
			if c.Note != nil {
				out[c.ID] = *c.Note
			}
		}
	}
	return out
}

// TestSpecChangeAddsAProperty: an optional property added to the contact (ContactDTO, the body
// and the stored record) is stored on every matched contact and shown by the admin state, with
// no Go change; fixtures may carry it too, and a value of the wrong type is refused by the
// spec's own entry for it.
func TestSpecChangeAddsAProperty(t *testing.T) {
	doc := spectest.Copy(t, specs.Which50)
	spectest.AddProperty(t, doc, "Note", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}}, "ContactDTO")
	e, base := serveDoc(t, doc)
	req := patchPage(t).with(func(r *rawReq) {
		r.query = "match=ReferanceAccountId&ReferanceAccountId=123456"
		r.body = []byte(`{"Note":"called back","Values":{"Mobile":"1"}}`)
	})
	resp, body := send(t, base, req)
	if ids := decodeIDs(t, resp, body); len(ids) != 2 {
		t.Fatalf("ids %v", ids)
	}
	if got := storedNote(t, e); got[1] != "called back" || got[2] != "called back" || got[3] != "-" {
		t.Errorf("Note as stored: %v, want it on contacts 1 and 2 only", got)
	}
	resp, body = send(t, base, req.with(func(r *rawReq) { r.body = []byte(`{"Note":5}`) }))
	wantError(t, resp, body, "request-invalid", nil, "application/json")

	if err := e.LoadFixtures([]byte(`{"lists":[{"Id":3,"Fields":[]}],"contacts":[{"ListId":3,"Id":1,"Note":"from the fixtures"}]}`)); err != nil {
		t.Fatal(err)
	}
	if got := storedNote(t, e); got[1] != "from the fixtures" {
		t.Errorf("Note from the fixtures: %v", got)
	}
}

// TestSpecChangeRemovesAProperty: a property the request's schema no longer declares is dropped
// (ContactDTO takes undeclared members, as the validator does), even though the record still has
// it; removed from the record too, the fixtures refuse it.
func TestSpecChangeRemovesAProperty(t *testing.T) {
	doc := spectest.Copy(t, specs.Which50)
	spectest.AddProperty(t, doc, "Note", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}}, "ContactDTO")
	// The bodies get their own ContactDTO, without Note.
	record := doc.Components.Schemas["ContactDTO"].Value
	body := *record
	body.Properties = openapi3.Schemas{}
	for name, p := range record.Properties {
		if name != "Note" {
			body.Properties[name] = p
		}
	}
	for _, rb := range doc.Components.RequestBodies {
		for _, media := range rb.Value.Content {
			media.Schema = openapi3.NewSchemaRef("", &body)
		}
	}
	e, base := serveDoc(t, doc)
	resp, b := send(t, base, patchPage(t).with(func(r *rawReq) { r.body = []byte(`{"Note":"dropped","Values":{"Mobile":"1"}}`) }))
	decodeIDs(t, resp, b)
	if got := storedNote(t, e); got[1] != "-" {
		t.Errorf("Note stored although the request's schema has none: %v", got)
	}

	doc = spectest.Copy(t, specs.Which50)
	e, _ = serveDoc(t, doc)
	if _, err := e.PrepareFixtures([]byte(`{"lists":[{"Id":3,"Fields":[]}],"contacts":[{"ListId":3,"Id":1,"Note":"x"}]}`)); err == nil || !strings.Contains(err.Error(), `unknown property "Note"`) {
		t.Errorf("fixtures with a property the schema lacks: %v", err)
	}
}
