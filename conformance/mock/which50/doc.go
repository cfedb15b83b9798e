// Package which50 is the stateful mock of the Which50 platform API's "update contacts by
// match" route (PATCH and PUT /contactLists/{contactListId}/contact), behaving as
// specs/which50.yaml says the vendor does, the spec's assumptions included. It is a
// conformance/mock Backend: store.go holds contact lists (each with a schema of typed fields)
// and their contacts, server.go implements gen/which50's StrictServerInterface behind the
// generated std-http handler, errors.go renders every failure from the spec's error catalogue,
// fixtures.json is the default data set.
//
// What it does, and which reading of the spec it follows:
//
//   - PATCH matches on the properties named in `match`, with values from the query (read from
//     r.URL.Query(); the generated server leaves MatchValues nil); PUT takes the match values
//     from the body's Values (which50-put-match-in-values) and sets the rest. Every matching
//     contact gets the whole update under one lock; the answer lists their encrypted ids.
//   - Encrypted ids are a keyed hash of list id and contact id: stable across calls and
//     restarts, different per list, never the raw id.
//   - Values are converted to the type of the list's field (which50-values-types), so "123456"
//     and 123456 match the same integer field. A match name outside the schema matches nothing
//     (404, as the no-match entry's resolution says); a match value that does not convert
//     matches nothing either.
//   - Spec gap: no catalogue entry answers a Values key that is not a field of the list, or a
//     value that does not fit its field. The mock answers request-invalid (400, "The request is
//     invalid."), the entry for values that cannot be bound; a dedicated entry is proposed in the
//     report to the lead.
//   - A missing, empty, null, non-object or unparseable body is "the passed Contact is null"
//     (403, which50-null-contact-403), and so is a body over the 1 MiB cap or one that is not
//     UTF-8: ASP.NET's formatters catch read failures and bind null. A member of the wrong type
//     (ListId "x", Values [..]) is request-invalid, and so is a null value in Values (the
//     spec's ContactValues values are not nullable, so a field cannot be cleared), a media type the spec does not declare for
//     the body is unsupported-media-type (415; a body without Content-Type is
//     application/octet-stream to ASP.NET). JSON members bind case-insensitively
//     (which50-put-example-values-case); XML element names are compared without namespaces, as
//     the validator compares them.
//   - `match` missing or empty, a name without a query value, a name the call's own parameters
//     use (match, customevents: MatchValues x-assumed) and, on PUT, a name that is not a key of
//     Values or whose value there is null or "" are the page's 400 row. An empty
//     `customevents` name is request-invalid (CustomEventNames x-assumed).
//   - When one request has several faults the answer follows ASP.NET's order: credentials (401),
//     then binding (415, then request-invalid), then the action's checks: `match` (400), the
//     body (403), the list (404), the credential's rights to it (403), the values (400), the
//     match (404). The page orders none of these; an unknown list is 404 even for a credential
//     with no rights to any list, since rights are checked on a list that exists.
//   - Answers are negotiated from Accept among the media types the spec declares: JSON without
//     Accept or when nothing acceptable is declared (info x-assumed), application/csp-report for
//     a 200 only (errors do not declare it). Error bodies are ASP.NET's HttpError,
//     {"Message": ...} or <Error><Message>...</Message></Error>; 401 carries
//     WWW-Authenticate: Bearer and 405 an Allow header.
//   - Custom events named in `customevents` are recorded, per updated contact and name, as a
//     mock.Event of kind "customevent" (detail listId, encContactId, event), never on a failed
//     call, at most 10,000 kept. Unknown event names are accepted: the spec leaves them to a
//     probe.
//   - Credentials: Authorization: Bearer <token>, tokens and their rights from Options
//     (DefaultCredentials: "test" for every list, "readonly" for none). The spec's security
//     scheme text asks a mock to accept any credentials header; the pipeline's validator only
//     lets a bearer token through, and 401 needs an invalid one, so the mock checks tokens.
//
// Why it is built this way:
//
//   - One check (server.go: check) judges every request, whichever path it came by: the strict
//     handler, the generated wrapper's binding errors, the pipeline's Reject. Reject walks
//     kin-openapi's error (MultiError, RequestError, SchemaError.JSONPointer) and takes the worse
//     of that and the check, so Handler() without validation answers each request as the full
//     pipeline does (TestValidationOnAndOffAgree).
//   - The body is read once by Handler and decoded here for all five media types the page
//     lists: the generated strict handler binds application/json only and hands
//     application/xml over as a reader. Values in XML go through gen/which50's DataContract
//     codec (ContactValues.UnmarshalXML), ids out through EncContactIDs.MarshalXML.
//   - Success answers use the generated response types where the generator made one;
//     text/xml, and every error, go through one answer type implementing both operations'
//     response interfaces, because pipeline rejections have no strict response object and one
//     failure must have one wire form.
//   - Routing uses a small router given to the generated HandlerWithOptions as its BaseRouter:
//     it matches path segments as the validator does, and http.ServeMux would answer unclean
//     paths with redirects instead of the vendor's errors.
package which50
