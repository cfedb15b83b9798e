package auregister

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/contactapis/contactapis/apiclient"
)

// ContactsClient makes typed calls to the contacts resource. It is safe for concurrent use.
type ContactsClient struct {
	server string
	token  apiclient.Secret
	opts   *apiclient.Options
}

// NewContactsClient returns a client for the API at baseURL: scheme, host and any path prefix of
// the deployment (the page's {{baseUrl}}; the vendor publishes no host). token is the account's
// access token, sent as "Authorization: Bearer <token>" on every call.
//
// updateContact is a PATCH and is not retried unless apiclient.WithRetryPolicy asks for it: a
// retry after a lost answer may apply an update twice, and with null clearing fields that is not
// harmless in general.
func NewContactsClient(baseURL string, token apiclient.Secret, opts ...apiclient.Option) (*ContactsClient, error) {
	_, server, err := apiclient.BaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("auregister: %w", err)
	}
	if token.IsZero() {
		return nil, errors.New("auregister: the access token is empty")
	}
	// Echoed tokens are kept out of error text by apiclient.Scrub, which leaves values too short
	// to replace safely alone; a token it would not redact cannot keep that promise.
	if apiclient.Scrub(token.Reveal(), token) == token.Reveal() {
		return nil, errors.New("auregister: the access token is too short to be a bearer token")
	}
	// A token pasted with its scheme ("Bearer abc") or a trailing newline would make a header the
	// server cannot read; the message must not quote the token.
	if strings.IndexFunc(token.Reveal(), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return nil, errors.New(`auregister: the access token contains white space or control characters; pass the bare token, without "Bearer "`)
	}
	return &ContactsClient{server: server, token: token, opts: apiclient.NewOptions(opts...)}, nil
}

// UpdateContact changes the fields present in update on the contact contactID and returns the
// contact as the vendor stored it. A field left unset in update is not sent and keeps its stored
// value; SetNull sends null and clears it; Set sends the value.
//
// Before sending, the update is checked against the spec's contact-type rules as far as the
// client can judge them: id, when set, must be contactID; with ForContactType, every field the
// stated type does not accept is refused unless null or "", as is any update of a type that
// cannot be updated; with ForContact, such a field is also let through when it carries the
// stored value, exactly as the vendor judges. A refused update returns a *RuleError and nothing
// is sent. A vendor failure returns an
// *APIError; anything else is a transport or decoding error.
func (c *ContactsClient) UpdateContact(ctx context.Context, contactID int64, update ContactUpdate, opts ...UpdateOption) (*Contact, error) {
	var set updateSettings
	for _, opt := range opts {
		opt(&set)
	}
	body, err := json.Marshal(update)
	if err != nil {
		return nil, fmt.Errorf("auregister: encode update: %w", err)
	}
	if err := checkUpdate(contactID, set, body); err != nil {
		return nil, err
	}
	ex, err := c.opts.Send(ctx, false, func(ctx context.Context) (*http.Request, error) {
		req, err := NewUpdateContactRequestWithBody(c.server, contactID, "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
		return req.WithContext(ctx), nil
	})
	if err != nil {
		return nil, fmt.Errorf("auregister: updateContact: %w", err)
	}
	if ex.Response.StatusCode/100 != 2 {
		return nil, newAPIError(ex.Response, ex.Body, c.token)
	}
	var contact Contact
	if err := json.Unmarshal(ex.Body, &contact); err != nil {
		// The vendor accepted the update; saying so keeps a caller from repeating a PATCH that
		// already took effect. The decoder's message can quote a value of the body (a date that
		// does not parse), so the whole text is scrubbed, not only the body.
		return nil, errors.New(apiclient.Scrub(fmt.Sprintf("auregister: updateContact: the update was accepted (status %d) but the answer is not a contact: %v; body %q",
			ex.Response.StatusCode, err, apiclient.VendorText(string(ex.Body), c.token)), c.token))
	}
	return &contact, nil
}

// GetContact reads contact contactID as stored (getContact, assumed: the page documents only the
// update). A GET is idempotent, so the retry policy may repeat it. Errors are *APIError, as for
// UpdateContact: an unknown contact is contact-not-found (apiclient.ErrNotFound).
func (c *ContactsClient) GetContact(ctx context.Context, contactID int64) (*Contact, error) {
	ex, err := c.opts.Send(ctx, true, func(ctx context.Context) (*http.Request, error) {
		req, err := NewGetContactRequest(c.server, contactID)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
		return req.WithContext(ctx), nil
	})
	if err != nil {
		return nil, fmt.Errorf("auregister: getContact: %w", err)
	}
	if ex.Response.StatusCode/100 != 2 {
		return nil, newAPIError(ex.Response, ex.Body, c.token)
	}
	var contact Contact
	if err := json.Unmarshal(ex.Body, &contact); err != nil {
		return nil, errors.New(apiclient.Scrub(fmt.Sprintf("auregister: getContact: the answer (status %d) is not a contact: %v; body %q",
			ex.Response.StatusCode, err, apiclient.VendorText(string(ex.Body), c.token)), c.token))
	}
	return &contact, nil
}
