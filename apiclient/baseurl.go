package apiclient

import (
	"fmt"
	"net/url"
	"strings"
)

// BaseURL checks a vendor base URL (absolute http or https, no query or fragment) and returns it
// parsed, together with the server string to hand to a generated request builder: with a trailing
// slash, because those builders resolve "./contacts/..." against it, and without one the last
// path segment of a prefix is dropped (https://h/Which50API becomes https://h/contactLists).
func BaseURL(raw string) (*url.URL, string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", fmt.Errorf("base URL %q must be an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, "", fmt.Errorf("base URL %q must not carry a query or fragment", u.Redacted())
	}
	if u.User != nil {
		// Credentials in a URL end up in every log line and error that prints the URL.
		return nil, "", fmt.Errorf("base URL %q must not carry credentials; pass them to the client", u.Redacted())
	}
	server := raw
	if !strings.HasSuffix(server, "/") {
		server += "/"
	}
	return u, server, nil
}
