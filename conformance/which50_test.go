package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/framework"
	w50mock "github.com/contactapis/contactapis/conformance/mock/which50"
	"github.com/contactapis/contactapis/gen/which50"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// Which50's operations: one route, PATCH takes the match values from the query, PUT from the
// body's Values.
const (
	w50Update = "updateContactsByMatch"
	w50Upsert = "upsertContactsByMatch"
	// w50Read is the read the suite checks updates through (assumed: the page documents only
	// the updates).
	w50Read = "getContactsByMatch"
	w50Page = "which50-contactlists-patch-contact.txt"
	// w50MockList is the mock's copy of the page's list (conformance/mock/which50/fixtures.json:
	// list 3, the ListId of the page's body sample). A live run names its own list with
	// CONTACTAPIS_WHICH50_LIST_ID.
	w50MockList = "3"
	// w50NoSuchList is a contact list id no account is expected to have.
	w50NoSuchList = 2147483646
	// w50NoSuchValue matches no contact: error specs that could reach a live list use it, so
	// that even a vendor that does not refuse them as documented changes nothing.
	w50NoSuchValue = "conformance-suite-matches-nothing"
)

var (
	w50Ops    = []string{w50Update, w50Upsert}
	w50Method = map[string]string{w50Update: http.MethodPatch, w50Upsert: http.MethodPut}
)

// Rules of the page that no catalogue entry, status or example names.
var (
	w50RuleMatchAll = framework.RegisterRule(specs.Which50, "match-all-named-properties",
		w50Page+": Description; Match Values section",
		"every contact of the list whose properties equal all the match values is updated, with one property or several, and no other contact changes")
	w50RuleIDs = framework.RegisterRule(specs.Which50, "answer-lists-updated-encrypted-ids",
		w50Page+": Response Information, Successful Response - OK (200)",
		"the 200 answer lists the encrypted ids of exactly the contacts updated, the same ids on every call")
	w50RuleMatchQuery = framework.RegisterRule(specs.Which50, "match-comma-list-and-value-parameters",
		w50Page+": Match Values section, PATCH example",
		"`match` names the properties as one comma-separated value with literal commas, and each value to match is a query parameter of its own")
	w50RuleEvents = framework.RegisterRule(specs.Which50, "custom-events-run-per-updated-contact",
		w50Page+": Custom Events section",
		"the Custom Events named in `customevents` run for each contact the call updated, and none run when the call fails")
	w50RuleJSON = framework.RegisterRule(specs.Which50, "answer-json-on-accept",
		w50Page+": Response Information, Formats, application/json, text/json",
		"Accept application/json or text/json gets the ids as a JSON array in that media type")
	w50RuleXML = framework.RegisterRule(specs.Which50, "answer-xml-on-accept",
		w50Page+": Response Information, Formats, application/xml, text/xml",
		"Accept application/xml or text/xml gets the ids as <ArrayOfstring> in that media type")
	w50RuleCSP = framework.RegisterRule(specs.Which50, "answer-csp-report-on-accept",
		w50Page+": Response Information, Formats, application/csp-report",
		"Accept application/csp-report gets the ids as a compact JSON array in that media type")
	w50RuleDefaultJSON = framework.RegisterRule(specs.Which50, "answer-json-without-accept",
		w50Page+": Response Information, Formats (no default named; spec info x-assumed)",
		"a request without Accept gets the ids in application/json")
	w50RuleAcceptQuality = framework.RegisterRule(specs.Which50, "answer-format-by-accept-quality",
		w50Page+": Response Information, Formats (the answer in the media type Accept asks for); spec info.description (content-negotiated the ASP.NET way); RFC 9110 section 12.5.1",
		"an Accept list is read by its q-values: the listed format with the highest q is answered, a format with q=0 never, and of formats with equal q the one listed first")
	w50RuleBodyJSON = framework.RegisterRule(specs.Which50, "body-json",
		w50Page+": Body Parameters, Formats, application/json, text/json",
		"a ContactDTO body in application/json or text/json is read")
	w50RuleBodyCSP = framework.RegisterRule(specs.Which50, "body-csp-report",
		w50Page+": Body Parameters, Formats, application/csp-report",
		"a ContactDTO body in application/csp-report is read as JSON")
	w50RuleBodyXML = framework.RegisterRule(specs.Which50, "body-datacontract-xml",
		w50Page+": Body Parameters, Formats, application/xml, text/xml",
		"a ContactDTO body in the DataContract XML of the page's sample is read, in application/xml or text/xml")
	w50RulePut = framework.RegisterRule(specs.Which50, "put-matches-on-body-values",
		w50Page+": Match Values section, PUT example",
		"PUT matches on the body's Values for the names in `match` (never on the query) and sets the rest of Values")
	w50RuleValuesCase = framework.RegisterRule(specs.Which50, "values-member-case-insensitive",
		w50Page+": Match Values section, PUT example body (`values`); spec which50-put-example-values-case",
		"the body's `values` binds as `Values`")
	w50RuleTypes = framework.RegisterRule(specs.Which50, "values-converted-by-field-type",
		w50Page+": Match Values section, PATCH and PUT examples; spec which50-values-types",
		"a value to match given as text or as a number matches the same integer field")
	w50RuleMalformed = framework.RegisterRule(specs.Which50, "undocumented-input-refused",
		w50Page+": Body Parameters and Formats (any other body is no documented request)",
		"a body the page does not describe (malformed, oversized, not UTF-8, wrong media type, a member of the wrong type, a property outside the list's schema) is refused with a 4xx in the vendor's error format, never a 5xx, and changes nothing")
)

// w50AssumedRules are the rules above that check a guess of the spec rather than the page.
var w50AssumedRules = map[string]bool{w50RuleDefaultJSON: true, w50RuleAcceptQuality: true, w50RuleValuesCase: true, w50RuleTypes: true}

// w50Behaviours indexes the spec's behaviours once, when the tree is built: which are assumed,
// and each catalogue entry's status. A spec that fails to load leaves them empty, and the
// framework's tree validation reports the spec.
var w50Behaviours = sync.OnceValues(func() (map[string]bool, map[string]int) {
	assumed, status := map[string]bool{}, map[string]int{}
	bs, err := framework.SpecBehaviours(specs.Which50)
	if err != nil {
		return assumed, status
	}
	for _, b := range bs {
		assumed[b.ID] = b.Assumed != ""
	}
	doc, err := specs.Load(specs.Which50)
	if err != nil {
		return assumed, status
	}
	cat, err := specs.ReadCatalogue(doc)
	if err != nil {
		return assumed, status
	}
	for _, e := range cat {
		status[e.ID] = e.Status
	}
	return assumed, status
})

// w50Labels adds Assumed to labels when any covered behaviour is a guess of the spec.
func w50Labels(covers []string, labels ...framework.Label) []framework.Label {
	assumed, _ := w50Behaviours()
	if slices.Contains(labels, framework.Assumed) {
		return labels
	}
	for _, id := range covers {
		if assumed[id] || w50AssumedRules[id] {
			return append(slices.Clone(labels), framework.Assumed)
		}
	}
	return labels
}

// w50EntryCovers is what triggering a catalogue entry on an operation proves: the entry and the
// operation's declared status for it.
func w50EntryCovers(entry, op string) []string {
	_, status := w50Behaviours()
	covers := []string{framework.CatalogueID(entry)}
	if op != "" {
		covers = append(covers, framework.StatusID(op, status[entry]))
	}
	return covers
}

// w50Request is a raw request of a spec.
type w50Request struct {
	method, path, query string
	contentType, accept string
	// auth is the Authorization header; "" sends the target's credentials, w50NoAuth none.
	auth string
	body []byte
}

const w50NoAuth = "-"

// w50State is the mock's store as the admin API shows it (numbers kept as written): the
// collections of the spec's x-mock, lists and contacts, in the shape of their schemas.
type w50State struct {
	Lists []struct {
		ID int `json:"Id"`
	} `json:"lists"`
	Contacts []w50Contact `json:"contacts"`
}

type w50Contact struct {
	ListID       int            `json:"ListId"`
	ID           int            `json:"Id"`
	EncContactID string         `json:"EncContactId"`
	Values       map[string]any `json:"Values"`
}

// w50Event is one Custom Event the mock recorded.
type w50Event struct {
	Kind   string `json:"kind"`
	Detail struct {
		ListID       json.Number `json:"listId"`
		EncContactID string      `json:"encContactId"`
		Event        string      `json:"event"`
	} `json:"detail"`
}

// w50Text is how a stored value reads as a query value: the text the page's PATCH example sends
// for the number 123456.
func w50Text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// contacts returns the contacts of list, failing when the state has no such list.
func (s w50State) contacts(list int) []w50Contact {
	for _, l := range s.Lists {
		if l.ID == list {
			var out []w50Contact
			for _, c := range s.Contacts {
				if c.ListID == list {
					out = append(out, c)
				}
			}
			return out
		}
	}
	Fail(fmt.Sprintf("the mock's state has no list %d", list))
	return nil
}

// matching is the oracle of the match rule: the contacts of list whose every named property
// reads as the value to match.
func (s w50State) matching(list int, match map[string]string) []w50Contact {
	var out []w50Contact
	for _, c := range s.contacts(list) {
		all := true
		for name, want := range match {
			got, ok := w50Text(c.Values[name])
			all = all && ok && got == want
		}
		if all {
			out = append(out, c)
		}
	}
	return out
}

func w50EncIDs(cs []w50Contact) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.EncContactID
	}
	return ids
}

func w50MediaType(resp *http.Response) string {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt
}

func w50SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// w50Query writes a PATCH query as the page does: `match` with literal commas, then one
// parameter per property (names and values escaped, commas between names not).
func w50Query(names []string, values map[string]string) string {
	escaped := make([]string, len(names))
	for i, n := range names {
		escaped[i] = url.QueryEscape(n)
	}
	parts := []string{"match=" + strings.Join(escaped, ",")}
	for _, n := range names {
		if val, ok := values[n]; ok {
			parts = append(parts, url.QueryEscape(n)+"="+url.QueryEscape(val))
		}
	}
	return strings.Join(parts, "&")
}

// w50Number re-reads a decoded example so that its numbers are json.Number, which the client's
// DataContract codec writes with their integer XSD type.
func w50Number(v any) any {
	raw, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	Expect(dec.Decode(&out)).To(Succeed())
	return out
}

// w50Body encodes a ContactDTO, given as the object a spec example decodes to, in a media type
// the page lists: JSON for the JSON family, the DataContract XML of the page's sample for XML.
func w50Body(mediaType string, dto map[string]any) []byte {
	dto = w50Number(dto).(map[string]any)
	if !strings.HasSuffix(mediaType, "/xml") {
		b, err := json.Marshal(dto)
		Expect(err).NotTo(HaveOccurred())
		return b
	}
	var c which50.ContactDTO
	if s, ok := dto["EncContactId"].(string); ok {
		c.EncContactID = &s
	}
	for name, dst := range map[string]**int{"Id": &c.ID, "ListId": &c.ListID} {
		if n, ok := dto[name].(json.Number); ok {
			i, err := n.Int64()
			Expect(err).NotTo(HaveOccurred())
			*dst = new(int(i))
		}
	}
	if vals, ok := dto["Values"].(map[string]any); ok {
		cv := which50.ContactValues(vals)
		c.Values = &cv
	}
	b, err := xml.Marshal(c)
	Expect(err).NotTo(HaveOccurred())
	return b
}

// w50IDs reads a 200 answer in the media type it declares: a JSON array, or <ArrayOfstring> in
// the serializer's Arrays namespace.
func w50IDs(resp *http.Response, body []byte) []string {
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "status")
	var ids []string
	if strings.HasSuffix(w50MediaType(resp), "/xml") {
		var root struct {
			XMLName xml.Name
			Strings []string `xml:"string"`
		}
		Expect(xml.Unmarshal(body, &root)).To(Succeed(), "XML answer")
		Expect(root.XMLName).To(Equal(xml.Name{Space: "http://schemas.microsoft.com/2003/10/Serialization/Arrays", Local: "ArrayOfstring"}), "XML root")
		ids = root.Strings
	} else {
		Expect(json.Unmarshal(body, &ids)).To(Succeed(), "JSON answer")
	}
	Expect(ids).NotTo(BeEmpty(), "ids")
	return ids
}

var _ = Describe("which50", func() {
	v := framework.NewVendor(specs.Which50)

	// --- the target's fixtures and the spec's examples -------------------------------------

	listID := func() int {
		id, err := strconv.Atoi(v.Fixture("LIST_ID", w50MockList))
		Expect(err).NotTo(HaveOccurred(), "CONTACTAPIS_WHICH50_LIST_ID must be an integer")
		return id
	}
	route := func(list any) string { return fmt.Sprintf("/contactLists/%v/contact", list) }

	// paramExample is a parameter example of the spec, as data.
	paramExample := func(op, param, name string) any {
		for _, o := range specs.Operations(v.Doc()) {
			if o.Operation.OperationID != op {
				continue
			}
			for _, p := range o.Operation.Parameters {
				if p.Value != nil && p.Value.Name == param && p.Value.Examples[name] != nil {
					return p.Value.Examples[name].Value.Value
				}
			}
		}
		Fail(fmt.Sprintf("%s has no example %q of parameter %q", op, name, param))
		return nil
	}
	stringsOf := func(v any) []string {
		var out []string
		for _, s := range v.([]any) {
			out = append(out, s.(string))
		}
		return out
	}
	// pageMatch is the page's PATCH match: names in the page's order, values as query text.
	pageMatch := func() ([]string, map[string]string) {
		names := stringsOf(paramExample(w50Update, "match", "page-match-example"))
		values := map[string]string{}
		for k, val := range paramExample(w50Update, "MatchValues", "page-match-values-example").(map[string]any) {
			values[k] = val.(string)
		}
		return names, values
	}
	pageEvents := func() []string {
		return stringsOf(paramExample(w50Update, "customevents", "page-customevents-example"))
	}
	exampleValues := func(op, name string) map[string]any {
		return v.Example(op, name).(map[string]any)["Values"].(map[string]any)
	}
	// fixtureMatch is what the suite may match on: CONTACTAPIS_WHICH50_MATCH on a live run (a
	// query string, `Email=someone%40example.com`), else the page's own match.
	fixtureMatch := func() map[string]string {
		raw := v.Fixture("MATCH", "")
		if raw == "" {
			_, values := pageMatch()
			return values
		}
		q, err := url.ParseQuery(raw)
		Expect(err).NotTo(HaveOccurred(), "CONTACTAPIS_WHICH50_MATCH must be a query string")
		Expect(q).NotTo(BeEmpty(), "CONTACTAPIS_WHICH50_MATCH names no property")
		out := map[string]string{}
		for k, vals := range q {
			out[k] = vals[0]
		}
		return out
	}
	noMatch := func() map[string]string {
		out := map[string]string{}
		for k := range fixtureMatch() {
			out[k] = w50NoSuchValue
		}
		return out
	}

	// specMatch is what a spec that changes contacts matches on, names in the order sent: the
	// page's match on a mock (its fixtures hold the page's contact), the named records' match
	// (CONTACTAPIS_WHICH50_MATCH) elsewhere, in the page's order as far as it names the same
	// properties.
	specMatch := func() ([]string, map[string]string) {
		names, values := pageMatch()
		if v.HasAdmin() {
			return names, values
		}
		values = fixtureMatch()
		var out []string
		for _, n := range names {
			if _, ok := values[n]; ok {
				out = append(out, n)
			}
		}
		for _, n := range w50SortedKeys(values) {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out, values
	}

	// --- raw requests ------------------------------------------------------------------------

	send := func(ctx context.Context, r w50Request) (*http.Response, []byte) {
		path := r.path
		if r.query != "" {
			path += "?" + r.query
		}
		req := v.NewRequest(ctx, r.method, path, r.contentType, r.body)
		switch r.auth {
		case "":
			v.Authorize(ctx, req)
		case w50NoAuth:
		default:
			req.Header.Set("Authorization", r.auth)
		}
		if r.accept != "" {
			req.Header.Set("Accept", r.accept)
		}
		return v.Do(req)
	}
	// patchReq is a PATCH on list matching match that sets nothing: a vendor that failed to
	// refuse it as documented would still change no value.
	patchReq := func(list any, match map[string]string) w50Request {
		return w50Request{method: http.MethodPatch, path: route(list), query: w50Query(w50SortedKeys(match), match),
			contentType: "application/json", body: []byte(`{"Values":{}}`)}
	}
	// putValue is a value to match as PUT sends it in Values: with the JSON type the page's PUT
	// example gives that property and value (123456 as a number), else as text.
	putValue := func(name, text string) any {
		if typed, ok := exampleValues(w50Upsert, "page-put-example")[name]; ok && fmt.Sprint(w50Number(typed)) == text {
			return typed
		}
		return text
	}
	// putReq is the PUT form of patchReq: the match values are the whole of Values.
	putReq := func(list any, match map[string]string) w50Request {
		values := map[string]any{}
		for k, val := range match {
			values[k] = putValue(k, val)
		}
		return w50Request{method: http.MethodPut, path: route(list), query: w50Query(w50SortedKeys(match), nil),
			contentType: "application/json", body: w50Body("application/json", map[string]any{"Values": values})}
	}
	reqFor := func(op string, list any, match map[string]string) w50Request {
		if op == w50Update {
			return patchReq(list, match)
		}
		return putReq(list, match)
	}
	// putMatch is specMatch as PUT sends it in Values: each value with the JSON type the page's
	// PUT example gives it.
	putMatch := func() ([]string, map[string]any) {
		names, text := specMatch()
		out := map[string]any{}
		for k, val := range text {
			out[k] = putValue(k, val)
		}
		return names, out
	}
	// entryOf is the catalogue entry of op for a condition both operations share
	// ("match-missing" -> update-match-missing or upsert-match-missing).
	entryOf := func(op, condition string) string {
		if op == w50Update {
			return "update-" + condition
		}
		return "upsert-" + condition
	}

	// expectEntry checks an error answer against a catalogue entry: its status, the media type
	// Accept chose, and the entry's message rendered with args.
	expectEntry := func(resp *http.Response, body []byte, id string, args map[string]string, mediaType string) {
		e := v.Entry(id)
		want, err := e.Render(args)
		Expect(err).NotTo(HaveOccurred(), "render the catalogue entry")
		Expect(resp.StatusCode).To(Equal(e.Status), "status")
		Expect(w50MediaType(resp)).To(Equal(mediaType), "media type")
		msgs, err := vendors.ErrorMessages(v.Name(), resp.Header.Get("Content-Type"), body)
		Expect(err).NotTo(HaveOccurred(), "error body")
		Expect(msgs).To(Equal([]string{want}), "message")
	}

	// --- the mock's admin API ----------------------------------------------------------------

	state := func(ctx context.Context) w50State {
		raw, err := v.Admin().State(ctx)
		Expect(err).NotTo(HaveOccurred(), "admin state")
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var st w50State
		Expect(dec.Decode(&st)).To(Succeed(), "admin state")
		return st
	}
	rawState := func(ctx context.Context) json.RawMessage {
		raw, err := v.Admin().State(ctx)
		Expect(err).NotTo(HaveOccurred(), "admin state")
		return raw
	}
	events := func(ctx context.Context) []w50Event {
		raw, err := v.Admin().Events(ctx)
		Expect(err).NotTo(HaveOccurred(), "admin events")
		out := make([]w50Event, len(raw))
		for i, r := range raw {
			Expect(json.Unmarshal(r, &out[i])).To(Succeed(), "admin event")
		}
		return out
	}
	// readState is what the vendor's own read (getContactsByMatch, assumed) shows of the named
	// list: the contacts match finds, in the shape of the admin state (their plain ids unknown).
	readState := func(ctx context.Context, match map[string]string) w50State {
		cs, err := v.Which50().GetContactsByMatch(ctx, listID(), match)
		Expect(err).NotTo(HaveOccurred(), "read the contacts of list %d that match %v", listID(), match)
		raw, err := json.Marshal(cs)
		Expect(err).NotTo(HaveOccurred())
		var st w50State
		st.Lists = append(st.Lists, struct {
			ID int `json:"Id"`
		}{ID: listID()})
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		Expect(dec.Decode(&st.Contacts)).To(Succeed(), "read contacts")
		return st
	}
	// stateFor is the store as far as a spec changing the contacts match finds needs it: on a
	// mock the whole store (admin API), elsewhere what the vendor's read shows of those contacts.
	stateFor := func(ctx context.Context, match map[string]string) w50State {
		if v.HasAdmin() {
			return state(ctx)
		}
		return readState(ctx, match)
	}
	// expectUnchanged runs call and checks that the store and the recorded events are as they
	// were before it; without an admin API, that the named contacts (CONTACTAPIS_WHICH50_MATCH)
	// read the same through the vendor's read.
	expectUnchanged := func(ctx context.Context, call func()) {
		if !v.HasAdmin() {
			before := readState(ctx, fixtureMatch())
			call()
			Expect(readState(ctx, fixtureMatch())).To(Equal(before), "the named contacts changed")
			return
		}
		before, beforeEvents := rawState(ctx), len(events(ctx))
		call()
		Expect(rawState(ctx)).To(MatchJSON(before), "the store changed")
		Expect(events(ctx)).To(HaveLen(beforeEvents), "Custom Events ran")
	}
	// expectUpdated checks the store after a successful call: the contacts of list with the ids
	// the call returned have set on top of their old values, every other contact of every list
	// is unchanged.
	expectUpdated := func(before, after w50State, list int, ids []string, set map[string]any) {
		want := map[string]any{}
		for k, val := range w50Number(set).(map[string]any) {
			want[k] = val
		}
		Expect(after.Lists).To(Equal(before.Lists), "lists")
		Expect(after.Contacts).To(HaveLen(len(before.Contacts)), "contacts")
		for ci, c := range before.Contacts {
			got := after.Contacts[ci]
			Expect([]int{got.ListID, got.ID}).To(Equal([]int{c.ListID, c.ID}), "contacts")
			if c.ListID != list || !slices.Contains(ids, c.EncContactID) {
				Expect(got.Values).To(Equal(c.Values), "contact %d of list %d must be unchanged", c.ID, c.ListID)
				continue
			}
			expected := map[string]any{}
			for k, val := range c.Values {
				expected[k] = val
			}
			for k, val := range want {
				expected[k] = val
			}
			Expect(got.Values).To(Equal(expected), "contact %d of list %d must have the new values", c.ID, c.ListID)
		}
	}
	// restoreAfter reads, through the vendor's read, every contact of the named list a spec may
	// change (those CONTACTAPIS_WHICH50_MATCH finds, and those any one of its values finds), and
	// registers a cleanup that writes back each one the spec changed: a PATCH matching it on its
	// values the spec left alone, setting what it had. PATCH merges Values, so a property a spec
	// added cannot be taken away again: that fails the cleanup, naming it.
	//
	// On a tools/mockserver every spec starts from the mock's fixtures (framework: a reset per
	// spec), so the cleanup resets it again: that also takes away what mock-only specs add.
	restoreAfter := func(ctx context.Context) {
		if v.HasAdmin() {
			DeferCleanup(func(ctx SpecContext) { Expect(v.Admin().Reset(ctx)).To(Succeed(), "reset the mock") })
			return
		}
		match := fixtureMatch()
		var before []w50Contact
		add := func(cs []w50Contact) {
			for _, c := range cs {
				if !slices.ContainsFunc(before, func(b w50Contact) bool { return b.EncContactID == c.EncContactID }) {
					before = append(before, c)
				}
			}
		}
		add(readState(ctx, match).Contacts)
		for k, val := range match {
			add(readState(ctx, map[string]string{k: val}).Contacts)
		}
		DeferCleanup(func(ctx SpecContext) {
			for _, c := range before {
				by := map[string]string{}
				for k, val := range match {
					by[k] = val
				}
				now := slices.IndexFunc(readState(ctx, by).Contacts, func(n w50Contact) bool { return n.EncContactID == c.EncContactID })
				var after w50Contact
				if now >= 0 {
					after = readState(ctx, by).Contacts[now]
				} else {
					// Found again by one value it still has.
					for k, val := range match {
						cs := readState(ctx, map[string]string{k: val}).Contacts
						if i := slices.IndexFunc(cs, func(n w50Contact) bool { return n.EncContactID == c.EncContactID }); i >= 0 {
							after = cs[i]
						}
					}
				}
				Expect(after.EncContactID).To(Equal(c.EncContactID), "contact %s is no longer found by the match values", c.EncContactID)
				set, keep := map[string]any{}, map[string]string{}
				for k, old := range c.Values {
					if fmt.Sprint(after.Values[k]) != fmt.Sprint(old) {
						set[k] = old
					} else if text, ok := w50Text(old); ok {
						keep[k] = text
					}
				}
				for k := range after.Values {
					_, had := c.Values[k]
					Expect(had).To(BeTrue(), "contact %s: the spec added %s, which no vendor call can take away", c.EncContactID, k)
				}
				if len(set) == 0 {
					continue
				}
				Expect(keep).NotTo(BeEmpty(), "contact %s: no value left to find it by", c.EncContactID)
				found := readState(ctx, keep).Contacts
				Expect(w50EncIDs(found)).To(Equal([]string{c.EncContactID}), "contact %s: its unchanged values find it alone", c.EncContactID)
				ids, err := v.Which50().UpdateContactsByMatch(ctx, listID(), keep, set)
				Expect(err).NotTo(HaveOccurred(), "restore contact %s", c.EncContactID)
				Expect(ids).To(Equal([]string{c.EncContactID}), "restore contact %s", c.EncContactID)
			}
		})
	}
	// A mutating spec on a target whose state outlives the run (a url target, live) leaves the
	// named contacts as it found them, also when it fails: the embedded mocks are thrown away.
	BeforeEach(func(ctx SpecContext) {
		if v.Target() != framework.Embedded && v.MayMutate() && slices.Contains(CurrentSpecReport().Labels(), string(framework.Mutating)) {
			restoreAfter(ctx)
		}
	})
	withFaults := func(ctx context.Context) {
		Expect(v.Admin().SetFaults(ctx, 0, 0, 1)).To(Succeed(), "set faults")
		DeferCleanup(func(ctx SpecContext) {
			Expect(v.Admin().SetFaults(ctx, 0, 0, 0)).To(Succeed(), "clear faults")
		})
	}

	// readonlyClient is the typed client with the mock's token that may update no list.
	readonlyClient := func() *which50.ContactsClient {
		c, err := which50.NewContactsClient(v.BaseURL(), which50.BearerToken(apiclient.NewSecret("readonly")),
			apiclient.WithHTTPClient(v.HTTP()), apiclient.WithRetryPolicy(apiclient.NoRetry()))
		Expect(err).NotTo(HaveOccurred())
		return c
	}

	// ======================================================================================
	// The error catalogue: every entry, on every operation it can answer.
	// ======================================================================================
	Describe("error catalogue", func() {
		type errorRow struct {
			must   string
			op     string // the operation the request is meant for; "" when it reaches none
			entry  string
			accept string // the request's Accept: the answer's media type, JSON when ""
			build  func() w50Request
			args   func(r w50Request) map[string]string
			labels []framework.Label
			// covers the entry's status on op too; false for a variant of a row that does.
			status bool
			faults bool
			// mockOnly rows check that the store and the events did not change.
			mockOnly bool
		}
		var rows []errorRow
		for _, op := range w50Ops {
			method := w50Method[op]
			rows = append(rows,
				errorRow{
					must: method + " without `match` MUST be refused with " + entryOf(op, "match-missing"),
					op:   op, entry: entryOf(op, "match-missing"), status: true,
					build: func() w50Request {
						r := reqFor(op, listID(), noMatch())
						_, rest, _ := strings.Cut(r.query, "&")
						r.query = rest // the value parameters stay, `match` goes
						return r
					},
					labels: []framework.Label{framework.Negative, framework.LiveSafe},
				},
				errorRow{
					must: method + " with an empty `match` MUST be refused with " + entryOf(op, "match-missing"),
					op:   op, entry: entryOf(op, "match-missing"),
					build: func() w50Request {
						r := reqFor(op, listID(), noMatch())
						_, rest, _ := strings.Cut(r.query, "&")
						r.query = strings.TrimSuffix("match=&"+rest, "&")
						return r
					},
					labels: []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed}, // PropertyNames x-assumed
				},
				errorRow{
					must: method + " without credentials MUST be refused with " + entryOf(op, "unauthorized"),
					op:   op, entry: entryOf(op, "unauthorized"),
					build: func() w50Request {
						r := reqFor(op, listID(), noMatch())
						r.auth = w50NoAuth
						return r
					},
					labels: []framework.Label{framework.Negative, framework.LiveSafe},
				},
				errorRow{
					must: method + " with credentials that are not valid MUST be refused with " + entryOf(op, "unauthorized"),
					op:   op, entry: entryOf(op, "unauthorized"), status: true, accept: "text/json",
					build: func() w50Request {
						r := reqFor(op, listID(), noMatch())
						r.auth = "Bearer conformance-suite-not-a-token"
						return r
					},
					labels: []framework.Label{framework.LiveSafe},
				},
				errorRow{
					// The mock's `readonly` token is valid and may update no list.
					must: method + " by a user without rights to the list MUST be refused with " + entryOf(op, "forbidden") + " and change nothing",
					op:   op, entry: entryOf(op, "forbidden"), status: true, accept: "application/xml",
					build: func() w50Request {
						r := reqFor(op, listID(), fixtureMatch())
						r.auth = "Bearer readonly"
						return r
					},
					labels: []framework.Label{framework.MockOnly}, mockOnly: true,
				},
				errorRow{
					must: method + " without a body MUST be refused with " + entryOf(op, "contact-null"),
					op:   op, entry: entryOf(op, "contact-null"), status: true,
					build: func() w50Request {
						r := reqFor(op, listID(), noMatch())
						r.body, r.contentType = nil, ""
						return r
					},
					labels: []framework.Label{framework.Negative, framework.LiveSafe},
				},
				errorRow{
					must: method + " with the body `null` MUST be refused with " + entryOf(op, "contact-null"),
					op:   op, entry: entryOf(op, "contact-null"), accept: "text/xml",
					build: func() w50Request {
						r := reqFor(op, listID(), noMatch())
						r.body = []byte("null")
						return r
					},
					labels: []framework.Label{framework.Negative, framework.LiveSafe},
				},
				errorRow{
					must: method + " on a contact list that does not exist MUST be refused with " + entryOf(op, "list-not-found"),
					op:   op, entry: entryOf(op, "list-not-found"), status: true,
					build:  func() w50Request { return reqFor(op, w50NoSuchList, noMatch()) },
					labels: []framework.Label{framework.LiveSafe},
				},
				errorRow{
					must: method + " whose values match no contact MUST be refused with " + entryOf(op, "no-contacts-matched"),
					op:   op, entry: entryOf(op, "no-contacts-matched"), accept: "application/xml",
					build:  func() w50Request { return reqFor(op, listID(), noMatch()) },
					labels: []framework.Label{framework.LiveSafe},
				},
				errorRow{
					must: method + " MUST answer " + entryOf(op, "internal-error") + " when the server fails, running no Custom Event and changing nothing",
					op:   op, entry: entryOf(op, "internal-error"), status: true, faults: true,
					build: func() w50Request {
						r := reqFor(op, listID(), fixtureMatch())
						r.query += "&customevents=" + strings.Join(pageEvents(), ",")
						return r
					},
					labels: []framework.Label{framework.MockOnly}, mockOnly: true,
				},
				errorRow{
					must: method + " with a body in a media type the page does not list MUST be refused with unsupported-media-type",
					op:   op, entry: "unsupported-media-type", status: true,
					build: func() w50Request {
						r := reqFor(op, listID(), noMatch())
						r.contentType, r.body = "text/plain", []byte("conformance suite: not a ContactDTO")
						return r
					},
					args:   func(r w50Request) map[string]string { return map[string]string{"mediaType": r.contentType} },
					labels: []framework.Label{framework.Negative, framework.LiveSafe},
				},
				errorRow{
					must: method + " on a contact list id that is not an integer MUST be refused with request-invalid",
					op:   op, entry: "request-invalid", status: true,
					build: func() w50Request {
						r := reqFor(op, listID(), noMatch())
						r.path = route("abc")
						return r
					},
					labels: []framework.Label{framework.Negative, framework.LiveSafe},
				},
			)
		}
		// The page's 400 row as the spec extends it (x-assumed): a property named in `match`
		// without a value to match.
		rows = append(rows,
			errorRow{
				must: "PATCH naming a property in `match` without a query parameter of that name MUST be refused with update-match-missing",
				op:   w50Update, entry: "update-match-missing",
				build: func() w50Request {
					match := fixtureMatch()
					r := patchReq(listID(), match)
					r.query = w50Query(w50SortedKeys(match), nil)
					return r
				},
				labels: []framework.Label{framework.LiveSafe, framework.Assumed},
			},
			errorRow{
				must: "PUT naming a property in `match` that is not a key of Values MUST be refused with upsert-match-missing",
				op:   w50Upsert, entry: "upsert-match-missing",
				build: func() w50Request {
					r := putReq(listID(), fixtureMatch())
					r.body = []byte(`{"Values":{}}`)
					return r
				},
				labels: []framework.Label{framework.LiveSafe, framework.Assumed},
			},
		)
		// What the page leaves open and the spec decides (assumed): a parameter the action binds
		// to one string sent twice (x-mock refuseRepeatedQuery; the catalogue answers an invalid
		// `match` with the operation's match-missing entry), an empty Custom Event name
		// (CustomEventNames x-assumed: invalid, like `match`), a query that is not UTF-8 in a
		// parameter no rule reads (request-invalid's when: malformed in query), and the order of
		// two faults in one request (x-mock errors.order, request-invalid's x-assumed: ASP.NET's
		// pipeline order). Each request matches no contact, so a vendor that disagrees changes
		// nothing.
		rows = append(rows,
			errorRow{
				must: "PATCH with `match` sent twice MUST be refused with update-match-missing (spec x-mock refuseRepeatedQuery; the entry's when: invalid query match)",
				op:   w50Update, entry: "update-match-missing",
				build: func() w50Request {
					r := patchReq(listID(), noMatch())
					r.query += "&match=" + url.QueryEscape(w50SortedKeys(noMatch())[0])
					return r
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
			},
			errorRow{
				must: "PATCH with an empty `customevents` MUST be refused with request-invalid (spec CustomEventNames x-assumed: minItems 1)",
				op:   w50Update, entry: "request-invalid",
				build: func() w50Request {
					r := patchReq(listID(), noMatch())
					r.query += "&customevents="
					return r
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
			},
			errorRow{
				must: "PATCH with an empty name among `customevents` MUST be refused with request-invalid (spec CustomEventNames x-assumed: items minLength 1)",
				op:   w50Update, entry: "request-invalid",
				build: func() w50Request {
					r := patchReq(listID(), noMatch())
					r.query += "&customevents=" + url.QueryEscape(w50NoSuchValue) + ",," + url.QueryEscape(w50NoSuchValue)
					return r
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
			},
			errorRow{
				must: "PATCH whose query holds a raw byte that is not UTF-8 in a parameter no rule reads MUST be refused with request-invalid (spec request-invalid when: malformed in query)",
				op:   w50Update, entry: "request-invalid",
				build: func() w50Request {
					r := patchReq(listID(), noMatch())
					r.query += "&conformance=\xff"
					return r
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
			},
			errorRow{
				must: "PATCH with an empty Custom Event name and `match` sent twice MUST be refused for the Custom Event name, with request-invalid (spec x-mock errors.order: invalid/query/customevents before invalid/query/match)",
				op:   w50Update, entry: "request-invalid",
				build: func() w50Request {
					r := patchReq(listID(), noMatch())
					r.query += "&match=" + url.QueryEscape(w50SortedKeys(noMatch())[0]) + "&customevents="
					return r
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
			},
			errorRow{
				must: "PATCH naming a property in `match` without its query value, with a malformed body, MUST be refused with update-match-missing (spec x-mock errors.order: rule/matchMissing before malformed)",
				op:   w50Update, entry: "update-match-missing",
				build: func() w50Request {
					match := noMatch()
					r := patchReq(listID(), match)
					r.query = w50Query(w50SortedKeys(match), nil)
					r.body = []byte(`{"Values":`)
					return r
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe, framework.Assumed},
			},
		)
		// A match value sent as empty text is a MatchValue that is empty, the page's 400 row, as
		// much as one left out of Values. (null is no value the spec's Values takes:
		// request-invalid.)
		for _, empty := range []struct {
			what  string
			value any
		}{{"empty text", ""}} {
			rows = append(rows, errorRow{
				must: "PUT naming a property in `match` whose value in Values is " + empty.what + " MUST be refused with upsert-match-missing",
				op:   w50Upsert, entry: "upsert-match-missing",
				build: func() w50Request {
					match := fixtureMatch()
					r := putReq(listID(), match)
					values := map[string]any{}
					for name := range match {
						values[name] = empty.value
					}
					r.body = w50Body("application/json", map[string]any{"Values": values})
					return r
				},
				labels: []framework.Label{framework.LiveSafe, framework.Assumed},
			})
		}
		rows = append(rows,
			errorRow{
				must:  "a request to a path that is no route MUST be refused with route-not-found",
				entry: "route-not-found",
				build: func() w50Request {
					r := patchReq(listID(), noMatch())
					r.path = strings.Replace(r.path, "/contactLists/", "/contactList/", 1)
					return r
				},
				args: func(r w50Request) map[string]string {
					return map[string]string{"uri": v.BaseURL() + r.path + "?" + r.query}
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe},
			},
			errorRow{
				must:  "a request with a method the route does not have MUST be refused with method-not-allowed",
				entry: "method-not-allowed", accept: "application/xml",
				build: func() w50Request {
					r := patchReq(listID(), noMatch())
					r.method, r.body, r.contentType = http.MethodDelete, nil, ""
					return r
				},
				args:   func(r w50Request) map[string]string { return map[string]string{"method": r.method} },
				labels: []framework.Label{framework.Negative, framework.LiveSafe},
			},
		)
		// The read the suite checks updates through (getContactsByMatch, assumed): its refusals.
		readReq := func(list any, match map[string]string) w50Request {
			return w50Request{method: http.MethodGet, path: route(list), query: w50Query(w50SortedKeys(match), match)}
		}
		rows = append(rows,
			errorRow{
				must: "GET naming a property in `match` without a query parameter of that name MUST be refused with read-match-missing",
				op:   w50Read, entry: "read-match-missing", status: true,
				build: func() w50Request {
					match := fixtureMatch()
					r := readReq(listID(), match)
					r.query = w50Query(w50SortedKeys(match), nil)
					return r
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe},
			},
			errorRow{
				must: "GET without credentials MUST be refused with read-unauthorized",
				op:   w50Read, entry: "read-unauthorized", status: true,
				build: func() w50Request {
					r := readReq(listID(), fixtureMatch())
					r.auth = w50NoAuth
					return r
				},
				labels: []framework.Label{framework.Negative, framework.LiveSafe},
			},
			errorRow{
				must: "GET on a contact list that does not exist MUST be refused with read-list-not-found",
				op:   w50Read, entry: "read-list-not-found", status: true,
				build:  func() w50Request { return readReq(w50NoSuchList, fixtureMatch()) },
				labels: []framework.Label{framework.LiveSafe},
			},
			errorRow{
				must: "GET MUST answer read-internal-error when the server fails",
				op:   w50Read, entry: "read-internal-error", status: true, faults: true,
				build:  func() w50Request { return readReq(listID(), fixtureMatch()) },
				labels: []framework.Label{framework.MockOnly},
			},
		)
		for _, row := range rows {
			covers := []string{framework.CatalogueID(row.entry)}
			if row.status {
				covers = w50EntryCovers(row.entry, row.op)
			}
			v.ConformanceIt(framework.Spec{Must: row.must, Operation: row.op, Covers: covers, Labels: w50Labels(covers, row.labels...)}, func(ctx SpecContext) {
				r := row.build()
				r.accept = row.accept
				answer := row.accept
				if answer == "" {
					answer = "application/json"
				}
				var args map[string]string
				if row.args != nil {
					args = row.args(r)
				}
				check := func() {
					resp, body := send(ctx, r)
					expectEntry(resp, body, row.entry, args, answer)
				}
				if row.faults {
					withFaults(ctx)
				}
				if row.mockOnly {
					expectUnchanged(ctx, check)
					return
				}
				check()
			})
		}
	})

	// ======================================================================================
	// Input the page does not describe.
	// ======================================================================================
	Describe("undocumented input", func() {
		type badInput struct {
			what        string
			contentType string
			body        func(op string) []byte
			// entry is what the spec says answers it ("contact-null": the operation's own entry),
			// "" when it says nothing beyond a 4xx.
			entry string
			args  map[string]string
			// valid requests (per the spec's schemas) are validated as usual.
			valid bool
		}
		// goodValues is a body the mock would apply: the page's values to set, and on PUT the
		// page's match values.
		goodValues := func(op string) map[string]any {
			if op == w50Update {
				return map[string]any{"Values": exampleValues(w50Update, "page-patch-example")}
			}
			return map[string]any{"Values": exampleValues(w50Upsert, "page-put-example")}
		}
		inputs := []badInput{
			{what: "malformed JSON", contentType: "application/json", entry: "contact-null",
				body: func(op string) []byte {
					b := w50Body("application/json", goodValues(op))
					return b[:len(b)-2]
				}},
			{what: "malformed XML", contentType: "application/xml", entry: "contact-null",
				body: func(op string) []byte {
					b := w50Body("application/xml", goodValues(op))
					return bytes.Replace(b, []byte("</Values>"), []byte("</Value>"), 1)
				}},
			{what: "a form body", contentType: "application/x-www-form-urlencoded", entry: "unsupported-media-type",
				args: map[string]string{"mediaType": "application/x-www-form-urlencoded"},
				body: func(string) []byte { return []byte("Values%5BMobile%5D=353871234567") }},
			{what: "a body over the mock's size cap", contentType: "application/json",
				body: func(op string) []byte {
					return []byte(`{"Values":{"Mobile":"` + strings.Repeat("3", int(w50mock.MaxBodyBytes)) + `"}}`)
				}},
			{what: "a body that is not UTF-8", contentType: "application/json",
				body: func(op string) []byte {
					b := w50Body("application/json", goodValues(op))
					return bytes.Replace(b, []byte("353871234567"), []byte("35387\xff\xfe4567"), 1)
				}},
			{what: "a ListId that is not an integer", contentType: "application/json", entry: "request-invalid",
				body: func(op string) []byte {
					dto := goodValues(op)
					dto["ListId"] = "three"
					return w50Body("application/json", dto)
				}},
			{what: "a property outside the list's schema", contentType: "application/json", valid: true,
				body: func(op string) []byte {
					dto := goodValues(op)
					vals := map[string]any{"ConformanceNoSuchField": "x"}
					for k, val := range dto["Values"].(map[string]any) {
						vals[k] = val
					}
					return w50Body("application/json", map[string]any{"Values": vals})
				}},
		}
		for _, op := range w50Ops {
			method := w50Method[op]
			for _, in := range inputs {
				covers := []string{w50RuleMalformed}
				entry := in.entry
				if entry == "contact-null" {
					entry = entryOf(op, entry)
				}
				if entry != "" {
					covers = append(covers, framework.CatalogueID(entry))
				}
				// A vendor that took the body would write: mutating, on the named contacts.
				labels := []framework.Label{framework.Mutating}
				if !in.valid {
					labels = append(labels, framework.Negative)
				}
				v.ConformanceIt(framework.Spec{
					Must:      method + " with " + in.what + " MUST be refused with a 4xx in the vendor's error format and change nothing",
					Operation: op, Covers: covers, Labels: w50Labels(covers, labels...),
				}, func(ctx SpecContext) {
					names, values := specMatch()
					r := w50Request{method: method, path: route(listID()), query: w50Query(names, values), contentType: in.contentType, body: in.body(op)}
					if op == w50Upsert {
						r.query = w50Query(names, nil)
					}
					expectUnchanged(ctx, func() {
						resp, body := send(ctx, r)
						Expect(resp.StatusCode).To(And(BeNumerically(">=", 400), BeNumerically("<", 500)), "status")
						if entry != "" {
							expectEntry(resp, body, entry, in.args, "application/json")
						}
					})
				})
			}
		}
	})

	// ======================================================================================
	// The page's examples.
	// ======================================================================================
	Describe("page examples", func() {
		covers := func(op, example string, more ...string) []string {
			return append([]string{framework.ExampleID(op, example), framework.StatusID(op, http.StatusOK)}, more...)
		}
		labels := []framework.Label{framework.Mutating, framework.MockOnly}

		v.ConformanceIt(framework.Spec{
			Must:      "PATCH with the page's match values and the page-patch-example body MUST update the page's contact and answer its encrypted id",
			Operation: w50Update, Covers: covers(w50Update, "page-patch-example"), Labels: []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			_, match := specMatch()
			set := exampleValues(w50Update, "page-patch-example")
			before := stateFor(ctx, match)
			want := before.matching(listID(), match)
			Expect(want).NotTo(BeEmpty(), "fixtures: the page's contact")
			ids, err := v.Which50().UpdateContactsByMatch(ctx, listID(), match, set)
			Expect(err).NotTo(HaveOccurred())
			Expect(ids).To(ConsistOf(w50EncIDs(want)), "ids")
			expectUpdated(before, stateFor(ctx, match), listID(), ids, set)
		})

		v.ConformanceIt(framework.Spec{
			Must:      "PUT matching on a property whose value is an object MUST update exactly the contacts holding an equal object, and MUST answer upsert-no-contacts-matched when no stored object equals it",
			Operation: w50Upsert,
			Covers:    []string{w50RulePut, w50RuleMatchAll, framework.StatusID(w50Upsert, http.StatusOK), framework.CatalogueID("upsert-no-contacts-matched")},
			Labels:    labels,
		}, func(ctx SpecContext) {
			// Values maps names to objects (page, Body Parameters); the page's samples name
			// the object-valued properties.
			prop := slices.Sorted(maps.Keys(exampleValues(w50Update, "page-sample-json")))[0]
			gold := map[string]any{"Tier": "Gold"}
			_, page := pageMatch()
			tagged, err := v.Which50().UpdateContactsByMatch(ctx, listID(), page, map[string]any{prop: gold})
			Expect(err).NotTo(HaveOccurred(), "give the page's contact the object")
			Expect(tagged).NotTo(BeEmpty(), "fixtures: the page's contact")
			ids, err := v.Which50().UpsertContactsByMatch(ctx, listID(), map[string]any{prop: gold}, map[string]any{"Mobile": "353879999999"})
			Expect(err).NotTo(HaveOccurred(), "match on the object")
			Expect(ids).To(ConsistOf(tagged), "the contacts holding the object, and only they")
			_, err = v.Which50().UpsertContactsByMatch(ctx, listID(), map[string]any{prop: map[string]any{"Tier": "Silver"}}, map[string]any{"Mobile": "353879999998"})
			Expect(err).To(MatchError(apiclient.CatalogueID("upsert-no-contacts-matched")), "an object no contact holds")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "PUT with the page's `match` and the page-put-example body MUST update the page's contact and answer its encrypted id",
			Operation: w50Upsert, Covers: covers(w50Upsert, "page-put-example", w50RulePut), Labels: []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			names := stringsOf(paramExample(w50Upsert, "match", "page-put-match-example"))
			values := exampleValues(w50Upsert, "page-put-example")
			match, set, text := map[string]any{}, map[string]any{}, map[string]string{}
			for k, val := range values {
				if slices.Contains(names, k) {
					match[k] = val
					text[k] = fmt.Sprint(w50Number(val))
				} else {
					set[k] = val
				}
			}
			if !v.HasAdmin() {
				// The named records' values to match, the page's values to set.
				_, text = specMatch()
				_, match = putMatch()
			}
			before := stateFor(ctx, text)
			want := before.matching(listID(), text)
			Expect(want).NotTo(BeEmpty(), "fixtures: the page's contact")
			ids, err := v.Which50().UpsertContactsByMatch(ctx, listID(), match, set)
			Expect(err).NotTo(HaveOccurred())
			Expect(ids).To(ConsistOf(w50EncIDs(want)), "ids")
			expectUpdated(before, stateFor(ctx, text), listID(), ids, set)
		})

		// The format samples hold only the sample's own keys: on PATCH they travel with the
		// page's match query. Their Values ("sample string 1": {}) are object fields of the mock's
		// copy of the page's list.
		samples := []struct{ example, mediaType, rule string }{
			{"page-sample-json", "application/json", w50RuleBodyJSON},
			{"page-sample-json", "text/json", w50RuleBodyJSON},
			{"page-sample-csp-report", "application/csp-report", w50RuleBodyCSP},
			{"page-sample-xml", "application/xml", w50RuleBodyXML},
			{"page-sample-xml", "text/xml", w50RuleBodyXML},
		}
		// On a target without admin API the samples run only on named records that already hold
		// the sample's fields: PATCH merges Values, so a field a sample added could not be taken
		// away again, and the run would leave the records changed.
		holdsSample := func(ctx context.Context, match map[string]string, sample map[string]any) {
			if v.HasAdmin() {
				return
			}
			for _, c := range readState(ctx, match).Contacts {
				for k := range sample {
					if _, ok := c.Values[k]; !ok {
						Skip(fmt.Sprintf("the named contact %s has no field %q of the page's sample; a field a sample adds cannot be taken away", c.EncContactID, k))
					}
				}
			}
		}
		for _, s := range samples {
			v.ConformanceIt(framework.Spec{
				Must:      "PATCH with the page's match query and the " + s.example + " body as " + s.mediaType + " MUST update the page's contact",
				Operation: w50Update, Covers: covers(w50Update, s.example, s.rule), Labels: []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				names, match := specMatch()
				dto := v.Example(w50Update, s.example).(map[string]any)
				holdsSample(ctx, match, dto["Values"].(map[string]any))
				before := stateFor(ctx, match)
				want := before.matching(listID(), match)
				resp, body := send(ctx, w50Request{method: http.MethodPatch, path: route(listID()), query: w50Query(names, match),
					contentType: s.mediaType, body: w50Body(s.mediaType, dto)})
				ids := w50IDs(resp, body)
				Expect(ids).To(ConsistOf(w50EncIDs(want)), "ids")
				expectUpdated(before, stateFor(ctx, match), listID(), ids, dto["Values"].(map[string]any))
			})

			// On PUT the names in `match` must be keys of the sample's Values, whose values are
			// {}: a first call gives the page's contact the sample's first key, so that the
			// sample then matches it on that key and sets the other.
			v.ConformanceIt(framework.Spec{
				Must:      "PUT matching on a key of the " + s.example + " body as " + s.mediaType + " MUST update the contact holding that value",
				Operation: w50Upsert, Covers: covers(w50Upsert, s.example, s.rule, w50RulePut), Labels: []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				dto := v.Example(w50Upsert, s.example).(map[string]any)
				sample := dto["Values"].(map[string]any)
				keys := w50SortedKeys(sample)
				Expect(len(keys)).To(BeNumerically(">=", 2), "the sample's Values")
				_, match := specMatch()
				holdsSample(ctx, match, sample)
				first, err := json.Marshal(sample[keys[0]])
				Expect(err).NotTo(HaveOccurred())
				byFirst := map[string]string{keys[0]: string(first)}
				if !v.HasAdmin() {
					// Only the named contacts may come to hold the sample's value: the PUT
					// changes every contact that does, and only those are written back.
					if held := readState(ctx, byFirst).Contacts; len(held) > 0 {
						Skip(fmt.Sprintf("%d contacts of the list already hold %s %s; the PUT would change them and they would not be restored", len(held), keys[0], first))
					}
				}
				prepared, err := v.Which50().UpdateContactsByMatch(ctx, listID(), match, map[string]any{keys[0]: sample[keys[0]]})
				Expect(err).NotTo(HaveOccurred(), "prepare the page's contact")
				before := stateFor(ctx, byFirst)
				resp, body := send(ctx, w50Request{method: http.MethodPut, path: route(listID()), query: w50Query(keys[:1], nil),
					contentType: s.mediaType, body: w50Body(s.mediaType, dto)})
				ids := w50IDs(resp, body)
				Expect(ids).To(ConsistOf(prepared), "ids: the contacts holding the sample's value")
				rest := map[string]any{}
				for _, k := range keys[1:] {
					rest[k] = sample[k]
				}
				expectUpdated(before, stateFor(ctx, byFirst), listID(), ids, rest)
			})
		}
	})

	// ======================================================================================
	// Match semantics, ids and the PUT form.
	// ======================================================================================
	Describe("matching", func() {
		labels := []framework.Label{framework.Mutating, framework.MockOnly}

		// subsets of the page's match values: one property, and all of them.
		for _, n := range []string{"one property", "several properties"} {
			v.ConformanceIt(framework.Spec{
				Must:      "PATCH matching on " + n + " MUST update every contact of the list that has all the values, and no other contact",
				Operation: w50Update, Covers: []string{w50RuleMatchAll, w50RuleIDs, framework.StatusID(w50Update, http.StatusOK)}, Labels: labels,
			}, func(ctx SpecContext) {
				names, all := pageMatch()
				match := all
				if n == "one property" {
					match = map[string]string{names[0]: all[names[0]]}
				}
				set := exampleValues(w50Update, "page-patch-example")
				before := state(ctx)
				want := before.matching(listID(), match)
				if n == "several properties" {
					// Some contact has one of the values only: ALL, not ANY, decides.
					Expect(len(all)).To(BeNumerically(">=", 2), "the page's match")
					Expect(len(before.matching(listID(), map[string]string{names[0]: all[names[0]]}))).To(BeNumerically(">", len(want)), "fixtures: a contact with one value only")
				}
				Expect(want).NotTo(BeEmpty(), "fixtures: contacts with the values")
				Expect(len(want)).To(BeNumerically("<", len(before.contacts(listID()))), "fixtures: contacts without them")
				ids, err := v.Which50().UpdateContactsByMatch(ctx, listID(), match, set)
				Expect(err).NotTo(HaveOccurred())
				Expect(ids).To(ConsistOf(w50EncIDs(want)), "ids")
				expectUpdated(before, state(ctx), listID(), ids, set)
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "PUT MUST match on the body's values of the properties named in `match`, ignore the query's, and set the rest of Values",
			Operation: w50Upsert, Covers: []string{w50RulePut, w50RuleMatchAll, framework.StatusID(w50Upsert, http.StatusOK)}, Labels: []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			names := stringsOf(paramExample(w50Upsert, "match", "page-put-match-example"))
			values := exampleValues(w50Upsert, "page-put-example")
			// Match on the first name only (more contacts share it); set what the example sets.
			name := names[0]
			set := map[string]any{}
			for k, val := range values {
				if !slices.Contains(names, k) {
					set[k] = val
				}
			}
			text := fmt.Sprint(w50Number(values[name]))
			if !v.HasAdmin() {
				// The first of the named records' values to match.
				ns, m := specMatch()
				name, text = ns[0], m[ns[0]]
			}
			one := map[string]string{name: text}
			before := stateFor(ctx, one)
			want := before.matching(listID(), one)
			Expect(want).NotTo(BeEmpty(), "fixtures: contacts with the value")
			body := map[string]any{name: putValue(name, text)}
			for k, val := range set {
				body[k] = val
			}
			// A query parameter of the matched name's must not be read on PUT.
			resp, raw := send(ctx, w50Request{method: http.MethodPut, path: route(listID()),
				query:       w50Query([]string{name}, map[string]string{name: w50NoSuchValue}),
				contentType: "application/json", body: w50Body("application/json", map[string]any{"Values": body})})
			ids := w50IDs(resp, raw)
			Expect(ids).To(ConsistOf(w50EncIDs(want)), "ids")
			expectUpdated(before, stateFor(ctx, one), listID(), ids, set)
		})

		v.ConformanceIt(framework.Spec{
			Must:      "the ids answered MUST be the encrypted ids of the updated contacts, never their plain ids, and the same on every call and either form",
			Operation: w50Update, Covers: []string{w50RuleIDs}, Labels: labels,
		}, func(ctx SpecContext) {
			names, match := pageMatch()
			match = map[string]string{names[0]: match[names[0]]}
			want := state(ctx).matching(listID(), match)
			first, err := v.Which50().UpdateContactsByMatch(ctx, listID(), match, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(first).To(ConsistOf(w50EncIDs(want)), "ids")
			for _, c := range want {
				Expect(first).NotTo(ContainElement(strconv.Itoa(c.ID)), "a plain contact id")
			}
			second, err := v.Which50().UpdateContactsByMatch(ctx, listID(), match, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(second).To(ConsistOf(first), "ids of a second PATCH")
			put, err := v.Which50().UpsertContactsByMatch(ctx, listID(), map[string]any{names[0]: putValue(names[0], match[names[0]])}, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(put).To(ConsistOf(first), "ids of the same match by PUT")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "the ids answered for the same match MUST be the same on every call",
			Operation: w50Update, Covers: []string{w50RuleIDs, framework.StatusID(w50Update, http.StatusOK)}, Labels: []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			// Values {} sets nothing: on a live list this only reads which contacts match.
			r := patchReq(listID(), fixtureMatch())
			first := w50IDs(send(ctx, r))
			Expect(slices.Compact(slices.Sorted(slices.Values(first)))).To(HaveLen(len(first)), "ids are unique")
			Expect(w50IDs(send(ctx, r))).To(ConsistOf(first), "ids of a second call")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "`match` MUST take the property names as one value with literal commas and each value as its own query parameter, as the typed client sends them",
			Operation: w50Update, Covers: []string{w50RuleMatchQuery, w50RuleMatchAll}, Labels: []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			names, match := specMatch()
			if len(names) < 2 && !v.HasAdmin() {
				Skip("CONTACTAPIS_WHICH50_MATCH names one property; the comma-separated form needs two")
			}
			Expect(len(names)).To(BeNumerically(">=", 2), "the page's match")
			want := w50EncIDs(stateFor(ctx, match).matching(listID(), match))
			Expect(want).NotTo(BeEmpty(), "fixtures: the page's contact")

			// The page's own query, names in the page's order.
			query := w50Query(names, match)
			Expect(query).To(HavePrefix("match="+strings.Join(names, ",")+"&"), "the page's form")
			resp, body := send(ctx, w50Request{method: http.MethodPatch, path: route(listID()), query: query,
				contentType: "application/json", body: []byte(`{"Values":{}}`)})
			Expect(w50IDs(resp, body)).To(ConsistOf(want), "ids for the page's query")

			// The typed client's query: the same form (its names sorted).
			var sent []string
			recorder := w50Doer(func(r *http.Request) (*http.Response, error) {
				sent = append(sent, r.URL.RawQuery)
				r.Header.Del(w50PlaceholderHeader)
				v.Authorize(r.Context(), r)
				return v.HTTP().Do(r)
			})
			c, err := which50.NewContactsClient(v.BaseURL(), which50.HeaderCredentials(w50PlaceholderHeader, apiclient.NewSecret("replaced-by-the-target")),
				apiclient.WithHTTPClient(recorder), apiclient.WithRetryPolicy(apiclient.NoRetry()))
			Expect(err).NotTo(HaveOccurred())
			ids, err := c.UpdateContactsByMatch(ctx, listID(), match, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(ids).To(ConsistOf(want), "ids for the typed client's query")
			Expect(sent).To(HaveLen(1))
			sorted := slices.Sorted(slices.Values(names))
			Expect(sent[0]).To(ContainSubstring("match="+strings.Join(sorted, ",")), "literal commas")
			q, err := url.ParseQuery(sent[0])
			Expect(err).NotTo(HaveOccurred())
			for _, n := range names {
				Expect(q[n]).To(Equal([]string{match[n]}), "the value of %s as its own parameter", n)
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a value to match MUST match an integer field whether the body gives it as text or as a number",
			Operation: w50Upsert, Covers: []string{w50RuleTypes}, Labels: w50Labels([]string{w50RuleTypes}, framework.Mutating),
		}, func(ctx SpecContext) {
			names := stringsOf(paramExample(w50Upsert, "match", "page-put-match-example"))
			values := w50Number(exampleValues(w50Upsert, "page-put-example")).(map[string]any)
			var number string
			for _, n := range names {
				if _, ok := values[n].(json.Number); ok {
					number = n
				}
			}
			Expect(number).NotTo(BeEmpty(), "the page's PUT example matches on a number")
			text := values[number].(json.Number).String()
			if !v.HasAdmin() {
				t, ok := fixtureMatch()[number]
				if !ok {
					Skip("CONTACTAPIS_WHICH50_MATCH names no value of " + number + ", the integer field the page's PUT example matches on")
				}
				text = t
			}
			want := w50EncIDs(stateFor(ctx, map[string]string{number: text}).matching(listID(), map[string]string{number: text}))
			Expect(want).NotTo(BeEmpty(), "fixtures: contacts with the value")
			asText, err := v.Which50().UpsertContactsByMatch(ctx, listID(), map[string]any{number: text}, nil)
			Expect(err).NotTo(HaveOccurred(), "as text")
			asNumber, err := v.Which50().UpsertContactsByMatch(ctx, listID(), map[string]any{number: values[number]}, nil)
			Expect(err).NotTo(HaveOccurred(), "as a number")
			Expect(asText).To(ConsistOf(want), "ids, value as text")
			Expect(asNumber).To(ConsistOf(want), "ids, value as a number")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a value to match with a fraction MUST match no contact of an integer field holding its whole part: no-contacts-matched, nothing changed",
			Operation: w50Upsert, Covers: []string{w50RuleMatchAll, w50RuleTypes, framework.CatalogueID("upsert-no-contacts-matched")},
			Labels: w50Labels([]string{w50RuleMatchAll, w50RuleTypes}, framework.Negative, framework.MockOnly),
		}, func(ctx SpecContext) {
			// The page updates the contacts whose properties equal the values to match: 123456.5
			// equals no contact's 123456, whether the field's type makes it a refusal or no match.
			names := stringsOf(paramExample(w50Upsert, "match", "page-put-match-example"))
			values := w50Number(exampleValues(w50Upsert, "page-put-example")).(map[string]any)
			var number string
			for _, n := range names {
				if _, ok := values[n].(json.Number); ok {
					number = n
				}
			}
			Expect(number).NotTo(BeEmpty(), "the page's PUT example matches on a number")
			whole := values[number].(json.Number).String()
			Expect(state(ctx).matching(listID(), map[string]string{number: whole})).NotTo(BeEmpty(), "fixtures: contacts with the value")
			r := putReq(listID(), map[string]string{number: whole})
			r.body = []byte(`{"Values":{"` + number + `":` + whole + `.5}}`)
			expectUnchanged(ctx, func() {
				resp, body := send(ctx, r)
				expectEntry(resp, body, "upsert-no-contacts-matched", nil, "application/json")
			})
		})

		// The spec converts values by the list schema's field type (which50-values-types, assumed;
		// ContactList's field types include boolean): the query's text true and false match a
		// boolean field's true and false. The mock's list 4 (fixtures.json, Newsletter) has the
		// boolean field Subscribed, true on one contact and false on another.
		v.ConformanceIt(framework.Spec{
			Must:      "PATCH matching a boolean field MUST read the query's true and false as the booleans: each matches exactly the contacts holding that value",
			Operation: w50Update, Covers: []string{w50RuleTypes}, Labels: w50Labels([]string{w50RuleTypes}, framework.Mutating, framework.MockOnly),
		}, func(ctx SpecContext) {
			const boolList, boolField = 4, "Subscribed"
			st := state(ctx)
			for _, b := range []string{"true", "false"} {
				match := map[string]string{boolField: b}
				want := w50EncIDs(st.matching(boolList, match))
				Expect(want).NotTo(BeEmpty(), "fixtures: a contact of list %d with %s %s", boolList, boolField, b)
				resp, body := send(ctx, patchReq(boolList, match))
				Expect(w50IDs(resp, body)).To(ConsistOf(want), "ids matched on %s=%s", boolField, b)
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "PUT with the page's example body spelt `values` MUST update as with `Values`",
			Operation: w50Upsert, Covers: []string{w50RuleValuesCase}, Labels: w50Labels([]string{w50RuleValuesCase}, framework.Mutating),
		}, func(ctx SpecContext) {
			names := stringsOf(paramExample(w50Upsert, "match", "page-put-match-example"))
			values := exampleValues(w50Upsert, "page-put-example")
			text, set := map[string]string{}, map[string]any{}
			for k, val := range values {
				if slices.Contains(names, k) {
					text[k] = fmt.Sprint(w50Number(val))
				} else {
					set[k] = val
				}
			}
			if !v.HasAdmin() {
				// The named records' values to match, the page's values to set.
				var m map[string]any
				names, m = putMatch()
				_, text = specMatch()
				values = maps.Clone(set)
				maps.Copy(values, m)
			}
			before := stateFor(ctx, text)
			want := w50EncIDs(before.matching(listID(), text))
			Expect(want).NotTo(BeEmpty(), "fixtures: the page's contact")
			resp, body := send(ctx, w50Request{method: http.MethodPut, path: route(listID()), query: w50Query(names, nil),
				contentType: "application/json", body: w50Body("application/json", map[string]any{"values": values})})
			ids := w50IDs(resp, body)
			Expect(ids).To(ConsistOf(want), "ids")
			expectUpdated(before, stateFor(ctx, text), listID(), ids, set)
		})
	})

	// ======================================================================================
	// The read (getContactsByMatch, assumed) the suite checks updates through.
	// ======================================================================================
	Describe("the read", func() {
		v.ConformanceIt(framework.Spec{
			Must:      "GET with the named records' match MUST answer, whole, exactly the contacts a PATCH with the same match updates",
			Operation: w50Read, Covers: []string{framework.StatusID(w50Read, http.StatusOK)},
			Labels: w50Labels([]string{framework.StatusID(w50Read, http.StatusOK)}, framework.Mutating),
		}, func(ctx SpecContext) {
			match := fixtureMatch()
			got := readState(ctx, match).Contacts
			Expect(got).NotTo(BeEmpty(), "the named records")
			for _, c := range got {
				Expect(c.ListID).To(Equal(listID()), "ListId of contact %s", c.EncContactID)
				for k, want := range match {
					text, ok := w50Text(c.Values[k])
					Expect(ok && text == want).To(BeTrue(), "contact %s: %s is %v, want %s", c.EncContactID, k, c.Values[k], want)
				}
			}
			// Values {} sets nothing: the PATCH only says which contacts match.
			Expect(w50IDs(send(ctx, patchReq(listID(), match)))).To(ConsistOf(w50EncIDs(got)), "the ids a PATCH answers")
			if v.HasAdmin() {
				want := state(ctx).matching(listID(), match)
				Expect(len(got)).To(Equal(len(want)), "contacts")
				for i, c := range want {
					Expect(got[i].EncContactID).To(Equal(c.EncContactID), "contact %d in id order", i)
					Expect(got[i].Values).To(Equal(c.Values), "the stored values of contact %s", c.EncContactID)
				}
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "GET whose values match no contact MUST answer an empty list",
			Operation: w50Read, Covers: []string{framework.StatusID(w50Read, http.StatusOK)},
			Labels: w50Labels([]string{framework.StatusID(w50Read, http.StatusOK)}, framework.LiveSafe),
		}, func(ctx SpecContext) {
			resp, body := send(ctx, w50Request{method: http.MethodGet, path: route(listID()), query: w50Query(w50SortedKeys(noMatch()), noMatch())})
			Expect(resp.StatusCode).To(Equal(http.StatusOK), "status (body %s)", body)
			Expect(w50MediaType(resp)).To(Equal("application/json"), "media type")
			Expect(body).To(MatchJSON(`[]`), "body")
		})
	})

	// ======================================================================================
	// Custom Events.
	// ======================================================================================
	Describe("custom events", func() {
		type ran struct{ list, contact, event string }
		ranOf := func(evs []w50Event) []ran {
			out := make([]ran, len(evs))
			for i, e := range evs {
				Expect(e.Kind).To(Equal("customevent"), "event kind")
				out[i] = ran{e.Detail.ListID.String(), e.Detail.EncContactID, e.Detail.Event}
			}
			return out
		}
		for _, op := range w50Ops {
			method := w50Method[op]
			v.ConformanceIt(framework.Spec{
				Must:      method + " with `customevents` MUST run each named Custom Event for each contact it updated",
				Operation: op, Covers: []string{w50RuleEvents, framework.StatusID(op, http.StatusOK)},
				Labels: []framework.Label{framework.Mutating, framework.MockOnly},
			}, func(ctx SpecContext) {
				names, match := pageMatch()
				match = map[string]string{names[0]: match[names[0]]}
				eventNames := pageEvents()
				want := state(ctx).matching(listID(), match)
				Expect(len(want)).To(BeNumerically(">=", 2), "fixtures: several contacts with the value")
				before := len(events(ctx))
				var ids []string
				var err error
				if op == w50Update {
					ids, err = v.Which50().UpdateContactsByMatch(ctx, listID(), match, nil, which50.WithCustomEvents(eventNames...))
				} else {
					ids, err = v.Which50().UpsertContactsByMatch(ctx, listID(), map[string]any{names[0]: putValue(names[0], match[names[0]])}, nil, which50.WithCustomEvents(eventNames...))
				}
				Expect(err).NotTo(HaveOccurred())
				Expect(ids).To(ConsistOf(w50EncIDs(want)), "ids")
				var expected []ran
				for _, id := range ids {
					for _, e := range eventNames {
						expected = append(expected, ran{strconv.Itoa(listID()), id, e})
					}
				}
				Expect(ranOf(events(ctx)[before:])).To(ConsistOf(expected), "Custom Events run")
			})

			failures := []struct {
				what, entry string
				build       func() w50Request
			}{
				{"matches no contact", entryOf(op, "no-contacts-matched"), func() w50Request { return reqFor(op, listID(), noMatch()) }},
				{"names a list that does not exist", entryOf(op, "list-not-found"), func() w50Request { return reqFor(op, w50NoSuchList, fixtureMatch()) }},
				{"is made without rights to the list", entryOf(op, "forbidden"), func() w50Request {
					r := reqFor(op, listID(), fixtureMatch())
					r.auth = "Bearer readonly"
					return r
				}},
			}
			for _, f := range failures {
				covers := []string{w50RuleEvents, framework.CatalogueID(f.entry)}
				v.ConformanceIt(framework.Spec{
					Must:      method + " with `customevents` that " + f.what + " MUST run no Custom Event",
					Operation: op, Covers: covers, Labels: w50Labels(covers, framework.MockOnly),
				}, func(ctx SpecContext) {
					r := f.build()
					r.query += "&customevents=" + strings.Join(pageEvents(), ",")
					expectUnchanged(ctx, func() {
						resp, body := send(ctx, r)
						expectEntry(resp, body, f.entry, nil, "application/json")
					})
				})
			}
		}
		// The typed client reports the same failure; this is the call a user makes.
		v.ConformanceIt(framework.Spec{
			Must:      "a refused call through the typed client MUST run no Custom Event and report the catalogue entry",
			Operation: w50Update, Covers: []string{w50RuleEvents, framework.CatalogueID("update-forbidden")},
			Labels: w50Labels([]string{framework.CatalogueID("update-forbidden")}, framework.MockOnly),
		}, func(ctx SpecContext) {
			expectUnchanged(ctx, func() {
				_, err := readonlyClient().UpdateContactsByMatch(ctx, listID(), fixtureMatch(), nil, which50.WithCustomEvents(pageEvents()...))
				var apiErr *which50.APIError
				Expect(err).To(BeAssignableToTypeOf(apiErr))
				Expect(err).To(MatchError(apiclient.CatalogueID("update-forbidden")))
			})
		})
	})

	// ======================================================================================
	// Content negotiation: the answer's format, and the body's.
	// ======================================================================================
	Describe("content negotiation", func() {
		answers := []struct{ accept, rule string }{
			{"application/json", w50RuleJSON},
			{"text/json", w50RuleJSON},
			{"application/xml", w50RuleXML},
			{"text/xml", w50RuleXML},
			{"application/csp-report", w50RuleCSP},
			{"", w50RuleDefaultJSON},
		}
		for _, op := range w50Ops {
			method := w50Method[op]
			for _, a := range answers {
				want := a.accept
				must := method + " with Accept " + a.accept + " MUST answer the updated ids in " + a.accept
				if a.accept == "" {
					want = "application/json"
					must = method + " without Accept MUST answer the updated ids in application/json"
				}
				covers := []string{a.rule, framework.StatusID(op, http.StatusOK)}
				v.ConformanceIt(framework.Spec{Must: must, Operation: op, Covers: covers, Labels: w50Labels(covers, framework.Mutating)}, func(ctx SpecContext) {
					// Values holds only the match values, so the calls set nothing.
					r := reqFor(op, listID(), fixtureMatch())
					r.accept = "application/json"
					baseline := w50IDs(send(ctx, r))
					r.accept = a.accept
					resp, body := send(ctx, r)
					Expect(w50MediaType(resp)).To(Equal(want), "media type")
					Expect(w50IDs(resp, body)).To(ConsistOf(baseline), "the ids of the JSON answer")
					if a.accept == "application/csp-report" {
						var compact bytes.Buffer
						Expect(json.Compact(&compact, body)).To(Succeed())
						Expect(string(bytes.TrimSpace(body))).To(Equal(compact.String()), "compact like the page's sample")
					}
				})
			}
		}
		// Accept lists: each row has a format that a reader ignoring q-values (or taking the
		// last range, or the first) would pick instead of the one wanted.
		lists := []struct{ accept, want, why string }{
			{"application/xml;q=0.2, text/json;q=0.8", "text/json", "the highest q wins over the order of the list"},
			{"text/xml;q=0.5, application/json", "application/json", "a range without q has q=1"},
			{"application/xml;q=0, application/json;q=0.1", "application/json", "q=0 means not acceptable, however low the rest"},
			{"application/xml, application/json", "application/xml", "of equal q, the range listed first wins"},
			{"text/json;q=0.7, text/xml;q=0.7", "text/json", "of equal q, the range listed first wins"},
			{"application/xml;q=1, application/json;q=0.5", "application/xml", "q=1 written out is the highest q, not one to skip"},
			{"text/xml;q=0, text/plain", "application/json", "a format listed only with q=0 is never answered, even when nothing else listed is offered"},
			// RFC 9110 section 12.5.1: a type takes the q of the most specific range that covers it,
			// so application/json;q=0 is not acceptable beside application/*; of the rest, the
			// spec's x-mock negotiate order (info x-assumed: ASP.NET's formatter order) decides.
			{"application/*;q=0.5, application/json;q=0", "application/xml", "the most specific range's q applies (application/json;q=0 is refused although application/* covers it)"},
			{"application/json;q=0.1, */*;q=0.9", "text/json", "the most specific range's q applies (application/json gets 0.1, every other format 0.9)"},
		}
		for _, op := range w50Ops {
			method := w50Method[op]
			for _, l := range lists {
				covers := []string{w50RuleAcceptQuality, framework.StatusID(op, http.StatusOK)}
				v.ConformanceIt(framework.Spec{
					Must:      method + " with Accept " + l.accept + " MUST answer in " + l.want + ": " + l.why,
					Operation: op, Covers: covers, Labels: w50Labels(covers, framework.Mutating),
				}, func(ctx SpecContext) {
					r := reqFor(op, listID(), fixtureMatch())
					r.accept = "application/json"
					baseline := w50IDs(send(ctx, r))
					r.accept = l.accept
					resp, body := send(ctx, r)
					Expect(w50MediaType(resp)).To(Equal(l.want), "media type")
					Expect(w50IDs(resp, body)).To(ConsistOf(baseline), "the ids of the JSON answer")
				})
			}
		}

		// A range naming every subtype of a type (RFC 9110 section 12.5.1, "type/*") admits the
		// formats of that type only: text/* with the highest q is answered in text/json or
		// text/xml, never in an application/ format listed with a lower q.
		for _, op := range w50Ops {
			method := w50Method[op]
			covers := []string{w50RuleAcceptQuality, w50RuleJSON, w50RuleXML, framework.StatusID(op, http.StatusOK)}
			v.ConformanceIt(framework.Spec{
				Must:      method + " with Accept application/xml;q=0.5, text/* MUST answer in a text/ format the page lists (text/json or text/xml)",
				Operation: op, Covers: covers, Labels: w50Labels(covers, framework.Mutating),
			}, func(ctx SpecContext) {
				r := reqFor(op, listID(), fixtureMatch())
				r.accept = "application/json"
				baseline := w50IDs(send(ctx, r))
				r.accept = "application/xml;q=0.5, text/*"
				resp, body := send(ctx, r)
				Expect(w50MediaType(resp)).To(BeElementOf("text/json", "text/xml"), "media type")
				Expect(w50IDs(resp, body)).To(ConsistOf(baseline), "the ids of the JSON answer")
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "the typed client asking for XML MUST read the same ids as in JSON",
			Operation: w50Update, Covers: []string{w50RuleXML, w50RuleJSON}, Labels: []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			match := fixtureMatch()
			asJSON, err := v.Which50().UpdateContactsByMatch(ctx, listID(), match, nil, which50.WithResponseFormat(which50.FormatJSON))
			Expect(err).NotTo(HaveOccurred())
			asXML, err := v.Which50().UpdateContactsByMatch(ctx, listID(), match, nil, which50.WithResponseFormat(which50.FormatXML))
			Expect(err).NotTo(HaveOccurred())
			Expect(asXML).To(ConsistOf(asJSON))
			Expect(asXML).NotTo(BeEmpty())
		})

		// Bodies: each listed media type is read, shown by the value it sets.
		bodies := []struct{ mediaType, rule string }{
			{"application/json", w50RuleBodyJSON},
			{"text/json", w50RuleBodyJSON},
			{"application/csp-report", w50RuleBodyCSP},
			{"application/xml", w50RuleBodyXML},
			{"text/xml", w50RuleBodyXML},
		}
		for _, op := range w50Ops {
			method := w50Method[op]
			for _, b := range bodies {
				covers := []string{b.rule, framework.StatusID(op, http.StatusOK)}
				v.ConformanceIt(framework.Spec{
					Must:      method + " with a body in " + b.mediaType + " MUST read it and set its values",
					Operation: op, Covers: covers, Labels: []framework.Label{framework.Mutating},
				}, func(ctx SpecContext) {
					names, match := specMatch()
					set := exampleValues(w50Update, "page-patch-example")
					r := w50Request{method: method, path: route(listID()), query: w50Query(names, match), contentType: b.mediaType,
						body: w50Body(b.mediaType, map[string]any{"Values": set})}
					if op == w50Upsert {
						values := map[string]any{}
						for k, val := range exampleValues(w50Upsert, "page-put-example") {
							values[k] = val
						}
						for k, val := range set {
							values[k] = val
						}
						put := stringsOf(paramExample(w50Upsert, "match", "page-put-match-example"))
						if !v.HasAdmin() {
							// The named records' values to match.
							var m map[string]any
							put, m = putMatch()
							maps.Copy(values, m)
						}
						r.query = w50Query(put, nil)
						r.body = w50Body(b.mediaType, map[string]any{"Values": values})
					}
					before := stateFor(ctx, match)
					want := w50EncIDs(before.matching(listID(), match))
					Expect(want).NotTo(BeEmpty(), "fixtures: the page's contact")
					resp, body := send(ctx, r)
					ids := w50IDs(resp, body)
					Expect(ids).To(ConsistOf(want), "ids")
					expectUpdated(before, stateFor(ctx, match), listID(), ids, set)
				})
			}
			v.ConformanceIt(framework.Spec{
				Must:      method + " through the typed client in DataContract XML both ways MUST update the page's contact",
				Operation: op, Covers: []string{w50RuleBodyXML, w50RuleXML}, Labels: []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				_, match := specMatch()
				set := exampleValues(w50Update, "page-patch-example")
				before := stateFor(ctx, match)
				want := w50EncIDs(before.matching(listID(), match))
				opts := []which50.CallOption{which50.WithRequestFormat(which50.FormatXML), which50.WithResponseFormat(which50.FormatXML)}
				var ids []string
				var err error
				if op == w50Update {
					ids, err = v.Which50().UpdateContactsByMatch(ctx, listID(), match, set, opts...)
				} else {
					anyMatch := map[string]any{}
					for k, val := range match {
						anyMatch[k] = putValue(k, val)
					}
					ids, err = v.Which50().UpsertContactsByMatch(ctx, listID(), anyMatch, set, opts...)
				}
				Expect(err).NotTo(HaveOccurred())
				Expect(ids).To(ConsistOf(want), "ids")
				expectUpdated(before, stateFor(ctx, match), listID(), ids, set)
			})
		}
	})
})

// w50PlaceholderHeader carries the placeholder credential of a typed client whose requests a
// spec inspects; the spec's Doer replaces it with the target's credentials.
const w50PlaceholderHeader = "X-Conformance-Placeholder"

// w50Doer is a function that sends a request, for a typed client whose requests a spec inspects.
type w50Doer func(*http.Request) (*http.Response, error)

func (d w50Doer) Do(r *http.Request) (*http.Response, error) { return d(r) }
