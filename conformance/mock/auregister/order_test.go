package auregister_test

import (
	"net/http"
	"strings"
	"testing"
)

// orderCase is a request with several faults and the one answer the spec's order gives it.
type orderCase struct {
	name  string
	req   request
	entry string
	args  map[string]string
	field string
}

func runOrder(t *testing.T, cases []orderCase) {
	t.Helper()
	h := newHarness(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			checkError(t, h.send(tc.req), tc.entry, tc.args, tc.field)
		})
	}
}

// TestOrderOfChecks follows updateContact's assumed order: authentication (401), media type (415),
// body syntax and schema (400), contact lookup (404), the contact's type (422: Joint Member, then
// id/contactType, then fields the type does not allow), last the address (400). Each case has a
// fault at its step and at every later one it can carry, so answering a later step fails it.
func TestOrderOfChecks(t *testing.T) {
	t.Parallel()
	auth := "Bearer " + token
	plain := map[string]string{"Authorization": auth, "Content-Type": "text/plain"}
	noToken := map[string]string{"Content-Type": "text/plain"}
	huge := `{"mobile":"` + strings.Repeat("1", 1<<20) + `"}`
	patch := func(path, body string) request { return request{method: http.MethodPatch, path: path, body: body} }
	runOrder(t, []orderCase{
		{"401 before 415, 400 and 404", request{method: http.MethodPatch, path: "/contacts/1", header: noToken, body: `{"sex":`}, "unauthorized", nil, ""},
		{"401 before the size cap", request{method: http.MethodPatch, path: "/contacts/1941877", header: noToken, body: huge}, "unauthorized", nil, ""},
		{"401 before invalid UTF-8", request{method: http.MethodPatch, path: "/contacts/1941877", header: map[string]string{}, body: "{\"mobile\":\"\xff\"}"}, "unauthorized", nil, ""},
		{"415 before 400 and 404", request{method: http.MethodPatch, path: "/contacts/abc", header: plain, body: `{"sex":`}, "unsupported-media-type", nil, ""},
		{"415 before the size cap", request{method: http.MethodPatch, path: "/contacts/1941877", header: plain, body: huge}, "unsupported-media-type", nil, ""},
		{"400 body before 404 contact", patch("/contacts/1", `{"sex":"x"}`), "invalid-enum-value",
			map[string]string{"field": "sex", "allowedValues": enumValues("Sex")}, "sex"},
		{"400 body before 404 for an id that is no integer", patch("/contacts/abc", `{"birthday":"2001-02-30"}`), "invalid-date",
			map[string]string{"field": "birthday"}, "birthday"},
		{"malformed body before 404 for an id that is no integer", patch("/contacts/abc", `[]`), "malformed-body", nil, ""},
		{"404 before the type rules", patch("/contacts/1", `{"id":2,"name":"x","addressId":999}`), "contact-not-found",
			map[string]string{"contactId": "1"}, ""},
		{"400 body before Joint Member", patch("/contacts/1941878", `{"sex":"x"}`), "invalid-enum-value",
			map[string]string{"field": "sex", "allowedValues": enumValues("Sex")}, "sex"},
		{"Joint Member before id and fields", patch("/contacts/1941878", `{"id":1,"firstName":"x","addressId":999}`), rules.Errors.NotUpdatable,
			map[string]string{"contactId": "1941878"}, ""},
		{"id before fields the type refuses", patch("/contacts/1941877", `{"name":"x","id":1}`), rules.Errors.MatchStored,
			map[string]string{"field": "id"}, "id"},
		{"type rule before the address", patch("/contacts/1941877", `{"name":"x","addressId":999}`), rules.Errors.NotAllowed,
			map[string]string{"field": "name", "contactType": "People"}, "name"},
		{"400 body before the address", patch("/contacts/1941877", `{"addressId":999,"title":5}`), "invalid-field-type",
			map[string]string{"field": "title", "expectedType": "string"}, "title"},
	})
}

// TestFirstOffendingFieldByWireName: within a step, the first field by wire name is named, compared
// byte by byte as the page's own JSON orders its keys (birthCountry, birthPlace, birthState,
// birthday). Some faults only the mock's own checks see (a date that does not exist, an
// integer past 2^53 written as a float): they still win when their field comes first, though
// kin-openapi reports only the later one.
func TestFirstOffendingFieldByWireName(t *testing.T) {
	t.Parallel()
	patch := func(path, body string) request { return request{method: http.MethodPatch, path: path, body: body} }
	typeOf := func(field, expected string) map[string]string {
		return map[string]string{"field": field, "expectedType": expected}
	}
	runOrder(t, []orderCase{
		{"type errors", patch("/contacts/1941877", `{"title":5,"addressId":"x"}`), "invalid-field-type", typeOf("addressId", "integer"), "addressId"},
		{"different 400 entries", patch("/contacts/1941877", `{"sex":"x","birthday":"bad"}`), "invalid-date", map[string]string{"field": "birthday"}, "birthday"},
		{"upper case sorts first", patch("/contacts/1941877", `{"birthday":"bad","birthState":"X"}`), "invalid-enum-value",
			map[string]string{"field": "birthState", "allowedValues": enumValues("BirthState")}, "birthState"},
		{"a date only the mock refuses", patch("/contacts/1941877", `{"sex":"x","birthday":"2001-02-30"}`), "invalid-date", map[string]string{"field": "birthday"}, "birthday"},
		{"an integer only the mock refuses", patch("/contacts/1941877", `{"sex":"x","addressId":1e16}`), "invalid-field-type", typeOf("addressId", "integer"), "addressId"},
		{"array items", patch("/contacts/1941877", `{"representativeIds":[1,"2"],"title":5}`), "invalid-field-type", typeOf("representativeIds", "array of integers"), "representativeIds"},
		{"null where a value is required", patch("/contacts/1941877", `{"id":null,"title":5}`), "invalid-field-type", typeOf("id", "integer"), "id"},
		{"fields a Company refuses", patch("/contacts/1941879", `{"sex":"Male","firstName":"A","birthPlace":"X"}`), rules.Errors.NotAllowed,
			map[string]string{"field": "birthPlace", "contactType": "Company"}, "birthPlace"},
		{"fields People refuse", patch("/contacts/1941877", `{"placeOfIncorporation":"NZ","businessNumber":"1"}`), rules.Errors.NotAllowed,
			map[string]string{"field": "businessNumber", "contactType": "People"}, "businessNumber"},
	})
}
