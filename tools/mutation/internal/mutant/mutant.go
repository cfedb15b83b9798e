package mutant

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// Operators, as they appear in mutant identities and reports.
const (
	OpNegateCmp = "negate-cmp" // a == b -> a != b, a < b -> a >= b, ...
	OpBoundary  = "boundary"   // a < b -> a <= b, a >= b -> a > b, ...
	OpLogic     = "logic"      // a && b -> a || b, and back
	OpNegate    = "negate"     // if c -> if !(c); if !c -> if c (conditions that are no comparison)
	OpDelete    = "delete"     // a statement removed
	OpStatus    = "status"     // http.StatusX -> another status
	OpSwap      = "swap"       // a named constant of a set (catalogue conditions) -> the next of the set
	OpString    = "string"     // "text" -> "", "" -> "mutant"
	OpInt       = "int"        // n -> n+1
	OpBool      = "bool"       // true <-> false
)

// Mutant is one change to one file. Its identity (ID) is file, enclosing declaration, operator,
// the code before and after, and an ordinal among mutants otherwise identical: it survives edits
// elsewhere in the file, which move lines but change none of these.
type Mutant struct {
	File     string `json:"file"`     // slash path from the module root
	Func     string `json:"func"`     // enclosing top-level declaration: "Engine.handle", "ruleNotAllowed"
	Op       string `json:"op"`       // one of the Op constants
	Original string `json:"original"` // the code changed, as written (whitespace collapsed, long text shortened)
	Mutated  string `json:"mutated"`  // the same code after the change ("" for a deleted statement)
	Ordinal  int    `json:"ordinal"`  // 1 for the first mutant with the same file, func, op and texts
	Line     int    `json:"line"`
	Col      int    `json:"col"`

	offset, length int    // the bytes replaced
	replacement    string // by these
}

// ID is the mutant's stable identity, as the survivors file lists it.
func (m Mutant) ID() string {
	return fmt.Sprintf("%s %s %s: %s => %s #%d", m.File, m.Func, m.Op, m.Original, m.Mutated, m.Ordinal)
}

// Apply returns src with the mutation made. src must be the file the mutant was generated from.
func (m Mutant) Apply(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(m.replacement))
	out = append(out, src[:m.offset]...)
	out = append(out, m.replacement...)
	return append(out, src[m.offset+m.length:]...)
}

// comparison flips: negation and boundary.
var (
	negated  = map[token.Token]token.Token{token.EQL: token.NEQ, token.NEQ: token.EQL, token.LSS: token.GEQ, token.GEQ: token.LSS, token.GTR: token.LEQ, token.LEQ: token.GTR}
	boundary = map[token.Token]token.Token{token.LSS: token.LEQ, token.LEQ: token.LSS, token.GTR: token.GEQ, token.GEQ: token.GTR}
)

// statusSwap maps each net/http status constant a mock answers with to one a client must tell
// apart from it: success to failure, a failure to a success or to another failure class.
var statusSwap = map[string]string{
	"StatusOK":                    "StatusNoContent",
	"StatusNoContent":             "StatusOK",
	"StatusCreated":               "StatusOK",
	"StatusBadRequest":            "StatusNotFound",
	"StatusUnauthorized":          "StatusForbidden",
	"StatusForbidden":             "StatusUnauthorized",
	"StatusNotFound":              "StatusBadRequest",
	"StatusMethodNotAllowed":      "StatusNotFound",
	"StatusRequestEntityTooLarge": "StatusBadRequest",
	"StatusUnsupportedMediaType":  "StatusBadRequest",
	"StatusInternalServerError":   "StatusOK",
}

// SwapSets are sets of named constants of which any may stand where another does (the failures
// the catalogue's entries are chosen by, the table's values that are no violation): a mutant
// replaces one by the next of its set, in order, the last by the first.
var SwapSets = map[string][]string{
	"specs": {"OnNoRoute", "OnMethod", "OnUnauthenticated", "OnMediaType", "OnMalformed", "OnInvalid", "OnNotFound", "OnReference", "OnRule", "OnInternal",
		"NotAViolationNull", "NotAViolationEmptyString", "NotAViolationUnchanged"},
}

// swapNext is the constant a swap mutant puts in place of pkg.name, if name is in one of pkg's
// sets (the On* and NotAViolation* constants form separate rings).
func swapNext(pkg, name string) (string, bool) {
	set := SwapSets[pkg]
	i := slices.Index(set, name)
	if i < 0 {
		return "", false
	}
	prefix := "On"
	if strings.HasPrefix(name, "NotAViolation") {
		prefix = "NotAViolation"
	}
	for j := 1; j < len(set); j++ {
		if c := set[(i+j)%len(set)]; strings.HasPrefix(c, prefix) {
			return c, true
		}
	}
	return "", false
}

// diagnostic reports whether a call's string arguments are diagnostic text no client receives:
// log records and errors (fmt.Errorf, errors.New, a local fail helper, which is how the engine
// reports a spec or fixtures file it cannot load). A mutant of that text changes no answer.
func diagnostic(call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		if pkg, ok := fn.X.(*ast.Ident); ok && (pkg.Name == "fmt" && fn.Sel.Name == "Errorf" || pkg.Name == "errors" && fn.Sel.Name == "New") {
			return true
		}
		switch fn.Sel.Name {
		case "Error", "Warn", "Info", "Debug":
			return true // a *slog.Logger's methods
		}
	case *ast.Ident:
		return fn.Name == "fail"
	}
	return false
}

// Generate lists the mutants of one Go file, in source order. name is the file's slash path from
// the module root, used in identities.
func Generate(name string, src []byte) ([]Mutant, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	g := &generator{fset: fset, src: src, file: name}
	for _, decl := range f.Decls {
		g.fn = declName(decl)
		if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			continue
		}
		g.walk(decl)
	}
	// Source order: by position, and at one position in the order the operators were tried.
	slices.SortStableFunc(g.out, func(a, b Mutant) int { return cmp.Compare(a.offset, b.offset) })
	// Ordinals among mutants that are otherwise the same, in source order.
	seen := map[string]int{}
	for i := range g.out {
		m := &g.out[i]
		key := m.File + "\x00" + m.Func + "\x00" + m.Op + "\x00" + m.Original + "\x00" + m.Mutated
		seen[key]++
		m.Ordinal = seen[key]
	}
	return g.out, nil
}

type generator struct {
	fset  *token.FileSet
	src   []byte
	file  string
	fn    string
	stack []ast.Node
	out   []Mutant
}

func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			t := d.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			if ix, ok := t.(*ast.IndexExpr); ok {
				t = ix.X
			}
			if id, ok := t.(*ast.Ident); ok {
				return id.Name + "." + d.Name.Name
			}
		}
		return d.Name.Name
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.ValueSpec:
				if len(s.Names) > 0 {
					return s.Names[0].Name
				}
			case *ast.TypeSpec:
				return s.Name.Name
			}
		}
	}
	return "_"
}

func (g *generator) walk(root ast.Node) {
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			g.stack = g.stack[:len(g.stack)-1]
			return true
		}
		g.visit(n)
		g.stack = append(g.stack, n)
		return true
	})
}

// inside reports whether the node being visited sits in a call pred accepts.
func (g *generator) inside(pred func(*ast.CallExpr) bool) bool {
	for _, n := range g.stack {
		if c, ok := n.(*ast.CallExpr); ok && pred(c) {
			return true
		}
	}
	return false
}

func (g *generator) visit(n ast.Node) {
	switch n := n.(type) {
	case *ast.BinaryExpr:
		if to, ok := negated[n.Op]; ok {
			g.op(n, OpNegateCmp, n.OpPos, len(n.Op.String()), to.String())
		}
		if to, ok := boundary[n.Op]; ok {
			g.op(n, OpBoundary, n.OpPos, len(n.Op.String()), to.String())
		}
		switch n.Op {
		case token.LAND:
			g.op(n, OpLogic, n.OpPos, 2, "||")
		case token.LOR:
			g.op(n, OpLogic, n.OpPos, 2, "&&")
		}
	case *ast.IfStmt:
		g.negate(n.Cond)
	case *ast.ForStmt:
		if n.Cond != nil {
			g.negate(n.Cond)
		}
	case *ast.SwitchStmt:
		if n.Tag == nil {
			for _, s := range n.Body.List {
				for _, c := range s.(*ast.CaseClause).List {
					g.negate(c)
				}
			}
		}
	case *ast.BlockStmt:
		g.deletions(n.List)
	case *ast.CaseClause:
		g.deletions(n.Body)
	case *ast.SelectorExpr:
		pkg, ok := n.X.(*ast.Ident)
		if !ok {
			break
		}
		if to, ok := statusSwap[n.Sel.Name]; ok && pkg.Name == "http" {
			g.replace(n, OpStatus, "http."+to)
		}
		if to, ok := swapNext(pkg.Name, n.Sel.Name); ok {
			g.replace(n, OpSwap, pkg.Name+"."+to)
		}
	case *ast.BasicLit:
		g.literal(n)
	case *ast.Ident:
		switch n.Name {
		case "true":
			g.replace(n, OpBool, "false")
		case "false":
			g.replace(n, OpBool, "true")
		}
	}
}

func (g *generator) literal(n *ast.BasicLit) {
	if len(g.stack) > 0 {
		switch p := g.stack[len(g.stack)-1].(type) {
		case *ast.Field: // a struct tag
			return
		case *ast.CallExpr:
			// make's sizes and capacities change no result.
			if id, ok := p.Fun.(*ast.Ident); ok && id.Name == "make" {
				return
			}
		}
	}
	switch n.Kind {
	case token.STRING:
		if g.inside(diagnostic) {
			return
		}
		s, err := strconv.Unquote(n.Value)
		if err != nil {
			return
		}
		to := `""`
		if s == "" {
			to = `"mutant"`
		}
		g.replace(n, OpString, to)
	case token.INT:
		v, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			return
		}
		g.replace(n, OpInt, strconv.FormatInt(v+1, 10))
	}
}

// negate negates a condition that is no comparison (comparisons have their own operators).
func (g *generator) negate(cond ast.Expr) {
	switch c := cond.(type) {
	case *ast.BinaryExpr:
		if _, ok := negated[c.Op]; ok {
			return
		}
	case *ast.UnaryExpr:
		if c.Op == token.NOT {
			g.replace(c, OpNegate, g.text(c.X))
			return
		}
	case *ast.ParenExpr:
		g.negate(c.X)
		return
	}
	g.replace(cond, OpNegate, "!("+g.text(cond)+")")
}

// deletions removes, one at a time, each statement of a block that can go without breaking
// compilation: calls, assignments that declare nothing, ++/--, sends, break and continue.
func (g *generator) deletions(list []ast.Stmt) {
	for _, s := range list {
		switch s := s.(type) {
		case *ast.ExprStmt:
			if c, ok := s.X.(*ast.CallExpr); ok && diagnostic(c) {
				continue // a log record
			}
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				continue
			}
		case *ast.IncDecStmt, *ast.SendStmt:
		case *ast.BranchStmt:
			if s.Tok != token.BREAK && s.Tok != token.CONTINUE {
				continue
			}
		default:
			continue
		}
		g.replace(s, OpDelete, "")
	}
}

// op records a mutant replacing the operator at pos (length bytes) in expression e by to.
func (g *generator) op(e ast.Expr, op string, pos token.Pos, length int, to string) {
	start, end := g.fset.Position(e.Pos()).Offset, g.fset.Position(e.End()).Offset
	at := g.fset.Position(pos).Offset
	before := string(g.src[start:end])
	after := before[:at-start] + to + before[at-start+length:]
	g.add(pos, op, before, after, at, length, to)
}

// replace records a mutant replacing node n by to.
func (g *generator) replace(n ast.Node, op, to string) {
	start, end := g.fset.Position(n.Pos()).Offset, g.fset.Position(n.End()).Offset
	g.add(n.Pos(), op, string(g.src[start:end]), to, start, end-start, to)
}

func (g *generator) add(pos token.Pos, op, before, after string, offset, length int, replacement string) {
	p := g.fset.Position(pos)
	g.out = append(g.out, Mutant{
		File: g.file, Func: g.fn, Op: op, Original: shorten(before), Mutated: shorten(after),
		Line: p.Line, Col: p.Column, offset: offset, length: length, replacement: replacement,
	})
}

func (g *generator) text(n ast.Node) string {
	return string(g.src[g.fset.Position(n.Pos()).Offset:g.fset.Position(n.End()).Offset])
}

// maxText is the longest code text an identity carries whole; longer text keeps its start and a
// hash of the whole, so that two long texts with the same start stay apart.
const maxText = 72

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxText {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	cut := maxText
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…" + hex.EncodeToString(sum[:4])
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
