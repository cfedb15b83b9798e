package framework

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// coverage.html is read, not studied: it opens on a summary per vendor (numbers and a bar), then
// the failures, each with the exchange that failed inline and the part that differs from what the
// spec wanted marked, then one compact table per vendor, failing rows first, whose spec lists fold
// away. Filters by vendor, outcome and label are a few lines of inline script; the file loads
// nothing else, so it works offline and as a CI artifact.

// outcomes in the order the summary, bars and filters show them.
var outcomes = []string{OutcomePass, OutcomeFail, OutcomeSkipped, OutcomeNotRun, OutcomeNotCovered}

// outcomeRank orders a vendor's rows: what needs attention first.
var outcomeRank = map[string]int{OutcomeFail: 0, OutcomeSkipped: 1, OutcomeNotRun: 2, OutcomeNotCovered: 3, OutcomePass: 4}

type htmlPage struct {
	*Matrix
	Summary  []htmlVendorSummary
	Failures []htmlFailure
	Tables   []htmlTable
	Labels   []string
	Outcomes []string
	Total    int
}

type htmlVendorSummary struct {
	Vendor string
	Total  int
	// Cells has every outcome, zeros included; Segments only those the bar draws.
	Cells, Segments []htmlSegment
}

type htmlSegment struct {
	Outcome string
	Count   int
	Percent string // CSS width
}

type htmlTable struct {
	Vendor string
	Rows   []htmlRow
}

type htmlRow struct {
	Row
	Vendor string
	Anchor string
}

type htmlFailure struct {
	Failure
	Blamed   []htmlLink
	Diff     *htmlDiff
	Exchange *htmlExchange
	// Others counts the spec's exchanges not shown inline (they are in the full evidence).
	Others int
	Labels string
}

type htmlLink struct{ ID, Anchor string }

// htmlDiff is a gomega "Expected <got> to equal <want>" pair with the differing middle of each
// marked.
type htmlDiff struct {
	Got, Want marked
}

// marked is text with one marked span.
type marked struct{ Before, Mark, After string }

type htmlExchange struct {
	RequestLine string
	Operation   string
	Request     string // headers and body, as the evidence shows them
	Error       string
	Status      string
	// StatusMarked is set when the status is what differs.
	StatusMarked bool
	Body         marked
}

// anchorID makes an HTML id of a behaviour: "b-iovox-catalogue-xml-empty".
func anchorID(vendor, id string) string {
	return "b-" + vendor + "-" + nonID.ReplaceAllString(id, "-")
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func writeHTML(w io.Writer, m *Matrix) error {
	p := htmlPage{Matrix: m, Outcomes: outcomes}
	labels := map[string]bool{}
	failureVendor := map[string]string{}
	for _, f := range m.Failures {
		failureVendor[f.Anchor] = f.Vendor
	}
	rowLabels := map[string][]string{} // row anchor -> labels, for the failures blamed on it
	for _, vm := range m.Vendors {
		s := htmlVendorSummary{Vendor: vm.Vendor}
		for _, o := range outcomes {
			s.Total += vm.Counts[o]
		}
		for _, o := range outcomes {
			seg := htmlSegment{Outcome: o, Count: vm.Counts[o]}
			if s.Total > 0 {
				seg.Percent = fmt.Sprintf("%.2f%%", 100*float64(seg.Count)/float64(s.Total))
			}
			s.Cells = append(s.Cells, seg)
			if seg.Count > 0 {
				s.Segments = append(s.Segments, seg)
			}
		}
		p.Summary = append(p.Summary, s)
		p.Total += s.Total
		t := htmlTable{Vendor: vm.Vendor}
		for _, r := range vm.Rows {
			hr := htmlRow{Row: r, Vendor: vm.Vendor, Anchor: anchorID(vm.Vendor, r.ID)}
			for _, l := range r.Labels {
				labels[l] = true
			}
			rowLabels[hr.Anchor] = r.Labels
			t.Rows = append(t.Rows, hr)
		}
		sort.SliceStable(t.Rows, func(i, j int) bool { return outcomeRank[t.Rows[i].Outcome] < outcomeRank[t.Rows[j].Outcome] })
		p.Tables = append(p.Tables, t)
	}
	for l := range labels {
		p.Labels = append(p.Labels, l)
	}
	sort.Strings(p.Labels)
	for _, f := range m.Failures {
		hf := htmlFailure{Failure: f, Diff: expectedPair(f.Message)}
		var ls []string
		for _, id := range f.Behaviours {
			a := anchorID(f.Vendor, id)
			hf.Blamed = append(hf.Blamed, htmlLink{ID: id, Anchor: a})
			ls = append(ls, rowLabels[a]...)
		}
		slices.Sort(ls)
		hf.Labels = strings.Join(slices.Compact(ls), " ")
		hf.Exchange, hf.Others = failingExchange(f.Exchanges, hf.Diff)
		p.Failures = append(p.Failures, hf)
	}
	return htmlMatrix.Execute(w, p)
}

// gomegaPair reads the two values of gomega's two-value messages, each an indented block that may
// span lines (a struct, a slice):
//
//	Expected
//	    <string>: Contact ID 1 of 1 does not exisx
//	to equal
//	    <string>: Contact ID 1 of 1 does not exist
var gomegaPair = regexp.MustCompile(`(?s)Expected\n(\s+<.*?)\n\s*to [a-z][^\n]*\n(\s+<.*?)(?:\n\S|$)`)

// quoted finds the Go-quoted strings of a gomega value block.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// expectedPair returns the marked difference of a failure message's got/want pair, nil when the
// message has none. Of values that are structures (iovox's []Error), the first pair of quoted
// strings that differ is what is shown: that is where a changed message stands.
func expectedPair(msg string) *htmlDiff {
	sm := gomegaPair.FindStringSubmatch(msg)
	if sm == nil {
		return nil
	}
	gotBlock, wantBlock := strings.TrimSpace(sm[1]), strings.TrimSpace(sm[2])
	got, want := valueOf(gotBlock), valueOf(wantBlock)
	if strings.Contains(gotBlock, "\n") || strings.Contains(wantBlock, "\n") {
		gq, wq := quoted.FindAllString(gotBlock, -1), quoted.FindAllString(wantBlock, -1)
		got, want = "", ""
		for i := 0; i < len(gq) && i < len(wq); i++ {
			if gq[i] != wq[i] {
				got, want = unquote(gq[i]), unquote(wq[i])
				break
			}
		}
		if got == "" && want == "" {
			return nil
		}
	}
	g, w := markDifference(got, want)
	return &htmlDiff{Got: g, Want: w}
}

// valueOf strips gomega's "<type>: " from a one-line value.
func valueOf(block string) string {
	if _, v, ok := strings.Cut(block, ">: "); ok && strings.HasPrefix(block, "<") {
		return v
	}
	return block
}

func unquote(q string) string {
	if s, err := strconv.Unquote(q); err == nil {
		return s
	}
	return strings.Trim(q, `"`)
}

// markDifference marks, in each of a and b, what lies between their common prefix and suffix
// (by runes, so that a multi-byte letter is never split).
func markDifference(a, b string) (marked, marked) {
	pre := 0
	for pre < len(a) && pre < len(b) {
		ra, na := utf8.DecodeRuneInString(a[pre:])
		rb, _ := utf8.DecodeRuneInString(b[pre:])
		if ra != rb {
			break
		}
		pre += na
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre {
		ra, na := utf8.DecodeLastRuneInString(a[:len(a)-suf])
		rb, _ := utf8.DecodeLastRuneInString(b[:len(b)-suf])
		if ra != rb {
			break
		}
		suf += na
	}
	return marked{a[:pre], a[pre : len(a)-suf], a[len(a)-suf:]}, marked{b[:pre], b[pre : len(b)-suf], b[len(b)-suf:]}
}

// failingExchange picks the exchange to show inline: the last one whose answer holds the value the
// failure got, else the spec's last exchange. The got value's differing part is marked in the body,
// or the status when the status is what differs.
func failingExchange(exs []Exchange, d *htmlDiff) (*htmlExchange, int) {
	if len(exs) == 0 {
		return nil, 0
	}
	pick := len(exs) - 1
	got := ""
	if d != nil {
		got = d.Got.Before + d.Got.Mark + d.Got.After
		for i := len(exs) - 1; i >= 0; i-- {
			if got != "" && (strings.Contains(exs[i].ResponseBody, got) || fmt.Sprint(exs[i].Status) == got) {
				pick = i
				break
			}
		}
	}
	e := exs[pick]
	x := &htmlExchange{RequestLine: e.Method + " " + e.URL, Operation: e.Operation, Error: e.Error, Body: marked{Before: e.ResponseBody}}
	var req strings.Builder
	writeHeaders(&req, "", e.RequestHeaders)
	if e.RequestBody != "" {
		req.WriteString("\n" + e.RequestBody)
	}
	x.Request = strings.TrimRight(req.String(), "\n")
	if e.Error == "" {
		x.Status = fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	}
	if d != nil && got != "" {
		if fmt.Sprint(e.Status) == got {
			x.StatusMarked = true
		} else if i := strings.Index(e.ResponseBody, got); i >= 0 {
			// Mark only the differing part of the got value where it stands in the body.
			start := i + len(d.Got.Before)
			end := start + len(d.Got.Mark)
			x.Body = marked{e.ResponseBody[:start], e.ResponseBody[start:end], e.ResponseBody[end:]}
		}
	}
	return x, len(exs) - 1
}

var htmlMatrix = template.Must(template.New("coverage.html").Funcs(template.FuncMap{
	"join": strings.Join,
	"slug": func(s string) string { return strings.ReplaceAll(s, " ", "-") },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>contactapis conformance: {{if .Stopped}}STOPPED{{else if .Failures}}{{len .Failures}} failing{{else}}passing{{end}}</title>
<style>
:root{--pass:#2e7d32;--fail:#c62828;--skipped:#f9a825;--not-run:#8d6e63;--not-covered:#9e9e9e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header,main{max-width:1200px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:0}
.meta{color:#57606a;margin:0 0 12px}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}
.verdict.ok{background:var(--pass)}.verdict.bad{background:var(--fail)}
.stopped{background:#fff0f0;border:2px solid var(--fail);border-radius:6px;padding:12px 16px;margin:12px 0}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px}
table{border-collapse:collapse;width:100%}
th,td{padding:5px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #eaeef2}
th{font-size:12px;color:#57606a;font-weight:600;background:#f6f8fa}
.summary td.num{text-align:right;font-variant-numeric:tabular-nums;width:70px}
.summary td.num.zero{color:#afb8c1}
.bar{display:flex;height:14px;border-radius:3px;overflow:hidden;min-width:240px;background:#eaeef2}
.bar span{display:block;height:100%}
.seg-pass,.o-pass{--c:var(--pass)}.seg-fail,.o-fail{--c:var(--fail)}.seg-skipped,.o-skipped{--c:var(--skipped)}
.seg-not-run,.o-not-run{--c:var(--not-run)}.seg-not-covered,.o-not-covered{--c:var(--not-covered)}
.bar span{background:var(--c)}
.badge{display:inline-block;min-width:74px;text-align:center;padding:0 6px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:var(--c);text-decoration:none}
a.badge:hover{filter:brightness(1.15)}
.legend span{margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;background:var(--c);margin-right:4px}
#filters{position:sticky;top:0;z-index:2;background:#f6f8fa;padding:8px 0;border-bottom:1px solid #d0d7de;display:flex;flex-wrap:wrap;gap:14px;align-items:center}
#filters label{white-space:nowrap}#filters select{font:inherit}
#shown{color:#57606a;margin-left:auto}
.failure{margin:0 0 14px;padding:12px 14px;border-left:5px solid var(--fail)}
.failure:target{outline:3px solid #0969da}
.failure .where{color:#57606a;font-size:12px}
.blamed a{font-family:ui-monospace,monospace;font-size:12px}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{background:#f6f8fa;border:1px solid #eaeef2;border-radius:4px;padding:8px;margin:6px 0;white-space:pre-wrap;word-break:break-word;max-height:320px;overflow:auto}
.diff{display:grid;grid-template-columns:64px 1fr;gap:2px 8px;margin:8px 0}
.diff b{color:#57606a;font-weight:600}
mark{background:#ffd8d3;color:#82071e;border-radius:2px;padding:0 1px;outline:1px solid #ff8182}
ins{background:#d2f4d3;color:#0f5323;text-decoration:none;border-radius:2px;padding:0 1px;outline:1px solid #4ac26b}
.exchange{display:grid;grid-template-columns:90px 1fr;gap:2px 10px;margin-top:8px}
.exchange>b{color:#57606a;font-weight:600;padding-top:7px;font-size:12px}
.reqline{font-weight:600}
details>summary{cursor:pointer;color:#0969da}
details.assumed>summary{font-size:12px;color:#8c6d00}
tr:target{background:#fff8c5}
td.id code{font-size:12px;word-break:break-all}
td.doc{color:#57606a;font-size:12px;max-width:320px}
.reason{color:#57606a;font-size:12px}
.labels{font-size:11px;color:#57606a}
[hidden]{display:none!important}
</style></head><body>
<header>
<h1>contactapis conformance</h1>
<p class="meta">Target {{.Target}} · generated {{.Generated.Format "2006-01-02 15:04:05 UTC"}} ·
{{if .Stopped}}<span class="verdict bad">stopped before any spec</span>{{else if .Failures}}<span class="verdict bad">{{len .Failures}} failing spec{{if gt (len .Failures) 1}}s{{end}}</span>{{else}}<span class="verdict ok">no failures</span>{{end}}</p>
</header>
<main>
{{if .Stopped}}<section class="stopped" id="stopped"><h2>The run stopped before any spec ran; nothing was checked.</h2><pre>{{.Stopped}}</pre></section>{{end}}
<section id="summary"><h2>Summary</h2>
<div class="card"><table class="summary">
<tr><th>vendor</th>{{range .Outcomes}}<th class="o-{{slug .}}">{{.}}</th>{{end}}<th>behaviours</th><th></th></tr>
{{range .Summary}}<tr data-vendor-summary="{{.Vendor}}"><td><a href="#vendor-{{.Vendor}}">{{.Vendor}}</a></td>
{{range .Cells}}<td class="num{{if not .Count}} zero{{end}}" data-count="{{.Outcome}}">{{.Count}}</td>{{end}}
<td class="num">{{.Total}}</td>
<td><div class="bar" role="img" aria-label="{{range .Segments}}{{.Count}} {{.Outcome}}, {{end}}">{{range .Segments}}<span class="seg-{{slug .Outcome}}" style="width:{{.Percent}}" title="{{.Count}} {{.Outcome}}"></span>{{end}}</div></td></tr>
{{end}}</table></div>
<p class="legend">{{range .Outcomes}}<span class="o-{{slug .}}"><i></i>{{.}}</span>{{end}}</p>
</section>
<form id="filters" autocomplete="off" onsubmit="return false">
<label>vendor <select name="vendor"><option value="">all</option>{{range .Vendors}}<option value="{{.Vendor}}">{{.Vendor}}</option>{{end}}</select></label>
<span>outcome {{range .Outcomes}}<label><input type="checkbox" name="outcome" value="{{.}}" checked> {{.}}</label> {{end}}</span>
<label>label <select name="label"><option value="">any</option>{{range .Labels}}<option value="{{.}}">{{.}}</option>{{end}}</select></label>
<span id="shown">{{.Total}} behaviours</span>
</form>
{{if .Failures}}<section id="failures"><h2>Failures ({{len .Failures}})</h2>
{{range .Failures}}<article class="card failure" id="{{.Anchor}}" data-vendor="{{.Vendor}}" data-outcome="fail" data-labels="{{.Labels}}">
<h3>{{.Vendor}}: {{.Spec}}</h3>
<p class="blamed">fails {{range $i, $b := .Blamed}}{{if $i}}, {{end}}<a href="#{{.Anchor}}">{{.ID}}</a>{{end}}</p>
{{if .Diff}}<div class="diff"><b>got</b><code>{{.Diff.Got.Before}}<mark>{{.Diff.Got.Mark}}</mark>{{.Diff.Got.After}}</code><b>wanted</b><code>{{.Diff.Want.Before}}<ins>{{.Diff.Want.Mark}}</ins>{{.Diff.Want.After}}</code></div>
{{else}}<pre class="message">{{.Message}}</pre>{{end}}
{{with .Exchange}}<div class="exchange">
<b>request</b><div><pre><span class="reqline">{{.RequestLine}}</span>{{if .Operation}}  ({{.Operation}}){{end}}{{if .Request}}
{{.Request}}{{end}}</pre></div>
{{if .Error}}<b>error</b><pre>{{.Error}}</pre>{{else}}<b>status</b><pre class="status">{{if .StatusMarked}}<mark>{{.Status}}</mark>{{else}}{{.Status}}{{end}}</pre>
<b>response</b><pre class="body">{{.Body.Before}}{{if .Body.Mark}}<mark>{{.Body.Mark}}</mark>{{end}}{{.Body.After}}</pre>{{end}}
</div>{{end}}
<p class="where">{{.Location}}{{if .Others}} · {{.Others}} earlier exchange{{if gt .Others 1}}s{{end}} in the full evidence{{end}}</p>
<details><summary>full message and evidence</summary>{{if .Diff}}<pre>{{.Message}}</pre>{{end}}<pre>{{.Evidence}}</pre></details>
</article>
{{end}}</section>{{end}}
<section id="behaviours"><h2>Behaviours</h2>
{{range .Tables}}<div class="vendor" id="vendor-{{.Vendor}}" data-vendor-section="{{.Vendor}}"><h2>{{.Vendor}}</h2>
<div class="card"><table>
<tr><th>outcome</th><th>behaviour</th><th>vendor page</th><th>specs</th></tr>
{{range .Rows}}<tr id="{{.Anchor}}" data-vendor="{{.Vendor}}" data-outcome="{{.Outcome}}" data-labels="{{join .Labels " "}}">
<td class="o-{{slug .Outcome}}">{{if .Evidence}}<a class="badge" href="#{{.Evidence}}">{{.Outcome}}</a>{{else}}<span class="badge">{{.Outcome}}</span>{{end}}{{if .Reason}}<div class="reason">{{.Reason}}</div>{{end}}</td>
<td class="id"><code>{{.ID}}</code><br>{{.Summary}}{{if .Labels}}<div class="labels">{{join .Labels " · "}}</div>{{end}}{{if .Assumed}}<details class="assumed"><summary>assumed: the page does not say</summary><span class="reason">{{.Assumed}}</span></details>{{end}}</td>
<td class="doc">{{.Doc}}</td>
<td>{{if .Specs}}<details><summary>{{len .Specs}} spec{{if gt (len .Specs) 1}}s{{end}}</summary><ul>{{range .Specs}}<li>{{.}}</li>{{end}}</ul></details>{{end}}</td></tr>
{{end}}</table></div></div>
{{end}}</section>
</main>
<script>
(function () {
  var form = document.getElementById("filters");
  function apply() {
    var vendor = form.elements.vendor.value, label = form.elements.label.value, want = {};
    form.querySelectorAll("input[name=outcome]").forEach(function (c) { want[c.value] = c.checked; });
    var shown = 0, total = 0, perVendor = {};
    document.querySelectorAll("[data-outcome]").forEach(function (el) {
      var ok = (vendor === "" || el.dataset.vendor === vendor) && want[el.dataset.outcome] &&
        (label === "" || (" " + el.dataset.labels + " ").indexOf(" " + label + " ") >= 0);
      el.hidden = !ok;
      if (el.tagName === "TR") {
        total++;
        if (ok) { shown++; perVendor[el.dataset.vendor] = true; }
      }
    });
    document.querySelectorAll("[data-vendor-section]").forEach(function (el) { el.hidden = !perVendor[el.dataset.vendorSection]; });
    var failures = document.getElementById("failures");
    if (failures) { failures.hidden = !failures.querySelector("article:not([hidden])"); }
    document.getElementById("shown").textContent = shown + " of " + total + " behaviours shown";
  }
  // A link to a row or failure the filters hide clears the filters first.
  function reveal() {
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) { return; }
    if (target.hidden || target.closest("[hidden]")) { form.reset(); apply(); }
    // Filtering moves everything: scroll again, so the link lands on its row or failure.
    target.scrollIntoView();
  }
  // ?vendor=iovox&outcome=fail,skipped&label=negative presets the filters, for links.
  var q = new URLSearchParams(location.search);
  if (q.has("vendor")) { form.elements.vendor.value = q.get("vendor"); }
  if (q.has("label")) { form.elements.label.value = q.get("label"); }
  if (q.has("outcome")) {
    var keep = q.get("outcome").split(",");
    form.querySelectorAll("input[name=outcome]").forEach(function (c) { c.checked = keep.indexOf(c.value) >= 0; });
  }
  form.addEventListener("change", apply);
  window.addEventListener("hashchange", reveal);
  apply();
  reveal();
})();
</script>
</body></html>
`))
