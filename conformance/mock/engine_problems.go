package mock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

// Reject implements Backend: a refused request as the catalogue entries its failures map to.
func (e *Engine) Reject(w http.ResponseWriter, r *http.Request, rej *Rejection) {
	if e.serveRefused(w, r, rej) {
		return
	}
	switch rej.Kind {
	case RejectNoRoute:
		e.answer(w, r, nil, []Problem{{Cond: specs.Condition{On: specs.OnNoRoute}}})
	case RejectMethod:
		// With the operation a selecting query parameter names (contract.Validator.Route), its
		// own entry answers; without, any entry for a wrong method.
		e.answer(w, r, rej.Match, []Problem{{Cond: specs.Condition{On: specs.OnMethod}}})
	case RejectUnauthenticated:
		e.answer(w, r, rej.Match, []Problem{{Cond: specs.Condition{On: specs.OnUnauthenticated}}})
	case RejectEncoding:
		if utf8.Valid(rej.Body) && rej.Match != nil {
			e.unreadableQuery(w, r, rej)
			return
		}
		e.answer(w, r, rej.Match, append(e.unreadableBody(r, rej), e.check(r, rej.Match, nil)...))
	case RejectTooLarge:
		e.answer(w, r, rej.Match, append(e.unreadableBody(r, rej), e.check(r, rej.Match, nil)...))
	default:
		ps := e.invalid(r, rej.Match, rej.Err, rej.Body, rej.Decoded)
		if len(ps) == 0 {
			e.logger.Warn("request refused for a reason the engine cannot name", "error", rej.Err)
			ps = []Problem{{Cond: specs.Condition{On: specs.OnMalformed}}}
		}
		// The adapter's checks (Adapter.Check) are ranked with validation's.
		e.answer(w, r, rej.Match, append(ps, e.check(r, rej.Match, nil)...))
	}
}

// unreadableQuery answers a request whose body is UTF-8 but whose query is not. When the
// operation declares no query parameter, the vendor is assumed to ignore undeclared ones (as
// kin-openapi does), so the request is judged without its query. Otherwise it is judged with it
// (url.ParseQuery reads the bytes as they are); when nothing else is wrong, the query as a whole
// cannot be read as text: malformed, in the query.
func (e *Engine) unreadableQuery(w http.ResponseWriter, r *http.Request, rej *Rejection) {
	if !declaresIn(rej.Match.Route.Operation, openapi3.ParameterInQuery) {
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = ""
		e.serveBody(w, r2, rej.Body)
		return
	}
	var ps []Problem
	if contract.Secured(e.doc, rej.Match.Route.Operation) && !e.Authenticate(r, rej.Match) {
		ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnUnauthenticated}})
	}
	decoded, err := e.validator.ValidateBody(r.Context(), rej.Match, r, rej.Body, contract.DecodeOptions{StrictJSON: e.conf.StrictJSON})
	ps = append(ps, e.invalid(r, rej.Match, err, rej.Body, decoded)...)
	ps = append(ps, e.check(r, rej.Match, nil)...)
	// The query is malformed whatever else is wrong: it is ranked with the other problems by
	// the spec's errors.order (iovox answers it before a bad body), unless a problem already
	// names a query parameter.
	if !slices.ContainsFunc(ps, func(p Problem) bool { return p.Cond.In == openapi3.ParameterInQuery }) {
		ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnMalformed, In: openapi3.ParameterInQuery}})
	}
	e.answer(w, r, rej.Match, ps)
}

// unreadableBody judges a body over the cap (cut there: its end is an unexpected end of the
// document) or not UTF-8: the parameters, the media type, and what the decoder says about the
// body, which is malformed whatever it says; when the decoder takes it, the body is malformed
// where it is not UTF-8 (or where it was cut). The pipeline refuses these before it checks the
// credentials, so they are checked here.
func (e *Engine) unreadableBody(r *http.Request, rej *Rejection) []Problem {
	if rej.Match == nil {
		return []Problem{{Cond: specs.Condition{On: specs.OnMalformed}}}
	}
	var ps []Problem
	if contract.Secured(e.doc, rej.Match.Route.Operation) && !e.Authenticate(r, rej.Match) {
		ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnUnauthenticated}})
	}
	_, err := e.validator.ValidateBody(r.Context(), rej.Match, r, rej.Body,
		contract.DecodeOptions{StrictJSON: e.conf.StrictJSON, Truncated: rej.Kind == RejectTooLarge})
	body := false
	for _, p := range e.invalid(r, rej.Match, err, rej.Body, contract.Body{}) {
		if p.Cond.On == specs.OnInvalid && p.Cond.In == "body" {
			continue // the value of a body that cannot be read is not judged
		}
		body = body || p.Cond.On == specs.OnMalformed || p.Cond.On == specs.OnMediaType
		ps = append(ps, p)
	}
	if !body {
		off, detail := len(rej.Body)-1, io.ErrUnexpectedEOF.Error()
		if rej.Kind == RejectEncoding {
			off, detail = firstInvalidUTF8(rej.Body), "invalid UTF-8"
		}
		p := Problem{Cond: specs.Condition{On: specs.OnMalformed}, Args: map[string]string{"detail": detail}}
		if off >= 0 {
			p.Line, p.Column = bytePosition(rej.Body, off)
		}
		ps = append(ps, p)
	}
	return ps
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// bytePosition is the 1-based line and column (in characters) of the byte at off.
func bytePosition(b []byte, off int) (line, col int) {
	line = 1 + bytes.Count(b[:off], []byte{'\n'})
	start := bytes.LastIndexByte(b[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(b[start:off])
}

func declaresIn(op *openapi3.Operation, in string) bool {
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == in {
			return true
		}
	}
	return false
}

// invalid turns a validation failure into problems (see validationProblems), with the repeated
// query parameters and, for a batch whose body decoded, the batch's own faults: the vendor lists
// them together.
func (e *Engine) invalid(r *http.Request, m *contract.Match, err error, body []byte, decoded contract.Body) []Problem {
	ps := e.repeatedQuery(r, m)
	ps = append(ps, e.validationProblems(m, err, body, decoded)...)
	if m == nil || !decoded.Decoded {
		return ps
	}
	if b := e.ops[m.OperationID()].Batch; b != nil {
		e.mu.Lock()
		_, more := e.judgeBatch(m, b, decoded.Value)
		e.mu.Unlock()
		ps = append(ps, more...)
	}
	return ps
}

// repeatedQuery refuses query parameters sent more than once that are no exploded array (whose
// occurrences are its items), when the spec's x-mock says so.
func (e *Engine) repeatedQuery(r *http.Request, m *contract.Match) []Problem {
	if !e.conf.RefuseRepeatedQuery || m == nil {
		return nil
	}
	var ps []Problem
	for _, ref := range m.Route.Operation.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery || len(m.Query(r, p.Name)) < 2 {
			continue
		}
		if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is(openapi3.TypeArray) && exploded(p) {
			continue
		}
		// A parameter is no body field: the answer names none.
		ps = append(ps, Problem{Cond: specs.Condition{On: specs.OnInvalid, In: p.In, Param: p.Name, Keyword: "repeated"}})
	}
	return ps
}

// exploded reports whether a parameter's values are one per occurrence: explode, which defaults
// to true for form style, the default style of the query.
func exploded(p *openapi3.Parameter) bool {
	if p.Explode != nil {
		return *p.Explode
	}
	return p.Style == "" || p.Style == openapi3.SerializationForm
}

// validationProblems turns kin-openapi's validation errors into problems: a parameter by where it
// sits, its name and what failed; a body value by the failing keyword (an enum property's by
// "enum", whatever the value) and format, its JSON pointer, and the property it belongs to (in a
// batch, the item's); a body that does not decode by what the decoder says.
func (e *Engine) validationProblems(m *contract.Match, err error, raw []byte, decoded contract.Body) []Problem {
	var out []Problem
	var bodySchema *openapi3.Schema
	var batch *specs.MockBatch
	if m != nil {
		batch = e.ops[m.OperationID()].Batch
		if rb := m.Route.Operation.RequestBody; rb != nil && rb.Value != nil {
			for _, mt := range rb.Value.Content {
				if mt.Schema != nil {
					bodySchema = mt.Schema.Value
				}
			}
		}
	}
	var walk func(error)
	walk = func(err error) {
		switch err := err.(type) {
		case nil:
		case openapi3.MultiError:
			for _, e := range err {
				walk(e)
			}
		case *openapi3filter.SecurityRequirementsError:
			out = append(out, Problem{Cond: specs.Condition{On: specs.OnUnauthenticated}})
		case *contract.InexactIntegerError:
			s := bodySchema.Properties[err.Property].Value
			out = append(out, Problem{Cond: specs.Condition{On: specs.OnInvalid, In: "body", Keyword: "type", Field: err.Property, Path: "/" + err.Property},
				Field: err.Property, Args: map[string]string{"expectedType": expectedType(s)}})
		case *openapi3filter.RequestError:
			var schemaErr *openapi3.SchemaError
			var multi openapi3.MultiError
			switch {
			case err.Parameter != nil:
				out = append(out, paramProblem(err))
			case err.RequestBody != nil && err.Err == nil && strings.Contains(err.Reason, "Content-Type"):
				out = append(out, Problem{Cond: specs.Condition{On: specs.OnMediaType}})
			case errors.As(err.Err, &multi) || errors.As(err.Err, &schemaErr):
				walk(err.Err)
			case errors.Is(err.Err, openapi3filter.ErrInvalidRequired):
				out = append(out, Problem{Cond: specs.Condition{On: specs.OnMalformed, Keyword: "required"}})
			default:
				out = append(out, malformed(raw, err.Err))
			}
		case *contract.PropertyError:
			// Validated property by property: the pointer is relative to the property.
			if err.Missing {
				out = append(out, e.schemaProblem(bodySchema, batch, []string{err.Property}, "required", "property \""+err.Property+"\" is missing", decoded))
			}
			for _, leaf := range schemaLeaves(err.Err) {
				ptr := append([]string{err.Property}, leaf.JSONPointer()...)
				out = append(out, e.schemaProblem(bodySchema, batch, ptr, leaf.SchemaField, leaf.Reason, decoded))
			}
		case *openapi3.SchemaError:
			for _, leaf := range schemaLeaves(err) {
				out = append(out, e.schemaProblem(bodySchema, batch, leaf.JSONPointer(), leaf.SchemaField, leaf.Reason, decoded))
			}
		default:
			out = append(out, Problem{Cond: specs.Condition{On: specs.OnMalformed}})
		}
	}
	walk(err)
	return out
}

// paramProblem names a parameter's failure: keyword required (missing), empty (sent empty where
// the schema does not allow it), type (does not parse as its type) or the schema's keyword.
func paramProblem(err *openapi3filter.RequestError) Problem {
	p := err.Parameter
	c := specs.Condition{On: specs.OnInvalid, In: p.In, Param: p.Name}
	var se *openapi3.SchemaError
	var pe *openapi3filter.ParseError
	switch {
	case errors.Is(err.Err, openapi3filter.ErrInvalidRequired):
		c.Keyword = "required"
	case errors.Is(err.Err, openapi3filter.ErrInvalidEmptyValue):
		c.Keyword = "empty"
	case errors.As(err.Err, &pe):
		c.Keyword = "type"
	case errors.As(err.Err, &se):
		leaf := schemaLeaves(se)[0]
		c.Keyword = leaf.SchemaField
		if p.Schema != nil && p.Schema.Value != nil && len(p.Schema.Value.Enum) > 0 {
			c.Keyword = "enum"
		}
	}
	// A parameter is no body field: the answer names none.
	return Problem{Cond: c}
}

// malformed is a body that does not decode, with what the decoder says and, for XML, where:
// placeholders detail, line and column. A body of nothing but white space is a missing body
// (keyword required): it carries no document.
func malformed(raw []byte, err error) Problem {
	if len(bytes.TrimSpace(raw)) == 0 {
		return Problem{Cond: specs.Condition{On: specs.OnMalformed, Keyword: "required"}}
	}
	p := Problem{Cond: specs.Condition{On: specs.OnMalformed}}
	var se *contract.XMLSyntaxError
	var pe *contract.XMLPositionError
	switch {
	case errors.As(err, &se):
		p.Args, p.Line, p.Column = map[string]string{"detail": oneLine(se.Msg)}, se.Line, se.Column
	case errors.As(err, &pe):
		p.Args, p.Line, p.Column = map[string]string{"detail": oneLine(pe.Err.Error())}, pe.Line, pe.Column
	case err != nil:
		p.Args = map[string]string{"detail": oneLine(err.Error())}
	}
	return p
}

// oneLine collapses white space, so that a detail echoed in a message keeps it on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// schemaLeaves returns the innermost schema errors: the ones whose pointer and keyword say what is
// wrong ("/contact/0/mobile_phone/1", pattern), below kin-openapi's allOf wrappers.
func schemaLeaves(err error) []*openapi3.SchemaError {
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []*openapi3.SchemaError
		for _, x := range e {
			out = append(out, schemaLeaves(x)...)
		}
		return out
	case *openapi3.SchemaError:
		if e.Origin != nil {
			if inner := schemaLeaves(e.Origin); len(inner) > 0 {
				return inner
			}
		}
		return []*openapi3.SchemaError{e}
	}
	if u := errors.Unwrap(err); u != nil {
		return schemaLeaves(u)
	}
	return nil
}

// schemaProblem names one schema failure of a body (of schema body), at JSON pointer ptr, for
// keyword, with the validator's reason: the failing keyword (enum
// for an enum property, whatever the value), the format, the JSON pointer and the property. In a
// batch the property is the item's and the problem names the item. A failure of the whole body,
// or of a property the schema does not declare, is the body being malformed. decoded places the
// failure in an XML body (placeholders line and column, detail the validator's reason).
func (e *Engine) schemaProblem(body *openapi3.Schema, batch *specs.MockBatch, ptr []string, keyword, reason string, decoded contract.Body) Problem {
	p := Problem{Args: map[string]string{"detail": oneLine(reason)}}
	if line, col, ok := decoded.Position(ptr); ok {
		p.Line, p.Column = line, col
	}
	if len(ptr) == 0 || body == nil || body.Properties[ptr[0]] == nil || body.Properties[ptr[0]].Value == nil {
		p.Cond = specs.Condition{On: specs.OnMalformed}
		return p
	}
	field, s := ptr[0], body.Properties[ptr[0]].Value
	if batch != nil && field == batch.Items && len(ptr) > 1 {
		if i, err := strconv.Atoi(ptr[1]); err == nil {
			body, _ := decoded.Value.(map[string]any)
			items, _ := body[batch.Items].([]any)
			p.Item, p.Total = i+1, len(items)
			if item := s.Items.Value; len(ptr) > 2 && item.Properties[ptr[2]] != nil && item.Properties[ptr[2]].Value != nil {
				field, s = ptr[2], item.Properties[ptr[2]].Value
			}
		}
	}
	path := make([]string, len(ptr))
	for i, seg := range ptr {
		if _, err := strconv.Atoi(seg); err == nil {
			seg = "*"
		}
		path[i] = seg
	}
	s = unwrapAllOf(s)
	c := specs.Condition{On: specs.OnInvalid, In: "body", Keyword: keyword, Field: field, Path: "/" + strings.Join(path, "/")}
	switch {
	case len(s.Enum) > 0:
		c.Keyword = "enum"
	case c.Keyword == "format":
		c.Format = s.Format
	}
	// null is listed in a nullable enum (OpenAPI 3.0.3 wants it there) but is no value to name.
	var values []string
	for _, v := range s.Enum {
		if v != nil {
			values = append(values, fmt.Sprint(v))
		}
	}
	p.Cond, p.Field = c, field
	p.Args["expectedType"] = expectedType(s)
	p.Args["allowedValues"] = strings.Join(values, cmpOr(e.conf.Errors.Separator, ", "))
	return p
}

// unwrapAllOf sees through the one-member allOf the specs use to give a referenced schema its own
// description and order (allOf: [$ref: PhoneNumbers]).
func unwrapAllOf(s *openapi3.Schema) *openapi3.Schema {
	for s.Type == nil && len(s.Properties) == 0 && len(s.AllOf) == 1 && s.AllOf[0].Value != nil {
		s = s.AllOf[0].Value
	}
	return s
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// expectedType names a schema's type for messages: "string", "integer", "array of integers".
func expectedType(s *openapi3.Schema) string {
	if s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil {
		return "array of " + expectedType(s.Items.Value) + "s"
	}
	if types := s.Type.Slice(); len(types) > 0 {
		return types[0]
	}
	return "value"
}
