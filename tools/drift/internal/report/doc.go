// Package report is what both drift subcommands produce: a list of findings (a spec change, a Go
// API change, or a recorded exchange that deviates from its spec), each with a level, whether it
// breaks users, and the acknowledgement that silences it, rendered as text, JSON, Markdown (for a
// pull-request comment) or JUnit XML (for CI test tabs).
//
// One shape serves both subcommands so that CI wires them the same way: the exit status is
// derived from the report (Failing), never from the renderer.
package report
