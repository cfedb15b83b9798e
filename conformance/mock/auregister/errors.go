package auregister

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/specs"
)

// Catalogue entries the mock answers with, by id. The contact-type rules' entries are not here:
// the rule table names them (errors.notUpdatable, ...), and the mock takes them from there.
const (
	entryRouteNotFound   = "route-not-found"
	entryUnauthorized    = "unauthorized"
	entryMediaType       = "unsupported-media-type"
	entryMalformedBody   = "malformed-body"
	entryFieldType       = "invalid-field-type"
	entryEnumValue       = "invalid-enum-value"
	entryDate            = "invalid-date"
	entryCountry         = "invalid-country"
	entryUnknownAddress  = "unknown-address-id"
	entryContactNotFound = "contact-not-found"
)

// entryArgs are the placeholders the mock fills for each entry it names itself; New checks them
// against the catalogue, so that a reworded entry fails at start-up rather than mid-request.
var entryArgs = map[string][]string{
	entryRouteNotFound:   {"method", "path"},
	entryUnauthorized:    nil,
	entryMediaType:       nil,
	entryMalformedBody:   nil,
	entryFieldType:       {"field", "expectedType"},
	entryEnumValue:       {"field", "allowedValues"},
	entryDate:            {"field"},
	entryCountry:         {"field"},
	entryUnknownAddress:  {"addressId"},
	entryContactNotFound: {"contactId"},
}

// checkEntries checks that every entry the mock answers with exists with the placeholders it
// fills, the rule table's included.
func checkEntries(cat specs.Catalogue, rules specs.ContactTypeRules) error {
	all := maps.Clone(entryArgs)
	all[rules.Errors.NotUpdatable] = []string{"contactId"}
	all[rules.Errors.MatchStored] = []string{"field"}
	all[rules.Errors.NotAllowed] = []string{"field", "contactType"}
	for id, names := range all {
		entry, ok := cat.ByID(id)
		if !ok {
			return fmt.Errorf("catalogue has no entry %q", id)
		}
		if got := entry.Placeholders(); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(names))) {
			return fmt.Errorf("catalogue entry %q has placeholders %v, the mock fills %v", id, got, names)
		}
	}
	return nil
}

// step is a position in the spec's assumed order of checks (updateContact's description):
// authentication, media type, body syntax and schema, contact lookup, the contact's type
// (Joint Member, then id/contactType, then fields the type does not allow), last the address.
// A request with several faults is answered for the earliest step.
type step int

const (
	stepAuth step = iota + 1
	stepMediaType
	stepBody
	stepContact
	stepNotUpdatable
	stepMatchStored
	stepNotAllowed
	stepAddress
)

// problem is one reason to refuse a request: the catalogue entry that answers it, the values of
// its placeholders, and the body field it concerns ("" when none).
type problem struct {
	step  step
	entry string
	args  map[string]string
	field string
}

// first returns the problem the vendor answers with: the earliest step, and within a step the
// first field by wire name, compared byte by byte as the page's own JSON sorts its keys
// (birthCountry, birthPlace, birthState, birthday).
func first(ps []problem) *problem {
	if len(ps) == 0 {
		return nil
	}
	p := slices.MinFunc(ps, func(a, b problem) int {
		return cmp.Or(cmp.Compare(a.step, b.step), strings.Compare(a.field, b.field))
	})
	return &p
}

// answer renders p from its catalogue entry as the vendor's JSON error body.
func (b *Backend) answer(p problem) (int, api.ErrorBody) {
	entry, ok := b.catalogue.ByID(p.entry)
	if !ok {
		// New checked every id the mock names and the linter every id of the rule table.
		b.logger.Error("mock bug: answer with an entry the catalogue lacks", "entry", p.entry)
		entry, _ = b.catalogue.ByID(entryMalformedBody)
	}
	msg, err := entry.Render(p.args)
	if err != nil {
		b.logger.Error("mock bug: catalogue entry rendered with the wrong values", "entry", entry.ID, "error", err)
		msg = entry.Message
	}
	body := api.ErrorBody{Code: entry.Code, Message: msg}
	if p.field != "" {
		body.Field = &p.field
	}
	return entry.Status, body
}

// response is p as the generated strict server's typed answer.
func (b *Backend) response(p problem) api.UpdateContactResponseObject {
	status, body := b.answer(p)
	switch status {
	case http.StatusBadRequest:
		return api.UpdateContact400JSONResponse(body)
	case http.StatusUnauthorized:
		return api.UpdateContact401JSONResponse{UnauthorizedJSONResponse: api.UnauthorizedJSONResponse(body)}
	case http.StatusNotFound:
		return api.UpdateContact404JSONResponse(body)
	case http.StatusUnsupportedMediaType:
		return api.UpdateContact415JSONResponse(body)
	case http.StatusUnprocessableEntity:
		return api.UpdateContact422JSONResponse(body)
	}
	return otherStatus{status, body}
}

// otherStatus is an error answer with a status updateContact does not declare: route-not-found's
// 404 is declared, so this serves only a catalogue entry added later with a new status.
type otherStatus struct {
	status int
	body   api.ErrorBody
}

func (o otherStatus) VisitUpdateContactResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(o.status)
	return json.NewEncoder(w).Encode(o.body)
}

// write sends p's answer.
func (b *Backend) write(w http.ResponseWriter, p problem) {
	if err := b.response(p).VisitUpdateContactResponse(w); err != nil {
		b.logger.Debug("write answer", "error", err) // the client went away
	}
}

// Reject implements mock.Backend: every refusal of the pipeline as the catalogue entry the spec's
// order of checks gives it.
func (b *Backend) Reject(w http.ResponseWriter, r *http.Request, rej *mock.Rejection) {
	switch rej.Kind {
	case mock.RejectNoRoute, mock.RejectMethod:
		// Rails routes before any controller code runs, so an unknown route is a 404 even
		// without a token.
		b.write(w, routeNotFound(r))
	case mock.RejectUnauthenticated:
		b.write(w, problem{step: stepAuth, entry: entryUnauthorized})
	case mock.RejectTooLarge, mock.RejectEncoding:
		// The pipeline checks size and encoding before credentials; the spec puts
		// authentication, then the media type, before anything about the body.
		if !b.Authenticate(r, rej.Match) {
			b.write(w, problem{step: stepAuth, entry: entryUnauthorized})
			return
		}
		if rej.Kind == mock.RejectEncoding && utf8.Valid(rej.Body) {
			// Only the query is not UTF-8. The operation has no query parameters and the
			// vendor is assumed to ignore any (as kin-openapi does), so the request is judged
			// as if the query were absent, by the handler's own checks.
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(rej.Body)), int64(len(rej.Body))
			b.handler.ServeHTTP(w, r)
			return
		}
		if p := b.mediaTypeProblem(r.Header.Get("Content-Type")); p != nil {
			b.write(w, *p)
			return
		}
		// Over the cap the body is cut, and a cut JSON object does not parse; invalid UTF-8
		// is not JSON text (RFC 8259 §8.1).
		b.write(w, problem{step: stepBody, entry: entryMalformedBody})
	default: // RejectInvalid
		b.write(w, b.invalid(r, rej))
	}
}

// invalid answers a request kin-openapi refused. Its errors say which parameter or field failed;
// the mock's own checks run as well, because kin-openapi accepts some bodies the vendor is
// assumed to refuse (2001-02-30 passes its date pattern, trailing data after the object is
// ignored) and one of those may name an earlier field than any kin-openapi names.
func (b *Backend) invalid(r *http.Request, rej *mock.Rejection) problem {
	var ps []problem
	if rej.Match == nil {
		// The body could not be read at all (the client broke off a chunked body).
		return problem{step: stepBody, entry: entryMalformedBody}
	}
	if _, p := b.judgeBody(r.Header.Get("Content-Type"), rej.Body); p != nil {
		ps = append(ps, *p)
	}
	ps = append(ps, b.kinProblems(rej.Err, rej.Match.PathParams)...)
	if p := first(ps); p != nil {
		return *p
	}
	b.logger.Warn("request refused by validation for a reason the mock cannot name", "error", rej.Err)
	return problem{step: stepBody, entry: entryMalformedBody}
}

// kinProblems maps kin-openapi's request validation error to problems: a path parameter that is
// not an integer names no contact (404, as a Rails lookup of "abc" does); a body failure becomes
// the 400 entry of its schema keyword, naming the top-level field its JSON pointer starts with.
func (b *Backend) kinProblems(err error, pathParams map[string]string) []problem {
	var out []problem
	var walk func(error)
	walk = func(err error) {
		var multi openapi3.MultiError
		var reqErr *openapi3filter.RequestError
		var schemaErr *openapi3.SchemaError
		var secErr *openapi3filter.SecurityRequirementsError
		switch {
		case err == nil:
		case errors.As(err, &multi):
			for _, e := range multi {
				walk(e)
			}
		case errors.As(err, &reqErr) && reqErr.Parameter != nil:
			out = append(out, contactNotFound(pathParams[reqErr.Parameter.Name]))
		case errors.As(err, &reqErr) && reqErr.RequestBody != nil && reqErr.Err == nil:
			// kin-openapi's only body failure without a cause is the media type it has no
			// content for ("header Content-Type has unexpected value").
			if strings.Contains(reqErr.Reason, "Content-Type") {
				out = append(out, problem{step: stepMediaType, entry: entryMediaType})
			} else {
				out = append(out, problem{step: stepBody, entry: entryMalformedBody})
			}
		case errors.As(err, &reqErr):
			var inner openapi3.MultiError
			var se *openapi3.SchemaError
			if errors.As(reqErr.Err, &inner) || errors.As(reqErr.Err, &se) {
				walk(reqErr.Err)
			} else {
				// A parse failure, or a required body that is missing.
				out = append(out, problem{step: stepBody, entry: entryMalformedBody})
			}
		case errors.As(err, &schemaErr):
			out = append(out, b.schemaProblem(schemaErr))
		case errors.As(err, &secErr):
			out = append(out, problem{step: stepAuth, entry: entryUnauthorized})
		}
	}
	walk(err)
	return out
}

// schemaProblem maps one schema failure of the body: the whole body (an array, null) is
// malformed; a field fails by its keyword and format.
func (b *Backend) schemaProblem(e *openapi3.SchemaError) problem {
	ptr := e.JSONPointer()
	if len(ptr) == 0 {
		return problem{step: stepBody, entry: entryMalformedBody}
	}
	field := ptr[0]
	s, ok := b.update.props[field]
	if !ok {
		return problem{step: stepBody, entry: entryMalformedBody}
	}
	switch {
	case e.SchemaField == "enum" && len(ptr) == 1:
		return enumProblem(field, s)
	case e.SchemaField == "format" && len(ptr) == 1:
		if p := formatProblem(field, s); p != nil {
			return *p
		}
	}
	// "type", "nullable", an integer's int64 range, or anything about an array's items.
	return typeProblem(field, s)
}

func routeNotFound(r *http.Request) problem {
	return problem{step: stepContact, entry: entryRouteNotFound, args: map[string]string{"method": r.Method, "path": r.URL.Path}}
}

func contactNotFound(id string) problem {
	return problem{step: stepContact, entry: entryContactNotFound, args: map[string]string{"contactId": id}}
}

// Fail implements mock.Backend: the spec's (assumed) catalogue entry of status 500. Should the
// spec lose it, the bare 500 left here is reported by the pipeline as the contract violation it
// would be.
func (b *Backend) Fail(w http.ResponseWriter, _ *http.Request) {
	for _, e := range b.catalogue {
		if e.Status == http.StatusInternalServerError && len(e.Placeholders()) == 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(e.Status)
			json.NewEncoder(w).Encode(api.ErrorBody{Code: e.Code, Message: e.Message})
			return
		}
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusInternalServerError)
}

// addressArg is the value of unknown-address-id's placeholder.
func addressArg(id int64) map[string]string {
	return map[string]string{"addressId": formatID(id)}
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
