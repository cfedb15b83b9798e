package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
)

// which50Probes settle the x-doc-discrepancy entries of specs/which50.yaml that a live run can decide.
//
// Every request that reaches the fixture list sets nothing: PATCH bodies carry `Values: {}` and PUT
// bodies only the match values the records already hold, so even a vendor following the other
// reading changes no value. Read-only probes match on values no contact has.
var which50Probes = []Probe{
	w50Probe("which50-customevents-insert-wording", true, w50CustomEventsProbe),
	w50Probe("which50-listid-vs-path", true, w50ListIDProbe),
	w50Probe("which50-xml-id-element", true, w50XMLIDProbe),
	w50Probe("which50-contactdto-xml-root", true, w50XMLRootProbe),
	w50Probe("which50-values-types", true, w50ValuesTypesProbe),
	w50Probe("which50-patch-example-no-body", true, w50PatchNoBodyProbe),
	w50Probe("which50-put-example-values-case", true, w50ValuesCaseProbe),
	w50Probe("which50-page-methods", true, w50MethodsProbe),
	w50Probe("which50-csp-report-media-type", true, w50CSPReportProbe),
	w50Probe("which50-referance-account-id-case", true, w50FieldCaseProbe),
	w50Probe("which50-matchvalues-param-name", true, w50MatchMissingProbe),
	w50Probe("which50-401-message-framework-default", false, w50UnauthorizedProbe),
	w50Probe("which50-null-contact-403", false, w50NullContactProbe),
	w50Probe("which50-404-two-conditions", false, w50NotFoundProbe),
	w50Probe("which50-put-match-in-values", true, w50PutMatchProbe),
}

// The vendor's probes, for ForVendor and Unsettleable.
func init() { register(specs.Which50, &which50Probes, &which50Unsettleable) }

// which50Unsettleable are the discrepancies of specs/which50.yaml no live run can decide, with why.
var which50Unsettleable = map[string]string{
	"which50-values-sample-empty-objects":   "needs an object written into a field of a real contact and read back; the fixtures name no scratch field and the operation in scope cannot read a contact",
	"which50-put-example-malformed-json":    "the page's PUT body is not JSON, which a parser shows offline; the corrected body is sent by the which50-put-example-values-case probe",
	"which50-email-field-name":              "field names belong to each list's schema, not to the API; which50-referance-account-id-case probes how they are compared",
	"which50-500-message-framework-default": "a 500 body is seen only when the vendor fails; compare recorded 500 answers with drift traffic instead",
}

const (
	// w50NoSuchList is a contact list id no account is expected to have (the conformance suite
	// uses the same one).
	w50NoSuchList = 2147483646
	// w50NoSuchID is an internal contact id no contact is expected to have.
	w50NoSuchID = 2147483646
	// w50NoSuchValue and w50NoSuchNumber match no contact, as text and as a number.
	w50NoSuchValue  = "drift-probe-matches-nothing"
	w50NoSuchNumber = "-2147483646"
	// w50NoSuchEvent is a Custom Event name no account is expected to have: a real one (the
	// page's SendWelcomeEmail) could mail the fixture's contacts.
	w50NoSuchEvent = "DriftProbeNoSuchEvent"
	// w50ListIDProperty is ContactDTO's ListId, named in `match` by the PUT probe.
	w50ListIDProperty = "ListId"

	w50JSON = "application/json"
	w50XML  = "application/xml"
	w50CSP  = "application/csp-report"
)

// w50SetNothing is a PATCH body that sets no property.
var w50SetNothing = []byte(`{"Values":{}}`)

// w50SpecData is what the probes take from specs/which50.yaml: the catalogue (every expected
// message) and the document (the XML namespaces).
type w50SpecData struct {
	doc *openapi3.T
	cat specs.Catalogue
}

var w50Spec = sync.OnceValues(func() (*w50SpecData, error) {
	doc, err := specs.Load(specs.Which50)
	if err != nil {
		return nil, err
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return nil, err
	}
	return &w50SpecData{doc: doc, cat: cat}, nil
})

// w50Call is one run of one probe: the target, the fixture records, and what was sent and
// seen so far (the evidence).
type w50Call struct {
	ctx  context.Context
	t    *Target
	spec *w50SpecData
	// list, names and values are the fixture records (LIST_ID and MATCH), names sorted.
	list     int
	names    []string
	values   map[string]string
	fixtures bool
	// fixtureErr says why the fixture records cannot be used, when they are set but malformed.
	fixtureErr error
	evidence   []string
	// err is a problem of the probe or the spec (an entry the catalogue lacks); it makes the
	// outcome Unsettled whatever was seen.
	err error
}

// w50Probe wraps run with what every Which50 probe needs: the spec, the fixture records, and
// (for probes that write) the user's leave to mutate. A probe that needs fixtures and finds none
// is Unsettled before it sends anything.
func w50Probe(id string, mutates bool, run func(c *w50Call) Outcome) Probe {
	return Probe{Vendor: specs.Which50, ID: id, Mutates: mutates, Run: func(ctx context.Context, t *Target) Outcome {
		if mutates && !t.AllowMutations {
			return Outcome{Reading: Unsettled, Evidence: "not run: it sends updates to the fixture records, which needs --allow-mutations"}
		}
		spec, err := w50Spec()
		if err != nil {
			return Outcome{Reading: Unsettled, Evidence: "not run: specs/which50.yaml: " + w50OneLine(err.Error())}
		}
		c := &w50Call{ctx: ctx, t: t, spec: spec}
		c.fixtureErr = c.readFixtures()
		out := run(c)
		if c.err != nil {
			out = Outcome{Reading: Unsettled, Evidence: w50OneLine(c.err.Error())}
			if len(c.evidence) > 0 {
				out.Evidence += ": " + strings.Join(c.evidence, "; ")
			}
		}
		return out
	}}
}

// readFixtures reads LIST_ID and MATCH. Their absence is not an error here: probes that need
// them call needFixtures.
func (c *w50Call) readFixtures() error {
	rawList, okList := c.t.Fixture("LIST_ID")
	rawMatch, okMatch := c.t.Fixture("MATCH")
	if !okList || !okMatch {
		return nil
	}
	list, err := strconv.Atoi(rawList)
	if err != nil {
		return errors.New("not run: fixture LIST_ID is not an integer: set it to the id of the contact list the probes may update")
	}
	q, err := url.ParseQuery(rawMatch)
	if err != nil || len(q) == 0 {
		return errors.New("not run: fixture MATCH is not a query string of match values: set it like Email=a%40b.example")
	}
	c.list, c.values = list, map[string]string{}
	for name, vals := range q {
		if name == "" || vals[0] == "" {
			return errors.New("not run: fixture MATCH has an empty name or value: give each property to match a value")
		}
		c.names = append(c.names, name)
		c.values[name] = vals[0]
	}
	slices.Sort(c.names)
	c.fixtures = true
	return nil
}

// needFixtures reports whether the fixture records are there, and otherwise makes the outcome
// Unsettled with how to provide them.
func (c *w50Call) needFixtures() bool {
	switch {
	case c.err != nil || c.fixtures:
	case c.fixtureErr != nil:
		c.err = c.fixtureErr
	default:
		c.err = errors.New("not run: needs the fixture records LIST_ID (a list the probes may update) and MATCH (match values of one of its contacts)")
	}
	return c.fixtures
}

// send sends r (asking for JSON unless r asks otherwise) and records it in the evidence, with
// note saying what the body was. It returns nil when no answer came; the outcome is then
// Unsettled.
func (c *w50Call) send(note string, r Request) *Response {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if r.Header.Get("Accept") == "" {
		r.Header.Set("Accept", w50JSON)
	}
	sent := r.Method + " " + r.Path
	if note != "" {
		sent += " (" + note + ")"
	}
	if r.Anonymous {
		sent += " without credentials"
	}
	resp, err := c.t.Do(c.ctx, r)
	if err != nil {
		// url.Error repeats the whole URL; the cause is enough.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		c.evidence = append(c.evidence, sent+" → no answer: "+w50OneLine(err.Error()))
		if c.err == nil {
			c.err = errors.New("no answer")
		}
		return nil
	}
	c.evidence = append(c.evidence, sent+" → "+c.describe(resp))
	// A refused credential makes any reading a guess: the answer is about the token, not the
	// discrepancy. (Which50's probes once read a 401 as "neither", blaming the spec.) Only the
	// anonymous probe expects the 401. Which50's 403 is also its answer to a null contact, so
	// only the forbidden entries (the list is not the credential's) count here.
	if c.err == nil && !r.Anonymous && (resp.Status == http.StatusUnauthorized || c.is(resp, "update-forbidden") || c.is(resp, "upsert-forbidden")) {
		c.err = fmt.Errorf("the credentials were refused (%d): check CONTACTAPIS_WHICH50_TOKEN (and _AUTH_HEADER), and that the token may update list LIST_ID", resp.Status)
	}
	return resp
}

// describe is an answer in a few words: status, media type, then the ids or the first message.
func (c *w50Call) describe(r *Response) string {
	s := strconv.Itoa(r.Status)
	if r.MediaType != "" {
		s += " " + r.MediaType
	}
	if ids, ok := w50IDs(r); ok {
		return s + fmt.Sprintf(", %d id(s)", len(ids))
	}
	if msgs := r.Messages(specs.Which50); len(msgs) > 0 {
		return s + " " + strconv.Quote(w50Clip(msgs[0], 120))
	}
	return s
}

// done is the outcome, its evidence led by why.
func (c *w50Call) done(r Reading, why string) Outcome {
	return Outcome{Reading: r, Evidence: why + ": " + strings.Join(c.evidence, "; ")}
}

// unsettled is the outcome when the answers seen cannot decide.
func (c *w50Call) unsettled(why string) Outcome { return c.done(Unsettled, why) }

// entry is the catalogue entry id; a missing one (the spec changed) makes the outcome Unsettled.
func (c *w50Call) entry(id string) (specs.Entry, bool) {
	e, ok := c.spec.cat.ByID(id)
	if !ok && c.err == nil {
		c.err = fmt.Errorf("probe out of date: specs/which50.yaml has no catalogue entry %q", id)
	}
	return e, ok
}

// is reports whether r is the catalogue entry id: its status, and its message as the spec words it.
func (c *w50Call) is(r *Response, id string) bool {
	e, ok := c.entry(id)
	if !ok || r == nil || r.Status != e.Status {
		return false
	}
	msgs := r.Messages(specs.Which50)
	if len(msgs) == 0 {
		return false
	}
	_, match := e.Match(msgs[0])
	return match
}

// w50IDs reads a 200 answer's encrypted ids, in JSON (any of the JSON media types) or XML.
func w50IDs(r *Response) ([]string, bool) {
	if r == nil || r.Status != http.StatusOK {
		return nil, false
	}
	var ids which50.EncContactIDs
	if strings.HasSuffix(r.MediaType, "/xml") {
		if xml.Unmarshal(r.Body, &ids) != nil {
			return nil, false
		}
		return ids, true
	}
	if json.Unmarshal(r.Body, &ids) != nil {
		return nil, false
	}
	return ids, true
}

// w50SameIDs reports whether both answers are 200s listing the same contacts.
func w50SameIDs(a, b *Response) bool {
	x, okA := w50IDs(a)
	y, okB := w50IDs(b)
	return okA && okB && slices.Equal(slices.Sorted(slices.Values(x)), slices.Sorted(slices.Values(y)))
}

func w50Route(list int) string { return fmt.Sprintf("/contactLists/%d/contact", list) }

// w50MatchQuery is `match` with literal commas (as the page writes it), then each value as its
// own parameter, in the order of names.
func w50MatchQuery(names []string, values map[string]string) string {
	q := "match=" + strings.Join(w50Escaped(names), ",")
	for _, n := range names {
		if v, ok := values[n]; ok {
			q += "&" + url.QueryEscape(n) + "=" + url.QueryEscape(v)
		}
	}
	return q
}

// fixtureQuery is the route of the fixture list with its match, and extra parameters.
func (c *w50Call) fixtureQuery(extra string) string {
	p := w50Route(c.list) + "?" + w50MatchQuery(c.names, c.values)
	if extra != "" {
		p += "&" + extra
	}
	return p
}

// noMatchValues are the fixture's names with values no contact has, numbers kept numbers so a
// numeric field is not refused for its type instead.
func (c *w50Call) noMatchValues() map[string]string {
	out := map[string]string{}
	for _, n := range c.names {
		out[n] = w50NoSuchValue
		if w50IsNumber(c.values[n]) {
			out[n] = w50NoSuchNumber
		}
	}
	return out
}

// w50IsNumber reports whether s is a JSON number ("123456", not "007" nor "+1").
func w50IsNumber(s string) bool {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return false
	}
	_, ok := v.(float64)
	return ok
}

// putValues are the fixture's match values as a PUT body's Values: the same values the records
// hold, so the PUT sets nothing new.
func (c *w50Call) putValues() which50.ContactValues {
	v := which50.ContactValues{}
	for _, n := range c.names {
		v[n] = c.values[n]
	}
	return v
}

// put sends a PUT of the fixture match with body (JSON unless contentType says otherwise).
func (c *w50Call) put(note, contentType string, body []byte) *Response {
	return c.send(note, Request{Method: http.MethodPut, Path: w50Route(c.list) + "?match=" + strings.Join(w50Escaped(c.names), ","),
		ContentType: contentType, Body: body})
}

func w50Escaped(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = url.QueryEscape(n)
	}
	return out
}

// patchFixture sends the fixture PATCH that sets nothing, with extra query parameters.
func (c *w50Call) patchFixture(note, extra string) *Response {
	return c.send(note, Request{Method: http.MethodPatch, Path: c.fixtureQuery(extra), ContentType: w50JSON, Body: w50SetNothing})
}

// listMisfit reports whether r refuses the fixture list itself: unknown, or not the credential's.
// Answers to requests meant for that list then say nothing about the discrepancy.
func (c *w50Call) listMisfit(r *Response) bool {
	for _, id := range []string{"update-list-not-found", "upsert-list-not-found", "update-forbidden", "upsert-forbidden"} {
		if c.is(r, id) {
			return true
		}
	}
	return false
}

// fixtureMisfit reports whether r shows the fixture records do not fit: the list is refused, or
// the fixture's own match finds nothing.
func (c *w50Call) fixtureMisfit(r *Response) bool {
	return c.listMisfit(r) || c.is(r, "update-no-contacts-matched") || c.is(r, "upsert-no-contacts-matched")
}

// misfit is the outcome when the fixture records do not fit.
func (c *w50Call) misfit() Outcome {
	return c.unsettled("the fixture records do not fit (check LIST_ID and MATCH: a list the credential may update, values one of its contacts has)")
}

// baseline is the fixture's own answer that other answers are compared with; when it is not a
// 200 with ids, the fixture does not fit and nothing can be compared.
func (c *w50Call) baseline(r *Response) bool {
	if _, ok := w50IDs(r); !ok && r != nil && c.err == nil {
		c.err = errors.New("the fixture records did not answer 200 with ids (check LIST_ID and MATCH), so there is nothing to compare with")
	}
	return c.err == nil
}

func w50Marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps of strings, numbers and json.Number are marshalled here.
		return nil
	}
	return b
}

// --- the probes ---------------------------------------------------------------------------

// which50-customevents-insert-wording: is `match` still required next to `customevents`, and
// what becomes of an unknown event name?
func w50CustomEventsProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	bare := c.send("Values {}", Request{Method: http.MethodPatch, Path: w50Route(c.list) + "?customevents=" + w50NoSuchEvent,
		ContentType: w50JSON, Body: w50SetNothing})
	both := c.patchFixture("Values {}", "customevents="+w50NoSuchEvent)
	if bare == nil || both == nil {
		return c.unsettled("no answer")
	}
	// The spec chooses nothing for unknown event names; the answer is reported as seen.
	unknown := fmt.Sprintf("an unknown event with match is answered %d", both.Status)
	switch {
	case c.listMisfit(bare):
		return c.misfit()
	case c.is(bare, "update-match-missing"):
		return c.done(Spec, "match is still required beside customevents; "+unknown)
	case bare.Status == http.StatusOK || c.is(bare, "update-no-contacts-matched"):
		return c.done(Page, "customevents alone is accepted, as the page's bare example; "+unknown)
	}
	return c.done(Neither, "customevents without match is neither refused as match-missing nor accepted; "+unknown)
}

// which50-listid-vs-path: a body ListId naming a list that does not exist (so that a vendor
// following it writes nowhere) either changes nothing (the path decides) or is followed or
// checked against the path.
func w50ListIDProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	base := c.patchFixture("Values {}", "")
	if !c.baseline(base) {
		return c.unsettled("no baseline")
	}
	other := c.send(fmt.Sprintf("ListId %d, Values {}", w50NoSuchList), Request{Method: http.MethodPatch, Path: c.fixtureQuery(""),
		ContentType: w50JSON, Body: w50Marshal(map[string]any{w50ListIDProperty: w50NoSuchList, "Values": map[string]any{}})})
	switch {
	case other == nil:
		return c.unsettled("no answer")
	case w50SameIDs(base, other):
		return c.done(Spec, "the path decides the list; the body's ListId is ignored")
	case c.is(other, "update-list-not-found"):
		return c.done(Page, "the body's ListId decides the list")
	case other.Status == http.StatusBadRequest:
		return c.done(Page, "the body's ListId must agree with the path")
	}
	return c.done(Neither, "a body ListId other than the path's changes the answer in a way neither reading predicts")
}

// which50-xml-id-element: an Id no contact has, in the XML body and in the JSON body; ignored,
// both answers list the contacts the match selects.
func w50XMLIDProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	values := c.putValues()
	base := c.put("JSON Values = MATCH", w50JSON, w50Marshal(which50.ContactDTO{Values: &values}))
	if !c.baseline(base) {
		return c.unsettled("no baseline")
	}
	id := w50NoSuchID
	body, err := xml.Marshal(which50.ContactDTO{ID: &id, Values: &values})
	if err != nil {
		c.err = fmt.Errorf("probe: encode the XML body: %w", err)
		return Outcome{}
	}
	inXML := c.put(fmt.Sprintf("XML Id %d", id), w50XML, body)
	// which50.ContactDTO never writes Id in JSON (json:"-"), so this body is a map.
	inJSON := c.put(fmt.Sprintf("JSON Id %d", id), w50JSON, w50Marshal(map[string]any{"Id": id, "Values": values}))
	if inXML == nil || inJSON == nil {
		return c.unsettled("no answer")
	}
	switch {
	case w50SameIDs(base, inXML) && w50SameIDs(base, inJSON):
		return c.done(Spec, "Id is ignored in both forms")
	case w50Reads(base, inXML) || w50Reads(base, inJSON):
		return c.done(Page, "the server reads Id: it changes which contacts are updated")
	}
	return c.done(Neither, "a body with Id is answered in a way neither reading predicts")
}

// w50Reads reports whether r shows the server selected contacts by something the baseline did
// not send: other ids, or a 404.
func w50Reads(base, r *Response) bool {
	_, ok := w50IDs(r)
	return (ok && !w50SameIDs(base, r)) || r.Status == http.StatusNotFound
}

// which50-contactdto-xml-root: the page's XML form (root Contact in one namespace, children in
// another) is read; the same body in one namespace shows whether namespaces are checked.
func w50XMLRootProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	rootNS, childNS, err := w50Namespaces(c.spec.doc)
	if err != nil {
		c.err = err
		return Outcome{}
	}
	values := c.putValues()
	body, err := xml.Marshal(which50.ContactDTO{Values: &values})
	if err != nil {
		c.err = fmt.Errorf("probe: encode the XML body: %w", err)
		return Outcome{}
	}
	sample := c.put("XML in the page's namespaces", w50XML, body)
	oneNS := c.put("XML, all in the root's namespace", w50XML,
		bytes.ReplaceAll(body, []byte(`xmlns="`+childNS+`"`), []byte(`xmlns="`+rootNS+`"`)))
	if sample == nil || oneNS == nil {
		return c.unsettled("no answer")
	}
	checked := "namespaces are checked"
	if _, ok := w50IDs(oneNS); ok {
		checked = "namespaces are not checked"
	}
	switch _, ok := w50IDs(sample); {
	case ok:
		return c.done(Spec, "the page's XML form is read; "+checked)
	case c.is(sample, "upsert-contact-null") || sample.Status == http.StatusBadRequest:
		return c.done(Page, "the page's XML form is not what the server reads")
	case c.fixtureMisfit(sample):
		return c.misfit()
	}
	return c.done(Neither, "the page's XML form is answered in a way neither reading predicts")
}

// w50Namespaces are the XML namespaces of ContactDTO's root and of its properties, as the spec
// gives them.
func w50Namespaces(doc *openapi3.T) (root, child string, err error) {
	var dto *openapi3.SchemaRef
	if doc.Components != nil {
		dto = doc.Components.Schemas["ContactDTO"]
	}
	if dto == nil || dto.Value == nil || dto.Value.XML == nil || dto.Value.Properties[w50ListIDProperty] == nil ||
		dto.Value.Properties[w50ListIDProperty].Value == nil || dto.Value.Properties[w50ListIDProperty].Value.XML == nil {
		return "", "", errors.New("probe out of date: specs/which50.yaml gives no XML namespaces for ContactDTO and its ListId")
	}
	root, child = dto.Value.XML.Namespace, dto.Value.Properties[w50ListIDProperty].Value.XML.Namespace
	if root == "" || child == "" || root == child {
		return "", "", errors.New("probe out of date: specs/which50.yaml no longer puts ContactDTO and its properties in two namespaces")
	}
	return root, child, nil
}

// which50-values-types: the same match values as text and, where they are numbers, as JSON
// numbers; conversion by the list's schema selects the same contacts either way.
func w50ValuesTypesProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	typed, numbers := which50.ContactValues{}, 0
	for _, n := range c.names {
		typed[n] = c.values[n]
		if w50IsNumber(c.values[n]) {
			typed[n], numbers = json.Number(c.values[n]), numbers+1
		}
	}
	if numbers == 0 {
		return Outcome{Reading: Unsettled, Evidence: "not run: fixture MATCH has no numeric value to send as a JSON number; include a numeric field (ReferanceAccountId=123456) to settle this"}
	}
	base := c.patchFixture("Values {}", "")
	if !c.baseline(base) {
		return c.unsettled("no baseline")
	}
	text := c.putValues()
	asText := c.put("Values as text", w50JSON, w50Marshal(which50.ContactDTO{Values: &text}))
	asNumber := c.put("numbers as JSON numbers", w50JSON, w50Marshal(which50.ContactDTO{Values: &typed}))
	if asText == nil || asNumber == nil {
		return c.unsettled("no answer")
	}
	refused := func(r *Response) bool { return r.Status == http.StatusNotFound || r.Status == http.StatusBadRequest }
	switch {
	case w50SameIDs(base, asText) && w50SameIDs(base, asNumber):
		return c.done(Spec, "text and numbers select the same contacts: values are converted by the list's schema")
	case w50SameIDs(base, asText) && refused(asNumber), w50SameIDs(base, asNumber) && refused(asText):
		return c.done(Page, "only one JSON type selects the contacts: values are not converted")
	}
	return c.done(Neither, "the typed values are answered in a way neither reading predicts")
}

// which50-patch-example-no-body: the PATCH derived from the PUT example (match in the query, a
// ContactDTO body) is read, and the page's literal PATCH, without a body, is refused as a null
// contact.
func w50PatchNoBodyProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	derived := c.patchFixture("Values {}", "")
	bare := c.send("no body", Request{Method: http.MethodPatch, Path: c.fixtureQuery("")})
	if derived == nil || bare == nil {
		return c.unsettled("no answer")
	}
	_, derivedOK := w50IDs(derived)
	switch {
	case c.fixtureMisfit(derived):
		return c.misfit()
	case derivedOK && c.is(bare, "update-contact-null"):
		return c.done(Spec, "PATCH takes its values in a body and needs one")
	case bare.Status == http.StatusOK:
		return c.done(Page, "the page's PATCH without a body is accepted")
	}
	return c.done(Neither, "the derived and the body-less PATCH are answered in a way neither reading predicts")
}

// which50-put-example-values-case: the corrected PUT example with `Values` and with the page's
// `values`.
func w50ValuesCaseProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	values := c.putValues()
	upper := c.put("Values", w50JSON, w50Marshal(which50.ContactDTO{Values: &values}))
	lower := c.put("values", w50JSON, w50Marshal(map[string]any{"values": values}))
	if upper == nil || lower == nil {
		return c.unsettled("no answer")
	}
	_, upperOK := w50IDs(upper)
	_, lowerOK := w50IDs(lower)
	switch {
	case w50SameIDs(upper, lower):
		return c.done(Spec, "Values and values bind alike")
	case !upperOK && lowerOK:
		return c.done(Page, "only the page's lowercase values is read")
	case c.fixtureMisfit(upper):
		return c.misfit()
	case upperOK && !lowerOK:
		return c.done(Neither, "Values is read but the page's values is not: binding is case-sensitive, against the spec's assumption")
	}
	return c.done(Neither, "Values and values are answered in a way neither reading predicts")
}

// which50-page-methods: PUT exists beside PATCH on the route; POST is only checked for being
// routed, on a list that does not exist, since a POST that inserts would add a contact beside
// the fixture's.
func w50MethodsProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	values := c.putValues()
	put := c.put("Values = MATCH", w50JSON, w50Marshal(which50.ContactDTO{Values: &values}))
	none := which50.ContactValues{}
	for n, v := range c.noMatchValues() {
		none[n] = v
	}
	post := c.send("Values matching nothing", Request{Method: http.MethodPost,
		Path:        w50Route(w50NoSuchList) + "?match=" + strings.Join(w50Escaped(c.names), ","),
		ContentType: w50JSON, Body: w50Marshal(which50.ContactDTO{Values: &none})})
	if put == nil || post == nil {
		return c.unsettled("no answer")
	}
	routed := "POST is not routed"
	if post.Status != http.StatusMethodNotAllowed {
		routed = fmt.Sprintf("POST is routed (%d)", post.Status)
	}
	_, ok := w50IDs(put)
	switch {
	case ok:
		return c.done(Spec, "PUT matches and updates beside PATCH; "+routed)
	case put.Status == http.StatusMethodNotAllowed:
		return c.done(Page, "the route takes PATCH only, as the page's title says; "+routed)
	case c.fixtureMisfit(put):
		return c.misfit()
	}
	return c.done(Neither, "PUT is answered in a way neither reading predicts; "+routed)
}

// which50-csp-report-media-type: a body in application/csp-report, asking for the answer in it.
func w50CSPReportProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	r := c.send("Values {} as application/csp-report, Accept application/csp-report", Request{Method: http.MethodPatch, Path: c.fixtureQuery(""),
		ContentType: w50CSP, Header: http.Header{"Accept": {w50CSP}}, Body: w50SetNothing})
	if r == nil {
		return c.unsettled("no answer")
	}
	_, ok := w50IDs(r)
	switch {
	case ok && r.MediaType == w50CSP:
		return c.done(Spec, "the csp-report formatter reads and writes the body")
	case c.fixtureMisfit(r):
		return c.misfit()
	case r.Status == http.StatusUnsupportedMediaType:
		// The page and the spec both list the type; refusing it follows neither.
		return c.done(Neither, "application/csp-report is refused: a help-page artefact only")
	}
	return c.done(Neither, "application/csp-report is answered in a way neither reading predicts")
}

// which50-referance-account-id-case: the fixture's match with the case of each name changed at
// its last letter (ReferanceAccountId becomes the page's ReferanceAccountID).
func w50FieldCaseProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	var names []string
	values := map[string]string{}
	for _, n := range c.names {
		swapped, ok := w50SwapLastCase(n)
		if !ok {
			return Outcome{Reading: Unsettled, Evidence: fmt.Sprintf("not run: fixture MATCH name %q has no letter whose case could change", n)}
		}
		names = append(names, swapped)
		values[swapped] = c.values[n]
	}
	base := c.patchFixture("Values {}", "")
	if !c.baseline(base) {
		return c.unsettled("no baseline")
	}
	other := c.send("Values {}", Request{Method: http.MethodPatch, Path: w50Route(c.list) + "?" + w50MatchQuery(names, values),
		ContentType: w50JSON, Body: w50SetNothing})
	switch {
	case other == nil:
		return c.unsettled("no answer")
	// The spec fixes neither spelling (field names belong to the list, not the API), so both
	// answers agree with it; the evidence says which the vendor does, since the mock compares
	// names exactly and would need aligning if the vendor does not.
	case w50SameIDs(base, other):
		return c.done(Spec, "field names match case-insensitively: the page's two spellings name one field (the mock compares exactly: align it)")
	case other.Status == http.StatusNotFound || other.Status == http.StatusBadRequest:
		return c.done(Spec, "field names match exactly: each spelling is its own field")
	}
	return c.done(Neither, "a name in another case is answered in a way neither reading predicts")
}

// w50SwapLastCase changes the case of the last letter of s that has one.
func w50SwapLastCase(s string) (string, bool) {
	for i := len(s); i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		var swapped rune
		switch {
		case unicode.IsUpper(r):
			swapped = unicode.ToLower(r)
		case unicode.IsLower(r):
			swapped = unicode.ToUpper(r)
		default:
			continue
		}
		if swapped != r {
			return s[:i] + string(swapped) + s[i+size:], true
		}
	}
	return "", false
}

// which50-matchvalues-param-name: which of no `match`, an empty one, and a named property
// without a value is the page's 400.
func w50MatchMissingProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	route := w50Route(c.list)
	patch := func(query string) *Response {
		return c.send("Values {}", Request{Method: http.MethodPatch, Path: route + query, ContentType: w50JSON, Body: w50SetNothing})
	}
	missing := patch("")
	empty := patch("?match=")
	noValue := patch("?match=" + url.QueryEscape(c.names[0]))
	if missing == nil || empty == nil || noValue == nil {
		return c.unsettled("no answer")
	}
	const id = "update-match-missing"
	switch {
	case c.listMisfit(missing) || c.listMisfit(empty) || c.listMisfit(noValue):
		return c.misfit()
	case c.is(missing, id) && c.is(empty, id) && c.is(noValue, id):
		return c.done(Spec, "all three are the 400 row")
	case c.is(missing, id) && c.is(empty, id) && (noValue.Status == http.StatusOK || noValue.Status == http.StatusNotFound):
		return c.done(Page, "the 400 row covers a missing or empty match only, not a name without a value")
	}
	return c.done(Neither, "the three requests are answered in a way neither reading predicts")
}

// which50-401-message-framework-default: the message of a call without credentials.
func w50UnauthorizedProbe(c *w50Call) Outcome {
	// No credentials reach the vendor, so any list will do; the fixture's when there is one.
	list, query := w50NoSuchList, ""
	if c.fixtures {
		list, query = c.list, w50MatchQuery(c.names, c.noMatchValues())
	}
	path := w50Route(list)
	if query != "" {
		path += "?" + query
	}
	r := c.send("Values {}", Request{Method: http.MethodPatch, Path: path, ContentType: w50JSON, Body: w50SetNothing, Anonymous: true})
	if r == nil {
		return c.unsettled("no answer")
	}
	e, ok := c.entry("update-unauthorized")
	if !ok {
		return Outcome{}
	}
	msgs := r.Messages(specs.Which50)
	switch {
	case c.is(r, e.ID):
		return c.done(Spec, "the page's 401 message")
	case r.Status == http.StatusUnauthorized && len(msgs) > 0 && slices.Contains(w50Quoted(e, "which50-401-message-framework-default"), msgs[0]):
		return c.done(Page, "ASP.NET's default 401 message: update the catalogue entry")
	}
	return c.done(Neither, "a call without credentials is answered in a way neither reading predicts")
}

var w50QuotedRE = regexp.MustCompile(`"([^"]+)"`)

// w50Quoted are the texts the discrepancy's page line quotes: the other reading's message, taken
// from the spec rather than typed again.
func w50Quoted(e specs.Entry, id string) []string {
	var out []string
	for _, d := range e.Discrepancies {
		if d.ID == id {
			for _, m := range w50QuotedRE.FindAllStringSubmatch(d.Page, -1) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// which50-null-contact-403: no body, `null` and `{` on a match no contact has.
func w50NullContactProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	path := w50Route(c.list) + "?" + w50MatchQuery(c.names, c.noMatchValues())
	bodies := []struct {
		note string
		body []byte
	}{{"no body", nil}, {"body null", []byte("null")}, {"body {", []byte("{")}}
	var forbidden, bad int
	for _, b := range bodies {
		r := Request{Method: http.MethodPatch, Path: path, Body: b.body}
		if b.body != nil {
			r.ContentType = w50JSON
		}
		resp := c.send(b.note, r)
		switch {
		case resp == nil:
			return c.unsettled("no answer")
		case c.listMisfit(resp):
			return c.misfit()
		case c.is(resp, "update-contact-null"):
			forbidden++
		case resp.Status == http.StatusBadRequest:
			bad++
		}
	}
	switch {
	case forbidden == len(bodies):
		return c.done(Spec, "each is the page's 403")
	case bad == len(bodies):
		return c.done(Page, "each is a 400, as a malformed request")
	}
	return c.done(Neither, "the bodies are answered in a way neither reading predicts")
}

// which50-404-two-conditions: an unknown list, and the fixture list with a match no contact has.
func w50NotFoundProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	query := "?" + w50MatchQuery(c.names, c.noMatchValues())
	patch := func(list int) *Response {
		return c.send("Values {}", Request{Method: http.MethodPatch, Path: w50Route(list) + query, ContentType: w50JSON, Body: w50SetNothing})
	}
	noList := patch(w50NoSuchList)
	noMatch := patch(c.list)
	if noList == nil || noMatch == nil {
		return c.unsettled("no answer")
	}
	a, b := noList.Messages(specs.Which50), noMatch.Messages(specs.Which50)
	switch {
	case c.listMisfit(noMatch):
		return c.misfit()
	case c.is(noList, "update-list-not-found") && c.is(noMatch, "update-no-contacts-matched"):
		return c.done(Spec, "the two conditions have their own messages")
	case noList.Status == http.StatusNotFound && noMatch.Status == http.StatusNotFound && len(a) > 0 && slices.Equal(a, b):
		return c.done(Page, "one 404 message for both conditions")
	}
	return c.done(Neither, "the two conditions are answered in a way neither reading predicts")
}

// which50-put-match-in-values: names in `match` are keys of Values, not ContactDTO properties.
// ListId is tried with Values {}, so a vendor that matches on it (every contact of the list)
// sets nothing.
func w50PutMatchProbe(c *w50Call) Outcome {
	if !c.needFixtures() {
		return Outcome{}
	}
	values := c.putValues()
	inValues := c.put("Values = MATCH", w50JSON, w50Marshal(which50.ContactDTO{Values: &values}))
	list, none := c.list, which50.ContactValues{}
	byProperty := c.send(fmt.Sprintf("ListId %d, Values {}", list), Request{Method: http.MethodPut,
		Path: w50Route(c.list) + "?match=" + w50ListIDProperty, ContentType: w50JSON, Body: w50Marshal(which50.ContactDTO{ListID: &list, Values: &none})})
	if inValues == nil || byProperty == nil {
		return c.unsettled("no answer")
	}
	_, ok := w50IDs(inValues)
	switch {
	case c.fixtureMisfit(inValues):
		return c.misfit()
	case ok && (byProperty.Status == http.StatusBadRequest || byProperty.Status == http.StatusNotFound):
		return c.done(Spec, "match names keys of Values; a ContactDTO property is refused")
	case byProperty.Status == http.StatusOK:
		return c.done(Page, "match also names ContactDTO properties")
	}
	return c.done(Neither, "matching on Values and on ListId is answered in a way neither reading predicts")
}

// w50OneLine keeps evidence on one line.
func w50OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// w50Clip shortens s to at most n runes.
func w50Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
