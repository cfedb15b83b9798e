package which50

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/oapi-codegen/runtime"

	api "github.com/contactapis/contactapis/gen/which50"
)

// Server is the strict handler: gen/which50's StrictServerInterface over the Backend's store.
type Server struct {
	b *Backend
}

var _ api.StrictServerInterface = (*Server)(nil)

// UpdateContactsByMatch is PATCH: match values in the query, values to set in the body.
func (s *Server) UpdateContactsByMatch(ctx context.Context, req api.UpdateContactsByMatchRequestObject) (api.UpdateContactsByMatchResponseObject, error) {
	raw := rawOrEmpty(ctx)
	ids, failed := s.b.serve(opUpdate, raw, params{listID: req.ContactListID, match: req.Params.Match, events: req.Params.CustomEvents})
	if failed != nil {
		return *failed, nil
	}
	switch mt, body := s.b.encodeIDs(raw, ids); mt {
	case "application/json":
		return api.UpdateContactsByMatch200JSONResponse(ids), nil
	case "text/json":
		return api.UpdateContactsByMatch200TextJSONResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}, nil
	case "application/csp-report":
		return api.UpdateContactsByMatch200ApplicationCspReportResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}, nil
	case "application/xml":
		return api.UpdateContactsByMatch200ApplicationXMLResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}, nil
	default: // text/xml, for which the generator made no type (gen/which50/doc.go)
		return answer{status: http.StatusOK, contentType: mt, body: body}, nil
	}
}

// UpsertContactsByMatch is PUT: match values and values to set, both in the body's Values.
func (s *Server) UpsertContactsByMatch(ctx context.Context, req api.UpsertContactsByMatchRequestObject) (api.UpsertContactsByMatchResponseObject, error) {
	raw := rawOrEmpty(ctx)
	ids, failed := s.b.serve(opUpsert, raw, params{listID: req.ContactListID, match: req.Params.Match, events: req.Params.CustomEvents})
	if failed != nil {
		return *failed, nil
	}
	switch mt, body := s.b.encodeIDs(raw, ids); mt {
	case "application/json":
		return api.UpsertContactsByMatch200JSONResponse(ids), nil
	case "text/json":
		return api.UpsertContactsByMatch200TextJSONResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}, nil
	case "application/csp-report":
		return api.UpsertContactsByMatch200ApplicationCspReportResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}, nil
	case "application/xml":
		return api.UpsertContactsByMatch200ApplicationXMLResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}, nil
	default:
		return answer{status: http.StatusOK, contentType: mt, body: body}, nil
	}
}

// rawOrEmpty is the request as Handler read it; a Server reached some other way sees an empty
// request (no credentials), which is refused, never a panic.
func rawOrEmpty(ctx context.Context) *rawRequest {
	if raw := rawFrom(ctx); raw != nil {
		return raw
	}
	return &rawRequest{header: http.Header{}}
}

// encodeIDs returns the media type Accept chose for the 200 answer and the ids in it: the
// page's JSON array or <ArrayOfstring> (api.EncContactIDs.MarshalXML).
func (b *Backend) encodeIDs(raw *rawRequest, ids []string) (string, []byte) {
	mt := b.neg.choose(raw.header.Get("Accept"), true)
	var body []byte
	var err error
	if isXMLType(mt) {
		body, err = xml.Marshal(api.EncContactIDs(ids))
	} else {
		body, err = json.Marshal(ids)
	}
	if err != nil {
		// Strings always encode; this is unreachable, and JSON is always declared.
		b.logger.Error("which50 mock: encode ids", "error", err)
		return "application/json", nil
	}
	return mt, body
}

// params are the generated parameters, or the same bound by bindParams when the generated
// wrapper could not bind them all.
type params struct {
	listID int
	match  []string
	events *api.CustomEventNames
	cond   condition // a parameter that could not be bound
}

// serve checks a request and applies it to the store: the encrypted ids of the updated
// contacts, or the error answer.
func (b *Backend) serve(op string, raw *rawRequest, p params) ([]string, *answer) {
	c := b.check(op, raw, p)
	if c.cond != condNone {
		a := b.errorAnswer(op, c.cond, raw, c.mediaType)
		return nil, &a
	}
	ids, err := b.store.apply(c.update)
	if err != nil {
		cond := condRequestInvalid
		switch {
		case errors.Is(err, ErrListNotFound):
			cond = condListNotFound
		case errors.Is(err, ErrForbidden):
			cond = condForbidden
		case errors.Is(err, ErrNoMatch):
			cond = condNoMatch
		case errors.Is(err, ErrUnknownField), errors.Is(err, ErrBadValue):
			// Spec gap: no entry names a property outside the list's schema or a value of the
			// wrong type for its field; request-invalid is the one for values that cannot be
			// bound (doc.go).
		}
		b.logger.Debug("which50 mock: update refused", "operation", op, "list", c.update.listID, "reason", err)
		a := b.errorAnswer(op, cond, raw, "")
		return nil, &a
	}
	return ids, nil
}

// checked is a request read and checked up to the store.
type checked struct {
	update    update
	cond      condition
	mediaType string
}

// check reads what a request asks for and finds every condition that stops it before the store,
// keeping the one answered first (see condition). The same function judges requests the
// strict handler receives, requests the generated wrapper could not bind and requests the
// pipeline's validation refused, so each gets the same answer whichever path it took.
func (b *Backend) check(op string, raw *rawRequest, p params) checked {
	grant, ok := b.grantFor(raw.header)
	if !ok {
		return checked{cond: condUnauthorized}
	}
	c := checked{update: update{listID: p.listID, grant: grant}, cond: p.cond}
	body := decodeBody(raw, b.bodyTypes[op])
	c.cond, c.mediaType = worse(c.cond, body.cond), body.mediaType
	// Text that is not UTF-8 (the pipeline refuses it before validation): ASP.NET would decode
	// it with replacement characters; the nearest answers are those for a query value that
	// cannot be bound and a body that cannot be read.
	if !utf8.ValidString(raw.rawQuery) {
		c.cond = worse(c.cond, condRequestInvalid)
	}
	if !utf8.Valid(raw.body) {
		c.cond = worse(c.cond, condContactNull)
	}

	// The page's 400 row: `match` missing or empty, or (spec x-assumed on MatchValues) a name
	// without a value.
	var names []string
	if len(p.match) == 0 {
		c.cond = worse(c.cond, condMatchMissing)
	}
	for _, n := range p.match {
		if n == "" {
			c.cond = worse(c.cond, condMatchMissing)
		} else if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if p.events != nil {
		// CustomEventNames: minItems 1, minLength 1 (spec x-assumed: invalid like `match`,
		// but not the MatchValues row, so the generic binding error).
		if len(*p.events) == 0 || slices.Contains(*p.events, "") {
			c.cond = worse(c.cond, condRequestInvalid)
		}
		c.update.events = slices.Clone(*p.events)
	}
	if op == opUpdate {
		// A pair without a name (`=x`), or with U+001F (kin-openapi's internal key delimiter) in
		// its name or value, is a MatchValues entry that cannot be read: the validator refuses it
		// ("path is not convertible to primitive", or fails outright), and the mock answers it
		// the same way with validation off. FuzzMatchQuery found "\x1f&match=Email&Email=0" and
		// "match=%00&%00=\x1f".
		for name, values := range raw.query {
			if name == "" || strings.ContainsRune(name, '\x1f') || slices.ContainsFunc(values, func(v string) bool { return strings.ContainsRune(v, '\x1f') }) {
				c.cond = worse(c.cond, condMatchMissing)
			}
		}
		for _, n := range names {
			// MatchValues x-assumed: a property named like one of the call's own parameters
			// (match, customevents) is unsupported, since its value cannot be told apart.
			vals := raw.query[n]
			if b.reserved[strings.ToLower(n)] || len(vals) == 0 || vals[0] == "" {
				c.cond = worse(c.cond, condMatchMissing)
				continue
			}
			c.update.match = append(c.update.match, criterion{name: n, value: vals[0], query: true})
		}
	}
	if c.cond != condNone {
		return c
	}
	values := body.contact.values
	if op == opUpdate {
		c.update.set = values
		return c
	}
	// PUT: the names in `match` are keys of Values (spec which50-put-match-in-values); the
	// rest of Values is what is set. A name absent from Values, or null or empty there, is the
	// 400 row (upsert-match-missing x-assumed).
	c.update.set = make(map[string]any, len(values))
	for k, v := range values {
		c.update.set[k] = v
	}
	for _, n := range names {
		v, ok := values[n]
		if !ok || v == nil || v == "" {
			c.cond = condMatchMissing
			return c
		}
		c.update.match = append(c.update.match, criterion{name: n, value: v})
		delete(c.update.set, n)
	}
	return c
}

// bindParams binds the parameters as the generated wrapper does (the same runtime calls), but
// all of them, noting the first condition of each that fails, so a request with several faults
// gets the same answer whichever of them the wrapper met first.
func bindParams(raw *rawRequest, listID string) params {
	var p params
	if err := runtime.BindStyledParameterWithOptions("simple", "contactListId", listID, &p.listID,
		runtime.BindStyledParameterOptions{ParamLocation: runtime.ParamLocationPath, Required: true, Type: "integer", ValueIsUnescaped: true}); err != nil {
		p.cond = worse(p.cond, condRequestInvalid)
	}
	if err := runtime.BindQueryParameterWithOptions("form", false, true, "match", raw.query, &p.match,
		runtime.BindQueryParameterOptions{Type: "array"}); err != nil {
		var required *runtime.RequiredParameterError
		if errors.As(err, &required) {
			p.cond = worse(p.cond, condMatchMissing)
		} else {
			p.cond = worse(p.cond, condRequestInvalid)
		}
	}
	var events api.CustomEventNames
	if err := runtime.BindQueryParameterWithOptions("form", false, false, "customevents", raw.query, &events,
		runtime.BindQueryParameterOptions{Type: "array"}); err != nil {
		p.cond = worse(p.cond, condRequestInvalid)
	} else if _, present := raw.query["customevents"]; present {
		p.events = &events
	}
	return p
}

// errorAnswer renders cond's catalogue entry for op in the media type Accept chose.
func (b *Backend) errorAnswer(op string, cond condition, raw *rawRequest, mediaType string) answer {
	e := b.entries.entry(op, cond)
	var args map[string]string
	switch cond {
	case condUnsupportedMedia:
		args = map[string]string{"mediaType": mediaType}
	case condRouteNotFound:
		args = map[string]string{"uri": raw.uri}
	case condMethodNotAllowed:
		args = map[string]string{"method": raw.method}
	}
	a, err := render(e, args, b.neg.choose(raw.header.Get("Accept"), false))
	if err != nil {
		// Only a catalogue whose placeholders changed gets here (the tests render every
		// entry); answer the operation's documented failure rather than a Go error text.
		b.logger.Error("which50 mock: render catalogue entry", "entry", e.ID, "error", err)
		a, _ = render(b.entries.entry(op, condInternal), nil, "application/json")
	}
	switch cond {
	case condUnauthorized:
		a.header = http.Header{"Www-Authenticate": {"Bearer"}}
	case condMethodNotAllowed:
		a.header = http.Header{"Allow": {strings.Join(b.router.allowed(raw.path), ", ")}}
	}
	b.logger.Debug("which50 mock: error answer", "operation", op, "entry", e.ID, "status", a.status)
	return a
}

// router serves the routes the generated HandlerWithOptions registers, matching path segments
// exactly as the validator's router does: no path cleaning or redirects (http.ServeMux answers
// /contactLists/./contact with a 301), and routing failures answered in the vendor's dialect.
type router struct {
	b      *Backend
	routes []route
}

type route struct {
	method   string
	segments []string
	handler  http.HandlerFunc
}

var _ api.ServeMux = (*router)(nil)

func (rt *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	method, path, _ := strings.Cut(pattern, " ")
	rt.routes = append(rt.routes, route{method: method, segments: splitPath(path), handler: h})
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs := splitPath(r.URL.Path)
	known := false
	for _, rte := range rt.routes {
		values, ok := matchSegments(rte.segments, segs)
		if !ok {
			continue
		}
		known = true
		if rte.method != r.Method {
			continue
		}
		for k, v := range values {
			r.SetPathValue(k, v)
		}
		rte.handler(w, r)
		return
	}
	raw := rawOrEmpty(r.Context())
	cond := condRouteNotFound
	if known {
		cond = condMethodNotAllowed
	}
	rt.b.errorAnswer("", cond, raw, "").write(w)
}

// allowed lists the methods of the routes whose path matches.
func (rt *router) allowed(path string) []string {
	var out []string
	segs := splitPath(path)
	for _, rte := range rt.routes {
		if _, ok := matchSegments(rte.segments, segs); ok && !slices.Contains(out, rte.method) {
			out = append(out, rte.method)
		}
	}
	return out
}

// operation is the operationId of the route method and path name, "" when none matches.
func (b *Backend) operation(method, path string) (op string, pathParams map[string]string) {
	segs := splitPath(path)
	for _, o := range b.ops {
		if o.method != method {
			continue
		}
		if values, ok := matchSegments(o.segments, segs); ok {
			return o.id, values
		}
	}
	return "", nil
}

func splitPath(p string) []string { return strings.Split(strings.TrimPrefix(p, "/"), "/") }

// matchSegments matches a path against a template's segments; each {name} takes one non-empty
// segment.
func matchSegments(template, segs []string) (map[string]string, bool) {
	if len(template) != len(segs) {
		return nil, false
	}
	var values map[string]string
	for i, t := range template {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if segs[i] == "" {
				return nil, false
			}
			if values == nil {
				values = map[string]string{}
			}
			values[t[1:len(t)-1]] = segs[i]
			continue
		}
		if t != segs[i] {
			return nil, false
		}
	}
	return values, true
}

// serveHTTP is Handler: it reads the body once (capped), keeps the raw request for the
// handlers, and routes.
func (b *Backend) serveHTTP(w http.ResponseWriter, r *http.Request) {
	raw := readRaw(r, b.MaxBodyBytes())
	r = r.WithContext(context.WithValue(r.Context(), rawKey{}, raw))
	r.Body = io.NopCloser(bytes.NewReader(raw.body))
	r.ContentLength = int64(len(raw.body))
	b.router.ServeHTTP(w, r)
}

// paramError answers a request the generated wrapper could not bind (a non-integer list id, a
// missing or repeated `match`), judged with every other parameter and the body.
func (b *Backend) paramError(w http.ResponseWriter, r *http.Request, _ error) {
	b.judge(w, r)
}

// bodyError answers a request whose JSON body the generated strict handler could not bind.
func (b *Backend) bodyError(w http.ResponseWriter, r *http.Request, _ error) {
	b.judge(w, r)
}

// judge answers a request that failed before the strict handler, from the request alone; a
// request check finds nothing wrong with failed to bind in the generated code's own terms (a
// number like 1e2 for an int), which ASP.NET calls an invalid request too.
func (b *Backend) judge(w http.ResponseWriter, r *http.Request) {
	raw := rawOrEmpty(r.Context())
	op, _ := b.operation(r.Method, r.URL.Path)
	c := b.check(op, raw, bindParams(raw, r.PathValue("contactListId")))
	if c.cond == condNone {
		c.cond = condRequestInvalid
	}
	b.errorAnswer(op, c.cond, raw, c.mediaType).write(w)
}

// responseError is reached only when a handler returns an error, which none does, or when the
// answer cannot be written, when nobody is listening any more.
func (b *Backend) responseError(w http.ResponseWriter, r *http.Request, err error) {
	b.logger.Error("which50 mock: handler failed", "method", r.Method, "path", r.URL.Path, "error", err)
	op, _ := b.operation(r.Method, r.URL.Path)
	b.errorAnswer(op, condInternal, rawOrEmpty(r.Context()), "").write(w)
}
