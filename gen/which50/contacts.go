package which50

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/oapi-codegen/runtime"

	"github.com/contactapis/contactapis/apiclient"
)

// ProductionURL is the base URL public material gives for the Which50 API. No public source
// confirms it (the spec marks it assumed); pass your account's URL if it differs.
const ProductionURL = "https://app.which50.com/Which50API"

// Credentials say how every request authenticates. The vendor documents 401 and 403 but no
// scheme, so the header is configurable: BearerToken is the spec's working assumption,
// HeaderCredentials sends whatever header an account was actually issued. The zero value is
// refused by NewContactsClient.
type Credentials struct {
	header string
	prefix string
	value  apiclient.Secret
}

// BearerToken sends "Authorization: Bearer <token>". Pass the bare token, without "Bearer ".
func BearerToken(token apiclient.Secret) Credentials {
	return Credentials{header: "Authorization", prefix: "Bearer ", value: token}
}

// HeaderCredentials sends value, unchanged, in the header name: for example
// HeaderCredentials("X-Api-Key", key), or HeaderCredentials("Authorization", basic) with basic
// holding "Basic dXNlcjpwYXNz".
func HeaderCredentials(name string, value apiclient.Secret) Credentials {
	return Credentials{header: name, value: value}
}

// String names the header and hides the value: "Authorization: Bearer [REDACTED]".
func (c Credentials) String() string {
	return c.header + ": " + c.prefix + apiclient.Redacted
}

// GoString is String, so that %#v of a struct holding Credentials shows no address either.
func (c Credentials) GoString() string { return c.String() }

// headersTheClientOwns are set by the client on every call; a credential there would be
// overwritten, or would overwrite what the call needs.
var headersTheClientOwns = []string{"Accept", "Content-Type", "Content-Length", "Host", "Transfer-Encoding"}

func (c Credentials) validate() error {
	if c.header == "" {
		return errors.New("which50: no credentials; use BearerToken or HeaderCredentials")
	}
	if strings.IndexFunc(c.header, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
		return fmt.Errorf("which50: credentials header name %q is not a valid HTTP header name", c.header)
	}
	for _, h := range headersTheClientOwns {
		if strings.EqualFold(c.header, h) {
			return fmt.Errorf("which50: credentials header %q is set by the client itself; choose the header your account uses for credentials", c.header)
		}
	}
	v := c.value.Reveal()
	if v == "" {
		return fmt.Errorf("which50: the %s credential is empty", c.header)
	}
	// apiclient.Scrub leaves values shorter than 4 bytes alone (replacing them would mangle
	// ordinary text), so a credential that short could come back in an echoed error body.
	if apiclient.Scrub(v, c.value) == v {
		return fmt.Errorf("which50: the %s credential is too short to be kept out of error messages", c.header)
	}
	// None of these messages may quote the value.
	if strings.ContainsAny(v, "\r\n\x00") {
		return fmt.Errorf("which50: the %s credential contains a line break or NUL", c.header)
	}
	if c.prefix != "" && strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		return errors.New(`which50: the bearer token contains white space; pass the bare token, without "Bearer "`)
	}
	return nil
}

func isTokenChar(r rune) bool {
	return r < unicode.MaxASCII && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// ContactsClient makes typed calls to the contact-list contact route. It is safe for concurrent
// use.
type ContactsClient struct {
	server string
	creds  Credentials
	opts   *apiclient.Options
}

// NewContactsClient returns a client for the Which50 API at baseURL (ProductionURL, or a mock's
// address with any path prefix).
//
// Neither call is retried unless apiclient.WithRetryPolicy asks for it: a PATCH whose answer was
// lost may have updated the contacts and run their Custom Events already, and a PUT may insert.
func NewContactsClient(baseURL string, creds Credentials, opts ...apiclient.Option) (*ContactsClient, error) {
	_, server, err := apiclient.BaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("which50: %w", err)
	}
	if err := creds.validate(); err != nil {
		return nil, err
	}
	return &ContactsClient{server: server, creds: creds, opts: apiclient.NewOptions(opts...)}, nil
}

// Format is a body format the vendor negotiates (ASP.NET content negotiation).
type Format int

const (
	// FormatJSON is application/json, the vendor's default.
	FormatJSON Format = iota
	// FormatXML is application/xml in the DataContract form of the page's samples.
	FormatXML
)

func (f Format) mediaType() (string, error) {
	switch f {
	case FormatJSON:
		return "application/json", nil
	case FormatXML:
		return "application/xml", nil
	}
	return "", fmt.Errorf("which50: unknown format %d", int(f))
}

// CallOption adjusts one call.
type CallOption func(*callSettings)

type callSettings struct {
	events       []string
	accept, body Format
}

// WithCustomEvents runs the account's Custom Events of these names on the contacts the call
// updated, in the order given.
func WithCustomEvents(names ...string) CallOption {
	return func(s *callSettings) { s.events = append(s.events, names...) }
}

// WithResponseFormat asks for the answer (ids and errors alike) in f, through the Accept
// header. FormatJSON unless set; either is decoded.
func WithResponseFormat(f Format) CallOption { return func(s *callSettings) { s.accept = f } }

// WithRequestFormat sends the body in f. FormatJSON unless set. The XML form is the
// DataContract form of the page's sample, with each value's XSD type (see ContactValues).
func WithRequestFormat(f Format) CallOption { return func(s *callSettings) { s.body = f } }

// call is one prepared request, identical for every attempt.
type call struct {
	contentType, accept string
	body                []byte
	events              *CustomEventNames
}

func prepare(opts []CallOption, values map[string]any) (*call, error) {
	var s callSettings
	for _, opt := range opts {
		opt(&s)
	}
	c := &call{}
	var err error
	if c.accept, err = s.accept.mediaType(); err != nil {
		return nil, err
	}
	if c.contentType, err = s.body.mediaType(); err != nil {
		return nil, err
	}
	if len(s.events) > 0 {
		if err := checkListNames("custom event", s.events); err != nil {
			return nil, err
		}
		events := CustomEventNames(slices.Clone(s.events))
		c.events = &events
	}
	if values == nil {
		values = map[string]any{} // a null Values would not say "set nothing" as clearly
	}
	v := ContactValues(values)
	dto := ContactDTO{Values: &v}
	if s.body == FormatXML {
		c.body, err = xml.Marshal(dto)
	} else {
		c.body, err = json.Marshal(dto)
	}
	if err != nil {
		return nil, fmt.Errorf("which50: encode body: %w", err)
	}
	return c, nil
}

// checkListNames refuses names the vendor could not split back out of a comma-separated value.
func checkListNames(what string, names []string) error {
	for _, n := range names {
		if n == "" || strings.Contains(n, ",") {
			return fmt.Errorf("which50: %s name %q is empty or contains a comma", what, n)
		}
	}
	return nil
}

// matchNames returns the property names in the order they go on the wire (sorted), after
// checking that the vendor can tell them apart from each other and from its own parameters.
func matchNames[V any](match map[string]V) ([]string, error) {
	if len(match) == 0 {
		return nil, errors.New("which50: no values to match on")
	}
	names := make([]string, 0, len(match))
	for n := range match {
		names = append(names, n)
	}
	slices.Sort(names)
	if err := checkListNames("match property", names); err != nil {
		return nil, err
	}
	seen := make(map[string]string, len(names))
	for _, n := range names {
		// ASP.NET reads query names without regard to case.
		folded := strings.ToLower(n)
		if folded == "match" || folded == "customevents" {
			return nil, fmt.Errorf("which50: match property %q has the name of a query parameter of the call", n)
		}
		if prev, dup := seen[folded]; dup {
			return nil, fmt.Errorf("which50: match properties %q and %q differ only in case", prev, n)
		}
		seen[folded] = n
	}
	return names, nil
}

// UpdateContactsByMatch finds the contacts of the list contactListID whose properties equal
// every value of match (property name → value), sets on each of them the values of set
// (property name → value, of the type the list's schema gives the property), and returns the
// encrypted ids of the contacts it updated.
//
// This is PATCH /contactLists/{contactListId}/contact with
// ?match=<names>&<name>=<value>..., names sorted. When nothing matched the vendor answers 404:
// the returned *APIError's NoContactsMatched tells that apart from an unknown list.
func (c *ContactsClient) UpdateContactsByMatch(ctx context.Context, contactListID int, match map[string]string, set map[string]any, opts ...CallOption) ([]string, error) {
	const op = "updateContactsByMatch"
	if err := checkListID(contactListID); err != nil {
		return nil, err
	}
	names, err := matchNames(match)
	if err != nil {
		return nil, err
	}
	cl, err := prepare(opts, set)
	if err != nil {
		return nil, err
	}
	// The generated builder writes `match` and `customevents` as the page does (literal commas,
	// each name escaped), but it writes the exploded MatchValues keys unescaped
	// (`Home Phone=1`), so those pairs are appended here instead.
	params := &UpdateContactsByMatchParams{Match: names, CustomEvents: cl.events}
	pairs := make([]string, 0, len(names))
	for _, n := range names {
		pairs = append(pairs, escapeQuery(n)+"="+escapeQuery(match[n]))
	}
	return c.send(ctx, op, cl, func() (*http.Request, error) {
		req, err := NewUpdateContactsByMatchRequestWithBody(c.server, contactListID, params, cl.contentType, bytes.NewReader(cl.body))
		if err != nil {
			return nil, err
		}
		req.URL.RawQuery += "&" + strings.Join(pairs, "&")
		return req, nil
	})
}

// UpsertContactsByMatch is the PUT form of UpdateContactsByMatch: the values to match travel in
// the body beside the values to set (the page's PUT example), so they keep their JSON types.
// A name may not be in both maps.
func (c *ContactsClient) UpsertContactsByMatch(ctx context.Context, contactListID int, match, set map[string]any, opts ...CallOption) ([]string, error) {
	const op = "upsertContactsByMatch"
	if err := checkListID(contactListID); err != nil {
		return nil, err
	}
	names, err := matchNames(match)
	if err != nil {
		return nil, err
	}
	values := make(map[string]any, len(match)+len(set))
	for k, v := range set {
		if _, both := match[k]; both {
			return nil, fmt.Errorf("which50: property %q is both matched on and set", k)
		}
		values[k] = v
	}
	for k, v := range match {
		values[k] = v
	}
	cl, err := prepare(opts, values)
	if err != nil {
		return nil, err
	}
	params := &UpsertContactsByMatchParams{Match: names, CustomEvents: cl.events}
	return c.send(ctx, op, cl, func() (*http.Request, error) {
		return NewUpsertContactsByMatchRequestWithBody(c.server, contactListID, params, cl.contentType, bytes.NewReader(cl.body))
	})
}

// GetContactsByMatch reads the contacts of the list contactListID whose properties equal every
// value of match (property name → value), whole, in id order; none matching is an empty slice.
//
// This is GET /contactLists/{contactListId}/contact?match=<names>&<name>=<value>..., names
// sorted, as UpdateContactsByMatch finds its contacts. The vendor's page documents only the
// updates: the read is the spec's assumption (getContactsByMatch, x-assumed), and a vendor
// without it answers 405 (an *APIError).
func (c *ContactsClient) GetContactsByMatch(ctx context.Context, contactListID int, match map[string]string) ([]ContactDTO, error) {
	const op = "getContactsByMatch"
	if err := checkListID(contactListID); err != nil {
		return nil, err
	}
	names, err := matchNames(match)
	if err != nil {
		return nil, err
	}
	// As in UpdateContactsByMatch, the match values are appended escaped here.
	pairs := make([]string, 0, len(names))
	for _, n := range names {
		pairs = append(pairs, escapeQuery(n)+"="+escapeQuery(match[n]))
	}
	ex, err := c.opts.Send(ctx, true, func(ctx context.Context) (*http.Request, error) {
		req, err := NewGetContactsByMatchRequest(c.server, contactListID, &GetContactsByMatchParams{Match: names})
		if err != nil {
			return nil, err
		}
		req.URL.RawQuery += "&" + strings.Join(pairs, "&")
		req.Header.Set("Accept", "application/json")
		req.Header.Set(c.creds.header, c.creds.prefix+c.creds.value.Reveal())
		return req.WithContext(ctx), nil
	})
	if err != nil {
		return nil, fmt.Errorf("which50: %s: %w", op, err)
	}
	if ex.Response.StatusCode/100 != 2 {
		return nil, newAPIError(op, ex.Response, ex.Body, c.creds.value)
	}
	var contacts Contacts
	if err := json.Unmarshal(ex.Body, &contacts); err != nil {
		return nil, fmt.Errorf("which50: %s: decode %d answer: %w", op, ex.Response.StatusCode, err)
	}
	if contacts == nil {
		contacts = Contacts{}
	}
	return contacts, nil
}

// checkListID refuses the ids no list can have; an unset int is the usual cause.
func checkListID(id int) error {
	if id <= 0 {
		return fmt.Errorf("which50: contact list id %d is not a positive integer", id)
	}
	return nil
}

// escapeQuery escapes as the generated client escapes its own names and values, so a caller
// who replaces runtime.DefaultQueryEncoder gets one encoding throughout.
func escapeQuery(s string) string { return runtime.DefaultQueryEncoder.EscapeQueryValue(s, false) }

func (c *ContactsClient) send(ctx context.Context, op string, cl *call, build func() (*http.Request, error)) ([]string, error) {
	ex, err := c.opts.Send(ctx, false, func(ctx context.Context) (*http.Request, error) {
		req, err := build()
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", cl.accept)
		req.Header.Set(c.creds.header, c.creds.prefix+c.creds.value.Reveal())
		return req.WithContext(ctx), nil
	})
	if err != nil {
		return nil, fmt.Errorf("which50: %s: %w", op, err)
	}
	if ex.Response.StatusCode/100 != 2 {
		return nil, newAPIError(op, ex.Response, ex.Body, c.creds.value)
	}
	ids, err := decodeIDs(ex.Response.Header.Get("Content-Type"), ex.Body)
	if err != nil {
		return nil, fmt.Errorf("which50: %s: decode %d answer: %w", op, ex.Response.StatusCode, err)
	}
	return ids, nil
}

// decodeIDs reads the 200 body in whichever form the vendor chose: the Accept header is a
// request, and the media type names vary (text/json, application/csp-report, text/xml).
func decodeIDs(contentType string, body []byte) ([]string, error) {
	var ids EncContactIDs
	var err error
	if isXML(contentType, body) {
		err = xml.Unmarshal(body, &ids)
	} else {
		err = json.Unmarshal(body, &ids)
	}
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = EncContactIDs{}
	}
	return ids, nil
}

// isXML decides from the media type, and from the body when the media type names neither
// family (missing, or a proxy's text/plain).
func isXML(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case strings.Contains(mt, "xml"):
		return true
	case strings.Contains(mt, "json"), mt == "application/csp-report":
		return false
	}
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
}
