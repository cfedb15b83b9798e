package auregister

import (
	_ "embed"
	"fmt"
	"log/slog"
	"reflect"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// defaultFixtures are the records the mock starts with (see the package documentation).
//
//go:embed fixtures.json
var defaultFixtures []byte

// updateSchema is the request schema that carries the contact-type rule table.
const updateSchema = "ContactUpdate"

// Names of the rules this adapter refuses by; the spec's catalogue entries name them in their
// `when` ({on: rule, rule: notAllowed}).
const (
	ruleNotUpdatable = "notUpdatable"
	ruleMatchStored  = "matchStored"
	ruleNotAllowed   = "notAllowed"
)

// MaxBodyBytes is the body cap of the spec's x-mock.
var MaxBodyBytes = int(specs.BodyCap(specs.Auregister))

// Credentials are what the mock accepts.
type Credentials struct {
	// Token is the bearer token ("Authorization: Bearer <token>").
	Token string
}

// DefaultCredentials are the mock's documented test credentials.
func DefaultCredentials() Credentials { return Credentials{Token: "test"} }

// Options configure New.
type Options struct {
	// Credentials default to DefaultCredentials.
	Credentials Credentials
	// Logger receives mock bugs; nil discards.
	Logger *slog.Logger
	// Doc replaces the embedded spec: a test's changed copy.
	Doc *openapi3.T
}

// New returns the auregister mock: the engine serving specs/auregister.yaml with the page's
// contact-type rules.
func New(opts Options) (*mock.Engine, error) {
	doc := opts.Doc
	if doc == nil {
		var err error
		if doc, err = specs.Shared(specs.Auregister); err != nil {
			return nil, err
		}
	}
	rules, err := specs.ReadContactTypeRules(doc, updateSchema)
	if err != nil {
		return nil, fmt.Errorf("auregister mock: %w", err)
	}
	if opts.Credentials == (Credentials{}) {
		opts.Credentials = DefaultCredentials()
	}
	return mock.NewEngine(mock.EngineConfig{
		Vendor:      specs.Auregister,
		Doc:         doc,
		Adapter:     Adapter(rules),
		Credentials: map[string]string{"bearerAuth": opts.Credentials.Token},
		Fixtures:    defaultFixtures,
		Logger:      opts.Logger,
	})
}

// Adapter is auregister's business rules: the stored contact's type decides what an update may
// change (the spec's x-contact-type-rules table). It reads the stored type, never the body's: the
// body's contactType is itself one of the properties that must match the stored value.
func Adapter(rules specs.ContactTypeRules) mock.Adapter {
	return mock.Adapter{Update: func(u *mock.Update) *mock.Problem {
		typ, _ := u.Stored[rules.Property].(string)
		if !rules.Updatable(typ) {
			return mock.RuleProblem(ruleNotUpdatable, "", nil)
		}
		// The first offender by wire name is answered, bytes compared; matchStored first.
		var changed, notAllowed string
		for name, v := range u.Changes {
			switch {
			case slices.Contains(rules.MatchStored, name):
				if !reflect.DeepEqual(v, u.Stored[name]) && (changed == "" || name < changed) {
					changed = name
				}
				delete(u.Changes, name) // never applied: it must equal the stored value
			case !rules.Allows(typ, name):
				if !notAViolation(rules, v, u.Stored, name) && (notAllowed == "" || name < notAllowed) {
					notAllowed = name
				}
				// What the type does not allow is left as stored: the table calls the values
				// let through no-ops.
				delete(u.Changes, name)
			}
		}
		switch {
		case changed != "":
			return mock.RuleProblem(ruleMatchStored, changed, nil)
		case notAllowed != "":
			return mock.RuleProblem(ruleNotAllowed, notAllowed, map[string]string{"contactType": typ})
		}
		return nil
	}}
}

// notAViolation reports whether value is one the table lets through on a field the type does not
// allow: null, "" or the stored value, as the table lists.
func notAViolation(rules specs.ContactTypeRules, value any, stored map[string]any, name string) bool {
	for _, v := range rules.NotAViolation {
		old, has := stored[name]
		switch {
		case v == specs.NotAViolationNull && value == nil,
			v == specs.NotAViolationEmptyString && value == "",
			v == specs.NotAViolationUnchanged && has && reflect.DeepEqual(value, old):
			return true
		}
	}
	return false
}
