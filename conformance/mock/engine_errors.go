package mock

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// answer refuses a request for the first of its problems in the spec's order of checks
// (x-mock errors.order, then the field's name byte by byte) with the catalogue entry whose
// `when` matches it most closely.
func (e *Engine) answer(w http.ResponseWriter, r *http.Request, m *contract.Match, ps []Problem) {
	rank := func(p Problem) int {
		for _, key := range orderKeys(p.Cond) {
			if i := slices.Index(e.conf.Errors.Order, key); i >= 0 {
				return i
			}
		}
		return len(e.conf.Errors.Order)
	}
	p := slices.MinFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Field, b.Field))
	})
	entry, ok := e.entryFor(m, p.Cond)
	if !ok {
		// A failure the spec maps to no entry: a gap in the spec, which the bare 500 (a
		// contract violation the pipeline reports) makes visible.
		e.logger.Error("no catalogue entry answers this failure; add a `when` to the spec", "on", p.Cond.On,
			"in", p.Cond.In, "keyword", p.Cond.Keyword, "format", p.Cond.Format, "rule", p.Cond.Rule)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	args := map[string]string{}
	for _, name := range entry.Placeholders() {
		if v, ok := e.placeholder(name, r, m, p); ok {
			args[name] = v
		}
	}
	msg, err := entry.Render(args)
	if err != nil {
		e.logger.Error("catalogue entry rendered without a value", "entry", entry.ID, "error", err)
		msg = entry.Message
	}
	body := map[string]any{}
	for prop, src := range e.conf.Errors.Fields {
		switch src {
		case "code":
			body[prop] = entry.Code
		case "message":
			body[prop] = msg
		case "status":
			body[prop] = entry.Status
		case "field":
			if p.Field != "" {
				body[prop] = p.Field
			}
		}
	}
	e.writeError(w, r, m, entry.Status, p.Cond, body)
}

// orderKeys are the x-mock errors.order entries a failure may be ranked by, the most specific
// first: "invalid/query/match", "invalid/query", "rule/noMatch", "invalid".
func orderKeys(c specs.Condition) []string {
	var keys []string
	if c.In != "" && c.Param != "" {
		keys = append(keys, c.On+"/"+c.In+"/"+c.Param)
	}
	if c.In != "" {
		keys = append(keys, c.On+"/"+c.In)
	}
	if c.Rule != "" {
		keys = append(keys, c.On+"/"+c.Rule)
	}
	return append(keys, c.On)
}

// writeError sends an error body: JSON, or with x-mock negotiate in the media type Accept
// chooses among those the operation's answer for status declares (for an unrouted request,
// among those every error answer of the spec uses). A 405 names the methods of the path (Allow),
// and with errors.challenge a failed authentication the http schemes (WWW-Authenticate).
func (e *Engine) writeError(w http.ResponseWriter, r *http.Request, m *contract.Match, status int, c specs.Condition, body map[string]any) {
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", strings.Join(e.allowedMethods(r), ", "))
	}
	if c.On == specs.OnUnauthenticated && e.conf.Errors.Challenge {
		for _, name := range e.schemesOf(m) {
			if s := e.doc.Components.SecuritySchemes[name]; s != nil && s.Value != nil && s.Value.Type == "http" {
				w.Header().Add("WWW-Authenticate", strings.ToUpper(s.Value.Scheme[:1])+s.Value.Scheme[1:])
			}
		}
	}
	if len(e.conf.Negotiate) == 0 {
		writeJSONAnswer(w, "application/json", status, body)
		return
	}
	declared := e.x.errorTypes
	if m != nil {
		if ref := m.Route.Operation.Responses.Status(status); ref != nil && ref.Value != nil && len(ref.Value.Content) > 0 {
			declared = slices.Collect(maps.Keys(ref.Value.Content))
		}
	}
	mt := e.chooseMediaType(r.Header.Get("Accept"), declared)
	e.writeAs(w, mt, status, e.schema(e.conf.Errors.Schema), body)
}

// schemesOf names the security schemes of the operation's requirements (the document's when
// unrouted), sorted.
func (e *Engine) schemesOf(m *contract.Match) []string {
	reqs := e.doc.Security
	if m != nil && m.Route.Operation.Security != nil {
		reqs = *m.Route.Operation.Security
	}
	var out []string
	for _, req := range reqs {
		for name := range req {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// placeholder is the value of a message placeholder: the problem's own, a path parameter, the
// request's method or path, the field, or the stored record's property of that name.
func (e *Engine) placeholder(name string, r *http.Request, m *contract.Match, p Problem) (string, bool) {
	if v, ok := p.Args[name]; ok {
		return v, true
	}
	if m != nil {
		if v, ok := m.PathParams[name]; ok {
			return v, true
		}
	}
	switch name {
	case "uri":
		return requestURI(r), true
	case "mediaType":
		return requestMediaType(r), true
	case "method":
		return r.Method, true
	case "path":
		return r.URL.Path, true
	case "field":
		return p.Field, p.Field != ""
	}
	return "", false
}

// entryFor finds the entry answering failure c: among the entries that can answer the operation
// (all root entries when unrouted), the one whose `when` matches c with the most fields, the
// first in the catalogue on a tie. A wrong method falls back to the entries for no route.
func (e *Engine) entryFor(m *contract.Match, c specs.Condition) (specs.Entry, bool) {
	cands := e.catalogue
	if m != nil {
		cands = e.catalogue.ForOperation(m.OperationID(), contract.Secured(e.doc, m.Route.Operation))
	}
	best, bestScore := specs.Entry{}, -1
	for _, entry := range cands {
		for _, w := range entry.When {
			if w.Matches(c) && w.Specificity() > bestScore {
				best, bestScore = entry, w.Specificity()
			}
		}
	}
	if bestScore < 0 && c.On == specs.OnMethod {
		return e.entryFor(m, specs.Condition{On: specs.OnNoRoute})
	}
	return best, bestScore >= 0
}
