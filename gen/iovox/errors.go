package iovox

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
)

// APIError is a failed iovox call: the vendor's XML error list, each message identified in the
// spec's error catalogue where it matches one. A body that is not the XML list (a proxy's HTML
// page, an empty body) is kept as text in Body, so no answer is ever lost.
type APIError struct {
	StatusCode int
	RequestID  string
	Errors     []ErrorDetail
	// Body is the response text when it was not an XML error list (at most 1 KiB), else "".
	Body string
}

// ErrorDetail is one <error> of the list.
type ErrorDetail struct {
	Status  int
	Message string
	// ID is the catalogue entry the message is an instance of ("contact-id-not-found"), or "" for
	// a message the vendor page does not document.
	ID string
	// Item and Total are the page's "x of y": the 1-based position of the failing contact in the
	// payload and the payload's size; 0 when the message has no position.
	Item, Total int
	// Params holds every placeholder of the catalogue template: item, total, method, detail, ...
	Params map[string]string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "iovox: %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	for i, d := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(d.Message)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	return b.String()
}

// Is matches the status sentinel of the error's status (apiclient.ErrBadRequest, ...) and the
// catalogue id of any of its messages (apiclient.CatalogueID("request-empty")).
func (e *APIError) Is(target error) bool {
	var id apiclient.CatalogueID
	if errors.As(target, &id) {
		return e.Has(string(id))
	}
	return target == apiclient.StatusSentinel(e.StatusCode)
}

// Has reports whether any message is an instance of the catalogue entry id.
func (e *APIError) Has(id string) bool {
	for _, d := range e.Errors {
		if d.ID == id {
			return true
		}
	}
	return false
}

// catalogue is the iovox error catalogue, read once from the embedded spec.
var catalogue = sync.OnceValues(func() (specs.Catalogue, error) {
	doc, err := specs.Shared(specs.Iovox)
	if err != nil {
		return nil, err
	}
	return specs.ReadCatalogue(doc)
})

// newAPIError reads the vendor's error list of a call to op; messages are identified among the
// entries op can meet (its own and the document's).
func newAPIError(op string, resp *http.Response, body []byte, secrets ...apiclient.Secret) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, RequestID: apiclient.RequestID(resp.Header)}
	var list Errors
	if err := xml.Unmarshal(body, &list); err != nil || len(list.Error) == 0 {
		e.Body = apiclient.VendorText(string(body), secrets...)
		return e
	}
	all, _ := catalogue() // a spec that does not load fails the module's tests; here, no ids.
	var cat specs.Catalogue
	for _, entry := range all {
		if entry.OperationID == op || entry.OperationID == "" {
			cat = append(cat, entry)
		}
	}
	for _, item := range list.Error {
		d := ErrorDetail{Status: item.Status, Message: apiclient.VendorText(item.Message, secrets...)}
		if entry, args, ok := cat.Identify(item.Status, d.Message); ok {
			d.ID, d.Params = entry.ID, args
			d.Item, _ = strconv.Atoi(args["item"])
			d.Total, _ = strconv.Atoi(args["total"])
		}
		e.Errors = append(e.Errors, d)
	}
	return e
}
