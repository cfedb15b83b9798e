package auregister

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
)

// APIError is a failed auregister call: the vendor's JSON error body (assumed; the page documents
// none), identified in the spec's error catalogue where it matches an entry. A body that is not
// that JSON object (a proxy's HTML page, an empty body, truncated JSON) is kept as text in Body, so
// no answer is ever lost.
type APIError struct {
	StatusCode int
	RequestID  string
	// Code is the vendor's machine code (the body's "error": "field_not_allowed"), Message its
	// text and Field the body field it concerns ("" when it names none).
	Code    string
	Message string
	Field   string
	// ID is the catalogue entry the answer is an instance of ("field-not-allowed-for-contact-type"),
	// or "" for an answer the spec does not know.
	ID string
	// Params holds the values of the entry's message placeholders (field, contactType, ...); nil
	// when the entry was recognised by its code alone.
	Params map[string]string
	// Body is the response text when it was not the JSON error object (at most 1 KiB), else "".
	Body string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "auregister: %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.Message != "" || e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Message)
		if e.Code != "" {
			fmt.Fprintf(&b, " (%s)", e.Code)
		}
	case e.Body != "":
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	return b.String()
}

// Is matches the status sentinel of the error's status (apiclient.ErrUnprocessable, ...) and the
// catalogue id of its entry (apiclient.CatalogueID("contact-not-found")).
func (e *APIError) Is(target error) bool {
	var id apiclient.CatalogueID
	if errors.As(target, &id) {
		return e.ID != "" && e.ID == string(id)
	}
	return target == apiclient.StatusSentinel(e.StatusCode)
}

// spec is the auregister document, the process's shared one (only read), for the catalogue and
// the rule table alike.
var spec = sync.OnceValues(func() (*openapi3.T, error) { return specs.Shared(specs.Auregister) })

var catalogue = sync.OnceValues(func() (specs.Catalogue, error) {
	doc, err := spec()
	if err != nil {
		return nil, err
	}
	return specs.ReadCatalogue(doc)
})

func newAPIError(resp *http.Response, body []byte, token apiclient.Secret) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, RequestID: apiclient.RequestID(resp.Header)}
	var eb ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || (eb.Code == "" && eb.Message == "") {
		e.Body = apiclient.VendorText(string(body), token)
		return e
	}
	e.Code = apiclient.Scrub(eb.Code, token)
	e.Message = apiclient.Scrub(eb.Message, token)
	if eb.Field != nil {
		e.Field = apiclient.Scrub(*eb.Field, token)
	}
	cat, _ := catalogue() // a spec that does not load fails the module's tests; here, no ids.
	e.ID, e.Params = identify(cat, e.StatusCode, e.Code, e.Message)
	return e
}

// identify finds the entry of an answer. Status, code and message template together are the
// firmest match; when the vendor rewords a message, the code alone still names the entry if
// exactly one entry of that status carries it, which keeps errors.Is working across a wording
// change that tools/drift will report separately.
func identify(cat specs.Catalogue, status int, code, message string) (string, map[string]string) {
	var sameCode specs.Catalogue
	for _, entry := range cat {
		if entry.Status == status && entry.Code == code {
			sameCode = append(sameCode, entry)
		}
	}
	if entry, args, ok := sameCode.Identify(status, message); ok {
		return entry.ID, args
	}
	if len(sameCode) == 1 && code != "" {
		return sameCode[0].ID, nil
	}
	return "", nil
}
