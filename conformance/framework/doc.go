// Package framework is how the conformance suite declares, runs and reports its specs.
//
//   - Behaviours (behaviour.go) are the rows of the coverage matrix, derived from each vendor's
//     spec: every catalogue entry, every declared status of every operation, every example, plus
//     the page's rules the suite names itself. Nothing is listed by hand twice.
//   - ConformanceIt (conformance.go) declares one spec per documented behaviour with its page
//     reference, a MUST sentence and typed labels; the tree is validated before anything runs.
//   - Config (config.go) is read and validated once from flags and the environment; specs see only
//     the Vendor handle the framework gives them (target.go): clients, a raw HTTP client and, on
//     mocks, the admin API.
//   - Every exchange goes through a validating, recording transport (transport.go); a contract
//     violation fails the spec and the exchange, secrets redacted, becomes its evidence.
//   - Reports (report.go, coverage_html.go, har.go): the coverage matrix in Markdown and HTML, a
//     per-vendor summary and an optional HAR recording; JUnit and JSON come from ginkgo itself. A
//     failure is blamed on the behaviours of the spec's last Vendor.Checking mark (all it covers
//     without one), and a run stopped before any spec says why in every report.
package framework
