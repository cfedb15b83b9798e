package framework

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

func TestUpdateFieldsWalksTheRequestSchema(t *testing.T) {
	// The names below are read from the vendor pages' tables, not from the specs.
	cases := []struct {
		vendor, op string
		record     []string // properties of the stored record
		options    []string // properties beside a list of records
		dictionary string
	}{
		{vendor: specs.Iovox, op: "updateContacts", record: []string{"contact_id", "display_name", "home_phone", "notes", "work_country"},
			options: []string{"replace_details", "rm_rules"}},
		{vendor: specs.Valomnia, op: "updateContact", record: []string{"customerId", "firstName", "imageFile", "useExternalId"}},
		{vendor: specs.Which50, op: "updateContactsByMatch", record: []string{"ListId"}, dictionary: "Values"},
		{vendor: specs.Auregister, op: "updateContact", record: []string{"addressId", "birthday", "sex", "title"}},
	}
	for _, tc := range cases {
		t.Run(tc.vendor, func(t *testing.T) {
			doc, err := specs.Shared(tc.vendor)
			if err != nil {
				t.Fatal(err)
			}
			fields, err := UpdateFields(doc, tc.op)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]UpdateField{}
			for _, f := range fields {
				byName[f.Name] = f
			}
			for _, name := range tc.record {
				if f, ok := byName[name]; !ok || f.Option {
					t.Errorf("%s: %s is not a record property (%+v)", tc.op, name, f)
				}
			}
			for _, name := range tc.options {
				if f, ok := byName[name]; !ok || !f.Option || f.Container != "contact" {
					t.Errorf("%s: %s is not an option beside the contacts (%+v)", tc.op, name, f)
				}
			}
			if tc.dictionary != "" && !byName[tc.dictionary].Dictionary {
				t.Errorf("%s: %s is not a dictionary", tc.op, tc.dictionary)
			}
		})
	}
	if _, err := UpdateFields(specs.MustLoad(specs.Valomnia), "loginSuccess"); err == nil {
		t.Error("an operation without a body has update fields")
	}
}

func TestValueForIsValidAndNew(t *testing.T) {
	contract.New(specs.Auregister, "") // registers the formats the specs use (iso3166-country)
	str := func(mod func(*openapi3.Schema)) *openapi3.Schema {
		s := openapi3.NewStringSchema()
		mod(s)
		return s
	}
	max := 5.0
	cases := []struct {
		name   string
		schema *openapi3.Schema
		stored any
		given  []any
		want   any // nil: any value the schema accepts
	}{
		{"enum skips the stored member", str(func(s *openapi3.Schema) { s.Enum = []any{"Male", "Female"} }), "Male", nil, "Female"},
		{"example first", str(func(s *openapi3.Schema) { s.Example = "Ireland" }), "United Kingdom", nil, "Ireland"},
		{"given before generated", openapi3.NewStringSchema(), "a", []any{"a", "b"}, "b"},
		{"given text for a number stored", openapi3.NewStringSchema(), "3229", []any{3229.0, 4410.0}, "4410"},
		{"date", str(func(s *openapi3.Schema) { s.Format = "date" }), "1999-12-31", nil, "1998-06-15"},
		{"letters only", str(func(s *openapi3.Schema) { s.Pattern = `^(\p{L}+)?$` }), nil, []any{"J0hn"}, "Roundtrip"},
		{"internationalised phone", openapi3.NewArraySchema().WithItems(str(func(s *openapi3.Schema) { s.Pattern = `^([1-9][0-9]{6,14})?$` })),
			[]any{"447700900124"}, nil, []any{"447700900125"}},
		{"bounded integer", openapi3.NewIntegerSchema().WithMin(3).WithMax(max), 3.0, nil, 4.0},
		{"boolean", openapi3.NewBoolSchema(), true, nil, false},
		{"country format", str(func(s *openapi3.Schema) { s.Format = "iso3166-country" }), "NZ", nil, "FJ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ValueFor(tc.schema, tc.stored, tc.given)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.schema.VisitJSON(got); err != nil {
				t.Errorf("%v is not valid: %v", got, err)
			}
			if Contains(tc.stored, got) {
				t.Errorf("%v is the stored value", got)
			}
			if tc.want != nil && !sameJSON(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// A pattern none of the generated shapes fits is an error, not a silent skip.
	if v, err := ValueFor(str(func(s *openapi3.Schema) { s.Pattern = `^zz[0-9]{3}zz$` }), nil, nil); err == nil {
		t.Errorf("got %v for a pattern nothing fits", v)
	}
}

func sameJSON(a, b any) bool { return Contains(a, b) && Contains(b, a) }

func TestContainsListsAndText(t *testing.T) {
	cases := []struct {
		stored, sent any
		want         bool
	}{
		{[]any{"1", "2"}, []any{"2"}, true}, // a list update that adds
		{[]any{"1"}, []any{"2"}, false},
		{3229.0, "3229", true}, // a form's text answered as a number
		{"x", nil, false},
		{map[string]any{"a": 1.0}, map[string]any{"a": 1.0}, true},
		{map[string]any{"a": 1.0}, "map[a:1]", false},
	}
	for _, tc := range cases {
		if got := Contains(tc.stored, tc.sent); got != tc.want {
			t.Errorf("Contains(%v, %v) = %v, want %v", tc.stored, tc.sent, got, tc.want)
		}
	}
}

func TestLastFieldOfAnUpdate(t *testing.T) {
	cases := []struct {
		mediaType, body, name, rest string
	}{
		{"application/xml", `<request><rm_rules>TRUE</rm_rules><contact><contact_id>333</contact_id><notes>n</notes></contact></request>`,
			"notes", `<request><rm_rules>TRUE</rm_rules><contact><contact_id>333</contact_id></contact></request>`},
		{"application/json", `{"Values":{"Email":"a@b.example","Mobile":"1"}}`, "Mobile", `{"Values":{"Email":"a@b.example"}}`},
		{"application/json", `{"b":1,"a":2}`, "a", `{"b":1}`},
		{"application/x-www-form-urlencoded", "firstName=M&first+name=x", "first name", "firstName=M"},
	}
	for _, tc := range cases {
		name, rest := lastField(tc.mediaType, []byte(tc.body))
		if name != tc.name || string(rest) != tc.rest {
			t.Errorf("%s %s: got %q, %s; want %q, %s", tc.mediaType, tc.body, name, rest, tc.name, tc.rest)
		}
	}
	if _, rest := lastField("multipart/form-data", []byte("x")); rest != nil {
		t.Error("a multipart body was cut")
	}
}

func TestDropMemberOfAnAnswer(t *testing.T) {
	cases := []struct {
		mediaType, answer, name, want string
		ok                            bool
	}{
		{"application/json", `{"firstName":"M","id":5,"user":{"id":4}}`, "firstName", `{"id":5,"user":{"id":4}}`, true},
		{"application/json", `{"firstName":"M","id":5}`, "customerId", `{"firstName":"M"}`, true},
		{"application/xml", `<c><a>1</a><b>2</b></c>`, "a", `<c><b>2</b></c>`, true},
		{"application/json", `["id1","id2"]`, "x", "", false},
	}
	for _, tc := range cases {
		got, ok := dropMember(tc.mediaType, []byte(tc.answer), tc.name)
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("%s minus %s: got %s %v, want %s %v", tc.answer, tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestDropFieldTamper runs the tamper in front of handlers that echo what they stored: an update
// answered by its record loses the field from the answer, one answered 204 loses it from the
// update, and a request that is no update passes untouched.
func TestDropFieldTamper(t *testing.T) {
	var stored string
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		stored = string(b)
		switch {
		case strings.HasPrefix(r.URL.Path, "/contacts/"): // auregister: answers the record
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"email":"e@x.example","title":"Dr"}`))
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	au, err := newDropField(specs.Auregister)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPatch, "/contacts/1941877", strings.NewReader(`{"email":"e@x.example"}`))
	req.Header.Set("Content-Type", "application/json")
	au.wrap(echo).ServeHTTP(rec, req)
	if stored != `{"email":"e@x.example"}` || rec.Body.String() != `{"title":"Dr"}` {
		t.Errorf("auregister: stored %s, answered %s", stored, rec.Body)
	}

	iv, err := newDropField(specs.Iovox)
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPut, "/Contacts?v=3&method=updateContacts",
		strings.NewReader(`<request><contact><contact_id>333</contact_id><notes>n</notes></contact></request>`))
	req.Header.Set("Content-Type", "application/xml")
	iv.wrap(echo).ServeHTTP(rec, req)
	if stored != `<request><contact><contact_id>333</contact_id></contact></request>` || rec.Code != http.StatusNoContent {
		t.Errorf("iovox: stored %s, answered %d", stored, rec.Code)
	}

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodGet, "/Contacts?v=3&method=updateContacts", nil)
	iv.wrap(echo).ServeHTTP(rec, req)
	if stored != "" || rec.Code != http.StatusNoContent {
		t.Errorf("a request that is no update: stored %q, answered %d", stored, rec.Code)
	}
}
