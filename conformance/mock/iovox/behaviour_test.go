package iovox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
	api "github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/specs"
)

// schemaReason is kin-openapi's reason for refusing value against a component schema of the spec:
// the {detail} the mock gives for failures the page has no row for.
func schemaReason(t testing.TB, schema string, value any) string {
	t.Helper()
	err := specs.MustLoad(specs.Iovox).Components.Schemas[schema].Value.VisitJSON(value)
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("%s accepts %v", schema, value)
	}
	return se.Reason
}

func ok204(t *testing.T, resp response) {
	t.Helper()
	if resp.status != http.StatusNoContent {
		t.Fatalf("got %d %s, want 204", resp.status, resp.body)
	}
}

// One payload with many faults: every error is listed, in catalogue order then by position, each
// contact named by its 1-based position among all contacts.
func TestErrorBodyListsEveryError(t *testing.T) {
	h := newHarness(t, mock.Options{})
	body := request(
		el("rm_rules", "yes"),
		contact(el("contact_id", "999")),
		// Two bad home phones are one error for the contact.
		contact(el("contact_id", "333"), el("home_phone", "0123456789"), el("home_phone", "+4412345678"), el("first_name", "J0hn"), el("home_country", "Narnia")),
		contact(el("contact_id", ""), el("business_fax", "+44")),
	)
	expectErrors(t, h.send(put(body)),
		// <rm_rules> is the first element of line 2, after "<request>".
		w("xml-parse-error", "detail", schemaReason(t, "Flag", "yes"), "line", "2", "column", "10"),
		at("contact-id-empty", "3", "3"),
		at("contact-id-not-found", "1", "3"),
		at("home-phone-not-internationalised", "2", "3"),
		at("business-fax-not-internationalised", "3", "3"),
		at("first-name-invalid", "2", "3"),
		at("home-country-invalid", "2", "3"),
	)
}

// Nothing is written when any contact fails, and the same valid contact alone is written.
func TestBatchIsAllOrNothing(t *testing.T) {
	h := newHarness(t, mock.Options{})
	good := contact(el("contact_id", "333"), el("notes", "changed"), el("new_contact_id", "333-b"))
	before := h.state()
	expectErrors(t, h.send(put(request(good, contact(el("contact_id", "999"))))), at("contact-id-not-found", "2", "2"))
	if !equalJSON(before, h.state()) {
		t.Fatal("a failed batch wrote its valid contact")
	}
	ok204(t, h.send(put(request(good))))
	if c, ok := h.contact("333-b"); !ok || str(c.Notes) != "changed" {
		t.Errorf("the valid contact alone was not written: %+v", c)
	}
}

// replace_details TRUE replaces a repeated detail's stored values; FALSE (and absent, the default)
// adds the values sent to them, without repeating a number already stored.
func TestReplaceDetails(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	tests := []struct {
		name, flag string
		sent       []string
		want       []string
	}{
		{"absent adds", "", []string{"442079460001"}, []string{"44123871237", "442079460001"}},
		{"FALSE adds", "FALSE", []string{"442079460001", "442079460002"}, []string{"44123871237", "442079460001", "442079460002"}},
		{"FALSE does not repeat a stored number", "FALSE", []string{"44123871237"}, []string{"44123871237"}},
		{"TRUE replaces", "TRUE", []string{"442079460001", "442079460002"}, []string{"442079460001", "442079460002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shared.sub(t)
			parts := []string{el("contact_id", "333")}
			for _, n := range tt.sent {
				parts = append(parts, el("business_phone", n))
			}
			flag := ""
			if tt.flag != "" {
				flag = el("replace_details", tt.flag)
			}
			ok204(t, h.send(put(request(flag, contact(parts...)))))
			if c, _ := h.contact("333"); !slices.Equal(c.BusinessPhone, tt.want) {
				t.Errorf("business_phone %v, want %v", c.BusinessPhone, tt.want)
			}
		})
	}
}

// The flags belong to <request> (x-doc-discrepancy flags-placement): replace_details inside a
// <contact> is an element the spec does not know, and the default (add) applies.
func TestFlagsInsideAContactAreIgnored(t *testing.T) {
	h := newHarness(t, mock.Options{})
	ok204(t, h.send(put(request(contact(el("contact_id", "333"), el("replace_details", "TRUE"), el("business_phone", "442079460001"))))))
	if c, _ := h.contact("333"); len(c.BusinessPhone) != 2 {
		t.Errorf("business_phone %v: replaced, want added to", c.BusinessPhone)
	}
}

// A flag other than TRUE or FALSE has no row on the page; it is answered as an XML parse error
// naming the schema's reason where the element starts ("true" in lower case is refused: the
// spec's flag-type discrepancy reads TRUE/FALSE literally).
func TestFlagValueOutsideTRUEorFALSE(t *testing.T) {
	h := newHarness(t, mock.Options{})
	expectErrors(t, h.send(put(request(el("replace_details", "true"), contact(el("contact_id", "333"))))),
		w("xml-parse-error", "detail", schemaReason(t, "Flag", "true"), "line", "2", "column", "10"))
}

// An element sent empty clears its detail; elements left out keep their value.
func TestEmptyElementClearsDetail(t *testing.T) {
	h := newHarness(t, mock.Options{})
	ok204(t, h.send(put(request(contact(el("contact_id", "333"), "<email/>", el("mobile_phone", ""), el("work_city", ""), el("home_country", ""))))))
	c, _ := h.contact("333")
	if str(c.Email) != "" || c.MobilePhone != nil || str(c.WorkCity) != "" || str(c.HomeCountry) != "" {
		t.Errorf("not cleared: %+v", c)
	}
	if str(c.FirstName) != "John" || str(c.Company) != "Smith's ABC" || len(c.BusinessPhone) != 1 {
		t.Errorf("details left out changed: %+v", c)
	}
}

// new_contact_id renames; rules follow the rename; a rename that would leave two contacts with one
// id answers contact-id-duplicate (the catalogue has no entry of its own for it); swapping two ids
// in one batch is fine; an empty new_contact_id renames nothing.
func TestNewContactIDRenames(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	t.Run("rename keeps details and rules", func(t *testing.T) {
		h := shared.sub(t)
		ok204(t, h.send(put(request(contact(el("contact_id", "555"), el("new_contact_id", "555 Updated"))))))
		c, ok := h.contact("555 Updated")
		if _, old := h.contact("555"); old || !ok || str(c.DisplayName) != "Rule Bound" {
			t.Fatalf("rename: new %v %+v, old still there %v", ok, c, old)
		}
		for _, tpl := range h.state().RuleTemplates {
			for _, u := range tpl.Uses {
				if u.ContactID == "555" {
					t.Errorf("template %s still uses the old id", tpl.ID)
				}
			}
		}
		// The rules still guard the renamed contact's mobile.
		expectErrors(t, h.send(put(request(contact(el("contact_id", "555 Updated"), el("mobile_phone", ""))))),
			at("empty-fields-used-in-rules", "1", "1"))
	})
	t.Run("onto a kept id", func(t *testing.T) {
		h := shared.sub(t)
		expectErrors(t, h.send(put(request(contact(el("contact_id", "333"), el("new_contact_id", "444"))))), w("contact-id-duplicate"))
	})
	t.Run("listed with the other errors", func(t *testing.T) {
		h := shared.sub(t)
		expectErrors(t, h.send(put(request(contact(el("contact_id", "333"), el("new_contact_id", "444")), contact(el("contact_id", "999"))))),
			at("contact-id-not-found", "2", "2"), w("contact-id-duplicate"))
	})
	t.Run("two onto one id", func(t *testing.T) {
		h := shared.sub(t)
		expectErrors(t, h.send(put(request(
			contact(el("contact_id", "666"), el("new_contact_id", "X")),
			contact(el("contact_id", "777"), el("new_contact_id", "X"))))), w("contact-id-duplicate"))
	})
	t.Run("swap", func(t *testing.T) {
		h := shared.sub(t)
		ok204(t, h.send(put(request(
			contact(el("contact_id", "666"), el("new_contact_id", "777")),
			contact(el("contact_id", "777"), el("new_contact_id", "666"))))))
		if c, _ := h.contact("666"); str(c.DisplayName) != "Bo Chan" {
			t.Errorf("666 after the swap is %q, want Bo Chan", str(c.DisplayName))
		}
	})
	t.Run("empty renames nothing", func(t *testing.T) {
		h := shared.sub(t)
		ok204(t, h.send(put(request(contact(el("contact_id", "333"), "<new_contact_id/>")))))
		if _, ok := h.contact("333"); !ok {
			t.Error("an empty new_contact_id renamed 333")
		}
	})
}

// With home_country (business_country) left out and a home (business) phone given, the country is
// guessed from the number's calling code and stored by its English name.
func TestCountryGuessedFromPhone(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	tests := []struct {
		name         string
		parts        []string
		home, office string
	}{
		{"home from +33", []string{el("home_phone", "33142685300")}, "France", ""},
		{"business from +1", []string{el("business_phone", "12025550123")}, "", "United States"},
		{"three-digit code", []string{el("home_phone", "353857712345")}, "Ireland", ""},
		{"one-digit code 7", []string{el("business_phone", "74951234567")}, "", "Russia"},
		{"given home_country wins", []string{el("home_phone", "33142685300"), el("home_country", "Spain")}, "Spain", ""},
		{"work_country counts as given", []string{el("business_phone", "12025550123"), el("work_country", "Canada")}, "", "Canada"},
		{"non-geographic 800 guesses nothing", []string{el("home_phone", "80012345678")}, "", ""},
		{"first non-empty number", []string{el("home_phone", ""), el("home_phone", "4930123456")}, "Germany", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shared.sub(t)
			// 666 has no countries in the fixtures.
			ok204(t, h.send(put(request(contact(append([]string{el("contact_id", "666")}, tt.parts...)...)))))
			if c, _ := h.contact("666"); str(c.HomeCountry) != tt.home || str(c.BusinessCountry) != tt.office {
				t.Errorf("home %q, business %q; want %q, %q", str(c.HomeCountry), str(c.BusinessCountry), tt.home, tt.office)
			}
		})
	}
}

// Country names are English names, in any case, stored as the canonical name; codes are refused.
func TestCountryNames(t *testing.T) {
	h := newHarness(t, mock.Options{})
	ok204(t, h.send(put(request(contact(el("contact_id", "666"), el("home_country", "united kingdom"), el("business_country", "France"))))))
	if c, _ := h.contact("666"); str(c.HomeCountry) != "United Kingdom" || str(c.BusinessCountry) != "France" {
		t.Errorf("stored %q, %q", str(c.HomeCountry), str(c.BusinessCountry))
	}
	expectErrors(t, h.send(put(request(
		contact(el("contact_id", "666"), el("home_country", "FR"), el("business_country", "Atlantis")),
		contact(el("contact_id", "777"), el("work_country", "Xanadu"), el("business_country", "France"))))),
		at("home-country-invalid", "1", "2"), at("business-country-invalid", "1", "2"), at("business-country-invalid", "2", "2"))
}

// rm_rules: FALSE (the default) refuses to empty a detail a rule uses; TRUE deletes a custom
// template using it (removing it from every link) and detaches a template from the links whose
// variable rule the detail fixes.
func TestRmRules(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	emptyMobile := contact(el("contact_id", "555"), el("mobile_phone", ""))
	emptyBusiness := contact(el("contact_id", "555"), el("business_phone", ""))
	t.Run("absent is FALSE", func(t *testing.T) {
		h := shared.sub(t)
		expectErrors(t, h.send(put(request(contact(el("contact_id", "333")), emptyMobile))), at("empty-fields-used-in-rules", "2", "2"))
	})
	t.Run("FALSE with a detail no rule uses", func(t *testing.T) {
		h := shared.sub(t)
		ok204(t, h.send(put(request(el("rm_rules", "FALSE"), contact(el("contact_id", "555"), el("notes", ""))))))
	})
	t.Run("TRUE deletes the custom template", func(t *testing.T) {
		h := shared.sub(t)
		ok204(t, h.send(put(request(el("rm_rules", "TRUE"), emptyMobile))))
		st := h.state()
		if slices.ContainsFunc(st.RuleTemplates, func(t iovox.RuleTemplate) bool { return t.ID == "forward-to-rule-bound-mobile" }) {
			t.Error("the template using the emptied mobile still exists")
		}
		for _, l := range st.Links {
			if slices.Contains(l.Templates, "forward-to-rule-bound-mobile") {
				t.Errorf("link %s still attaches the deleted template", l.ID)
			}
		}
		if c, _ := h.contact("555"); c.MobilePhone != nil {
			t.Errorf("mobile not cleared: %v", c.MobilePhone)
		}
		if ev := h.backend.Events(); len(ev) != 1 || ev[0].Kind != "rule-template-deleted" || ev[0].Detail["template"] != "forward-to-rule-bound-mobile" {
			t.Errorf("events %+v", ev)
		}
	})
	t.Run("TRUE detaches the variable rule's template", func(t *testing.T) {
		h := shared.sub(t)
		ok204(t, h.send(put(request(el("rm_rules", "TRUE"), emptyBusiness))))
		st := h.state()
		if !slices.ContainsFunc(st.RuleTemplates, func(t iovox.RuleTemplate) bool { return t.ID == "business-hours" }) {
			t.Error("a template fixed by a variable rule was deleted; it must only be detached")
		}
		for _, l := range st.Links {
			if l.ID == "link-sales" && (slices.Contains(l.Templates, "business-hours") || len(l.Variables) != 0) {
				t.Errorf("link-sales still attaches business-hours: %+v", l)
			}
			if l.ID == "link-sales" && !slices.Contains(l.Templates, "forward-to-rule-bound-mobile") {
				t.Errorf("link-sales lost a template it did not have to: %+v", l)
			}
		}
		if ev := h.backend.Events(); len(ev) != 1 || ev[0].Kind != "rule-template-detached" || ev[0].Detail["link"] != "link-sales" {
			t.Errorf("events %+v", ev)
		}
	})
}

// display_name must be unique together with any of the contact's phone numbers, across contacts
// after the batch: a contact keeping its own name and number is no clash, and a clash that the
// same batch removes is none either.
func TestDisplayNamePhoneCombination(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	tests := []struct {
		name string
		body string
		want []want
	}{
		{"own name and number unchanged", request(contact(el("contact_id", "444"), el("display_name", "Jane Doe"), el("mobile_phone", "447700900123"))), nil},
		{"another contact's name, other numbers", request(contact(el("contact_id", "333"), el("display_name", "Jane Doe"))), nil},
		{"another contact's name with her business phone", request(contact(el("contact_id", "333"), el("display_name", "Jane Doe"), el("business_phone", "442079460123"))),
			[]want{at("display-name-phone-exists", "1", "1")}},
		{"a number only, onto a name that has it", request(contact(el("contact_id", "666"), el("display_name", "Jane Doe")), contact(el("contact_id", "333"), el("mobile_phone", "447700900123"))), nil},
		{"the batch renames the holder first", request(
			contact(el("contact_id", "444"), el("display_name", "Jane Roe")),
			contact(el("contact_id", "333"), el("display_name", "Jane Doe"), el("mobile_phone", "447700900123"))), nil},
		{"fax counts as a phone number", request(contact(el("contact_id", "333"), el("display_name", "Ann Lee"), el("business_fax", "447700900666"))),
			[]want{at("display-name-phone-exists", "1", "1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shared.sub(t)
			resp := h.send(put(tt.body))
			if tt.want == nil {
				ok204(t, resp)
				return
			}
			expectErrors(t, resp, tt.want...)
		})
	}
}

// Internationalised: digits only, country calling code first, no trunk 0, no +, no spaces. The
// number need not be a valid national number: the page's own example numbers are one digit short.
func TestPhoneInternationalisation(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	tests := []struct {
		number string
		ok     bool
	}{
		{"447772412312", true},
		{"44123231231", true}, // the page's home_phone: not a valid UK number, accepted
		{"1234567", true},
		{"123456789012345", true},
		{"07772412312", false},
		{"+447772412312", false},
		{"44 7772 412312", false},
		{"44-7772-412312", false},
		{"1234567890123456", false},
		{"123456", false},
		{"447772４12312", false}, // a full-width digit is not an ASCII digit
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			h := shared.sub(t)
			resp := h.send(put(request(contact(el("contact_id", "333"), el("mobile_phone", tt.number)))))
			if tt.ok {
				ok204(t, resp)
				return
			}
			expectErrors(t, resp, at("mobile-phone-not-internationalised", "1", "1"))
		})
	}
}

// First and last names take letters only, of any script; sent empty they clear the name.
func TestNamesAreLettersOnly(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	tests := []struct {
		name string
		ok   bool
	}{
		{"Zoë", true}, {"José", true}, {"李", true}, {"Ærøskøbing", true}, {"", true},
		{"Mary Ann", false}, {"O'Brien", false}, {"J0hn", false}, {"Smith-Jones", false}, {" John", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shared.sub(t)
			resp := h.send(put(request(contact(el("contact_id", "333"), el("first_name", tt.name), el("last_name", tt.name)))))
			if tt.ok {
				ok204(t, resp)
				if c, _ := h.contact("333"); str(c.FirstName) != tt.name || str(c.LastName) != tt.name {
					t.Errorf("stored %q %q", str(c.FirstName), str(c.LastName))
				}
				return
			}
			expectErrors(t, resp, at("first-name-invalid", "1", "1"), at("last-name-invalid", "1", "1"))
		})
	}
}

// v: missing or empty is api-version-empty, anything but 3 api-version-invalid; method: anything
// but exactly updateContacts is method-invalid. Both are reported together; the body is not read.
func TestQueryParameters(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	body := request(contact(el("contact_id", "333")))
	tests := []struct {
		query string
		want  []want // nil: success
	}{
		{"?v=3&method=updateContacts", nil},
		{"?method=updateContacts&v=3", nil},
		{"?v=03&method=updateContacts", nil},
		{"?v=3&method=updateContacts&output=XML", nil},
		{"?method=updateContacts", []want{w("api-version-empty")}},
		{"?v=&method=updateContacts", []want{w("api-version-empty")}},
		{"?v=2&method=updateContacts", []want{w("api-version-invalid")}},
		{"?v=3.0&method=updateContacts", []want{w("api-version-invalid")}},
		{"?v=three&method=updateContacts", []want{w("api-version-invalid")}},
		{"?v=+3&method=updateContacts", []want{w("api-version-invalid")}}, // "+" is a space in a query
		{"?v=3&v=3&method=updateContacts", []want{w("api-version-invalid")}},
		{"?v=3", []want{w("method-invalid")}},
		{"?v=3&method=", []want{w("method-invalid")}},
		{"?v=3&method=UpdateContacts", []want{w("method-invalid")}},
		{"?v=3&method=updateContacts&method=updateContacts", []want{w("method-invalid")}},
		{"", []want{w("api-version-empty"), w("method-invalid")}},
		{"?v=9&method=getContacts", []want{w("api-version-invalid"), w("method-invalid")}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			h := shared.sub(t)
			resp := h.send(rawRequest{target: "/Contacts" + tt.query, header: authHeader("application/xml"), body: body})
			if tt.want == nil {
				ok204(t, resp)
				return
			}
			expectErrors(t, resp, tt.want...)
		})
	}
}

// A malformed payload is answered with the parser's message and the real line and column.
func TestXMLParseErrorNamesLineAndColumn(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	tests := []struct {
		name, body   string
		line, column string
	}{
		{"mismatched end tag", "<request>\n  <contact>\n    <contact_id>333</contact_id>\n  </contacts>\n</request>", "4", "13"},
		{"bare ampersand", "<request>\n<contact><notes>a & b</notes></contact></request>", "2", "20"},
		{"undeclared entity", "<request><contact><notes>&lol;</notes></contact></request>", "1", "30"},
		{"text after the root", "<request/>\ntrailing", "2", "8"},
		// The parser checks text once it has read the '<' that ends it: column 30, not 29.
		{"invalid UTF-8", "<request><contact><notes>caf\xe9</notes></contact></request>", "1", "30"},
		{"only a declaration", `<?xml version="1.0"?>`, "1", "21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shared.sub(t)
			expectErrors(t, h.send(put(tt.body)), w("xml-parse-error", "detail", parseErrorDetail(t, tt.body), "line", tt.line, "column", tt.column))
		})
	}
}

// A DOCTYPE (the door to entity expansion) and documents beyond the parser's limits are refused as
// a parse error where the parser stopped: the page's row for a payload the vendor cannot read.
func TestHostileXMLIsAParseError(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	laughs := `<?xml version="1.0"?>` + "\n" + `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><request>&lol2;</request>`
	deep := "<request>" + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + "</request>"
	tests := []struct {
		name, body   string
		line, column string
	}{
		{"DOCTYPE", laughs, "2", "64"}, // the '>' that closes the DOCTYPE
		{"deep nesting", deep, "1", "105"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shared.sub(t)
			_, err := contract.ParseXML(strings.NewReader(tt.body))
			if !errors.Is(err, contract.ErrXMLNotAllowed) {
				t.Fatalf("the parser accepts the %s: %v", tt.name, err)
			}
			expectErrors(t, h.send(put(tt.body)), w("xml-parse-error", "detail", err.Error(), "line", tt.line, "column", tt.column))
		})
	}
}

// A root element other than <request> is a parse error at the root, with the decoder's reason.
func TestRootElementMustBeRequest(t *testing.T) {
	h := newHarness(t, mock.Options{})
	body := "<contacts><contact><contact_id>333</contact_id></contact></contacts>"
	root, _ := contract.ParseXML(strings.NewReader(body))
	doc := specs.MustLoad(specs.Iovox)
	_, err := contract.FromXML(root, doc.Paths.Find("/Contacts").Put.RequestBody.Value.Content.Get("application/xml").Schema)
	if err == nil {
		t.Fatal("the decoder accepts <contacts>")
	}
	expectErrors(t, h.send(put(body)), w("xml-parse-error", "detail", err.Error(), "line", "1", "column", "1"))
}

// An element sent twice where one is allowed has no row either: a parse error at the element.
func TestRepeatedSingleElement(t *testing.T) {
	h := newHarness(t, mock.Options{})
	body := "<request>\n<contact><contact_id>333</contact_id>\n<display_name>A</display_name><display_name>B</display_name></contact></request>"
	expectErrors(t, h.send(put(body)), w("xml-parse-error", "detail", schemaReason(t, "Contact", map[string]any{"contact_id": "1", "display_name": []any{"A", "B"}}), "line", "3", "column", "1"))
}

// Over 1 MiB, the server reads 1 MiB and the document ends there: "unexpected EOF" at the last byte
// read, raw and through the client.
func TestBodyOverTheCap(t *testing.T) {
	h := newHarness(t, mock.Options{})
	notes := strings.Repeat("n", iovox.MaxBodyBytes)
	body := request(contact(el("contact_id", "333"), el("notes", notes)))
	firstLine := strings.Index(body, "\n") + 1
	column := strconv.Itoa(iovox.MaxBodyBytes - firstLine)
	want := w("xml-parse-error", "detail", io.ErrUnexpectedEOF.Error(), "line", "2", "column", column)
	expectErrors(t, h.send(put(body)), want)
	err := h.update(api.UpdateContactsPayload{Contact: []api.Contact{{ContactID: "333", Notes: &notes}}})
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || len(apiErr.Errors) != 1 || apiErr.Errors[0].ID != "xml-parse-error" || apiErr.Errors[0].Params["detail"] != io.ErrUnexpectedEOF.Error() {
		t.Errorf("client: %v", err)
	}
	// Exactly at the cap is read whole.
	pad := iovox.MaxBodyBytes - len(request(contact(el("contact_id", "333"), el("notes", ""))))
	ok204(t, h.send(put(request(contact(el("contact_id", "333"), el("notes", strings.Repeat("n", pad)))))))
}

// The spec's request body is read as XML whatever its label (x-body-media-type): public clients
// send the same payload as application/xml, as application/x-www-form-urlencoded (libcurl's label
// for a PUT with a string body) or unlabelled, and count on it being applied. A body that is not
// XML is a parse error whatever it is labelled.
func TestContentType(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	body := request(contact(el("contact_id", "333")))
	for _, ct := range []string{"application/xml", "Application/XML; charset=utf-8", "text/xml",
		"application/x-www-form-urlencoded", "application/json", ""} {
		t.Run(ct, func(t *testing.T) {
			h := shared.sub(t)
			ok204(t, h.send(rawRequest{target: "/Contacts" + query, header: authHeader(ct), body: body}))
		})
	}
	t.Run("JSON labelled XML or JSON", func(t *testing.T) {
		for _, ct := range []string{"application/xml", "application/json"} {
			h := shared.sub(t)
			resp := h.send(rawRequest{target: "/Contacts" + query, header: authHeader(ct), body: `{"contact":[{"contact_id":"333"}]}`})
			if resp.status != http.StatusBadRequest || !strings.Contains(string(resp.body), "XML parse error") {
				t.Errorf("%s: got %d %s, want the XML parse error", ct, resp.status, resp.body)
			}
		}
	})
}

// Whitespace is no payload.
func TestWhitespaceBodyIsXMLEmpty(t *testing.T) {
	h := newHarness(t, mock.Options{})
	expectErrors(t, h.send(put(" \r\n\t ")), w("xml-empty"))
}

// Any method but PUT on /Contacts names the method; any other path is route-not-found.
func TestMethodsAndPaths(t *testing.T) {
	shared := newHarness(t, mock.Options{})
	tests := []struct {
		method, target string
		want           want
	}{
		{http.MethodGet, "/Contacts" + query, w("request-method-not-put", "method", "GET")},
		{http.MethodPost, "/Contacts", w("request-method-not-put", "method", "POST")},
		{http.MethodDelete, "/Contacts" + query, w("request-method-not-put", "method", "DELETE")},
		{http.MethodPatch, "/Contacts" + query, w("request-method-not-put", "method", "PATCH")},
		{"PROPFIND", "/Contacts" + query, w("request-method-not-put", "method", "PROPFIND")},
		{http.MethodPut, "/contacts" + query, w("route-not-found")},
		{http.MethodPut, "/Contacts/333" + query, w("route-not-found")},
		{http.MethodGet, "/" + query, w("route-not-found")},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			h := shared.sub(t)
			expectErrors(t, h.send(rawRequest{method: tt.method, target: tt.target, header: authHeader("application/xml"), body: request(contact(el("contact_id", "333")))}), tt.want)
		})
	}
}

// Both headers must carry the configured credentials; neither credential ever reaches a log.
func TestAuthentication(t *testing.T) {
	const key = "s3cr3t-k3y-never-logged"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHarnessWith(t, iovox.Options{Credentials: iovox.Credentials{Username: "alice", SecureKey: apiclient.NewSecret(key)}, Logger: logger}, mock.Options{Logger: logger})
	body := request(contact(el("contact_id", "333")))
	tests := []struct {
		name   string
		header http.Header
		ok     bool
	}{
		{"right", http.Header{"username": {"alice"}, "secureKey": {key}}, true},
		{"canonical header names", http.Header{"Username": {"alice"}, "Securekey": {key}}, true},
		{"wrong key", http.Header{"username": {"alice"}, "secureKey": {key + "x"}}, false},
		{"wrong user", http.Header{"username": {"bob"}, "secureKey": {key}}, false},
		{"no key", http.Header{"username": {"alice"}}, false},
		{"none", http.Header{}, false},
		{"key as user", http.Header{"username": {key}, "secureKey": {"alice"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.header.Set("Content-Type", "application/xml")
			resp := h.send(rawRequest{target: "/Contacts" + query, header: tt.header, body: body})
			if tt.ok {
				ok204(t, resp)
				return
			}
			expectErrors(t, resp, w("authentication-failed"))
		})
	}
	// An invalid request and the documented fault log too.
	h.send(rawRequest{target: "/Contacts?v=1", header: http.Header{"username": {"alice"}, "secureKey": {key}}, body: "<"})
	if strings.Contains(logs.String(), key) {
		t.Errorf("the secure key reached the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "status=401") {
		t.Errorf("the requests were not logged: %q", logs.String())
	}
}

// A zero Options means the documented test credentials; half a credential is refused.
func TestNewCredentials(t *testing.T) {
	if _, err := iovox.New(iovox.Options{Credentials: iovox.Credentials{Username: "x"}}); err == nil {
		t.Error("New accepted a username without a secure key")
	}
	b, err := iovox.New(iovox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodPut, "/Contacts", nil)
	r.Header.Set("username", "test")
	r.Header.Set("secureKey", "test")
	if !b.Authenticate(r, nil) {
		t.Error("the default credentials are not test/test")
	}
}

// A body that is not UTF-8 where the XML parser does not look (inside a processing instruction) is
// still no UTF-8 document: a parse error at the first byte that is not UTF-8 (the fuzzer's
// finding b5ba1b15bb68ce7d).
func TestInvalidUTF8TheParserSkips(t *testing.T) {
	h := newHarness(t, mock.Options{})
	expectErrors(t, h.send(put("<?A \xff?><request></request>")), w("xml-parse-error", "detail", "invalid UTF-8", "line", "1", "column", "5"))
}

// getContactDetails (assumed) answers every contact as stored, the details under the names
// updateContacts writes (repeated phone elements, countries as stored), so that an update is
// visible through it; it changes nothing.
func TestGetContactDetailsReadsTheStore(t *testing.T) {
	h := newHarness(t, mock.Options{})
	ctx := context.Background()
	c := h.client(testCreds, "")
	before := h.state()
	for _, want := range before.Contacts {
		got, err := c.GetContactDetails(ctx, want.ContactID)
		if err != nil {
			t.Fatalf("contact %s: %v", want.ContactID, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("contact %s read as\n  %+v\nwant\n  %+v", want.ContactID, got, want)
		}
	}
	if !reflect.DeepEqual(h.state(), before) {
		t.Error("reading changed the store")
	}
	if err := h.update(api.UpdateContactsPayload{ReplaceDetails: ptr(api.FlagTRUE),
		Contact: []api.Contact{{ContactID: "333", Notes: ptr("Read back."), MobilePhone: []string{"447700900001", "447700900002"}}}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetContactDetails(ctx, "333")
	if err != nil {
		t.Fatal(err)
	}
	if got.Notes == nil || *got.Notes != "Read back." || !slices.Equal(got.MobilePhone, []string{"447700900001", "447700900002"}) {
		t.Errorf("after the update: notes %v, mobile_phone %v", got.Notes, got.MobilePhone)
	}
}
