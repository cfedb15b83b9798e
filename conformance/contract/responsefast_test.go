package contract

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// mutations are every value that differs from v in one place: a member removed, or a member or
// item replaced by null, a string, a number, a boolean, an empty object or an empty array.
func mutations(v any) []any {
	replacements := []any{nil, "x", "", json.Number("12"), json.Number("1.5"), true, map[string]any{}, []any{}}
	var out []any
	switch x := v.(type) {
	case map[string]any:
		for name, member := range x {
			with := func(m any, drop bool) map[string]any {
				c := make(map[string]any, len(x))
				for k, w := range x {
					c[k] = w
				}
				if drop {
					delete(c, name)
				} else {
					c[name] = m
				}
				return c
			}
			out = append(out, with(nil, true))
			for _, r := range replacements {
				out = append(out, with(r, false))
			}
			for _, m := range mutations(member) {
				out = append(out, with(m, false))
			}
		}
	case []any:
		for i, item := range x {
			for _, m := range append(append([]any{}, replacements...), mutations(item)...) {
				c := append([]any{}, x...)
				c[i] = m
				out = append(out, c)
			}
		}
	}
	return out
}

// TestResponseSurelyValidNeverOverrules: wherever responseSurelyValid says valid, kin-openapi's
// ValidateResponse agrees, for every JSON answer of every vendor's operations: its examples and
// every one-place change of them, under each media type of the answer and a wrong one.
func TestResponseSurelyValidNeverOverrules(t *testing.T) {
	register()
	fast, checked := 0, 0
	for _, so := range specOperations(t) {
		vendor, v, path, method, op := so.vendor, so.v, so.route.Path, so.route.Method, so.route.Operation
		m := &Match{Route: so.route}
		r := httptest.NewRequest(method, "/", nil)
		for code, ref := range op.Responses.Map() {
			status, err := strconv.Atoi(code)
			if err != nil {
				status = 599 // default, or a range: whatever Status finds for it
				if strings.HasSuffix(code, "XX") {
					status = int(code[0]-'0')*100 + 99
				}
			}
			if len(ref.Value.Content) == 0 {
				for _, body := range []string{"", "x", `{"a":1}`} {
					for _, h := range []http.Header{{}, {"Content-Type": {"text/plain"}}} {
						checked++
						if !responseSurelyValid(m, status, h, []byte(body)) {
							continue
						}
						fast++
						if err := v.validateResponseKin(context.Background(), m, r, status, h, []byte(body)); err != nil {
							t.Fatalf("%s %s %s -> %d %q: surely valid, kin-openapi says %v", vendor, method, path, status, body, err)
						}
					}
				}
			}
			for mt, media := range ref.Value.Content {
				var bodies []any
				if media.Example != nil {
					bodies = append(bodies, media.Example)
				}
				for _, ex := range media.Examples {
					if ex.Value != nil && ex.Value.Value != nil {
						bodies = append(bodies, ex.Value.Value)
					}
				}
				for _, b := range bodies {
					bodies = append(bodies, mutations(b)...)
				}
				for _, b := range bodies {
					data, err := json.Marshal(b)
					if err != nil {
						t.Fatal(err)
					}
					for _, ct := range []string{mt, mt + "; charset=utf-8", "text/plain"} {
						h := http.Header{"Content-Type": {ct}}
						checked++
						if !responseSurelyValid(m, status, h, data) {
							continue
						}
						fast++
						if err := v.validateResponseKin(context.Background(), m, r, status, h, data); err != nil {
							t.Fatalf("%s %s %s -> %d %s %s: surely valid, kin-openapi says %v", vendor, method, path, status, ct, data, err)
						}
					}
				}
			}
		}
	}
	t.Logf("%d of %d answers judged on the fast path", fast, checked)
	if fast < 20 {
		t.Fatalf("responseSurelyValid vouched for %d answers: the fast path is hardly taken", fast)
	}
}
