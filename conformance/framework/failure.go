package framework

import (
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2"
)

// runningSpec is the exchange log of the spec this process is running (ginkgo runs one spec at a
// time per process), nil between specs: Fail reads it to show what the vendor answered.
var runningSpec atomic.Pointer[specLog]

// exchangeMarker opens the part of a failure message that shows the exchange at fault; the
// coverage reports, which show the exchange themselves, cut the message there.
const exchangeMarker = "\n\n--- the exchange at fault: "

// bodyContext is how many characters of a body are kept on each side of the difference.
const bodyContext = 240

// Fail is the suite's gomega fail handler (RegisterFailHandler(framework.Fail)): ginkgo.Fail
// with the exchange at fault appended to the message, so that the terminal and the JUnit report
// show the request line, the vendor's status and its body around the difference (secrets are
// redacted when the exchange is recorded), beside what the spec expected.
func Fail(message string, callerSkip ...int) {
	skip := 1
	if len(callerSkip) > 0 {
		skip += callerSkip[0]
	}
	if l := runningSpec.Load(); l != nil {
		exs := l.list()
		if accepted, ok := acceptedRefusal(message, exs); ok && env.adminAt == "" {
			// Only on a vendor (no mock's admin API): a mock, embedded or a tools/mockserver,
			// must refuse what the page refuses. Reported whatever the outcome, as the
			// transport's non-breaking findings are.
			ginkgo.AddReportEntry(ReportEntryNonBreaking, accepted, ginkgo.ReportEntryVisibilityAlways)
			message = NonBreakingPrefix + "the vendor now accepts what the page refuses: " + accepted + "\n" + message + exchangeDigest(message, exs)
			if !env.cfg.Strict {
				ginkgo.Skip(message, skip)
			}
			ginkgo.Fail(message, skip)
		}
		message += exchangeDigest(message, exs)
	}
	ginkgo.Fail(message, skip)
}

// exchangeDigest renders the exchange a failure message is about (the last one whose answer holds
// the value the failure got, else the spec's last one): request line, status, the body trimmed
// around the differing part (marked »like this«), the expected value and the exchange's contract
// violations. Empty when the spec made no exchange.
func exchangeDigest(message string, exs []Exchange) string {
	d := expectedPair(message)
	x, pick := pickedExchange(message, exs)
	if x == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%sexchange %d of %d (every exchange is in the evidence and the HAR)\n", exchangeMarker, pick+1, len(exs))
	b.WriteString("> " + x.RequestLine)
	if x.Operation != "" {
		b.WriteString(" (" + x.Operation + ")")
	}
	b.WriteString("\n")
	if x.Error != "" {
		b.WriteString("! " + x.Error + "\n")
	} else {
		status := x.Status
		if x.StatusMarked {
			status = "»" + status + "«"
		}
		b.WriteString("< " + status + "\n")
		if body := trimmedBody(x.Body); body != "" {
			b.WriteString("< " + strings.ReplaceAll(body, "\n", "\n< ") + "\n")
		}
	}
	if d != nil && (d.Want.Mark != "" || d.Got.Mark != "") {
		fmt.Fprintf(&b, "got:  %s\nwant: %s\n", trimmedBody(d.Got), trimmedBody(d.Want))
	}
	for _, v := range exs[pick].Violations {
		b.WriteString("violation: " + v + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// pickedExchange is the exchange a failure message is about (failingExchange) and its index in
// exs; nil when the spec made none.
func pickedExchange(message string, exs []Exchange) (*htmlExchange, int) {
	x, _ := failingExchange(exs, expectedPair(message))
	if x == nil {
		return nil, 0
	}
	pick := len(exs) - 1
	for i, e := range exs {
		if e.Method+" "+e.URL == x.RequestLine && e.ResponseBody == x.Body.Before+x.Body.Mark+x.Body.After {
			pick = i
		}
	}
	return x, pick
}

// trimmedBody is m with its differing part between » and «, and at most bodyContext characters
// kept on each side of it (a whole body without a marked part is kept up to twice that), so a
// long body is never cut before the part that differs.
func trimmedBody(m marked) string {
	if m.Mark == "" && m.After == "" {
		return headOf(m.Before, 2*bodyContext)
	}
	before, after := m.Before, m.After
	if n := utf8.RuneCountInString(before); n > bodyContext {
		before = "…" + string([]rune(before)[n-bodyContext:])
	}
	return before + "»" + m.Mark + "«" + headOf(after, bodyContext)
}

func headOf(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// MessageWithoutExchange is a failure message without the exchange Fail appended: for reports
// that show the exchange their own way (coverage.md and .html, drift findings).
func MessageWithoutExchange(message string) string {
	msg, _, _ := strings.Cut(message, exchangeMarker)
	return msg
}
