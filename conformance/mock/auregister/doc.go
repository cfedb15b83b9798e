// Package auregister is the stateful mock of auregister's "Update Contact" operation, PATCH
// /contacts/{contactId}, as specs/auregister.yaml describes it (from the vendor page
// auregister-patch-contact.txt). It is a mock.Backend: the shared pipeline in front of it
// routes, authenticates, validates with kin-openapi and checks every answer against the spec.
//
// # What it holds
//
// A Store of contacts and addresses, loaded from fixtures.json (or a fixtures file in the same
// format, checked whole before anything changes): the page's contact 1941877, a People contact at
// address 1675073 exactly as the page's answer prints it, so that the page's request succeeds as
// printed; a Joint Member (1941878), a Company (1941879), an Other Entity (1941880) and a second
// People contact (1941881). Contacts are kept as their JSON properties, canonical, so the
// contact-type rules compare values without a field list; one mutex guards the store, and an
// update is judged and applied under it, the record replaced whole.
//
// # How it answers
//
// The Server implements the StrictServerInterface generated in gen/auregister, behind the
// generated std-http router. Every refusal is a catalogue entry of the spec (x-error-catalogue)
// rendered in the assumed JSON error body {"error", "message", "field"}; no message is written in
// Go. The checks follow the order the spec assumes in updateContact's description, so a request
// with several faults gets one predictable answer:
//
//  1. authentication: "Authorization: Bearer <token>" (401 unauthorized);
//  2. media type: application/json, parameters and case ignored (415);
//  3. body syntax and schema (400): one JSON object (malformed-body), then per field, from the
//     spec's schema: JSON type (invalid-field-type), enumeration (invalid-enum-value, null
//     allowed where nullable), ISO 8601 calendar date that exists (invalid-date), ISO 3166 code
//     or English name (invalid-country, internal/country);
//  4. contact lookup (404 contact-not-found; a contactId that is no integer names no contact);
//  5. the contact's type, from the rule table x-contact-type-rules (specs.ReadContactTypeRules):
//     a type in notUpdatable refuses everything (joint-member-not-updatable); a matchStored
//     property (id, contactType) must equal the stored value (read-only-field-changed); a field
//     the stored type does not allow may carry only a notAViolation value, null, "" or the
//     stored value, which changes nothing (field-not-allowed-for-contact-type);
//  6. the address: an addressId to be stored must exist (400 unknown-address-id).
//
// Within a step, the first offending field by wire name is named, comparing bytes as the page's
// own JSON orders its keys (birthState before birthday). Then each allowed property present is
// applied, null clearing it, "" storing "", a value replacing it, and the answer is the whole
// stored contact (200).
//
// # Assumptions it follows, and why
//
//   - The rules read the stored type, never the body's: the page says the type decides, and the
//     body's contactType is itself checked against the stored one.
//   - notAViolation values leave the stored value alone even where null would otherwise clear:
//     the rule table calls them no-ops. The page's own example is why "unchanged" is among them.
//   - "" is a no-op only where it is a valid value: the body's form is judged first, so "" for
//     sex, birthState, a date or a country is a 400 on any contact.
//   - Properties the spec does not declare are ignored, as kin-openapi ignores them, and keys
//     match exactly: the table's misspelt placeOfIncorportaion changes nothing. The handler
//     passes only the declared properties, re-encoded, to the generated decoder, which would
//     otherwise bind "FIRSTNAME" to firstName.
//   - An integer is an integer in JSON Schema's sense (1.0 and 1e3 pass, as in kin-openapi),
//     within int64; beyond 2^53 only plain digits are exact, so other notations are refused.
//   - Unknown routes and wrong methods answer Rails' route-not-found (404) before any check of
//     the token, as Rails routes before any controller runs.
//   - Bodies over MaxBodyBytes (1 MiB) and bodies that are not UTF-8 are malformed bodies, after
//     the token and media type checks the spec puts first. A query that is not UTF-8 is ignored
//     like any query (the operation has none): the request is judged without it.
//   - An injected fault answers the spec's assumed internal-server-error entry (500).
//
// kin-openapi validates requests before the handler and accepts a few bodies the vendor is
// assumed to refuse (2001-02-30 matches its date pattern; data after the object is ignored).
// The handler therefore judges every body itself, and Reject maps kin-openapi's errors (by
// JSON pointer and schema keyword) together with the handler's own judgement, so that the
// answer is the same with the pipeline as with the handler alone; the tests check that they
// agree. The handler alone does not authenticate: Authenticate is the pipeline's step.
package auregister
