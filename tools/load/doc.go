// Command load drives a running tools/mockserver with many concurrent clients for a fixed number
// of updates, then checks through the mock admin API that the final state of every vendor is
// exactly the state the successful answers imply: no acknowledged write lost, none half-applied,
// nothing else changed.
//
//	go run ./tools/load -server http://127.0.0.1:8080 [-requests 4000] [-workers 16] [-faults] [-json]
//
// `make load` builds tools/mockserver, starts it on a free loopback port, runs this command
// against it without and then with fault injection, and stops it. The command replaces the
// server's fixtures with its own data set (PUT /_admin/fixtures), so point it only at a mock
// server you do not need the data of.
//
// # What runs
//
// Every update goes through the typed client of gen/<vendor>, as a user's code would: iovox's
// XML PUT (batches of several contacts), Valomnia's form and multipart POST (a photo in some
// updates, behind a session login per worker), Which50's PATCH matched by query (one contact by
// its Key, or every contact of a Group at once) and auregister's JSON PATCH. Each worker has its
// own client per vendor over one shared connection pool and makes its updates one after the
// other; -workers of them run at once.
//
// # Why the check is exact
//
// The data set has -groups groups of -group-size contacts per vendor. The fields the load
// writes are read from the specs where the spec has them (specfields.go: the request schema's
// strings that can take a new unique value on every write, less keys and what the pages' rules
// judge; auregister's through its rule table; Which50's are its load list's own), so a property
// added to a request schema is written and checked with no change here. They are cut into
// blocks of two, and each block of each group belongs to exactly one worker
// (round robin over vendors, groups and blocks), so every contact is written by several workers
// at once (the overlap a store must survive) while every single field of every contact has
// exactly one writer. A worker's update sets all the fields it owns in one group, on one contact
// or on the whole group (iovox's batch, Which50's match on Group), every value new and unique
// (it names worker, update and contact). A worker sends its next update only after the previous
// one has been answered, so per field the acknowledged writes are totally ordered, and the final
// value must be exactly the value of that field's last acknowledged write (or the fixtures' value
// when none was). No "one of several candidates" slack is needed, and two kinds of failure are
// told apart from a plain mismatch:
//
//   - lost: the field holds an older value (the fixtures' or an earlier acknowledged write's)
//     although a later write was acknowledged;
//   - half-applied: some fields of one acknowledged update hold its values and others do not
//     (one update writes at least two fields, and for a group update several contacts).
//
// Every other field of every contact, and the rest of the state (lists, customers, rules,
// addresses), must equal the fixtures as loaded, apart from what changes by itself (Valomnia's
// lastUpdated and open session count). The photo link Valomnia stores is
// "<base><epoch ms>_<size>_<file name>"; the file name is the unique value, so the link must end
// with it. Valomnia and auregister answer the stored contact: each answer must already carry the
// values sent.
//
// An update that the server answered with an error wrote nothing: every mock judges and applies
// an update under one lock, all or nothing, and an injected 500 is answered by the pipeline
// before the vendor's handler runs (conformance/mock, pipeline.go), so nothing is written for it.
// Only an update whose fate is unknown (a connection error on any of its attempts, or the time
// limit) could have landed silently, even later than a newer update of the same worker; from
// then on its fields may hold its values as well as their last acknowledged ones, and the report
// counts the fields checked so loosely. On loopback this does not happen; if it does, the run
// fails anyway, as an update that does not complete is a failure.
//
// # Faults
//
// With -faults the command sets latency, jitter and an error rate on every vendor through PUT
// /_admin/faults/{vendor} before the load and clears them after. Every client then retries with
// apiclient.WithRetryPolicy (-attempts attempts, short full-jitter back-off) on the documented
// 500 and on connection errors. Which50's PATCH, Valomnia's POST and auregister's PATCH are not
// idempotent in general, which is why their clients do not retry by default; the updates made
// here are (each sets fixed values on fields no one else writes, no Custom Events, no list
// appends), so retrying them is safe, and the run must still complete every update and end in the
// exact state. The mocks document their injected 500 as "retry later"; auregister's catalogue
// says such an update "may or may not have been applied", and the mock resolves that by never
// applying it, which is what makes the retry exact.
//
// # What it reports
//
// Throughput (updates and HTTP requests per second), latency percentiles of whole updates
// (retries and logins included) overall and per vendor, final errors and per-attempt outcomes by
// kind, answers marked X-Contract-Violation, and peak memory: the server's peak resident set
// (VmHWM from /proc/<pid>/status, with -server-pid) and this command's own. Text by default,
// JSON with -json. The exit status is 0 only when every update completed, no answer violated its
// spec, the time limit held, and the state check passed; 1 when the run failed one of those (the
// report says which), 2 when it could not run at all.
package main
