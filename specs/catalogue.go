package specs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Extension names of the project's conventions (see README.md).
const (
	ExtErrorCatalogue = "x-error-catalogue"
	ExtDiscrepancy    = "x-doc-discrepancy"
	ExtAssumed        = "x-assumed"
)

// Scopes of a root catalogue entry. Operation entries have no scope.
const (
	// ScopeAll: the entry can answer any operation, and every operation declares its status.
	ScopeAll = ""
	// ScopeSecured: the entry answers failed authentication; every secured operation declares it.
	ScopeSecured = "secured"
	// ScopeUnrouted: the entry answers a request that matches no operation; nothing declares it.
	ScopeUnrouted = "unrouted"
)

// Discrepancy is one x-doc-discrepancy record: a contradiction in the vendor page, resolved.
type Discrepancy struct {
	ID    string `json:"id"`
	Page  string `json:"page"`
	Spec  string `json:"spec"`
	Probe string `json:"probe"`
}

// Entry is one documented (or assumed) error of a vendor, from an x-error-catalogue.
type Entry struct {
	ID            string        `json:"id"`
	Scope         string        `json:"scope,omitempty"`
	Status        int           `json:"status"`
	Code          string        `json:"code,omitempty"`
	Message       string        `json:"message"`
	Resolution    string        `json:"resolution"`
	Doc           string        `json:"doc"`
	Assumed       string        `json:"x-assumed,omitempty"`
	Discrepancies []Discrepancy `json:"x-doc-discrepancy,omitempty"`
	// When lists the failures the mock engine answers with this entry (see Condition).
	When []Condition `json:"when,omitempty"`

	// OperationID is the operation whose catalogue holds the entry; empty for root entries.
	OperationID string `json:"-"`
}

var placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)

// Placeholders returns the names of the entry's message placeholders, in order of appearance.
func (e Entry) Placeholders() []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(e.Message, -1) {
		names = append(names, m[1])
	}
	return names
}

// Render fills the message's placeholders from args. Every placeholder must have a value, and every
// value must name a placeholder: a mismatch is a programming error in the caller and is returned
// rather than rendered half-filled.
func (e Entry) Render(args map[string]string) (string, error) {
	var missing []string
	used := make(map[string]bool, len(args))
	out := placeholderRE.ReplaceAllStringFunc(e.Message, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := args[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		used[name] = true
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("render %q: no value for %s", e.ID, strings.Join(missing, ", "))
	}
	for name := range args {
		if !used[name] {
			return "", fmt.Errorf("render %q: message has no placeholder {%s}", e.ID, name)
		}
	}
	return out, nil
}

// Match reports whether message is an instance of the entry's template and, if so, the value of
// each placeholder: "Contact ID 2 of 3 does not exist" gives {item: 2, total: 3}. Placeholders match
// lazily and the whole message must match, so literal text between them anchors each value.
func (e Entry) Match(message string) (map[string]string, bool) {
	m := e.matcher().FindStringSubmatch(message)
	if m == nil {
		return nil, false
	}
	args := make(map[string]string, len(m)-1)
	for i, name := range e.Placeholders() {
		args[name] = m[i+1]
	}
	return args, true
}

// matchers caches the compiled template of each message: Identify tries every entry of a catalogue
// on every error answer the suite, drift and the clients read, and compiling the same templates
// again each time was most of that work. Keys are messages of the embedded documents (and of tests'
// own entries), a bounded set.
var matchers sync.Map // message -> *regexp.Regexp

func (e Entry) matcher() *regexp.Regexp {
	if re, ok := matchers.Load(e.Message); ok {
		return re.(*regexp.Regexp)
	}
	re := compileMatcher(e.Message)
	matchers.Store(e.Message, re)
	return re
}

func compileMatcher(message string) *regexp.Regexp {
	e := Entry{Message: message}
	var b strings.Builder
	// (?s): a value echoed into a message (a parameter name a client sent) may hold a newline.
	b.WriteString(`(?s)^`)
	last := 0
	for _, loc := range placeholderRE.FindAllStringIndex(e.Message, -1) {
		b.WriteString(regexp.QuoteMeta(e.Message[last:loc[0]]))
		b.WriteString(`(.+?)`)
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(e.Message[last:]))
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// Catalogue is every error entry of one vendor document: root entries first, then each
// operation's in path order.
type Catalogue []Entry

// ByID returns the entry with the given id.
func (c Catalogue) ByID(id string) (Entry, bool) {
	for _, e := range c {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// ForOperation returns the entries that can answer the operation: its own first, then the root
// entries that apply to it (scope secured only when the operation is secured), then the unrouted
// ones (a client's wrong URL gets those). Identify on the result then prefers the operation's own
// entry when a root entry shares its message.
func (c Catalogue) ForOperation(operationID string, secured bool) Catalogue {
	var own, root, unrouted Catalogue
	for _, e := range c {
		switch {
		case e.OperationID == operationID:
			own = append(own, e)
		case e.OperationID != "":
		case e.Scope == ScopeUnrouted:
			unrouted = append(unrouted, e)
		case e.Scope == ScopeSecured && !secured:
		default:
			root = append(root, e)
		}
	}
	return append(append(own, root...), unrouted...)
}

// Identify returns the entry whose template message matches, with its placeholder values.
// Entries are tried in catalogue order; among several matches, one with fewer placeholders (a more
// literal template) wins, so "XML Empty" is never taken for a templated message.
func (c Catalogue) Identify(status int, message string) (Entry, map[string]string, bool) {
	var best Entry
	var bestArgs map[string]string
	found := false
	for _, e := range c {
		if status != 0 && e.Status != status {
			continue
		}
		if args, ok := e.Match(message); ok && (!found || len(args) < len(bestArgs)) {
			best, bestArgs, found = e, args, true
		}
	}
	return best, bestArgs, found
}

// ReadCatalogue collects the x-error-catalogue entries of doc, root and operations alike.
func ReadCatalogue(doc *openapi3.T) (Catalogue, error) {
	var all Catalogue
	root, err := decodeEntries(doc.Extensions[ExtErrorCatalogue])
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", ExtErrorCatalogue, err)
	}
	all = append(all, root...)
	for _, op := range Operations(doc) {
		entries, err := decodeEntries(op.Operation.Extensions[ExtErrorCatalogue])
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", op.Operation.OperationID, ExtErrorCatalogue, err)
		}
		for i := range entries {
			entries[i].OperationID = op.Operation.OperationID
		}
		all = append(all, entries...)
	}
	return all, nil
}

func decodeEntries(ext any) ([]Entry, error) {
	if ext == nil {
		return nil, nil
	}
	raw, err := json.Marshal(ext)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// Operation is one operation of a document with its path and method.
type Operation struct {
	Path      string
	Method    string
	Operation *openapi3.Operation
}

// Operations lists the operations of doc sorted by path, then method, so that every reader walks
// them in the same order.
func Operations(doc *openapi3.T) []Operation {
	var ops []Operation
	if doc.Paths == nil {
		return nil
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, Operation{Path: path, Method: method, Operation: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}
