package which50

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	api "github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
)

// condition is why a request fails. The first five can be found together in one request; the
// lowest value is the one answered (see worse), in the order ASP.NET meets them: authorization
// filter, then parameter binding (body formatter, then the URI and body values), then the
// action's own checks, where the page's 400 row (query) is taken before its 403 row (body).
type condition int

const (
	condNone condition = iota
	condUnauthorized
	condUnsupportedMedia
	condRequestInvalid
	condMatchMissing
	condContactNull
	// Found one at a time, by the store, in this order.
	condListNotFound
	condForbidden
	condNoMatch
	// Outside any operation.
	condInternal
	condRouteNotFound
	condMethodNotAllowed
)

// worse returns the condition that is answered when a request has both.
func worse(a, b condition) condition {
	if a == condNone || (b != condNone && b < a) {
		return b
	}
	return a
}

// Operation ids of the spec, and the catalogue entry of each condition per operation. Root
// entries (the same for both operations) are under "". New checks every id against the
// catalogue, and TestCatalogueRowsCoverEveryEntry that every entry is reachable.
const (
	opUpdate = "updateContactsByMatch" // PATCH
	opUpsert = "upsertContactsByMatch" // PUT
)

var entryIDs = map[string]map[condition]string{
	"": {
		condUnsupportedMedia: "unsupported-media-type",
		condRequestInvalid:   "request-invalid",
		condRouteNotFound:    "route-not-found",
		condMethodNotAllowed: "method-not-allowed",
	},
	opUpdate: {
		condMatchMissing: "update-match-missing",
		condUnauthorized: "update-unauthorized",
		condForbidden:    "update-forbidden",
		condContactNull:  "update-contact-null",
		condListNotFound: "update-list-not-found",
		condNoMatch:      "update-no-contacts-matched",
		condInternal:     "update-internal-error",
	},
	opUpsert: {
		condMatchMissing: "upsert-match-missing",
		condUnauthorized: "upsert-unauthorized",
		condForbidden:    "upsert-forbidden",
		condContactNull:  "upsert-contact-null",
		condListNotFound: "upsert-list-not-found",
		condNoMatch:      "upsert-no-contacts-matched",
		condInternal:     "upsert-internal-error",
	},
}

// entries resolves entryIDs against the catalogue.
type entries map[string]map[condition]specs.Entry

func newEntries(cat specs.Catalogue) (entries, error) {
	out := entries{}
	for op, conds := range entryIDs {
		out[op] = map[condition]specs.Entry{}
		for cond, id := range conds {
			e, ok := cat.ByID(id)
			if !ok {
				return nil, fmt.Errorf("which50 mock: catalogue has no entry %q", id)
			}
			if e.OperationID != op {
				return nil, fmt.Errorf("which50 mock: catalogue entry %q belongs to %q, not %q", id, e.OperationID, op)
			}
			out[op][cond] = e
		}
	}
	return out, nil
}

// entry is the catalogue entry answering cond for operation op ("" outside any operation).
func (es entries) entry(op string, cond condition) specs.Entry {
	if e, ok := es[op][cond]; ok {
		return e
	}
	if e, ok := es[""][cond]; ok {
		return e
	}
	// Every condition a caller can pass has an entry (checked by newEntries and the tests);
	// this is the answer to a condition without an operation, which only a bug produces.
	return es[""][condRequestInvalid]
}

// formats are the media types the vendor negotiates, in the order ASP.NET prefers them when
// Accept allows several equally (JSON is its first formatter; spec info.x-assumed).
var formats = []string{"application/json", "text/json", "application/xml", "text/xml", "application/csp-report"}

// negotiator chooses answer media types from Accept among those the spec declares.
type negotiator struct {
	success, failure []string // declared for the 200 answer, for error answers
}

func newNegotiator(doc *openapi3.T) (*negotiator, error) {
	n := &negotiator{}
	for _, op := range specs.Operations(doc) {
		for _, status := range []int{200, 400} {
			resp := op.Operation.Responses.Status(status)
			if resp == nil || resp.Value == nil {
				return nil, fmt.Errorf("which50 mock: %s declares no %d answer", op.Operation.OperationID, status)
			}
			var declared []string
			for _, f := range formats {
				if resp.Value.Content.Get(f) != nil {
					declared = append(declared, f)
				}
			}
			if !slices.Contains(declared, formats[0]) {
				return nil, fmt.Errorf("which50 mock: %s's %d answer lacks %s, the default format", op.Operation.OperationID, status, formats[0])
			}
			// Both operations declare the same formats; the first one read is kept.
			if status == 200 && n.success == nil {
				n.success = declared
			} else if status == 400 && n.failure == nil {
				n.failure = declared
			}
		}
	}
	return n, nil
}

// choose picks the media type of an answer: the Accept range with the highest q that a declared
// type satisfies (ties go to the earlier range, then to the preferred type), JSON when none
// does or Accept is absent (spec info.x-assumed: ASP.NET falls back to its first formatter).
func (n *negotiator) choose(accept string, success bool) string {
	offered := n.failure
	if success {
		offered = n.success
	}
	type rng struct {
		mediaType string
		q         float64
	}
	var ranges []rng
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil || q > 1 {
				continue
			}
		}
		if q > 0 {
			ranges = append(ranges, rng{mt, q})
		}
	}
	slices.SortStableFunc(ranges, func(a, b rng) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	for _, r := range ranges {
		for _, f := range offered {
			if rangeCovers(r.mediaType, f) {
				return f
			}
		}
	}
	return offered[0]
}

func rangeCovers(rng, mediaType string) bool {
	if rng == "*/*" || rng == mediaType {
		return true
	}
	typ, sub, _ := strings.Cut(mediaType, "/")
	rtyp, rsub, _ := strings.Cut(rng, "/")
	return rsub == "*" && rtyp == typ && sub != ""
}

func isXMLType(mediaType string) bool { return strings.HasSuffix(mediaType, "/xml") }

// answer is a complete response. Errors always go through it, whichever path found them (the
// pipeline's Reject, Fail, the routing fallback, the strict handler), so one condition has one
// wire form; it implements both operations' response interfaces for the strict handler.
type answer struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

func (a answer) VisitUpdateContactsByMatchResponse(w http.ResponseWriter) error { return a.write(w) }
func (a answer) VisitUpsertContactsByMatchResponse(w http.ResponseWriter) error { return a.write(w) }

func (a answer) write(w http.ResponseWriter) error {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	_, err := w.Write(a.body)
	return err
}

// render is the catalogue entry's message in ASP.NET's HttpError, {"Message": ...} or
// <Error><Message>...</Message></Error>, in the media type Accept chose.
func render(e specs.Entry, args map[string]string, mediaType string) (answer, error) {
	msg, err := e.Render(args)
	if err != nil {
		return answer{}, err
	}
	body := api.HTTPError{Message: msg}
	var b []byte
	if isXMLType(mediaType) {
		var buf bytes.Buffer
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(body, xml.StartElement{Name: xml.Name{Local: "Error"}}); err != nil {
			return answer{}, err
		}
		if err := enc.Close(); err != nil {
			return answer{}, err
		}
		b = buf.Bytes()
	} else {
		// ASP.NET's JSON formatter does not escape <, > and &; a route-not-found URI keeps its
		// query's & as is.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return answer{}, err
		}
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	return answer{status: e.Status, contentType: mediaType, body: b}, nil
}
