// Package mock is the plumbing every vendor mock shares: the request pipeline in front of a
// vendor's Backend, the spec-driven Engine that is the Backend of every vendor, fault injection,
// the exchange log and the admin API. mock/<vendor> holds each vendor's adapter (its page's
// business rules); package mock/mocks assembles all four, for the conformance suite and for
// tools/mockserver alike. The Backend interface remains the pipeline's seam (its own tests serve
// a fake through it).
//
// The pipeline, per request, in this order (each step answers in the vendor's own dialect through
// its Backend.Reject, never with a generic Go error):
//
//  1. body read (up to the vendor's size cap), then routed with the vendor's spec →
//     RejectNoRoute / RejectMethod (an unknown path answers as such whatever its body)
//  2. over the size cap → RejectTooLarge; once that answer is written, the rest of the body is
//     read and thrown away (lingering close, within LingerMaxBytes and a time bound), so that a
//     client that writes its whole body before reading gets the answer instead of a reset
//  3. text bodies and the query must be UTF-8 → RejectEncoding
//  4. credentials checked by the backend → RejectUnauthenticated
//  5. decoded and validated against the spec, once (contract.ValidateBody, with the backend's own
//     Validator) → RejectInvalid, with kin-openapi's error and the decoded value for the backend
//     to map to a catalogue entry; a valid body's value goes to the handler
//  6. fault injection: latency, then the documented 500 at the configured rate (only on
//     operations that declare a 5xx)
//  7. the backend's handler; its answer is validated against the spec before it is sent. An answer
//     the spec forbids is a bug of the mock: it is logged, marked with the X-Contract-Violation
//     header and kept in Violations, so every test that sees it can fail.
//
// # The engine
//
// Engine serves a vendor from its spec alone, plus an Adapter holding the business rules the page
// states (specs/README.md, "The mock engine", lists the extensions it reads):
//
//   - x-mock on the document: the body cap, the error body (a component schema, its media type,
//     JSON or XML, what fills each of its properties: the entry's code, its rendered message, the
//     field, the status; or, for a list of errors, of each item), whether one fault is answered or
//     every fault of the earliest stage, the order of checks in stages, and the collections of
//     records (a component schema and a key property each), which the fixtures fill;
//   - x-mock on an operation: which record it changes (update: collection, path parameter) or
//     reads (read: the same, answered from the 2xx response schema, not-found as for updates; the
//     key from a query parameter where the path has none; with select and parent, the records
//     the adapter's Select chooses, answered whole),
//     or a batch of records named inside the body (batch: collection, items property, rename
//     property, whether empty values clear, whether arrays are merged or replaced by a flag of the
//     body);
//   - `when` on each x-error-catalogue entry: the failures it answers ({on: invalid, in: body,
//     keyword: enum}, {on: invalid, in: body, path: /contact/*/home_phone/*}); among entries that
//     match, the one naming more fields wins;
//   - x-mock-ref on a property: the collection its value must be a key of; x-mock-alias: the
//     property a batch item's value is stored as.
//
// Bodies are decoded once, by the pipeline (contract.ValidateBody), and validated once; the engine
// gets the value, even of a body that fails its schema (so that a vendor listing every fault can
// judge the rest of it), and for XML the parsed document, which places a failure at its element's
// line and column without parsing again. Credentials are checked as securitySchemes declares them.
// Records are the JSON values of their schemas (integers canonical as int64), so a property added
// to the spec is stored, answered and shown by GET /_admin/state with no Go change, and a property
// removed from the request schema is no longer applied. A failure no entry's `when` covers is a
// gap in the spec: the engine logs an error and answers a bare 500, which the pipeline reports as
// a contract violation.
//
// An operation whose x-mock names serve is answered by the adapter's Serve (engine_serve.go):
// routed, its credentials checked, and handed over with its body and, when the pipeline refused
// it for its body or query, the refusal, so that a page with its own way of reading requests
// (Valomnia's request parameters, ReadParams; its login, Sessions) judges them in its own order;
// it answers through the engine (Call.Refuse renders the catalogue, Call.Answer the response
// schema) and reads and writes the collections' records (Record, Find through an index, Put).
// A collection's private properties are stored with each record beyond its schema (fixtures and
// state show them, answers do not).
//
// Batches (engine_batch.go) are judged whole under the engine's lock before anything is written:
// every item names its record by the collection's key; a key named twice, or keys that a rename
// would leave shared, is a duplicate; the adapter's Item and Batch hooks add the page's rules, its
// Applied hook follows a written batch (rules, events), and its Fixtures hook keeps state of its
// own beside the records (iovox's rule templates).
//
// Some values are typed by records rather than by the spec (a Which50 list's fields type its
// contacts' Values); Coerce and CoerceText (engine_coerce.go) convert them as a typed model
// binder does, so that adapters hold the rule of which type applies, not the conversion.
package mock
