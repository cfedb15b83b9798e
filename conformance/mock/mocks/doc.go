// Package mocks assembles every vendor mock of the registry (vendors) behind the shared pipeline: the one factory the
// conformance suite (embedded target) and tools/mockserver both use, so that what the suite
// proves in process is what the standalone server serves.
package mocks
