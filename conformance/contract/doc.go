// Package contract validates HTTP exchanges against a vendor's spec with kin-openapi: the
// conformance suite's transport, the mocks' middleware and tools/drift all judge traffic through
// it, so "valid" means the same thing everywhere.
//
// kin-openapi needs help in three places, all handled here once:
//   - It has no XML body decoder. XMLDecoder maps an XML document onto the JSON shape of its schema
//     (element and attribute names from the generator's xml tags), registered process-wide for
//     application/xml and text/xml. ToXML is its inverse, and the one XML writer of the mocks'
//     answers and error bodies (xmlencode.go).
//   - It routes by the spec's servers and ignores operation-level servers. A Validator is built
//     for the base path the client actually calls (a mock's /iovox, a tenant's /api/v1.0) and routes
//     host-root operations (Valomnia's login) under the matching root.
//   - It fails every secured request unless told how to authenticate. The Validator checks that
//     the credential a scheme names is present; whether it is right is the server's business.
//
// It also teaches kin-openapi the project's custom string formats (iso3166-country), and reads a
// request body whose operation declares x-body-media-type as that media type whatever its
// Content-Type (iovox's XML, which public clients send labelled as a form or unlabelled).
//
// Nothing is worked out per request that could be worked out once: validators are built on the
// process's one parsed spec per vendor (specs.Shared), the rebased document and routing table of a
// vendor and base path are compiled once and shared by every validator for them, and the XML
// decoder keeps what it reads from each schema. All of it is read-only after it is built, which is
// what makes the sharing safe; rebasing copies the parts it changes.
//
// kin-openapi stays the judge of every request, but its generic decoders and its per-call set-up
// cost more than a mock's whole answer. So ValidateBody first tries fast paths that only ever say
// "surely valid", and hands kin-openapi whatever they cannot vouch for, so that its errors stay
// the reference: decodeJSONFast, decodeXMLDirect (an XML body straight into its value, judged
// as it is read, the element tree built only when an error must be placed) and parseXMLFast,
// decodeFormFast and decodeMultipartFast for the body, surelyValid/surelyValidTree for its values
// (simple scalars, patterns compiled once, plain objects and arrays), paramsSurelyValid for the
// parameters. Each is held to kin-openapi (or
// encoding/json, encoding/xml, net/url) by a differential test or fuzz target beside it.
// Conforms offers the same yes-or-no check to servers for values they hold. A form's pairs and a
// multipart body's parts are kept in the Body (Form, Multipart), so a server that reads parameters
// its own way (Valomnia's servlet container) does not parse the body again.
package contract
