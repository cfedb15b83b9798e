package specs

import (
	"embed"
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// The vendor names, used alike for spec files, generated packages, labels and URL prefixes.
const (
	Iovox      = "iovox"
	Valomnia   = "valomnia"
	Which50    = "which50"
	Auregister = "auregister"
)

var vendors = []string{Iovox, Valomnia, Which50, Auregister}

//go:embed *.yaml
var files embed.FS

// Vendors returns the vendor names in a fixed order.
func Vendors() []string { return slices.Clone(vendors) }

// Raw returns the spec document of vendor as written.
func Raw(vendor string) ([]byte, error) {
	if !slices.Contains(vendors, vendor) {
		return nil, fmt.Errorf("unknown vendor %q (known: %v)", vendor, vendors)
	}
	data, err := files.ReadFile(vendor + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("read spec %q: %w", vendor, err)
	}
	return data, nil
}

// Load parses the spec of vendor and validates it with kin-openapi, examples included. Each call
// returns a new document, so a caller may adjust it (clear its servers for a mock, say) without
// affecting others.
func Load(vendor string) (*openapi3.T, error) {
	data, err := Raw(vendor)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load spec %q: %w", vendor, err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate spec %q: %w", vendor, err)
	}
	return doc, nil
}

// MustLoad is Load for package-level initialisation of tests and mocks, where a spec that does not
// load is a build defect rather than a run-time condition.
func MustLoad(vendor string) *openapi3.T {
	doc, err := Load(vendor)
	if err != nil {
		panic(err)
	}
	return doc
}
