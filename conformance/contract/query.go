package contract

import (
	"net/url"
	"strings"
)

// QueryValues returns the values of name in a raw query as url.ParseQuery reads them (pairs split
// at '&', an empty pair, one holding ';' or one that does not unescape left out), without parsing the rest
// of the query into a map: the one or two parameters a server looks up per request cost no more
// than their own values. nil when name is absent.
func QueryValues(rawQuery, name string) []string {
	var out []string
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		// Unescaping only allocates when there is an escape; a key of another length is not it.
		if !strings.ContainsAny(key, "%+") && key != name {
			continue
		}
		k, err := url.QueryUnescape(key)
		if err != nil || k != name {
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			continue
		}
		out = append(out, v)
	}
	return out
}

// eachQueryPair calls f with every pair of a raw query that url.ParseQuery reads, in order, while
// f returns true; it reports false when f did, or when some pair does not read (ParseQuery's error).
func eachQueryPair(rawQuery string, f func(name, value string) bool) bool {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return false
		}
		key, value, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			return false
		}
		v, err := url.QueryUnescape(value)
		if err != nil || !f(k, v) {
			return false
		}
	}
	return true
}
