package which50_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	w50 "github.com/contactapis/contactapis/conformance/mock/which50"
	api "github.com/contactapis/contactapis/gen/which50"
)

// Matching on several properties narrows the set: ReferanceAccountId 123456 alone is contacts 1
// and 2, with the Email too only contact 1.
func TestMatchOnSeveralProperties(t *testing.T) {
	tests := []struct {
		query string
		want  []int
	}{
		{"match=ReferanceAccountId&ReferanceAccountId=123456", []int{1, 2}},
		{"match=ReferanceAccountId,Email&ReferanceAccountId=123456&Email=pgannon@customerminds.com", []int{1}},
		{"match=Email,ReferanceAccountId&Email=accounts@customerminds.com&ReferanceAccountId=123456", []int{2}},
		// A name given twice in `match` is one criterion.
		{"match=Email,Email&Email=jdoe@example.com", []int{3}},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e.reset(t)
			before := e.state(t)
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.query = tt.query }))
			ids := decodeIDs(t, resp, body)
			var want []string
			for _, id := range tt.want {
				want = append(want, contact(t, before, pageList, id).EncContactID)
			}
			if !slices.Equal(ids, want) {
				t.Errorf("ids %v, want contacts %v: %v", ids, tt.want, want)
			}
			after := e.state(t)
			for id := 1; id <= 3; id++ {
				got := contact(t, after, pageList, id).Values["Mobile"]
				if updated := got == "353871234567"; updated != slices.Contains(tt.want, id) {
					t.Errorf("contact %d Mobile %v", id, got)
				}
			}
		})
	}
}

// Every matching contact gets every value of the body, and keeps the fields not named.
func TestEveryMatchingContactIsUpdated(t *testing.T) {
	e := newEnv(t)
	before := e.state(t)
	resp, body := e.send(t, patchPage(t).with(func(r *rawReq) {
		r.query = "match=ReferanceAccountId&ReferanceAccountId=123456"
		r.body = []byte(`{"Values":{"Mobile":"353871234567","Address":"123 Red Street, D1"}}`)
	}))
	if ids := decodeIDs(t, resp, body); len(ids) != 2 {
		t.Fatalf("ids %v", ids)
	}
	after := e.state(t)
	for _, id := range []int{1, 2} {
		got, was := contact(t, after, pageList, id).Values, contact(t, before, pageList, id).Values
		if got["Mobile"] != "353871234567" || got["Address"] != "123 Red Street, D1" || got["Email"] != was["Email"] || got["ReferanceAccountId"] != was["ReferanceAccountId"] {
			t.Errorf("contact %d: %v (was %v)", id, got, was)
		}
	}
	if !reflect.DeepEqual(contact(t, after, pageList, 3), contact(t, before, pageList, 3)) {
		t.Error("contact 3 does not match and changed")
	}
}

// Encrypted ids are the same on every call and for every Backend, differ between lists for
// the same internal id, and are not the internal id.
func TestEncryptedIDsAreStableAndOpaque(t *testing.T) {
	fixtures := []byte(`{"lists":[
		{"Id":3,"Fields":[{"Name":"Email","Type":"string"}]},
		{"Id":4,"Fields":[{"Name":"Email","Type":"string"}]}],
		"contacts":[{"ListId":3,"Id":1,"Values":{"Email":"a@example.com"}},{"ListId":4,"Id":1,"Values":{"Email":"a@example.com"}}]}`)
	ids := func() []string {
		e := newEnv(t)
		if err := e.backend.LoadFixtures(fixtures); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, list := range []string{"3", "4", "3"} {
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) {
				r.path, r.query, r.body = "/contactLists/"+list+"/contact", "match=Email&Email=a@example.com", []byte(`{"Values":{}}`)
			}))
			out = append(out, decodeIDs(t, resp, body)...)
		}
		return out
	}
	first, second := ids(), ids()
	if !slices.Equal(first, second) {
		t.Errorf("ids differ between two mocks: %v, %v", first, second)
	}
	if first[0] != first[2] {
		t.Errorf("the same contact got two ids: %v", first)
	}
	if first[0] == first[1] {
		t.Errorf("contact 1 of lists 3 and 4 share id %s", first[0])
	}
	for _, id := range first {
		if id == "1" || len(id) < 16 {
			t.Errorf("id %q is not opaque", id)
		}
	}
}

// Values must be fields of the list, of a convertible type; otherwise nothing changes (spec
// gap: the mock answers request-invalid).
func TestValuesMustFitTheListSchema(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"property not in the schema", `{"Values":{"Mobile":"1","Nickname":"Pat"}}`},
		{"integer field given text", `{"Values":{"ReferanceAccountId":"abc"}}`},
		{"integer field given a fraction", `{"Values":{"ReferanceAccountId":1.5}}`},
		{"string field given an object", `{"Values":{"Mobile":{}}}`},
		{"string field given a list", `{"Values":{"Mobile":["1"]}}`},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset(t)
			before := e.state(t)
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.body = []byte(tt.body) }))
			wantError(t, resp, body, "request-invalid", nil, "application/json")
			if !equalState(before, e.state(t)) {
				t.Error("a refused update changed the store")
			}
		})
	}
}

// Values are converted by the field's type (spec which50-values-types): the PUT example's
// number and the same as text match the same contact; text sets number and boolean fields.
func TestValuesConvertToTheFieldType(t *testing.T) {
	e := newEnv(t)
	want := contact(t, e.state(t), pageList, pageContact).EncContactID
	for _, body := range []string{
		`{"Values":{"ReferanceAccountId":123456,"Email":"pgannon@customerminds.com","Mobile":"1"}}`,
		`{"Values":{"ReferanceAccountId":"123456","Email":"pgannon@customerminds.com","Mobile":"1"}}`,
		`{"Values":{"ReferanceAccountId":123456.0,"Email":"pgannon@customerminds.com","Mobile":1}}`,
	} {
		resp, b := e.send(t, putPage(t).with(func(r *rawReq) { r.body = []byte(body) }))
		if ids := decodeIDs(t, resp, b); !slices.Equal(ids, []string{want}) {
			t.Errorf("%s: ids %v", body, ids)
		}
		if got := contact(t, e.state(t), pageList, pageContact).Values["Mobile"]; got != "1" {
			t.Errorf("%s: Mobile %#v, want the text \"1\"", body, got)
		}
	}
	resp, b := e.send(t, patchPage(t).with(func(r *rawReq) {
		r.path, r.query = "/contactLists/4/contact", "match=Score,Subscribed&Score=4.5&Subscribed=TRUE"
		r.body = []byte(`{"Values":{"Score":"9.25","Subscribed":"false","JoinedYear":"2024"}}`)
	}))
	decodeIDs(t, resp, b)
	got := contact(t, e.state(t), 4, 10).Values
	if got["Score"] != 9.25 || got["Subscribed"] != false || got["JoinedYear"] != int64(2024) {
		t.Errorf("list 4 contact 10: %#v", got)
	}
}

// Accept chooses the answer's media type among those the spec declares; JSON without Accept or
// when nothing acceptable is declared (spec info x-assumed), and errors never in csp-report.
func TestAcceptNegotiation(t *testing.T) {
	tests := []struct {
		accept          string
		success, failed string
	}{
		{"", "application/json", "application/json"},
		{"application/json", "application/json", "application/json"},
		{"text/json", "text/json", "text/json"},
		{"application/xml", "application/xml", "application/xml"},
		{"text/xml", "text/xml", "text/xml"},
		{"application/csp-report", "application/csp-report", "application/json"},
		{"text/html", "application/json", "application/json"},
		{"*/*", "application/json", "application/json"},
		{"text/*", "text/json", "text/json"},
		{"application/*;q=0.5, text/xml", "text/xml", "text/xml"},
		{"application/xml;q=0.2, text/json;q=0.8", "text/json", "text/json"},
		{"application/xml, application/json", "application/xml", "application/xml"},
		{"application/xml;q=0, application/json;q=0.1", "application/json", "application/json"},
		{"application/xml;q=nope, text/xml", "text/xml", "text/xml"},
		// The most specific range's q applies (RFC 9110 section 12.5.1), not the highest that covers.
		{"application/*;q=0.5, application/json;q=0", "application/xml", "application/xml"},
		{"application/json;q=0, application/*;q=0.5", "application/xml", "application/xml"},
		{"application/json;q=0.1, */*;q=0.9", "text/json", "text/json"},
		{"*/*, text/*;q=0", "application/json", "application/json"},
		{"application/json;q=0", "application/json", "application/json"},
		{"garbage;;;, ,", "application/json", "application/json"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			e.reset(t)
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.accept = tt.accept }))
			if ct := resp.Header.Get("Content-Type"); ct != tt.success || len(decodeIDs(t, resp, body)) != 1 {
				t.Errorf("200: Content-Type %q, want %q: %s", ct, tt.success, body)
			}
			resp, body = e.send(t, patchPage(t).with(func(r *rawReq) { r.accept, r.auth = tt.accept, bearerReadonly }))
			wantError(t, resp, body, "update-forbidden", nil, tt.failed)
		})
	}
}

// JSON members bind case-insensitively (spec which50-put-example-values-case: the page's own
// PUT example spells `values`), an exact name first.
func TestJSONMembersBindCaseInsensitively(t *testing.T) {
	e := newEnv(t)
	resp, body := e.send(t, putPage(t).with(func(r *rawReq) {
		r.body = []byte(`{"values":{"ReferanceAccountId":123456,"Email":"pgannon@customerminds.com","Mobile":"2"}}`)
	}))
	decodeIDs(t, resp, body)
	resp, body = e.send(t, patchPage(t).with(func(r *rawReq) {
		r.body = []byte(`{"VALUES":{"Mobile":"wrong"},"Values":{"Mobile":"3"}}`)
	}))
	decodeIDs(t, resp, body)
	if got := contact(t, e.state(t), pageList, pageContact).Values["Mobile"]; got != "3" {
		t.Errorf("Mobile %v, want the exact member's 3", got)
	}
}

// The path's list decides; the body's ListId (and EncContactId, Id) are ignored (spec
// which50-listid-vs-path, x-assumed on EncContactId and Id).
func TestPathDecidesTheList(t *testing.T) {
	e := newEnv(t)
	other := contact(t, e.state(t), pageList, 3)
	resp, body := e.send(t, patchPage(t).with(func(r *rawReq) {
		r.body = []byte(`{"ListId":4,"EncContactId":"` + other.EncContactID + `","Values":{"Mobile":"9"}}`)
	}))
	want := contact(t, e.state(t), pageList, pageContact).EncContactID
	if ids := decodeIDs(t, resp, body); !slices.Equal(ids, []string{want}) {
		t.Errorf("ids %v, want the matched contact of the path's list", ids)
	}
	if got := contact(t, e.state(t), pageList, 3).Values["Mobile"]; got != nil {
		t.Errorf("the contact EncContactId names was changed: %v", got)
	}
}

// Custom Events run per updated contact and name, in order, only when the update succeeds;
// Reset forgets them.
func TestCustomEventsAreRecordedPerUpdatedContact(t *testing.T) {
	e := newEnv(t)
	st := e.state(t)
	c1, c2 := contact(t, st, pageList, 1).EncContactID, contact(t, st, pageList, 2).EncContactID
	resp, body := e.send(t, patchPage(t).with(func(r *rawReq) {
		r.query = "match=ReferanceAccountId&ReferanceAccountId=123456&customevents=SendWelcomeEmail,SendEventInvite"
	}))
	decodeIDs(t, resp, body)
	want := []mock.Event{
		{Kind: "customevent", Detail: map[string]any{"listId": pageList, "encContactId": c1, "event": "SendWelcomeEmail"}},
		{Kind: "customevent", Detail: map[string]any{"listId": pageList, "encContactId": c1, "event": "SendEventInvite"}},
		{Kind: "customevent", Detail: map[string]any{"listId": pageList, "encContactId": c2, "event": "SendWelcomeEmail"}},
		{Kind: "customevent", Detail: map[string]any{"listId": pageList, "encContactId": c2, "event": "SendEventInvite"}},
	}
	if got := e.backend.Events(); !reflect.DeepEqual(got, want) {
		t.Errorf("events %v\nwant %v", got, want)
	}
	for _, failing := range []rawReq{
		patchPage(t).with(func(r *rawReq) { r.query = "match=Email&Email=nobody@example.com&customevents=X" }),
		patchPage(t).with(func(r *rawReq) { r.query += "&customevents=X"; r.body = []byte(`{"Values":{"Nope":1}}`) }),
		patchPage(t).with(func(r *rawReq) { r.query += "&customevents=X"; r.auth = bearerReadonly }),
	} {
		e.send(t, failing)
	}
	if got := e.backend.Events(); len(got) != len(want) {
		t.Errorf("refused calls recorded events: %v", got[len(want):])
	}
	// The admin API shows them too.
	resp, body = send(t, e.srv.URL, rawReq{method: http.MethodGet, path: "/_admin/log/which50"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"event": "SendEventInvite"`) {
		t.Errorf("admin log: %d %s", resp.StatusCode, body)
	}
	if err := e.mock.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := e.backend.Events(); len(got) != 0 {
		t.Errorf("events after Reset: %v", got)
	}
}

// The event log keeps the newest 10,000 (doc.go): a long run cannot grow the mock without
// bound. 6,000 names on contacts 1 and 2 record 12,000, the first 2,000 are dropped.
func TestEventsAreCapped(t *testing.T) {
	e := newEnv(t)
	names := make([]string, 6000)
	for i := range names {
		names[i] = fmt.Sprintf("E%d", i)
	}
	resp, body := e.send(t, patchPage(t).with(func(r *rawReq) {
		r.query = "match=ReferanceAccountId&ReferanceAccountId=123456&customevents=" + strings.Join(names, ",")
	}))
	decodeIDs(t, resp, body)
	events := e.backend.Events()
	c2 := contact(t, e.state(t), pageList, 2).EncContactID
	if len(events) != 10_000 || events[0].Detail["event"] != "E2000" || events[0].Detail["encContactId"] == c2 || events[len(events)-1].Detail["encContactId"] != c2 {
		t.Errorf("%d events, first %v, last %v", len(events), events[0].Detail, events[len(events)-1].Detail)
	}
}

// PUT takes the match values from Values and sets the rest: with `match=ReferanceAccountId`
// the PUT example's Email is a value to set, on both contacts with that ReferanceAccountId. A
// name missing from Values, or empty there, is the 400 row (upsert-match-missing x-assumed).
func TestPutMatchesOnValues(t *testing.T) {
	e := newEnv(t)
	resp, body := e.send(t, putPage(t).with(func(r *rawReq) { r.query = "match=ReferanceAccountId" }))
	if ids := decodeIDs(t, resp, body); len(ids) != 2 {
		t.Fatalf("match on ReferanceAccountId only: ids %v", ids)
	}
	// Email was a value to set this time, on both contacts.
	for _, id := range []int{1, 2} {
		if got := contact(t, e.state(t), pageList, id).Values["Email"]; got != "pgannon@customerminds.com" {
			t.Errorf("contact %d Email %v", id, got)
		}
	}
	for _, body := range []string{
		`{"Values":{"ReferanceAccountId":123456,"Mobile":"1"}}`,
		`{"Values":{"ReferanceAccountId":123456,"Email":""}}`,
		`{"EncContactId":"x"}`,
	} {
		resp, b := e.send(t, putPage(t).with(func(r *rawReq) { r.body = []byte(body) }))
		wantError(t, resp, b, "upsert-match-missing", nil, "application/json")
	}
}

// The page's 400 row: `match` missing or empty, and (MatchValues x-assumed) a named property
// without a value, or named like the call's own parameters.
func TestMatchValuesMissingOrEmpty(t *testing.T) {
	e := newEnv(t)
	for _, query := range []string{
		"",
		"match=",
		"match=,",
		"match=Email,",
		"match=Email",
		"match=Email&Email=",
		"match=Email,Mobile&Email=pgannon@customerminds.com",
		"match=email&Email=pgannon@customerminds.com",
		"match=match&Email=x",
		"match=customevents&customevents=x",
		"customevents=SendWelcomeEmail",
	} {
		t.Run(query, func(t *testing.T) {
			e.reset(t)
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.query = query }))
			wantError(t, resp, body, "update-match-missing", nil, "application/json")
		})
	}
}

// Names outside the schema and values that do not convert match nothing: the no-match 404,
// whose resolution points at the schema.
func TestUnmatchableCriteriaMatchNothing(t *testing.T) {
	e := newEnv(t)
	for _, query := range []string{
		"match=Nickname&Nickname=Pat",
		"match=ReferanceAccountId&ReferanceAccountId=12x",
		"match=ReferanceAccountId,Email&ReferanceAccountId=123456&Email=jdoe@example.com",
	} {
		t.Run(query, func(t *testing.T) {
			e.reset(t)
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.query = query }))
			wantError(t, resp, body, "update-no-contacts-matched", nil, "application/json")
		})
	}
}

// A missing, empty, null, non-object or unreadable body is "the passed Contact is null" (spec
// which50-null-contact-403), in every media type.
func TestNullContactBodies(t *testing.T) {
	const xsi = `xmlns:i="http://www.w3.org/2001/XMLSchema-instance"`
	tests := []struct {
		name, contentType, body string
	}{
		{"no body, no Content-Type", "", ""},
		{"empty JSON body", "application/json", ""},
		{"white space", "application/json", "  \n"},
		{"null", "application/json", "null"},
		{"null as text/json", "text/json", "null"},
		{"array", "application/json", "[]"},
		{"string", "application/csp-report", `"Values"`},
		{"unterminated JSON", "application/json", `{"Values":{`},
		{"unterminated XML", "application/xml", `<Contact`},
		{"XML of another root", "text/xml", `<Person/>`},
		{"XML nil contact", "application/xml", `<Contact ` + xsi + ` i:nil="true"/>`},
		{"XML with a DOCTYPE", "application/xml", `<!DOCTYPE Contact><Contact/>`},
		{"XML dictionary entry without Key", "application/xml", `<Contact><Values><KeyValueOfstringanyType><Value>1</Value></KeyValueOfstringanyType></Values></Contact>`},
		{"XML value of a wrong xsi:type", "application/xml", `<Contact ` + xsi + `><Values><KeyValueOfstringanyType><Key>Mobile</Key><Value i:type="x:int">abc</Value></KeyValueOfstringanyType></Values></Contact>`},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset(t)
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) {
				r.contentType, r.body = tt.contentType, []byte(tt.body)
			}))
			wantError(t, resp, body, "update-contact-null", nil, "application/json")
		})
	}
}

// A comma-separated list given twice cannot be bound to the action's one string (x-mock
// refuseRepeatedQuery): a second `match` is a match that cannot be read, a second `customevents`
// a request that cannot be bound. Nothing is updated.
func TestListParameterGivenTwiceIsRefused(t *testing.T) {
	tests := []struct{ name, query, want string }{
		{"match", "match=Email&match=Mobile&Email=jdoe@example.com&Mobile=1", "update-match-missing"},
		{"customevents", "match=Email&Email=jdoe@example.com&customevents=a&customevents=b", "request-invalid"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset(t)
			before := e.state(t)
			resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.query = tt.query }))
			wantError(t, resp, body, tt.want, nil, "application/json")
			if after := e.state(t); !reflect.DeepEqual(before, after) {
				t.Errorf("state changed by a refused request")
			}
		})
	}
}

// A member of the wrong type is a value that cannot be bound: request-invalid.
func TestMistypedMembersAreRequestInvalid(t *testing.T) {
	tests := []struct {
		name, contentType, body string
	}{
		{"ListId text", "application/json", `{"ListId":"x","Values":{}}`},
		{"ListId fraction", "application/json", `{"ListId":1.5}`},
		{"Id text", "application/json", `{"Id":"x"}`},
		{"EncContactId number", "application/json", `{"EncContactId":5}`},
		{"Values list", "application/json", `{"Values":["Mobile"]}`},
		{"Values null", "application/json", `{"Values":null}`},
		// ContactValues' value schema is not nullable (OpenAPI 3.0): null clears nothing.
		{"a value null", "application/json", `{"Values":{"Mobile":null}}`},
		{"XML value nil", "application/xml", `<Contact xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Values><KeyValueOfstringanyType><Key>Mobile</Key><Value i:nil="true"/></KeyValueOfstringanyType></Values></Contact>`},
		{"values case-insensitively a number", "application/json", `{"values":5}`},
		{"XML ListId text", "application/xml", `<Contact><ListId>x</ListId></Contact>`},
		{"XML Values twice", "application/xml", `<Contact><Values/><Values/></Contact>`},
		{"customevents empty", "", ""},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset(t)
			req := patchPage(t).with(func(r *rawReq) { r.contentType, r.body = tt.contentType, []byte(tt.body) })
			if tt.body == "" {
				req = patchPage(t).with(func(r *rawReq) { r.query += "&customevents=" })
			}
			resp, body := e.send(t, req)
			wantError(t, resp, body, "request-invalid", nil, "application/json")
		})
	}
}

// A request with several faults gets the one ASP.NET meets first (doc.go).
func TestSeveralFaultsAnswerTheFirst(t *testing.T) {
	tests := []struct {
		name string
		mod  func(r *rawReq)
		want string
		args map[string]string
	}{
		{"no credentials, no body, no match", func(r *rawReq) { r.auth, r.body, r.contentType, r.query = "", nil, "", "" }, "update-unauthorized", nil},
		{"no credentials, list unknown", func(r *rawReq) { r.auth, r.path = "", "/contactLists/999/contact" }, "update-unauthorized", nil},
		{"bad media type, no match, bad list id", func(r *rawReq) { r.contentType, r.query, r.path = "text/plain", "", "/contactLists/x/contact" }, "unsupported-media-type", map[string]string{"mediaType": "text/plain"}},
		{"bad list id, no match, null body", func(r *rawReq) { r.path, r.query, r.body = "/contactLists/x/contact", "", []byte("null") }, "request-invalid", nil},
		{"no match, null body", func(r *rawReq) { r.query, r.body = "", []byte("null") }, "update-match-missing", nil},
		{"match value missing, null body", func(r *rawReq) { r.query, r.body = "match=Email", []byte("null") }, "update-match-missing", nil},
		{"null body, unknown list", func(r *rawReq) { r.body, r.path = []byte("null"), "/contactLists/999/contact" }, "update-contact-null", nil},
		{"unknown list, no rights", func(r *rawReq) { r.path, r.auth = "/contactLists/999/contact", bearerReadonly }, "update-list-not-found", nil},
		{"no rights, unknown property", func(r *rawReq) { r.auth, r.body = bearerReadonly, []byte(`{"Values":{"Nope":1}}`) }, "update-forbidden", nil},
		{"unknown property, no match", func(r *rawReq) {
			r.query, r.body = "match=Email&Email=nobody@example.com", []byte(`{"Values":{"Nope":1}}`)
		}, "request-invalid", nil},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset(t)
			resp, body := e.send(t, patchPage(t).with(tt.mod))
			wantError(t, resp, body, tt.want, tt.args, "application/json")
		})
	}
}

// A credential's rights are per list: a token for list 4 only is refused on list 3, and an
// unknown token is no credential at all.
func TestCredentialRightsPerList(t *testing.T) {
	e := newEnv(t, withCredentials(w50.Credentials{Tokens: map[string]w50.Grant{"list4": {Lists: []int{4}}}}))
	resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.auth = "Bearer list4" }))
	wantError(t, resp, body, "update-forbidden", nil, "application/json")
	resp, body = e.send(t, patchPage(t).with(func(r *rawReq) {
		r.auth, r.path, r.query = "bearer list4", "/contactLists/4/contact", "match=Email&Email=jdoe@example.com"
		r.body = []byte(`{"Values":{"Score":3}}`)
	}))
	decodeIDs(t, resp, body)
	for _, auth := range []string{"Bearer test", "Basic list4", "list4", "Bearer", "Bearer list4 extra"} {
		resp, body = e.send(t, patchPage(t).with(func(r *rawReq) { r.auth = auth }))
		wantError(t, resp, body, "update-unauthorized", nil, "application/json")
	}
}

// Unknown routes and other methods are the document's unrouted entries, in the vendor's
// dialect, whatever the path looks like.
func TestRoutingFailures(t *testing.T) {
	tests := []struct {
		method, path, want string
	}{
		{http.MethodTrace, "/contactLists/3/contact", "method-not-allowed"},
		{http.MethodPost, "/contactLists/3/contact", "method-not-allowed"},
		{http.MethodDelete, "/contactLists/abc/contact", "method-not-allowed"},
		{http.MethodOptions, "/contactLists/3/contact", "method-not-allowed"},
		{http.MethodPatch, "/contactLists/3/contact/", "route-not-found"},
		{http.MethodPatch, "/contactlists/3/contact", "route-not-found"},
		// Unclean paths are answered as they are, not redirected to a cleaned form.
		{http.MethodPatch, "/contactLists//contact", "route-not-found"},
		{http.MethodPatch, "/x/../contactLists/3/contact", "route-not-found"},
		{http.MethodPatch, "/contactLists/3/contacts", "route-not-found"},
		{http.MethodPatch, "/", "route-not-found"},
		{http.MethodGet, "/contactLists", "route-not-found"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			e.reset(t)
			req := rawReq{method: tt.method, path: tt.path, auth: bearerTest}
			resp, body := e.send(t, req)
			args := map[string]string{"method": tt.method}
			if tt.want == "route-not-found" {
				args = map[string]string{"uri": e.base() + tt.path}
			}
			wantError(t, resp, body, tt.want, args, "application/json")
		})
	}
}

// Bodies over the 1 MiB cap are unreadable (403, doc.go), once the credentials are checked.
func TestOversizedBody(t *testing.T) {
	big := []byte(`{"Values":{"Mobile":"` + strings.Repeat("1", w50.MaxBodyBytes) + `"}}`)
	e := newEnv(t)
	resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.body = big }))
	wantError(t, resp, body, "update-contact-null", nil, "application/json")
	resp, body = e.send(t, patchPage(t).with(func(r *rawReq) { r.body, r.auth = big, "" }))
	wantError(t, resp, body, "update-unauthorized", nil, "application/json")
	// What fits under the cap may parse (JSON then spaces), but a body cut off is not the
	// body sent.
	padded := append([]byte(`{"Values":{"Mobile":"1"}}`), bytes.Repeat([]byte(" "), w50.MaxBodyBytes)...)
	resp, body = e.send(t, patchPage(t).with(func(r *rawReq) { r.body = padded }))
	wantError(t, resp, body, "update-contact-null", nil, "application/json")
	// Just under the cap is read.
	fits := []byte(`{"Values":{"Address":"` + strings.Repeat("1", w50.MaxBodyBytes-30) + `"}}`)
	resp, body = e.send(t, patchPage(t).with(func(r *rawReq) { r.body = fits }))
	decodeIDs(t, resp, body)
}

// Text that is not UTF-8: a query is a value that cannot be bound, a body is unreadable.
func TestInvalidUTF8(t *testing.T) {
	e := newEnv(t)
	resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.query += "&Address=\xff" }))
	wantError(t, resp, body, "request-invalid", nil, "application/json")
	resp, body = e.send(t, patchPage(t).with(func(r *rawReq) { r.body = []byte("{\"Values\":{\"Mobile\":\"\xff\"}}") }))
	wantError(t, resp, body, "update-contact-null", nil, "application/json")
}

// Handler() without the pipeline's validation answers every request as the full pipeline does:
// the catalogue rows and the requests whose faults only validation sees first.
func TestValidationOnAndOffAgree(t *testing.T) {
	var reqs []rawReq
	for _, row := range catalogueRows() {
		if !row.faults {
			reqs = append(reqs, row.req(t))
		}
	}
	for _, q := range []string{"match=,", "match=Email&match=Mobile&Email=x", "match=Email&Email=x&customevents=", "customevents=a&customevents=b&match=Email&Email=x", "match=a,&customevents="} {
		reqs = append(reqs, patchPage(t).with(func(r *rawReq) { r.query = q }))
	}
	for _, b := range []string{"", "null", "[]", `{"ListId":"x"}`, `{"ListId":1e2,"Values":{"Mobile":"1"}}`, `{"Values":null}`, `{"values":5}`, `{} trailing`, `{"Values":{"Nope":1}}`} {
		reqs = append(reqs, patchPage(t).with(func(r *rawReq) { r.body = []byte(b) }), putPage(t).with(func(r *rawReq) { r.body = []byte(b) }))
	}
	for _, x := range []string{`<Contact xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Values><KeyValueOfstringanyType><Key>Mobile</Key><Value i:nil="true"/></KeyValueOfstringanyType></Values></Contact>`, `<Contact/>`, `<Contact><ListId>x</ListId></Contact>`, `<Contact><Values/><Values/></Contact>`, `<Person/>`, `<Contact`} {
		reqs = append(reqs, patchPage(t).with(func(r *rawReq) { r.body, r.contentType = []byte(x), "text/xml" }))
	}
	reqs = append(reqs,
		patchPage(t).with(func(r *rawReq) { r.contentType = "" }),
		patchPage(t).with(func(r *rawReq) { r.contentType = "application/json; charset=utf-8" }),
		patchPage(t).with(func(r *rawReq) { r.contentType = "a/b; =" }),
		patchPage(t).with(func(r *rawReq) { r.contentType = "Application/JSON" }),
		patchPage(t).with(func(r *rawReq) { r.contentType = "application/json;charset=iso-8859-1" }),
		patchPage(t).with(func(r *rawReq) { r.contentType = "application/*" }),
		patchPage(t).with(func(r *rawReq) { r.contentType = "application/problem+json" }),
		patchPage(t).with(func(r *rawReq) { r.contentType, r.body = "TEXT/XML; charset=utf-8", golden(t, "request-sample.xml") }),
		patchPage(t).with(func(r *rawReq) { r.query += "&customevents=a,,b" }),
		patchPage(t).with(func(r *rawReq) { r.query += "&=x" }),
		putPage(t).with(func(r *rawReq) { r.query += "&=x" }),
		patchPage(t).with(func(r *rawReq) { r.query += "&Email=other" }),
		patchPage(t).with(func(r *rawReq) { r.path = "/contactLists/99999999999999999999/contact" }),
		patchPage(t).with(func(r *rawReq) { r.path = "/contactLists/-3/contact" }),
		patchPage(t).with(func(r *rawReq) { r.path = "/contactLists/./contact" }),
		patchPage(t).with(func(r *rawReq) { r.path = "/contactLists//contact" }),
		patchPage(t).with(func(r *rawReq) { r.path = "/contactLists/3/../3/contact" }),
	)
	on := newEnv(t)
	b, err := w50.New(w50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	off := httptest.NewServer(b.Handler())
	defer off.Close()
	for _, req := range reqs {
		onResp, onBody := on.send(t, req)
		offResp, offBody := send(t, off.URL, req)
		onID, offID := "ok", "ok"
		if onResp.StatusCode != http.StatusOK {
			onID = identify(t, onResp.StatusCode, onResp.Header.Get("Content-Type"), onBody)
		}
		if offResp.StatusCode != http.StatusOK {
			offID = identify(t, offResp.StatusCode, offResp.Header.Get("Content-Type"), offBody)
		}
		if onResp.StatusCode != offResp.StatusCode || onID != offID || onResp.Header.Get("Content-Type") != offResp.Header.Get("Content-Type") {
			t.Errorf("%s %s?%s %q %q:\n  validation on:  %d %s\n  validation off: %d %s", req.method, req.path, req.query, req.contentType, req.body,
				onResp.StatusCode, onBody, offResp.StatusCode, offBody)
		}
		on.mock.Reset()
		b.Reset()
	}
}

// A credential never shows in the mock's logs, the
// admin log or an answer.
func TestCredentialsNeverShow(t *testing.T) {
	const token = "s3cret-token-for-the-log-test"
	e := newEnv(t, withCredentials(w50.Credentials{Tokens: map[string]w50.Grant{token: {AllLists: true}}}))
	for _, auth := range []string{"Bearer " + token, "Bearer " + token + "x", ""} {
		resp, body := e.send(t, patchPage(t).with(func(r *rawReq) { r.auth = auth }))
		if strings.Contains(string(body), token) || strings.Contains(strings.Join(resp.Header.Values("Www-Authenticate"), ""), token) {
			t.Errorf("answer shows the token: %s", body)
		}
	}
	_, log := send(t, e.srv.URL, rawReq{method: http.MethodGet, path: "/_admin/log/which50"})
	if logs := e.logs.String(); strings.Contains(logs, token) || strings.Contains(string(log), token) || logs == "" {
		t.Errorf("logs show the token, or nothing was logged:\n%s\n%s", logs, log)
	}
	if s := w50.DefaultCredentials().String() + (w50.Options{Credentials: w50.DefaultCredentials()}.Credentials.GoString()); strings.Contains(s, "readonly") {
		t.Errorf("Credentials print their tokens: %s", s)
	}
}

// The assumed read (getContactsByMatch) answers the contacts the same match would update, whole
// and as stored, so that an update is visible through it; no match is an empty list, and a token
// without rights to update the list may still read it.
func TestReadByMatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var want []StateContact
	for _, l := range e.state(t).Lists {
		if l.ID != pageList {
			continue
		}
		for _, c := range l.Contacts {
			if fmt.Sprint(c.Values["ReferanceAccountId"]) == pageMatch["ReferanceAccountId"] && c.Values["Email"] == pageMatch["Email"] {
				want = append(want, c)
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("the fixtures have no contact the page's match finds")
	}
	check := func(who string, got []api.ContactDTO, want []StateContact) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d contacts, want %d", who, len(got), len(want))
		}
		for i, c := range got {
			if c.EncContactID == nil || *c.EncContactID != want[i].EncContactID || c.ListID == nil || *c.ListID != pageList {
				t.Errorf("%s: contact %d is %v/%v, want %s of list %d", who, i, c.EncContactID, c.ListID, want[i].EncContactID, pageList)
			}
			if c.Values == nil || fmt.Sprint(map[string]any(*c.Values)) != fmt.Sprint(want[i].Values) {
				t.Errorf("%s: values %v, want %v", who, c.Values, want[i].Values)
			}
		}
	}
	for _, token := range []string{"test", "readonly"} {
		got, err := e.client(t, token).GetContactsByMatch(ctx, pageList, pageMatch)
		if err != nil {
			t.Fatalf("%s: %v", token, err)
		}
		check(token, got, want)
	}
	if _, err := e.client(t, "test").UpdateContactsByMatch(ctx, pageList, pageMatch, map[string]any{"Mobile": "353870000000"}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client(t, "test").GetContactsByMatch(ctx, pageList, pageMatch)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].Values["Mobile"] = "353870000000"
	}
	check("after the update", got, want)
	before := e.state(t)
	none, err := e.client(t, "test").GetContactsByMatch(ctx, pageList, map[string]string{"Email": "nobody@example.com"})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("no match: %v, %v; want an empty list", none, err)
	}
	if !equalState(before, e.state(t)) {
		t.Error("a read changed the store")
	}
}
