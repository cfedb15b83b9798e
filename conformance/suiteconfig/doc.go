// Package suiteconfig is the conformance suite's configuration: the flags and CONTACTAPIS_*
// environment variables it reads, validated once into a Config. It is separate from
// conformance/framework, which re-exports it, so that tools that configure the same targets
// (tools/drift's probes) read the environment exactly as the suite does without linking ginkgo.
package suiteconfig
