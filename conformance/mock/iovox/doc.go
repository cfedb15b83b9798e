// Package iovox is the mock of iovox's Contacts updateContacts method (Enterprise REST v3.0,
// vendor page iovox-updateContacts.txt), and of getContactDetails (GET, assumed after public
// clients), which reads a contact back as updateContacts stores it: the spec-driven engine of
// conformance/mock serving specs/iovox.yaml, plus this package's adapter holding only the page's
// business rules. The spec's x-mock and the catalogue entries' `when` declare everything else
// (the `method` query parameter chooses the operation: x-selects-operation); specs/README.md, "The
// mock engine", describes them.
//
// # What the spec declares
//
// Success is 204 with no body. Every failure is the vendor's XML list,
// `<errors><error status="400">...</error></errors>` (application/xml, no XML declaration), and
// lists every fault of the earliest stage of checks, in catalogue order, then by contact position
// ("x of y", 1-based among all contacts), then by position in the body, each message once. The
// stages: path (route-not-found) and method on /Contacts (request-method-not-put); credentials
// (the username and secureKey headers, authentication-failed); the query (v missing or empty:
// api-version-empty; another value, repeated, or a query that is not UTF-8: api-version-invalid;
// method other than exactly updateContacts: method-invalid); the body's presence, media type and
// syntax (xml-empty, xml-parse-error with the parser's message, line and column; a DOCTYPE, a
// document beyond the parser's limits and a body cut at the 1 MiB cap are parse errors where the
// parser stopped); then everything about the contacts, which is listed together: the schema's
// failures mapped by JSON pointer and keyword to the page's rows (a failure the page has no row
// for, such as a flag other than TRUE or FALSE, is xml-parse-error with the validator's reason at
// the element's start tag), unknown contact ids, duplicate ids, and this package's rules.
//
// The batch is judged whole and applied all or nothing (the spec's x-assumed). Elements left out
// keep their value; an element sent empty clears its detail; phone lists are replaced with
// replace_details TRUE and added to otherwise, never holding a number twice; work_country is
// stored as business_country (business_country wins when both are sent); new_contact_id renames
// the contact (ids stay unique after the batch, so a rename onto a kept id is
// contact-id-duplicate; two contacts may swap ids; an empty one renames nothing).
//
// # The page's rules (this package)
//
//   - Countries are English country names ("GB" is refused: home-country-invalid,
//     business-country-invalid), stored by their canonical name.
//   - With home_country (business_country, work_country) left out and a home (business) phone
//     sent, the country is guessed from the first number's calling code
//     (github.com/nyaruka/phonenumbers; non-geographic codes such as 800 guess nothing).
//   - A display name with any of its contact's phone numbers (fax included) is unique across
//     contacts after the batch: display-name-phone-exists for a clash with a contact the batch
//     leaves alone, display-name-phone-duplicated for one between contacts of the batch.
//   - Rule templates and links (the fixtures' rule_templates and links): emptying a detail a rule
//     uses needs rm_rules TRUE (else empty-fields-used-in-rules); with it, a template using the
//     detail is deleted and removed from every link, and a template whose variable rule the
//     detail fixes is detached from that link, each recorded as an Event. Rules follow renames.
//
// Which properties are phone numbers and countries is read from the spec (properties of the
// PhoneNumbers and CountryName schemas), so the rules follow a spec change.
//
// # Fixtures and state
//
// fixtures.json is the default data: contact 333 for the page's example (which renames it to
// "333 Updated"), 444 for display name clashes, 555 with the rules, 666 and 777 for batches. A
// fixtures document (GET /_admin/state/iovox's shape, which State reads) is checked whole before
// it replaces anything: contacts against the spec's Contact schema with a display name, ids
// unique, countries known, no display name and phone clash, rules naming existing contacts,
// details and templates.
package iovox
