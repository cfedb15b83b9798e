package report

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/contactapis/contactapis/conformance/contract"
)

// Formats lists the output formats, for flag help and validation.
var Formats = []string{"text", "json", "markdown", "junit"}

// Write renders r in format (one of Formats).
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case "text", "":
		return writeText(w, r)
	case "json":
		return writeJSON(w, r)
	case "markdown":
		return writeMarkdown(w, r)
	case "junit":
		return writeJUnit(w, r)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// counts summarises one vendor's findings.
type counts struct {
	byLevel                      map[string]int
	bySeverity                   map[contract.Severity]int
	goIncompatible, goCompatible int
	failing, acknowledged        int
}

func countFindings(fs []Finding, strict bool) counts {
	c := counts{byLevel: map[string]int{}, bySeverity: map[contract.Severity]int{}}
	for _, f := range fs {
		c.bySeverity[f.Severity]++
		switch {
		case f.Kind == KindGoAPI && f.Breaking():
			c.goIncompatible++
		case f.Kind == KindGoAPI:
			c.goCompatible++
		default:
			c.byLevel[f.Level]++
		}
		if f.Fails(strict) {
			c.failing++
		}
		if f.Acknowledged != nil {
			c.acknowledged++
		}
	}
	return c
}

func (c counts) summary(command string) string {
	if command == "traffic" || command == "replay" || command == "probe" {
		n := c.byLevel[ERR] + c.byLevel[WARN] + c.byLevel[INFO]
		out := fmt.Sprintf("%d %s", n, plural(n, "finding", "findings"))
		var parts []string
		for _, s := range []contract.Severity{contract.Breaking, contract.NonBreaking, contract.Info} {
			if c.bySeverity[s] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c.bySeverity[s], s))
			}
		}
		if len(parts) > 0 {
			out += ": " + strings.Join(parts, ", ")
		}
		return out + fmt.Sprintf(" (%d baselined)", c.acknowledged)
	}
	return fmt.Sprintf("spec: %d ERR, %d WARN, %d INFO; Go API: %d incompatible, %d compatible; %d acknowledged",
		c.byLevel[ERR], c.byLevel[WARN], c.byLevel[INFO], c.goIncompatible, c.goCompatible, c.acknowledged)
}

// line is the replay counts in one line: what was replayed, what was skipped and why, and what
// the replay did to the mock besides.
func (s *ReplayStats) line() string {
	out := fmt.Sprintf("%d %s in %d %s: %d replayed, %d skipped", s.Exchanges, plural(s.Exchanges, "exchange", "exchanges"),
		s.Files, plural(s.Files, "file", "files"), s.Replayed, s.Skipped())
	var why []string
	for _, c := range []struct {
		n    int
		what string
	}{{s.NoResponse, "without a response"}, {s.BodyNotAsSent, "with a request body not recorded as sent"}, {s.URLNotAsSent, "with a URL not recorded as sent"}, {s.UnknownHost, "to an unknown host"}} {
		if c.n > 0 {
			why = append(why, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(why) > 0 {
		out += " (" + strings.Join(why, ", ") + ")"
	}
	return out + fmt.Sprintf("; mock reset %d %s, %d %s by the replay", s.Resets, plural(s.Resets, "time", "times"), s.Logins, plural(s.Logins, "login", "logins"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// status says what becomes of a finding: it fails the run, it is acknowledged, it fails only
// with --strict, or it is informational.
func status(f Finding, strict bool) string {
	switch {
	case f.Acknowledged != nil:
		return fmt.Sprintf("acknowledged until %s (%s): %s", f.Acknowledged.Expires, f.Acknowledged.Where, f.Acknowledged.Reason)
	case f.Fails(strict):
		return "FAILS"
	case f.Severity == contract.NonBreaking:
		return "reported (fails with --strict)"
	}
	return ""
}

// column is what the text and Markdown reports show in a finding's first column: the oasdiff
// level for spec changes (ERR, WARN and INFO grade them finer), the severity for what was seen
// of a vendor.
func column(f Finding) string {
	if f.Kind == KindSpec || f.Kind == KindGoAPI {
		return f.Level
	}
	return string(f.Severity)
}

func verdict(r *Report) string {
	if n := r.Failing(); n > 0 {
		return fmt.Sprintf("FAIL: %d %s", n, plural(n, "problem", "problems"))
	}
	return "OK"
}

func writeText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "drift %s: %s\n", r.Command, r.Subject)
	if t := r.Traffic; t != nil {
		fmt.Fprintf(&b, "%d %s in %d %s: %d validated, %d skipped\n", t.Exchanges, plural(t.Exchanges, "exchange", "exchanges"),
			t.Files, plural(t.Files, "file", "files"), t.Validated, t.Skipped)
	}
	if rs := r.Replay; rs != nil {
		fmt.Fprintf(&b, "%s\n", rs.line())
	}
	if ps := r.Probe; ps != nil {
		fmt.Fprintf(&b, "%s\n", ps.line())
	}
	for _, v := range r.Vendors {
		fs := r.ForVendor(v)
		fmt.Fprintf(&b, "\n%s: %s\n", v, countFindings(fs, r.Strict).summary(r.Command))
		for _, f := range fs {
			fmt.Fprintf(&b, "  %-4s %s", column(f), f.Rule)
			if f.Operation != "" {
				fmt.Fprintf(&b, "  %s", f.Operation)
			}
			if f.Location != "" {
				fmt.Fprintf(&b, "  %s", f.Location)
			}
			if f.Count > 1 {
				fmt.Fprintf(&b, " (%d exchanges)", f.Count)
			}
			fmt.Fprintf(&b, "\n       %s\n", f.Message)
			if s := status(f, r.Strict); s != "" {
				fmt.Fprintf(&b, "       %s\n", s)
			}
		}
	}
	writeAcks := func(title string, acks []Acknowledgement) {
		if len(acks) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s:\n", title)
		for _, a := range acks {
			fmt.Fprintf(&b, "  %s: %s %s, expires %s: %s\n", a.Where, a.Vendor, a.What, a.Expires, a.Reason)
		}
	}
	writeAcks("expired acknowledgements (FAIL: renew with a reason, or remove)", r.Expired)
	writeAcks("unused acknowledgements (matched nothing)", r.Unused)
	fmt.Fprintf(&b, "\n%s\n", verdict(r))
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(w io.Writer, r *Report) error {
	out := struct {
		*Report
		Failing int `json:"failing"`
	}{r, r.Failing()}
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// md escapes text for a Markdown table cell: pipes end the cell, and GitHub drops what reads
// as an HTML tag (an iovox "<errors>" in a finding).
func md(s string) string {
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	s = strings.ReplaceAll(s, ">", "&gt;")
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

func writeMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### drift %s: %s\n\n", r.Command, md(r.Subject))
	fmt.Fprintf(&b, "**%s**\n\n", verdict(r))
	if t := r.Traffic; t != nil {
		fmt.Fprintf(&b, "%d exchanges in %d files: %d validated, %d skipped.\n\n", t.Exchanges, t.Files, t.Validated, t.Skipped)
	}
	if rs := r.Replay; rs != nil {
		fmt.Fprintf(&b, "%s.\n\n", md(rs.line()))
	}
	if ps := r.Probe; ps != nil {
		fmt.Fprintf(&b, "%s.\n\n", md(ps.line()))
	}
	b.WriteString("| vendor | summary | failing |\n|---|---|---|\n")
	for _, v := range r.Vendors {
		c := countFindings(r.ForVendor(v), r.Strict)
		fmt.Fprintf(&b, "| %s | %s | %d |\n", v, md(c.summary(r.Command)), c.failing)
	}
	for _, v := range r.Vendors {
		fs := r.ForVendor(v)
		if len(fs) == 0 {
			continue
		}
		head := "severity"
		if r.Command == "spec" {
			head = "level"
		}
		fmt.Fprintf(&b, "\n#### %s\n\n| %s | rule | operation | change | where | status |\n|---|---|---|---|---|---|\n", v, head)
		for _, f := range fs {
			where := f.Location
			if f.Count > 1 {
				where += fmt.Sprintf(" (%d exchanges)", f.Count)
			}
			st := status(f, r.Strict)
			if st == "FAILS" {
				st = "**fails**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", column(f), code(f.Rule), code(f.Operation), md(f.Message), md(where), md(st))
		}
	}
	writeAcks := func(title string, acks []Acknowledgement) {
		if len(acks) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n#### %s\n\n| where | vendor | matches | expires | reason |\n|---|---|---|---|---|\n", title)
		for _, a := range acks {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", md(a.Where), a.Vendor, md(a.What), a.Expires, md(a.Reason))
		}
	}
	writeAcks("Expired acknowledgements (fail: renew with a reason, or remove)", r.Expired)
	writeAcks("Unused acknowledgements", r.Unused)
	_, err := io.WriteString(w, b.String())
	return err
}

// JUnit XML, the subset CI systems read (Jenkins, GitLab, GitHub test reporters).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes one test suite per vendor with one test case per finding: a failure when it
// fails the run, skipped when acknowledged, passed when informational. A vendor without findings
// gets one passing case, so a clean run still shows what was checked.
func writeJUnit(w io.Writer, r *Report) error {
	all := junitSuites{Name: "drift " + r.Command}
	add := func(s *junitSuite, c junitCase) {
		s.Tests++
		if c.Failure != nil {
			s.Failures++
		}
		if c.Skipped != nil {
			s.Skipped++
		}
		s.Cases = append(s.Cases, c)
	}
	for _, v := range r.Vendors {
		s := junitSuite{Name: v}
		class := "drift." + r.Command + "." + v
		fs := r.ForVendor(v)
		if len(fs) == 0 {
			add(&s, junitCase{Classname: class, Name: "no drift"})
		}
		for _, f := range fs {
			var parts []string
			for _, p := range []string{column(f), f.Rule, f.Operation, f.Message} {
				if p != "" {
					parts = append(parts, p)
				}
			}
			name := strings.Join(parts, " ")
			detail := f.Message
			if f.Location != "" {
				detail += "\nat " + f.Location
			}
			if f.Count > 1 {
				detail += fmt.Sprintf(" (%d exchanges)", f.Count)
			}
			c := junitCase{Classname: class, Name: name}
			switch {
			case f.Acknowledged != nil:
				c.Skipped = &junitMessage{Message: status(f, r.Strict)}
			case f.Fails(r.Strict):
				c.Failure = &junitMessage{Message: f.Message, Type: f.Rule, Text: detail}
			default:
				c.SystemOut = detail
			}
			add(&s, c)
		}
		all.Suites = append(all.Suites, s)
	}
	if len(r.Expired) > 0 || len(r.Unused) > 0 {
		s := junitSuite{Name: "acknowledgements"}
		for _, a := range r.Expired {
			add(&s, junitCase{Classname: "drift." + r.Command + ".acknowledgements", Name: a.Where + " " + a.Vendor + " " + a.What,
				Failure: &junitMessage{Message: "expired " + a.Expires + ": renew with a reason, or remove", Type: "expired", Text: a.Reason}})
		}
		for _, a := range r.Unused {
			add(&s, junitCase{Classname: "drift." + r.Command + ".acknowledgements", Name: a.Where + " " + a.Vendor + " " + a.What,
				SystemOut: "matched nothing: " + a.Reason})
		}
		all.Suites = append(all.Suites, s)
	}
	for _, s := range all.Suites {
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
