package which50

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
)

// APIError is a failed Which50 call. The vendor documents its errors by status and description
// only; the body is assumed to be ASP.NET's error object ({"Message": ...} or
// <Error><Message>...</Message></Error>). Its message is identified in the spec's error
// catalogue where it matches an entry; a body of any other shape (a proxy's HTML page, an empty
// body) is kept as text in Body, so no answer is lost.
type APIError struct {
	// Operation is the spec's operationId of the call: "updateContactsByMatch" (PATCH) or
	// "upsertContactsByMatch" (PUT).
	Operation  string
	StatusCode int
	RequestID  string
	// ID is the catalogue entry of the answer ("update-no-contacts-matched"), or "" when
	// neither the message nor the status singles one out.
	ID string
	// IDFromStatus reports that ID was chosen by the status alone: the message is not one the
	// catalogue holds (ASP.NET's own "Authorization has been denied for this request.", say),
	// but only one entry answers that status.
	IDFromStatus bool
	// Params holds the placeholder values of the entry's message ({uri}, {method}, ...).
	Params map[string]string
	// Message and MessageDetail are the error object's fields, at most 1 KiB each.
	Message       string
	MessageDetail string
	// Body is the response text when it was not an error object (at most 1 KiB), else "".
	Body string
}

// Error reads "which50: <operation>: <status> <text>: <message> (<detail>) [<catalogue id>]".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "which50: %s: %d %s", e.Operation, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.MessageDetail != "" {
		b.WriteString(" (" + e.MessageDetail + ")")
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	if e.ID != "" {
		b.WriteString(" [" + e.ID + "]")
	}
	return b.String()
}

// Is matches the status sentinel of the error's status (apiclient.ErrNotFound, ...) and the
// catalogue id of the answer (apiclient.CatalogueID("update-list-not-found")).
func (e *APIError) Is(target error) bool {
	var id apiclient.CatalogueID
	if errors.As(target, &id) {
		return e.ID != "" && string(id) == e.ID
	}
	return target == apiclient.StatusSentinel(e.StatusCode)
}

// The page gives one 404 row for two conditions with different remedies; these ids are the
// catalogue's entries for each, per operation.
var (
	noContactsMatchedIDs = []string{"update-no-contacts-matched", "upsert-no-contacts-matched"}
	listNotFoundIDs      = []string{"update-list-not-found", "upsert-list-not-found", "read-list-not-found"}
)

// NoContactsMatched reports that the list exists but no contact had the values matched on:
// nothing was updated. False when the message did not say which 404 it was.
func (e *APIError) NoContactsMatched() bool { return slices.Contains(noContactsMatchedIDs, e.ID) }

// ListNotFound reports that the contact list id is not one of the account's lists. False when
// the message did not say which 404 it was.
func (e *APIError) ListNotFound() bool { return slices.Contains(listNotFoundIDs, e.ID) }

// catalogue is the Which50 error catalogue, read once from the embedded spec.
var catalogue = sync.OnceValues(func() (specs.Catalogue, error) {
	doc, err := specs.Shared(specs.Which50)
	if err != nil {
		return nil, err
	}
	return specs.ReadCatalogue(doc)
})

func newAPIError(op string, resp *http.Response, body []byte, secrets ...apiclient.Secret) *APIError {
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, RequestID: apiclient.RequestID(resp.Header)}
	clean := func(s string) string { return apiclient.VendorText(s, secrets...) }
	if msg, ok := decodeHTTPError(body); ok {
		e.Message = clean(msg.Message)
		if msg.MessageDetail != nil {
			e.MessageDetail = clean(*msg.MessageDetail)
		}
	} else {
		e.Body = clean(string(body))
	}
	e.ID, e.Params, e.IDFromStatus = identify(op, resp.StatusCode, e.Message)
	return e
}

// decodeHTTPError reads ASP.NET's error object in either form; ok is false for anything without
// a Message (an HTML page parses as XML, a JSON object of another shape as JSON).
func decodeHTTPError(body []byte) (HTTPError, bool) {
	var msg HTTPError
	trimmed := bytes.TrimSpace(body)
	var err error
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		err = json.Unmarshal(trimmed, &msg)
	case bytes.HasPrefix(trimmed, []byte("<")):
		err = xml.Unmarshal(trimmed, &msg)
	default:
		return msg, false
	}
	return msg, err == nil && strings.TrimSpace(msg.Message) != ""
}

// identify finds the catalogue entry of an answer among the entries the operation can meet
// (its own and the document's). The message decides; failing that, the status does when only
// one entry has it, since then nothing else can have been meant.
func identify(op string, status int, message string) (id string, params map[string]string, byStatus bool) {
	cat, err := catalogue()
	if err != nil {
		return "", nil, false // a spec that does not load fails the module's tests; here, no ids
	}
	var mine specs.Catalogue
	for _, e := range cat {
		if e.OperationID == op || e.OperationID == "" {
			mine = append(mine, e)
		}
	}
	if message != "" {
		if e, args, ok := mine.Identify(status, message); ok {
			return e.ID, args, false
		}
		// The page's descriptions are the catalogue messages; a live server may differ in case,
		// spacing or a final full stop without meaning another error.
		for _, e := range mine {
			if e.Status == status && len(e.Placeholders()) == 0 && strings.EqualFold(loose(e.Message), loose(message)) {
				return e.ID, nil, false
			}
		}
	}
	var only []specs.Entry
	for _, e := range mine {
		if e.Status == status {
			only = append(only, e)
		}
	}
	if len(only) == 1 {
		return only[0].ID, nil, true
	}
	return "", nil, false
}

func loose(s string) string {
	return strings.TrimSuffix(strings.Join(strings.Fields(s), " "), ".")
}
