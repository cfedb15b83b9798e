// Package mock is the plumbing every vendor mock shares: the request pipeline in front of a
// vendor's handler, fault injection, the exchange log and the admin API. The vendors themselves
// (store + strict handler implementing gen/<vendor>'s StrictServerInterface) live in
// mock/<vendor>; package mock/mocks assembles all four, for the conformance suite and for
// tools/mockserver alike.
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
//  5. validated against the spec (conformance/contract) → RejectInvalid, with kin-openapi's error
//     for the backend to map to a catalogue entry
//  6. fault injection: latency, then the documented 500 at the configured rate (only on
//     operations that declare a 5xx)
//  7. the backend's handler; its answer is validated against the spec before it is sent. An answer
//     the spec forbids is a bug of the mock: it is logged, marked with the X-Contract-Violation
//     header and kept in Violations, so every test that sees it can fail.
package mock
