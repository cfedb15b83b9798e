package contract

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/contactapis/contactapis/specs"
)

// kinParamsValid is what paramsSurelyValid stands in for: kin-openapi's validation of the
// parameters (and declared security) as ValidateBody runs it.
func kinParamsValid(v *Validator, m *Match, r *http.Request) error {
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: m.PathParams, Route: m.Route, Options: v.bodyOpts}
	return openapi3filter.ValidateRequest(context.Background(), in)
}

var pathTemplate = regexp.MustCompile(`\{[^}]+\}`)

// specOperation is one operation of a vendor's spec, with a validator of the spec at the root.
type specOperation struct {
	vendor string
	v      *Validator
	route  *routers.Route
}

// specOperations are every operation of every vendor's spec.
func specOperations(t testing.TB) []specOperation {
	var out []specOperation
	for _, vendor := range specs.Vendors() {
		v, err := New(vendor, "")
		if err != nil {
			t.Fatal(err)
		}
		for path, item := range v.doc.Paths.Map() {
			for method, op := range item.Operations() {
				out = append(out, specOperation{vendor, v, &routers.Route{Spec: v.doc, Path: path, PathItem: item, Method: method, Operation: op}})
			}
		}
	}
	return out
}

// TestParamsSurelyValidNeverOverrules: wherever paramsSurelyValid says valid, kin-openapi agrees,
// for every operation of every vendor with its parameters absent, empty, repeated, of the wrong
// type, comma lists, and the values of their enums.
func TestParamsSurelyValidNeverOverrules(t *testing.T) {
	register()
	pool := []string{"1", "-1", "007", "0x1F", "1_000", "2147483648", "9223372036854775808", "1.5", "abc", "", "a,b", "a,,b", ",",
		"true", "TRUE", "t", "yes", "3", "\x1f", "a\x1fb", "é", "%zz", "ReferanceAccountId,Email", "updateContacts", "json", "xml"}
	rng := rand.New(rand.NewPCG(3, 4))
	fast, ops := 0, 0
	for _, so := range specOperations(t) {
		vendor, v, path, method, item, op := so.vendor, so.v, so.route.Path, so.route.Method, so.route.PathItem, so.route.Operation
		ops++
		var params []string // in:name of every parameter, enum values added to the pool
		values := slices.Clone(pool)
		for _, ref := range slices.Concat(item.Parameters, op.Parameters) {
			p := ref.Value
			params = append(params, p.In+":"+p.Name)
			if p.Schema != nil && p.Schema.Value != nil {
				for _, e := range p.Schema.Value.Enum {
					values = append(values, fmt.Sprint(e))
				}
			}
		}
		pick := func() string { return values[rng.IntN(len(values))] }
		for range 200 {
			target := pathTemplate.ReplaceAllStringFunc(path, func(string) string { return url.PathEscape(pick()) })
			q := url.Values{}
			r := httptest.NewRequest(method, "/", nil)
			for _, pn := range append(params, "query:Email", "query:extra") {
				in, name, _ := strings.Cut(pn, ":")
				for range rng.IntN(3) { // absent, once or twice
					switch in {
					case "query":
						q.Add(name, pick())
					case "header":
						r.Header.Add(name, pick())
					}
				}
			}
			u, err := url.Parse(target)
			if err != nil {
				continue
			}
			r.URL.Path, r.URL.RawPath, r.URL.RawQuery = u.Path, u.RawPath, q.Encode()
			m, err := v.Route(r)
			if err != nil || m.Route.Operation != op {
				continue
			}
			if !paramsSurelyValid(m, r, v.doc) {
				continue
			}
			fast++
			if err := kinParamsValid(v, m, r); err != nil {
				t.Fatalf("%s %s %s?%s: surely valid, but kin-openapi: %v", vendor, method, r.URL.Path, r.URL.RawQuery, err)
			}
		}
	}
	t.Logf("%d requests judged surely valid over %d operations", fast, ops)
	if fast < ops {
		t.Fatalf("%d requests of %d operations judged surely valid: the fast path is hardly taken", fast, ops)
	}
}

// The pages' updates are judged without kin-openapi's parameter validation, and a request that
// lacks a required parameter is not.
func TestParamsSurelyValidTakesThePagesUpdates(t *testing.T) {
	register()
	query, err := os.ReadFile("../../gen/which50/testdata/patch-request.query")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ vendor, method, target, without string }{
		{specs.Iovox, http.MethodPut, "/Contacts?v=3&method=updateContacts", "v"},
		{specs.Valomnia, http.MethodPost, "/contacts/5", ""},
		{specs.Which50, http.MethodPatch, "/contactLists/3/contact?" + strings.TrimSpace(string(query)), "match"},
		{specs.Auregister, http.MethodPatch, "/contacts/1941877", ""},
	} {
		v, err := New(c.vendor, "")
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(c.method, c.target, nil)
		m, err := v.Route(r)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.target, err)
		}
		if !paramsSurelyValid(m, r, v.doc) {
			t.Errorf("%s %s: not judged surely valid", c.method, c.target)
		}
		if c.without == "" {
			continue
		}
		q := r.URL.Query()
		q.Del(c.without)
		r.URL.RawQuery = q.Encode()
		if m, err := v.Route(r); err == nil && paramsSurelyValid(m, r, v.doc) {
			t.Errorf("%s %s without %s: judged surely valid", c.method, c.target, c.without)
		}
	}
}
