package specs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Extensions the spec-driven mock engine (conformance/mock) reads; see README.md, "The mock engine".
const (
	// ExtMock is the engine's configuration: on the document (Mock) and on an operation
	// (MockOperation).
	ExtMock = "x-mock"
	// ExtMockRef on a property schema names the collection whose record the property's value
	// must be the key of ("addressId" refers to "addresses").
	ExtMockRef = "x-mock-ref"
	// ExtMockAlias on a property of a batch item names the record property its value is stored
	// as (iovox's work_country is stored as business_country); the named property wins when
	// both are sent.
	ExtMockAlias = "x-mock-alias"
	// ExtSelectsOperation (true) on a query parameter says its value chooses the operation among
	// those of its path (iovox's method=...): a request whose value names an operation of another
	// HTTP method is that operation called with the wrong method (contract.Validator.Route).
	ExtSelectsOperation = "x-selects-operation"
)

// Mock is the document's x-mock: what the engine needs beyond the schemas and the catalogue.
type Mock struct {
	// MaxBodyBytes caps request bodies; a larger body is answered by the malformed entry.
	MaxBodyBytes int64 `json:"maxBodyBytes"`
	// StrictJSON refuses JSON bodies with data after the value, which kin-openapi's decoder
	// ignores.
	StrictJSON bool `json:"strictJSON,omitempty"`
	// CaseInsensitiveJSON binds a JSON body's members to the schema's properties whatever their
	// case (an exact name first, else the first in byte order that equals it ignoring case),
	// before the body is validated, as ASP.NET's JSON formatter does.
	CaseInsensitiveJSON bool `json:"caseInsensitiveJSON,omitempty"`
	// Negotiate makes answers follow the request's Accept among the media types the answer
	// declares, this list giving the server's preference (ties, */*, and the answer for an Accept
	// that admits none: the first declared). Without it the answer takes the first media type
	// its response declares, by name.
	Negotiate []string `json:"negotiate,omitempty"`
	// APIPath is where the mock serves the API below its mount, when not the path of the
	// spec's first server URL ("" for the mount itself).
	APIPath *string `json:"apiPath,omitempty"`
	// MaxEvents bounds the adapter's recorded events (GET /_admin/log), the oldest dropped
	// first; 10,000 when unset.
	MaxEvents int `json:"maxEvents,omitempty"`
	// RefuseRepeatedQuery makes a query parameter sent more than once invalid (keyword
	// "repeated"), unless it is an exploded array (one value per occurrence): kin-openapi would
	// read the first value of any other, a comma-separated list (explode: false) included.
	RefuseRepeatedQuery bool `json:"refuseRepeatedQuery,omitempty"`
	// RawPath makes the {path} placeholder the path as sent, percent-escapes kept (a servlet
	// container's request URI), instead of decoded.
	RawPath bool `json:"rawPath,omitempty"`
	// Errors says how an error answer looks and which one a request with several faults gets.
	Errors MockErrors `json:"errors"`
	// Collections are the stored records, by name.
	Collections map[string]MockCollection `json:"collections"`
}

// MockErrors is the vendor's error-body format and the order of its checks.
type MockErrors struct {
	// Schema is the component schema of the error body.
	Schema string `json:"schema"`
	// MediaType is the error body's media type: application/json (the default) or an XML one,
	// written in the shape Schema's xml objects and tags give.
	MediaType string `json:"mediaType,omitempty"`
	// List names the array property of Schema holding the errors, one item each (iovox's
	// <errors><error status="400">...</error></errors>); Fields then describe an item.
	List string `json:"list,omitempty"`
	// Fields maps each property of Schema (of its List items) to what fills it: "code",
	// "message" (rendered), "field" (the offending field, omitted when none) or "status".
	Fields map[string]string `json:"fields"`
	// All answers every fault of the earliest stage of Order, not only the first: listed in
	// catalogue order, then by item, then by position in the body, each message once; the answer's
	// status is the highest of theirs. It needs a List.
	All bool `json:"all,omitempty"`
	// Order lists the stages of checks from the first to the last, each a condition kind
	// (Condition.On, or On/In as "invalid/path") or a list of kinds checked together: a request
	// with several faults is answered for the earliest stage, and (without All) within a stage for
	// the first field in byte order of its name.
	Order []Stage `json:"order"`
	// Separator joins the allowed values of an enum in {allowedValues}.
	Separator string `json:"separator,omitempty"`
	// Challenge adds WWW-Authenticate, naming the operation's http schemes, to answers for
	// failed authentication (RFC 9110 section 11.6.1).
	Challenge bool `json:"challenge,omitempty"`
}

// Stage is one step of the order of checks: one condition kind, or several checked together
// (written as a YAML list).
type Stage []string

// UnmarshalJSON reads a kind or a list of kinds.
func (s *Stage) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = Stage{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("an order stage is a condition kind or a list of them: %s", b)
	}
	*s = many
	return nil
}

// MockCollection is one kind of stored record.
type MockCollection struct {
	// Schema is the component schema each record is checked against and rendered from.
	Schema string `json:"schema"`
	// Key is the property that identifies a record, or several joined by commas ("ListId,Id":
	// the record's key is their values joined by "/", ordered part by part).
	Key string `json:"key"`
	// Derived are properties the adapter computes from the others (Adapter.Load): never taken
	// from an update.
	Derived []string `json:"derived,omitempty"`
	// Indexes are what operations look records up by, each a list of property paths: a
	// property, or "Values/*" for every member of an object property, keyed by member name
	// and value. Lookups cost the same whatever the number of records.
	Indexes [][]string `json:"indexes,omitempty"`
	// Private are properties each record holds beyond its schema, by name, each with its own
	// schema: what the page's rules read but no answer shows (Valomnia's contact is named by the
	// caller's own reference with useExternalId). Fixtures and GET /_admin/state carry them; no
	// request sets them and no answer renders them.
	Private map[string]*openapi3.SchemaRef `json:"private,omitempty"`
	// Required lists properties every stored record has beyond the schema's required ones (a
	// fixture without one is refused): iovox's display_name may be left out of an update, but a
	// contact always has one.
	Required []string `json:"required,omitempty"`
}

// KeyProperties are the properties whose values make up a record's key, in order.
func (c MockCollection) KeyProperties() []string { return strings.Split(c.Key, ",") }

// MockOperation is an operation's x-mock.
type MockOperation struct {
	// Update makes the operation a partial update of one record: absent properties are kept,
	// null clears, a value replaces. Its 2xx answer renders the record from the response schema.
	Update *MockUpdate `json:"update,omitempty"`
	// Read makes the operation a read of one record: its 2xx answer renders the record from the
	// response schema; a key no record has is answered as for an update (condition not-found).
	// With Select, a read of the records the adapter chooses among the parent's, answered as the
	// list of them (Selection.Read tells the adapter it changes nothing).
	Read *MockUpdate `json:"read,omitempty"`
	// Batch makes the operation an update of several records named inside the body, applied all
	// or nothing. Its 2xx answer has no body.
	Batch *MockBatch `json:"batch,omitempty"`
	// Serve hands the operation to the adapter (its Serve hook, with this name): for what the
	// page states that is no update or read of one record (a login, a session's token page), or
	// an update whose request the page reads its own way (Valomnia's request parameters, from
	// the body and the query). The engine still routes, checks credentials and answers errors
	// and records from the spec.
	Serve string `json:"serve,omitempty"`
}

// MockBatch is an update of several records of one collection: each item of the body's Items
// array names its record by the collection's key property and changes what it sends (absent
// keeps). Every item is judged before anything is written.
type MockBatch struct {
	Collection string `json:"collection"`
	// Items is the body's array property holding one item per record.
	Items string `json:"items"`
	// Rename is the item property whose non-empty value becomes the record's new key; keys stay
	// unique after the batch (two records may swap keys).
	Rename string `json:"rename,omitempty"`
	// EmptyClears makes a property sent empty ("", or only "" items in a list) remove the
	// property from the record.
	EmptyClears bool `json:"emptyClears,omitempty"`
	// Lists says how an array property sent applies to the stored one; nil replaces.
	Lists *MockLists `json:"lists,omitempty"`
}

// MockLists: array properties of a batch item are merged into the stored ones (values added in
// order, none twice) unless the body's Flag property has the value Replace, which replaces them
// (again none twice).
type MockLists struct {
	Flag    string `json:"flag"`
	Replace string `json:"replace"`
}

// Record is the record the operation addresses, whichever it does with it.
func (m MockOperation) Record() *MockUpdate {
	if m.Update != nil {
		return m.Update
	}
	return m.Read
}

// MockUpdate names the record an update changes (or a read reads), or (Select) how an update
// finds several.
type MockUpdate struct {
	Collection string `json:"collection"`
	// Param is the path parameter holding the record's key (not with Select).
	Param string `json:"param,omitempty"`
	// Parent, with Select: the path parameter names a record of another collection (unknown:
	// condition not-found), and the records the update may change are those whose Property
	// holds its key.
	Parent *MockParent `json:"parent,omitempty"`
	// Select: the adapter chooses the records among the parent's (Adapter.Select), through the
	// collection's indexes; the update applies to each of them, all or none.
	Select bool `json:"select,omitempty"`
	// Merge lists object properties whose members an update sets one by one, keeping the
	// members it does not name, instead of replacing the whole value.
	Merge []string `json:"merge,omitempty"`
	// Answer, with Select: the 2xx answer is the list of this property of every updated record,
	// in key order.
	Answer string `json:"answer,omitempty"`
}

// MockParent is the record a Select update's path names.
type MockParent struct {
	Collection string `json:"collection"`
	Param      string `json:"param"`
	// Property is the property of the updated collection holding the parent's key.
	Property string `json:"property"`
}

// Condition kinds: what a catalogue entry's `when` answers.
const (
	OnNoRoute         = "no-route"        // no path matches
	OnMethod          = "method"          // the path exists, the method does not (falls back to no-route)
	OnUnauthenticated = "unauthenticated" // credentials missing or wrong
	OnMediaType       = "media-type"      // a body media type the operation does not declare
	OnMalformed       = "malformed"       // the body does not decode (also too large, not UTF-8)
	OnInvalid         = "invalid"         // a parameter or body value fails the schema
	OnNotFound        = "not-found"       // no record has the key the request names
	OnDuplicate       = "duplicate"       // a batch names a key twice, or leaves two records with one key
	OnReference       = "reference"       // an x-mock-ref property names no record
	OnRule            = "rule"            // the adapter's business rule (Condition.Rule)
	OnInternal        = "internal"        // injected server failure
)

// Condition is one case a catalogue entry answers (the entry's `when`). Unset fields match
// anything; among entries matching a failure, the one naming more fields wins, then the first.
type Condition struct {
	On string `json:"on"`
	// In is where an invalid value sits: "body", "path", "query", "header".
	In string `json:"in,omitempty"`
	// Keyword is the failing JSON Schema keyword of an invalid body value ("enum", "format").
	Keyword string `json:"keyword,omitempty"`
	// Format is the failing schema's format ("date").
	Format string `json:"format,omitempty"`
	// Rule names an adapter rule.
	Rule string `json:"rule,omitempty"`
	// Param names the parameter whose value is invalid (with In).
	Param string `json:"param,omitempty"`
	// Field is the body property (within the item, for a batch) whose value fails, or the field
	// an adapter rule names.
	Field string `json:"field,omitempty"`
	// Path is the failing body value's JSON pointer, array indexes written * ("/contact/*/mobile_phone/*").
	Path string `json:"path,omitempty"`
}

// Specificity is how many fields beyond On the condition sets.
func (c Condition) Specificity() int {
	n := 0
	for _, f := range []string{c.In, c.Keyword, c.Format, c.Rule, c.Param, c.Field, c.Path} {
		if f != "" {
			n++
		}
	}
	return n
}

// Matches reports whether the condition covers failure f (f's fields are all set where known).
func (c Condition) Matches(f Condition) bool {
	return c.On == f.On && (c.In == "" || c.In == f.In) && (c.Keyword == "" || c.Keyword == f.Keyword) &&
		(c.Format == "" || c.Format == f.Format) && (c.Rule == "" || c.Rule == f.Rule) && (c.Param == "" || c.Param == f.Param) &&
		(c.Field == "" || c.Field == f.Field) && (c.Path == "" || c.Path == f.Path)
}

var conditionKinds = []string{OnNoRoute, OnMethod, OnUnauthenticated, OnMediaType, OnMalformed, OnInvalid,
	OnNotFound, OnDuplicate, OnReference, OnRule, OnInternal}

// ReadMock returns doc's x-mock, checked against the document: every schema and collection it
// names exists, every order kind is known. ok is false when doc has none.
func ReadMock(doc *openapi3.T) (m Mock, ok bool, err error) {
	ext, ok := doc.Extensions[ExtMock]
	if !ok {
		return Mock{}, false, nil
	}
	if err := decodeStrict(ext, &m); err != nil {
		return Mock{}, true, fmt.Errorf("%s: %w", ExtMock, err)
	}
	schema := func(name string) error {
		if doc.Components == nil || doc.Components.Schemas[name] == nil {
			return fmt.Errorf("%s: no component schema %q", ExtMock, name)
		}
		return nil
	}
	if m.MaxBodyBytes <= 0 {
		return Mock{}, true, fmt.Errorf("%s: maxBodyBytes must be positive", ExtMock)
	}
	if err := schema(m.Errors.Schema); err != nil {
		return Mock{}, true, err
	}
	fields := doc.Components.Schemas[m.Errors.Schema].Value
	if mt := strings.ToLower(m.Errors.MediaType); strings.Contains(mt, "xml") && (fields.XML == nil || fields.XML.Name == "") {
		return Mock{}, true, fmt.Errorf("%s: errors.mediaType %s: schema %s names no root element (xml.name)", ExtMock, m.Errors.MediaType, m.Errors.Schema)
	}
	if m.Errors.List != "" {
		list := fields.Properties[m.Errors.List]
		if list == nil || list.Value == nil || !list.Value.Type.Is(openapi3.TypeArray) || list.Value.Items == nil || list.Value.Items.Value == nil {
			return Mock{}, true, fmt.Errorf("%s: errors.list: schema %s has no array property %q", ExtMock, m.Errors.Schema, m.Errors.List)
		}
		fields = list.Value.Items.Value
	} else if m.Errors.All {
		return Mock{}, true, fmt.Errorf("%s: errors.all needs errors.list: one error body holds one error", ExtMock)
	}
	for prop, src := range m.Errors.Fields {
		if fields.Properties[prop] == nil {
			return Mock{}, true, fmt.Errorf("%s: errors.fields: the error schema has no property %q", ExtMock, prop)
		}
		if !slices.Contains([]string{"code", "message", "field", "status"}, src) {
			return Mock{}, true, fmt.Errorf("%s: errors.fields.%s: %q is not code, message, field or status", ExtMock, prop, src)
		}
	}
	for _, stage := range m.Errors.Order {
		for _, kind := range stage {
			kind, _, _ = strings.Cut(kind, "/") // "invalid/path": invalid, in the path
			if !slices.Contains(conditionKinds, kind) {
				return Mock{}, true, fmt.Errorf("%s: errors.order: unknown kind %q (known: %s)", ExtMock, kind, strings.Join(conditionKinds, ", "))
			}
		}
	}
	for name, c := range m.Collections {
		if err := schema(c.Schema); err != nil {
			return Mock{}, true, fmt.Errorf("collection %s: %w", name, err)
		}
		props := doc.Components.Schemas[c.Schema].Value.Properties
		for name, ps := range c.Private {
			if props[name] != nil || ps == nil || ps.Value == nil {
				return Mock{}, true, fmt.Errorf("%s: collection %s: private property %q has no schema or is the schema's own", ExtMock, name, name)
			}
		}
		has := func(k string) bool { return props[k] != nil || c.Private[k] != nil }
		for _, k := range append(append(c.KeyProperties(), c.Derived...), c.Required...) {
			if !has(k) {
				return Mock{}, true, fmt.Errorf("%s: collection %s: schema %s has no property %q", ExtMock, name, c.Schema, k)
			}
		}
		for _, ix := range c.Indexes {
			for _, path := range ix {
				if !has(strings.TrimSuffix(path, "/*")) {
					return Mock{}, true, fmt.Errorf("%s: collection %s: index %v: schema %s has no property %q", ExtMock, name, ix, c.Schema, path)
				}
			}
		}
	}
	return m, true, nil
}

// ReadMockOperation returns op's x-mock (the zero value when it has none).
func ReadMockOperation(op *openapi3.Operation) (MockOperation, error) {
	var m MockOperation
	ext, ok := op.Extensions[ExtMock]
	if !ok {
		return m, nil
	}
	if err := decodeStrict(ext, &m); err != nil {
		return m, fmt.Errorf("%s %s: %w", op.OperationID, ExtMock, err)
	}
	return m, nil
}

// ConditionKinds lists the valid Condition.On values.
func ConditionKinds() []string { return slices.Clone(conditionKinds) }

func decodeStrict(ext any, out any) error {
	raw, err := json.Marshal(ext)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}

// BodyCap is the x-mock maxBodyBytes of vendor's spec, 0 when it has none.
func BodyCap(vendor string) int64 {
	doc, err := Shared(vendor)
	if err != nil {
		return 0
	}
	m, _, _ := ReadMock(doc)
	return m.MaxBodyBytes
}
