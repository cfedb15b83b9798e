// Package valomnia is a typed client (and strict server interface) for Valomnia's "Update a contact"
// service and the session login it depends on.
//
// The *.gen.go files are generated from specs/valomnia.yaml by `go generate` at the module root
// (see generate.go) and are never edited by hand; fix the spec and regenerate instead. The spec,
// not this package, is where the fields, error catalogue and documented contradictions live.
//
// What the generated code leaves to the caller, and what hand-written helpers beside it will do:
//
//   - Login. login and loginSuccess are served at the tenant's host root, not under /api/{version};
//     generated clients ignore the operation-level servers that say so, so a client for them must be
//     built on the host root (https://{organisation}.valomnia.com). Its http.Client must not follow
//     the login's 302 by itself: the redirect sets the JSESSIONID cookie that loginSuccess needs.
//     A helper will run both steps and return the token.
//   - The session. oapi-codegen generates nothing for an apiKey-in-cookie scheme; every API call
//     needs a RequestEditorFn adding the JSESSIONID cookie. A helper will provide one.
//   - Photos. The generator has no typed multipart encoder: UpdateContactWithBody takes a body the
//     caller encodes, with its boundary in the content type. A helper will encode a
//     ContactUpdateMultipart (imageFile included).
//   - Errors. Failures decode into ErrorBody; a helper will map them to the spec's catalogue
//     entries as typed errors.
package valomnia
