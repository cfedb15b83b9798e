package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactapis/contactapis/conformance/framework"
	"github.com/contactapis/contactapis/gen/iovox"
	"github.com/contactapis/contactapis/specs"
)

// Round trips derived from the spec: for every update operation of every vendor, the suite walks
// the request body's schema (framework.UpdateFields) while the tree is built and declares one spec
// per property the update may carry. Each sends an update setting that property, alone beside
// what the operation requires, to a valid value that differs from the stored one
// (framework.ValueFor: the schema's enum, example, format, pattern and bounds, or a value the
// target already holds elsewhere), then reads the record back: from the 2xx answer where the
// operation answers the record (Valomnia, auregister), else from the mock's admin state (iovox's
// 204, Which50's list of ids). A property added to a spec is a new spec here, with no Go change;
// a mock that drops a field fails the spec of that field (the self-test's drop-field tamper
// proves it).
//
// The property a spec checks is always sent last, so that the drop-field tamper, which loses the
// last field of an update, loses the one the spec reads back.
//
// Which50's record is a dictionary (Values) whose keys are the fields of each list's own schema:
// data, not spec. Its spec loops over every field of every list the mock's state holds.
//
// Properties that cannot round-trip as sent are skipped with their reason: the spec states most
// of them (a body property beside the records is an option of the update; a property the 2xx
// answer's schema does not have is not answered; auregister's x-contact-type-rules matchStored),
// and rtExceptions lists the rest, in one place.

// rtException is a property of an update that does not round-trip under its own name.
type rtException struct {
	// skip is why the property is not round-tripped at all ("" when it is).
	skip string
	// readAs is where the record holds the value, when not under the property's name: a dotted
	// path into the answer or stored record ("customer.id").
	readAs string
	// needsData marks a value that must name data the target already holds (an address, a
	// customer), which only a mock's state shows: the spec is skipped on targets without it.
	needsData bool
	// note names the spec's text the exception rests on; the skip message quotes it.
	note string
}

// rtExceptions are the properties, per vendor, that the spec's schema alone does not tell how to
// round-trip; every entry names the spec text it rests on. An entry naming a property the schema
// no longer has stops the suite while the tree is built.
var rtExceptions = map[string]map[string]rtException{
	specs.Iovox: {
		"contact_id": {skip: "it selects the contact to update: it is the record's key, not a value to store", note: "Contact.contact_id description"},
		"new_contact_id": {skip: "it renames the contact: the value becomes the record's key, which the spec of rule new-contact-id-renames checks",
			note: "Contact.new_contact_id description"},
		"work_country": {readAs: "business_country", note: "x-doc-discrepancy country-element-names: work_country sets the business country"},
	},
	specs.Valomnia: {
		"customerId": {readAs: "customer.id", needsData: true, note: "Contact.customer: the answer names the customer as an object"},
		"imageFile": {skip: "it is a file, answered as the photo link, which the specs of rule photo-upload check",
			note: "ContactUpdateMultipart.imageFile description"},
	},
	specs.Which50: {
		"EncContactId": {skip: "the vendor is assumed to ignore it on a match-based update", note: "ContactDTO.EncContactId x-assumed"},
		"Id":           {skip: "the vendor is assumed to ignore it on a match-based update", note: "ContactDTO.Id x-assumed"},
		"ListId":       {skip: "the path's contactListId decides the list; the body's ListId is not stored", note: "x-doc-discrepancy which50-listid-vs-path"},
	},
	specs.Auregister: {
		"addressId": {needsData: true, note: "ContactUpdate.addressId description: unknown ids are refused"},
	},
}

// rtOperation is one update operation of a vendor and the properties its body may carry.
type rtOperation struct {
	vendor, id, method string
	op                 *openapi3.Operation
	fields             []framework.UpdateField
	// answer is the 2xx answer's record schema, nil when the operation answers none.
	answer *openapi3.Schema
}

// rtOperations finds every update of vendor (an operation with a request body and a 2xx answer)
// and walks its body schema. It runs while the tree is built; a spec that does not load, or an
// exception naming a property no update has, is a broken checkout and panics there.
func rtOperations(vendor string) []rtOperation {
	doc, err := specs.Shared(vendor)
	if err != nil {
		panic(fmt.Sprintf("round trip: %v", err))
	}
	var out []rtOperation
	known := map[string]bool{}
	for _, o := range specs.Operations(doc) {
		op := o.Operation
		if op.RequestBody == nil || rtSuccess(op) == nil {
			continue
		}
		fields, err := framework.UpdateFields(doc, op.OperationID)
		if err != nil {
			panic(fmt.Sprintf("round trip: %s: %v", vendor, err))
		}
		r := rtOperation{vendor: vendor, id: op.OperationID, method: o.Method, op: op, fields: fields}
		for _, media := range rtSuccess(op).Content {
			if media.Schema != nil && media.Schema.Value != nil && len(framework.Merged(media.Schema.Value).Properties) > 0 {
				r.answer = framework.Merged(media.Schema.Value)
			}
		}
		for _, f := range fields {
			known[f.Name] = true
		}
		out = append(out, r)
	}
	for name := range rtExceptions[vendor] {
		if !known[name] {
			panic(fmt.Sprintf("round trip: rtExceptions names %s property %q, which no update of the spec carries", vendor, name))
		}
	}
	return out
}

// rtSuccess is the operation's first declared 2xx response.
func rtSuccess(op *openapi3.Operation) *openapi3.Response {
	if op.Responses == nil {
		return nil
	}
	codes := []string{}
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		if status, err := strconv.Atoi(code); err == nil && status/100 == 2 && op.Responses.Value(code).Value != nil {
			return op.Responses.Value(code).Value
		}
	}
	return nil
}

// rtSkip is why a property does not round-trip, from the spec or rtExceptions; "" when it does.
func rtSkip(o rtOperation, f framework.UpdateField) string {
	if e, ok := rtExceptions[o.vendor][f.Name]; ok && e.skip != "" {
		return fmt.Sprintf("%s does not round-trip: %s (spec: %s)", f.Name, e.skip, e.note)
	}
	if doc, err := specs.Shared(o.vendor); err == nil {
		if rules, err := specs.ReadContactTypeRules(doc, "ContactUpdate"); err == nil && slices.Contains(rules.MatchStored, f.Name) {
			return fmt.Sprintf("%s may be sent only with the stored value (spec: x-contact-type-rules matchStored)", f.Name)
		}
	}
	if f.Option {
		return fmt.Sprintf("%s is an option of the update beside its %s records, not a value they store (spec: %s)",
			f.Name, f.Container, rtFirstSentence(f.Schema.Description))
	}
	if o.answer != nil && rtExceptions[o.vendor][f.Name].readAs == "" {
		if _, ok := o.answer.Properties[f.Name]; !ok {
			return fmt.Sprintf("%s is not answered: the schema of %s's 2xx answer has no such property (spec: %s)",
				f.Name, o.id, rtFirstSentence(f.Schema.Description))
		}
	}
	return ""
}

func rtFirstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// rtRule registers a vendor's round-trip rule: what every spec of this file covers.
func rtRule(vendor string) string {
	doc, err := specs.Shared(vendor)
	if err != nil {
		panic(err)
	}
	page, _ := doc.Info.Extensions["x-vendor-page"].(string)
	return framework.RegisterRule(vendor, "update-properties-round-trip",
		page+": request body of every update (the spec's request schema, walked property by property)",
		"every property an update may carry is stored as sent and answered or read back")
}

var rtRules = map[string]string{
	specs.Iovox:      rtRule(specs.Iovox),
	specs.Valomnia:   rtRule(specs.Valomnia),
	specs.Which50:    rtRule(specs.Which50),
	specs.Auregister: rtRule(specs.Auregister),
}

// rtRecord is a record as JSON data.
type rtRecord = map[string]any

// rtLookup is the value at a dotted path of a record ("customer.id").
func rtLookup(r rtRecord, path string) any {
	var cur any = r
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// rtExampleValues are the values of a property in the operation's request examples, at any depth,
// in example-name order: values the spec itself shows valid.
func rtExampleValues(op *openapi3.Operation, name string) []any {
	var out []any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if val, ok := x[name]; ok {
				out = append(out, val)
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	media := slices.Sorted(maps.Keys(op.RequestBody.Value.Content))
	for _, mt := range media {
		ex := op.RequestBody.Value.Content[mt].Examples
		for _, name := range slices.Sorted(maps.Keys(ex)) {
			if ex[name].Value != nil {
				walk(ex[name].Value.Value)
			}
		}
	}
	return out
}

// rtOthers are the values of a property in records other than the one updated.
func rtOthers(others []rtRecord, path string) []any {
	var out []any
	for _, r := range others {
		if val := rtLookup(r, path); val != nil {
			out = append(out, val)
		}
	}
	return out
}

// rtState is the mock's whole store as JSON data.
func rtState(ctx context.Context, v *framework.Vendor) rtRecord {
	GinkgoHelper()
	raw, err := v.Admin().State(ctx)
	Expect(err).NotTo(HaveOccurred(), "admin state")
	var s rtRecord
	Expect(json.Unmarshal(raw, &s)).To(Succeed(), "admin state")
	return s
}

// rtRecords are the objects of a list member of a state or record ("contacts").
func rtRecords(s rtRecord, member string) []rtRecord {
	list, _ := s[member].([]any)
	out := make([]rtRecord, 0, len(list))
	for _, e := range list {
		if r, ok := e.(map[string]any); ok {
			out = append(out, r)
		}
	}
	return out
}

// rtSplit finds the record whose key member equals id among records, and the others.
func rtSplit(records []rtRecord, key, id string) (rtRecord, []rtRecord) {
	GinkgoHelper()
	var found rtRecord
	var others []rtRecord
	for _, r := range records {
		if rtText(r[key]) == id && found == nil {
			found = r
		} else {
			others = append(others, r)
		}
	}
	Expect(found).NotTo(BeNil(), "a record with %s %s", key, id)
	return found, others
}

// rtText is a JSON scalar as text: numbers without an exponent (1941877, not 1.941877e+06).
func rtText(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// rtValue is the value a round trip sends for f: valid, and not what the record holds.
func rtValue(o rtOperation, f framework.UpdateField, stored any, others []any) any {
	GinkgoHelper()
	// Values other records hold first: an example's value may need the rest of its example (a
	// customer reference goes with useExternalId=true).
	given := append(slices.Clone(others), rtExampleValues(o.op, f.Name)...)
	value, err := framework.ValueFor(f.Schema, stored, given)
	Expect(err).NotTo(HaveOccurred(), "a value for %s", f.Name)
	return value
}

// rtExpect checks that the record holds the value sent.
func rtExpect(record rtRecord, path string, sent any, where string) {
	GinkgoHelper()
	got := rtLookup(record, path)
	text := func(v any) string {
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(raw)
	}
	Expect(framework.Contains(got, sent)).To(BeTrue(), "%s: %s holds %s, want %s as sent", where, path, text(got), text(sent))
}

// rtDeclare declares the round-trip specs of vendor, one per property of each update; run does
// the round trip of one property.
func rtDeclare(v *framework.Vendor, labels func(rtOperation, framework.UpdateField) []framework.Label,
	run func(ctx SpecContext, o rtOperation, f framework.UpdateField, readAs string)) {
	for _, o := range rtOperations(v.Name()) {
		for _, f := range o.fields {
			must := fmt.Sprintf("MUST store the %s property an update sends and give it back (%s)", f.Name, o.id)
			if f.Dictionary {
				must = fmt.Sprintf("MUST store every %s entry an update sends and give it back (%s)", f.Name, o.id)
			}
			if rtSkip(o, f) != "" {
				// Never round-trips, on any target, for the reason rtSkip gives: a spec that
				// could only skip would be noise in every report.
				continue
			}
			e := rtExceptions[v.Name()][f.Name]
			lbls := labels(o, f)
			if e.needsData && !slices.Contains(lbls, framework.MockOnly) {
				// The other value it needs is found in a mock's state only.
				lbls = append(lbls, framework.MockOnly)
			}
			v.ConformanceIt(framework.Spec{
				Must:      must,
				Operation: o.id,
				Covers:    []string{rtRules[v.Name()]},
				Labels:    lbls,
			}, func(ctx SpecContext) {
				readAs := f.Name
				if e.readAs != "" {
					readAs = e.readAs
				}
				run(ctx, o, f, readAs)
			})
		}
	}
}

var _ = Describe("iovox round trips", func() {
	v := framework.NewVendor(specs.Iovox)
	rtDeclare(v, func(rtOperation, framework.UpdateField) []framework.Label {
		// Read back through getContactDetails: the 204 answer carries nothing.
		return []framework.Label{framework.Mutating}
	}, func(ctx SpecContext, o rtOperation, f framework.UpdateField, readAs string) {
		cid := v.Fixture("CONTACT_ID", "333")
		if v.Target() != framework.Embedded {
			// The records outlive the run there: leave them as found, also on failure.
			iovoxRestoreAfter(ctx, v, cid)
		}
		stored := rtRecord(asJSONObject(iovoxStored(ctx, v, cid)))
		var others []rtRecord
		if v.HasAdmin() {
			// Values other contacts hold are avoided where the mock shows them (a name and
			// phone another contact has would clash).
			_, others = rtSplit(rtRecords(rtState(ctx, v), "contacts"), "contact_id", cid)
		}
		value := rtValue(o, f, rtLookup(stored, readAs), rtOthers(others, readAs))
		// Through the generated type, whose XML tags and order come from the spec: contact_id
		// (x-order 1) goes first, the property after it.
		raw, err := json.Marshal(map[string]any{"contact_id": cid, f.Name: value})
		Expect(err).NotTo(HaveOccurred())
		var c iovox.Contact
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		Expect(dec.Decode(&c)).To(Succeed(), "gen/iovox's Contact has %s (run make generate after a spec change)", f.Name)
		resp, body := iovoxPut(ctx, v, iovox.UpdateContactsPayload{Contact: []iovox.Contact{c}})
		Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "status; body %s", body)
		rtExpect(rtRecord(asJSONObject(iovoxStored(ctx, v, cid))), readAs, value, "stored contact "+cid)
	})
})

var _ = Describe("valomnia round trips", func() {
	v := framework.NewVendor(specs.Valomnia)
	rtDeclare(v, func(rtOperation, framework.UpdateField) []framework.Label {
		// The answer is the record, so the round trip runs wherever updates may run.
		return []framework.Label{framework.Mutating}
	}, func(ctx SpecContext, o rtOperation, f framework.UpdateField, readAs string) {
		id := v.Fixture("CONTACT_ID", "5")
		if v.Target() != framework.Embedded {
			// The records outlive the run there: leave them as found, also on failure.
			vlRestoreAfter(ctx, v, id)
		}
		// Every update carries the required fields: the values of the request example that has
		// them all, the customer the target's fixture names.
		required := rtRequired(o)
		var names [][2]string
		for _, g := range o.fields {
			if g.Required {
				val := rtText(required[g.Name])
				if g.Name == "customerId" {
					val = v.Fixture("CUSTOMER_ID", val)
				}
				names = append(names, [2]string{g.Name, val})
			}
		}
		// The update sends the property last, after the required ones it does not replace.
		without := slices.DeleteFunc(slices.Clone(names), func(p [2]string) bool { return p[0] == f.Name })
		post := func(fields [][2]string) rtRecord {
			var b strings.Builder
			for i, p := range fields {
				if i > 0 {
					b.WriteByte('&')
				}
				b.WriteString(url.QueryEscape(p[0]) + "=" + url.QueryEscape(p[1]))
			}
			r := v.NewRequest(ctx, o.method, "/contacts/"+url.PathEscape(id), f.MediaType, []byte(b.String()))
			v.Authorize(ctx, r)
			resp, body := v.Do(r)
			Expect(resp.StatusCode).To(Equal(http.StatusOK), "status; body %s", body)
			var rec rtRecord
			Expect(json.Unmarshal(body, &rec)).To(Succeed(), "the answer is the contact")
			return rec
		}
		Expect(f.MediaType).To(Equal("application/x-www-form-urlencoded"), "this spec sends forms")
		before := post(names)
		var others []any
		if v.HasAdmin() {
			_, rest := rtSplit(rtRecords(rtState(ctx, v), "contacts"), "id", id)
			others = rtOthers(rest, readAs)
		}
		value := rtValue(o, f, rtLookup(before, readAs), others)
		text := rtText(value)
		after := post(append(without, [2]string{f.Name, text}))
		rtExpect(after, readAs, text, "answered contact "+id)
		rtExpect(rtRecord(asJSONObject(vlRead(ctx, v, id))), readAs, text, "stored contact "+id+" (getContact)")
	})
})

// rtRequired are the values of the operation's first request example (by media type and name)
// that holds every required property.
func rtRequired(o rtOperation) map[string]any {
	GinkgoHelper()
	for _, mt := range slices.Sorted(maps.Keys(o.op.RequestBody.Value.Content)) {
		ex := o.op.RequestBody.Value.Content[mt].Examples
		for _, name := range slices.Sorted(maps.Keys(ex)) {
			m, ok := ex[name].Value.Value.(map[string]any)
			if !ok {
				continue
			}
			all := true
			for _, f := range o.fields {
				if _, has := m[f.Name]; f.Required && !has {
					all = false
				}
			}
			if all {
				return m
			}
		}
	}
	Fail(o.id + ": no request example holds every required property")
	return nil
}

var _ = Describe("which50 round trips", func() {
	v := framework.NewVendor(specs.Which50)
	rtDeclare(v, func(rtOperation, framework.UpdateField) []framework.Label {
		// Read back through the mock's state: the answer is a list of ids, and the fields are
		// those of the mock's lists.
		return []framework.Label{framework.Mutating, framework.MockOnly}
	}, func(ctx SpecContext, o rtOperation, f framework.UpdateField, _ string) {
		if v.Target() != framework.Embedded {
			// A tools/mockserver: leave it as each spec finds it (the fixtures), also on failure.
			DeferCleanup(func(ctx SpecContext) { Expect(v.Admin().Reset(ctx)).To(Succeed(), "reset the mock") })
		}
		Expect(f.Dictionary).To(BeTrue(), "the record of %s is the dictionary %s", o.id, f.Name)
		// Each list's fields, from the fixtures; the contacts are read again before each update.
		type listField struct{ list, name, typ string }
		var fields []listField
		for _, list := range rtRecords(rtState(ctx, v), "lists") {
			for _, field := range rtRecords(list, "Fields") {
				fields = append(fields, listField{rtText(list["Id"]), fmt.Sprint(field["Name"]), fmt.Sprint(field["Type"])})
			}
		}
		Expect(fields).NotTo(BeEmpty(), "the mock's lists have fields")
		// The state holds the contacts of every list together, each naming its list.
		listContacts := func(listID string) []rtRecord {
			var out []rtRecord
			for _, c := range rtRecords(rtState(ctx, v), "contacts") {
				if rtText(c["ListId"]) == listID {
					out = append(out, c)
				}
			}
			Expect(out).NotTo(BeEmpty(), "the mock's state holds contacts of list %s", listID)
			return out
		}
		// No reset between fields: tools/drift replays the suite's recording with one reset per
		// spec, so every change a spec makes goes through the vendor's API, in order.
		for _, lf := range fields {
			listID, name := lf.list, lf.name
			contacts := listContacts(listID)
			target, match, matchValue := rtWhich50Target(contacts, name)
			_, others := rtSplit(contacts, "Id", rtText(target["Id"]))
			schema := &openapi3.Schema{Type: &openapi3.Types{lf.typ}}
			stored, _ := target["Values"].(map[string]any)
			value := rtValue(o, framework.UpdateField{Name: name, Schema: schema}, stored[name], rtOthers(others, "Values."+name))
			// The value set comes last in the body (the drop-field tamper loses the last).
			var members [][2]any
			query := url.Values{"match": {match}}
			if rtMatchInBody(o) {
				members = append(members, [2]any{match, matchValue})
			} else {
				query.Set(match, rtText(matchValue))
			}
			members = append(members, [2]any{name, value})
			var b bytes.Buffer
			b.WriteString(`{"Values":{`)
			for i, m := range members {
				if i > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(m[0])
				val, err := json.Marshal(m[1])
				Expect(err).NotTo(HaveOccurred())
				b.Write(k)
				b.WriteByte(':')
				b.Write(val)
			}
			b.WriteString(`}}`)
			r := v.NewRequest(ctx, o.method, "/contactLists/"+listID+"/contact?"+query.Encode(), "application/json", b.Bytes())
			v.Authorize(ctx, r)
			resp, body := v.Do(r)
			Expect(resp.StatusCode).To(Equal(http.StatusOK), "list %s field %q: status; body %s", listID, name, body)
			after, _ := rtSplit(listContacts(listID), "Id", rtText(target["Id"]))
			rtExpect(after, "Values."+name, value, fmt.Sprintf("list %s contact %v", listID, target["Id"]))
		}
	})
})

// rtMatchInBody reports whether the operation takes the match values in the body (Which50's PUT)
// rather than in the query: it has no query parameter for them besides match.
func rtMatchInBody(o rtOperation) bool {
	for _, p := range o.op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Name != "match" && p.Value.Schema != nil &&
			p.Value.Schema.Value != nil && p.Value.Schema.Value.Type.Is(openapi3.TypeObject) {
			return false
		}
	}
	return true
}

// rtWhich50Target is a contact of a list to update and a match that selects it: the first
// contact with a text or number value, of another field than the one set, that no other contact
// of the list holds; failing that (earlier round trips may have made contacts alike), the first
// such value of the first contact, which selects it among others, all updated alike.
func rtWhich50Target(contacts []rtRecord, setting string) (rtRecord, string, any) {
	GinkgoHelper()
	for _, unique := range []bool{true, false} {
		if c, k, val, ok := rtWhich50Match(contacts, setting, unique); ok {
			return c, k, val
		}
	}
	Fail(fmt.Sprintf("no contact of the list has a text or number value to match on besides %q", setting))
	return nil, "", nil
}

func rtWhich50Match(contacts []rtRecord, setting string, alone bool) (rtRecord, string, any, bool) {
	for _, c := range contacts {
		values, _ := c["Values"].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(values)) {
			val := values[k]
			switch val.(type) {
			case string, float64:
			default:
				continue
			}
			if k == setting {
				continue
			}
			unique := true
			for _, o := range contacts {
				ov, _ := o["Values"].(map[string]any)
				if o["Id"] != c["Id"] && rtText(ov[k]) == rtText(val) {
					unique = false
				}
			}
			if unique || !alone {
				return c, k, val, true
			}
		}
	}
	return nil, "", nil, false
}

var _ = Describe("auregister round trips", func() {
	v := framework.NewVendor(specs.Auregister)
	rules := aureg.rules
	allowed := func(field string) []string {
		var out []string
		for _, t := range rules.Types {
			if rules.Updatable(t) && rules.Allows(t, field) {
				out = append(out, t)
			}
		}
		return out
	}
	rtDeclare(v, func(_ rtOperation, f framework.UpdateField) []framework.Label {
		// Only the page's type has a live fixture (as auregTypeLabels says).
		if slices.Contains(allowed(f.Name), aureg.pageType) {
			return []framework.Label{framework.Mutating}
		}
		return []framework.Label{framework.Mutating, framework.MockOnly}
	}, func(ctx SpecContext, o rtOperation, f framework.UpdateField, readAs string) {
		types := allowed(f.Name)
		Expect(types).NotTo(BeEmpty(), "some contact type accepts %s", f.Name)
		h := &auregHelper{v: v}
		if v.Target() != framework.Embedded {
			// The records outlive the run there: leave them as found, also on failure.
			h.restoreAfter(ctx)
		}
		var id int64
		var others []any
		if v.HasAdmin() {
			contacts := rtRecords(rtState(ctx, v), "contacts")
			fixture := h.fixtureID()
			for _, c := range contacts {
				cid := int64(c["id"].(float64))
				if slices.Contains(types, fmt.Sprint(c[rules.Property])) && (id == 0 || cid == fixture) {
					id = cid
				}
			}
			Expect(id).NotTo(BeZero(), "the mock holds a contact of a type in %v", types)
			_, rest := rtSplit(contacts, "id", strconv.FormatInt(id, 10))
			others = rtOthers(rest, readAs)
		} else {
			id = h.fixtureID()
		}
		patch := func(body []byte) rtRecord {
			resp, answer := h.patch(ctx, id, body)
			Expect(resp.StatusCode).To(Equal(http.StatusOK), "status; body %s", answer)
			var rec rtRecord
			Expect(json.Unmarshal(answer, &rec)).To(Succeed(), "the answer is the contact")
			return rec
		}
		// An empty update answers the contact as stored (the spec's no-op).
		before := patch([]byte(`{}`))
		if !slices.Contains(types, fmt.Sprint(before[rules.Property])) {
			Skip(fmt.Sprintf("contact %d is a %v; %s is for %v", id, before[rules.Property], f.Name, types))
		}
		value := rtValue(o, f, rtLookup(before, readAs), others)
		body, err := json.Marshal(map[string]any{f.Name: value})
		Expect(err).NotTo(HaveOccurred())
		after := patch(body)
		rtExpect(after, readAs, value, fmt.Sprintf("answered contact %d", id))
	})
})
