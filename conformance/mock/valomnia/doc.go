// Package valomnia is the stateful mock of Valomnia's "Update a contact" service
// (shared/vendor-docs/valomnia-update-contact.txt, "the page") and of the session login every API
// call depends on, as specs/valomnia.yaml describes them. It is a mock.Backend: an in-memory store
// and session table behind a strict handler that implements gen/valomnia's
// StrictServerInterface, served through the generated std-http handler, behind the shared
// pipeline of conformance/mock (routing, credentials, the spec's validation, fault injection,
// response validation).
//
// # Answers
//
// Every error body is rendered from the spec's error catalogue, in the vendor's JSON format
// ({"error": code, "error_description": text}); no vendor text is written in Go. New refuses a
// spec whose catalogue lacks an entry the mock uses or names its placeholders differently.
//
// # Login and sessions
//
// POST /j_spring_security_check (at the host root, not under /api/v1.0) with j_username,
// j_password and ajax=true, for the configured Credentials, answers 302 to /login/ajaxSuccess with
// a Set-Cookie JSESSIONID; GET /login/ajaxSuccess with that cookie answers {"success": true,
// "token": ..., "username": ...}, the token being the session id itself (as with Grails'
// spring-security-core, whose URLs these are). Sessions live server-side under random opaque
// tokens (16 random bytes, upper-case hex) and expire after Options.SessionTimeout without use (30
// minutes by default, a servlet container's idle timeout); every request that presents one
// extends it. The admin reset closes them all. An API call without an open session answers
// no-credentials; the token page without one, login-success-no-session; any refused login,
// login-failed (the spec assumes 401 for both). Mounted under a path (/valomnia in the shared
// server), the redirect and the cookie's path carry the mount.
//
// Following the spec's assumption (the x-assumed of the login's form media type) that the vendor
// reads request parameters, the query string counts as well as the form body, body first, for the
// login as for the update; the spec's validation, which requires the body, is overruled there
// (Reject hands such requests to the handler).
//
// # The update and the order of its checks
//
// POST /api/v1.0/contacts/{id}, URL-encoded or multipart, is judged in this order; the first
// failure answers. The page gives no order; this one checks what was sent before what it names,
// and what it names before its values, which is also the only order compatible with the pipeline
// (the spec's validation, which finds only missing fields and a non-boolean useExternalId, runs
// before the handler):
//
//  1. missing-param: the first of the spec's required properties (firstName, lastName,
//     customerId, in the table's order) that is absent or empty. A body that cannot be read to
//     its end (truncated multipart, malformed escapes, no multipart boundary) or in another media
//     type carries no parameter the vendor reads, so the first one is missing. So does a multipart
//     body beyond the framing limits a servlet container's parser sets (contract.CheckMultipart:
//     more than 100 parts, a part's header lines over 10 KiB, no closing delimiter), checked
//     before any part is read. A part without a form-data name sets no parameter.
//  2. invalid-param-type: useExternalId that is not a boolean (it decides how ids are read); then,
//     without useExternalId=true, a path id or customerId that is not a Long (an optional sign and
//     decimal digits, 64 bits, as Java parses it); then the first parameter, in wire order, whose
//     name or a value is not UTF-8.
//  3. not-found-contact, then not-found-customer: with useExternalId=true the path id and
//     customerId are the caller's own references (the fixtures' "reference"), else Valomnia's ids.
//     The page's only 404 text is the customer's; the contact's is the spec's assumed sibling.
//  4. email-validation-error: a non-empty email that is not a bare address as net/mail parses it
//     (no display name, angle brackets or comment) with a domain of at least two non-empty labels
//     and no address literal. Grails' email constraint (Apache Commons Validator) also refuses
//     dotless domains; the exact rule is not public, this is the mock's.
//  5. country-error: a non-empty country that is not an ISO 3166-1 alpha-2 code exactly as written
//     (internal/country ByAlpha2: "FR" yes; "fr", "FRA", "ZZ" no). The spec deliberately has no
//     pattern, so the check is the mock's.
//  6. exceeded-file-size: a photo over MaxImageBytes (2,000,000 bytes: the stricter reading of the
//     page's "2Mo", the one the typed client applies too); a multipart body over MaxBodyBytes (4
//     MiB) gets the same answer before any other check, as a multipart resolver refuses an
//     oversized upload before the controller runs. A form body over the cap has no parameters.
//  7. unsupported-file-type: a photo whose bytes http.DetectContentType does not name JPEG, GIF,
//     PNG or BMP. The file name and declared Content-Type play no part (the spec's
//     encoding.contentType makes its validation refuse a PNG declared application/octet-stream;
//     the mock, like the vendor, accepts it).
//  8. save-failed: a text longer than MaxTextLength (255 characters, GORM's default column), or a
//     contact the fixtures flag failSave (the vendor's storage refusing a valid record, which no
//     request value could cause on purpose).
//
// Otherwise the contact is updated and answered whole: firstName, lastName and the customer
// always; each optional field sent is stored as sent (an empty value clears it); fields not sent,
// and what the update cannot set (comment, isDecisionMaker, user, dateCreated), are kept (the
// spec's ContactUpdate x-assumed). lastUpdated moves to the time of the update, to the second. A
// photo (the multipart part named imageFile, first non-empty one; an empty part is no photo)
// gets a link of the page's shape, the organization's photo folder then
// "<epoch ms>_<n>_<file name>", where the page's unexplained number n is the photo's size in bytes
// and the file name keeps only letters, digits, dot, dash and underscore. The photo itself is not
// served.
//
// Requests the pipeline refuses reach Reject: unknown routes and wrong methods answer
// route-not-found naming the path below the host root; a missing session, no-credentials; a
// refused login form, login-failed; an update the spec's validation refused or whose parameters
// are not UTF-8 goes to the handler, which judges it in full as above (kin-openapi's findings are
// walked and logged at debug level; they are a subset of the handler's checks, apart from the
// photo's declared type). So the handler alone (Backend.Handler, validation off) answers every
// update exactly as the full pipeline does, which a test checks.
//
// # Data
//
// The default fixtures (fixtures.json) hold the page's contact 5 (Marie Schrader of customer 3229
// "C0959" Marie's Jewelry, user 4 emp-00, organization entity1, with the page's photo and dates),
// and what the spec's and the golden files' request examples name: contact 123 (Valomnia id) and
// contact 6 (caller reference "123"), customer 4410 whose reference is "3229" (the golden
// update-contact-request-table.form sends customerId=3229 with useExternalId=true), and contact 13
// flagged failSave. Customer 31888, the page's 404 example, does not exist. PrepareFixtures checks
// a whole data set (unique ids and references, links that resolve, emails and countries the
// update would accept, dates in order) before anything changes; State answers the store in the
// same format, in id order, with the number of open sessions but never a token.
package valomnia
