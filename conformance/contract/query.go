package contract

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// queryPairs calls f with each pair of a raw query, in order, as url.ParseQuery splits it (an
// empty pair left out): the pair as written, and its name and value unescaped, or err when
// ParseQuery skips the pair (it holds ';', or an escape does not decode). It stops when f returns
// false.
func queryPairs(rawQuery string, f func(pair, name, value string, err error) bool) {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if pair == "" {
			continue
		}
		var name, value string
		var err error
		if strings.Contains(pair, ";") {
			err = errors.New("invalid semicolon separator in query")
		} else {
			key, raw, _ := strings.Cut(pair, "=")
			if name, err = url.QueryUnescape(key); err == nil {
				value, err = url.QueryUnescape(raw)
			}
		}
		if !f(pair, name, value, err) {
			return
		}
	}
}

// kinDelimiter is the character kin-openapi's decoding of object parameters joins nested names
// with (U+001F).
const kinDelimiter = "\x1f"

// withoutDelimiterNames makes kin-openapi's reading of r's query deterministic. A query name that
// holds U+001F, read into an exploded object parameter (Which50's MatchValues), makes its
// decoding depend on map order: it panics on some orders, nests the name on others. Such pairs are
// taken out of the request kin-openapi reads and judged here as what OpenAPI makes them, one more
// property of each such object: the parameters returned are those the pair is not valid for (a
// declared property's schema, or additionalProperties, refuses it). r itself is returned when
// there is nothing to take out.
func withoutDelimiterNames(m *Match, r *http.Request) (*http.Request, []*openapi3.Parameter) {
	if !strings.Contains(r.URL.RawQuery, kinDelimiter) && !strings.Contains(r.URL.RawQuery, "%1") {
		return r, nil // neither U+001F nor an escape that could be it
	}
	var objects []*openapi3.Parameter
	for _, ref := range slices.Concat(m.Route.PathItem.Parameters, m.Route.Operation.Parameters) {
		p := ref.Value
		if p != nil && p.In == openapi3.ParameterInQuery && p.Schema != nil && p.Schema.Value != nil &&
			p.Schema.Value.Type.Is(openapi3.TypeObject) && (p.Style == "" || p.Style == openapi3.SerializationForm) &&
			(p.Explode == nil || *p.Explode) && !slices.Contains(objects, p) {
			objects = append(objects, p)
		}
	}
	if len(objects) == 0 {
		return r, nil
	}
	var kept []string
	var refused []*openapi3.Parameter
	found := false
	queryPairs(r.URL.RawQuery, func(pair, name, value string, err error) bool {
		if err != nil || !strings.Contains(name, kinDelimiter) {
			kept = append(kept, pair) // what ParseQuery skips, kin-openapi skips too
			return true
		}
		found = true
		for _, p := range objects {
			if !memberValid(p.Schema.Value, name, value) && !slices.Contains(refused, p) {
				refused = append(refused, p)
			}
		}
		return true
	})
	if !found {
		return r, nil
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = strings.Join(kept, "&")
	return r2, refused
}

// memberValid reports whether an object of schema s may have the string value under name: by the
// property's schema when s declares it, else by additionalProperties.
func memberValid(s *openapi3.Schema, name, value string) bool {
	if p := s.Properties[name]; p != nil && p.Value != nil {
		return Conforms(p.Value, value)
	}
	if has := s.AdditionalProperties.Has; has != nil && !*has {
		return false
	}
	if ap := s.AdditionalProperties.Schema; ap != nil && ap.Value != nil {
		return Conforms(ap.Value, value)
	}
	return true
}
