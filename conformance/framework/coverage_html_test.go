package framework

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
	"golang.org/x/net/html"

	"github.com/contactapis/contactapis/specs"
)

func TestExpectedPair(t *testing.T) {
	structs := `errors
Expected
    <[]iovox.Error | len:1, cap:1>: [
        {
            Status: 400,
            Message: "Business Country 1 of 1 Invali~",
        },
    ]
to consist of
    <[]iovox.Error | len:1, cap:1>: [
        {
            Status: 400,
            Message: "Business Country 1 of 1 Invalid",
        },
    ]
the missing elements were
    <[]iovox.Error | len:1, cap:1>: [`
	for _, tc := range []struct {
		name, msg            string
		got, gotMark, wanted string
	}{
		{"strings", "error_description\nExpected\n    <string>: firstName parameter is missin~\nto equal\n    <string>: firstName parameter is missing",
			"firstName parameter is missin~", "~", "firstName parameter is missing"},
		{"ints", "Expected\n    <int>: 200\nto equal\n    <int>: 400", "200", "2", "400"},
		{"structs: the first differing string", structs, "Business Country 1 of 1 Invali~", "~", "Business Country 1 of 1 Invalid"},
		{"multi-byte letters are not split", "Expected\n    <string>: Zürich\nto equal\n    <string>: Zurich", "Zürich", "ü", "Zurich"},
	} {
		d := expectedPair(tc.msg)
		if d == nil {
			t.Errorf("%s: no pair found", tc.name)
			continue
		}
		if got := d.Got.Before + d.Got.Mark + d.Got.After; got != tc.got || d.Got.Mark != tc.gotMark {
			t.Errorf("%s: got %q marked %q, want %q marked %q", tc.name, got, d.Got.Mark, tc.got, tc.gotMark)
		}
		if w := d.Want.Before + d.Want.Mark + d.Want.After; w != tc.wanted {
			t.Errorf("%s: wanted %q, want %q", tc.name, w, tc.wanted)
		}
	}
	if d := expectedPair("contract violations:\n  PUT /x -> 500: undocumented status"); d != nil {
		t.Errorf("a message without a pair gave %+v", d)
	}
}

// The structure a reader relies on: summary, then failures, then the tables; numbers that agree
// with the rows; every failing row linking to the failure blamed on it and back; the exchange
// inline with the differing part marked; folded spec lists; filters for vendor, outcome and label;
// nothing loaded from elsewhere.
func TestCoverageHTMLStructure(t *testing.T) {
	a, b, c := CatalogueID("xml-empty"), CatalogueID("method-invalid"), CatalogueID("api-version-empty")
	many := declared{Vendor: specs.Iovox, Spec: Spec{Must: "every refusal MUST leave the data unchanged", Operation: "updateContacts",
		Covers: []string{a, b}, Labels: []Label{Negative}}}
	other := declared{Vendor: specs.Iovox, Spec: Spec{Must: "an empty version MUST be refused", Operation: "updateContacts", Covers: []string{c}}}
	failing := specReport(t, types.SpecStateFailed, many.Must, many.Covers, []string{a}, []string{b})
	failing.Failure.Message = "message\nExpected\n    <string>: Method Invalix\nto equal\n    <string>: Method Invalid"
	failing.ReportEntries = append(failing.ReportEntries, types.ReportEntry{Name: reportEntryExchange, Value: types.WrapEntryValue(Exchange{
		Vendor: specs.Iovox, Method: "PUT", URL: "http://mock/iovox/Contacts?v=3&method=nosuch", Status: 400,
		RequestHeaders: map[string][]string{"Username": {"[REDACTED]"}},
		ResponseBody:   `<errors><error status="400">Method Invalix</error></errors>`})})
	report := types.Report{SpecReports: types.SpecReports{failing, specReport(t, types.SpecStatePassed, other.Must, other.Covers)}}

	var m *Matrix
	withRegistry(t, []declared{many, other}, func() {
		var err error
		if m, err = BuildMatrix(report, []string{specs.Iovox, specs.Which50}, Coverage{}, "test"); err != nil {
			t.Fatal(err)
		}
	})
	dir := t.TempDir()
	if err := WriteMatrix(m, dir); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "coverage.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := html.Parse(f)
	if err != nil {
		t.Fatal(err)
	}

	// Self-contained: no attribute loads anything, no script or style names a URL.
	walk(doc, func(n *html.Node) {
		for _, at := range []string{"src", "srcset"} {
			if attr(n, at) != "" {
				t.Errorf("<%s %s=%q> loads from elsewhere", n.Data, at, attr(n, at))
			}
		}
		if n.Data == "link" {
			t.Errorf("<link href=%q> loads from elsewhere", attr(n, "href"))
		}
		if (n.Data == "script" || n.Data == "style") && strings.Contains(text(n), "://") {
			t.Errorf("<%s> names a URL", n.Data)
		}
	})

	// Order: summary, failures, behaviours.
	var order []string
	walk(doc, func(n *html.Node) {
		if n.Data == "section" {
			order = append(order, attr(n, "id"))
		}
	})
	if strings.Join(order, ",") != "summary,failures,behaviours" {
		t.Errorf("sections %v, want summary, failures, behaviours", order)
	}

	// The summary's numbers are the rows' counts, and the bar's segments add up to the whole.
	rows := all(doc, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-outcome") != "" })
	for _, v := range []string{specs.Iovox, specs.Which50} {
		tr := firstNode(doc, func(n *html.Node) bool { return attr(n, "data-vendor-summary") == v })
		if tr == nil {
			t.Fatalf("no summary row for %s", v)
		}
		for _, cell := range all(tr, func(n *html.Node) bool { return attr(n, "data-count") != "" }) {
			want := 0
			for _, r := range rows {
				if attr(r, "data-vendor") == v && attr(r, "data-outcome") == attr(cell, "data-count") {
					want++
				}
			}
			if got, _ := strconv.Atoi(text(cell)); got != want {
				t.Errorf("%s %s: summary says %d, the table has %d rows", v, attr(cell, "data-count"), got, want)
			}
		}
		sum := 0.0
		for _, seg := range all(tr, func(n *html.Node) bool { return n.Data == "span" && strings.HasPrefix(attr(n, "class"), "seg-") }) {
			p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(attr(seg, "style"), "width:"), "%"), 64)
			if err != nil {
				t.Fatalf("segment style %q", attr(seg, "style"))
			}
			sum += p
		}
		if math.Abs(sum-100) > 0.1 {
			t.Errorf("%s: the bar's segments add up to %.2f%%", v, sum)
		}
	}
	iovoxFails := 0
	for _, r := range rows {
		if attr(r, "data-vendor") == specs.Iovox && attr(r, "data-outcome") == OutcomeFail {
			iovoxFails++
		}
	}
	if iovoxFails != 1 {
		t.Errorf("%d failing iovox rows, want 1 (only %s's check failed)", iovoxFails, b)
	}

	// Failing rows come first in their table, link to a failure, and that failure links back.
	articles := map[string]*html.Node{}
	for _, art := range all(doc, func(n *html.Node) bool { return n.Data == "article" }) {
		if articles[attr(art, "id")] != nil {
			t.Errorf("two failures have the id %q", attr(art, "id"))
		}
		articles[attr(art, "id")] = art
	}
	if len(articles) != 1 {
		t.Fatalf("%d failures, want 1", len(articles))
	}
	if firstRow := rows[0]; attr(firstRow, "data-outcome") != OutcomeFail {
		t.Errorf("the iovox table opens with a %s row", attr(firstRow, "data-outcome"))
	}
	for _, r := range rows {
		link := firstNode(r, func(n *html.Node) bool { return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "#") })
		if attr(r, "data-outcome") != OutcomeFail {
			if link != nil && strings.HasPrefix(attr(link, "href"), "#failure-") {
				t.Errorf("row %s (%s) links to a failure", attr(r, "id"), attr(r, "data-outcome"))
			}
			continue
		}
		if link == nil {
			t.Errorf("failing row %s links nowhere", attr(r, "id"))
			continue
		}
		art := articles[strings.TrimPrefix(attr(link, "href"), "#")]
		if art == nil {
			t.Errorf("failing row %s links to %s, which is no failure", attr(r, "id"), attr(link, "href"))
			continue
		}
		if firstNode(art, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#"+attr(r, "id") }) == nil {
			t.Errorf("the failure %s does not link back to row %s", attr(art, "id"), attr(r, "id"))
		}
	}

	// The exchange inline: request line, status, and the differing part marked in the body and in
	// the got/wanted pair.
	for _, art := range articles {
		s := text(art)
		for _, want := range []string{"PUT http://mock/iovox/Contacts?v=3&method=nosuch", "400 Bad Request", "Method Invali"} {
			if !strings.Contains(s, want) {
				t.Errorf("the failure lacks %q", want)
			}
		}
		body := firstNode(art, func(n *html.Node) bool { return n.Data == "pre" && attr(n, "class") == "body" })
		if mk := firstNode(body, func(n *html.Node) bool { return n.Data == "mark" }); mk == nil || text(mk) != "x" {
			t.Errorf("the response body does not mark the differing letter: %v", mk)
		}
		if ins := firstNode(art, func(n *html.Node) bool { return n.Data == "ins" }); ins == nil || text(ins) != "d" {
			t.Errorf("the wanted value does not mark its letter")
		}
		if firstNode(art, func(n *html.Node) bool { return n.Data == "details" }) == nil {
			t.Error("the full evidence is not folded away")
		}
	}

	// Spec lists fold away.
	for _, r := range rows {
		if attr(r, "data-outcome") == OutcomeNotCovered {
			continue
		}
		if firstNode(r, func(n *html.Node) bool { return n.Data == "details" }) == nil {
			t.Errorf("row %s: its spec list does not fold", attr(r, "id"))
		}
	}

	// Filters: every vendor, every outcome, the labels of the specs.
	form := firstNode(doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "id") == "filters" })
	if form == nil {
		t.Fatal("no filters")
	}
	options := func(name string) []string {
		sel := firstNode(form, func(n *html.Node) bool { return n.Data == "select" && attr(n, "name") == name })
		var out []string
		for _, o := range all(sel, func(n *html.Node) bool { return n.Data == "option" }) {
			out = append(out, attr(o, "value"))
		}
		return out
	}
	if got := strings.Join(options("vendor"), ","); got != ",iovox,which50" {
		t.Errorf("vendor filter %q", got)
	}
	if got := strings.Join(options("label"), ","); got != ",negative,op:updateContacts" {
		t.Errorf("label filter %q", got)
	}
	var outs []string
	for _, in := range all(form, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "outcome" }) {
		outs = append(outs, attr(in, "value"))
	}
	if strings.Join(outs, ",") != "pass,fail,skipped,not run,not covered" {
		t.Errorf("outcome filter %v", outs)
	}
	if firstNode(doc, func(n *html.Node) bool { return n.Data == "script" && strings.Contains(text(n), "filters") }) == nil {
		t.Error("no script applies the filters")
	}
}

// A stopped run's page says so before anything else.
func TestCoverageHTMLStopped(t *testing.T) {
	dir := t.TempDir()
	if err := WriteMatrix(&Matrix{Target: "url", Stopped: "target setup:\n--iovox-url http://x/iovx: no answer"}, dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "coverage.html"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	sec := firstNode(doc, func(n *html.Node) bool { return n.Data == "section" })
	if attr(sec, "id") != "stopped" || !strings.Contains(text(sec), "--iovox-url http://x/iovx: no answer") {
		t.Errorf("the first section is %q: %s", attr(sec, "id"), text(sec))
	}
}

func walk(n *html.Node, f func(*html.Node)) {
	if n == nil {
		return
	}
	if n.Type == html.ElementNode {
		f(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	walk(n, func(x *html.Node) {
		if match(x) {
			out = append(out, x)
		}
	})
	return out
}

func firstNode(n *html.Node, match func(*html.Node) bool) *html.Node {
	if found := all(n, match); len(found) > 0 {
		return found[0]
	}
	return nil
}

func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	if n != nil {
		rec(n)
	}
	return strings.TrimSpace(b.String())
}
