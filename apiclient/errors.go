package apiclient

import (
	"errors"
	"net/http"
)

// Status sentinels: every vendor's typed error matches the one for its HTTP status with errors.Is,
// so callers can branch on the class of failure without knowing the vendor's error type.
var (
	ErrBadRequest    = errors.New("bad request")
	ErrUnauthorized  = errors.New("unauthorized")
	ErrForbidden     = errors.New("forbidden")
	ErrNotFound      = errors.New("not found")
	ErrUnprocessable = errors.New("unprocessable entity")
	ErrServer        = errors.New("server error")
	ErrUnexpected    = errors.New("unexpected status")
)

// StatusSentinel returns the sentinel error for an HTTP status (ErrUnexpected for any status
// without its own).
func StatusSentinel(status int) error {
	switch {
	case status == http.StatusBadRequest:
		return ErrBadRequest
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusUnprocessableEntity:
		return ErrUnprocessable
	case status >= 500 && status <= 599:
		return ErrServer
	default:
		return ErrUnexpected
	}
}

// CatalogueID is the id of an entry of a vendor's error catalogue (specs/<vendor>.yaml,
// x-error-catalogue). A vendor's typed error matches it with errors.Is when the vendor's answer
// carries that entry:
//
//	errors.Is(err, apiclient.CatalogueID("contact-id-not-found"))
type CatalogueID string

func (id CatalogueID) Error() string { return "catalogue entry " + string(id) }

// requestIDHeaders are the headers vendors and their proxies commonly use for a request id. None
// of the four vendor pages names one, so the first present wins.
var requestIDHeaders = []string{"X-Request-Id", "Request-Id", "X-Correlation-Id", "X-Amzn-Requestid"}

// RequestID returns the request id a response carries, or "".
func RequestID(h http.Header) string {
	for _, name := range requestIDHeaders {
		if v := h.Get(name); v != "" {
			return v
		}
	}
	return ""
}
