package iovox

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"

	"github.com/contactapis/contactapis/apiclient"
)

// The vendor's hosts (shared/vendor-docs/README.md): production and a sandbox with its own data
// and keys.
const (
	ProductionURL = "https://api.iovox.com:444"
	SandboxURL    = "https://sandboxapi.iovox.com:444"
)

// Credentials are the two headers iovox wants on every call. Keys are bound to the caller's IP
// ranges, so a valid key from the wrong address still fails.
type Credentials struct {
	Username  string
	SecureKey apiclient.Secret
}

// ContactsClient makes typed calls to the Contacts resource. It is safe for concurrent use.
type ContactsClient struct {
	server string
	creds  Credentials
	opts   *apiclient.Options
}

// NewContactsClient returns a client for the iovox API at baseURL (ProductionURL, SandboxURL, or a
// mock's address). updateContacts is an idempotent PUT, so it is retried on connection errors and
// on the documented 500 by default; see apiclient.WithRetryPolicy.
func NewContactsClient(baseURL string, creds Credentials, opts ...apiclient.Option) (*ContactsClient, error) {
	_, server, err := apiclient.BaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("iovox: %w", err)
	}
	if creds.Username == "" || creds.SecureKey.IsZero() {
		return nil, errors.New("iovox: credentials need both Username and SecureKey")
	}
	return &ContactsClient{server: server, creds: creds, opts: apiclient.NewOptions(opts...)}, nil
}

// EncodePayload writes p as the vendor's XML payload: an XML declaration, then <request> with the
// flags and one <contact> per contact, elements in the page's order.
func EncodePayload(p UpdateContactsPayload) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).EncodeElement(p, xml.StartElement{Name: xml.Name{Local: "request"}}); err != nil {
		return nil, fmt.Errorf("iovox: encode payload: %w", err)
	}
	return buf.Bytes(), nil
}

// UpdateContacts updates every contact of p. It returns nil on the vendor's 204, an *APIError for
// any documented (or undocumented) failure, and a transport error otherwise.
func (c *ContactsClient) UpdateContacts(ctx context.Context, p UpdateContactsPayload) error {
	body, err := EncodePayload(p)
	if err != nil {
		return err
	}
	params := &UpdateContactsParams{V: APIVersionV3, Method: MethodNameUpdateContacts}
	ex, err := c.opts.Send(ctx, true, func(ctx context.Context) (*http.Request, error) {
		req, err := NewUpdateContactsRequestWithBody(c.server, params, "application/xml", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("username", c.creds.Username)
		req.Header.Set("secureKey", c.creds.SecureKey.Reveal())
		return req.WithContext(ctx), nil
	})
	if err != nil {
		return fmt.Errorf("iovox: updateContacts: %w", err)
	}
	if ex.Response.StatusCode/100 == 2 {
		return nil
	}
	return newAPIError("updateContacts", ex.Response, ex.Body, c.creds.SecureKey)
}

// GetContactDetails reads the contact contactID as the vendor stores it: the details
// updateContacts writes, under the same names (the answer's response > results > result). It
// returns an *APIError for any refusal (contact-details-not-found for an unknown contact).
//
// No vendor page documents the method (the spec's getContactDetails is x-assumed after public
// clients): a vendor answering otherwise fails the conformance suite's specs of it.
func (c *ContactsClient) GetContactDetails(ctx context.Context, contactID string) (Contact, error) {
	params := &GetContactDetailsParams{V: APIVersionV3, Method: GetContactDetailsParamsMethodGetContactDetails, ContactID: contactID}
	ex, err := c.opts.Send(ctx, true, func(ctx context.Context) (*http.Request, error) {
		req, err := NewGetContactDetailsRequest(c.server, params)
		if err != nil {
			return nil, err
		}
		req.Header.Set("username", c.creds.Username)
		req.Header.Set("secureKey", c.creds.SecureKey.Reveal())
		return req.WithContext(ctx), nil
	})
	if err != nil {
		return Contact{}, fmt.Errorf("iovox: getContactDetails: %w", err)
	}
	if ex.Response.StatusCode/100 != 2 {
		return Contact{}, newAPIError("getContactDetails", ex.Response, ex.Body, c.creds.SecureKey)
	}
	// The generated types hold no XML tags for the wrapper, and the generated response parser
	// reads only JSON: the wrapper is read here.
	var answer struct {
		Results struct {
			Result *Contact `xml:"result"`
		} `xml:"results"`
	}
	if err := xml.Unmarshal(ex.Body, &answer); err != nil {
		return Contact{}, fmt.Errorf("iovox: getContactDetails: decode %d answer: %w", ex.Response.StatusCode, err)
	}
	if answer.Results.Result == nil {
		return Contact{}, fmt.Errorf("iovox: getContactDetails: the %d answer holds no result for contact %q", ex.Response.StatusCode, contactID)
	}
	return *answer.Results.Result, nil
}
