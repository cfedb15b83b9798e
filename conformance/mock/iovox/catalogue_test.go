package iovox_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/specs"
)

// catalogueRow triggers one catalogue entry: raw, and through the typed client where the client can
// send that request at all.
type catalogueRow struct {
	id   string
	raw  rawRequest
	want []want
	// client sends the same failure through gen/iovox's ContactsClient; nil when the client cannot
	// send it (the reason is in a comment on the row).
	client func(h *harness) error
	faults bool // the documented 500 needs fault injection
}

// parseErrorDetail is the parser's own text for body (the {detail} of xml-parse-error): the test
// types the position it expects, not the parser's wording.
func parseErrorDetail(t testing.TB, body string) string {
	t.Helper()
	_, err := contract.ParseXML(strings.NewReader(body))
	se, ok := err.(*contract.XMLSyntaxError)
	if !ok {
		t.Fatalf("%q: %v, want a syntax error", body, err)
	}
	return se.Msg
}

func catalogueRows(t testing.TB) []catalogueRow {
	send := func(p api.UpdateContactsPayload) func(h *harness) error {
		return func(h *harness) error { return h.update(p) }
	}
	one := func(c api.Contact) api.UpdateContactsPayload {
		return api.UpdateContactsPayload{Contact: []api.Contact{c}}
	}
	// The page's own unclosed example: the second <contact> is closed by </request>.
	unclosed := "<request>\n  <contact>\n  <contact>\n</request>"
	return []catalogueRow{
		{
			id:   "route-not-found",
			raw:  rawRequest{method: http.MethodGet, target: "/Contact" + query, header: authHeader("")},
			want: []want{w("route-not-found")},
			// A client configured with a base URL one level too deep calls /iovox/v3/Contacts.
			client: func(h *harness) error {
				return h.client(testCreds, h.srv.URL+"/iovox/v3/").UpdateContacts(context.Background(), pageExample(t))
			},
		},
		{
			id:   "authentication-failed",
			raw:  rawRequest{method: http.MethodPut, target: "/Contacts" + query, header: http.Header{"username": {"test"}, "secureKey": {"wrong"}, "Content-Type": {"application/xml"}}, body: string(pageExampleBody(t))},
			want: []want{w("authentication-failed")},
			client: func(h *harness) error {
				return h.client(api.Credentials{Username: "test", SecureKey: apiclient.NewSecret("wrong")}, "").UpdateContacts(context.Background(), pageExample(t))
			},
		},
		// The client always sends v=3 and method=updateContacts: the next three are raw only.
		{id: "api-version-empty", raw: rawRequest{target: "/Contacts?method=updateContacts", header: authHeader("application/xml"), body: request(contact(el("contact_id", "333")))}, want: []want{w("api-version-empty")}},
		{id: "api-version-invalid", raw: rawRequest{target: "/Contacts?v=2&method=updateContacts", header: authHeader("application/xml"), body: request(contact(el("contact_id", "333")))}, want: []want{w("api-version-invalid")}},
		{id: "method-invalid", raw: rawRequest{target: "/Contacts?v=3&method=getContacts", header: authHeader("application/xml"), body: request(contact(el("contact_id", "333")))}, want: []want{w("method-invalid")}},
		// The client always PUTs.
		{
			id:   "request-method-not-put",
			raw:  rawRequest{method: http.MethodPost, target: "/Contacts" + query, header: authHeader("application/xml"), body: request(contact(el("contact_id", "333")))},
			want: []want{w("request-method-not-put", "method", "POST")},
		},
		// getContactDetails (assumed): the client always sends GET.
		{
			id:   "request-method-not-get",
			raw:  rawRequest{method: http.MethodPut, target: "/Contacts?v=3&method=getContactDetails&contact_id=333", header: authHeader("application/xml"), body: request(contact(el("contact_id", "333")))},
			want: []want{w("request-method-not-get", "method", "PUT")},
		},
		{
			id:   "contact-details-id-empty",
			raw:  rawRequest{method: http.MethodGet, target: "/Contacts?v=3&method=getContactDetails&contact_id=", header: authHeader("")},
			want: []want{w("contact-details-id-empty")},
			client: func(h *harness) error {
				_, err := h.client(testCreds, "").GetContactDetails(context.Background(), "")
				return err
			},
		},
		{
			id:   "contact-details-not-found",
			raw:  rawRequest{method: http.MethodGet, target: "/Contacts?v=3&method=getContactDetails&contact_id=999", header: authHeader("")},
			want: []want{w("contact-details-not-found")},
			client: func(h *harness) error {
				_, err := h.client(testCreds, "").GetContactDetails(context.Background(), "999")
				return err
			},
		},
		// The client always encodes a payload: no empty body, no malformed XML.
		{id: "xml-empty", raw: put(""), want: []want{w("xml-empty")}},
		{id: "xml-parse-error", raw: put(unclosed), want: []want{w("xml-parse-error", "detail", parseErrorDetail(t, unclosed), "line", "4", "column", "10")}},
		{
			id:     "request-empty",
			raw:    put(request(el("rm_rules", "TRUE"))),
			want:   []want{w("request-empty")},
			client: send(api.UpdateContactsPayload{RmRules: ptr(api.FlagTRUE)}),
		},
		{
			id:     "contact-id-empty",
			raw:    put(request(contact(el("contact_id", "333")), contact(el("contact_id", ""), el("notes", "x")))),
			want:   []want{at("contact-id-empty", "2", "2")},
			client: send(api.UpdateContactsPayload{Contact: []api.Contact{{ContactID: "333"}, {ContactID: "", Notes: ptr("x")}}}),
		},
		{
			id:     "contact-id-not-found",
			raw:    put(request(contact(el("contact_id", "333")), contact(el("contact_id", "999")))),
			want:   []want{at("contact-id-not-found", "2", "2")},
			client: send(api.UpdateContactsPayload{Contact: []api.Contact{{ContactID: "333"}, {ContactID: "999"}}}),
		},
		{
			id:     "contact-id-duplicate",
			raw:    put(request(contact(el("contact_id", "333")), contact(el("contact_id", "333")))),
			want:   []want{w("contact-id-duplicate")},
			client: send(api.UpdateContactsPayload{Contact: []api.Contact{{ContactID: "333"}, {ContactID: "333"}}}),
		},
		{
			id:     "display-name-empty",
			raw:    put(request(contact(el("contact_id", "333"), "<display_name/>"))),
			want:   []want{at("display-name-empty", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", DisplayName: ptr("")})),
		},
		{
			// A trunk 0: national format, not international.
			id:     "home-phone-not-internationalised",
			raw:    put(request(contact(el("contact_id", "333"), el("home_phone", "07700900123")))),
			want:   []want{at("home-phone-not-internationalised", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", HomePhone: []string{"07700900123"}})),
		},
		{
			// A leading +: the page wants digits only.
			id:     "business-phone-not-internationalised",
			raw:    put(request(contact(el("contact_id", "333"), el("business_phone", "+442079460000")))),
			want:   []want{at("business-phone-not-internationalised", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", BusinessPhone: []string{"+442079460000"}})),
		},
		{
			// Spaces.
			id:     "business-fax-not-internationalised",
			raw:    put(request(contact(el("contact_id", "333"), el("business_fax", "44 20 7946 0000")))),
			want:   []want{at("business-fax-not-internationalised", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", BusinessFax: []string{"44 20 7946 0000"}})),
		},
		{
			// The second of two numbers is bad (national format, trunk 0 first); one error for the
			// contact, whose position it names.
			id:     "mobile-phone-not-internationalised",
			raw:    put(request(contact(el("contact_id", "333"), el("mobile_phone", "447700900100"), el("mobile_phone", "07700900100")))),
			want:   []want{at("mobile-phone-not-internationalised", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", MobilePhone: []string{"447700900100", "07700900100"}})),
		},
		{
			id:     "first-name-invalid",
			raw:    put(request(contact(el("contact_id", "333"), el("first_name", "J0hn")))),
			want:   []want{at("first-name-invalid", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", FirstName: ptr("J0hn")})),
		},
		{
			// Literal "only alphabetic characters": a hyphen is refused (the spec's x-assumed).
			id:     "last-name-invalid",
			raw:    put(request(contact(el("contact_id", "333"), el("last_name", "Smith-Jones")))),
			want:   []want{at("last-name-invalid", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", LastName: ptr("Smith-Jones")})),
		},
		{
			// 444 is "Jane Doe" with mobile 447700900123 in the fixtures.
			id:     "display-name-phone-exists",
			raw:    put(request(contact(el("contact_id", "333"), el("display_name", "Jane Doe"), el("mobile_phone", "447700900123")))),
			want:   []want{at("display-name-phone-exists", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", DisplayName: ptr("Jane Doe"), MobilePhone: []string{"447700900123"}})),
		},
		{
			id: "display-name-phone-duplicated",
			raw: put(request(
				contact(el("contact_id", "333"), el("display_name", "Twin"), el("mobile_phone", "447700900999")),
				contact(el("contact_id", "666"), el("display_name", "Twin"), el("business_phone", "447700900999")))),
			want: []want{w("display-name-phone-duplicated")},
			client: send(api.UpdateContactsPayload{Contact: []api.Contact{
				{ContactID: "333", DisplayName: ptr("Twin"), MobilePhone: []string{"447700900999"}},
				{ContactID: "666", DisplayName: ptr("Twin"), BusinessPhone: []string{"447700900999"}},
			}}),
		},
		{
			id:     "home-country-invalid",
			raw:    put(request(contact(el("contact_id", "333"), el("home_country", "Narnia")))),
			want:   []want{at("home-country-invalid", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", HomeCountry: ptr("Narnia")})),
		},
		{
			// An ISO code is not a country name; work_country answers as business_country.
			id:     "business-country-invalid",
			raw:    put(request(contact(el("contact_id", "333"), el("work_country", "GB")))),
			want:   []want{at("business-country-invalid", "1", "1")},
			client: send(one(api.Contact{ContactID: "333", WorkCountry: ptr("GB")})),
		},
		{
			// 555's mobile_phone is used by the rule template forward-to-rule-bound-mobile. The
			// client cannot send an empty phone element (encoding/xml applies the slice's
			// omitempty to each item), so it empties 555's email, which notify-rule-bound uses.
			id:     "empty-fields-used-in-rules",
			raw:    put(request(el("rm_rules", "FALSE"), contact(el("contact_id", "555"), el("mobile_phone", "")))),
			want:   []want{at("empty-fields-used-in-rules", "1", "1")},
			client: send(api.UpdateContactsPayload{RmRules: ptr(api.FlagFALSE), Contact: []api.Contact{{ContactID: "555", Email: ptr("")}}}),
		},
		{
			id:     "internal-server-error",
			raw:    put(string(pageExampleBody(t))),
			want:   []want{w("internal-server-error")},
			client: func(h *harness) error { return h.update(pageExample(t)) },
			faults: true,
		},
	}
}

// Every catalogue entry is triggered by a row, raw and (where the client can send it) through the
// typed client; the answer's status, media type and exact body are the entry rendered.
func TestCatalogueEntries(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	for _, row := range catalogueRows(t) {
		t.Run(row.id, func(t *testing.T) {
			h := shared.sub(t)
			if row.faults {
				h = newHarness(t, mock.Options{Faults: map[string]mock.Faults{specs.Iovox: {ErrorRate: 1}}})
			}
			before := h.state()
			expectErrors(t, h.send(row.raw), row.want...)
			if row.client != nil {
				expectClientErrors(t, row.client(h), row.want...)
			}
			if after := h.state(); !equalJSON(before, after) {
				t.Errorf("a refused request changed the store")
			}
		})
	}
}

// A catalogue entry that no test triggers fails the build.
func TestEveryCatalogueEntryHasARow(t *testing.T) {
	rows := map[string]bool{}
	for _, row := range catalogueRows(t) {
		if len(row.want) == 0 || row.want[0].id != row.id {
			t.Errorf("row %q does not expect its own entry first: %v", row.id, row.want)
		}
		rows[row.id] = true
	}
	for _, e := range catalogue {
		if !rows[e.ID] {
			t.Errorf("catalogue entry %q has no test row", e.ID)
		}
	}
}
