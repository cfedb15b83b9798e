package mock

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// stage is the position of a problem in the spec's order of checks (x-mock errors.order): of the
// most specific of its orderKeys listed; unlisted kinds come last.
func (e *Engine) stage(p Problem) int {
	for _, key := range orderKeys(p.Cond) {
		for i, st := range e.conf.Errors.Order {
			if slices.Contains(st, key) {
				return i
			}
		}
	}
	return len(e.conf.Errors.Order)
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

// rendered is one error of an answer.
type rendered struct {
	entry specs.Entry
	msg   string
	p     Problem
}

// answer refuses a request for its problems of the earliest stage of the spec's order of checks:
// every one of them when x-mock errors.all says so (listed in catalogue order, then by item and
// position, each message once), else the first by field name byte by byte. Each is answered by the
// catalogue entry whose `when` matches it most closely.
func (e *Engine) answer(w http.ResponseWriter, r *http.Request, m *contract.Match, ps []Problem) {
	first := slices.MinFunc(ps, func(a, b Problem) int { return cmp.Compare(e.stage(a), e.stage(b)) })
	stage := e.stage(first)
	if !e.conf.Errors.All {
		p := slices.MinFunc(ps, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(e.stage(a), e.stage(b)), cmp.Compare(a.Field, b.Field))
		})
		ps = []Problem{p}
	}
	var list []rendered
	seen := map[string]bool{}
	for _, p := range ps {
		if e.stage(p) != stage {
			continue
		}
		entry, ok := e.entryFor(m, p.Cond)
		if !ok {
			// A failure the spec maps to no entry: a gap in the spec, which the bare 500 (a
			// contract violation the pipeline reports) makes visible.
			e.logger.Error("no catalogue entry answers this failure; add a `when` to the spec", "on", p.Cond.On,
				"in", p.Cond.In, "keyword", p.Cond.Keyword, "format", p.Cond.Format, "rule", p.Cond.Rule,
				"param", p.Cond.Param, "field", p.Cond.Field, "path", p.Cond.Path)
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
		if seen[msg] {
			continue
		}
		seen[msg] = true
		list = append(list, rendered{entry: entry, msg: msg, p: p})
	}
	slices.SortStableFunc(list, func(a, b rendered) int {
		return cmp.Or(cmp.Compare(e.entryIndex[a.entry.ID], e.entryIndex[b.entry.ID]), cmp.Compare(a.p.Item, b.p.Item),
			cmp.Compare(a.p.Line, b.p.Line), cmp.Compare(a.p.Column, b.p.Column), strings.Compare(a.msg, b.msg))
	})
	status := 0
	items := make([]any, len(list))
	conds := make([]specs.Condition, len(list))
	for i, x := range list {
		status = max(status, x.entry.Status)
		items[i] = e.errorFields(x)
		conds[i] = x.p.Cond
	}
	var body any
	if e.conf.Errors.List != "" {
		body = map[string]any{e.conf.Errors.List: items}
	} else {
		body = items[0]
	}
	e.writeError(w, r, m, status, conds, body)
}

// errorFields fills the error schema's properties (an item's, for a list) as x-mock errors.fields
// says.
func (e *Engine) errorFields(x rendered) map[string]any {
	out := map[string]any{}
	for prop, src := range e.conf.Errors.Fields {
		switch src {
		case "code":
			out[prop] = x.entry.Code
		case "message":
			out[prop] = x.msg
		case "status":
			out[prop] = x.entry.Status
		case "field":
			if x.p.Field != "" {
				out[prop] = x.p.Field
			}
		}
	}
	return out
}

// writeError sends an error body, the one writer of every error answer: in x-mock errors'
// mediaType (JSON by default, XML in the error schema's shape), or with x-mock negotiate in the
// media type Accept
// chooses among those the operation's answer for status declares (for an unrouted request,
// among those every error answer of the spec uses). A 405 names the methods of the path (Allow),
// and with errors.challenge a failed authentication the http schemes (WWW-Authenticate).
func (e *Engine) writeError(w http.ResponseWriter, r *http.Request, m *contract.Match, status int, conds []specs.Condition, body any) {
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", strings.Join(e.allowedMethods(r), ", "))
	}
	unauthenticated := slices.ContainsFunc(conds, func(c specs.Condition) bool { return c.On == specs.OnUnauthenticated })
	if unauthenticated && e.conf.Errors.Challenge {
		for _, name := range e.schemesOf(m) {
			if s := e.doc.Components.SecuritySchemes[name]; s != nil && s.Value != nil && s.Value.Type == "http" {
				w.Header().Add("WWW-Authenticate", strings.ToUpper(s.Value.Scheme[:1])+s.Value.Scheme[1:])
			}
		}
	}
	if len(e.conf.Negotiate) == 0 {
		e.writeAnswer(w, cmpOr(e.conf.Errors.MediaType, "application/json"), status, e.schema(e.conf.Errors.Schema), body)
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
// request's method or path, the field, the batch item's position and the batch's size, or the
// position in the body.
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
		if e.conf.RawPath {
			return r.URL.EscapedPath(), true
		}
		return r.URL.Path, true
	case "field":
		return p.Field, p.Field != ""
	case "item":
		return strconv.Itoa(p.Item), p.Item > 0
	case "total":
		return strconv.Itoa(p.Total), p.Item > 0
	case "line":
		return strconv.Itoa(p.Line), p.Line > 0
	case "column":
		return strconv.Itoa(p.Column), p.Line > 0
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

// writeAnswer writes v as mediaType: JSON, or XML in the shape of schema s (contract.ToXML).
func (e *Engine) writeAnswer(w http.ResponseWriter, mediaType string, status int, s *openapi3.Schema, v any) {
	var body []byte
	var err error
	if isXML(mediaType) {
		body, err = contract.ToXML(s, v)
	} else {
		body, err = json.Marshal(v)
	}
	if err != nil {
		// Answers hold decoded values and rendered messages: a failure is a bug of the engine.
		e.logger.Error("answer not encoded", "media type", mediaType, "error", err)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func isXML(mediaType string) bool {
	mt, _, _ := strings.Cut(mediaType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}
