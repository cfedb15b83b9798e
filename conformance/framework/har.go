package framework

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the subset tools/drift reads back.
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	// Custom fields (HAR allows a leading underscore): which vendor and spec made the exchange.
	Vendor string `json:"_vendor"`
	Spec   string `json:"_spec,omitempty"`
	// Negative: the request is invalid on purpose (a negative spec); tools/drift judges only its
	// answer.
	Negative bool `json:"_negative,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	Cookies     []harNV      `json:"cookies"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Headers     []harNV    `json:"headers"`
	Cookies     []harNV    `json:"cookies"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// WriteHAR writes every exchange of the report as one HAR 1.2 file: spec by spec, in the order the
// specs made their first exchange, and each spec's exchanges in start order. With -p, specs of
// different processes (each with its own embedded mocks) overlap in time; kept together, a spec's
// exchanges replay against one mock in the state they were made in (tools/drift replay). The
// exchanges were redacted when recorded.
func WriteHAR(r types.Report, path string) error {
	type spec struct {
		first     time.Time
		exchanges []Exchange
		text      string
	}
	var specs []spec
	for _, s := range r.SpecReports {
		var exs []Exchange
		for _, e := range s.ReportEntries {
			if e.Name != reportEntryExchange {
				continue
			}
			var ex Exchange
			if !decodeEntry(e, &ex) || ex.Error != "" {
				continue
			}
			exs = append(exs, ex)
		}
		if len(exs) == 0 {
			continue
		}
		sort.SliceStable(exs, func(i, j int) bool { return exs[i].Started.Before(exs[j].Started) })
		specs = append(specs, spec{first: exs[0].Started, exchanges: exs, text: s.LeafNodeText})
	}
	sort.SliceStable(specs, func(i, j int) bool { return specs[i].first.Before(specs[j].first) })
	entries := []harEntry{}
	for _, s := range specs {
		for _, ex := range s.exchanges {
			entries = append(entries, harEntryOf(ex, s.text))
		}
	}
	data, err := json.MarshalIndent(harFile{Log: harLog{Version: "1.2", Creator: harCreator{Name: "contactapis conformance", Version: "1"}, Entries: entries}}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("har: %w", err)
	}
	return os.WriteFile(path, data, 0o644)
}

func harEntryOf(ex Exchange, spec string) harEntry {
	ms := float64(ex.Duration) / float64(time.Millisecond)
	e := harEntry{
		StartedDateTime: ex.Started.UTC().Format(time.RFC3339Nano), Time: ms, Vendor: ex.Vendor, Spec: spec, Negative: ex.Negative,
		Timings: harTimings{Wait: ms},
		Request: harRequest{Method: ex.Method, URL: ex.URL, HTTPVersion: "HTTP/1.1", Headers: nvs(ex.RequestHeaders),
			QueryString: []harNV{}, Cookies: []harNV{}, HeadersSize: -1, BodySize: ex.RequestBodySize},
		Response: harResponse{Status: ex.Status, StatusText: http.StatusText(ex.Status), HTTPVersion: "HTTP/1.1",
			Headers: nvs(ex.ResponseHeaders), Cookies: []harNV{}, HeadersSize: -1, BodySize: len(ex.ResponseBody),
			Content: harContent{Size: len(ex.ResponseBody), MimeType: first(ex.ResponseHeaders["Content-Type"]), Text: ex.ResponseBody}},
	}
	if u, err := url.Parse(ex.URL); err == nil {
		for k, vals := range u.Query() {
			for _, v := range vals {
				e.Request.QueryString = append(e.Request.QueryString, harNV{k, v})
			}
		}
		sort.Slice(e.Request.QueryString, func(i, j int) bool { return e.Request.QueryString[i].Name < e.Request.QueryString[j].Name })
	}
	if ex.RequestBody != "" {
		e.Request.PostData = &harPostData{MimeType: first(ex.RequestHeaders["Content-Type"]), Text: ex.RequestBody}
	}
	if loc := first(ex.ResponseHeaders["Location"]); loc != "" {
		e.Response.RedirectURL = loc
	}
	return e
}

func nvs(h map[string][]string) []harNV {
	out := []harNV{}
	for k, vals := range h {
		for _, v := range vals {
			out = append(out, harNV{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
