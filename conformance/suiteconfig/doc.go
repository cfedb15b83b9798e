// Package suiteconfig is the conformance suite's configuration: the flags and CONTACTAPIS_*
// environment variables it reads, validated once into a Config. It is separate from
// conformance/framework, which re-exports it, so that tools that configure the same targets
// (tools/drift's probes) read the environment exactly as the suite does without linking ginkgo.
// Which credentials, fixture keys and live default hosts each vendor has comes from the vendor
// registry (package vendors), so no vendor is named here.
package suiteconfig
