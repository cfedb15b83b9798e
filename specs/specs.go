package specs

import (
	"embed"
	"fmt"
	"slices"
	"sync"

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
// affecting others. Callers that only read should use Shared, which parses once per process.
func Load(vendor string) (*openapi3.T, error) {
	if !slices.Contains(vendors, vendor) {
		return nil, fmt.Errorf("unknown vendor %q (known: %v)", vendor, vendors)
	}
	return load(vendor)
}

// shared holds one parsed document per vendor. Parsing is the costly part of loading a spec
// (milliseconds per vendor, ten times that under the race detector, against a fraction of a
// millisecond to validate it), and every mock, validator and suite process used to pay it several
// times per vendor at start-up.
var shared = func() map[string]func() (*openapi3.T, error) {
	m := map[string]func() (*openapi3.T, error){}
	for _, v := range vendors {
		m[v] = sync.OnceValues(func() (*openapi3.T, error) { return load(v) })
	}
	return m
}()

// Shared returns the spec of vendor as Load does, but parsed and validated once per process and
// the same document for every caller. It is shared by goroutines and packages alike: never change
// it. A caller that needs a different shape copies what it changes (contract.New copies the
// document and the path items it rebases) or calls Load for a document of its own.
func Shared(vendor string) (*openapi3.T, error) {
	get, ok := shared[vendor]
	if !ok {
		return nil, fmt.Errorf("unknown vendor %q (known: %v)", vendor, vendors)
	}
	return get()
}

func load(vendor string) (*openapi3.T, error) {
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
