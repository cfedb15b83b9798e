package mock

import (
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/contactapis/contactapis/conformance/contract"
)

// Params are a request's parameters as a servlet container reads them, for vendors whose page
// reads "request parameters" (Valomnia): a URL-encoded form's, or a multipart body's named parts,
// then the query's, whatever the media type carrying the body. A parameter's first value wins.
type Params struct {
	Values url.Values
	// File is the first non-empty part named as the file property (at most FileLimit bytes
	// kept), and FileName its file name. An empty file part is no file, as browsers send one
	// when no file was chosen.
	File     []byte
	FileName string
	// NonUTF8 names (made printable) the first parameter, body then query, whose name or a
	// value is not UTF-8.
	NonUTF8 string
	// Unreadable: the body cannot be read to its end (a malformed form, a truncated multipart
	// body or one beyond contract.CheckMultipart's framing limits, another media type), so the
	// request has no parameters at all.
	Unreadable bool
}

// ReadParams reads r's parameters from body: a form and its query as net/http parses them (a
// malformed pair makes the whole form unreadable); a multipart body part by part, the part named
// file (its declared type aside) as the file, at most fileLimit bytes of it, then the query's
// pairs that decode.
func ReadParams(r *http.Request, body []byte, file string, fileLimit int64) Params {
	return readParams(r, body, contract.Body{}, file, fileLimit)
}

// Params reads the call's parameters as ReadParams does, from the pairs or parts the pipeline read
// when it validated the body: the body is parsed once. A body the pipeline did not read (refused
// before, cut at the cap) is read here.
func (c *Call) Params(file string, fileLimit int64) Params {
	return readParams(c.R, c.Body, c.decoded, file, fileLimit)
}

// readParams is ReadParams, with the form's pairs or the multipart parts that read already read
// from body (when not nil).
func readParams(r *http.Request, body []byte, read contract.Body, file string, fileLimit int64) Params {
	var p Params
	mt, mtParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		p.NonUTF8 = firstNonUTF8(string(body) + "&" + r.URL.RawQuery)
		// net/http's ParseForm of a POST form, without a copy of the request to parse: the
		// body's pairs, then the query's; a pair that does not decode, or a body past ParseForm's
		// 10 MB, makes the form unreadable.
		form, bodyErr := read.Form, read.FormErr
		if form == nil {
			form, bodyErr = url.ParseQuery(string(body))
		}
		query, queryErr := url.ParseQuery(r.URL.RawQuery)
		if read.Form != nil && len(query) > 0 {
			form = maps.Clone(form) // the pipeline's pairs stay as it read them, for a second reading
		}
		for name, vs := range query {
			form[name] = append(slices.Clip(form[name]), vs...)
		}
		p.Unreadable = bodyErr != nil || queryErr != nil || len(body) > maxFormBytes
		p.Values = form
	case "multipart/form-data":
		parts := read.Multipart
		if parts == nil {
			parts = contract.ReadMultipart(body, mtParams["boundary"])
		}
		p.Values = url.Values{}
		p.addParts(parts.Parts, file, fileLimit)
		if parts.Err != nil {
			p.Unreadable = true
			return p
		}
		query, _ := url.ParseQuery(r.URL.RawQuery) // the pairs that decode, as a container keeps them
		for name, vs := range query {
			p.Values[name] = append(p.Values[name], vs...)
		}
		if p.NonUTF8 == "" {
			p.NonUTF8 = firstNonUTF8(r.URL.RawQuery)
		}
	default:
		p.Unreadable = true
	}
	return p
}

// maxFormBytes is net/http's limit on a form body (ParseForm refuses a larger one).
const maxFormBytes = 10 << 20

// First is the first value of parameter name.
func (p Params) First(name string) (string, bool) {
	vs := p.Values[name]
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// addParts adds a multipart body's parts: the first non-empty one named file as the file (at most
// fileLimit bytes of it), the other named ones as values.
func (p *Params) addParts(parts []contract.Part, file string, fileLimit int64) {
	for _, part := range parts {
		if p.NonUTF8 == "" && !utf8.ValidString(part.Name) {
			p.NonUTF8 = printable(part.Name)
		}
		switch {
		case file != "" && part.Name == file:
			if p.File == nil && len(part.Data) > 0 {
				p.File, p.FileName = part.Data[:min(int64(len(part.Data)), fileLimit)], part.FileName
			}
		case part.Name != "":
			if p.NonUTF8 == "" && !utf8.Valid(part.Data) {
				p.NonUTF8 = printable(part.Name)
			}
			p.Values.Add(part.Name, string(part.Data))
		}
	}
}

// firstNonUTF8 returns the name of the first parameter of a query or form (in wire order) whose
// name or value is not UTF-8 once decoded, made printable; pairs that do not decode are skipped.
func firstNonUTF8(query string) string {
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		rawName, rawValue, _ := strings.Cut(pair, "=")
		n, err1 := url.QueryUnescape(rawName)
		v, err2 := url.QueryUnescape(rawValue)
		if err1 == nil && err2 == nil && (!utf8.ValidString(n) || !utf8.ValidString(v)) {
			return printable(n)
		}
	}
	return ""
}

// printable is a parameter name as a message can carry it.
func printable(name string) string { return strings.ToValidUTF8(name, "\uFFFD") }
