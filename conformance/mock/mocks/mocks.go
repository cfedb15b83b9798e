package mocks

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/auregister"
	"github.com/contactapis/contactapis/conformance/mock/iovox"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	"github.com/contactapis/contactapis/conformance/mock/which50"
)

// Credentials are the test credentials each vendor mock accepts.
type Credentials struct {
	Iovox      iovox.Credentials
	Valomnia   valomnia.Credentials
	Which50    which50.Credentials
	Auregister auregister.Credentials
}

// DefaultCredentials are the documented test credentials (README): iovox test/test, Valomnia
// test@example.com/test, Which50 and auregister bearer token test.
func DefaultCredentials() Credentials {
	return Credentials{
		Iovox:      iovox.DefaultCredentials(),
		Valomnia:   valomnia.DefaultCredentials(),
		Which50:    which50.DefaultCredentials(),
		Auregister: auregister.DefaultCredentials(),
	}
}

// Options configure the assembled server.
type Options struct {
	Credentials Credentials
	// FixturesFile, when set, is loaded over the default fixtures (see mock.Server.LoadFixtures).
	FixturesFile string
	mock.Options
}

// New builds all four vendor mocks behind one mock.Server.
func New(opts Options) (*mock.Server, error) {
	io, err := iovox.New(iovox.Options{Credentials: opts.Credentials.Iovox})
	if err != nil {
		return nil, err
	}
	va, err := valomnia.New(valomnia.Options{Credentials: opts.Credentials.Valomnia})
	if err != nil {
		return nil, err
	}
	wh, err := which50.New(which50.Options{Credentials: opts.Credentials.Which50})
	if err != nil {
		return nil, err
	}
	au, err := auregister.New(auregister.Options{Credentials: opts.Credentials.Auregister})
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := mock.New(opts.Options, io, va, wh, au)
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
