// Package valomnia is a typed client for Valomnia's "Update a contact"
// service and the session login it depends on.
//
// The *.gen.go files are generated from specs/valomnia.yaml by `go generate` at the module root
// (see generate.go) and are never edited by hand; fix the spec and regenerate instead. The spec,
// not this package, is where the fields, error catalogue and documented contradictions live.
//
// Most users need only ContactsClient (contacts.go): NewContactsClient with the tenant's base URL
// and a user's Credentials, then UpdateContact. The hand-written files close what the generator
// leaves open:
//
//   - Login (session.go). login and loginSuccess are served at the tenant's host root, which
//     generated clients cannot reach (they ignore operation-level servers), so the client derives
//     the login URL from the base URL by dropping its /api/{version}, or takes
//     Credentials.LoginURL. The login's 302 carries the cookie the token page needs, so the
//     client follows it itself (apiclient's default http.Client never follows redirects), only to
//     the same host, and moves a ";jsessionid=" path parameter into the cookie so that the session
//     id never appears in a URL that is logged.
//   - The session. oapi-codegen generates nothing for an apiKey-in-cookie scheme; the client
//     adds the JSESSIONID cookie to every call, logs in lazily, and shares one session between
//     concurrent callers. Its lock is a one-slot channel rather than a sync.Mutex, so that a caller
//     waiting for another's login still honours its own context. A no_credentials answer renews
//     the session once and repeats the call; callers refused together with the same session renew
//     it once between them.
//   - Photos (multipart.go). The generator has no typed multipart encoder. UpdateContact encodes
//     the fields through the generated form marshalling in both media types, adds the photo part
//     with the content type detected from its bytes, and refuses a photo of another format or
//     over MaxImageBytes before sending anything. MaxImageBytes takes the stricter reading of the
//     page's "2Mo" (2,000,000 bytes; see the spec's imageFile x-assumed).
//   - Errors (errors.go). Every failure the vendor answers is an *APIError, identified in the
//     spec's catalogue among the entries of the failed operation first, then the root's. An answer
//     whose message is reworded is still identified by its code when only one entry carries it.
//     Error bodies that are not valid JSON keep their text, and a code is still read from them:
//     the page itself prints exceeded_file_size without a closing quote.
package valomnia
