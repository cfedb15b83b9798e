package replay

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
	"github.com/contactapis/contactapis/vendors"
)

// Finding classes of a replay.
const (
	// ClassStatus: the mock answered another status than the vendor. The other classes are not
	// judged then: answers to different outcomes differ in everything.
	ClassStatus = "replay-status"
	// ClassMediaType: the bodies' media types differ (no body has none).
	ClassMediaType = "replay-media-type"
	// ClassErrorMessage: the error messages, extracted in the vendor's error format and compared
	// as sets, differ; or one side's error body carries none.
	ClassErrorMessage = "replay-error-message"
	// ClassBodyShape: the bodies' shapes differ (see shape.go), or one side's JSON or XML body
	// does not parse.
	ClassBodyShape = "replay-body-shape"
)

// Classes lists every class, in report order.
var Classes = []string{ClassStatus, ClassMediaType, ClassErrorMessage, ClassBodyShape}

// raw is one finding on one exchange.
type raw struct {
	class, detail string
	severity      contract.Severity
}

// statusSeverity is the severity of a status the mock answers otherwise than the vendor: the
// vendor accepting (2xx) what the mock, per the spec, refuses with a 4xx other than 404 is
// non-breaking; anything else (a documented request refused, an error status changed, a record
// the mock lacks) is breaking. A 404 stays breaking: it is usually a record missing from the
// mock's fixtures, which the finding's text says, not a rule the vendor relaxed.
func statusSeverity(vendor, mock int) contract.Severity {
	if vendor >= 200 && vendor < 300 && mock >= 400 && mock < 500 && mock != http.StatusNotFound {
		return contract.NonBreaking
	}
	return contract.Breaking
}

// answer is one side's response.
type answer struct {
	status int
	header http.Header
	body   []byte
	// bases are the path prefixes under which this side serves the vendor (longest first), to
	// read the location a message names ({path}, {uri}) relative to them.
	bases []string
}

// mediaType is the media type of the answer's body, "" when it has none.
func (a answer) mediaType() string {
	if len(a.body) == 0 {
		return ""
	}
	ct := a.header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

func orNone(mt string) string {
	if mt == "" {
		return "no body"
	}
	return mt
}

// compare judges the mock's answer against the vendor's.
func compare(vendor string, cat specs.Catalogue, rec, got answer) []raw {
	if rec.status != got.status {
		d := fmt.Sprintf("the vendor answered %d, the mock %d", rec.status, got.status)
		if rec.status < 300 && got.status == http.StatusNotFound {
			// The usual cause on a live capture: the record is the vendor's, not the mock's.
			d += " (a record the mock's fixtures lack? --fixtures loads it)"
		}
		return []raw{{ClassStatus, d, statusSeverity(rec.status, got.status)}}
	}
	var out []raw
	rmt, gmt := rec.mediaType(), got.mediaType()
	if rmt != gmt {
		out = append(out, raw{ClassMediaType, fmt.Sprintf("status %d: the vendor answered %s, the mock %s", rec.status, orNone(rmt), orNone(gmt)), contract.Breaking})
	}
	if rec.status >= 400 {
		if d := compareMessages(vendor, cat, rec, got); d != "" {
			out = append(out, raw{ClassErrorMessage, d, contract.Breaking})
		}
	}
	// Shapes compare within one format only: a JSON body and an XML one differ in everything,
	// and the media type finding says so already.
	if rmt == gmt && rmt != "" {
		out = append(out, compareShapes(rmt, rec, got)...)
	}
	return out
}

func compareMessages(vendor string, cat specs.Catalogue, rec, got answer) string {
	rm, rerr := vendors.ErrorMessages(vendor, rec.header.Get("Content-Type"), rec.body)
	gm, gerr := vendors.ErrorMessages(vendor, got.header.Get("Content-Type"), got.body)
	switch {
	case rerr != nil && gerr != nil:
		return "" // neither is in the error format: the shape and media type speak for them
	case rerr != nil:
		return report.Clip(fmt.Sprintf("status %d: the vendor's body carries no message in %s's error format, the mock answered %s", rec.status, vendor, quoteAll(gm)))
	case gerr != nil:
		return report.Clip(fmt.Sprintf("status %d: the vendor answered %s, the mock's body carries no message in %s's error format", rec.status, quoteAll(rm), vendor))
	}
	if slices.Equal(messageKeys(cat, rec, rm), messageKeys(cat, got, gm)) {
		return ""
	}
	return report.Clip(fmt.Sprintf("status %d: the vendor answered %s, the mock %s", rec.status, quoteAll(rm), quoteAll(gm)))
}

// messageKeys turns messages into what is compared, as a sorted set: a message that is an
// instance of a catalogue entry is the entry and its arguments, with a location ({path},
// {uri}) read relative to where that side serves the vendor (a live vendor's
// "/contacts/1/x" and the mock's "/auregister/contacts/1/x" name the same thing); any other
// message is its text.
func messageKeys(cat specs.Catalogue, a answer, msgs []string) []string {
	keys := make([]string, 0, len(msgs))
	for _, m := range msgs {
		e, args, ok := cat.Identify(a.status, m)
		if !ok {
			keys = append(keys, "text:"+m)
			continue
		}
		parts := make([]string, 0, len(args))
		for _, name := range slices.Sorted(mapKeys(args)) {
			parts = append(parts, name+"="+relativeLocation(args[name], a.bases))
		}
		keys = append(keys, "entry:"+e.ID+"("+strings.Join(parts, ",")+")")
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// relativeLocation reads v, when it is a URL or an absolute path, relative to the first base it
// lies under; any other value is returned as is.
func relativeLocation(v string, bases []string) string {
	p := v
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		u, err := url.Parse(v)
		if err != nil {
			return v
		}
		p = u.EscapedPath()
		if u.RawQuery != "" {
			p += "?" + u.RawQuery
		}
	}
	if !strings.HasPrefix(p, "/") {
		return v
	}
	for _, b := range bases {
		if b != "" && (p == b || strings.HasPrefix(p, b+"/") || strings.HasPrefix(p, b+"?")) {
			return strings.TrimPrefix(p, b)
		}
	}
	return p
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func quoteAll(msgs []string) string {
	q := make([]string, len(msgs))
	for i, m := range msgs {
		q[i] = fmt.Sprintf("%q", m)
	}
	return strings.Join(q, " + ")
}

// maxShapeDifferences bounds the differences a finding lists; the rest are counted.
const maxShapeDifferences = 4

// compareShapes gives at most two findings: the differences that break a client written to the
// mock's answers (a path the vendor lacks, a kind changed) and those that do not (a path only the
// vendor's answer has: a new field).
func compareShapes(mt string, rec, got answer) []raw {
	rs, rerr := ShapeOf(mt, rec.body)
	gs, gerr := ShapeOf(mt, got.body)
	switch {
	case errors.Is(rerr, errNoShape):
		return nil
	case rerr != nil && gerr != nil:
		return nil
	case rerr != nil:
		return []raw{{ClassBodyShape, fmt.Sprintf("status %d %s: the vendor's body is %s, the mock's parses", rec.status, mt, errorPhrase(rerr)), contract.Breaking}}
	case gerr != nil:
		return []raw{{ClassBodyShape, fmt.Sprintf("status %d %s: the mock's body is %s, the vendor's parses", rec.status, mt, errorPhrase(gerr)), contract.Breaking}}
	}
	var breaking, added []Difference
	for _, d := range Compare(rs, gs) {
		if d.Severity() == contract.NonBreaking {
			added = append(added, d)
		} else {
			breaking = append(breaking, d)
		}
	}
	var out []raw
	for _, g := range []struct {
		diffs []Difference
		sev   contract.Severity
	}{{breaking, contract.Breaking}, {added, contract.NonBreaking}} {
		if len(g.diffs) == 0 {
			continue
		}
		var parts []string
		for i, d := range g.diffs {
			if i == maxShapeDifferences {
				parts = append(parts, fmt.Sprintf("and %d more", len(g.diffs)-i))
				break
			}
			parts = append(parts, d.String())
		}
		out = append(out, raw{ClassBodyShape, report.Clip(fmt.Sprintf("status %d %s: %s", rec.status, mt, strings.Join(parts, "; "))), g.sev})
	}
	return out
}

// errorPhrase is a parse error without its detail, which can quote the body's bytes.
func errorPhrase(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, ':'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}
