package auregister_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/contactapis/contactapis/gen/auregister"
)

// vendorPage is the page the golden files were typed from: shared/ beside the repository, as CI
// lays it out (the spec linter reads it from the same place).
var vendorPage = filepath.Join("..", "..", "..", "shared", "vendor-docs", "auregister-patch-contact.txt")

// pageContactID is the id of the contact in both of the page's examples.
const pageContactID = 1941877

// exchange is what the test server saw of one request.
type exchange struct {
	method      string
	path        string
	rawQuery    string
	contentType string
	body        []byte
}

// newServer starts a server that records each request and answers with status and body, as the
// vendor would. The recorded exchanges are read after the client call returns, so the channel
// needs no more room than the calls a test makes.
func newServer(t *testing.T, status int, body []byte) (*httptest.Server, <-chan exchange) {
	t.Helper()
	seen := make(chan exchange, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		seen <- exchange{
			method:      r.Method,
			path:        r.URL.Path,
			rawQuery:    r.URL.RawQuery,
			contentType: r.Header.Get("Content-Type"),
			body:        b,
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("golden file: %v", err)
	}
	return b
}

// decodeJSON decodes to generic values with exact numbers, so that two bodies compare by content
// and not by key order or spacing (the page prints one line, the client writes struct order).
func decodeJSON(t *testing.T, what string, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, data)
	}
	return v
}

func date(t *testing.T, s string) openapi_types.Date {
	t.Helper()
	d, err := time.Parse(openapi_types.DateFormat, s)
	if err != nil {
		t.Fatal(err)
	}
	return openapi_types.Date{Time: d}
}

// pageExample is the page's request example in JSON notation, every value as printed, built
// field by field from the page's values, so that the test checks the generated types' wire names
// and null handling against the golden file rather than a round trip through the same types.
func pageExample(t *testing.T) auregister.ContactUpdate {
	var u auregister.ContactUpdate
	u.AddressID.Set(1675073)
	u.BirthCountry.Set("AUSTRALIA")
	u.BirthPlace.Set("CLAYTON")
	u.BirthState.Set(auregister.BirthStateVIC)
	u.Birthday.Set(date(t, "2001-08-01"))
	u.BusinessNumber.Set("")
	u.CompanyNumber.SetNull()
	people := auregister.ContactTypePeople
	u.ContactType = &people
	u.Email.Set("c@v.com")
	u.FirstName.Set("Christian")
	id := int64(pageContactID)
	u.ID = &id
	u.IncorporationDate.SetNull()
	u.LastName.Set("Vieri")
	u.MiddleName.Set("")
	u.Mobile.SetNull()
	u.Name.Set("Christian Vieri")
	u.Nationality.SetNull()
	u.Phone1.SetNull()
	u.Phone2.SetNull()
	u.PlaceOfIncorporation.SetNull()
	u.RepresentativeIDs.SetNull()
	u.Sex.SetNull()
	u.Skype.SetNull()
	u.TaxNumber.Set("")
	u.Title.SetNull()
	return u
}

func TestUpdateContactRequest(t *testing.T) {
	tests := []struct {
		name      string
		contactID auregister.ContactID
		body      func(t *testing.T) auregister.ContactUpdate
		wantPath  string
		wantBody  []byte
	}{
		{
			name:      "page request example",
			contactID: pageContactID,
			body:      pageExample,
			wantPath:  "/contacts/1941877",
			wantBody:  readGolden(t, "update-contact-request.json"),
		},
		{
			// The page's partial-update rule: only the fields present are sent, so a one-field
			// change must not drag the zero values of the other 24 fields onto the wire.
			name:      "one field of the page example",
			contactID: pageContactID,
			body: func(*testing.T) auregister.ContactUpdate {
				var u auregister.ContactUpdate
				u.FirstName.Set("Christian")
				return u
			},
			wantPath: "/contacts/1941877",
			wantBody: []byte(`{"firstName": "Christian"}`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := newServer(t, http.StatusOK, readGolden(t, "update-contact-response.json"))
			c, err := auregister.NewClient(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.UpdateContact(context.Background(), tt.contactID, tt.body(t))
			if err != nil {
				t.Fatalf("UpdateContact: %v", err)
			}
			resp.Body.Close()
			got := <-seen
			if got.method != http.MethodPatch {
				t.Errorf("method %s, want PATCH", got.method)
			}
			if got.path != tt.wantPath {
				t.Errorf("path %q, want %q", got.path, tt.wantPath)
			}
			if got.rawQuery != "" {
				t.Errorf("query %q, want none (the page has no query parameters)", got.rawQuery)
			}
			if got.contentType != "application/json" {
				t.Errorf("Content-Type %q, want application/json", got.contentType)
			}
			want := decodeJSON(t, "expected body", tt.wantBody)
			if diff := cmp.Diff(want, decodeJSON(t, "sent body", got.body)); diff != "" {
				t.Errorf("body differs from expected (-want +got):\n%s\nsent: %s", diff, got.body)
			}
		})
	}
}

// TestNullableStates proves that the generated body type keeps the three states of a partial
// update apart on the wire (left out, null, value) and that a server decoding the body with the
// same type can still tell them apart, for every kind of field the body has.
func TestNullableStates(t *testing.T) {
	type state int
	const (
		absent state = iota
		null
		value
	)
	birthday := date(t, "2001-08-01")
	tests := []struct {
		field     string // wire name
		set       func(u *auregister.ContactUpdate, s state)
		specified func(u auregister.ContactUpdate) (specified, isNull bool)
		wantValue string // raw JSON of the value state, from the page's example where it has one
	}{
		{
			field: "middleName",
			set: func(u *auregister.ContactUpdate, s state) {
				switch s {
				case null:
					u.MiddleName.SetNull()
				case value:
					u.MiddleName.Set("") // the page sends "" here: a value, not a clear
				}
			},
			specified: func(u auregister.ContactUpdate) (bool, bool) {
				return u.MiddleName.IsSpecified(), u.MiddleName.IsNull()
			},
			wantValue: `""`,
		},
		{
			field: "addressId",
			set: func(u *auregister.ContactUpdate, s state) {
				switch s {
				case null:
					u.AddressID.SetNull()
				case value:
					u.AddressID.Set(1675073)
				}
			},
			specified: func(u auregister.ContactUpdate) (bool, bool) { return u.AddressID.IsSpecified(), u.AddressID.IsNull() },
			wantValue: `1675073`,
		},
		{
			field: "birthday",
			set: func(u *auregister.ContactUpdate, s state) {
				switch s {
				case null:
					u.Birthday.SetNull()
				case value:
					u.Birthday.Set(birthday)
				}
			},
			specified: func(u auregister.ContactUpdate) (bool, bool) { return u.Birthday.IsSpecified(), u.Birthday.IsNull() },
			wantValue: `"2001-08-01"`,
		},
		{
			field: "birthState",
			set: func(u *auregister.ContactUpdate, s state) {
				switch s {
				case null:
					u.BirthState.SetNull()
				case value:
					u.BirthState.Set(auregister.BirthStateVIC)
				}
			},
			specified: func(u auregister.ContactUpdate) (bool, bool) {
				return u.BirthState.IsSpecified(), u.BirthState.IsNull()
			},
			wantValue: `"VIC"`,
		},
		{
			field: "representativeIds",
			set: func(u *auregister.ContactUpdate, s state) {
				switch s {
				case null:
					u.RepresentativeIDs.SetNull()
				case value:
					u.RepresentativeIDs.Set([]int64{pageContactID})
				}
			},
			specified: func(u auregister.ContactUpdate) (bool, bool) {
				return u.RepresentativeIDs.IsSpecified(), u.RepresentativeIDs.IsNull()
			},
			wantValue: `[1941877]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			srv, seen := newServer(t, http.StatusOK, readGolden(t, "update-contact-response.json"))
			c, err := auregister.NewClient(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			bodies := map[state]string{}
			for _, s := range []state{absent, null, value} {
				var u auregister.ContactUpdate
				tt.set(&u, s)
				resp, err := c.UpdateContact(context.Background(), pageContactID, u)
				if err != nil {
					t.Fatalf("UpdateContact: %v", err)
				}
				resp.Body.Close()
				sent := (<-seen).body
				bodies[s] = string(bytes.TrimSpace(sent))

				var fields map[string]json.RawMessage
				if err := json.Unmarshal(sent, &fields); err != nil {
					t.Fatalf("sent body is not a JSON object: %v\n%s", err, sent)
				}
				raw, present := fields[tt.field]
				switch {
				case s == absent && (present || len(fields) != 0):
					t.Errorf("absent: sent %s, want {}", sent)
				case s == null && (!present || string(raw) != "null"):
					t.Errorf("null: sent %s, want %q: null", sent, tt.field)
				case s == value && (!present || string(raw) != tt.wantValue):
					t.Errorf("value: sent %s, want %q: %s", sent, tt.field, tt.wantValue)
				}

				// The mock decodes bodies with the same generated type; it must see the state the
				// client meant, or it would clear a field the client left alone.
				var back auregister.ContactUpdate
				if err := json.Unmarshal(sent, &back); err != nil {
					t.Fatalf("decode sent body: %v", err)
				}
				gotSpecified, gotNull := tt.specified(back)
				if gotSpecified != (s != absent) || gotNull != (s == null) {
					t.Errorf("state %d decoded as specified=%v null=%v", s, gotSpecified, gotNull)
				}
			}
			if bodies[absent] == bodies[null] || bodies[null] == bodies[value] || bodies[absent] == bodies[value] {
				t.Errorf("states are not distinct on the wire: absent %s, null %s, value %s", bodies[absent], bodies[null], bodies[value])
			}
		})
	}
}

func TestUpdateContactDecodesPageResponse(t *testing.T) {
	page := readGolden(t, "update-contact-response.json")
	srv, _ := newServer(t, http.StatusOK, page)
	c, err := auregister.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.UpdateContactWithResponse(context.Background(), pageContactID, pageExample(t))
	if err != nil {
		t.Fatalf("UpdateContactWithResponse: %v", err)
	}
	if resp.StatusCode() != http.StatusOK || resp.JSON200 == nil {
		t.Fatalf("status %d, JSON200 %v; want 200 with a contact (body %s)", resp.StatusCode(), resp.JSON200, resp.Body)
	}
	got := resp.JSON200

	// Nothing lost in decoding: every null stays null and every "" stays "", which a pointer
	// type or a missing field would not survive.
	again, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(decodeJSON(t, "page response", page), decodeJSON(t, "re-encoded contact", again)); diff != "" {
		t.Errorf("decoded contact differs from the page's response (-page +decoded):\n%s", diff)
	}

	// A few fields read through the typed API, with the page's values.
	if got.ID != pageContactID {
		t.Errorf("ID %d, want %d", got.ID, pageContactID)
	}
	if got.ContactType != auregister.ContactTypePeople {
		t.Errorf("ContactType %q, want People", got.ContactType)
	}
	if v, err := got.Birthday.Get(); err != nil || v.Format(openapi_types.DateFormat) != "2001-08-01" {
		t.Errorf("Birthday %v (%v), want 2001-08-01", v, err)
	}
	if v, err := got.BirthState.Get(); err != nil || v != auregister.BirthStateVIC {
		t.Errorf("BirthState %q (%v), want VIC", v, err)
	}
	if v, err := got.Name.Get(); err != nil || v != "Christian Vieri" {
		t.Errorf("Name %q (%v), want Christian Vieri", v, err)
	}
	if v, err := got.MiddleName.Get(); err != nil || v != "" {
		t.Errorf(`MiddleName %q (%v), want ""`, v, err)
	}
	if !got.Sex.IsNull() || !got.RepresentativeIDs.IsNull() || !got.PlaceOfIncorporation.IsNull() {
		t.Errorf("Sex, RepresentativeIDs and PlaceOfIncorporation must decode as null")
	}
}

// TestGoldenFilesFollowPage keeps the golden files honest: the literal ones are on the page
// byte for byte, and the JSON request is the page's Ruby hash in JSON notation, nothing else
// changed (x-doc-discrepancy request-example-ruby-hash); name in particular stays, since the
// rules accept a stored value sent back.
func TestGoldenFilesFollowPage(t *testing.T) {
	rb := strings.TrimSpace(string(readGolden(t, "update-contact-request.page.rb")))
	// The page's values contain neither "=> nor =>nil, so a textual rewrite is exact here.
	asJSON := strings.NewReplacer(`"=>nil`, `":null`, `"=>`, `":`).Replace(rb)
	literal, ok := decodeJSON(t, "page request (rewritten)", []byte(asJSON)).(map[string]any)
	if !ok {
		t.Fatalf("page request is not an object: %s", asJSON)
	}
	if literal["name"] != "Christian Vieri" {
		t.Fatalf(`page request's name %v, want "Christian Vieri"`, literal["name"])
	}
	asGolden := decodeJSON(t, "JSON request", readGolden(t, "update-contact-request.json"))
	if diff := cmp.Diff(any(literal), asGolden); diff != "" {
		t.Errorf("JSON request is not the page's request in JSON notation (-page +golden):\n%s", diff)
	}

	page, err := os.ReadFile(vendorPage)
	if os.IsNotExist(err) {
		t.Skipf("vendor page not beside the repository (%v): literal checks skipped", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"update-contact-request.page.rb", "update-contact-response.json"} {
		if !bytes.Contains(page, bytes.TrimSpace(readGolden(t, name))) {
			t.Errorf("%s is not on the page as printed", name)
		}
	}
}
