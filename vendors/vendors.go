package vendors

import (
	"net/url"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	mockauregister "github.com/contactapis/contactapis/conformance/mock/auregister"
	mockiovox "github.com/contactapis/contactapis/conformance/mock/iovox"
	mockvalomnia "github.com/contactapis/contactapis/conformance/mock/valomnia"
	mockwhich50 "github.com/contactapis/contactapis/conformance/mock/which50"
	"github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
)

// which50ReadOnly is the Which50 mock's token with rights to no list.
const which50ReadOnly = "readonly"

// registry is every vendor, in specs.Vendors() order. A new vendor is one entry here (README,
// "Adding a vendor").
var registry = []*Vendor{
	{
		Name:    specs.Iovox,
		LiveURL: iovox.SandboxURL,
		Credentials: []Credential{
			{Key: "USERNAME", Scheme: "username", Test: "test", Usage: "iovox username header"},
			{Key: "SECURE_KEY", Scheme: "secureKey", Secret: true, Test: "test", Usage: "iovox secureKey header"},
		},
		FixtureKeys: []string{"CONTACT_ID"},
		// Errors: derived from the spec's x-mock errors declaration (an XML list of <error>).
		NewClient: func(base string, c Credentials, opts ...apiclient.Option) (any, error) {
			return client(iovox.NewContactsClient(base, iovox.Credentials{Username: c.Value("USERNAME"), SecureKey: c["SECURE_KEY"]}, opts...))
		},
		NewMock: func(c Credentials) (mock.Backend, error) {
			return backend(mockiovox.New(mockiovox.Options{Credentials: mockiovox.Credentials{Username: c.Value("USERNAME"), SecureKey: c["SECURE_KEY"]}}))
		},
	},
	{
		Name:    specs.Valomnia,
		APIPath: mockvalomnia.APIPath,
		Credentials: []Credential{
			{Key: "USER", Test: "test@example.com", Usage: "Valomnia login user"},
			{Key: "PASSWORD", Secret: true, Test: "test", Usage: "Valomnia login password"},
		},
		Login: &Login{
			Operation: "login", Others: []string{"loginWithGet"}, Path: "/j_spring_security_check", Scheme: "sessionCookie",
			Form:  map[string]string{"USER": "j_username", "PASSWORD": "j_password"},
			Extra: url.Values{"ajax": {"true"}},
			Open: func(base string, c Credentials, opts ...apiclient.Option) (Session, error) {
				cl, err := valomnia.NewContactsClient(base, valomnia.Credentials{User: c.Value("USER"), Password: c["PASSWORD"]}, opts...)
				if err != nil {
					return nil, err
				}
				return cl.Session, nil
			},
		},
		FixtureKeys: []string{"CONTACT_ID", "CUSTOMER_ID"},
		// No update removes a photo: the suite's photo specs upload only to a contact named for
		// them, and are skipped on a live run without one.
		OptionalFixtureKeys: []string{"PHOTO_CONTACT_ID"},
		// Errors: derived from the spec's x-mock errors declaration.
		NewClient: func(base string, c Credentials, opts ...apiclient.Option) (any, error) {
			return client(valomnia.NewContactsClient(base, valomnia.Credentials{User: c.Value("USER"), Password: c["PASSWORD"]}, opts...))
		},
		NewMock: func(c Credentials) (mock.Backend, error) {
			return backend(mockvalomnia.New(mockvalomnia.Options{Credentials: mockvalomnia.Credentials{User: c.Value("USER"), Password: c["PASSWORD"]}}))
		},
	},
	{
		Name:    specs.Which50,
		LiveURL: which50.ProductionURL,
		Credentials: []Credential{
			{Key: "TOKEN", Scheme: "bearerAuth", Secret: true, Test: "test", NoRights: which50ReadOnly,
				NoRightsAnswers: []string{"update-forbidden", "upsert-forbidden"},
				Usage:           "Which50 bearer token with rights to every list (the token readonly has none, for the documented 403)"},
			{Key: "AUTH_HEADER", Optional: true, HeaderFor: "TOKEN"},
		},
		FixtureKeys: []string{"LIST_ID", "MATCH"}, // MATCH is a query string of match values: Email=a%40b.example
		// JSON or XML, as the request's Accept asks: {"Message": …} or <Error><Message>…</Message></Error>.
		// Errors: derived from the spec's x-mock errors declaration.
		NewClient: func(base string, c Credentials, opts ...apiclient.Option) (any, error) {
			creds := which50.BearerToken(c["TOKEN"])
			if h := c.Value("AUTH_HEADER"); h != "" {
				creds = which50.HeaderCredentials(h, c["TOKEN"])
			}
			return client(which50.NewContactsClient(base, creds, opts...))
		},
		NewMock: func(c Credentials) (mock.Backend, error) {
			return backend(mockwhich50.New(mockwhich50.Options{Credentials: mockwhich50.Credentials{Tokens: map[string]mockwhich50.Grant{
				c.Value("TOKEN"): {AllLists: true}, which50ReadOnly: {}}}}))
		},
	},
	{
		Name:        specs.Auregister,
		Credentials: []Credential{{Key: "TOKEN", Scheme: "bearerAuth", Secret: true, Test: "test", Usage: "auregister bearer token"}},
		FixtureKeys: []string{"CONTACT_ID"},
		// auregister's contacts have a type that decides what an update may change:
		// tools/drift's probes of one type use CONTACT_ID_<TYPE> (the type upper-cased, spaces as
		// underscores) when it is set and fall back to CONTACT_ID, so that with one contact of
		// each type named a single run settles every probe.
		OptionalFixtureKeys: []string{"CONTACT_ID_PEOPLE", "CONTACT_ID_JOINT_MEMBER", "CONTACT_ID_COMPANY", "CONTACT_ID_OTHER_ENTITY"},
		// Errors: derived from the spec's x-mock errors declaration.
		NewClient: func(base string, c Credentials, opts ...apiclient.Option) (any, error) {
			return client(auregister.NewContactsClient(base, c["TOKEN"], opts...))
		},
		NewMock: func(c Credentials) (mock.Backend, error) {
			return backend(mockauregister.New(mockauregister.Options{Credentials: mockauregister.Credentials{Token: c.Value("TOKEN")}}))
		},
	},
}
