package specs_test

// The spec linter: every rule of README.md ("Conventions" and "The linter") as a test, per vendor.
// oapi-codegen generates happily from a spec that kin-openapi rejects, and a thin spec generates a
// thin client without complaint, so these checks are what keep the specs honest.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/contactapis/contactapis/specs"
)

// vendorDocsDir is where the vendor pages live: shared/ beside the repository, as CI lays it out.
const vendorDocsDir = "../../shared/vendor-docs"

var (
	kebabRE       = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	placeholderOK = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	spaceRE       = regexp.MustCompile(`\s+`)
)

// knownExtensions are the x- keys a spec may use: ours (README.md) and the generator's. An unknown
// key is almost always a typo ("x-asumed") that would silently drop a rule, so it fails.
var knownExtensions = []string{
	specs.ExtErrorCatalogue, specs.ExtDiscrepancy, specs.ExtAssumed, specs.ExtEvidence, specs.ExtBodyMediaType,
	"x-vendor-page", "x-contact-type-rules", specs.ExtMock, specs.ExtMockRef, specs.ExtMockAlias, specs.ExtSelectsOperation,
	"x-order", "x-oapi-codegen-extra-tags", "x-go-name", "x-go-type", "x-go-type-import",
	"x-go-type-skip-optional-pointer", "x-enum-varnames", "x-oapi-codegen-only-honour-go-name",
}

func TestSpecs(t *testing.T) {
	for _, vendor := range specs.Vendors() {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			doc, err := specs.Load(vendor)
			if err != nil {
				t.Fatalf("spec does not load and validate: %v", err)
			}
			raw, err := specs.Raw(vendor)
			if err != nil {
				t.Fatal(err)
			}
			t.Run("operationIds", func(t *testing.T) { lintOperationIDs(t, doc) })
			t.Run("examples", func(t *testing.T) { lintExamples(t, doc) })
			t.Run("catalogue", func(t *testing.T) { lintCatalogue(t, doc) })
			t.Run("extensions", func(t *testing.T) { lintExtensions(t, raw) })
			t.Run("patterns", func(t *testing.T) { lintPatterns(t, raw) })
			t.Run("pageitems", func(t *testing.T) { lintPageItems(t, vendor, doc) })
			t.Run("rules", func(t *testing.T) { lintContactTypeRules(t, doc) })
			t.Run("mock", func(t *testing.T) { lintMock(t, doc) })
		})
	}
}

func lintOperationIDs(t *testing.T, doc *openapi3.T) {
	seen := map[string]string{}
	for _, op := range specs.Operations(doc) {
		id := op.Operation.OperationID
		where := op.Method + " " + op.Path
		if id == "" {
			t.Errorf("%s has no operationId", where)
			continue
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("operationId %q used by %s and %s", id, prev, where)
		}
		seen[id] = where
	}
}

// lintExamples validates every example against its schema explicitly, so the rule does not
// depend on a kin-openapi default.
func lintExamples(t *testing.T, doc *openapi3.T) {
	check := func(where string, schema *openapi3.SchemaRef, value any, opts ...openapi3.SchemaValidationOption) {
		t.Helper()
		if schema == nil || schema.Value == nil {
			t.Errorf("%s: example without a schema", where)
			return
		}
		if err := schema.Value.VisitJSON(value, opts...); err != nil {
			t.Errorf("%s: example does not validate: %v", where, err)
		}
		// Open schemas accept any extra key, so a misspelt key in an example would pass
		// VisitJSON; an example shows only what the spec declares.
		for _, key := range undeclaredKeys(schema, value, "") {
			t.Errorf("%s: example key %s is not declared by the schema", where, key)
		}
	}
	examples := func(where string, schema *openapi3.SchemaRef, single any, named openapi3.Examples, opts ...openapi3.SchemaValidationOption) int {
		n := 0
		if single != nil {
			check(where, schema, single, opts...)
			n++
		}
		for name, ex := range named {
			if ex == nil || ex.Value == nil {
				t.Errorf("%s: example %q is empty", where, name)
				continue
			}
			check(where+" example "+name, schema, ex.Value.Value, opts...)
			n++
		}
		return n
	}
	req := openapi3.VisitAsRequest()
	resp := openapi3.VisitAsResponse()
	total := 0
	for _, op := range specs.Operations(doc) {
		id := op.Operation.OperationID
		for _, p := range op.Operation.Parameters {
			total += examples(id+" parameter "+p.Value.Name, p.Value.Schema, p.Value.Example, p.Value.Examples, req)
		}
		if rb := op.Operation.RequestBody; rb != nil && rb.Value != nil {
			for mt, media := range rb.Value.Content {
				total += examples(id+" request "+mt, media.Schema, media.Example, media.Examples, req)
			}
		}
		for status, r := range op.Operation.Responses.Map() {
			if r.Value == nil {
				continue
			}
			for mt, media := range r.Value.Content {
				total += examples(id+" response "+status+" "+mt, media.Schema, media.Example, media.Examples, resp)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		if s.Value != nil && s.Value.Example != nil {
			check("schema "+name, s, s.Value.Example)
			total++
		}
	}
	if total == 0 {
		t.Error("the spec has no examples; every example on the vendor page must be in it")
	}
}

func lintCatalogue(t *testing.T, doc *openapi3.T) {
	page, _ := doc.Info.Extensions["x-vendor-page"].(string)
	if page == "" {
		t.Fatal("info has no x-vendor-page naming the vendor page file")
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		t.Fatalf("catalogue does not decode: %v", err)
	}
	ops := specs.Operations(doc)
	for _, op := range ops {
		if _, ok := op.Operation.Extensions[specs.ExtErrorCatalogue]; !ok {
			t.Errorf("%s has no %s", op.Operation.OperationID, specs.ExtErrorCatalogue)
		}
	}
	seen := map[string]bool{}
	for _, e := range cat {
		where := fmt.Sprintf("entry %q", e.ID)
		if !kebabRE.MatchString(e.ID) {
			t.Errorf("%s: id is not kebab-case", where)
		}
		if seen[e.ID] {
			t.Errorf("%s: id is not unique", where)
		}
		seen[e.ID] = true
		if e.Status < 400 || e.Status > 599 {
			t.Errorf("%s: status %d is not an error status", where, e.Status)
		}
		if e.Message == "" || e.Resolution == "" || e.Doc == "" {
			t.Errorf("%s: message, resolution and doc are all required", where)
		}
		for _, name := range e.Placeholders() {
			if !placeholderOK.MatchString(name) {
				t.Errorf("%s: placeholder {%s} is not a lowerCamelCase name", where, name)
			}
		}
		if rest := placeholderRE.ReplaceAllString(e.Message, ""); strings.ContainsAny(rest, "{}") {
			t.Errorf("%s: unbalanced brace in message %q", where, e.Message)
		}
		if e.Assumed == "" && !strings.Contains(e.Doc, page) {
			t.Errorf("%s: doc %q does not cite %s; an undocumented entry needs x-assumed", where, e.Doc, page)
		}
		switch {
		case e.OperationID != "" && e.Scope != "":
			t.Errorf("%s: scope is for root entries only", where)
		case !slices.Contains([]string{specs.ScopeAll, specs.ScopeSecured, specs.ScopeUnrouted}, e.Scope):
			t.Errorf("%s: unknown scope %q", where, e.Scope)
		}
		for _, op := range ops {
			if !entryApplies(doc, e, op) {
				continue
			}
			r := op.Operation.Responses.Value(strconv.Itoa(e.Status))
			if r == nil || r.Value == nil {
				t.Errorf("%s: %s declares no %d response", where, op.Operation.OperationID, e.Status)
			} else if len(r.Value.Content) == 0 {
				t.Errorf("%s: %s's %d response has no body format to render it in", where, op.Operation.OperationID, e.Status)
			}
		}
	}
	// The reverse: every declared error status has an entry to answer with.
	for _, op := range ops {
		for status := range op.Operation.Responses.Map() {
			code, err := strconv.Atoi(status)
			if err != nil || code < 400 {
				continue
			}
			found := false
			for _, e := range cat {
				if e.Status == code && entryApplies(doc, e, op) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s declares a %d response that no catalogue entry answers with", op.Operation.OperationID, code)
			}
		}
	}
}

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

func entryApplies(doc *openapi3.T, e specs.Entry, op specs.Operation) bool {
	switch {
	case e.OperationID != "":
		return e.OperationID == op.Operation.OperationID
	case op.Operation.RequestBody == nil && !slices.ContainsFunc(e.When, func(c specs.Condition) bool { return c.On != specs.OnMediaType }):
		// An entry only about the body's media type has nothing to answer where there is no body.
		return false
	case e.Scope == specs.ScopeUnrouted:
		return false
	case e.Scope == specs.ScopeSecured:
		sec := doc.Security
		if op.Operation.Security != nil {
			sec = *op.Operation.Security
		}
		return len(sec) > 0
	default:
		return true
	}
}

// lintExtensions walks the document as written, so that an extension in a place kin-openapi does
// not keep is still checked.
func lintExtensions(t *testing.T, raw []byte) {
	var tree any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	var walk func(path string, node any)
	walk = func(path string, node any) {
		switch n := node.(type) {
		case map[string]any:
			for k, v := range n {
				p := path + "/" + k
				if strings.HasPrefix(k, "x-") && !slices.Contains(knownExtensions, k) {
					t.Errorf("%s: unknown extension (typo?); known: %v", p, knownExtensions)
				}
				switch k {
				case specs.ExtAssumed:
					if s, ok := v.(string); !ok || strings.TrimSpace(s) == "" {
						t.Errorf("%s: must be a non-empty reason, got %#v", p, v)
					}
				case specs.ExtDiscrepancy:
					lintDiscrepancies(t, p, v, ids)
				case specs.ExtEvidence:
					lintEvidence(t, p, v)
				case specs.ExtBodyMediaType:
					content, _ := n["content"].(map[string]any)
					if mt, _ := v.(string); content == nil || content[mt] == nil {
						t.Errorf("%s: %#v must name one of the request body's declared media types", p, v)
					}
				}
				walk(p, v)
			}
		case []any:
			for i, v := range n {
				walk(fmt.Sprintf("%s/%d", path, i), v)
			}
		}
	}
	walk("", tree)
}

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// lintEvidence checks an x-evidence list: each entry names a public repository (owner/name), a
// file in it, the full commit read and what the client shows, so that anyone can check the
// claim at that commit.
func lintEvidence(t *testing.T, path string, v any) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		t.Errorf("%s: must be a non-empty list", path)
		return
	}
	for i, item := range list {
		p := fmt.Sprintf("%s/%d", path, i)
		m, ok := item.(map[string]any)
		if !ok {
			t.Errorf("%s: must be a mapping", p)
			continue
		}
		for k := range m {
			if !slices.Contains([]string{"client", "file", "commit", "shows"}, k) {
				t.Errorf("%s: unknown key %q (client, file, commit, shows)", p, k)
			}
		}
		for _, key := range []string{"client", "file", "shows"} {
			if s, _ := m[key].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s: %q is required", p, key)
			}
		}
		if c, _ := m["client"].(string); strings.Count(c, "/") != 1 {
			t.Errorf("%s: client %q: want the repository as owner/name", p, c)
		}
		if c, _ := m["commit"].(string); !commitRE.MatchString(c) {
			t.Errorf("%s: commit %q: want the full 40-hex commit id", p, m["commit"])
		}
	}
}

func lintDiscrepancies(t *testing.T, path string, v any, ids map[string]string) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		t.Errorf("%s: must be a non-empty list", path)
		return
	}
	for i, item := range list {
		m, ok := item.(map[string]any)
		p := fmt.Sprintf("%s/%d", path, i)
		if !ok {
			t.Errorf("%s: must be a mapping", p)
			continue
		}
		for _, key := range []string{"id", "page", "spec", "probe"} {
			if s, _ := m[key].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s: %q is required", p, key)
			}
		}
		if len(m) != 4 {
			t.Errorf("%s: only id, page, spec and probe are allowed, got %d keys", p, len(m))
		}
		id, _ := m["id"].(string)
		if !kebabRE.MatchString(id) {
			t.Errorf("%s: id %q is not kebab-case", p, id)
		}
		if prev, dup := ids[id]; dup {
			t.Errorf("%s: id %q already used at %s", p, id, prev)
		}
		ids[id] = p
	}
}

// pageItems is testdata/pageitems/<vendor>.yaml; see README.md.
type pageItems struct {
	Page       string          `yaml:"page"`
	Operations []pageOperation `yaml:"operations"`
}

type pageOperation struct {
	OperationID        string           `yaml:"operationId"`
	Parameters         []pageParameter  `yaml:"parameters"`
	Headers            []string         `yaml:"headers"`
	RequestFields      []fieldItem      `yaml:"requestFields"`
	ResponseFields     []fieldItem      `yaml:"responseFields"`
	Statuses           []int            `yaml:"statuses"`
	RequestMediaTypes  []string         `yaml:"requestMediaTypes"`
	ResponseMediaTypes map[int][]string `yaml:"responseMediaTypes"`
	Errors             []pageError      `yaml:"errors"`
}

type pageParameter struct {
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

// fieldItem is a field as the page names it and as the spec names it: the same string, unless the
// page misspells a name the wire spells right ({page: placeOfIncorportaion, spec:
// placeOfIncorporation}); the spec must then record the misspelling as a discrepancy.
type fieldItem struct {
	Page, Spec string
}

func (f *fieldItem) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		f.Page, f.Spec = n.Value, n.Value
		return nil
	}
	var alias struct {
		Page string `yaml:"page"`
		Spec string `yaml:"spec"`
	}
	if err := n.Decode(&alias); err != nil || alias.Page == "" || alias.Spec == "" {
		return fmt.Errorf("line %d: a field is a name or {page: name, spec: name}", n.Line)
	}
	f.Page, f.Spec = alias.Page, alias.Spec
	return nil
}

type pageError struct {
	Page    string `yaml:"page"`
	Status  int    `yaml:"status"`
	Code    string `yaml:"code"`
	Message string `yaml:"message"`
}

func lintPageItems(t *testing.T, vendor string, doc *openapi3.T) {
	items := readPageItems(t, vendor)
	if page, _ := doc.Info.Extensions["x-vendor-page"].(string); page != items.Page {
		t.Errorf("spec's x-vendor-page %q, page items' page %q: they must name the same page", page, items.Page)
	}
	onPage := pageText(t, items.Page)
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(items.Operations) == 0 {
		t.Fatal("page items list no operation")
	}
	for _, want := range items.Operations {
		op := findOperation(doc, want.OperationID)
		if op == nil {
			t.Errorf("operation %q of the page is not in the spec", want.OperationID)
			continue
		}
		id := want.OperationID
		check := func(item string, present bool) {
			t.Helper()
			if !present {
				t.Errorf("%s: %s is on the page but not in the spec", id, item)
			}
		}
		literal := func(text string) {
			t.Helper()
			if onPage != nil && !onPage(text) {
				t.Errorf("%s: page item %q is not on page %s", id, text, items.Page)
			}
		}
		for _, p := range want.Parameters {
			literal(p.Name)
			check("parameter "+p.In+" "+p.Name, hasParameter(doc, op, p))
		}
		for _, h := range want.Headers {
			literal(h)
			check("header "+h, hasHeader(doc, op, h))
		}
		reqFields := requestFields(op.Operation)
		for _, f := range want.RequestFields {
			literal(f.Page)
			check("request field "+f.Spec, reqFields[f.Spec])
		}
		respFields := responseFields(op.Operation)
		for _, f := range want.ResponseFields {
			literal(f.Page)
			check("response field "+f.Spec, respFields[f.Spec])
		}
		for _, s := range want.Statuses {
			// A page may give a status by number ("404 - NotFound") or by phrase ("status: OK").
			if onPage != nil && !onPage(strconv.Itoa(s)) && !onPage(http.StatusText(s)) {
				t.Errorf("%s: status %d is on the page neither as a number nor as %q", id, s, http.StatusText(s))
			}
			check(fmt.Sprintf("status %d", s), op.Operation.Responses.Value(strconv.Itoa(s)) != nil)
		}
		for _, mt := range want.RequestMediaTypes {
			literal(mt)
			rb := op.Operation.RequestBody
			check("request media type "+mt, rb != nil && rb.Value != nil && rb.Value.Content.Get(mt) != nil)
		}
		for status, mts := range want.ResponseMediaTypes {
			r := op.Operation.Responses.Value(strconv.Itoa(status))
			for _, mt := range mts {
				literal(mt)
				check(fmt.Sprintf("response %d media type %s", status, mt), r != nil && r.Value != nil && r.Value.Content.Get(mt) != nil)
			}
		}
		for _, e := range want.Errors {
			literal(e.Page)
			if e.Code != "" {
				literal(e.Code)
			}
			found := slices.ContainsFunc(cat, func(c specs.Entry) bool {
				return c.Status == e.Status && c.Code == e.Code && c.Message == e.Message &&
					(c.OperationID == "" || c.OperationID == id)
			})
			check(fmt.Sprintf("error %d %q (catalogue message %q)", e.Status, e.Page, e.Message), found)
		}
	}
}

func readPageItems(t *testing.T, vendor string) pageItems {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "pageitems", vendor+".yaml"))
	if err != nil {
		t.Fatalf("page items: %v", err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	var items pageItems
	if err := dec.Decode(&items); err != nil {
		t.Fatalf("page items of %s: %v", vendor, err)
	}
	return items
}

// pageText returns a matcher for literal text on the vendor page, with runs of white space folded
// (the pages' tables are flattened text). It returns nil, and logs why, when shared/ is not beside
// the repository; the spec-side checks still run.
func pageText(t *testing.T, page string) func(string) bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vendorDocsDir, page))
	if err != nil {
		if os.IsNotExist(err) {
			t.Logf("vendor page %s not found beside the repository (%v): page literals not checked", page, err)
			return nil
		}
		t.Fatal(err)
	}
	text := spaceRE.ReplaceAllString(string(data), " ")
	return func(s string) bool {
		// Whole words where the item starts or ends with a word character, so that "200" is not
		// found inside "2001-08-01". The pages' flattened tables glue cells together
		// ("400API Version EmptyAdd a value"), so a letter-digit junction counts as a boundary.
		s = spaceRE.ReplaceAllString(strings.TrimSpace(s), " ")
		for i := 0; ; {
			j := strings.Index(text[i:], s)
			if j < 0 {
				return false
			}
			start, end := i+j, i+j+len(s)
			if !sameKind(text, start-1, start) && !sameKind(text, end-1, end) {
				return true
			}
			i = start + 1
		}
	}
}

// sameKind reports whether the bytes at a and b belong to one word or number, so that a match edge
// between them would split it. A lower-case letter followed by an upper-case one is a boundary: the
// flattened tables glue cells that way ("Request EmptyAdd at least one contact").
func sameKind(text string, a, b int) bool {
	if a < 0 || b >= len(text) {
		return false
	}
	ca, cb := text[a], text[b]
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	lower := func(c byte) bool { return c >= 'a' && c <= 'z' || c == '_' }
	upper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	switch {
	case digit(ca) && digit(cb):
		return true
	case lower(ca) && upper(cb):
		return false
	default:
		return (lower(ca) || upper(ca)) && (lower(cb) || upper(cb))
	}
}

// hasHeader reports whether the operation carries header name: as a header parameter, as the
// header of an apiKey or http security scheme it requires (Authorization), or as the Content-Type
// of its request body.
func hasHeader(doc *openapi3.T, op *specs.Operation, name string) bool {
	if hasParameter(doc, op, pageParameter{Name: name, In: "header"}) {
		return true
	}
	if strings.EqualFold(name, "Content-Type") {
		rb := op.Operation.RequestBody
		return rb != nil && rb.Value != nil && len(rb.Value.Content) > 0
	}
	sec := doc.Security
	if op.Operation.Security != nil {
		sec = *op.Operation.Security
	}
	for _, req := range sec {
		for scheme := range req {
			ref := doc.Components.SecuritySchemes[scheme]
			if ref == nil || ref.Value == nil {
				continue
			}
			v := ref.Value
			if (v.Type == "apiKey" && v.In == "header" && strings.EqualFold(v.Name, name)) ||
				(v.Type == "http" && strings.EqualFold(name, "Authorization")) {
				return true
			}
		}
	}
	return false
}

func findOperation(doc *openapi3.T, id string) *specs.Operation {
	for _, op := range specs.Operations(doc) {
		if op.Operation.OperationID == id {
			return &op
		}
	}
	return nil
}

func hasParameter(doc *openapi3.T, op *specs.Operation, want pageParameter) bool {
	params := slices.Clone(op.Operation.Parameters)
	if item := doc.Paths.Value(op.Path); item != nil {
		params = append(params, item.Parameters...)
	}
	return slices.ContainsFunc(params, func(p *openapi3.ParameterRef) bool {
		return p.Value != nil && p.Value.Name == want.Name && p.Value.In == want.In
	})
}

func requestFields(op *openapi3.Operation) map[string]bool {
	fields := map[string]bool{}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for _, media := range op.RequestBody.Value.Content {
			collectProperties(media.Schema, fields, map[*openapi3.Schema]bool{})
		}
	}
	return fields
}

func responseFields(op *openapi3.Operation) map[string]bool {
	fields := map[string]bool{}
	for status, r := range op.Responses.Map() {
		if !strings.HasPrefix(status, "2") || r.Value == nil {
			continue
		}
		for _, media := range r.Value.Content {
			collectProperties(media.Schema, fields, map[*openapi3.Schema]bool{})
		}
	}
	return fields
}

func collectProperties(ref *openapi3.SchemaRef, into map[string]bool, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	for name, p := range s.Properties {
		into[name] = true
		collectProperties(p, into, seen)
	}
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			collectProperties(sub, into, seen)
		}
	}
	collectProperties(s.Items, into, seen)
	collectProperties(s.AdditionalProperties.Schema, into, seen)
}

// undeclaredKeys lists the object keys of value that schema does not declare, as paths. Keys under
// additionalProperties with a schema are checked against it; allOf members count as declared.
func undeclaredKeys(ref *openapi3.SchemaRef, value any, path string) []string {
	if ref == nil || ref.Value == nil {
		return nil
	}
	s := ref.Value
	var out []string
	switch v := value.(type) {
	case map[string]any:
		for key, child := range v {
			prop := propertySchema(s, key)
			switch {
			case prop != nil:
				out = append(out, undeclaredKeys(prop, child, path+"/"+key)...)
			case s.AdditionalProperties.Schema != nil:
				out = append(out, undeclaredKeys(s.AdditionalProperties.Schema, child, path+"/"+key)...)
			case s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has:
			default:
				out = append(out, path+"/"+key)
			}
		}
	case []any:
		for i, child := range v {
			out = append(out, undeclaredKeys(s.Items, child, fmt.Sprintf("%s/%d", path, i))...)
		}
	}
	return out
}

func propertySchema(s *openapi3.Schema, key string) *openapi3.SchemaRef {
	if p, ok := s.Properties[key]; ok {
		return p
	}
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			if sub.Value != nil {
				if p := propertySchema(sub.Value, key); p != nil {
					return p
				}
			}
		}
	}
	return nil
}

// lintContactTypeRules checks every x-contact-type-rules table against the schema it sits on and
// the catalogue, so a renamed field or entry cannot leave a rule pointing at nothing.
func lintContactTypeRules(t *testing.T, doc *openapi3.T) {
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		t.Fatal(err)
	}
	for name, ref := range doc.Components.Schemas {
		if _, ok := ref.Value.Extensions[specs.ExtContactTypeRules]; !ok {
			continue
		}
		rules, err := specs.ReadContactTypeRules(doc, name)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		props := ref.Value.Properties
		if _, ok := props[rules.Property]; !ok {
			t.Errorf("%s: rule property %q is not a property of the schema", name, rules.Property)
		}
		if len(rules.Types) == 0 {
			t.Errorf("%s: no contact types", name)
		}
		known := func(where string, types []string) {
			for _, ty := range types {
				if !slices.Contains(rules.Types, ty) {
					t.Errorf("%s: %s names unknown contact type %q", name, where, ty)
				}
			}
		}
		known("notUpdatable", rules.NotUpdatable)
		for _, f := range rules.MatchStored {
			if _, ok := props[f]; !ok {
				t.Errorf("%s: matchStored names %q, not a property", name, f)
			}
		}
		for _, v := range rules.NotAViolation {
			if !slices.Contains(specs.NotAViolationValues(), v) {
				t.Errorf("%s: notAViolation value %q is not one of %v", name, v, specs.NotAViolationValues())
			}
		}
		for field, rule := range rules.Fields {
			if _, ok := props[field]; !ok {
				t.Errorf("%s: rule for %q, which is not a property", name, field)
			}
			if len(rule.AllowedFor) == 0 || rule.Doc == "" {
				t.Errorf("%s: rule for %q needs allowedFor and doc", name, field)
			}
			known("field "+field, rule.AllowedFor)
		}
		for kind, id := range map[string]string{"notUpdatable": rules.Errors.NotUpdatable, "matchStored": rules.Errors.MatchStored, "notAllowed": rules.Errors.NotAllowed} {
			if _, ok := cat.ByID(id); !ok {
				t.Errorf("%s: errors.%s names %q, not a catalogue entry", name, kind, id)
			}
		}
	}
}

// lintMock checks what the mock engine reads (x-mock, `when`, x-mock-ref) in a spec that declares
// x-mock: the configuration is consistent, every catalogue entry says which failures it answers
// (an entry without `when` would never be answered: a documented error the mock cannot give), every
// condition names a known kind, and every reference names a collection.
func lintMock(t *testing.T, doc *openapi3.T) {
	m, ok, err := specs.ReadMock(doc)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		for _, e := range cat {
			if len(e.When) > 0 {
				t.Errorf("entry %s has `when` but the spec has no %s", e.ID, specs.ExtMock)
			}
		}
		return
	}
	for _, op := range specs.Operations(doc) {
		if _, err := specs.ReadMockOperation(op.Operation); err != nil {
			t.Error(err)
		}
	}
	for _, e := range cat {
		if len(e.When) == 0 {
			t.Errorf("entry %s has no `when`: the mock engine could never answer it", e.ID)
		}
		for _, c := range e.When {
			if !slices.Contains(specs.ConditionKinds(), c.On) {
				t.Errorf("entry %s: when.on %q is not one of %v", e.ID, c.On, specs.ConditionKinds())
			}
			if (c.On == specs.OnRule) != (c.Rule != "") {
				t.Errorf("entry %s: a rule condition names its rule, and only a rule condition does", e.ID)
			}
		}
	}
	for name, ref := range doc.Components.Schemas {
		for prop, ps := range ref.Value.Properties {
			if c, ok := ps.Value.Extensions[specs.ExtMockRef].(string); ok {
				if _, known := m.Collections[c]; !known {
					t.Errorf("%s.%s: %s %q is not a collection of %s", name, prop, specs.ExtMockRef, c, specs.ExtMock)
				}
			}
		}
	}
}

// nonPortable are regular expression constructs that RE2 (kin-openapi, the mocks) and ECMA-262
// without the u flag (Prism, ajv and other JavaScript validators, Spectral) read differently, or
// that one of them refuses: Unicode property classes (\p{L} is "p{L}" in JavaScript without u),
// braced code points (\x{41}), \u escapes (not RE2), inline flags, \A \z \Q, POSIX classes,
// lookaround and backreferences.
var nonPortable = regexp.MustCompile(`\\[pPxuUAzQEC]|\(\?|\[\[:|\\[1-9]`)

// lintPatterns checks that every schema pattern means the same in every engine a spec user may
// validate with: no construct of nonPortable, only characters of the Basic Multilingual Plane (a
// JavaScript RegExp without u sees one beyond it as two UTF-16 halves), and it compiles in RE2.
func lintPatterns(t *testing.T, raw []byte) {
	var tree any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, node any)
	walk = func(path string, node any) {
		switch n := node.(type) {
		case map[string]any:
			for k, v := range n {
				p := path + "/" + k
				if pat, ok := v.(string); ok && k == "pattern" {
					if m := nonPortable.FindString(pat); m != "" {
						t.Errorf("%s: %q reads differently in RE2 and ECMA-262 without u; write the characters out", p, m)
					}
					for _, r := range pat {
						if r > 0xFFFF {
							t.Errorf("%s: %U is beyond the Basic Multilingual Plane", p, r)
							break
						}
					}
					if _, err := regexp.Compile(pat); err != nil {
						t.Errorf("%s: %v", p, err)
					}
				}
				walk(p, v)
			}
		case []any:
			for i, v := range n {
				walk(fmt.Sprintf("%s/%d", path, i), v)
			}
		}
	}
	walk("", tree)
}

// TestPersonNameIsEveryBMPLetter checks iovox's PersonName class, written out character by
// character so that JavaScript validators read it as RE2 does, against Go's own letter table:
// exactly the letters of the Basic Multilingual Plane, any number of them.
func TestPersonNameIsEveryBMPLetter(t *testing.T) {
	doc, err := specs.Load(specs.Iovox)
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas["PersonName"]
	if s == nil || s.Value == nil {
		t.Fatal("no PersonName schema")
	}
	re := regexp.MustCompile(s.Value.Pattern)
	for r := rune(0); r <= 0xFFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if got, want := re.MatchString(string(r)), unicode.IsLetter(r); got != want {
			t.Errorf("%U %q: matches %v, is a letter %v", r, r, got, want)
		}
	}
	for in, want := range map[string]bool{"": true, "Zoë": true, "Søren": true, "Ólafur": true, "Иван": true, "李": true,
		"Mary Ann": false, "O'Brien": false, "Jean-Luc": false, "R2D2": false, "\U0001D400": false} {
		if got := re.MatchString(in); got != want {
			t.Errorf("%q: matches %v, want %v", in, got, want)
		}
	}
}
