package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/framework"
	"github.com/contactapis/contactapis/conformance/mock"
	mockiovox "github.com/contactapis/contactapis/conformance/mock/iovox"
	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// iovox: updateContacts (PUT /Contacts?v=3&method=updateContacts), page iovox-updateContacts.txt.
//
// Which specs run where:
//   - live-safe: requests that cannot write on a live account (bad query, credentials, body, or
//     contacts that do not exist), answer checked only;
//   - mutating: requests on the fixture contact (CONTACTAPIS_IOVOX_CONTACT_ID live, 333 on mocks);
//   - mock-only: effects checked through the mock's State and Events, and everything that needs
//     the mock's other fixtures (conformance/mock/iovox/fixtures.json: 444 to clash with, 555 with
//     rule templates and links, 666 and 777 for batches). Those records are found in State, not
//     named here, wherever the spec only needs "a contact with ...".

const (
	iovoxPage = "iovox-updateContacts.txt"
	iovoxOp   = "updateContacts"
	// iovoxRead is the read the suite checks updates through (assumed after public clients).
	iovoxRead = "getContactDetails"
	// iovoxUnknownID is a contact_id no account holds: a payload naming only it can write nothing,
	// which is what makes the specs that send it live-safe.
	iovoxUnknownID = "contactapis-conformance-no-such-contact"
)

// The page's rules that no catalogue entry, status or example names.
var (
	iovoxRuleReplaceTrue = framework.RegisterRule(specs.Iovox, "replace-details-true-replaces",
		iovoxPage+`: Payload Description, row "contact > replace_details"`,
		"replace_details TRUE: the values sent for a repeated detail become its whole stored list")
	iovoxRuleReplaceFalse = framework.RegisterRule(specs.Iovox, "replace-details-false-adds",
		iovoxPage+`: Payload Description, row "contact > replace_details" (FALSE, the default)`,
		"replace_details FALSE or absent: the values sent are added to the stored list (the spec's reading, x-assumed)")
	iovoxRuleRmRulesTrue = framework.RegisterRule(specs.Iovox, "rm-rules-true-removes-rules",
		iovoxPage+`: Payload Description, row "contact > rm_rules" (TRUE)`,
		"rm_rules TRUE: a custom rule template using an emptied detail is deleted and taken off every link; a link whose variable rule the detail fixes has that template detached")
	iovoxRuleRmRulesFalse = framework.RegisterRule(specs.Iovox, "rm-rules-false-refuses",
		iovoxPage+`: Payload Description, row "contact > rm_rules" (FALSE, the default); Error Result, row "Contact x of y has empty fields that are used in Rules or Rule Templates"`,
		"rm_rules FALSE or absent: emptying a detail used by rules is refused with empty-fields-used-in-rules and nothing changes")
	iovoxRuleRename = framework.RegisterRule(specs.Iovox, "new-contact-id-renames",
		iovoxPage+`: Payload Description, row "contact > new_contact_id"`,
		"new_contact_id gives the contact a new id; its details stay with it")
	iovoxRuleEmptyClears = framework.RegisterRule(specs.Iovox, "empty-element-clears",
		iovoxPage+`: Payload Description, row "contact > rm_rules" (empty details); spec x-doc-discrepancy empty-detail-clears`,
		"an element sent empty clears that detail of the contact")
	iovoxRuleOmittedKept = framework.RegisterRule(specs.Iovox, "omitted-elements-kept",
		iovoxPage+`: Payload Description (every element but contact_id is optional); spec Contact x-assumed`,
		"elements left out of a contact keep their stored value (x-assumed)")
	iovoxRuleCountryGuess = framework.RegisterRule(specs.Iovox, "country-guessed-from-phone",
		iovoxPage+`: Payload Description, rows "contact > home_country" and "contact > business_country"`,
		"a home (business) country left out next to a home (business) phone is guessed from the number's calling code and stored")
	iovoxRuleAllOrNothing = framework.RegisterRule(specs.Iovox, "batch-all-or-nothing",
		iovoxPage+`: Error Result (errors name contacts "x of y"); spec updateContacts x-assumed`,
		"a payload with any failing contact changes nothing (x-assumed)")
	iovoxRulePositions = framework.RegisterRule(specs.Iovox, "errors-listed-with-positions",
		iovoxPage+`: Error Result, the rows with "x of y"; shared/vendor-docs/README.md (several errors in one body)`,
		"every error of a payload is listed, one <error> each, naming its contact by 1-based position x of the payload's y contacts")
	iovoxRuleOnlyThePayload = framework.RegisterRule(specs.Iovox, "only-the-xml-payload",
		iovoxPage+`: Payload ("The following XML payload must be sent"); spec requestBody (application/xml, UpdateContactsPayload)`,
		"a body that is not the page's XML payload never gets a 5xx and changes nothing; one the spec's schema or media type refuses gets a 4xx in the vendor's error format")
	iovoxRuleAnyLabel = framework.RegisterRule(specs.Iovox, "payload-read-whatever-label",
		`spec updateContacts requestBody: x-body-media-type, x-evidence (Yproximite/IovoxBundle src/Client.php; Effilab/iovox lib/iovox/middleware/xml_request.rb)`,
		"the XML payload is applied whatever the request's Content-Type says, or when it has none, as public clients send it (x-assumed)")
	iovoxRuleClientXML = framework.RegisterRule(specs.Iovox, "client-xml-forms-accepted",
		`spec UpdateContactsPayload and Contact: x-evidence (Yproximite/IovoxBundle, Effilab/iovox); updateContacts x-evidence (output=XML)`,
		"what public clients write is the same payload: flags after the contacts, CDATA and character references, an output query parameter, elements the page does not name (x-assumed)")
	iovoxRuleNamePhoneUnique = framework.RegisterRule(specs.Iovox, "display-name-phone-unique",
		iovoxPage+`: Payload Description, row "contact > display_name"; Error Result, rows "Display Name and Phone Number Combination ..."`,
		"a display name with any of the contact's numbers is unique: a clash with another stored contact already exists, one between contacts of the payload is duplicated, a contact keeping its own is no clash")
)

var _ = Describe("iovox", func() {
	v := framework.NewVendor(specs.Iovox)
	// cid is the contact mutating specs may change: the user's record live, the page's 333 on mocks.
	var cid string
	BeforeEach(func(ctx SpecContext) {
		cid = v.Fixture("CONTACT_ID", "333")
		// A mutating spec on a target whose state outlives the run (a url target, live) leaves
		// the named contact as it found it, also when it fails: the embedded mocks are thrown away.
		if v.Target() != framework.Embedded && v.MayMutate() && slices.Contains(CurrentSpecReport().Labels(), string(framework.Mutating)) {
			iovoxRestoreAfter(ctx, v, cid)
		}
	})

	Describe("the page's example and success", func() {
		v.ConformanceIt(framework.Spec{
			Must:      "MUST accept the page's example payload and answer 204 No Content with no body",
			Operation: iovoxOp,
			Covers:    []string{framework.ExampleID(iovoxOp, "page"), framework.StatusID(iovoxOp, http.StatusNoContent)},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			p := iovoxExample(v, cid)
			iovoxRenameBackAfter(v, p)
			resp, body := iovoxPut(ctx, v, p)
			Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "status")
			Expect(body).To(BeEmpty(), "body")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST store every detail of the page's example under the new contact id",
			Operation: iovoxOp,
			Covers:    []string{framework.ExampleID(iovoxOp, "page"), iovoxRuleRename},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			p := iovoxExample(v, cid)
			iovoxRenameBackAfter(v, p)
			Expect(v.Iovox().UpdateContacts(ctx, p)).To(Succeed())

			iovoxGone(ctx, v, cid)
			got := asJSONObject(iovoxStored(ctx, v, *p.Contact[0].NewContactID))
			for element, want := range iovoxExampleContact(v) {
				switch element {
				case "contact_id", "new_contact_id":
					continue
				case "work_country":
					// The spec reads work_country as the business country (x-doc-discrepancy
					// country-element-names).
					element = "business_country"
				}
				Expect(got).To(HaveKeyWithValue(element, want), "stored %s", element)
			}
		})
	})

	Describe("errors a payload triggers", func() {
		// Each row sends one payload whose first contact is at fault and expects exactly one error,
		// rendered from the catalogue ("1 of y" where the entry names a position). Rows on contacts
		// that do not exist are live-safe; rows on the fixture contact could write if the vendor
		// accepted them, so they are mutating.
		type row struct {
			entry, when string
			labels      []framework.Label
			covers      []string
			payload     func(ctx context.Context) iovox.UpdateContactsPayload
		}
		invalid := []framework.Label{framework.Negative, framework.Mutating}
		single := func(c iovox.Contact) iovox.UpdateContactsPayload {
			return iovox.UpdateContactsPayload{Contact: []iovox.Contact{c}}
		}
		rows := []row{
			{entry: "contact-id-empty", when: "a contact's contact_id is empty", labels: []framework.Label{framework.Negative, framework.LiveSafe},
				payload: func(context.Context) iovox.UpdateContactsPayload { return single(iovox.Contact{ContactID: ""}) }},
			{entry: "contact-id-not-found", when: "a contact_id names no contact", labels: []framework.Label{framework.LiveSafe},
				covers:  []string{framework.StatusID(iovoxOp, http.StatusBadRequest)},
				payload: func(context.Context) iovox.UpdateContactsPayload { return iovoxUnknownPayload() }},
			{entry: "contact-id-duplicate", when: "a payload names one contact_id twice", labels: []framework.Label{framework.Mutating},
				payload: func(context.Context) iovox.UpdateContactsPayload {
					return iovox.UpdateContactsPayload{Contact: []iovox.Contact{{ContactID: cid}, {ContactID: cid}}}
				}},
			{entry: "display-name-empty", when: "display_name is sent empty", labels: invalid,
				payload: func(context.Context) iovox.UpdateContactsPayload {
					return single(iovox.Contact{ContactID: cid, DisplayName: iovoxPtr("")})
				}},
			{entry: "first-name-invalid", when: "first_name holds a digit", labels: invalid,
				payload: func(context.Context) iovox.UpdateContactsPayload {
					return single(iovox.Contact{ContactID: cid, FirstName: iovoxPtr("J0hn")})
				}},
			{entry: "last-name-invalid", when: "last_name holds a digit", labels: invalid,
				payload: func(context.Context) iovox.UpdateContactsPayload {
					return single(iovox.Contact{ContactID: cid, LastName: iovoxPtr("Sm1th")})
				}},
			{entry: "home-country-invalid", when: "home_country is an ISO code rather than an English country name", labels: []framework.Label{framework.Mutating},
				payload: func(context.Context) iovox.UpdateContactsPayload {
					return single(iovox.Contact{ContactID: cid, HomeCountry: iovoxPtr("GB")})
				}},
			{entry: "business-country-invalid", when: "business_country is an ISO code rather than an English country name", labels: []framework.Label{framework.Mutating},
				payload: func(context.Context) iovox.UpdateContactsPayload {
					return single(iovox.Contact{ContactID: cid, BusinessCountry: iovoxPtr("GB")})
				}},
			// work_country answering business-country-invalid is the spec's assumption.
			{entry: "business-country-invalid", when: "work_country is an ISO code rather than an English country name", labels: []framework.Label{framework.Mutating, framework.Assumed},
				payload: func(context.Context) iovox.UpdateContactsPayload {
					return single(iovox.Contact{ContactID: cid, WorkCountry: iovoxPtr("GB")})
				}},
			{entry: "display-name-phone-exists", when: "a contact takes another stored contact's display name and phone number",
				labels: []framework.Label{framework.Mutating, framework.MockOnly}, covers: []string{iovoxRuleNamePhoneUnique},
				payload: func(ctx context.Context) iovox.UpdateContactsPayload {
					other := iovoxOthers(iovoxState(ctx, v), cid, 1)[0]
					return single(iovox.Contact{ContactID: cid, DisplayName: other.DisplayName, MobilePhone: []string{iovoxPhones(other)[0]}})
				}},
			{entry: "display-name-phone-duplicated", when: "two contacts of the payload take the same display name and phone number",
				labels: []framework.Label{framework.Mutating, framework.MockOnly}, covers: []string{iovoxRuleNamePhoneUnique},
				payload: func(ctx context.Context) iovox.UpdateContactsPayload {
					var p iovox.UpdateContactsPayload
					for _, c := range iovoxOthers(iovoxState(ctx, v), cid, 2) {
						p.Contact = append(p.Contact, iovox.Contact{ContactID: c.ContactID, DisplayName: iovoxPtr("Twin Contact"), MobilePhone: []string{"447700900999"}})
					}
					return p
				}},
		}
		// One row per phone kind: a national number with its trunk 0 is not internationalised.
		for _, kind := range []struct{ element, entry string }{
			{"mobile_phone", "mobile-phone-not-internationalised"},
			{"home_phone", "home-phone-not-internationalised"},
			{"business_phone", "business-phone-not-internationalised"},
			{"business_fax", "business-fax-not-internationalised"},
		} {
			rows = append(rows, row{entry: kind.entry, when: kind.element + " is a national number with its trunk 0", labels: invalid,
				payload: func(context.Context) iovox.UpdateContactsPayload {
					return single(iovoxSet(iovox.Contact{ContactID: cid}, kind.element, "07700900123"))
				}})
		}
		for _, r := range rows {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("MUST answer %s when %s", r.entry, r.when),
				Operation: iovoxOp,
				Covers:    append([]string{framework.CatalogueID(r.entry)}, r.covers...),
				Labels:    r.labels,
			}, func(ctx SpecContext) {
				p := r.payload(ctx)
				want := iovoxPlain(r.entry)
				if slices.Contains(v.Entry(r.entry).Placeholders(), "item") {
					want = iovoxAt(r.entry, 1, len(p.Contact))
				}
				resp, body := iovoxPut(ctx, v, p)
				iovoxExpectErrors(v, resp, body, want)
			})
		}
	})

	Describe("errors of the query, method, path and credentials", func() {
		type row struct {
			entry, when, query string
			labels             []framework.Label
		}
		version, method := strconv.Itoa(int(iovox.APIVersionV3)), string(iovox.MethodNameUpdateContacts)
		for _, r := range []row{
			{entry: "api-version-empty", when: "v is missing", query: "?method=" + method},
			{entry: "api-version-empty", when: "v is empty", query: "?v=&method=" + method},
			{entry: "api-version-invalid", when: "v names another version", query: "?v=4&method=" + method},
			{entry: "api-version-invalid", when: "v is not a number", query: "?v=three&method=" + method},
			// A v holding a byte that is not UTF-8 is no version number either, percent-encoded or
			// raw on the request line (as a client that does not encode its query sends it).
			{entry: "api-version-invalid", when: "v holds a percent-encoded byte that is not UTF-8", query: "?v=" + version + "%ff&method=" + method},
			{entry: "api-version-invalid", when: "v holds a raw byte that is not UTF-8", query: "?v=" + version + "\xff&method=" + method},
			// What the page leaves open and the spec decides (assumed): v sent twice is refused (x-mock
			// refuseRepeatedQuery).
			{entry: "api-version-invalid", when: "v is sent twice, the supported version both times (spec x-mock refuseRepeatedQuery)",
				query: "?v=" + version + "&v=" + version + "&method=" + method, labels: []framework.Label{framework.Assumed}},
			{entry: "method-invalid", when: "the method parameter is missing", query: "?v=" + version, labels: []framework.Label{framework.Assumed}},
			{entry: "method-invalid", when: "the method parameter names no method of the resource", query: "?v=" + version + "&method=updateContact",
				labels: []framework.Label{framework.Assumed}},
		} {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("MUST answer %s when %s", r.entry, r.when),
				Operation: iovoxOp,
				Covers:    []string{framework.CatalogueID(r.entry)},
				Labels:    append([]framework.Label{framework.Negative, framework.LiveSafe}, r.labels...),
			}, func(ctx SpecContext) {
				resp, body := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+r.query, iovoxMediaType(v), iovoxEncode(iovoxUnknownPayload()))
				iovoxExpectErrors(v, resp, body, iovoxPlain(r.entry))
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer api-version-invalid alone when v names another version and the body is not UTF-8 (spec x-mock errors.order: the query before the body, which is not read after a query error)",
			Operation: iovoxOp,
			Covers:    []string{framework.CatalogueID("api-version-invalid")},
			Labels:    []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			body := append(iovoxEncode(iovoxUnknownPayload()), []byte("<!-- \xff\xfe -->")...)
			resp, got := iovoxSend(ctx, v, http.MethodPut, "/Contacts?v=4&method="+method, iovoxMediaType(v), body)
			iovoxExpectErrors(v, resp, got, iovoxPlain("api-version-invalid"))
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer api-version-invalid to a valid payload whose query holds a raw byte that is not UTF-8 in a parameter the operation does not read, changing nothing (spec api-version-invalid when: malformed in query)",
			Operation: iovoxOp,
			Covers:    []string{framework.CatalogueID("api-version-invalid")},
			Labels:    []framework.Label{framework.Negative, framework.Mutating, framework.MockOnly, framework.Assumed},
		}, func(ctx SpecContext) {
			p := iovoxExample(v, v.Fixture("CONTACT_ID", "333"))
			iovoxExpectUnchanged(ctx, v, func() {
				resp, got := iovoxSend(ctx, v, http.MethodPut, "/Contacts?v="+version+"&method="+method+"&output=\xff", iovoxMediaType(v), iovoxEncode(p))
				iovoxExpectErrors(v, resp, got, iovoxPlain("api-version-invalid"))
			})
		})

		// HEAD is left out: its answer has no body, so there is no message to check.
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("MUST answer request-method-not-put naming %s when /Contacts is called with %s", m, m),
				Operation: iovoxOp,
				Covers:    []string{framework.CatalogueID("request-method-not-put"), framework.StatusID(iovoxOp, http.StatusBadRequest)},
				Labels:    []framework.Label{framework.Negative, framework.LiveSafe},
			}, func(ctx SpecContext) {
				var body []byte
				if m == http.MethodPost || m == http.MethodPatch {
					body = iovoxEncode(iovoxUnknownPayload())
				}
				resp, got := iovoxSend(ctx, v, m, "/Contacts"+iovoxQuery(), iovoxMediaType(v), body)
				iovoxExpectErrors(v, resp, got, iovoxWant{id: "request-method-not-put", args: map[string]string{"method": m}})
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:   "MUST answer route-not-found for a resource other than /Contacts",
			Covers: []string{framework.CatalogueID("route-not-found")},
			Labels: []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := iovoxSend(ctx, v, http.MethodPut, "/ContactsNowhere"+iovoxQuery(), iovoxMediaType(v), iovoxEncode(iovoxUnknownPayload()))
			iovoxExpectErrors(v, resp, body, iovoxPlain("route-not-found"))
		})

		type cred struct {
			when string
			edit func(r *http.Request)
		}
		for _, c := range []cred{
			{when: "without the username and secureKey headers", edit: func(r *http.Request) { r.Header.Del("username"); r.Header.Del("secureKey") }},
			{when: "with a wrong secureKey", edit: func(r *http.Request) { r.Header.Set("secureKey", "contactapis-wrong-key") }},
			{when: "with an unknown username", edit: func(r *http.Request) { r.Header.Set("username", "contactapis-unknown-user") }},
		} {
			v.ConformanceIt(framework.Spec{
				Must:      "MUST answer authentication-failed with 401 " + c.when,
				Operation: iovoxOp,
				Covers:    []string{framework.CatalogueID("authentication-failed"), framework.StatusID(iovoxOp, http.StatusUnauthorized)},
				Labels:    []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
			}, func(ctx SpecContext) {
				r := v.NewRequest(ctx, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), iovoxEncode(iovoxUnknownPayload()))
				v.Authorize(ctx, r)
				c.edit(r)
				resp, body := v.Do(r)
				iovoxExpectErrors(v, resp, body, iovoxPlain("authentication-failed"))
			})
		}
	})

	Describe("errors of the body", func() {
		for _, r := range []struct{ when, body string }{
			{when: "the body is empty", body: ""},
			{when: "the body is only whitespace", body: " \n\t\n"},
		} {
			v.ConformanceIt(framework.Spec{
				Must:      "MUST answer xml-empty when " + r.when,
				Operation: iovoxOp,
				Covers:    []string{framework.CatalogueID("xml-empty")},
				Labels:    []framework.Label{framework.Negative, framework.LiveSafe},
			}, func(ctx SpecContext) {
				resp, body := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), []byte(r.body))
				iovoxExpectErrors(v, resp, body, iovoxPlain("xml-empty"))
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer xml-parse-error naming the line of the fault for the page's example as printed (a second contact never closed)",
			Operation: iovoxOp,
			Covers:    []string{framework.CatalogueID("xml-parse-error")},
			Labels:    []framework.Label{framework.Negative, framework.LiveSafe},
		}, func(ctx SpecContext) {
			// The page's example ends "<contact> ... <contact>": the second contact is closed by
			// </request>, on line 7 here.
			lines := []string{
				`<?xml version="1.0" encoding="utf-8"?>`,
				`<request>`,
				`  <contact>`,
				`    <contact_id>` + iovoxUnknownID + `</contact_id>`,
				`  </contact>`,
				`  <contact>`,
				`</request>`,
			}
			resp, body := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), []byte(strings.Join(lines, "\n")+"\n"))
			args := iovoxExpectOneError(v, resp, body, "xml-parse-error")
			Expect(args).To(HaveKeyWithValue("line", "7"), "line of the fault")
			column, err := strconv.Atoi(args["column"])
			Expect(err).NotTo(HaveOccurred(), "column is a number")
			Expect(column).To(BeNumerically(">=", 1), "column")
			Expect(column).To(BeNumerically("<=", len(lines[6])+1), "column within the line")
			Expect(strings.TrimSpace(args["detail"])).NotTo(BeEmpty(), "the parser's reason")
		})

		// A body the parser cannot read to its end: the page's parse error names where.
		for _, r := range []struct {
			when string
			body func() []byte
			line int
		}{
			{when: "a byte that is not UTF-8 on the third line", line: 3, body: func() []byte {
				return []byte("<request>\n  <contact><contact_id>" + cid + "</contact_id>\n  <display_name>Bad \xff\xfe Bytes</display_name></contact>\n</request>\n")
			}},
			{when: "a one-line body cut off by the mock's size cap", line: 1, body: func() []byte {
				return []byte("<request><contact><contact_id>" + cid + "</contact_id><notes>" + strings.Repeat("n", mockiovox.MaxBodyBytes) + "</notes></contact></request>")
			}},
		} {
			v.ConformanceIt(framework.Spec{
				Must:      "MUST answer xml-parse-error naming the line and a column of the body for " + r.when,
				Operation: iovoxOp,
				Covers:    []string{framework.CatalogueID("xml-parse-error")},
				Labels:    []framework.Label{framework.Negative, framework.Mutating, framework.MockOnly},
			}, func(ctx SpecContext) {
				body := r.body()
				iovoxExpectUnchanged(ctx, v, func() {
					resp, got := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), body)
					args := iovoxExpectOneError(v, resp, got, "xml-parse-error")
					Expect(args).To(HaveKeyWithValue("line", strconv.Itoa(r.line)), "line of the fault")
					column, err := strconv.Atoi(args["column"])
					Expect(err).NotTo(HaveOccurred(), "column is a number")
					Expect(column).To(BeNumerically(">=", 1), "column")
					Expect(column).To(BeNumerically("<=", len(strings.Split(string(body), "\n")[r.line-1])+1), "column within the line")
				})
			})
		}

		// Well-formed XML that the payload's schema refuses where the page has no row of its
		// own: xml-parse-error, at the line of the element at fault (the mock's doc, rule 5).
		// The contact is the fixture contact, so that the fault is the payload's only error.
		for _, r := range []struct {
			when  string
			lines []string // {id} stands for the contact id
			line  []int    // the element at fault: its line, or either of two lines
		}{
			{when: "the root element is not <request>", line: []int{2}, lines: []string{
				`<?xml version="1.0" encoding="utf-8"?>`,
				`<contacts>`,
				`  <contact><contact_id>{id}</contact_id></contact>`,
				`</contacts>`,
			}},
			{when: "rm_rules is neither TRUE nor FALSE", line: []int{3}, lines: []string{
				`<?xml version="1.0" encoding="utf-8"?>`,
				`<request>`,
				`  <rm_rules>MAYBE</rm_rules>`,
				`  <contact><contact_id>{id}</contact_id></contact>`,
				`</request>`,
			}},
			{when: "a contact holds display_name twice", line: []int{5, 6}, lines: []string{
				`<?xml version="1.0" encoding="utf-8"?>`,
				`<request>`,
				`  <contact>`,
				`    <contact_id>{id}</contact_id>`,
				`    <display_name>Ann Lee</display_name>`,
				`    <display_name>Bo Chan</display_name>`,
				`  </contact>`,
				`</request>`,
			}},
		} {
			v.ConformanceIt(framework.Spec{
				Must:      "MUST answer xml-parse-error naming the line of the element at fault when " + r.when,
				Operation: iovoxOp,
				Covers:    []string{framework.CatalogueID("xml-parse-error")},
				Labels:    []framework.Label{framework.Negative, framework.Mutating, framework.Assumed},
			}, func(ctx SpecContext) {
				doc := strings.ReplaceAll(strings.Join(r.lines, "\n")+"\n", "{id}", cid)
				resp, body := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), []byte(doc))
				args := iovoxExpectOneError(v, resp, body, "xml-parse-error")
				line, err := strconv.Atoi(args["line"])
				Expect(err).NotTo(HaveOccurred(), "line is a number")
				Expect(r.line).To(ContainElement(line), "line of the element at fault")
				column, err := strconv.Atoi(args["column"])
				Expect(err).NotTo(HaveOccurred(), "column is a number")
				Expect(column).To(BeNumerically(">=", 1), "column")
				Expect(column).To(BeNumerically("<=", len(strings.ReplaceAll(r.lines[line-1], "{id}", cid))+1), "column within the line")
				Expect(strings.TrimSpace(args["detail"])).NotTo(BeEmpty(), "the reason")
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer request-empty when the payload holds no contact",
			Operation: iovoxOp,
			Covers:    []string{framework.CatalogueID("request-empty")},
			Labels:    []framework.Label{framework.Negative, framework.LiveSafe},
		}, func(ctx SpecContext) {
			resp, body := iovoxPut(ctx, v, iovox.UpdateContactsPayload{RmRules: iovoxPtr(iovox.FlagFALSE)})
			iovoxExpectErrors(v, resp, body, iovoxPlain("request-empty"))
		})
	})

	Describe("the page's rules", func() {
		v.ConformanceIt(framework.Spec{
			Must:      "MUST replace a repeated detail's stored list with the values sent when replace_details is TRUE",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleReplaceTrue},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			sent := []string{"442079460901", "442079460902"}
			Expect(iovoxStored(ctx, v, cid).BusinessPhone).NotTo(BeEmpty(), "the fixture contact has a business phone to replace")
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{ReplaceDetails: iovoxPtr(iovox.FlagTRUE),
				Contact: []iovox.Contact{{ContactID: cid, BusinessPhone: sent}}})).To(Succeed())
			Expect(iovoxStored(ctx, v, cid).BusinessPhone).To(Equal(sent), "business_phone list")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST add the values sent to a repeated detail's stored list when replace_details is FALSE or absent",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleReplaceFalse},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			before := iovoxStored(ctx, v, cid).BusinessPhone
			Expect(before).NotTo(BeEmpty(), "the fixture contact has a business phone to add to")
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{ReplaceDetails: iovoxPtr(iovox.FlagFALSE),
				Contact: []iovox.Contact{{ContactID: cid, BusinessPhone: []string{"442079460901"}}}})).To(Succeed())
			Expect(iovoxStored(ctx, v, cid).BusinessPhone).To(Equal(append(slices.Clone(before), "442079460901")), "after FALSE")

			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
				Contact: []iovox.Contact{{ContactID: cid, BusinessPhone: []string{"442079460902"}}}})).To(Succeed())
			Expect(iovoxStored(ctx, v, cid).BusinessPhone).To(Equal(append(slices.Clone(before), "442079460901", "442079460902")), "after the default")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST delete a rule template using an emptied detail and detach a template whose variable rule it fixes when rm_rules is TRUE",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleRmRulesTrue},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			before := iovoxState(ctx, v)
			ru := iovoxFindRules(before)
			emptied := []mockiovox.DetailOf{{ContactID: ru.contact, Detail: ru.templateDetail}, {ContactID: ru.contact, Detail: ru.variableDetail}}
			c := iovoxSet(iovoxSet(iovox.Contact{ContactID: ru.contact}, ru.templateDetail, ""), ru.variableDetail, "")
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{RmRules: iovoxPtr(iovox.FlagTRUE), Contact: []iovox.Contact{c}})).To(Succeed())

			after := iovoxState(ctx, v)
			for _, t := range before.RuleTemplates {
				deleted := slices.ContainsFunc(t.Uses, func(d mockiovox.DetailOf) bool { return slices.Contains(emptied, d) })
				Expect(slices.ContainsFunc(after.RuleTemplates, func(a mockiovox.RuleTemplate) bool { return a.ID == t.ID })).
					To(Equal(!deleted), "rule template %s kept unless it uses an emptied detail", t.ID)
				if deleted {
					for _, l := range after.Links {
						Expect(l.Templates).NotTo(ContainElement(t.ID), "deleted template %s still on link %s", t.ID, l.ID)
					}
				}
			}
			link := iovoxLink(after, ru.link)
			Expect(link.Templates).NotTo(ContainElement(ru.variableTemplate), "template detached from link %s", ru.link)
			Expect(link.Variables).NotTo(ContainElement(HaveField("Template", ru.variableTemplate)), "variable rule gone from link %s", ru.link)
			stored, _ := iovoxContact(after, ru.contact)
			Expect(asJSONObject(stored)).NotTo(HaveKey(ru.templateDetail), "emptied detail")
			Expect(asJSONObject(stored)).NotTo(HaveKey(ru.variableDetail), "emptied detail")

			events := iovoxEvents(ctx, v)
			Expect(events).To(ContainElement(SatisfyAll(HaveField("Kind", "rule-template-deleted"),
				HaveField("Detail", HaveKeyWithValue("template", ru.template)))), "deletion recorded")
			Expect(events).To(ContainElement(SatisfyAll(HaveField("Kind", "rule-template-detached"),
				HaveField("Detail", SatisfyAll(HaveKeyWithValue("template", ru.variableTemplate), HaveKeyWithValue("link", ru.link))))), "detachment recorded")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST, when rm_rules is TRUE, delete only the rule templates that use the emptied detail and leave every other template and variable rule on its links",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleRmRulesTrue},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			// Only the detail a custom template uses is emptied; the detail that fixes a
			// variable rule is kept, so that template must stay attached with its rule.
			before := iovoxState(ctx, v)
			ru := iovoxFindRules(before)
			emptied := mockiovox.DetailOf{ContactID: ru.contact, Detail: ru.templateDetail}
			c := iovoxSet(iovox.Contact{ContactID: ru.contact}, ru.templateDetail, "")
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{RmRules: iovoxPtr(iovox.FlagTRUE), Contact: []iovox.Contact{c}})).To(Succeed())

			after := iovoxState(ctx, v)
			var deleted []string
			for _, t := range before.RuleTemplates {
				if slices.Contains(t.Uses, emptied) {
					deleted = append(deleted, t.ID)
				}
			}
			Expect(deleted).To(ContainElement(ru.template), "the fixtures' template using %s", ru.templateDetail)
			for _, t := range before.RuleTemplates {
				kept := slices.ContainsFunc(after.RuleTemplates, func(a mockiovox.RuleTemplate) bool { return a.ID == t.ID })
				Expect(kept).To(Equal(!slices.Contains(deleted, t.ID)), "rule template %s", t.ID)
			}
			for _, l := range before.Links {
				want := slices.DeleteFunc(slices.Clone(l.Templates), func(id string) bool { return slices.Contains(deleted, id) })
				got := iovoxLink(after, l.ID)
				Expect(got.Templates).To(Equal(want), "templates of link %s: only the deleted ones go", l.ID)
				Expect(got.Variables).To(Equal(l.Variables), "variable rules of link %s", l.ID)
			}
			Expect(iovoxLink(after, ru.link).Templates).To(ContainElement(ru.variableTemplate), "template %s stays on link %s", ru.variableTemplate, ru.link)
		})

		for _, flag := range []*iovox.Flag{iovoxPtr(iovox.FlagFALSE), nil} {
			when := "is FALSE"
			if flag == nil {
				when = "is left out"
			}
			v.ConformanceIt(framework.Spec{
				Must:      "MUST answer empty-fields-used-in-rules and change nothing when a detail used by rules is emptied and rm_rules " + when,
				Operation: iovoxOp,
				Covers:    []string{framework.CatalogueID("empty-fields-used-in-rules"), iovoxRuleRmRulesFalse},
				Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
			}, func(ctx SpecContext) {
				ru := iovoxFindRules(iovoxState(ctx, v))
				c := iovoxSet(iovox.Contact{ContactID: ru.contact}, ru.templateDetail, "")
				iovoxExpectUnchanged(ctx, v, func() {
					resp, body := iovoxPut(ctx, v, iovox.UpdateContactsPayload{RmRules: flag, Contact: []iovox.Contact{c}})
					iovoxExpectErrors(v, resp, body, iovoxAt("empty-fields-used-in-rules", 1, 1))
				})
				Expect(iovoxEvents(ctx, v)).To(BeEmpty(), "no rule removed")
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "MUST rename a contact to new_contact_id and keep its details",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleRename},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			before := iovoxStored(ctx, v, cid)
			renamed := cid + " Renamed"
			p := iovox.UpdateContactsPayload{Contact: []iovox.Contact{{ContactID: cid, NewContactID: iovoxPtr(renamed)}}}
			iovoxRenameBackAfter(v, p)
			Expect(v.Iovox().UpdateContacts(ctx, p)).To(Succeed())
			iovoxGone(ctx, v, cid)
			want := before
			want.ContactID = renamed
			Expect(iovoxStored(ctx, v, renamed)).To(Equal(want), "the contact under its new id")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST keep a renamed contact's display name and number its own: another contact taking them under the new id is refused display-name-phone-exists",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleRename, iovoxRuleNamePhoneUnique, framework.CatalogueID("display-name-phone-exists")},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			other := iovoxOthers(iovoxState(ctx, v), cid, 1)[0]
			renamed := other.ContactID + " Renamed"
			rename := iovox.UpdateContactsPayload{Contact: []iovox.Contact{{ContactID: other.ContactID, NewContactID: iovoxPtr(renamed)}}}
			iovoxRenameBackAfter(v, rename)
			take := iovox.UpdateContactsPayload{Contact: []iovox.Contact{{ContactID: cid, DisplayName: other.DisplayName, MobilePhone: []string{iovoxPhones(other)[0]}}}}
			// Renamed, then renamed back: under either id the name and number stay the contact's.
			for _, step := range []iovox.Contact{{ContactID: other.ContactID, NewContactID: iovoxPtr(renamed)}, {ContactID: renamed, NewContactID: iovoxPtr(other.ContactID)}} {
				Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{Contact: []iovox.Contact{step}})).To(Succeed(), "rename %s", step.ContactID)
				resp, body := iovoxPut(ctx, v, take)
				iovoxExpectErrors(v, resp, body, iovoxAt("display-name-phone-exists", 1, 1))
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST keep a renamed contact's details in its rules: emptying one under the new id is refused without rm_rules TRUE and removes the rule with it",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleRename, iovoxRuleRmRulesFalse, iovoxRuleRmRulesTrue},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			// new_contact_id changes the contact's id, not the contact: the detail a rule template
			// uses is still that contact's detail under its new id, so the rm_rules rows apply to
			// it there as before the rename.
			ru := iovoxFindRules(iovoxState(ctx, v))
			renamed := ru.contact + " Renamed"
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
				Contact: []iovox.Contact{{ContactID: ru.contact, NewContactID: iovoxPtr(renamed)}}})).To(Succeed())

			emptied := iovoxSet(iovox.Contact{ContactID: renamed}, ru.templateDetail, "")
			iovoxExpectUnchanged(ctx, v, func() {
				resp, body := iovoxPut(ctx, v, iovox.UpdateContactsPayload{RmRules: iovoxPtr(iovox.FlagFALSE), Contact: []iovox.Contact{emptied}})
				iovoxExpectErrors(v, resp, body, iovoxAt("empty-fields-used-in-rules", 1, 1))
			})

			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{RmRules: iovoxPtr(iovox.FlagTRUE), Contact: []iovox.Contact{emptied}})).To(Succeed())
			after := iovoxState(ctx, v)
			Expect(after.RuleTemplates).NotTo(ContainElement(HaveField("ID", ru.template)), "rule template %s using %s of the renamed contact", ru.template, ru.templateDetail)
			for _, l := range after.Links {
				Expect(l.Templates).NotTo(ContainElement(ru.template), "deleted template %s still on link %s", ru.template, l.ID)
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST clear a detail sent as an empty element",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleEmptyClears},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			before := iovoxStored(ctx, v, cid)
			Expect(before.Email).To(HaveValue(Not(BeEmpty())), "the fixture contact has an email")
			Expect(before.MobilePhone).NotTo(BeEmpty(), "the fixture contact has a mobile phone")
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
				Contact: []iovox.Contact{{ContactID: cid, Email: iovoxPtr(""), MobilePhone: []string{""}}}})).To(Succeed())
			after := iovoxStored(ctx, v, cid)
			Expect(after.Email).To(BeNil(), "email")
			Expect(after.MobilePhone).To(BeEmpty(), "mobile_phone")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST keep every detail whose element is left out of the contact",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleOmittedKept},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			before := iovoxStored(ctx, v, cid)
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
				Contact: []iovox.Contact{{ContactID: cid, Notes: iovoxPtr("Only the notes change.")}}})).To(Succeed())
			want := before
			want.Notes = iovoxPtr("Only the notes change.")
			Expect(iovoxStored(ctx, v, cid)).To(Equal(want))
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST store the country of a home or business phone's calling code when the country is left out, and the country sent otherwise",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleCountryGuess},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			// 33 is France's calling code, 49 Germany's; the fixture contact's countries are
			// replaced, as the page says the guess "will be stored".
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
				Contact: []iovox.Contact{{ContactID: cid, HomePhone: []string{"33142685300"}, BusinessPhone: []string{"4930901820"}}}})).To(Succeed())
			c := iovoxStored(ctx, v, cid)
			Expect(c.HomeCountry).To(HaveValue(Equal("France")), "home_country guessed")
			Expect(c.BusinessCountry).To(HaveValue(Equal("Germany")), "business_country guessed")

			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
				Contact: []iovox.Contact{{ContactID: cid, HomePhone: []string{"33142685301"}, HomeCountry: iovoxPtr("Spain")}}})).To(Succeed())
			Expect(iovoxStored(ctx, v, cid).HomeCountry).To(HaveValue(Equal("Spain")), "home_country sent wins")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST guess the country from a three-digit calling code as from a two-digit one",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleCountryGuess},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			// 353 is Ireland's calling code and 372 Estonia's; neither 3, 35, 37 nor any shorter
			// prefix of them is a calling code, so only the whole three digits name the country.
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
				Contact: []iovox.Contact{{ContactID: cid, HomePhone: []string{"35318049000"}, BusinessPhone: []string{"3726123456"}}}})).To(Succeed())
			c := iovoxStored(ctx, v, cid)
			Expect(c.HomeCountry).To(HaveValue(Equal("Ireland")), "home_country guessed from 353")
			Expect(c.BusinessCountry).To(HaveValue(Equal("Estonia")), "business_country guessed from 372")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST keep the stored country when the country is left out next to a phone whose calling code names no country",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleCountryGuess, iovoxRuleOmittedKept},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly, framework.Assumed},
		}, func(ctx SpecContext) {
			// The guess is made from the number's country calling code. 800 (international
			// freephone) is assigned to no country, and no calling code starts 999: neither
			// number gives a country to guess, so the country left out keeps its stored value.
			// The numbers are otherwise internationalised (digits, no trunk 0), so both are
			// accepted.
			before := iovoxStored(ctx, v, cid)
			Expect(before.HomeCountry).To(HaveValue(Not(BeEmpty())), "the fixture contact has a home country")
			Expect(before.BusinessCountry).To(HaveValue(Not(BeEmpty())), "the fixture contact has a business country")
			for _, number := range []string{"80012345678", "9991234567"} {
				Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
					Contact: []iovox.Contact{{ContactID: cid, HomePhone: []string{number}, BusinessPhone: []string{number}}}})).To(Succeed(), "phone %s", number)
				c := iovoxStored(ctx, v, cid)
				Expect(c.HomeCountry).To(Equal(before.HomeCountry), "home_country after a home phone %s", number)
				Expect(c.BusinessCountry).To(Equal(before.BusinessCountry), "business_country after a business phone %s", number)
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST accept a payload of several valid contacts with 204 No Content and apply every one of them",
			Operation: iovoxOp,
			Covers:    []string{framework.StatusID(iovoxOp, http.StatusNoContent), iovoxRuleAllOrNothing},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			// Three contacts, each renamed to a name no stored contact has: a mock that applied
			// only some of a batch, or refused one, fails here.
			others := iovoxOthers(iovoxState(ctx, v), cid, 2)
			ids := []string{cid, others[0].ContactID, others[1].ContactID}
			var p iovox.UpdateContactsPayload
			for i, id := range ids {
				p.Contact = append(p.Contact, iovox.Contact{ContactID: id, DisplayName: iovoxPtr(fmt.Sprintf("Batch Member %d", i+1))})
			}
			resp, body := iovoxPut(ctx, v, p)
			Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "status; body %s", body)
			Expect(body).To(BeEmpty(), "body")
			s := iovoxState(ctx, v)
			for i, id := range ids {
				c, ok := iovoxContact(s, id)
				Expect(ok).To(BeTrue(), "contact %s is stored", id)
				Expect(c.DisplayName).To(HaveValue(Equal(fmt.Sprintf("Batch Member %d", i+1))), "display_name of contact %d of %d", i+1, len(ids))
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST change nothing when any contact of the payload fails",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleAllOrNothing},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			iovoxExpectUnchanged(ctx, v, func() {
				resp, body := iovoxPut(ctx, v, iovox.UpdateContactsPayload{Contact: []iovox.Contact{
					{ContactID: cid, DisplayName: iovoxPtr("Changed By A Failed Batch")},
					{ContactID: iovoxUnknownID},
				}})
				iovoxExpectErrors(v, resp, body, iovoxAt("contact-id-not-found", 2, 2))
			})
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST list every error of the payload, each naming its contact's 1-based position of the total",
			Operation: iovoxOp,
			Covers:    []string{iovoxRulePositions},
			Labels:    []framework.Label{framework.Negative, framework.Mutating},
		}, func(ctx SpecContext) {
			err := v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{Contact: []iovox.Contact{
				{ContactID: cid, LastName: iovoxPtr("Sm1th")},
				{ContactID: iovoxUnknownID},
				{ContactID: iovoxUnknownID + "-2", MobilePhone: []string{"07700900123"}},
			}})
			var apiErr *iovox.APIError
			Expect(errors.As(err, &apiErr)).To(BeTrue(), "an *iovox.APIError, got %v", err)
			Expect(apiErr.StatusCode).To(Equal(http.StatusBadRequest), "status")
			wants := []iovoxWant{
				iovoxAt("last-name-invalid", 1, 3),
				iovoxAt("contact-id-not-found", 2, 3),
				iovoxAt("contact-id-not-found", 3, 3),
				iovoxAt("mobile-phone-not-internationalised", 3, 3),
			}
			var matchers []any
			for _, w := range wants {
				e := v.Entry(w.id)
				matchers = append(matchers, SatisfyAll(
					HaveField("ID", w.id), HaveField("Status", e.Status), HaveField("Message", iovoxRender(v, w)),
					HaveField("Item", w.item), HaveField("Total", w.total)))
			}
			Expect(apiErr.Errors).To(ConsistOf(matchers...), "one error per fault")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST accept a contact that keeps its own display name and phone number",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleNamePhoneUnique},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			own := iovoxStored(ctx, v, cid)
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{Contact: []iovox.Contact{
				{ContactID: cid, DisplayName: own.DisplayName, MobilePhone: []string{iovoxPhones(own)[0]}},
			}})).To(Succeed())
		})
	})

	Describe("getContactDetails (assumed), the read the suite checks updates through", func() {
		read := func(id string) string {
			return fmt.Sprintf("/Contacts?v=%d&method=%s&contact_id=%s", iovox.APIVersionV3, iovox.GetContactDetailsParamsMethodGetContactDetails, url.QueryEscape(id))
		}
		ok := framework.StatusID(iovoxRead, http.StatusOK)

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer the named contact's details in XML, under the names updateContacts writes",
			Operation: iovoxRead,
			Covers:    []string{ok},
			Labels:    []framework.Label{framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := iovoxSend(ctx, v, http.MethodGet, read(cid), "", nil)
			Expect(resp.StatusCode).To(Equal(http.StatusOK), "status (body %s)", body)
			mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			Expect(mt).To(Equal("application/xml"), "media type")
			var answer struct {
				XMLName xml.Name
				Result  iovox.Contact `xml:"results>result"`
			}
			Expect(xml.Unmarshal(body, &answer)).To(Succeed(), "XML answer")
			Expect(answer.XMLName.Local).To(Equal("response"), "root element")
			Expect(answer.Result.ContactID).To(Equal(cid), "contact_id")
			if v.HasAdmin() {
				stored, found := iovoxContact(iovoxState(ctx, v), cid)
				Expect(found).To(BeTrue(), "the mock stores contact %s", cid)
				Expect(answer.Result).To(Equal(stored), "the contact as the mock stores it")
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer what an update stored",
			Operation: iovoxRead,
			Covers:    []string{ok},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			Expect(v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
				Contact: []iovox.Contact{{ContactID: cid, Notes: iovoxPtr("Read back by getContactDetails.")}}})).To(Succeed())
			Expect(iovoxStored(ctx, v, cid).Notes).To(HaveValue(Equal("Read back by getContactDetails.")), "notes")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer contact-details-not-found for a contact_id no contact has",
			Operation: iovoxRead,
			Covers:    []string{framework.CatalogueID("contact-details-not-found"), framework.StatusID(iovoxRead, http.StatusBadRequest)},
			Labels:    []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := iovoxSend(ctx, v, http.MethodGet, read(iovoxUnknownID), "", nil)
			iovoxExpectErrors(v, resp, body, iovoxPlain("contact-details-not-found"))
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer contact-details-id-empty for an empty contact_id",
			Operation: iovoxRead,
			Covers:    []string{framework.CatalogueID("contact-details-id-empty"), framework.StatusID(iovoxRead, http.StatusBadRequest)},
			Labels:    []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := iovoxSend(ctx, v, http.MethodGet, read(""), "", nil)
			iovoxExpectErrors(v, resp, body, iovoxPlain("contact-details-id-empty"))
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer request-method-not-get naming PUT when method=getContactDetails is sent with PUT",
			Operation: iovoxRead,
			Covers:    []string{framework.CatalogueID("request-method-not-get"), framework.StatusID(iovoxRead, http.StatusBadRequest)},
			Labels:    []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := iovoxSend(ctx, v, http.MethodPut, read(iovoxUnknownID), iovoxMediaType(v), iovoxEncode(iovoxUnknownPayload()))
			iovoxExpectErrors(v, resp, body, iovoxWant{id: "request-method-not-get", args: map[string]string{"method": http.MethodPut}})
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer authentication-failed without the username and secureKey headers",
			Operation: iovoxRead,
			Covers:    []string{framework.CatalogueID("authentication-failed"), framework.StatusID(iovoxRead, http.StatusUnauthorized)},
			Labels:    []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := v.Do(v.NewRequest(ctx, http.MethodGet, read(cid), "", nil))
			iovoxExpectErrors(v, resp, body, iovoxPlain("authentication-failed"))
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer internal-server-error with 500 when the server fails",
			Operation: iovoxRead,
			Covers:    []string{framework.CatalogueID("internal-server-error"), framework.StatusID(iovoxRead, http.StatusInternalServerError)},
			Labels:    []framework.Label{framework.MockOnly, framework.Assumed},
		}, func(ctx SpecContext) {
			admin := v.Admin()
			Expect(admin.SetFaults(ctx, 0, 0, 1)).To(Succeed())
			DeferCleanup(func(ctx SpecContext) { Expect(admin.SetFaults(ctx, 0, 0, 0)).To(Succeed()) })
			resp, body := iovoxSend(ctx, v, http.MethodGet, read(cid), "", nil)
			iovoxExpectErrors(v, resp, body, iovoxPlain("internal-server-error"))
		})
	})

	Describe("server errors", func() {
		v.ConformanceIt(framework.Spec{
			Must:      "MUST answer internal-server-error with 500 when the server fails, and change nothing",
			Operation: iovoxOp,
			Covers:    []string{framework.CatalogueID("internal-server-error"), framework.StatusID(iovoxOp, http.StatusInternalServerError)},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			admin := v.Admin()
			DeferCleanup(func(ctx SpecContext) { Expect(admin.SetFaults(ctx, 0, 0, 0)).To(Succeed()) })
			iovoxExpectUnchanged(ctx, v, func() {
				// Only the update meets the failing server: the reads before and after do not.
				Expect(admin.SetFaults(ctx, 0, 0, 1)).To(Succeed())
				resp, body := iovoxPut(ctx, v, iovox.UpdateContactsPayload{Contact: []iovox.Contact{{ContactID: cid, Notes: iovoxPtr("Written by a failing server")}}})
				Expect(admin.SetFaults(ctx, 0, 0, 0)).To(Succeed())
				iovoxExpectErrors(v, resp, body, iovoxPlain("internal-server-error"))
			})
		})
	})

	Describe("what public clients send (spec x-evidence)", func() {
		// Each body sets the fixture contact's display name; the clients named in the spec's
		// x-evidence send the payload so and take 204 for success.
		payload := func(display string) []byte {
			return []byte(`<?xml version="1.0" encoding="utf-8"?>` + "\n<request>\n  <contact>\n    <contact_id>" + cid +
				"</contact_id>\n    <display_name>" + display + "</display_name>\n  </contact>\n</request>\n")
		}
		for _, label := range []struct{ what, contentType string }{
			{"labelled application/x-www-form-urlencoded (libcurl's label for a PUT with a string body)", "application/x-www-form-urlencoded"},
			{"without a Content-Type (Symfony's NativeHttpClient)", ""},
			{"labelled text/plain", "text/plain"},
		} {
			v.ConformanceIt(framework.Spec{
				Must:      "MUST apply an XML payload " + label.what + " and answer 204",
				Operation: iovoxOp,
				Covers:    []string{iovoxRuleAnyLabel},
				Labels:    []framework.Label{framework.Mutating, framework.Assumed},
			}, func(ctx SpecContext) {
				resp, body := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), label.contentType, payload("Label Test"))
				Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "status (body %s)", body)
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "MUST store what an XML payload labelled as a form says, as if labelled XML",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleAnyLabel},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), "application/x-www-form-urlencoded", payload("Form Label"))
			Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "status (body %s)", body)
			Expect(iovoxStored(ctx, v, cid).DisplayName).To(Equal(iovoxPtr("Form Label")), "stored display_name")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST apply a payload with the flags after the contacts, CDATA text and character references, and an output=XML query parameter",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleClientXML},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			body := `<?xml version="1.0" encoding="UTF-8"?>` + "\n<request><contact><contact_id>" + cid +
				"</contact_id><notes><![CDATA[Smith & Sons <UK>]]> &#39;quoted&#39;</notes></contact>" +
				"<rm_rules>FALSE</rm_rules><replace_details>FALSE</replace_details></request>\n"
			resp, got := iovoxSend(ctx, v, http.MethodPut, "/Contacts?method=updateContacts&v=3&output=XML", iovoxMediaType(v), []byte(body))
			Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "status (body %s)", got)
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST store CDATA text and character references as the text they stand for",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleClientXML},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			body := "<request><contact><contact_id>" + cid +
				"</contact_id><notes><![CDATA[Smith & Sons <UK>]]> &#39;quoted&#39;</notes></contact><rm_rules>FALSE</rm_rules></request>"
			resp, got := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), []byte(body))
			Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "status (body %s)", got)
			Expect(iovoxStored(ctx, v, cid).Notes).To(Equal(iovoxPtr("Smith & Sons <UK> 'quoted'")), "stored notes")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "MUST apply a contact carrying elements the page does not name (email2, work_address1) and leave those details as they were",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleClientXML},
			Labels:    []framework.Label{framework.Mutating, framework.Assumed},
		}, func(ctx SpecContext) {
			body := "<request><contact><contact_id>" + cid + "</contact_id><display_name>Odd Names</display_name>" +
				"<email2>odd@example.com</email2><work_address1>1 Odd Street</work_address1></contact></request>"
			resp, got := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), []byte(body))
			Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "status (body %s)", got)
		})
	})

	Describe("input the page does not mention", func() {
		// Each body would change the fixture contact's display name if it were read as a valid
		// payload; the answer must be a 4xx in the vendor's dialect (the transport checks every
		// message against the catalogue) and nothing may change.
		valid := func(display string) string {
			return `<?xml version="1.0" encoding="utf-8"?><request><contact><contact_id>` + cid +
				`</contact_id><display_name>` + display + `</display_name></contact></request>`
		}
		type row struct {
			what        string
			contentType string // "" sends none; "xml" is the spec's media type
			body        func() []byte
		}
		for _, r := range []row{
			{what: "malformed XML (the root element never closed)", contentType: "xml",
				body: func() []byte { return []byte(strings.TrimSuffix(valid("Malformed"), "</request>")) }},
			{what: "a JSON body", contentType: "application/json",
				body: func() []byte {
					return fmt.Appendf(nil, `{"contact":[{"contact_id":%q,"display_name":"Json Body"}]}`, cid)
				}},
			{what: "a body larger than the mock accepts", contentType: "xml",
				body: func() []byte {
					return []byte(strings.Replace(valid("Too Large"), "</contact>", "<notes>"+strings.Repeat("n", mockiovox.MaxBodyBytes)+"</notes></contact>", 1))
				}},
			{what: "invalid UTF-8", contentType: "xml", body: func() []byte { return []byte(valid("Bad \xff\xfe Bytes")) }},
			{what: "a DOCTYPE declaring an entity", contentType: "xml",
				body: func() []byte {
					return []byte(strings.Replace(valid("&name;"), "<request>", `<!DOCTYPE request [<!ENTITY name "Entity Name">]><request>`, 1))
				}},
			{what: "a flag other than TRUE or FALSE", contentType: "xml",
				body: func() []byte {
					return []byte(strings.Replace(valid("Odd Flag"), "<request>", "<request><replace_details>yes</replace_details>", 1))
				}},
			{what: "a root element other than request", contentType: "xml",
				body: func() []byte {
					return []byte(strings.ReplaceAll(strings.ReplaceAll(valid("Other Root"), "<request>", "<contacts>"), "</request>", "</contacts>"))
				}},
			{what: "display_name sent twice in one contact", contentType: "xml",
				body: func() []byte {
					return []byte(strings.Replace(valid("Twice"), "</contact>", "<display_name>Second</display_name></contact>", 1))
				}},
		} {
			v.ConformanceIt(framework.Spec{
				Must:      "MUST refuse " + r.what + " with a 4xx in the vendor's error format and change nothing",
				Operation: iovoxOp,
				Covers:    []string{iovoxRuleOnlyThePayload},
				Labels:    []framework.Label{framework.Negative, framework.Mutating},
			}, func(ctx SpecContext) {
				ct := r.contentType
				if ct == "xml" {
					ct = iovoxMediaType(v)
				}
				iovoxExpectUnchanged(ctx, v, func() {
					resp, body := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), ct, r.body())
					iovoxExpectClientError(resp, body)
				})
			})
		}

		// A JSON body is no XML payload whatever it is labelled: the vendor reads every body as XML
		// (x-body-media-type), and JSON does not parse as XML.
		v.ConformanceIt(framework.Spec{
			Must:      "MUST refuse a JSON body labelled as JSON with a 4xx in the vendor's error format and change nothing",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleOnlyThePayload, iovoxRuleAnyLabel},
			Labels:    []framework.Label{framework.Negative, framework.Mutating},
		}, func(ctx SpecContext) {
			body := fmt.Appendf(nil, `{"contact":[{"contact_id":%q,"display_name":"Json Label"}]}`, cid)
			iovoxExpectUnchanged(ctx, v, func() {
				resp, got := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), "application/json", body)
				iovoxExpectOneError(v, resp, got, "xml-parse-error")
			})
		})

		// The spec leaves its payload schemas open (no additionalProperties: false), so an element
		// it does not define is not an error it documents; it must still never break the server
		// or be stored.
		v.ConformanceIt(framework.Spec{
			Must:      "MUST NOT fail with a 5xx or store anything for an element the spec does not define",
			Operation: iovoxOp,
			Covers:    []string{iovoxRuleOnlyThePayload},
			Labels:    []framework.Label{framework.Negative, framework.Mutating},
		}, func(ctx SpecContext) {
			body := `<request><contact><contact_id>` + cid + `</contact_id><favourite_colour>Teal</favourite_colour></contact></request>`
			iovoxExpectUnchanged(ctx, v, func() {
				resp, _ := iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), []byte(body))
				Expect(resp.StatusCode).To(BeNumerically("<", 500), "status")
			})
		})
	})
})

// iovoxWant is one expected error: a catalogue entry and its placeholder values.
type iovoxWant struct {
	id          string
	args        map[string]string
	item, total int
}

func iovoxPlain(id string) iovoxWant { return iovoxWant{id: id} }

// iovoxAt is an error about the contact at item (1-based) of total.
func iovoxAt(id string, item, total int) iovoxWant {
	return iovoxWant{id: id, item: item, total: total,
		args: map[string]string{"item": strconv.Itoa(item), "total": strconv.Itoa(total)}}
}

// iovoxRender is the message of w, rendered from the spec's catalogue.
func iovoxRender(v *framework.Vendor, w iovoxWant) string {
	msg, err := v.Entry(w.id).Render(w.args)
	Expect(err).NotTo(HaveOccurred(), "render %s", w.id)
	return msg
}

// iovoxExpectErrors checks an error answer: the highest status of the expected entries, the media
// type the spec declares for it, and exactly the expected <error> elements (in any order), each
// with its entry's status and rendered message.
func iovoxExpectErrors(v *framework.Vendor, resp *http.Response, body []byte, wants ...iovoxWant) {
	status := 0
	var want []iovox.Error
	for _, w := range wants {
		e := v.Entry(w.id)
		status = max(status, e.Status)
		want = append(want, iovox.Error{Status: e.Status, Message: iovoxRender(v, w)})
	}
	Expect(resp.StatusCode).To(Equal(status), "status")
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	Expect(err).NotTo(HaveOccurred(), "Content-Type")
	Expect(mt).To(Equal(iovoxErrorMediaType(v, status)), "media type")
	var list iovox.Errors
	Expect(xml.Unmarshal(body, &list)).To(Succeed(), "XML error list")
	Expect(list.Error).To(ConsistOf(want), "errors")
}

// iovoxExpectOneError checks an answer with a single error of the entry id whose placeholders the
// spec cannot predict (a parser's reason), and returns their values.
func iovoxExpectOneError(v *framework.Vendor, resp *http.Response, body []byte, id string) map[string]string {
	e := v.Entry(id)
	Expect(resp.StatusCode).To(Equal(e.Status), "status")
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	Expect(mt).To(Equal(iovoxErrorMediaType(v, e.Status)), "media type")
	var list iovox.Errors
	Expect(xml.Unmarshal(body, &list)).To(Succeed(), "XML error list")
	Expect(list.Error).To(HaveLen(1), "errors")
	Expect(list.Error[0].Status).To(Equal(e.Status), "status attribute")
	args, ok := e.Match(list.Error[0].Message)
	Expect(ok).To(BeTrue(), "message %q is an instance of %q", list.Error[0].Message, e.Message)
	return args
}

// iovoxExpectClientError checks a refusal of input the page does not mention: a 4xx, never a 5xx,
// in the vendor's XML error format.
func iovoxExpectClientError(resp *http.Response, body []byte) {
	Expect(resp.StatusCode).To(BeNumerically(">=", 400), "status")
	Expect(resp.StatusCode).To(BeNumerically("<", 500), "status")
	msgs, err := vendors.ErrorMessages(specs.Iovox, resp.Header.Get("Content-Type"), body)
	Expect(err).NotTo(HaveOccurred(), "vendor error format")
	Expect(msgs).NotTo(BeEmpty(), "error messages")
}

// iovoxOperation is updateContacts as the spec declares it.
func iovoxOperation(v *framework.Vendor) *openapi3.Operation {
	for _, op := range specs.Operations(v.Doc()) {
		if op.Operation.OperationID == iovoxOp {
			return op.Operation
		}
	}
	Fail("the iovox spec has no " + iovoxOp)
	return nil
}

// iovoxMediaType is the request body's media type, as the spec declares it.
func iovoxMediaType(v *framework.Vendor) string {
	content := iovoxOperation(v).RequestBody.Value.Content
	Expect(content).To(HaveLen(1), "request media types")
	for mt := range content {
		return mt
	}
	return ""
}

// iovoxErrorMediaType is the media type the spec declares for an error status of updateContacts,
// or of its shared error response for a status no operation declares (404 on an unknown route).
func iovoxErrorMediaType(v *framework.Vendor, status int) string {
	ref := iovoxOperation(v).Responses.Status(status)
	if ref == nil || ref.Value == nil {
		ref = v.Doc().Components.Responses["Errors"]
	}
	Expect(ref).NotTo(BeNil(), "error response of %d", status)
	Expect(ref.Value.Content).To(HaveLen(1), "error media types of %d", status)
	for mt := range ref.Value.Content {
		return mt
	}
	return ""
}

func iovoxQuery() string {
	return fmt.Sprintf("?v=%d&method=%s", iovox.APIVersionV3, iovox.MethodNameUpdateContacts)
}

func iovoxPtr[T any](v T) *T { return &v }

func iovoxEncode(p iovox.UpdateContactsPayload) []byte {
	b, err := iovox.EncodePayload(p)
	Expect(err).NotTo(HaveOccurred(), "encode payload")
	return b
}

// iovoxUnknownPayload names only a contact that does not exist: it can write nothing.
func iovoxUnknownPayload() iovox.UpdateContactsPayload {
	return iovox.UpdateContactsPayload{Contact: []iovox.Contact{{ContactID: iovoxUnknownID}}}
}

// iovoxSend sends a raw request with the account's credentials.
func iovoxSend(ctx context.Context, v *framework.Vendor, method, pathAndQuery, contentType string, body []byte) (*http.Response, []byte) {
	r := v.NewRequest(ctx, method, pathAndQuery, contentType, body)
	v.Authorize(ctx, r)
	return v.Do(r)
}

// iovoxPut sends p as the typed client would, but raw, so that status and media type can be seen.
func iovoxPut(ctx context.Context, v *framework.Vendor, p iovox.UpdateContactsPayload) (*http.Response, []byte) {
	return iovoxSend(ctx, v, http.MethodPut, "/Contacts"+iovoxQuery(), iovoxMediaType(v), iovoxEncode(p))
}

// iovoxSet sets one element of c by its payload name, as text or as a one-value list.
func iovoxSet(c iovox.Contact, element, value string) iovox.Contact {
	for _, doc := range []string{`{%q: %q}`, `{%q: [%q]}`} {
		dec := json.NewDecoder(strings.NewReader(fmt.Sprintf(doc, element, value)))
		dec.DisallowUnknownFields()
		if dec.Decode(&c) == nil {
			return c
		}
	}
	Fail(fmt.Sprintf("%q is no element of a contact", element))
	return c
}

// iovoxExampleContact is the first contact of the spec's "page" example, as data.
func iovoxExampleContact(v *framework.Vendor) map[string]any {
	ex, ok := v.Example(iovoxOp, "page").(map[string]any)
	Expect(ok).To(BeTrue(), "the page example is an object")
	contacts, _ := ex["contact"].([]any)
	Expect(contacts).NotTo(BeEmpty(), "the page example has a contact")
	c, ok := contacts[0].(map[string]any)
	Expect(ok).To(BeTrue(), "the example's contact is an object")
	return c
}

// iovoxExample is the spec's "page" example as a typed payload, updating contact cid.
func iovoxExample(v *framework.Vendor, cid string) iovox.UpdateContactsPayload {
	raw, err := json.Marshal(v.Example(iovoxOp, "page"))
	Expect(err).NotTo(HaveOccurred())
	var p iovox.UpdateContactsPayload
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	Expect(dec.Decode(&p)).To(Succeed(), "the page example decodes as a payload")
	Expect(p.Contact).To(HaveLen(1))
	Expect(p.Contact[0].NewContactID).NotTo(BeNil(), "the page example renames its contact")
	p.Contact[0].ContactID = cid
	return p
}

// iovoxRenameBackAfter gives the contact its id back after the spec, so that a live fixture record
// stays where the next spec looks for it (a mock is reset anyway). Its answer is not judged.
func iovoxRenameBackAfter(v *framework.Vendor, p iovox.UpdateContactsPayload) {
	c := p.Contact[0]
	DeferCleanup(func(ctx SpecContext) {
		_ = v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{
			Contact: []iovox.Contact{{ContactID: *c.NewContactID, NewContactID: iovoxPtr(c.ContactID)}}})
	})
}

// iovoxState is the mock's whole store.
func iovoxState(ctx context.Context, v *framework.Vendor) mockiovox.State {
	raw, err := v.Admin().State(ctx)
	Expect(err).NotTo(HaveOccurred(), "admin state")
	var s mockiovox.State
	Expect(json.Unmarshal(raw, &s)).To(Succeed(), "admin state")
	return s
}

// iovoxExpectUnchanged runs send and requires the named contact (CONTACTAPIS_IOVOX_CONTACT_ID, 333
// on mocks) to read the same through getContactDetails before and after; on a mock, the whole
// store too (other contacts, rule templates, links), which no vendor call shows.
func iovoxExpectUnchanged(ctx context.Context, v *framework.Vendor, send func()) {
	cid := v.Fixture("CONTACT_ID", "333")
	contact := iovoxStored(ctx, v, cid)
	var before json.RawMessage
	if v.HasAdmin() {
		var err error
		before, err = v.Admin().State(ctx)
		Expect(err).NotTo(HaveOccurred(), "admin state")
	}
	send()
	Expect(iovoxStored(ctx, v, cid)).To(Equal(contact), "contact %s unchanged", cid)
	if v.HasAdmin() {
		after, err := v.Admin().State(ctx)
		Expect(err).NotTo(HaveOccurred(), "admin state")
		Expect(after).To(MatchJSON(before), "state unchanged")
	}
}

func iovoxContact(s mockiovox.State, id string) (iovox.Contact, bool) {
	i := slices.IndexFunc(s.Contacts, func(c iovox.Contact) bool { return c.ContactID == id })
	if i < 0 {
		return iovox.Contact{}, false
	}
	return s.Contacts[i], true
}

// iovoxStored is contact id as the vendor stores it, read through its own getContactDetails on
// every target; it must exist.
func iovoxStored(ctx context.Context, v *framework.Vendor, id string) iovox.Contact {
	c, err := v.Iovox().GetContactDetails(ctx, id)
	Expect(err).NotTo(HaveOccurred(), "read contact %s (getContactDetails)", id)
	return c
}

// iovoxGone requires that no contact id is stored any more (a rename moved it).
func iovoxGone(ctx context.Context, v *framework.Vendor, id string) {
	_, err := v.Iovox().GetContactDetails(ctx, id)
	Expect(err).To(MatchError(apiclient.CatalogueID("contact-details-not-found")), "contact %s is gone", id)
}

// iovoxRestoreAfter reads the named contact through getContactDetails and registers a cleanup
// that writes back what a spec changed: every detail as it was (replace_details TRUE for the
// phone lists), and an empty element for each detail the spec added. A spec that renames the
// contact renames it back itself (iovoxRenameBackAfter). On a tools/mockserver every spec starts
// from the mock's fixtures (framework: a reset per spec), so the cleanup resets it again: that
// also undoes what mock-only specs change beyond the named contact.
func iovoxRestoreAfter(ctx context.Context, v *framework.Vendor, cid string) {
	read := func(ctx context.Context) iovox.Contact { return iovoxStored(ctx, v, cid) }
	framework.RestoreAfter(ctx, v, "contact "+cid, read, nil, func(ctx context.Context, before iovox.Contact) error {
		// What the spec added is cleared (an empty value), what it changed is sent back.
		was, is := asJSONObject(before), asJSONObject(read(ctx))
		back := map[string]any{}
		for k, val := range was {
			back[k] = val
		}
		for k, val := range is {
			if _, ok := was[k]; !ok {
				if _, list := val.([]any); list {
					back[k] = []string{""}
				} else {
					back[k] = ""
				}
			}
		}
		raw, err := json.Marshal(back)
		Expect(err).NotTo(HaveOccurred())
		var c iovox.Contact
		Expect(json.Unmarshal(raw, &c)).To(Succeed())
		return v.Iovox().UpdateContacts(ctx, iovox.UpdateContactsPayload{ReplaceDetails: iovoxPtr(iovox.FlagTRUE), Contact: []iovox.Contact{c}})
	})
}

func iovoxPhones(c iovox.Contact) []string {
	phones := slices.Concat(c.MobilePhone, c.HomePhone, c.BusinessPhone, c.BusinessFax)
	Expect(phones).NotTo(BeEmpty(), "contact %s has a phone number", c.ContactID)
	return phones
}

// iovoxOthers returns n stored contacts other than cid, each with a display name and a phone.
func iovoxOthers(s mockiovox.State, cid string, n int) []iovox.Contact {
	var out []iovox.Contact
	for _, c := range s.Contacts {
		if c.ContactID != cid && c.DisplayName != nil && *c.DisplayName != "" && len(c.MobilePhone)+len(c.HomePhone)+len(c.BusinessPhone)+len(c.BusinessFax) > 0 {
			out = append(out, c)
		}
	}
	Expect(len(out)).To(BeNumerically(">=", n), "the mock's fixtures have %d other contacts with a name and a phone", n)
	return out[:n]
}

func iovoxLink(s mockiovox.State, id string) mockiovox.Link {
	i := slices.IndexFunc(s.Links, func(l mockiovox.Link) bool { return l.ID == id })
	Expect(i).To(BeNumerically(">=", 0), "link %s exists", id)
	return s.Links[i]
}

// iovoxRules names, from the mock's fixtures, a contact with one detail a custom rule template
// uses and another that fixes a variable rule of a template on a link.
type iovoxRules struct {
	contact                                string
	template, templateDetail               string
	link, variableTemplate, variableDetail string
}

func iovoxFindRules(s mockiovox.State) iovoxRules {
	for _, l := range s.Links {
		for _, va := range l.Variables {
			for _, t := range s.RuleTemplates {
				for _, u := range t.Uses {
					if u.ContactID == va.ContactID && u.Detail != va.Detail && t.ID != va.Template {
						return iovoxRules{contact: u.ContactID, template: t.ID, templateDetail: u.Detail,
							link: l.ID, variableTemplate: va.Template, variableDetail: va.Detail}
					}
				}
			}
		}
	}
	Fail("the mock's fixtures have no contact whose details both a rule template and a link's variable rule use")
	return iovoxRules{}
}

// iovoxEvents are the side effects the mock recorded (rule templates deleted and detached).
func iovoxEvents(ctx context.Context, v *framework.Vendor) []mock.Event {
	raw, err := v.Admin().Events(ctx)
	Expect(err).NotTo(HaveOccurred(), "admin events")
	out := make([]mock.Event, 0, len(raw))
	for _, r := range raw {
		var e mock.Event
		Expect(json.Unmarshal(r, &e)).To(Succeed(), "admin event")
		out = append(out, e)
	}
	return out
}
