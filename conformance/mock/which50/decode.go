package which50

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/contactapis/contactapis/conformance/contract"
	api "github.com/contactapis/contactapis/gen/which50"
)

// rawRequest is what the handlers read beyond the generated parameters: the body (the generated
// strict handler binds application/json only), the query (the match values, which the
// generated server leaves nil) and the headers that negotiate and authenticate.
type rawRequest struct {
	method   string
	path     string // below the mock's mount, for method-not-allowed's Allow
	uri      string // as the client asked for it, for route-not-found's {uri}
	header   http.Header
	rawQuery string
	query    url.Values
	body     []byte
	tooLarge bool
}

type rawKey struct{}

func rawFrom(ctx context.Context) *rawRequest {
	raw, _ := ctx.Value(rawKey{}).(*rawRequest)
	return raw
}

// newRaw keeps what the handlers need of r, except its body.
func newRaw(r *http.Request) *rawRequest {
	return &rawRequest{method: r.Method, path: r.URL.Path, uri: requestURI(r), header: r.Header, rawQuery: r.URL.RawQuery, query: r.URL.Query()}
}

// readRaw is newRaw with r's body, read up to limit bytes (one more tells an oversized body).
func readRaw(r *http.Request, limit int64) *rawRequest {
	raw := newRaw(r)
	if r.Body != nil {
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		// A body that breaks off is as unreadable as one over the cap: ASP.NET's formatter
		// catches the failure and binds the contact as null.
		raw.body, raw.tooLarge = body, err != nil || int64(len(body)) > limit
	}
	return raw
}

// requestURI is the absolute URI the client called, as ASP.NET quotes it in route-not-found.
func requestURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	uri := r.RequestURI // as sent, before the mock's /which50 mount was stripped
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	return scheme + "://" + r.Host + uri
}

// contactBody is a decoded ContactDTO. Only Values matters to a match-based update: EncContactId,
// Id and ListId are checked for their types and then ignored (spec: EncContactId and Id
// x-assumed, which50-listid-vs-path).
type contactBody struct {
	values map[string]any // nil when the body has no Values
}

// bodyVerdict is the outcome of reading the body.
type bodyVerdict struct {
	contact   *contactBody
	cond      condition
	mediaType string // the request's media type, for unsupported-media-type's {mediaType}
}

// octetStream is what ASP.NET takes a body without Content-Type to be.
const octetStream = "application/octet-stream"

// decodeBody reads the body as the operation's declared media types allow, with the spec's
// rules: a missing, empty, null, unparseable or non-object body is a null Contact (spec
// which50-null-contact-403), a body in a media type no formatter reads is 415, and a member of
// the wrong type is request-invalid.
func decodeBody(raw *rawRequest, declared map[string]bool) bodyVerdict {
	if raw.tooLarge {
		return bodyVerdict{cond: condContactNull}
	}
	if len(raw.body) == 0 {
		return bodyVerdict{cond: condContactNull}
	}
	ct := raw.header.Get("Content-Type")
	if ct == "" {
		return bodyVerdict{cond: condUnsupportedMedia, mediaType: octetStream}
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return bodyVerdict{cond: condUnsupportedMedia, mediaType: strings.TrimSpace(ct)}
	}
	if !declared[mt] {
		return bodyVerdict{cond: condUnsupportedMedia, mediaType: mt}
	}
	var v bodyVerdict
	if isXMLType(mt) {
		v.contact, v.cond = decodeXMLContact(raw.body)
	} else {
		v.contact, v.cond = decodeJSONContact(raw.body)
	}
	return v
}

// ContactDTO's members, as the spec names them.
const (
	memberEncContactID = "EncContactId"
	memberID           = "Id"
	memberListID       = "ListId"
	memberValues       = "Values"
)

// decodeJSONContact reads the JSON forms (application/json, text/json, application/csp-report).
// Member names bind case-insensitively, an exact match first (spec
// which50-put-example-values-case: the page's own example sends `values`). Text after the object
// is ignored, as Json.NET's reader and kin-openapi's decoder both do.
func decodeJSONContact(body []byte) (*contactBody, condition) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, condContactNull
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, condContactNull // null, an array, a scalar: no Contact
	}
	cb := &contactBody{}
	for _, name := range []string{memberEncContactID, memberID, memberListID, memberValues} {
		v, ok := member(obj, name)
		if !ok {
			continue
		}
		switch name {
		case memberEncContactID:
			if _, ok := v.(string); !ok {
				return nil, condRequestInvalid
			}
		case memberID, memberListID:
			if n, ok := v.(json.Number); !ok || !isInteger(n) {
				return nil, condRequestInvalid
			}
		case memberValues:
			m, ok := v.(map[string]any)
			if !ok || hasNull(m) {
				// ContactValues' values are a schema without nullable: null is of no type it
				// allows (OpenAPI 3.0), so a field cannot be cleared with null.
				return nil, condRequestInvalid
			}
			cb.values = m
		}
	}
	return cb, condNone
}

// member finds a member by name, exactly first, else case-insensitively (the first such name in
// sort order, so a body with both `values` and `VALUES` always reads the same).
func member(obj map[string]any, name string) (any, bool) {
	if v, ok := obj[name]; ok {
		return v, true
	}
	var keys []string
	for k := range obj {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, false
	}
	slices.Sort(keys)
	return obj[keys[0]], true
}

// isInteger accepts what JSON Schema's integer does: a number with no fractional part.
func isInteger(n json.Number) bool {
	if _, err := n.Int64(); err == nil {
		return true
	}
	f, err := n.Float64()
	return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
}

const nsXSI = "http://www.w3.org/2001/XMLSchema-instance"

// decodeXMLContact reads the DataContract form (application/xml, text/xml). The document must
// pass the same well-formedness rules and limits as request validation (contract.ParseXML: no
// DOCTYPE, bounded depth); its root must be <Contact>. Names are compared without namespaces,
// as the validator does (spec which50-contactdto-xml-root leaves namespace checking to a probe).
// Values is read by gen/which50's DataContract codec (api.ContactValues.UnmarshalXML); a
// dictionary it cannot read makes the whole body unreadable, hence a null Contact.
func decodeXMLContact(body []byte) (*contactBody, condition) {
	if _, err := contract.ParseXML(bytes.NewReader(body)); err != nil {
		return nil, condContactNull
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	var root xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, condContactNull
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	if root.Name.Local != "Contact" || xmlNil(root) {
		return nil, condContactNull
	}
	cb := &contactBody{}
	seen := map[string]bool{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, condContactNull
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return cb, condNone
		case xml.StartElement:
			name := t.Name.Local
			switch name {
			case memberEncContactID, memberID, memberListID, memberValues:
			default:
				if err := d.Skip(); err != nil {
					return nil, condContactNull
				}
				continue
			}
			// A member given twice, or xsi:nil, is a value of the wrong type for a
			// non-nullable single member.
			if seen[name] || xmlNil(t) {
				return nil, condRequestInvalid
			}
			seen[name] = true
			if name == memberValues {
				var values api.ContactValues
				if err := d.DecodeElement(&values, &t); err != nil {
					return nil, condContactNull
				}
				if hasNull(values) {
					return nil, condRequestInvalid // xsi:nil, null as in the JSON form
				}
				cb.values = values
				continue
			}
			text, err := elementText(d)
			if err != nil {
				return nil, condContactNull
			}
			if name != memberEncContactID {
				if _, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err != nil {
					return nil, condRequestInvalid
				}
			}
		}
	}
}

// elementText reads the character data of the element just started, skipping child elements
// as the validator's XML decoder does.
func elementText(d *xml.Decoder) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			if err := d.Skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return b.String(), nil
		}
	}
}

func xmlNil(e xml.StartElement) bool {
	for _, a := range e.Attr {
		if a.Name.Space == nsXSI && a.Name.Local == "nil" && a.Value == "true" {
			return true
		}
	}
	return false
}

func hasNull[M ~map[string]any](m M) bool {
	for _, v := range m {
		if v == nil {
			return true
		}
	}
	return false
}
