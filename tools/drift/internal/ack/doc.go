// Package ack reads the checked-in files that excuse known drift, and applies them to a report.
//
// Two files, one rule: every exception carries a reason and an expiry date, and an expired entry
// fails the run (whether or not it still matches anything), so that nothing stays excused by
// default. An entry that matches nothing is reported but does not fail: a spec acknowledgement
// naturally goes unused once its change is behind the base revision.
//
//   - The spec acknowledgement file (tools/drift/acknowledged.yaml) excuses breaking spec and Go
//     API changes: vendor, change (an oasdiff rule id, or the exact apidiff message), an optional
//     operation, reason, expires.
//   - A traffic baseline excuses known deviations of recorded traffic: vendor, class, an optional
//     operation, an optional match (an RE2 regular expression on the finding's message), reason,
//     evidence (where the deviation was seen), expires.
//
// Dates are YYYY-MM-DD; an entry is valid through its expiry date (UTC).
package ack
