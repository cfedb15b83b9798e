package specdiff

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"sort"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

func checkPackage(t *testing.T, src string) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "api.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := (&types.Config{}).Check("example.com/gen/auregister", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Only changes of exported identifiers fail: apidiff also reports the members of an unexported
// type an exported function returns ("options.Retries: removed"), which no user can name.
func TestCompareGoAPIExportedOnly(t *testing.T) {
	old := checkPackage(t, `package auregister
type Client struct{ BaseURL string; timeout int }
type options struct{ Retries int }
func (options) Apply() {}
func NewOptions() options { return options{} }
func helper() {}
func Removed() {}
`)
	new := checkPackage(t, `package auregister
type Client struct{ BaseURL string; timeout string }
type options struct{}
func NewOptions() options { return options{} }
func helper2() {}
func Added() {}
`)
	fs, err := CompareGoAPI("auregister", "gen/auregister", old, new)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Level+" "+f.Rule+" "+f.Message)
		if f.Breaking() != (f.Level == report.ERR) {
			t.Errorf("%s %s: breaking=%v", f.Level, f.Message, f.Breaking())
		}
	}
	sort.Strings(got)
	want := []string{
		"ERR go-api-incompatible Removed: removed",
		"INFO go-api-compatible Added: added",
		"INFO go-api-unexported options.Apply: removed",
		"INFO go-api-unexported options.Retries: removed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNamesExported(t *testing.T) {
	for msg, want := range map[string]bool{
		"Client.BaseURL: removed":           true,
		"(*Client).Close: added":            true,
		"(*client).Close: removed":          false,
		"Options.inner.X: changed":          false,
		"ÜberClient: removed":               true,
		"no object path in this message":    true,
		"strictHandler.ssi: changed from x": false,
	} {
		if got := namesExported(msg); got != want {
			t.Errorf("namesExported(%q) = %v, want %v", msg, got, want)
		}
	}
}
