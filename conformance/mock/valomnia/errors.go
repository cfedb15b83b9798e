package valomnia

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	api "github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// The catalogue entries the mock answers with (specs/valomnia.yaml, x-error-catalogue), by id. The
// texts live in the spec only.
const (
	idNoCredentials       = "no-credentials"
	idRouteNotFound       = "route-not-found"
	idLoginFailed         = "login-failed"
	idNoSession           = "login-success-no-session"
	idLoginWithGetFailed  = "login-with-get-failed"
	idNoSessionPost       = "login-success-post-no-session"
	idSaveFailed          = "save-failed"
	idMissingParam        = "missing-param"
	idInvalidParamType    = "invalid-param-type"
	idEmailValidation     = "email-validation-error"
	idCountryError        = "country-error"
	idExceededFileSize    = "exceeded-file-size"
	idUnsupportedFileType = "unsupported-file-type"
	idNotFoundCustomer    = "not-found-customer"
	idNotFoundContact     = "not-found-contact"
	idServerError         = "server-error"
)

// placeholders are the message placeholders the mock fills for each entry it uses. New refuses a
// spec whose catalogue does not match, so a renamed entry or placeholder fails at start-up (and in
// every test), never as a half-rendered answer.
var placeholders = map[string][]string{
	idNoCredentials:       nil,
	idRouteNotFound:       {"path"},
	idLoginFailed:         nil,
	idNoSession:           nil,
	idLoginWithGetFailed:  nil,
	idNoSessionPost:       nil,
	idSaveFailed:          nil,
	idMissingParam:        {"param"},
	idInvalidParamType:    {"param"},
	idEmailValidation:     nil,
	idCountryError:        nil,
	idExceededFileSize:    nil,
	idUnsupportedFileType: nil,
	idNotFoundCustomer:    {"id"},
	idNotFoundContact:     {"id"},
	idServerError:         nil,
}

// vendorError is one answer of the catalogue: the entry and its placeholder values. It travels as
// a Go error inside the mock; on the wire it is always rendered from the entry.
type vendorError struct {
	id   string
	args map[string]string
}

func (e *vendorError) Error() string { return "catalogue entry " + e.id }

// refuse builds a vendorError; args are placeholder name/value pairs.
func refuse(id string, args ...string) *vendorError {
	e := &vendorError{id: id}
	if len(args) > 0 {
		e.args = make(map[string]string, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			e.args[args[i]] = args[i+1]
		}
	}
	return e
}

// catalogue renders the entries the mock uses.
type catalogue struct {
	entries map[string]specs.Entry
	logger  *slog.Logger
}

func newCatalogue(cat specs.Catalogue, logger *slog.Logger) (*catalogue, error) {
	c := &catalogue{entries: map[string]specs.Entry{}, logger: logger}
	for id, want := range placeholders {
		e, ok := cat.ByID(id)
		if !ok {
			return nil, fmt.Errorf("the spec's catalogue has no entry %q", id)
		}
		if got := e.Placeholders(); !slices.Equal(got, want) {
			return nil, fmt.Errorf("catalogue entry %q has placeholders %v, the mock fills %v", id, got, want)
		}
		if e.Code == "" {
			return nil, fmt.Errorf("catalogue entry %q has no code", id)
		}
		c.entries[id] = e
	}
	return c, nil
}

// render returns the status and body of e. Placeholder values that are not UTF-8 (a path or
// reference as sent) are rendered with U+FFFD, as JSON would carry them anyway.
func (c *catalogue) render(e *vendorError) (int, api.ErrorBody) {
	entry := c.entries[e.id] // every id the code uses is checked by newCatalogue
	args := make(map[string]string, len(e.args))
	for k, v := range e.args {
		args[k] = strings.ToValidUTF8(v, "\uFFFD")
	}
	msg, err := entry.Render(args)
	if err != nil {
		// A bug of the mock (a refuse call with the wrong placeholders); newCatalogue checked the
		// spec's side. Answer the documented 500 rather than a half-rendered text.
		c.logger.Error("valomnia mock: render a catalogue entry", "id", e.id, "error", err)
		entry = c.entries[idServerError]
		msg = entry.Message
	}
	return entry.Status, api.ErrorBody{Error: entry.Code, ErrorDescription: msg}
}

// write answers e on a plain ResponseWriter, byte for byte as the generated strict responses
// encode an ErrorBody.
func (c *catalogue) write(w http.ResponseWriter, e *vendorError) {
	status, body := c.render(e)
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(body) // a struct of two strings always encodes
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// updateResponse is e as a response of updateContact, of the generated type for its status.
func (c *catalogue) updateResponse(e *vendorError) api.UpdateContactResponseObject {
	status, body := c.render(e)
	switch status {
	case http.StatusBadRequest:
		return api.UpdateContact400JSONResponse(body)
	case http.StatusUnauthorized:
		return api.UpdateContact401JSONResponse{UnauthorizedJSONResponse: api.UnauthorizedJSONResponse(body)}
	case http.StatusNotFound:
		return api.UpdateContact404JSONResponse(body)
	case http.StatusInternalServerError:
		return api.UpdateContact500JSONResponse(body)
	}
	// A status updateContact does not declare: the pipeline flags the answer as a violation.
	return rawError{c: c, e: e}
}

// rawError answers an entry whose status the operation has no generated response type for.
type rawError struct {
	c *catalogue
	e *vendorError
}

func (r rawError) VisitUpdateContactResponse(w http.ResponseWriter) error {
	r.c.write(w, r.e)
	return nil
}
