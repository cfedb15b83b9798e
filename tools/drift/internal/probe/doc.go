// Package probe settles the x-doc-discrepancy entries of the specs against a target: for each
// discrepancy a live run can decide, a probe sends the requests its `probe` line describes and
// reports which reading (the spec's, the page's, or neither) the vendor follows.
//
// Each vendor file (iovox.go, ...) lists its probes and, for the discrepancies no live run can
// decide, why (<vendor>Probes, <vendor>Unsettleable); registry.go gathers them, and its test
// requires exactly one of the two for every x-doc-discrepancy id of every spec. NewTarget builds
// the Target a probe talks to from the conformance suite's configuration (SettingsFrom): the same
// base URL, credentials (Valomnia's login is the typed client's own) and fixture records, with a
// request budget and no redirect following. Run runs a vendor's probes one after the other, each
// within a timeout, mutating ones only with AllowMutations, a panic or an unknown reading being
// Unsettled, and reports each discrepancy as a finding: doc-discrepancy-spec (INFO),
// doc-discrepancy-page and doc-discrepancy-neither (ERR: the spec must change),
// doc-discrepancy-unsettled (INFO), with the severities breaking (page, neither) and info.
// Evidence is one line with every credential scrubbed.
//
// Probes never guess. When a precondition fails (the credentials refused, the fixture record
// missing or of another type, an answer that does not reach the question) the outcome is
// Unsettled with the reason, never Neither: TestRefusedCredentialsSettleNothing runs every probe
// with credentials the mocks refuse. A probe observing a change makes it visible first: the
// null-enum probe gives a null field a value before sending null, and writes back what it changed.
//
// Tests build their Target with mockTarget (mocktarget_test.go): the project's mocks in an
// httptest server, default credentials and fixtures.
package probe
