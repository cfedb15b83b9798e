package auregister_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	api "github.com/contactapis/contactapis/gen/auregister"
)

// updateCase is one PATCH and what it must do: answer a catalogue entry and change nothing, or
// answer 200 with the contact as before plus changed (wire name to raw JSON).
type updateCase struct {
	name    string
	id      int64
	body    string
	entry   string // "" for success
	args    map[string]string
	field   string
	changed map[string]string
}

func runUpdates(t *testing.T, cases []updateCase) {
	t.Helper()
	h := newHarness(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			if err := h.mock.Reset(); err != nil {
				t.Fatal(err)
			}
			before := h.state()
			got := h.patch(strconv.FormatInt(tc.id, 10), tc.body)
			if tc.entry != "" {
				checkError(t, got, tc.entry, tc.args, tc.field)
				if diff := cmp.Diff(before, h.state()); diff != "" {
					t.Errorf("a refused update changed the store:\n%s", diff)
				}
				return
			}
			var want api.Contact
			for _, c := range before.Contacts {
				if c.ID == tc.id {
					want = withChanges(t, c, tc.changed)
				}
			}
			checkContact(t, got, want)
			after := h.state()
			for i, c := range after.Contacts {
				switch {
				case c.ID == tc.id:
					if diff := cmp.Diff(want, c); diff != "" {
						t.Errorf("stored contact is not the answer (-answer +stored):\n%s", diff)
					}
				case !cmp.Equal(c, before.Contacts[i]): // no other contact moves
					t.Errorf("contact %d changed too", c.ID)
				}
			}
		})
	}
}

// withChanges is c with the given properties replaced by raw JSON values.
func withChanges(t *testing.T, c api.Contact, changed map[string]string) api.Contact {
	t.Helper()
	raw, _ := json.Marshal(c)
	var m map[string]json.RawMessage
	json.Unmarshal(raw, &m)
	for k, v := range changed {
		m[k] = json.RawMessage(v)
	}
	raw, _ = json.Marshal(m)
	var out api.Contact
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func notAllowed(field, contactType string) (string, map[string]string, string) {
	return rules.Errors.NotAllowed, map[string]string{"field": field, "contactType": contactType}, field
}

// contactOfType names a fixture contact of each updatable type, holding values in most fields so
// that a new value and an unchanged one can both be sent.
var contactOfType = map[string]int64{"People": otherPersonID, "Company": companyID, "Other Entity": otherEntityID}

// samples are two valid values of each rule field; the test picks one the contact does not store.
var samples = map[string][2]string{
	"firstName": {`"Paolo"`, `"Luca"`}, "middleName": {`"Maria"`, `"Luca"`}, "lastName": {`"Rossi"`, `"Bianchi"`},
	"name": {`"Acme Pty Ltd"`, `"Beta Pty Ltd"`}, "addressId": {`1675073`, `1675074`}, "title": {`"Mr"`, `"Ms"`},
	"sex": {`"Male"`, `"Female"`}, "birthday": {`"1980-01-31"`, `"1990-12-01"`}, "birthPlace": {`"PERTH"`, `"HOBART"`},
	"birthState": {`"WA"`, `"TAS"`}, "birthCountry": {`"NZ"`, `"FRA"`}, "skype": {`"p.rossi"`, `"l.bianchi"`},
	"businessNumber": {`"12345678901"`, `"98765432109"`}, "placeOfIncorporation": {`"NZ"`, `"United Kingdom"`},
	"incorporationDate": {`"1999-01-01"`, `"2005-05-05"`},
}

// TestContactTypeRulesFollowTheTable derives its cases from the spec's rule table, for every rule
// field and every updatable type: a new value is stored where the type allows the field and
// answered with the table's notAllowed entry where it does not; null, "" and the stored value,
// the table's notAViolation values, clear or store where allowed and change nothing where not. A
// field added to the table fails here until it has sample values.
func TestContactTypeRulesFollowTheTable(t *testing.T) {
	t.Parallel()
	h := newHarness(t) // only to read the fixtures
	var cases []updateCase
	for _, field := range slices.Sorted(maps.Keys(rules.Fields)) {
		sample, ok := samples[field]
		if !ok {
			t.Fatalf("no sample values for rule field %q", field)
		}
		for _, typ := range rules.Types {
			if !rules.Updatable(typ) {
				continue
			}
			id, ok := contactOfType[typ]
			if !ok {
				t.Fatalf("no fixture contact of type %q", typ)
			}
			raw, _ := json.Marshal(h.contact(id))
			var stored map[string]json.RawMessage
			json.Unmarshal(raw, &stored)
			value := sample[0]
			if string(stored[field]) == value {
				value = sample[1]
			}
			allowed := rules.Allows(typ, field)
			name := func(what string) string { return fmt.Sprintf("%s %s on %s", field, what, typ) }
			if allowed {
				cases = append(cases,
					updateCase{name: name("new value"), id: id, body: fmt.Sprintf(`{%q:%s}`, field, value), changed: map[string]string{field: value}},
					updateCase{name: name("null clears"), id: id, body: fmt.Sprintf(`{%q:null}`, field), changed: map[string]string{field: "null"}})
			} else {
				entry, args, f := notAllowed(field, typ)
				cases = append(cases,
					updateCase{name: name("new value refused"), id: id, body: fmt.Sprintf(`{%q:%s}`, field, value), entry: entry, args: args, field: f},
					updateCase{name: name("null is a no-op"), id: id, body: fmt.Sprintf(`{%q:null}`, field)})
				// "" is a no-op only where it is a valid value: the body's form is judged
				// before the type, so "" for sex or a date is a 400 on any contact.
				if s := doc.Components.Schemas["ContactUpdate"].Value.Properties[field].Value; value[0] == '"' && len(s.Enum) == 0 && s.Format == "" {
					cases = append(cases, updateCase{name: name(`"" is a no-op`), id: id, body: fmt.Sprintf(`{%q:""}`, field)})
				}
			}
			if s := string(stored[field]); s != "null" && s != `""` {
				cases = append(cases, updateCase{name: name("stored value is a no-op"), id: id, body: fmt.Sprintf(`{%q:%s}`, field, s)})
			}
		}
	}
	runUpdates(t, cases)
}

// TestJointMemberRefusesEveryUpdate: whatever the body, even empty or the contact's own values.
func TestJointMemberRefusesEveryUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	own, _ := json.Marshal(h.contact(jointMemberID))
	args := map[string]string{"contactId": strconv.Itoa(jointMemberID)}
	var cases []updateCase
	for _, body := range []string{`{}`, `{"email":"new@vieri.example"}`, `{"email":null}`, `{"name":"Vieri & Vieri"}`, string(own)} {
		cases = append(cases, updateCase{name: body, id: jointMemberID, body: body, entry: rules.Errors.NotUpdatable, args: args})
	}
	runUpdates(t, cases)
}

// TestIDAndContactTypeMustMatchTheStoredContact: the body may echo them, never change them.
func TestIDAndContactTypeMustMatchTheStoredContact(t *testing.T) {
	t.Parallel()
	readOnly := func(field string) (string, map[string]string, string) {
		return rules.Errors.MatchStored, map[string]string{"field": field}, field
	}
	e1, a1, f1 := readOnly("id")
	e2, a2, f2 := readOnly("contactType")
	runUpdates(t, []updateCase{
		{name: "both echoed", id: pageID, body: `{"id":1941877,"contactType":"People","mobile":"0400000000"}`, changed: map[string]string{"mobile": `"0400000000"`}},
		{name: "id of another contact", id: pageID, body: `{"id":1941879}`, entry: e1, args: a1, field: f1},
		{name: "id of the path's contact, sent to another", id: companyID, body: `{"id":1941877}`, entry: e1, args: a1, field: f1},
		{name: "id written 1941877.0 is the same id", id: pageID, body: `{"id":1941877.0}`},
		{name: "People to Company", id: pageID, body: `{"contactType":"Company"}`, entry: e2, args: a2, field: f2},
		{name: "nobody becomes a Joint Member", id: companyID, body: `{"contactType":"Joint Member"}`, entry: e2, args: a2, field: f2},
		{name: "both changed: contactType is named first", id: pageID, body: `{"id":2,"contactType":"Company"}`, entry: e2, args: a2, field: f2},
	})
}

// TestPartialUpdate: an absent property keeps its value, null clears, a value replaces, and ""
// is stored as a value.
func TestPartialUpdate(t *testing.T) {
	t.Parallel()
	runUpdates(t, []updateCase{
		{name: "empty body changes nothing", id: otherPersonID, body: `{}`},
		{name: "one of each", id: otherPersonID, body: `{"mobile":"0499999999","title":null,"skype":""}`,
			changed: map[string]string{"mobile": `"0499999999"`, "title": "null", "skype": `""`}},
		{name: "fields without a rule, on a Company", id: companyID, body: `{"email":"new@vieri.example","companyNumber":null,"representativeIds":[]}`,
			changed: map[string]string{"email": `"new@vieri.example"`, "companyNumber": "null", "representativeIds": "[]"}},
		{name: "an integral number in another notation", id: otherPersonID, body: `{"addressId":1.675073e6}`, changed: map[string]string{"addressId": "1675073"}},
		{name: "a duplicate key: the last one counts", id: otherPersonID, body: `{"mobile":"1","mobile":"2"}`, changed: map[string]string{"mobile": `"2"`}},
	})
}

// TestNotAViolationValuesLeaveTheStoredValue: on a field the type does not allow, null and "" do
// not clear anything (the table calls them no-ops), and the stored value sent back is no
// violation: the page's own example sends a People contact's name so.
func TestNotAViolationValuesLeaveTheStoredValue(t *testing.T) {
	t.Parallel()
	runUpdates(t, []updateCase{
		{name: "People keeps its name on null", id: otherPersonID, body: `{"name":null}`},
		{name: `People keeps its name on ""`, id: otherPersonID, body: `{"name":""}`},
		{name: "People sends its name back", id: otherPersonID, body: `{"name":"Maria Vieri"}`},
		{name: "the page's Company-only values on People", id: pageID, body: `{"businessNumber":"","incorporationDate":null,"placeOfIncorporation":null,"name":"Christian Vieri"}`},
		{name: "and an allowed change beside them", id: pageID, body: `{"name":"Christian Vieri","mobile":"0400000000"}`, changed: map[string]string{"mobile": `"0400000000"`}},
	})
}

// enumValues is a schema's enumeration as invalid-enum-value lists it: without null, which a
// nullable enumeration lists (OpenAPI 3.0.3) but which is "not recorded", not a value.
func enumValues(schema string) string {
	var out []string
	for _, v := range doc.Components.Schemas[schema].Value.Enum {
		if v != nil {
			out = append(out, fmt.Sprint(v))
		}
	}
	return strings.Join(out, "/")
}

// TestEnumerations: sex and birthState take exactly the spec's values (Foreign included), null
// clears them.
func TestEnumerations(t *testing.T) {
	t.Parallel()
	sex := map[string]string{"field": "sex", "allowedValues": enumValues("Sex")}
	state := map[string]string{"field": "birthState", "allowedValues": enumValues("BirthState")}
	cases := []updateCase{
		{name: "sex Male", id: otherPersonID, body: `{"sex":"Male"}`, changed: map[string]string{"sex": `"Male"`}},
		{name: "sex null", id: otherPersonID, body: `{"sex":null}`, changed: map[string]string{"sex": "null"}},
		{name: "sex in lower case", id: otherPersonID, body: `{"sex":"male"}`, entry: "invalid-enum-value", args: sex, field: "sex"},
		{name: "sex as a number", id: otherPersonID, body: `{"sex":1}`, entry: "invalid-enum-value", args: sex, field: "sex"},
		{name: "birthState spelt out", id: otherPersonID, body: `{"birthState":"Victoria"}`, entry: "invalid-enum-value", args: state, field: "birthState"},
		{name: "contactType not a type", id: pageID, body: `{"contactType":"Person"}`, entry: "invalid-enum-value",
			args: map[string]string{"field": "contactType", "allowedValues": enumValues("ContactType")}, field: "contactType"},
	}
	for _, v := range doc.Components.Schemas["BirthState"].Value.Enum {
		if v == nil {
			continue // null clears, as its own case above shows
		}
		cases = append(cases, updateCase{name: fmt.Sprint("birthState ", v), id: pageID, body: fmt.Sprintf(`{"birthState":%q}`, v), changed: map[string]string{"birthState": fmt.Sprintf("%q", v)}})
	}
	runUpdates(t, cases)
}

// TestDatesAreRealCalendarDates: the example's form, YYYY-MM-DD, and a day that exists.
func TestDatesAreRealCalendarDates(t *testing.T) {
	t.Parallel()
	var cases []updateCase
	for _, ok := range []string{"2000-02-29", "1978-12-31", "0001-01-01"} {
		cases = append(cases, updateCase{name: ok, id: otherPersonID, body: fmt.Sprintf(`{"birthday":%q}`, ok), changed: map[string]string{"birthday": fmt.Sprintf("%q", ok)}})
	}
	for _, bad := range []string{"2001-02-29", "2001-02-30", "2001-13-01", "2001-8-1", "20010801", "2001-08-01T00:00:00Z", "01/08/2001", ""} {
		cases = append(cases, updateCase{name: "birthday " + bad, id: otherPersonID, body: fmt.Sprintf(`{"birthday":%q}`, bad),
			entry: "invalid-date", args: map[string]string{"field": "birthday"}, field: "birthday"})
	}
	cases = append(cases,
		updateCase{name: "incorporationDate on a Company", id: companyID, body: `{"incorporationDate":"2010-06-30"}`, changed: map[string]string{"incorporationDate": `"2010-06-30"`}},
		updateCase{name: "incorporationDate 2010-06-31", id: companyID, body: `{"incorporationDate":"2010-06-31"}`,
			entry: "invalid-date", args: map[string]string{"field": "incorporationDate"}, field: "incorporationDate"},
		// The body's form is judged before the contact's type: a bad date on a People contact
		// is a 400 even though the field is Company-only.
		updateCase{name: "a bad date comes before the type rule", id: pageID, body: `{"incorporationDate":"soon"}`,
			entry: "invalid-date", args: map[string]string{"field": "incorporationDate"}, field: "incorporationDate"},
	)
	runUpdates(t, cases)
}

// TestCountriesAreISO3166CodesOrNames: alpha-2, alpha-3 or the English name, in any case, stored as
// sent.
func TestCountriesAreISO3166CodesOrNames(t *testing.T) {
	t.Parallel()
	var cases []updateCase
	for _, ok := range []string{"AU", "AUS", "au", "Australia", "AUSTRALIA", "New Zealand", "GBR"} {
		cases = append(cases, updateCase{name: ok, id: otherPersonID, body: fmt.Sprintf(`{"birthCountry":%q}`, ok), changed: map[string]string{"birthCountry": fmt.Sprintf("%q", ok)}})
	}
	for _, bad := range []string{"Atlantis", "EU", "XA", "A", ""} {
		cases = append(cases, updateCase{name: "birthCountry " + bad, id: otherPersonID, body: fmt.Sprintf(`{"birthCountry":%q}`, bad),
			entry: "invalid-country", args: map[string]string{"field": "birthCountry"}, field: "birthCountry"})
	}
	cases = append(cases,
		updateCase{name: "placeOfIncorporation NZ", id: companyID, body: `{"placeOfIncorporation":"NZ"}`, changed: map[string]string{"placeOfIncorporation": `"NZ"`}},
		updateCase{name: "placeOfIncorporation Narnia", id: companyID, body: `{"placeOfIncorporation":"Narnia"}`,
			entry: "invalid-country", args: map[string]string{"field": "placeOfIncorporation"}, field: "placeOfIncorporation"},
	)
	runUpdates(t, cases)
}

// TestAddressMustExist: a People contact may move to an existing address or drop it; an unknown id
// is refused, after the contact-type rules.
func TestAddressMustExist(t *testing.T) {
	t.Parallel()
	unknown := map[string]string{"addressId": "999"}
	e, a, f := notAllowed("addressId", "Company")
	runUpdates(t, []updateCase{
		{name: "move", id: pageID, body: `{"addressId":1675074}`, changed: map[string]string{"addressId": "1675074"}},
		{name: "drop", id: pageID, body: `{"addressId":null}`, changed: map[string]string{"addressId": "null"}},
		{name: "unknown", id: pageID, body: `{"addressId":999}`, entry: "unknown-address-id", args: unknown, field: "addressId"},
		{name: "a contact id is no address", id: pageID, body: `{"addressId":1941877}`, entry: "unknown-address-id", args: map[string]string{"addressId": "1941877"}, field: "addressId"},
		{name: "on a Company the type rule answers first", id: companyID, body: `{"addressId":999}`, entry: e, args: a, field: f},
		{name: "null on a Company is a no-op", id: companyID, body: `{"addressId":null}`},
	})
}

// TestUnknownContact: any id no contact has, as the path writes it.
func TestUnknownContact(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, id := range []string{"1", "0", "-5", "abc", "99999999999999999999", "1.5"} {
		h.run(t, id, func(t *testing.T) {
			checkError(t, h.patch(id, `{"mobile":"0400000000"}`), "contact-not-found", map[string]string{"contactId": id}, "")
		})
	}
}

// TestAuthentication: the bearer token, and nothing else, opens the API; 401 comes before any other
// answer about the request, and never repeats what was sent.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct {
		name, auth string
		ok         bool
	}{
		{"the token", "Bearer test", true},
		{"scheme in any case", "bearer test", true},
		{"no header", "", false},
		{"wrong token", "Bearer wrong-token", false},
		{"token without scheme", "test", false},
		{"basic credentials", "Basic dGVzdDp0ZXN0", false},
		{"scheme without token", "Bearer", false},
		{"extra space", "Bearer  test", false},
		{"token with a suffix", "Bearer test2", false},
	} {
		h.run(t, tc.name, func(t *testing.T) {
			header := map[string]string{"Content-Type": "application/json"}
			if tc.auth != "" {
				header["Authorization"] = tc.auth
			}
			got := h.send(request{method: http.MethodPatch, path: "/contacts/1941877", header: header, body: `{}`})
			if tc.ok {
				checkContact(t, got, pageContact(t))
				return
			}
			checkError(t, got, "unauthorized", nil, "")
			if tc.auth != "" && strings.Contains(string(got.body), tc.auth) {
				t.Errorf("the answer repeats the credential: %s", got.body)
			}
		})
	}
}

// TestMediaType: the body must be sent as application/json; parameters and case do not matter.
func TestMediaType(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct {
		contentType string
		ok          bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"APPLICATION/JSON", true},
		{"", false},
		{"text/plain", false},
		{"application/xml", false},
		{"application/x-www-form-urlencoded", false},
		{"application/json-patch+json", false},
	} {
		h.run(t, tc.contentType, func(t *testing.T) {
			header := map[string]string{"Authorization": "Bearer " + token}
			if tc.contentType != "" {
				header["Content-Type"] = tc.contentType
			}
			got := h.send(request{method: http.MethodPatch, path: "/contacts/1941877", header: header, body: `{"mobile":"0400000000"}`})
			if tc.ok {
				checkContact(t, got, withChanges(t, pageContact(t), map[string]string{"mobile": `"0400000000"`}))
				return
			}
			checkError(t, got, "unsupported-media-type", nil, "")
		})
	}
}

// TestMalformedBody: anything that is not one JSON object, in UTF-8, within the size cap.
func TestMalformedBody(t *testing.T) {
	t.Parallel()
	huge := `{"mobile":"` + strings.Repeat("1", 1<<20) + `"}`
	h := newHarness(t)
	for name, body := range map[string]string{
		"empty": "", "white space": "  \n", "cut": `{"firstName":`, "array": `[]`, "null": `null`, "string": `"x"`,
		"number": `1`, "trailing data": `{} x`, "two objects": `{"a":1}{"b":2}`, "byte order mark": "\ufeff{}",
		"no-break space before": "\u00a0{}", "invalid UTF-8": "{\"mobile\":\"\xff\"}", "over 1 MiB": huge,
		"single quotes": `{'mobile':'1'}`, "Ruby hash": string(golden(t, "update-contact-request.page.rb")),
	} {
		h.run(t, name, func(t *testing.T) {
			checkError(t, h.patch("1941877", body), "malformed-body", nil, "")
		})
	}
}

// TestUnknownPropertiesAreIgnored: keys the spec does not declare change nothing and are not
// refused (the probe of place-of-incorporation-spelling asks the vendor the same); keys match
// exactly, so a differently cased name is unknown too.
func TestUnknownPropertiesAreIgnored(t *testing.T) {
	t.Parallel()
	runUpdates(t, []updateCase{
		{name: "the table's misspelling", id: companyID, body: `{"placeOfIncorportaion":"NZ"}`},
		{name: "another case", id: pageID, body: `{"FIRSTNAME":"X","FirstName":5}`},
		{name: "anything", id: pageID, body: `{"nickname":{"a":[1,2]},"mobile":"0400000000"}`, changed: map[string]string{"mobile": `"0400000000"`}},
	})
}

// TestUnknownRoutesAndMethods: every other path or method is Rails' "No route matches", even
// without a token.
func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct{ method, path string }{
		// GET is the assumed read (getContact), so not among them.
		{http.MethodPut, "/contacts/1941877"},
		{http.MethodPost, "/contacts/1941877"},
		{http.MethodDelete, "/contacts/1941877"},
		{http.MethodPatch, "/contacts"},
		{http.MethodPatch, "/contacts/"},
		{http.MethodPatch, "/contacts/1941877/name"},
		{http.MethodPatch, "/people/1941877"},
		{http.MethodGet, "/"},
	} {
		h.run(t, tc.method+" "+tc.path, func(t *testing.T) {
			got := h.send(request{method: tc.method, path: tc.path, header: map[string]string{}, body: `{}`})
			checkError(t, got, "route-not-found", map[string]string{"method": tc.method, "path": tc.path}, "")
		})
	}
}

// TestQueryIsIgnored: the operation has no query parameters; one sent anyway changes nothing,
// even one that is not UTF-8 (which the pipeline refuses before the handler, and the mock then
// judges without it).
func TestQueryIsIgnored(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, query := range []string{"?x=1", "?contactId=2&id=3", "?x=\xff"} {
		h.run(t, query, func(t *testing.T) {
			got := h.send(request{method: http.MethodPatch, path: "/contacts/1941877" + query, body: `{"mobile":"0400000000"}`})
			checkContact(t, got, withChanges(t, pageContact(t), map[string]string{"mobile": `"0400000000"`}))
			checkError(t, h.send(request{method: http.MethodPatch, path: "/contacts/1941877" + query, body: `{"sex":"x"}`}),
				"invalid-enum-value", map[string]string{"field": "sex", "allowedValues": enumValues("Sex")}, "sex")
		})
	}
}
