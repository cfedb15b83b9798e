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
	return newAPIError(ex.Response, ex.Body, c.creds.SecureKey)
}
