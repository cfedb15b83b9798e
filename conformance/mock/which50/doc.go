// Package which50 is the mock of the Which50 platform API's "update contacts by match" route
// (PATCH and PUT /contactLists/{contactListId}/contact, and GET, assumed, which reads the contacts
// the same match finds, whole, with any valid token, none matching being an empty list):
// conformance/mock's engine serving
// specs/which50.yaml, plus this package's adapter holding only what the page states beyond the
// spec. fixtures.json is the default data set, in the shape of the spec's x-mock collections:
// lists (ContactList: Id, Name, Fields) and contacts (ContactDTO: ListId, Id, Values; EncContactId
// derived). GET /_admin/state shows the same shape, and loads back as fixtures.
//
// What the spec declares, and the engine does: routing, credentials (a bearer token), decoding
// all five media types once (JSON members bound case-insensitively: caseInsensitiveJSON, for
// which50-put-example-values-case; the DataContract XML dictionary typed by xsi:type),
// validation (a list parameter given twice cannot be bound: x-mock refuseRepeatedQuery; `match`
// answers update-match-missing, `customevents` request-invalid), the order of checks when a request has several faults (x-mock errors.order:
// ASP.NET's pipeline order), which catalogue entry answers which failure (`when`), answers and
// errors negotiated from Accept among the declared media types (x-mock negotiate: JSON without
// Accept, csp-report for a 200 only) as JSON or as the schema's XML (<ArrayOfstring>, <Error>),
// WWW-Authenticate on 401 and Allow on 405, the contacts' index by list and field value, the
// update of every selected contact under one lock (Values merged member by member), the answer
// listing their EncContactId, and the event log.
//
// What the adapter adds (which50.go; the matching in match.go), each a rule of the page or of the
// spec's reading of it:
//
//   - Check: the page's 400 row beyond the schema: a name in `match` needs a non-empty value, in
//     the query on PATCH (not named like the call's own parameters, MatchValues x-assumed) or in
//     Values on PUT (which50-put-match-in-values); a query pair with no name or U+001F is no
//     readable match value.
//   - Credential: tokens and the lists each may update (Options.Credentials; DefaultCredentials:
//     "test" every list, "readonly" none); Select refuses a list the token has no rights to
//     (403), after the engine found the list (404 first: rights are checked on a list that
//     exists).
//   - Select: the values to set must be fields of the list's schema, converted to their types
//     by the engine's mock.Coerce (which50-values-types; spec gap: request-invalid answers the
//     rest); the contacts of the path's list whose every match property equals its value,
//     converted by the field's type (a name outside the schema or a value that does not convert
//     matches nothing: 404), found through the index so that an update costs the same whatever
//     the size of the list; the body's ListId, Id and EncContactId change nothing
//     (which50-listid-vs-path: key and derived properties are never updated). Custom Events named in `customevents` are recorded per
//     updated contact and name (kind "customevent", detail listId, encContactId, event), never
//     on a refused call, the newest 10,000 kept; unknown names are accepted.
//   - Load: a contact's EncContactId is a keyed hash of list and id (stable, different per list,
//     never the raw id), derived on load; its Values must be fields of its list, converted.
package which50
