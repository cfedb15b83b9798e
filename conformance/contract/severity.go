package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Severity says how much a difference between what a vendor does and what its spec says matters
// to a client. The suite, drift probe, drift traffic and drift replay all use these three words,
// so that a finding reads the same wherever it is reported.
type Severity string

const (
	// Breaking differences break a client written to the spec: a field gone or retyped, a status
	// or an error code changed, something the spec documents refused.
	Breaking Severity = "breaking"
	// NonBreaking differences leave such a client working: a new field or enum value in an
	// answer, something the spec refuses now accepted. They are reported, and fail a run only
	// in strict mode (--strict).
	NonBreaking Severity = "non-breaking"
	// Info findings say what was seen and never fail a run (a discrepancy that could not be
	// settled, a reading of the spec confirmed).
	Info Severity = "info"
)

// Fails reports whether a finding of this severity fails a run; strict makes non-breaking ones
// fail too.
func (s Severity) Fails(strict bool) bool {
	return s == Breaking || strict && s == NonBreaking
}

// SchemaErrorSeverity is the severity of a response body's schema error: a value outside a
// declared enum is a new enum value (non-breaking: a client that switches on the value has a
// default branch, or should); anything else (a wrong type, a pattern, a missing required
// property) breaks a client that relies on the schema.
func SchemaErrorSeverity(se *openapi3.SchemaError) Severity {
	if se.SchemaField == "enum" {
		return NonBreaking
	}
	return Breaking
}

// UndeclaredInBody lists the members of a JSON or XML body that schema does not declare, as
// "pointer: property \"name\" is not declared". A vendor that adds a field to its answer is a
// non-breaking change: kin-openapi accepts undeclared properties (the specs leave
// additionalProperties open), so this walk is what notices it. Bodies of other media types, and
// bodies that do not parse (the schema check reports those), give nothing.
func UndeclaredInBody(contentType string, header http.Header, body []byte, schema *openapi3.SchemaRef) []string {
	if schema == nil || len(body) == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.TrimSpace(contentType)
	}
	var value any
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // names matter here, not values; float64 would round large ids for nothing
		if err := dec.Decode(&value); err != nil {
			return nil
		}
	case strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "+xml"):
		v, err := XMLDecoder(bytes.NewReader(body), header, schema, nil)
		if err != nil {
			return nil
		}
		value = v
	default:
		return nil
	}
	var out []string
	UndeclaredFields(value, schema, "", func(ptr, name string) {
		if ptr == "" {
			ptr = "/"
		}
		out = append(out, ptr+": property \""+name+"\" is not declared")
	})
	return out
}

// ResponseSchema is the schema the spec declares for an answer of status with contentType to the
// matched operation (the status's own response, else the default), nil when it declares none.
func ResponseSchema(m *Match, status int, contentType string) *openapi3.SchemaRef {
	if m == nil || m.Route == nil || m.Route.Operation == nil || m.Route.Operation.Responses == nil {
		return nil
	}
	ref := m.Route.Operation.Responses.Status(status)
	if ref == nil {
		ref = m.Route.Operation.Responses.Default()
	}
	if ref == nil || ref.Value == nil || contentType == "" {
		return nil
	}
	media := ref.Value.Content.Get(contentType)
	if media == nil {
		return nil
	}
	return media.Schema
}

// ResponseErrorSeverity is the severity of an error of Validator.ValidateResponse: non-breaking
// when every problem in it is a value outside a declared enum (a new enum value), breaking
// otherwise (a status or media type not declared, a wrong type, a missing property).
func ResponseErrorSeverity(err error) Severity {
	ses := SchemaErrors(err)
	if len(ses) == 0 {
		return Breaking
	}
	for _, se := range ses {
		if SchemaErrorSeverity(se) != NonBreaking {
			return Breaking
		}
	}
	return NonBreaking
}

// SchemaErrors flattens kin-openapi's multi-errors into the schema errors they hold. The direct
// types are tried first: a *SchemaError of a oneOf unwraps to its branches' errors, and those are
// not what failed.
func SchemaErrors(err error) []*openapi3.SchemaError {
	switch e := err.(type) {
	case nil:
		return nil
	case openapi3.MultiError:
		var out []*openapi3.SchemaError
		for _, sub := range e {
			out = append(out, SchemaErrors(sub)...)
		}
		return out
	case *openapi3.SchemaError:
		return []*openapi3.SchemaError{e}
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		return SchemaErrors(me)
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return []*openapi3.SchemaError{se}
	}
	return nil
}
