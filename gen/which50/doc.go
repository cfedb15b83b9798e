// Package which50 is a typed client for the Which50 platform
// API's "update contacts by match" route, PATCH and PUT /contactLists/{contactListId}/contact,
// as documented by the vendor page which50-contactlists-patch-contact.txt.
//
// The *.gen.go files are generated from specs/which50.yaml by `go generate` at the module root
// (see generate.go) and must never be edited; change the spec and regenerate. The
// configurations are the *.cfg.yaml files beside them. They apply codegen-overlay.yaml, which
// hides from oapi-codegen v2.8.2 the text/xml responses it cannot generate beside application/xml
// ones: the spec itself keeps every media type the page lists, and is what validation uses.
//
// The client layer (contacts.go, errors.go, xml.go) is what a user calls:
//
//	c, err := which50.NewContactsClient(which50.ProductionURL, which50.BearerToken(token))
//	ids, err := c.UpdateContactsByMatch(ctx, 3,
//		map[string]string{"ReferanceAccountId": "123456", "Email": "pgannon@customerminds.com"},
//		map[string]any{"Mobile": "353871234567"})
//
// It closes the gaps the generated code leaves, and makes choices worth knowing:
//
//   - Auth. The page documents 401/403 but no scheme. BearerToken follows the spec's assumption;
//     HeaderCredentials sends any header an account was issued, value verbatim. Either is set on
//     every attempt from an apiclient.Secret and is scrubbed from every error text.
//   - Query. `match` and `customevents` go through the generated builder, which writes them as
//     the page does (literal commas, each name escaped; TestClientMatchCommaEncoding). The match
//     values do not: the generated client writes the keys of the exploded MatchValues object
//     unescaped (`Home Phone=1` breaks the request line), so the client appends the
//     `name=value` pairs itself, sorted by name like `match`, with the generated client's own
//     escaper (runtime.DefaultQueryEncoder).
//   - Formats. The generated client never sets Accept; the client does, JSON unless
//     WithResponseFormat(FormatXML), and decodes whichever form comes back (text/json,
//     application/csp-report, text/xml, or no media type at all). Call options carry the format
//     because NewContactsClient takes only the shared apiclient.Option.
//   - XML. EncContactIDs.UnmarshalXML reads <ArrayOfstring> (the generated client's XML200 held
//     the whitespace between the elements instead of the ids). ContactDTO.MarshalXML and
//     ContactValues' codec write and read the page's DataContract sample; each value carries
//     an xsi:type, which the page's sample (only empty values) does not show: it is how the
//     DataContract serializer writes a Dictionary<string, object>, and is assumed.
//   - Errors. *APIError is identified against the catalogue entries of its own operation plus
//     the document's (PATCH and PUT repeat the same messages under update-* and upsert-* ids).
//     A message that matches no entry (an ASP.NET default) still gets an id when its status has
//     only one entry (401, 415, 500), flagged IDFromStatus; the two 404s of the page's single
//     row are told apart by message only (NoContactsMatched, ListNotFound).
//   - Retries. Neither call is idempotent (an update already applied, Custom Events already run,
//     a PUT that inserts): no retry unless apiclient.WithRetryPolicy.
//
// The match values are strings on PATCH (a query string carries only text) and any JSON value
// on PUT, where they travel in the body as the page's PUT example shows.
package which50
