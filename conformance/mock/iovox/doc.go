// Package iovox is a stateful mock of iovox's Contacts updateContacts method (Enterprise REST
// v3.0, vendor page iovox-updateContacts.txt), behaving as specs/iovox.yaml says, assumptions
// included. It is a mock.Backend: an in-memory store (store.go) and a strict handler implementing
// gen/iovox's StrictServerInterface (server.go), served behind the shared pipeline of
// conformance/mock, which routes, authenticates and validates every request against the spec.
//
// # Answers
//
// Success is 204 with no body. Every failure is the vendor's XML list,
// `<errors><error status="400">...</error></errors>` as application/xml without an XML
// declaration (the public sample has none), each message rendered from the spec's
// x-error-catalogue (errors.go). The list holds every error found, in catalogue order and then by
// contact position; contacts are named "x of y", 1-based among all contacts of the payload; the
// same message is listed once. The batch is applied all or nothing (the spec's x-assumed): it is
// judged and written under one lock, and nothing is written when any contact fails.
//
// One evaluation (payload.go) judges a request, whether it reached the handler or the pipeline
// refused it: a refused request lists the same errors the handler would have listed. It parses
// the body with contract.ParseXML and contract.FromXML and validates it with the spec's own schema
// through kin-openapi, exactly as the pipeline does, then maps each schema failure by its JSON
// pointer and keyword to the page's row ("/contact/1/home_phone/0" + pattern is "Home Phone 2 of y
// is not internationalised"). kin-openapi's error is used only when that evaluation finds nothing,
// which tests and fuzz targets require never to happen.
//
// # Order of checks
//
//  1. Path and method: any path but /Contacts is route-not-found; any method but PUT on /Contacts
//     is request-method-not-put naming the method. Then the credentials (username and secureKey
//     headers): authentication-failed.
//  2. Query: v (missing or empty: api-version-empty; not exactly one value that reads as 3:
//     api-version-invalid) and method (not exactly one "updateContacts": method-invalid), reported
//     together. The body is not read after a query error.
//  3. Body: empty, whitespace only, or not declared application/xml (the only media type the spec
//     declares; a server that reads XML from such bodies only sees none): xml-empty.
//  4. XML: a syntax error is xml-parse-error with the parser's message, line and column. The parser
//     also refuses a DOCTYPE (entity expansion) and documents beyond its limits (depth 32, 100 000
//     elements, 64 attributes); those are parse errors too, at the position where the parser
//     stopped: the page's row for a payload the vendor cannot read, and more useful to a caller
//     than any other row. A body over 1 MiB is read up to 1 MiB and parsed as cut there: usually
//     "unexpected EOF" at the last byte read.
//  5. Schema: no <contact> is request-empty; an empty or missing contact_id, contact-id-empty; an
//     empty display_name, display-name-empty; names with anything but letters, first-name-invalid /
//     last-name-invalid; numbers that are not digits-only with the calling code first (no +, no
//     spaces, no leading 0, 7 to 15 digits; the national number need not be valid, the page's own
//     examples are not), the phone kind's own row. A failure the page has no row for (a flag other
//     than TRUE or FALSE, an element sent twice where one is allowed, xsi:nil, a root element other
//     than <request>) is xml-parse-error with the validator's reason at the element's start tag.
//  6. Store: an unknown contact_id is contact-id-not-found; the same contact_id twice, or ids that
//     would not be unique after the batch's renames, contact-id-duplicate; a country that is not
//     an English country name (internal/country; "GB" is refused), home-country-invalid or
//     business-country-invalid (work_country too); a detail sent empty that a rule uses, with
//     rm_rules FALSE (the default), empty-fields-used-in-rules.
//  7. Display name and phone numbers (all four kinds, fax included) must be unique across
//     contacts after the batch: a clash with a contact the batch leaves alone is
//     display-name-phone-exists for the contact at fault; a clash between two contacts of the batch
//     is display-name-phone-duplicated. A contact keeping its own name and number never clashes,
//     and a batch may move a name and number from one contact to another.
//
// # Updates
//
// Elements left out keep their stored value; an element sent empty clears its detail (the spec's
// empty-detail-clears). Phone numbers of a kind are a list: replace_details TRUE replaces it with
// the values sent, FALSE (the default) adds them, without repeating a number; empty elements among
// non-empty ones of the same kind add nothing. rm_rules and replace_details are read from
// <request> only (x-doc-discrepancy flags-placement). work_country and business_country both set
// the one stored business country, business_country winning when both are sent. Countries are
// stored by their English name ("united kingdom" becomes "United Kingdom"). When home_country
// (business_country and work_country) is left out and a home (business) phone is sent, the country
// is guessed from the first number's calling code (github.com/nyaruka/phonenumbers: its 1 to 3
// leading digits, the first assigned prefix wins; non-geographic codes such as 800 guess nothing)
// and stored, replacing the stored one, as the page says.
//
// new_contact_id renames the contact. The catalogue has no entry for a rename onto an id that is
// taken; the mock answers contact-id-duplicate (the ids would no longer be unique), and an empty
// new_contact_id renames nothing (an id cannot be cleared). Two contacts may swap ids in one batch.
//
// # Rules
//
// The fixtures hold rule templates that use contact details (a custom template forwarding calls to
// a contact's mobile_phone) and links that attach templates and may fix a template's variable rule
// with a contact's detail. Emptying such a detail with rm_rules TRUE deletes every template using
// it (and removes it from every link) and detaches a template from every link whose variable rule
// the detail fixes; each removal is recorded as an Event (rule-template-deleted,
// rule-template-detached). Rules follow renamed contacts.
//
// # Fixtures and state
//
// fixtures.json is the default data: contact 333 for the page's example (which renames it to
// "333 Updated"), 444 for display name clashes, 555 with the rules, 666 and 777 for batches. A
// fixtures document (State's JSON) is checked whole before it replaces anything: each contact
// against the spec's Contact schema, ids unique, countries known, no display name and phone clash,
// rules naming existing contacts, details and templates. State returns everything sorted by id.
//
// # Refusals without a row of their own
//
// A query that is not UTF-8 is refused by the pipeline; when v and method still read fine, the mock
// answers api-version-invalid (the query string cannot be read as text).
package iovox
