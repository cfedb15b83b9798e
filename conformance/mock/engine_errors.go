package mock

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// answer refuses a request for the first of its problems in the spec's order of checks
// (x-mock errors.order, then the field's name byte by byte) with the catalogue entry whose
// `when` matches it most closely.
func (e *Engine) answer(w http.ResponseWriter, r *http.Request, m *contract.Match, ps []Problem) {
	rank := func(p Problem) int {
		if i := slices.Index(e.conf.Errors.Order, p.Cond.On+"/"+p.Cond.In); i >= 0 {
			return i
		}
		if i := slices.Index(e.conf.Errors.Order, p.Cond.On); i >= 0 {
			return i
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
	writeJSONAnswer(w, "application/json", entry.Status, body)
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
