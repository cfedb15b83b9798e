package mock

import (
	"bytes"
	"encoding/json"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
)

// This file holds content negotiation (x-mock negotiate) and the rendering of an answer in its
// media type: JSON, or XML shaped by the schema's xml objects (contract.ToXML, the one XML
// writer).

// chooseMediaType picks an answer's media type among declared. Each declared type takes the q
// of the most specific Accept range that covers it (RFC 9110 section 12.5.1: "text/plain" over
// "text/*" over "*/*", so application/json;q=0 refuses JSON even beside application/*); the type
// with the highest q above 0 is answered, ties going to the type whose range is listed earlier,
// then to the type x-mock negotiate prefers. When Accept is absent or admits none, the most
// preferred declared type. Without negotiate, the first declared type by name.
func (e *Engine) chooseMediaType(accept string, declared []string) string {
	if len(declared) == 0 {
		return "application/json"
	}
	offered := make([]string, 0, len(declared))
	for _, mt := range e.conf.Negotiate {
		if slices.Contains(declared, mt) {
			offered = append(offered, mt)
		}
	}
	rest := slices.Clone(declared)
	slices.Sort(rest)
	for _, mt := range rest {
		if !slices.Contains(offered, mt) {
			offered = append(offered, mt)
		}
	}
	if len(e.conf.Negotiate) == 0 {
		return offered[0]
	}
	type rng struct {
		mediaType string
		q         float64
	}
	var ranges []rng
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		ranges = append(ranges, rng{mt, q})
	}
	best, bestQ, bestAt := "", 0.0, 0
	for _, mt := range offered {
		// The governing range: the most specific that covers mt, the earliest of equal specificity.
		at, spec := -1, -1
		for i, r := range ranges {
			if s := rangeSpecificity(r.mediaType, mt); s > spec {
				at, spec = i, s
			}
		}
		if at < 0 || ranges[at].q <= 0 {
			continue
		}
		if q := ranges[at].q; best == "" || q > bestQ || q == bestQ && at < bestAt {
			best, bestQ, bestAt = mt, q, at
		}
	}
	if best == "" {
		return offered[0]
	}
	return best
}

// rangeSpecificity says how specifically an Accept range names mediaType: 2 for the type itself,
// 1 for its type's "type/*", 0 for "*/*", -1 when the range does not cover it.
func rangeSpecificity(rng, mediaType string) int {
	switch {
	case rng == mediaType:
		return 2
	case rng == "*/*":
		return 0
	case rangeCovers(rng, mediaType):
		return 1
	}
	return -1
}

func rangeCovers(rng, mediaType string) bool {
	if rng == "*/*" || rng == mediaType {
		return true
	}
	typ, sub, _ := strings.Cut(mediaType, "/")
	rtyp, rsub, _ := strings.Cut(rng, "/")
	return rsub == "*" && rtyp == typ && sub != ""
}

// writeValue answers v in the media type negotiated among content's, shaped by its schema.
func (e *Engine) writeValue(w http.ResponseWriter, r *http.Request, status int, content openapi3.Content, v any) {
	mt := e.chooseMediaType(r.Header.Get("Accept"), slices.Collect(maps.Keys(content)))
	var s *openapi3.Schema
	if media := content[mt]; media != nil && media.Schema != nil {
		s = media.Schema.Value
	}
	e.writeAs(w, mt, status, s, v)
}

// writeAs answers v as media type mt.
func (e *Engine) writeAs(w http.ResponseWriter, mt string, status int, s *openapi3.Schema, v any) {
	var body []byte
	var ok bool
	if isXML(mt) && s != nil {
		var err error
		if body, err = contract.ToXML(s, v); err != nil {
			// Answers hold decoded values and rendered messages: a failure is a bug of the engine.
			e.logger.Error("answer not encoded", "media type", mt, "error", err)
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
	} else if body, ok = appendJSON(nil, v); !ok || bytes.Contains(body, []byte(`\u00`)) {
		// Marshal's escapes of <, > and & (or of a control character, or a false alarm): the
		// answer is encoded without HTML escaping, so a message quoting a URI keeps its & as sent.
		// A value encoding/json does not write is the encoder's to refuse.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			e.logger.Error("answer does not encode as JSON", "error", err)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// requestMediaType is the request's media type as a server names it in an answer: parsed and
// lower-cased, the header as sent when it does not parse, application/octet-stream when absent
// (RFC 9110 section 8.3).
func requestMediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "application/octet-stream"
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.TrimSpace(ct)
	}
	return mt
}

// requestURI is the absolute URI the client called, before any mount was stripped.
func requestURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	return scheme + "://" + r.Host + uri
}

// allowedMethods lists the methods the spec declares on the request's path, for a 405's Allow.
func (e *Engine) allowedMethods(r *http.Request) []string {
	var out []string
	for _, method := range []string{http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodOptions,
		http.MethodPatch, http.MethodPost, http.MethodPut, http.MethodTrace} {
		r2 := r.Clone(r.Context())
		r2.Method = method
		if _, err := e.validator.Route(r2); err == nil {
			out = append(out, method)
		}
	}
	return out
}
