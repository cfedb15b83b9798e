// Command drift tells CI, early and precisely, that something moved under the vendor clients:
// our specs between two revisions, or the vendors' recorded behaviour against our specs.
//
//	drift spec --base REV [--head REV] [--vendor V]... [--ack FILE] [--format F]
//	drift spec --base-file OLD.yaml --head-file NEW.yaml --vendor V [--format F]
//	drift traffic [--vendor-map HOST-OR-PREFIX=VENDOR]... [--baseline FILE] [--format F] FILE.har...
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
// missing-required-field, undocumented-field, error-message-not-in-catalogue, request-rejected) and
// fail the run unless a --baseline file excuses them. Files are streamed, whatever their size.
//
// Output is text, json, markdown (a pull-request comment) or junit (--format). Exit status: 0
// clean, 1 findings that fail (or an expired acknowledgement), 2 usage or input error, always
// with a one-line message on stderr.
//
// drift probe and drift replay are planned (issue 7) and refuse to run.
package main
