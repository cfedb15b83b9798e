package specdiff

import (
	"context"
	"fmt"
	"go/token"
	"go/types"
	"os"
	"regexp"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/tools/go/packages"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// LoadPackages type-checks the packages at the given directories (relative to root, "gen/iovox")
// of the module rooted at root, in one go list run. It returns them by directory.
func LoadPackages(ctx context.Context, root string, dirs []string) (map[string]*types.Package, error) {
	cfg := &packages.Config{
		Context: ctx,
		Mode:    packages.NeedName | packages.NeedTypes | packages.NeedFiles,
		Dir:     root,
		// A go.work above a temporary export must not pull in other modules; the module's own
		// go.mod and go.sum decide, as in CI.
		Env:   append(os.Environ(), "GOWORK=off"),
		Tests: false,
	}
	patterns := make([]string, len(dirs))
	for i, d := range dirs {
		patterns[i] = "./" + d
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("load %s in %s: %w", strings.Join(dirs, ", "), root, err)
	}
	out := map[string]*types.Package{}
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			return nil, fmt.Errorf("type-check %s in %s: %s", p.PkgPath, root, p.Errors[0])
		}
		for _, d := range dirs {
			if strings.HasSuffix(p.PkgPath, "/"+d) || p.PkgPath == d {
				out[d] = p.Types
			}
		}
	}
	for _, d := range dirs {
		if out[d] == nil {
			return nil, fmt.Errorf("package %s not found in %s", d, root)
		}
	}
	return out, nil
}

// CompareGoAPI reports the changes of a package's exported API: incompatible ones (ERR,
// breaking: some user code no longer compiles or behaves the same) and compatible ones (INFO).
// apidiff also follows unexported types that exported ones reach ("u.X: removed" when an exported
// func returns an unexported u): such a change names no identifier a user can write, so it is
// reported as INFO (go-api-unexported) and does not fail; a change that matters to users shows on
// the exported identifier too.
func CompareGoAPI(vendor, dir string, old, new *types.Package) (_ []report.Finding, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: comparing the API of %s failed: %v", vendor, dir, p)
		}
	}()
	var out []report.Finding
	for _, c := range apidiff.Changes(old, new).Changes {
		f := report.Finding{Vendor: vendor, Kind: report.KindGoAPI, Message: c.Message, Location: dir}
		switch {
		case !namesExported(c.Message):
			f.Rule, f.Level, f.Severity = "go-api-unexported", report.INFO, contract.Info
		case c.Compatible:
			f.Rule, f.Level, f.Severity = "go-api-compatible", report.INFO, contract.Info
		default:
			f.Rule, f.Level, f.Severity = "go-api-incompatible", report.ERR, contract.Breaking
		}
		out = append(out, f)
	}
	return out, nil
}

// identifier matches the Go identifiers of an apidiff object path: "(*T).M", "T.F", "u.X".
var identifier = regexp.MustCompile(`[\pL_][\pL\pN_]*`)

// namesExported reports whether every identifier of the object path an apidiff message starts
// with ("(*u).M: removed") is exported.
func namesExported(message string) bool {
	path, _, ok := strings.Cut(message, ": ")
	if !ok {
		return true // not an object path: keep apidiff's verdict
	}
	ids := identifier.FindAllString(path, -1)
	for _, id := range ids {
		if !token.IsExported(id) {
			return false
		}
	}
	return len(ids) > 0
}
