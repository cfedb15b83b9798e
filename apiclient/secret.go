package apiclient

import (
	"fmt"
	"log/slog"
	"strings"
)

// Redacted is what a Secret prints as.
const Redacted = "[REDACTED]"

// Secret is a credential (a key, password, token or session id). It formats, marshals and logs as
// Redacted, so a Secret inside a struct, an error or a slog record never shows its value; only
// Reveal does, at the one place a request header or form field is written.
//
// The value sits behind a pointer on purpose: fmt prints a struct's unexported fields by
// reflection without calling their methods, and a string there would print in full (%#v of a
// client holding its credentials); a nested pointer prints only as an address.
type Secret struct{ v *string }

// NewSecret wraps a credential value.
func NewSecret(value string) Secret { return Secret{v: &value} }

// Reveal returns the secret's value, for writing it onto the wire.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// String implements fmt.Stringer.
func (s Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer, for %#v.
func (s Secret) GoString() string { return Redacted }

// Format implements fmt.Formatter, so that every verb (%v, %s, %q, %x, ...) prints Redacted.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", Redacted)
		return
	}
	f.Write([]byte(Redacted))
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalText implements encoding.TextMarshaler (and so JSON and XML encoding).
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// Scrub replaces every occurrence of each secret's value in s with Redacted. Clients pass vendor
// text (error bodies) through it, since a server that echoes a credential back must not make the
// credential appear in an error message.
func Scrub(s string, secrets ...Secret) string {
	for _, sec := range secrets {
		if v := sec.Reveal(); len(v) >= 4 {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

// MaxVendorText caps vendor text kept in an error (an unparsed body, a message).
const MaxVendorText = 1 << 10

// VendorText makes vendor text fit for an error message: trimmed, every secret replaced, at most
// MaxVendorText bytes of valid UTF-8. Scrubbing comes before the cut, so a secret straddling the
// limit cannot survive in part.
func VendorText(s string, secrets ...Secret) string {
	s = Scrub(strings.TrimSpace(s), secrets...)
	if len(s) > MaxVendorText {
		s = strings.ToValidUTF8(s[:MaxVendorText], "")
	}
	return s
}
