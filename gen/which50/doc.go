// Package which50 is a typed client (and strict-server scaffolding) for the Which50 platform
// API's "update contacts by match" route, PATCH and PUT /contactLists/{contactListId}/contact,
// as documented by the vendor page which50-contactlists-patch-contact.txt.
//
// The *.gen.go files are generated from specs/which50.yaml by `go generate` at the module root
// (see generate.go) and must never be edited; change the spec and regenerate. The
// configurations are the *.cfg.yaml files beside them. They apply codegen-overlay.yaml, which
// hides from oapi-codegen v2.8.2 the media types it cannot generate side by side (text/json,
// application/csp-report and text/xml request bodies, text/xml responses): the spec itself
// keeps every media type the page lists, and is what validation uses.
//
// What the generated code does and does not do, and what hand-written files beside it will add:
//
//   - XML bodies. Generated structs carry xml tags (from x-oapi-codegen-extra-tags), but the
//     DataContract form of ContactValues (a list of KeyValueOfstringanyType elements) needs
//     MarshalXML/UnmarshalXML on ContactValues, and the root element (`Contact`, in the
//     W50API.Models.DTO namespace) is chosen with xml.Encoder.EncodeElement.
//   - XML responses. The generated ClientWithResponses decodes <ArrayOfstring> with
//     xml.Unmarshal into a plain slice, which yields one string holding the root element's
//     character data (["   "] for the page's sample) instead of the ids; EncContactIDs is a
//     named type (disable-type-aliases-for-type in types.cfg.yaml) so that an UnmarshalXML
//     method can fix this without touching generated code.
//   - Nothing for literal commas: the page sends `match` and `customevents` as comma-separated
//     lists with literal commas, and because the spec models them as arrays in form style
//     without explode the generated client already does (a string schema would have gone out as
//     %2C); TestClientMatchCommaEncoding pins this.
//   - The match values. MatchValues (one query parameter per matched property) is sent by the
//     client, but the generated server never fills it: server code reads r.URL.Query().
//   - Auth. The page documents 401/403 but no scheme; a request editor will send whatever
//     header the user's account uses (the spec's bearer scheme is an assumption).
//   - Typed vendor errors rendered from the spec's x-error-catalogue.
package which50
