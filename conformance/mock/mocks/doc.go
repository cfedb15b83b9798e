// Package mocks assembles the four vendor mocks behind the shared pipeline: the one factory the
// conformance suite (embedded target) and tools/mockserver both use, so that what the suite
// proves in process is what the standalone server serves.
package mocks
