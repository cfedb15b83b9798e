// Package auregister is the stateful mock of auregister's "Update Contact" operation, PATCH
// /contacts/{contactId}: specs/auregister.yaml served by the spec-driven engine (mock.Engine),
// plus the one business rule the engine cannot read from a schema, the contact-type rules.
//
// # What the spec says, and the engine does
//
// The spec's x-mock declares the body cap (1 MiB), the JSON error body {"error", "message",
// "field"}, the order of checks (authentication, media type, body syntax, body values, contact
// lookup, an id that is no integer, the contact-type rules, last the address), and two
// collections of records, contacts (schema Contact) and addresses (schema Address), which
// fixtures.json fills. Every catalogue entry says in `when` which failure it answers
// (invalid-enum-value: {on: invalid, in: body, keyword: enum}, ...). addressId carries x-mock-ref:
// addresses, so an address that does not exist is refused by the engine's reference check.
// updateContact's x-mock makes it a partial update of the contact named by contactId: absent
// properties are kept, null clears, a value replaces, and the answer is the stored contact.
//
// # What this package adds
//
// Adapter reads the rule table x-contact-type-rules on ContactUpdate (specs.ReadContactTypeRules)
// and judges each update against the stored contact's type: a type in notUpdatable refuses
// everything (rule notUpdatable); a matchStored property (id, contactType) must equal the stored
// value (rule matchStored); a field the type does not allow may carry only a notAViolation value
// (null, "" or the stored value), which changes nothing (rule notAllowed). The rules read the
// stored type, never the body's.
//
// # Fixtures
//
// The page's contact 1941877 (People, at address 1675073, exactly as the page's answer prints
// it, so that the page's request succeeds as printed), a Joint Member (1941878), a Company
// (1941879), an Other Entity (1941880) and a second People contact (1941881).
package auregister
