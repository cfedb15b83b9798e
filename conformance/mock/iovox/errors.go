package iovox

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	api "github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/specs"
)

// Catalogue entry ids this mock answers with. Each is checked against the spec when the backend is
// built (New), placeholders included, so a renamed entry fails there rather than on a request.
const (
	idRouteNotFound          = "route-not-found"
	idAuthenticationFailed   = "authentication-failed"
	idAPIVersionEmpty        = "api-version-empty"
	idAPIVersionInvalid      = "api-version-invalid"
	idMethodInvalid          = "method-invalid"
	idRequestMethodNotPut    = "request-method-not-put"
	idXMLEmpty               = "xml-empty"
	idXMLParseError          = "xml-parse-error"
	idRequestEmpty           = "request-empty"
	idContactIDEmpty         = "contact-id-empty"
	idContactIDNotFound      = "contact-id-not-found"
	idContactIDDuplicate     = "contact-id-duplicate"
	idDisplayNameEmpty       = "display-name-empty"
	idHomePhoneNotIntl       = "home-phone-not-internationalised"
	idBusinessPhoneNotIntl   = "business-phone-not-internationalised"
	idBusinessFaxNotIntl     = "business-fax-not-internationalised"
	idMobilePhoneNotIntl     = "mobile-phone-not-internationalised"
	idFirstNameInvalid       = "first-name-invalid"
	idLastNameInvalid        = "last-name-invalid"
	idDisplayNamePhoneExists = "display-name-phone-exists"
	idDisplayNamePhoneDup    = "display-name-phone-duplicated"
	idHomeCountryInvalid     = "home-country-invalid"
	idBusinessCountryInvalid = "business-country-invalid"
	idEmptyFieldsUsedInRules = "empty-fields-used-in-rules"
	idInternalServerError    = "internal-server-error"
)

// usedEntries maps every entry id the mock renders to the placeholders it fills. New refuses a
// spec whose catalogue disagrees, so Render cannot fail at request time.
var usedEntries = map[string][]string{
	idRouteNotFound:          nil,
	idAuthenticationFailed:   nil,
	idAPIVersionEmpty:        nil,
	idAPIVersionInvalid:      nil,
	idMethodInvalid:          nil,
	idRequestMethodNotPut:    {"method"},
	idXMLEmpty:               nil,
	idXMLParseError:          {"detail", "line", "column"},
	idRequestEmpty:           nil,
	idContactIDEmpty:         {"item", "total"},
	idContactIDNotFound:      {"item", "total"},
	idContactIDDuplicate:     nil,
	idDisplayNameEmpty:       {"item", "total"},
	idHomePhoneNotIntl:       {"item", "total"},
	idBusinessPhoneNotIntl:   {"item", "total"},
	idBusinessFaxNotIntl:     {"item", "total"},
	idMobilePhoneNotIntl:     {"item", "total"},
	idFirstNameInvalid:       {"item", "total"},
	idLastNameInvalid:        {"item", "total"},
	idDisplayNamePhoneExists: {"item", "total"},
	idDisplayNamePhoneDup:    nil,
	idHomeCountryInvalid:     {"item", "total"},
	idBusinessCountryInvalid: {"item", "total"},
	idEmptyFieldsUsedInRules: {"item", "total"},
	idInternalServerError:    nil,
}

// problem is one error the vendor would list: a catalogue entry and the values of its
// placeholders.
type problem struct {
	id   string
	args map[string]string
}

// positioned is a problem about the contact at item (1-based) of total.
func positioned(id string, item, total int) problem {
	return problem{id: id, args: map[string]string{"item": strconv.Itoa(item), "total": strconv.Itoa(total)}}
}

func plain(id string) problem { return problem{id: id} }

// parseError is the page's "XML parse error. x at line y, column z". detail is the parser's (or
// the schema validator's) own text, collapsed to one line so that the message stays one line.
func parseError(detail string, line, column int) problem {
	return problem{id: idXMLParseError, args: map[string]string{
		"detail": strings.Join(strings.Fields(detail), " "),
		"line":   strconv.Itoa(line),
		"column": strconv.Itoa(column),
	}}
}

// renderer turns problems into the vendor's XML error list.
type renderer struct {
	catalogue specs.Catalogue
	order     map[string]int // entry id -> position in the catalogue, for a stable listing order
	logger    *slog.Logger
}

func newRenderer(cat specs.Catalogue, logger *slog.Logger) (*renderer, error) {
	r := &renderer{catalogue: cat, order: map[string]int{}, logger: logger}
	for i, e := range cat {
		r.order[e.ID] = i
	}
	for id, want := range usedEntries {
		e, ok := cat.ByID(id)
		if !ok {
			return nil, fmt.Errorf("iovox mock: the spec's catalogue has no entry %q", id)
		}
		got := e.Placeholders()
		if !slices.Equal(sorted(got), sorted(want)) {
			return nil, fmt.Errorf("iovox mock: catalogue entry %q has placeholders %v, the mock fills %v", id, got, want)
		}
	}
	return r, nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// body renders problems as `<errors><error status="400">...</error>...</errors>` and returns it
// with the HTTP status of the answer. Problems are listed in catalogue order, then by position;
// identical messages are listed once (two bad home phones of one contact are one error).
func (r *renderer) body(problems []problem) (int, []byte) {
	type rendered struct {
		order, item, line, column int
		err                       api.Error
	}
	var list []rendered
	seen := map[string]bool{}
	status := 0
	for _, p := range problems {
		e, _ := r.catalogue.ByID(p.id) // every id is checked by newRenderer
		msg, err := e.Render(p.args)
		if err != nil {
			// Unreachable while newRenderer's check holds; never answer a half-filled message.
			r.logger.Error("iovox mock: render catalogue entry", "id", p.id, "error", err)
			return r.body([]problem{plain(idInternalServerError)})
		}
		if seen[msg] {
			continue
		}
		seen[msg] = true
		if status == 0 || e.Status > status {
			status = e.Status
		}
		atoi := func(k string) int { n, _ := strconv.Atoi(p.args[k]); return n }
		list = append(list, rendered{order: r.order[p.id], item: atoi("item"), line: atoi("line"), column: atoi("column"),
			err: api.Error{Status: e.Status, Message: msg}})
	}
	slices.SortStableFunc(list, func(a, b rendered) int {
		for _, d := range []int{a.order - b.order, a.item - b.item, a.line - b.line, a.column - b.column} {
			if d != 0 {
				return d
			}
		}
		return strings.Compare(a.err.Message, b.err.Message)
	})
	out := api.Errors{Error: make([]api.Error, len(list))}
	for i, x := range list {
		out.Error[i] = x.err
	}
	return status, encodeErrors(out)
}

// encodeErrors writes the list as the evidenced structure, without an XML declaration (the public
// sample has none; the spec leaves it open).
func encodeErrors(list api.Errors) []byte {
	var buf bytes.Buffer
	// Encoding a struct of strings and ints into a buffer cannot fail.
	_ = xml.NewEncoder(&buf).EncodeElement(list, xml.StartElement{Name: xml.Name{Local: "errors"}})
	return buf.Bytes()
}

// write answers problems on w.
func (r *renderer) write(w http.ResponseWriter, problems []problem) {
	status, body := r.body(problems)
	w.Header().Set("Content-Type", contentTypeXML)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// contentTypeXML is the error body's media type: the spec's Errors response declares
// application/xml (assumed there).
const contentTypeXML = "application/xml"
