// Package traffic validates recorded HTTP exchanges (HAR 1.2 files) against the vendor specs and
// classifies what deviates.
//
// Reading: Stream walks the JSON tokens down to log.entries and decodes one entry at a time, so
// memory holds the entries in flight (a few per worker) and the distinct findings, never a file;
// other members are skipped token by token. TestLargeCaptureStreams bounds the heap on a
// 100,000-entry capture.
//
// Routing (Router): the entry's _vendor field (written by conformance/framework) names the vendor
// outright; otherwise --vendor-map rules, then the hosts the specs' servers document, then
// tools/mockserver's prefixes (/iovox, ...). The base path handed to conformance/contract is the
// rule's prefix plus, when the request is below it, the path of the spec's first server with its
// variables matched (a live Valomnia's /api/v2.1), so one validator serves a mock and the live
// host alike.
//
// Checking (Check), per exchange, through conformance/contract so that "valid" means what it
// means to the suite and the mocks:
//
//   - request-rejected: no operation matches (path, or method on a known path), or
//     ValidateRequest fails (parameters, body, credentials' presence). A credential the recorder
//     replaced by "[REDACTED]" counts as present. Exchanges marked "_negative": true (invalid on
//     purpose) are not judged on their request.
//   - undocumented-status: the operation declares neither the status nor a default.
//   - undocumented-media-type: the Content-Type is not among the status's declared media types,
//     or a body came where none is declared.
//   - response-schema-mismatch / missing-required-field: ValidateResponse's schema errors, split
//     on kin-openapi's "required" keyword; header and decoding failures are mismatches too.
//   - undocumented-field: kin-openapi accepts undeclared properties unless additionalProperties
//     is false, so the body is decoded (JSON, or XML through the contract's decoder, which keeps
//     undeclared elements and attributes) and walked against the schema.
//   - error-message-not-in-catalogue: every message of a 4xx/5xx body, extracted in the vendor's
//     format, must match a catalogue entry that can answer the operation (root entries for an
//     unrouted request, plus the entries of the operations on the path for a wrong method).
//
// Details never carry a body's values (kin-openapi's schema dumps are left out): reports end up
// in pull requests, and recordings can hold personal data.
package traffic
