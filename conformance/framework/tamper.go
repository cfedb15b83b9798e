package framework

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
)

// Ways to break an embedded mock on purpose (--tamper vendor:kind), for the suite's self-test:
// the suite must fail, with evidence naming the page row, when a mock stops doing what the page
// says.
const (
	// TamperErrorsAsOK answers 200 where the mock answered a 4xx, body unchanged.
	TamperErrorsAsOK = "errors-as-ok"
	// TamperMisspell swaps the last two letters of every error message of a 4xx answer.
	TamperMisspell = "misspell"
)

var tamperKinds = []string{TamperErrorsAsOK, TamperMisspell}

func parseTamper(s string) (vendor, kind string, err error) {
	if s == "" {
		return "", "", nil
	}
	vendor, kind, _ = strings.Cut(s, ":")
	if !slices.Contains(tamperKinds, kind) {
		return "", "", fmt.Errorf("--tamper %q: want vendor:%s", s, strings.Join(tamperKinds, "|"))
	}
	return vendor, kind, nil
}

// tamper returns the mock.Options.Tamper function for the configured breakage.
func tamper(vendor, kind string) func(string, http.Handler) http.Handler {
	return func(name string, h http.Handler) http.Handler {
		if name != vendor {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			status, body := rec.Code, rec.Body.Bytes()
			if status >= 400 && status < 500 {
				switch kind {
				case TamperErrorsAsOK:
					status = http.StatusOK
				case TamperMisspell:
					msgs, _ := ErrorMessages(name, rec.Header().Get("Content-Type"), body)
					for _, m := range msgs {
						if n := len(m); n >= 2 {
							body = bytes.Replace(body, []byte(m), []byte(m[:n-2]+m[n-1:]+m[n-2:n-1]), 1)
						}
					}
				}
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(status)
			w.Write(body)
		})
	}
}
