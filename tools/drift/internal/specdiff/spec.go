package specdiff

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// Document is one revision of a spec: its contents and the name findings cite it by.
type Document struct {
	// Name is how locations name the file: "specs/iovox.yaml" for the working tree,
	// "0a1b2c3d4e5f:specs/iovox.yaml" at a revision.
	Name string
	Data []byte
}

// CompareSpecs reports every change oasdiff's default checks find between two revisions of
// vendor's spec, at every level, plus the changes of the error catalogue. The level alone decides
// whether a finding fails: ERR does, WARN (oasdiff: may break some clients) and INFO do not, so
// that the per-vendor counts of ERR say how many findings fail the run.
func CompareSpecs(vendor string, base, head Document) (_ []report.Finding, err error) {
	// A document oasdiff cannot handle is an input error, reported in one line, not a crash.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: comparing %s with %s failed: %v", vendor, base.Name, head.Name, p)
		}
	}()
	s1, err := loadSpec(base)
	if err != nil {
		return nil, err
	}
	s2, err := loadSpec(head)
	if err != nil {
		return nil, err
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	if err != nil {
		return nil, fmt.Errorf("%s: diff %s and %s: %w", vendor, base.Name, head.Name, err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	l := checker.NewDefaultLocalizer()
	var out []report.Finding
	for _, c := range changes {
		level := levelName(c.GetLevel())
		f := report.Finding{
			Vendor:   vendor,
			Kind:     report.KindSpec,
			Rule:     c.GetId(),
			Level:    level,
			Message:  strings.TrimSpace(c.GetUncolorizedText(l)),
			Location: location(c, base, head),
			Severity: specSeverity(level == report.ERR),
		}
		if c.GetOperation() != "" && c.GetPath() != "" {
			f.Operation = c.GetOperation() + " " + c.GetPath()
		}
		out = append(out, f)
	}
	return append(out, compareCatalogues(vendor, s1.Spec, s2.Spec, head.Name)...), nil
}

// loadSpec parses a document as oasdiff expects it: references resolved, origins kept so that
// each change carries its line. A fresh loader per document, since a loader caches by name.
func loadSpec(doc Document) (*load.SpecInfo, error) {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	info, err := load.NewSpecInfoFromData(loader, doc.Data, doc.Name)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", doc.Name, oneLine(err))
	}
	return info, nil
}

func levelName(l checker.Level) string {
	switch l {
	case checker.ERR:
		return report.ERR
	case checker.WARN:
		return report.WARN
	}
	return report.INFO
}

// location cites the head revision where the change is visible there, else the base (a removal),
// by the documents' own names: oasdiff knows the line, not which revision the file was read at.
func location(c checker.Change, base, head Document) string {
	for _, side := range []struct {
		src *checker.Source
		doc Document
	}{{c.GetRevisionSource(), head}, {c.GetBaseSource(), base}} {
		if side.src != nil && side.src.Line > 0 {
			return fmt.Sprintf("%s:%d", side.doc.Name, side.src.Line)
		}
	}
	return head.Name
}

// Rule ids of the catalogue checks, in oasdiff's naming style.
const (
	RuleCatalogueEntryRemoved   = "error-catalogue-entry-removed"
	RuleCatalogueStatusChanged  = "error-catalogue-entry-status-changed"
	RuleCatalogueMessageChanged = "error-catalogue-entry-message-changed"
	RuleCatalogueEntryAdded     = "error-catalogue-entry-added"
)

// compareCatalogues reports catalogue entries removed (ERR: the suite, coverage file and
// baselines key on the id; a rename is a removal), whose status changed (ERR: the typed error a
// client returns changes), whose message changed (ERR: the typed clients and the mocks identify
// an answer's entry by its text, so a recorded answer with the old text no longer identifies,
// and callers matching the vendor's text break), and added (INFO).
func compareCatalogues(vendor string, base, head *openapi3.T, headName string) []report.Finding {
	bc, hc := readCatalogue(base), readCatalogue(head)
	where := func(e specs.Entry) string {
		if e.OperationID == "" {
			return "root"
		}
		return e.OperationID
	}
	var out []report.Finding
	add := func(rule, level, msg string) {
		out = append(out, report.Finding{Vendor: vendor, Kind: report.KindSpec, Rule: rule, Level: level,
			Message: msg, Location: headName, Severity: specSeverity(level == report.ERR)})
	}
	for _, b := range bc {
		h, ok := hc.ByID(b.ID)
		switch {
		case !ok:
			add(RuleCatalogueEntryRemoved, report.ERR, fmt.Sprintf("removed the error catalogue entry %q (%s, status %d)", b.ID, where(b), b.Status))
		case h.Status != b.Status:
			add(RuleCatalogueStatusChanged, report.ERR, fmt.Sprintf("changed the status of error catalogue entry %q from %d to %d", b.ID, b.Status, h.Status))
		case h.Message != b.Message:
			add(RuleCatalogueMessageChanged, report.ERR, fmt.Sprintf("changed the message of error catalogue entry %q from %q to %q", b.ID, b.Message, h.Message))
		}
	}
	for _, h := range hc {
		if _, ok := bc.ByID(h.ID); !ok {
			add(RuleCatalogueEntryAdded, report.INFO, fmt.Sprintf("added the error catalogue entry %q (%s, status %d)", h.ID, where(h), h.Status))
		}
	}
	return out
}

// readCatalogue reads id, status and message of every catalogue entry, leniently: unlike
// specs.ReadCatalogue it does not refuse keys it does not know, so that an old base revision,
// written before a key was added or renamed, still compares.
func readCatalogue(doc *openapi3.T) specs.Catalogue {
	var out specs.Catalogue
	read := func(ext any, op string) {
		list, _ := ext.([]any)
		for _, item := range list {
			m, _ := item.(map[string]any)
			id, _ := m["id"].(string)
			if id == "" {
				continue
			}
			e := specs.Entry{ID: id, OperationID: op}
			e.Message, _ = m["message"].(string)
			if n, ok := m["status"].(float64); ok {
				e.Status = int(n)
			}
			out = append(out, e)
		}
	}
	read(doc.Extensions[specs.ExtErrorCatalogue], "")
	for _, op := range specs.Operations(doc) {
		read(op.Operation.Extensions[specs.ExtErrorCatalogue], op.Operation.OperationID)
	}
	return out
}

// oneLine keeps the first line of a multi-line error (kin-openapi's include the schema).
func oneLine(err error) error {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return fmt.Errorf("%s", s[:i])
	}
	return err
}

// specSeverity is a spec change's severity: oasdiff's breaking changes are breaking; the rest
// (additions, descriptions) are information about the spec, not a vendor's change, so they are
// info rather than non-breaking and never fail, even in strict mode.
func specSeverity(breaking bool) contract.Severity {
	if breaking {
		return contract.Breaking
	}
	return contract.Info
}
