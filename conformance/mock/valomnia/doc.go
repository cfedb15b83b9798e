// Package valomnia is the mock of Valomnia's "Update a contact" service
// (shared/vendor-docs/valomnia-update-contact.txt, "the page") and of the session login every
// call depends on: the engine of conformance/mock serving specs/valomnia.yaml, whose x-mock hands
// every operation to this adapter (serve) and whose catalogue entries name the rules it refuses
// by (`when`). Records, fixtures, admin state, answers and error bodies come from the spec.
//
// Login: POST /j_spring_security_check (at the host root) with j_username, j_password and
// ajax=true, in a form body or the query (request parameters), or a GET with them in the query,
// answers 302 to the absolute /login/ajaxSuccess with a JSESSIONID cookie; that page answers the
// token and the user. Sessions (mock.Sessions) expire after Options.SessionTimeout without use
// and close on reset.
//
// The update reads request parameters as a servlet container does (mock.ReadParams: form or
// multipart body, then query; first value wins) and is judged in this order, the page giving
// none (the spec's updateContact x-assumed); the first failure answers:
//
//  1. missing-param: a body over the cap that is not multipart, or that cannot be read to its
//     end, has no parameters; else the first required property absent or empty (spec order).
//     A multipart body over the cap is exceeded-file-size, as Spring's resolver refuses it.
//  2. invalid-param-type: a boolean that is not one, then the path id and customerId that are
//     no Long (unless useExternalId=true), then the first parameter not UTF-8, then the first
//     value its schema refuses.
//  3. not-found-contact, then not-found-customer: by id, or by the fixtures' reference with
//     useExternalId=true.
//  4. email-validation-error (validEmail), country-error (not ISO 3166-1 alpha-2 as written).
//  5. exceeded-file-size (over MaxImageBytes), unsupported-file-type (bytes not JPEG, GIF, PNG
//     or BMP, whatever the part's declared type).
//  6. save-failed: a text over MaxTextLength, or a contact the fixtures flag failSave.
//
// Otherwise every sent parameter the Contact schema has is stored as sent (empty clears), the
// rest kept. The default fixtures hold the page's contact 5, what the examples name (contact 123,
// contact 6 by reference "123", customer 4410 by "3229") and contact 13 flagged failSave.
package valomnia
