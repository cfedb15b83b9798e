package spectest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/specs"
)

// Copy returns a fresh copy of vendor's spec, which the test may change.
func Copy(t testing.TB, vendor string) *openapi3.T {
	t.Helper()
	doc, err := specs.Load(vendor)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// AddProperty adds an optional property to the named component schemas.
func AddProperty(t testing.TB, doc *openapi3.T, name string, s *openapi3.Schema, schemas ...string) {
	t.Helper()
	for _, schema := range schemas {
		ref := doc.Components.Schemas[schema]
		if ref == nil || ref.Value == nil {
			t.Fatalf("spec has no schema %q", schema)
		}
		if ref.Value.Properties == nil {
			ref.Value.Properties = openapi3.Schemas{}
		}
		ref.Value.Properties[name] = openapi3.NewSchemaRef("", s)
	}
	validate(t, doc)
}

// RemoveProperty removes a property from the named component schemas (and from their required
// lists).
func RemoveProperty(t testing.TB, doc *openapi3.T, name string, schemas ...string) {
	t.Helper()
	for _, schema := range schemas {
		ref := doc.Components.Schemas[schema]
		if ref == nil || ref.Value == nil || ref.Value.Properties[name] == nil {
			t.Fatalf("spec has no property %s.%s", schema, name)
		}
		delete(ref.Value.Properties, name)
		var required []string
		for _, r := range ref.Value.Required {
			if r != name {
				required = append(required, r)
			}
		}
		ref.Value.Required = required
	}
	validate(t, doc)
}

func validate(t testing.TB, doc *openapi3.T) {
	t.Helper()
	if err := doc.Validate(openapi3.NewLoader().Context); err != nil {
		t.Fatalf("changed spec does not validate: %v", err)
	}
}

// Regenerate runs the project's pinned oapi-codegen on doc with vendor's types configuration
// (gen/<vendor>/types.cfg.yaml, its output redirected) and returns the generated Go source: what
// `make generate` would write for the changed spec.
func Regenerate(t testing.TB, vendor string, doc *openapi3.T) string {
	t.Helper()
	root := moduleRoot(t)
	dir := t.TempDir()
	spec, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(root, "gen", vendor, "types.cfg.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "types.gen.go")
	var lines []string
	for _, line := range strings.Split(string(cfg), "\n") {
		if strings.HasPrefix(line, "output:") {
			line = "output: " + out
		}
		lines = append(lines, line)
	}
	for name, data := range map[string][]byte{"spec.json": spec, "types.cfg.yaml": []byte(strings.Join(lines, "\n"))} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", filepath.Join(dir, "types.cfg.yaml"), filepath.Join(dir, "spec.json"))
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, msg)
	}
	src, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

func moduleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
