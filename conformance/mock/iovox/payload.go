package iovox

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/nyaruka/phonenumbers"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/internal/country"
)

// detail is one element of a <contact> that sets a stored detail.
type detail struct {
	wire   string // element name in the payload
	stored string // detail name in the store and in rules (work_country is business_country)
	text   func(*Contact) *string
	list   func(*Contact) *[]string
	// countryEntry answers a value that is no English country name; "" for other details.
	countryEntry string
}

// details in the page's element order. work_country comes before business_country so that when
// both are sent the documented element wins.
var details = []detail{
	{wire: "display_name", text: func(c *Contact) *string { return &c.DisplayName }},
	{wire: "first_name", text: func(c *Contact) *string { return &c.FirstName }},
	{wire: "last_name", text: func(c *Contact) *string { return &c.LastName }},
	{wire: "email", text: func(c *Contact) *string { return &c.Email }},
	{wire: "email_2", text: func(c *Contact) *string { return &c.Email2 }},
	{wire: "company", text: func(c *Contact) *string { return &c.Company }},
	{wire: "mobile_phone", list: func(c *Contact) *[]string { return &c.MobilePhone }},
	{wire: "home_phone", list: func(c *Contact) *[]string { return &c.HomePhone }},
	{wire: "business_phone", list: func(c *Contact) *[]string { return &c.BusinessPhone }},
	{wire: "business_fax", list: func(c *Contact) *[]string { return &c.BusinessFax }},
	{wire: "work_address_1", text: func(c *Contact) *string { return &c.WorkAddress1 }},
	{wire: "work_address_2", text: func(c *Contact) *string { return &c.WorkAddress2 }},
	{wire: "work_city", text: func(c *Contact) *string { return &c.WorkCity }},
	{wire: "work_country", stored: "business_country", text: func(c *Contact) *string { return &c.BusinessCountry }, countryEntry: idBusinessCountryInvalid},
	{wire: "business_country", text: func(c *Contact) *string { return &c.BusinessCountry }, countryEntry: idBusinessCountryInvalid},
	{wire: "work_postcode", text: func(c *Contact) *string { return &c.WorkPostcode }},
	{wire: "home_address_1", text: func(c *Contact) *string { return &c.HomeAddress1 }},
	{wire: "home_address_2", text: func(c *Contact) *string { return &c.HomeAddress2 }},
	{wire: "home_city", text: func(c *Contact) *string { return &c.HomeCity }},
	{wire: "home_country", text: func(c *Contact) *string { return &c.HomeCountry }, countryEntry: idHomeCountryInvalid},
	{wire: "home_postcode", text: func(c *Contact) *string { return &c.HomePostcode }},
	{wire: "notes", text: func(c *Contact) *string { return &c.Notes }},
}

// init names each detail's stored detail after its element where the table leaves it out.
func init() {
	for i := range details {
		if details[i].stored == "" {
			details[i].stored = details[i].wire
		}
	}
}

// detailByStored finds a detail by its stored name (fixtures' rules name details so).
func detailByStored(name string) (detail, bool) {
	i := slices.IndexFunc(details, func(d detail) bool { return d.stored == name && d.wire == name })
	if i < 0 {
		return detail{}, false
	}
	return details[i], true
}

// phoneEntries answers a phone number that is not internationalised, per kind.
var phoneEntries = map[string]string{
	"mobile_phone":   idMobilePhoneNotIntl,
	"home_phone":     idHomePhoneNotIntl,
	"business_phone": idBusinessPhoneNotIntl,
	"business_fax":   idBusinessFaxNotIntl,
}

// checkQuery checks the query string the way the page's rows read: v first, then method. A
// repeated parameter is invalid (the generated server refuses it too; PHP, which the vendor's
// messages suggest, would take the last value, so "v=3&v=4" is not version 3 either).
func checkQuery(q url.Values) []problem {
	var out []problem
	switch v := q["v"]; {
	case len(v) == 0 || v[0] == "":
		out = append(out, plain(idAPIVersionEmpty))
	case len(v) > 1:
		out = append(out, plain(idAPIVersionInvalid))
	default:
		if n, err := strconv.ParseInt(v[0], 10, 64); err != nil || n != int64(api.APIVersionV3) {
			out = append(out, plain(idAPIVersionInvalid))
		}
	}
	if m := q["method"]; len(m) != 1 || m[0] != string(api.MethodNameUpdateContacts) {
		out = append(out, plain(idMethodInvalid))
	}
	return out
}

// readsAsXML tells whether the body of r is read as the XML payload. The spec's request body
// says (x-body-media-type) that the vendor reads it whatever its Content-Type: the public clients
// send the same XML labelled application/xml, application/x-www-form-urlencoded (libcurl's label
// for a string body) or not at all. Without that extension only the declared type would be XML,
// as kin-openapi's media type lookup reads it: case and parameters do not matter.
func (b *Backend) readsAsXML(r *http.Request) bool {
	if b.anyLabel {
		return true
	}
	mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Type"))), ";")
	return strings.TrimSpace(mt) == "application/xml"
}

// evaluate judges a whole request as the vendor would and, when nothing is wrong, returns the plan
// to apply. Every error found is returned, not only the first: the vendor lists them all. Query
// errors stop there (the payload is not read for a call to an unknown version or method); so do a
// missing or unparsable body. The caller holds st.mu (for reading at least).
func (b *Backend) evaluate(r *http.Request, body []byte, st *store) (plan, []problem) {
	if probs := checkQuery(r.URL.Query()); len(probs) > 0 {
		return plan{}, probs
	}
	// A body of whitespace carries no XML; nor does one the vendor does not read as XML (see
	// readsAsXML).
	if len(bytes.Trim(body, " \t\r\n")) == 0 || !b.readsAsXML(r) {
		return plan{}, []problem{plain(idXMLEmpty)}
	}
	// Behind the pipeline, the body already passed the spec's validation, which is the schema
	// check decode would repeat: same parser, same mapping, same schema (see mock.Validated).
	doc, probs := b.decode(body, !mock.Validated(r.Context()))
	if doc == nil {
		return plan{}, probs
	}
	p, more := doc.check(st)
	if probs = append(probs, more...); len(probs) > 0 {
		return plan{}, probs // all or nothing: a plan only for a batch without a single error
	}
	return p, nil
}

// payload is a parsed body: the JSON shape kin-openapi validates (contract.FromXML of the spec's
// schema), and the body for positions.
type payload struct {
	body     []byte
	value    map[string]any
	contacts []any
	index    *xnode // built on first use: only errors need positions
}

// decode parses body with the same parser and schema mapping the pipeline validates with, then
// validates it against the spec's schema (unless validate is false: the caller knows it passes)
// and maps each failure to the vendor's entry. A nil payload means nothing more can be read from
// the body.
func (b *Backend) decode(body []byte, validate bool) (*payload, []problem) {
	cr := &countingReader{b: body}
	root, err := contract.ParseXML(cr)
	if err != nil {
		var se *contract.XMLSyntaxError
		if errors.As(err, &se) {
			return nil, []problem{parseError(se.Msg, se.Line, se.Column)}
		}
		// A DOCTYPE, a document beyond the parser's limits, an unsupported encoding: the parser
		// refuses the document, which to the caller is a parse error where the parser stopped.
		line, col := lastCharPosition(body, cr.n)
		return nil, []problem{parseError(err.Error(), line, col)}
	}
	p := &payload{body: body}
	value, err := contract.FromXML(root, b.payloadSchema)
	if err != nil {
		// The root element is not <request>.
		n := p.positions()
		return nil, []problem{parseError(err.Error(), n.line, n.col)}
	}
	p.value, _ = value.(map[string]any) // nil for <request xsi:nil="true"/>
	if p.value != nil {
		p.contacts, _ = p.value["contact"].([]any)
	}
	var probs []problem
	if err := b.visit(value, validate); err != nil {
		leaves := schemaLeaves(err)
		if len(leaves) == 0 {
			n := p.positions()
			probs = append(probs, parseError(err.Error(), n.line, n.col))
		}
		for _, se := range leaves {
			probs = append(probs, p.schemaProblem(se))
		}
	}
	if p.value == nil {
		return nil, probs
	}
	return p, probs
}

// visit validates a decoded body against the payload schema, unless validate is false.
func (b *Backend) visit(value any, validate bool) error {
	if !validate {
		return nil
	}
	return b.payloadSchema.Value.VisitJSON(value, openapi3.VisitAsRequest(), openapi3.MultiErrors())
}

// schemaLeaves returns the innermost schema errors: the ones whose pointer and keyword say what
// is wrong ("/contact/0/mobile_phone/1", pattern), below kin-openapi's allOf wrappers.
func schemaLeaves(err error) []*openapi3.SchemaError {
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []*openapi3.SchemaError
		for _, x := range e {
			out = append(out, schemaLeaves(x)...)
		}
		return out
	case *openapi3.SchemaError:
		if e.Origin != nil {
			if inner := schemaLeaves(e.Origin); len(inner) > 0 {
				return inner
			}
		}
		return []*openapi3.SchemaError{e}
	}
	if u := errors.Unwrap(err); u != nil {
		return schemaLeaves(u)
	}
	return nil
}

// schemaProblem maps one schema failure to the page's row for it. A failure the page has no row
// for (a flag other than TRUE or FALSE, an element sent twice where one is allowed, xsi:nil) is
// answered as an XML parse error: the validator's reason at the element's position.
func (p *payload) schemaProblem(se *openapi3.SchemaError) problem {
	ptr := se.JSONPointer()
	generic := func() problem {
		n := p.positions().lookup(ptr)
		return parseError(se.Reason, n.line, n.col)
	}
	if len(ptr) == 0 || ptr[0] != "contact" {
		return generic()
	}
	if len(ptr) == 1 {
		return plain(idRequestEmpty) // required, minItems
	}
	i, err := strconv.Atoi(ptr[1])
	if err != nil {
		return generic()
	}
	item, total := i+1, len(p.contacts)
	if len(ptr) == 2 {
		return positioned(idContactIDEmpty, item, total) // <contact xsi:nil="true"/>: no contact_id
	}
	switch field, kw := ptr[2], se.SchemaField; {
	case field == "contact_id" && (kw == "required" || kw == "minLength"):
		return positioned(idContactIDEmpty, item, total)
	case field == "display_name" && kw == "minLength":
		return positioned(idDisplayNameEmpty, item, total)
	case field == "first_name" && kw == "pattern":
		return positioned(idFirstNameInvalid, item, total)
	case field == "last_name" && kw == "pattern":
		return positioned(idLastNameInvalid, item, total)
	case phoneEntries[field] != "" && len(ptr) == 4 && kw == "pattern":
		return positioned(phoneEntries[field], item, total)
	}
	return generic()
}

// check applies the page's rules that need the store, on top of the schema's: contact ids that
// exist and are unique, countries, details used in rules, display name and phone combinations.
// It returns the plan when nothing is wrong.
func (p *payload) check(st *store) (plan, []problem) {
	var probs []problem
	total := len(p.contacts)
	rmRules := p.value["rm_rules"] == string(api.FlagTRUE)
	replace := p.value["replace_details"] == string(api.FlagTRUE)
	var updates []update
	positions := map[string]int{} // contact id -> position of its update
	duplicateID := false
	for i, raw := range p.contacts {
		item := i + 1
		cm, _ := raw.(map[string]any)
		for _, d := range details {
			if s, ok := cm[d.wire].(string); ok && s != "" && d.countryEntry != "" {
				if _, known := country.ByName(s); !known {
					probs = append(probs, positioned(d.countryEntry, item, total))
				}
			}
		}
		id, ok := cm["contact_id"].(string)
		if !ok || id == "" {
			continue // the schema's failure says so
		}
		if _, seen := positions[id]; seen {
			duplicateID = true
			continue
		}
		stored, found := st.contacts[id]
		if !found {
			probs = append(probs, positioned(idContactIDNotFound, item, total))
			continue
		}
		c, emptied := merge(stored.clone(), cm, replace)
		if !rmRules && slices.ContainsFunc(emptied, func(d string) bool { return st.usedInRules(id, d) }) {
			probs = append(probs, positioned(idEmptyFieldsUsedInRules, item, total))
		}
		positions[id] = len(updates)
		updates = append(updates, update{oldID: id, contact: c, emptied: emptied, item: item})
	}
	// Ids after the batch must stay unique: a rename onto an id that is kept, or two renames onto
	// one id, is a duplicate contact id like the same contact_id sent twice.
	final := map[string]int{}
	for id := range st.contacts {
		if _, inBatch := positions[id]; !inBatch {
			final[id]++
		}
	}
	for _, u := range updates {
		final[u.contact.ID]++
	}
	for _, n := range final {
		if n > 1 {
			duplicateID = true
		}
	}
	if duplicateID {
		probs = append(probs, plain(idContactIDDuplicate))
	}
	// Display name + phone must be unique across contacts after the batch: a clash with a contact
	// the batch does not touch "already exists"; a clash between two contacts of the batch is
	// "duplicated" in the XML. A contact never clashes with itself.
	kept := map[comboKey]bool{}
	for id, c := range st.contacts {
		if _, inBatch := positions[id]; !inBatch {
			for _, k := range combos(c) {
				kept[k] = true
			}
		}
	}
	owner := map[comboKey]int{}
	for ui, u := range updates {
		exists := false
		for _, k := range combos(u.contact) {
			exists = exists || kept[k]
			if prev, ok := owner[k]; ok && prev != ui {
				probs = append(probs, plain(idDisplayNamePhoneDup))
			}
			owner[k] = ui
		}
		if exists {
			probs = append(probs, positioned(idDisplayNamePhoneExists, u.item, total))
		}
	}
	if len(probs) > 0 {
		return plan{}, probs
	}
	return plan{updates: updates, rmRules: rmRules, total: total}, nil
}

// merge applies one <contact> to a copy of the stored contact and returns the details it empties.
// Elements left out keep their value; an element sent empty clears its detail (the spec's
// empty-detail-clears); phone numbers replace the stored list with replace_details TRUE and are
// added to it otherwise; a new_contact_id renames the contact (an empty one renames nothing: an
// id cannot be cleared).
func merge(c Contact, cm map[string]any, replace bool) (Contact, []string) {
	var sentEmpty []string
	for _, d := range details {
		raw, present := cm[d.wire]
		if !present {
			continue
		}
		if d.list != nil {
			items, ok := strings_(raw)
			if !ok {
				continue
			}
			values := slices.DeleteFunc(items, func(s string) bool { return s == "" })
			list := d.list(&c)
			switch {
			case len(values) == 0:
				*list = nil
				sentEmpty = append(sentEmpty, d.stored)
			case replace:
				*list = unique(values)
			default:
				*list = unique(append(slices.Clone(*list), values...))
			}
			continue
		}
		s, ok := raw.(string)
		if !ok {
			continue
		}
		switch {
		case s == "":
			*d.text(&c) = ""
			sentEmpty = append(sentEmpty, d.stored)
		case d.countryEntry != "":
			if ct, ok := country.ByName(s); ok {
				*d.text(&c) = ct.Name
			}
		default:
			*d.text(&c) = s
		}
	}
	// The page: with home_country (business_country) left out and a home (business) phone given,
	// the country is guessed from the number and stored.
	if _, given := cm["home_country"]; !given {
		if name, ok := guessCountry(cm["home_phone"]); ok {
			c.HomeCountry = name
		}
	}
	_, work := cm["work_country"]
	if _, business := cm["business_country"]; !business && !work {
		if name, ok := guessCountry(cm["business_phone"]); ok {
			c.BusinessCountry = name
		}
	}
	if id, ok := cm["new_contact_id"].(string); ok && id != "" {
		c.ID = id
	}
	// A detail counts as emptied when it ends empty: work_country sent empty with a
	// business_country value empties nothing.
	var emptied []string
	for _, name := range unique(sentEmpty) {
		if d, ok := detailByStored(name); ok && isEmpty(c, d) {
			emptied = append(emptied, name)
		}
	}
	return c, emptied
}

func isEmpty(c Contact, d detail) bool {
	if d.list != nil {
		return len(*d.list(&c)) == 0
	}
	return *d.text(&c) == ""
}

// strings_ reads a repeated element's values; false when one is not text (xsi:nil), which the
// schema refuses.
func strings_(raw any) ([]string, bool) {
	list, ok := raw.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func unique(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// guessCountry names the country of the first non-empty, internationalised number sent: its
// leading 1 to 3 digits are tried as a country calling code (no calling code is a prefix of
// another, so the first that is assigned is the one). A non-geographic code (800) or an
// unassigned one guesses nothing.
func guessCountry(raw any) (string, bool) {
	numbers, _ := strings_(raw)
	for _, n := range numbers {
		if n == "" {
			continue
		}
		if !internationalised(n) {
			return "", false
		}
		for l := 1; l <= 3 && l <= len(n); l++ {
			code, _ := strconv.Atoi(n[:l])
			region := phonenumbers.GetRegionCodeForCountryCode(code)
			if region == phonenumbers.UNKNOWN_REGION {
				continue
			}
			if c, ok := country.ByAlpha2(region); ok {
				return c.Name, true
			}
			return "", false
		}
		return "", false
	}
	return "", false
}

// internationalised is the spec's PhoneNumbers item pattern for a non-empty number: digits, no
// leading 0, 7 to 15 of them. It guards guessCountry, which never sees a refused number anyway.
func internationalised(n string) bool {
	if len(n) < 7 || len(n) > 15 || n[0] == '0' {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// countingReader counts the bytes the XML parser has read, to place errors the parser reports
// without a position (a DOCTYPE refused, an unsupported encoding).
type countingReader struct {
	b []byte
	n int
}

// ReadByte lets the parser read the body without a buffer of its own (see contract.ParseXML).
func (c *countingReader) ReadByte() (byte, error) {
	if c.n >= len(c.b) {
		return 0, io.EOF
	}
	c.n++
	return c.b[c.n-1], nil
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= len(c.b) {
		return 0, io.EOF
	}
	k := copy(p, c.b[c.n:])
	c.n += k
	return k, nil
}

// lastCharPosition is the 1-based line and column of the last character among the first n bytes
// of body: the convention of contract.XMLSyntaxError (where the parser stood when it stopped).
// Columns count characters, not UTF-8 continuation bytes.
func lastCharPosition(body []byte, n int) (line, col int) {
	n = min(n, len(body))
	line = 1 + bytes.Count(body[:n], []byte{'\n'})
	start := bytes.LastIndexByte(body[:n], '\n') + 1
	return line, max(1, chars(body[start:n]))
}

// startPosition is the 1-based line and column of the byte at offset off.
func startPosition(body []byte, off int) (line, col int) {
	off = min(off, len(body))
	line = 1 + bytes.Count(body[:off], []byte{'\n'})
	start := bytes.LastIndexByte(body[:off], '\n') + 1
	return line, 1 + chars(body[start:off])
}

func chars(b []byte) int {
	n := 0
	for _, c := range b {
		if c&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// xnode is an element of the payload with the position of its start tag, three levels deep
// (request, contact, detail): enough to place any schema failure.
type xnode struct {
	name      string
	line, col int
	children  []*xnode
}

const indexDepth = 3

func (p *payload) positions() *xnode {
	if p.index == nil {
		p.index = indexElements(p.body)
	}
	return p.index
}

// indexElements records element positions of a body that contract.ParseXML accepted.
func indexElements(body []byte) *xnode {
	top := &xnode{line: 1, col: 1}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	stack := []*xnode{top}
	depth := 0
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth <= indexDepth {
				n := &xnode{name: t.Name.Local}
				n.line, n.col = startPosition(body, off)
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
				stack = append(stack, n)
			}
		case xml.EndElement:
			if depth <= indexDepth {
				stack = stack[:len(stack)-1]
			}
			depth--
		}
	}
	if len(top.children) > 0 {
		return top.children[0]
	}
	return top
}

// lookup finds the element a JSON pointer into the payload names ("contact", "2", "mobile_phone",
// "0"), or the deepest one that exists: a missing element is reported where its parent is.
func (n *xnode) lookup(ptr []string) *xnode {
	for i := 0; i < len(ptr); {
		name, nth := ptr[i], 0
		i++
		if i < len(ptr) {
			if k, err := strconv.Atoi(ptr[i]); err == nil {
				nth = k
				i++
			}
		}
		var next *xnode
		for _, c := range n.children {
			if c.name != name {
				continue
			}
			if nth == 0 {
				next = c
				break
			}
			nth--
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}
