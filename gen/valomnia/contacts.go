package valomnia

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/contactapis/contactapis/apiclient"
)

// Credentials identify a Valomnia user. They are exchanged once for a session (and again when the
// vendor reports the session gone); the password never goes anywhere else.
type Credentials struct {
	User     string
	Password apiclient.Secret
	// LoginURL is the full URL of the login form (…/j_spring_security_check). Leave it empty to
	// derive it from the base URL: the tenant's host root, i.e. the base URL without its trailing
	// /api/{version}.
	LoginURL string
}

// ContactsClient makes typed calls to Valomnia's contacts. It is safe for concurrent use; all
// callers share one session.
type ContactsClient struct {
	server   string // the base URL, with the trailing slash the generated request builders need
	loginURL *url.URL
	creds    Credentials
	opts     *apiclient.Options
	session  session
}

// apiBasePath matches the /api/{version} a tenant's base URL ends with; what precedes it is the
// host root the login lives at (a path prefix survives, for proxies and the project's mock).
var apiBasePath = regexp.MustCompile(`^(.*)/api/[^/]+/?$`)

// NewContactsClient returns a client for the Valomnia API at baseURL,
// https://{organisation}.valomnia.com/api/{version} (or a mock's equivalent). No request is made
// here: the client logs in on its first call. updateContact is a POST and is not retried unless
// apiclient.WithRetryPolicy says so.
func NewContactsClient(baseURL string, creds Credentials, opts ...apiclient.Option) (*ContactsClient, error) {
	base, server, err := apiclient.BaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("valomnia: %w", err)
	}
	if creds.User == "" || creds.Password.IsZero() {
		return nil, errors.New("valomnia: credentials need both User and Password")
	}
	var login *url.URL
	if creds.LoginURL != "" {
		if login, _, err = apiclient.BaseURL(creds.LoginURL); err != nil {
			return nil, fmt.Errorf("valomnia: login URL: %w", err)
		}
	} else {
		m := apiBasePath.FindStringSubmatch(base.Path)
		if m == nil {
			return nil, fmt.Errorf("valomnia: cannot derive the login URL from base URL %q: it does not end in /api/{version}; set Credentials.LoginURL", baseURL)
		}
		login = &url.URL{Scheme: base.Scheme, Host: base.Host, Path: m[1] + "/j_spring_security_check"}
	}
	return &ContactsClient{
		server:   server,
		loginURL: login,
		creds:    creds,
		opts:     apiclient.NewOptions(opts...),
		session:  newSession(),
	}, nil
}

// UpdateContact updates the details of contact id and returns the contact as stored. id is
// Valomnia's numeric id in decimal, or the caller's own reference when update.UseExternalID is
// true (so is update.CustomerID). Optional fields left nil are not sent.
//
// Without an image the fields go out URL-encoded; with one, as multipart/form-data. The image is
// checked before anything is sent (see Image). The first call logs in, and an expired session is
// renewed once, transparently; every failure the vendor answers is an *APIError. A login adds
// exchanges to the call, and apiclient.WithTimeout bounds each exchange: bound the whole call
// with ctx.
func (c *ContactsClient) UpdateContact(ctx context.Context, id string, update ContactUpdate, image *Image) (*Contact, error) {
	if id == "" {
		return nil, errors.New("valomnia: updateContact: empty contact id")
	}
	contentType, body, err := encodeUpdate(update, image)
	if err != nil {
		return nil, err
	}
	ex, sent, err := c.call(ctx, opUpdateContact, false, func(ctx context.Context) (*http.Request, error) {
		req, err := NewUpdateContactRequestWithBody(c.server, id, contentType, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return req.WithContext(ctx), nil
	})
	if err != nil {
		return nil, err
	}
	if ex.Response.StatusCode != http.StatusOK {
		return nil, c.apiError(opUpdateContact, ex, sent)
	}
	var contact Contact
	if err := json.Unmarshal(ex.Body, &contact); err != nil {
		// A 200 that is not a contact (a portal page, a proxy's answer) must not be lost either.
		return nil, c.apiError(opUpdateContact, ex, sent)
	}
	return &contact, nil
}

// GetContact reads contact id, Valomnia's numeric id in decimal, as stored (operation
// getContact, which the spec assumes: the page documents only the update). It logs in and renews
// the session as UpdateContact does, and, being a GET, is retried under the default policy. An
// unknown id is an *APIError matching catalogue entry get-contact-not-found.
func (c *ContactsClient) GetContact(ctx context.Context, id string) (*Contact, error) {
	if id == "" {
		return nil, errors.New("valomnia: getContact: empty contact id")
	}
	ex, sent, err := c.call(ctx, opGetContact, true, func(ctx context.Context) (*http.Request, error) {
		req, err := NewGetContactRequest(c.server, id)
		if err != nil {
			return nil, err
		}
		return req.WithContext(ctx), nil
	})
	if err != nil {
		return nil, err
	}
	if ex.Response.StatusCode != http.StatusOK {
		return nil, c.apiError(opGetContact, ex, sent)
	}
	var contact Contact
	if err := json.Unmarshal(ex.Body, &contact); err != nil {
		return nil, c.apiError(opGetContact, ex, sent)
	}
	return &contact, nil
}

// Operation ids of the spec, used to scope catalogue identification and to name the failed call.
const (
	opLogin         = "login"
	opLoginSuccess  = "loginSuccess"
	opGetContact    = "getContact"
	opUpdateContact = "updateContact"
)

// noCredentialsCode is the vendor's code for a missing or expired session (catalogue entry
// no-credentials), the one answer that makes the client log in again.
func noCredentialsCode() string {
	spec, _ := loadErrorSpec()
	if e, ok := spec.catalogue.ByID("no-credentials"); ok {
		return e.Code
	}
	return "no_credentials" // only if the embedded spec is broken, which the module's tests catch
}

// call sends one API request with the session cookie, logging in first when there is no session
// and once more when the vendor says the session it was sent is gone. It returns the session the
// final request carried, which error text is scrubbed of even if another caller has renewed the
// session since.
func (c *ContactsClient) call(ctx context.Context, op string, idempotent bool, build func(context.Context) (*http.Request, error)) (*apiclient.Exchange, apiclient.Secret, error) {
	var stale apiclient.Secret
	for attempt := 1; ; attempt++ {
		token, err := c.session.get(ctx, stale, c.login)
		if err != nil {
			return nil, apiclient.Secret{}, err
		}
		ex, err := c.opts.Send(ctx, idempotent, func(ctx context.Context) (*http.Request, error) {
			req, err := build(ctx)
			if err != nil {
				return nil, err
			}
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token.Reveal()})
			return req, nil
		})
		if err != nil {
			return nil, apiclient.Secret{}, fmt.Errorf("valomnia: %s: %w", op, err)
		}
		if attempt == 1 && ex.Response.StatusCode != http.StatusOK && errorCode(ex.Body) == noCredentialsCode() {
			stale = token
			continue
		}
		return ex, token, nil
	}
}

// secrets are the values every text taken from the vendor is scrubbed of.
func (c *ContactsClient) secrets() []apiclient.Secret {
	return []apiclient.Secret{c.creds.Password, c.session.current()}
}

func (c *ContactsClient) apiError(op string, ex *apiclient.Exchange, extra ...apiclient.Secret) *APIError {
	spec, _ := loadErrorSpec() // a spec that does not load fails the module's tests; here, no ids.
	return newAPIError(spec, op, ex.Response, ex.Body, append(c.secrets(), extra...)...)
}
