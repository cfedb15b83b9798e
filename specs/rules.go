package specs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// ExtContactTypeRules is the auregister rule table: which fields each contact type accepts.
const ExtContactTypeRules = "x-contact-type-rules"

// ContactTypeRules is an x-contact-type-rules table (its format is described in the table's own
// description key and in README.md).
type ContactTypeRules struct {
	Description   string               `json:"description"`
	Property      string               `json:"property"`
	Types         []string             `json:"types"`
	NotUpdatable  []string             `json:"notUpdatable"`
	MatchStored   []string             `json:"matchStored"`
	NotAViolation []string             `json:"notAViolation"`
	Errors        ContactTypeRuleErrs  `json:"errors"`
	Fields        map[string]FieldRule `json:"fields"`
}

// ContactTypeRuleErrs names the catalogue entries that answer each kind of violation.
type ContactTypeRuleErrs struct {
	NotUpdatable string `json:"notUpdatable"`
	MatchStored  string `json:"matchStored"`
	NotAllowed   string `json:"notAllowed"`
}

// FieldRule is the rule of one field: the contact types that accept it.
type FieldRule struct {
	AllowedFor []string `json:"allowedFor"`
	Doc        string   `json:"doc"`
	Assumed    string   `json:"x-assumed,omitempty"`
}

// Values that notAViolation may list.
const (
	// NotAViolationNull is JSON null.
	NotAViolationNull = "nullValue"
	// NotAViolationEmptyString is "" (string properties only).
	NotAViolationEmptyString = "emptyString"
	// NotAViolationUnchanged is the value the contact already stores for the property, compared
	// as JSON values: sending a stored value back changes nothing, whatever the type allows.
	NotAViolationUnchanged = "unchanged"
)

// NotAViolationValues are the values notAViolation may list, in the order documented.
func NotAViolationValues() []string {
	return []string{NotAViolationNull, NotAViolationEmptyString, NotAViolationUnchanged}
}

// Allows reports whether a contact of contactType accepts field. Fields without a rule are
// accepted by every type.
func (r ContactTypeRules) Allows(contactType, field string) bool {
	rule, ok := r.Fields[field]
	return !ok || slices.Contains(rule.AllowedFor, contactType)
}

// Updatable reports whether contacts of contactType can be updated at all.
func (r ContactTypeRules) Updatable(contactType string) bool {
	return !slices.Contains(r.NotUpdatable, contactType)
}

// ReadContactTypeRules returns the rule table of the named component schema.
func ReadContactTypeRules(doc *openapi3.T, schema string) (ContactTypeRules, error) {
	ref := doc.Components.Schemas[schema]
	if ref == nil || ref.Value == nil {
		return ContactTypeRules{}, fmt.Errorf("no schema %q", schema)
	}
	ext, ok := ref.Value.Extensions[ExtContactTypeRules]
	if !ok {
		return ContactTypeRules{}, fmt.Errorf("schema %q has no %s", schema, ExtContactTypeRules)
	}
	raw, err := json.Marshal(ext)
	if err != nil {
		return ContactTypeRules{}, err
	}
	var rules ContactTypeRules
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rules); err != nil {
		return ContactTypeRules{}, fmt.Errorf("schema %q %s: %w", schema, ExtContactTypeRules, err)
	}
	return rules, nil
}
