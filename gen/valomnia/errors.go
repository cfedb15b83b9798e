package valomnia

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
)

// APIError is a failed Valomnia call: the vendor's JSON error ({"error": code,
// "error_description": text}), identified in the spec's error catalogue where it matches an entry.
// A body that is not that JSON (a proxy's HTML page, an empty body) is kept as text in Body, so no
// answer is ever lost. Every text in it has the password and session token scrubbed out.
type APIError struct {
	// Operation is the spec's operationId of the exchange that failed: login, loginSuccess (the
	// token page the login redirects to) or updateContact.
	Operation  string
	StatusCode int
	RequestID  string
	// Code is the vendor's machine code (missing_param, country_error, no_credentials, ...).
	Code string
	// Description is the vendor's error_description.
	Description string
	// ID is the catalogue entry the answer is an instance of ("missing-param"), or "" for an
	// answer the spec does not know.
	ID string
	// Params holds the values of the entry's message placeholders ({"param": "customerId"}).
	Params map[string]string
	// Body is the response text (at most 1 KiB) when it was not the vendor's JSON error, else "".
	Body string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "valomnia: %s: %d %s", e.Operation, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
		if e.Description != "" {
			fmt.Fprintf(&b, ": %s", e.Description)
		}
	}
	switch {
	case e.Body != "":
		fmt.Fprintf(&b, ": body %q", e.Body)
	case e.Code == "":
		b.WriteString(": empty body")
	}
	return b.String()
}

// Is matches the status sentinel of the error's status (apiclient.ErrBadRequest, ...) and the
// catalogue id of the answer (apiclient.CatalogueID("missing-param")).
func (e *APIError) Is(target error) bool {
	var id apiclient.CatalogueID
	if errors.As(target, &id) {
		return e.ID != "" && string(id) == e.ID
	}
	return target == apiclient.StatusSentinel(e.StatusCode)
}

// errorSpec is what identifying an answer needs from the spec: the catalogue, and which
// operations are secured (the root's "secured" entries answer only those).
type errorSpec struct {
	catalogue specs.Catalogue
	secured   map[string]bool
}

// loadErrorSpec reads the error catalogue once from the embedded spec.
var loadErrorSpec = sync.OnceValues(func() (errorSpec, error) {
	doc, err := specs.Shared(specs.Valomnia)
	if err != nil {
		return errorSpec{}, err
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return errorSpec{}, err
	}
	secured := map[string]bool{}
	for _, op := range specs.Operations(doc) {
		security := doc.Security
		if op.Operation.Security != nil {
			security = *op.Operation.Security
		}
		secured[op.Operation.OperationID] = len(security) > 0
	}
	return errorSpec{catalogue: cat, secured: secured}, nil
})

// Fallback for error bodies that are not valid JSON. The page itself prints exceeded_file_size
// without the closing quote of error_description (discrepancy exceeded-file-size-malformed-json);
// if the vendor really answers so, the code and text are still worth having.
var (
	looseCode        = regexp.MustCompile(`"error"\s*:\s*"([^"\\]*)"`)
	looseDescription = regexp.MustCompile(`"error_description"\s*:\s*"([^"\\\r\n]*)`)
)

// decodeErrorBody returns the vendor's code and text from an error body. wellFormed is false when
// the body is not the vendor's JSON error, even if a code could be read from it.
func decodeErrorBody(body []byte) (code, description string, wellFormed bool) {
	var eb ErrorBody
	if err := json.Unmarshal(body, &eb); err == nil && eb.Error != "" {
		return eb.Error, eb.ErrorDescription, true
	}
	text := strings.TrimSpace(string(body))
	if !strings.HasPrefix(text, "{") {
		return "", "", false
	}
	if m := looseCode.FindStringSubmatch(text); m != nil {
		code = m[1]
	}
	if m := looseDescription.FindStringSubmatch(text); m != nil {
		description = strings.TrimSpace(m[1])
	}
	return code, description, false
}

// errorCode returns the vendor's code in an error body, or "".
func errorCode(body []byte) string {
	code, _, _ := decodeErrorBody(body)
	return code
}

func newAPIError(spec errorSpec, op string, resp *http.Response, body []byte, secrets ...apiclient.Secret) *APIError {
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, RequestID: apiclient.RequestID(resp.Header)}
	code, description, wellFormed := decodeErrorBody(body)
	e.Code = apiclient.Scrub(code, secrets...)
	e.Description = apiclient.Scrub(description, secrets...)
	if !wellFormed {
		e.Body = apiclient.VendorText(string(body), secrets...)
	}
	if e.Code != "" {
		e.ID, e.Params = identify(spec, op, e.StatusCode, e.Code, e.Description)
	}
	return e
}

// identify finds the catalogue entry of an answer with the given code: first among the entries of
// its operation, then among the root entries that can answer it (any scope but "secured" for an
// operation without security), so that the token page's own no_credentials entry wins over the
// API's. In each group the text decides first (status and message, placeholders filled in);
// failing that, the code alone does when exactly one entry of the group carries it, so that a
// reworded message or an unexpected status still names the error (not_found, shared by two
// entries of updateContact, then names none).
func identify(spec errorSpec, op string, status int, code, message string) (string, map[string]string) {
	var own, root specs.Catalogue
	for _, entry := range spec.catalogue {
		switch {
		case entry.Code != code:
		case entry.OperationID == op:
			own = append(own, entry)
		case entry.OperationID == "" && (entry.Scope != specs.ScopeSecured || spec.secured[op]):
			root = append(root, entry)
		}
	}
	for _, group := range []specs.Catalogue{own, root} {
		if entry, args, ok := group.Identify(status, message); ok {
			if len(args) == 0 {
				args = nil
			}
			return entry.ID, args
		}
	}
	for _, group := range []specs.Catalogue{own, root} {
		if len(group) == 1 {
			return group[0].ID, nil
		}
		if len(group) > 1 {
			break // the operation's own entries share the code: no root entry may claim it
		}
	}
	return "", nil
}
