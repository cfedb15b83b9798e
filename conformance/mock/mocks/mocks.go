package mocks

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/vendors"
)

// Credentials are the credentials each vendor mock accepts, by vendor, keyed as the vendor's
// registry entry names them (vendors.Credential.Key: iovox's USERNAME and SECURE_KEY, ...).
type Credentials map[string]vendors.Credentials

// DefaultCredentials are the documented test credentials (README; vendors.Vendor.TestCredentials):
// iovox test/test, Valomnia test@example.com/test, Which50 and auregister bearer token test.
func DefaultCredentials() Credentials {
	c := Credentials{}
	for _, v := range vendors.All() {
		c[v.Name] = v.TestCredentials()
	}
	return c
}

// Options configure the assembled server.
type Options struct {
	Credentials Credentials
	// FixturesFile, when set, is loaded over the default fixtures (see mock.Server.LoadFixtures).
	FixturesFile string
	mock.Options
}

// New builds every vendor's mock (vendors.All) behind one mock.Server.
func New(opts Options) (*mock.Server, error) {
	var backends []mock.Backend
	for _, v := range vendors.All() {
		// A vendor's test credentials stand in for the values opts does not give.
		creds := v.TestCredentials()
		for key, val := range opts.Credentials[v.Name] {
			creds[key] = val
		}
		b, err := v.NewMock(creds)
		if err != nil {
			return nil, err // the mocks name themselves ("iovox mock: ...")
		}
		backends = append(backends, b)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := mock.New(opts.Options, backends...)
	if err != nil {
		return nil, err
	}
	if opts.FixturesFile != "" {
		data, err := os.ReadFile(opts.FixturesFile)
		if err != nil {
			return nil, fmt.Errorf("fixtures: %w", err)
		}
		if err := s.LoadFixtures(data); err != nil {
			return nil, fmt.Errorf("fixtures %s: %w", opts.FixturesFile, err)
		}
	}
	return s, nil
}
