package framework

import (
	"flag"

	"github.com/contactapis/contactapis/conformance/suiteconfig"
)

// The suite's configuration lives in conformance/suiteconfig, which has no ginkgo, so that
// tools/drift can read flags and environment the way the suite does; these names keep the
// framework's API whole.

// TargetKind says what the suite runs against.
type TargetKind = suiteconfig.TargetKind

// Targets.
const (
	Embedded = suiteconfig.Embedded
	URL      = suiteconfig.URL
	Live     = suiteconfig.Live
)

type (
	// Config is the suite's configuration, read once from flags and the environment.
	Config = suiteconfig.Config
	// Flags are the suite's command-line flags (after -- on the ginkgo command line).
	Flags = suiteconfig.Flags
)

// RegisterFlags defines the suite's flags on fs.
func RegisterFlags(fs *flag.FlagSet) *Flags { return suiteconfig.RegisterFlags(fs) }

func envName(vendor, key string) string { return suiteconfig.EnvName(vendor, key) }

// fixtureKeys are the records a mutating live spec may change, per vendor.
var fixtureKeys = suiteconfig.FixtureKeys
