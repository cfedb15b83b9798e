// Package replay sends the requests of recorded exchanges (HAR 1.2 files) to the mocks and
// compares the mock's answer with the one the vendor gave: is our mock still the vendor?
//
// Reading and routing are drift traffic's (traffic.Stream, traffic.Router): the entry's _vendor,
// --vendor-map rules, the specs' hosts, tools/mockserver's prefixes. Exchanges are replayed
// strictly in the recorded order, one at a time, because the mock's state carries from one to the
// next. The mock is the four mocks of conformance/mock/mocks served in process on a loopback port
// (default fixtures, or --fixtures), or a running tools/mockserver (--url, its root URL); both are
// driven through the mock admin API (/_admin), so the in-process run exercises what --url uses.
// A recorded path keeps everything below its API base path; above it, the mock's base replaces
// the recording's (a live Valomnia's /api/v2.1/contacts/5 is the mock's
// /valomnia/api/v1.0/contacts/5, its /j_spring_security_check the mock's
// /valomnia/j_spring_security_check).
//
// # What is compared (compare.go, shape.go)
//
//   - replay-status: the status. When it differs nothing else is judged.
//   - replay-media-type: the body's media type; no body has none.
//   - replay-error-message: the messages of a 4xx/5xx body, extracted in the vendor's error
//     format (contract.ErrorMessages) and compared as sets. A message that is an instance of a
//     catalogue entry compares as the entry and its arguments, with a location argument ({path},
//     {uri}) read relative to where each side serves the vendor.
//   - replay-body-shape: the shape of a JSON or XML body of the same media type (shape.go defines
//     it: paths and kinds of value, never values; null, empty elements and empty arrays are data).
//
// Findings are kind "replay", breaking, one per distinct (vendor, class, operation, message) with
// a count and the first exchange; the operation is the operationId the recorded request routes
// to (or "METHOD /path" below the base path). Messages say what the vendor answered and what the
// mock did, and hold no body values beyond error messages.
//
// # Credentials
//
// Recordings redact credentials (the conformance suite writes the whole Authorization, Cookie and
// secureKey as [REDACTED]). Where the recorded request carried a credential of one of the spec's
// security schemes (present, redacted or not), the replay sends the mocks' test credential
// (mocks.DefaultCredentials, which tools/mockserver starts with); where it carried none, none, so
// an unauthenticated exchange stays unauthenticated. Which credential is decided by the recorded
// answer, the only evidence left of what the hidden value was: a 401 gets a credential no mock
// accepts, a catalogue entry for a valid credential without rights (Which50's *-forbidden) gets
// the mock's token without rights, anything else the valid one. Valomnia's login form (j_username,
// j_password) is filled in the same way.
//
// Valomnia's session: a replayed login that the mock answers with a session cookie opens the
// session the following requests carry, whatever token the recording shows for them. A request
// carrying a session cookie when the mock has none open (a capture that begins mid-session, or
// after a reset) gets one from a login the replay makes itself with the test user; those are
// counted ("logins by the replay"), not compared.
//
// # State
//
// The mock is reset (POST /_admin/reset: fixtures back, sessions ended) before the first exchange
// and whenever the entry's _spec changes: each conformance spec starts from the fixtures, as the
// suite's mutating specs do, so the suite's own recording (make conformance HAR=...) replays with
// no finding. A capture of a live vendor has no _spec and is replayed as one sequence from the
// fixtures: the records it touches must exist in the mock. They are the mocks' default fixtures
// unless --fixtures loads others (conformance/mock's fixtures format, one member per vendor, with
// the live records' ids); an exchange about a record the mock lacks shows as a replay-status
// finding (the vendor's 200 against the mock's 404), fixed by adding the record to the fixtures.
//
// A recorded 5xx is the vendor failing, which no request makes a healthy mock do: for that one
// request the mock's fault injection is switched on (PUT /_admin/faults/<vendor>, error rate 1),
// so the format of its documented 500 is compared. Switching it off clears latency and jitter
// too (the admin API sets faults whole): a tools/mockserver started with -fault loses them.
//
// # Skipped exchanges
//
// Counted, never compared: an entry without a response (status 0 or -1); a request body the
// recording does not hold as sent, either cut (the suite keeps 64 KiB: bodySize larger than the
// text, unless a [REDACTED] explains the difference) or holding U+FFFD (JSON cannot carry bytes
// that are not UTF-8, so a photo or a Latin-1 form is recorded mangled); with
// --skip-unknown-hosts, entries no rule routes.
package replay
