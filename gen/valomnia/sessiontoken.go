package valomnia

import (
	"context"

	"github.com/contactapis/contactapis/apiclient"
)

// SessionCookie is the cookie an API request carries the session token in.
const SessionCookie = sessionCookie

// Session returns the session token the client's calls carry, logging in first when there is
// none. Pass the token a request was refused with as stale to log in again (callers refused
// together share one new login); pass the zero Secret otherwise.
//
// It exists for tools that send their own requests to the API (tools/drift's probes) and must
// log in exactly as the client does. The token is a credential: send it in SessionCookie only.
func (c *ContactsClient) Session(ctx context.Context, stale apiclient.Secret) (apiclient.Secret, error) {
	return c.session.get(ctx, stale, c.login)
}
