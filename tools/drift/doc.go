// Command drift tells CI, early and precisely, that something moved under the vendor clients:
// our specs between two revisions, or the vendors' recorded behaviour against our specs.
//
//	drift spec --base REV [--head REV] [--vendor V]... [--ack FILE] [--format F]
//	drift spec --base-file OLD.yaml --head-file NEW.yaml --vendor V [--format F]
//	drift traffic [--vendor-map HOST-OR-PREFIX=VENDOR]... [--baseline FILE] [--strict] [--format F] FILE.har...
//	drift probe --vendor V... [--target live|url] [--url BASE] [--suite PATH] [--allow-mutations]
//	            [--request-budget N] [--har FILE] [--baseline FILE] [--strict] [--format F]
//	drift replay [--url BASE] [--fixtures FILE] [--vendor-map HOST-OR-PREFIX=VENDOR]... [--baseline FILE]
//	             [--strict] [--format F] FILE.har...
//
// drift spec compares specs/<vendor>.yaml between two git revisions (head defaults to the working
// tree) with oasdiff as a library, at oasdiff's levels ERR, WARN and INFO, plus the error
// catalogue's entries; and the exported API of gen/<vendor> with golang.org/x/exp/apidiff, so a
// reviewer sees which user code breaks. ERR and WARN spec changes, removed or changed catalogue
// entries and incompatible Go API changes fail the run unless tools/drift/acknowledged.yaml
// acknowledges them (see internal/ack for the format).
//
// drift traffic validates recorded exchanges (HAR 1.2: a browser's, a proxy's, or the conformance
// suite's `make conformance HAR=...`) against the specs through conformance/contract, routing each
// entry by its _vendor field, the vendors' documented hosts, tools/mockserver's path prefixes
// (/iovox, /valomnia, /which50, /auregister) or --vendor-map. Findings are classified
// (undocumented-status, undocumented-media-type, response-schema-mismatch,
// missing-required-field, undocumented-field, error-message-not-in-catalogue, request-rejected),
// each with a severity (conformance/contract.Severity, the words the suite uses too): breaking
// findings fail the run unless a --baseline file excuses them; non-breaking ones (an undeclared
// field or a new enum value in an answer, a request the spec refuses that the vendor accepted)
// fail only with --strict; info never. Files are streamed, whatever their size.
//
// drift probe watches a vendor (live by default, credentials and hosts from the conformance
// suite's CONTACTAPIS_* environment, read once through conformance/suiteconfig; or --target url, a
// running server): it runs the suite's live-safe specs for the vendor as a separate process
// (internal/suite: built with go test -c, or --suite), turns each failed spec into a finding
// (suite-spec-failed; suite-node-failed for a failed setup or report), validates the suite's HAR
// recording as drift traffic does, and runs the x-doc-discrepancy probes of internal/probe, each
// within a time limit and, on a live vendor, a request budget. A vendor that follows the page's
// reading of a discrepancy, or neither, is a failing finding: the spec must change.
//
// Output is text, json, markdown (a pull-request comment) or junit (--format). Exit status: 0
// clean, 1 findings that fail (or an expired acknowledgement), 2 usage or input error, always
// with a one-line message on stderr.
//
// drift replay keeps the mocks honest: it sends the requests of HAR files (the suite's recording,
// or a capture of the live vendor) to the mocks, in order and one at a time, and compares each
// answer with the recorded one: status, media type, error messages (as sets, in the vendor's
// format) and body shape (paths and kinds of value, never values); differences are findings
// (replay-status, replay-media-type, replay-error-message, replay-body-shape) with traffic's
// severities: a path only the vendor's answer has, or a 2xx where the mock refuses, is
// non-breaking (fails with --strict); the rest is breaking and fails unless a --baseline excuses
// it. The mocks run in process, or at --url (a running tools/mockserver);
// they are reset before the first exchange and whenever the entry's _spec changes. Redacted
// credentials become the mocks' test credentials (a refused one stays refused), Valomnia's
// session is mapped to one the mock issued, and a live capture's records come from --fixtures.
// See internal/replay for each decision.
package main
