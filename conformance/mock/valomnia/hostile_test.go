package valomnia_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// hostileBoundary frames the hand-built bodies below.
const hostileBoundary = "hostile-boundary"

// rawPart is one part exactly as written: its header lines (CRLF-terminated) and its data.
func rawPart(headers, data string) string {
	return "--" + hostileBoundary + "\r\n" + headers + "\r\n" + data + "\r\n"
}

func named(name, data string) string {
	return rawPart(`Content-Disposition: form-data; name="`+name+`"`+"\r\n", data)
}

// required are the page's required fields for contact 5, as parts.
var required = named("firstName", "Marie") + named("lastName", "Schrader") + named("customerId", "3229")

const closing = "--" + hostileBoundary + "--\r\n"

// fillTo repeats unit after head until the body, closed, is as close to n bytes as units allow.
func fillTo(n int, head, unit string) string {
	return head + strings.Repeat(unit, (n-len(head)-len(closing))/len(unit)) + closing
}

// Multipart bodies a container would not read: beyond the framing limits, without a boundary or
// without their end. The vendor then has no parameters at all, so the first required one is
// missing (the package doc, check 1); parts a container skips (no name) count for nothing. The
// handler alone (no pipeline) answers the same, so the limits are the mock's, not only the spec
// validation's.
func TestHostileMultipart(t *testing.T) {
	headerOf := func(n int) string {
		// One part's header lines, n bytes with their line ends: the Content-Disposition and
		// filler lines.
		h := `Content-Disposition: form-data; name="fax"` + "\r\n"
		filler := n - len(h) - len("X-Filler: \r\n")
		if filler < 0 {
			t.Fatalf("a header of %d bytes cannot hold the Content-Disposition", n)
		}
		return h + "X-Filler: " + strings.Repeat("f", filler) + "\r\n"
	}
	missing := refusal{"missing-param", param("firstName")}
	atCap := valomnia.MaxBodyBytes - 1024 // under the cap, which answers exceeded-file-size first
	tests := []struct {
		name, contentType, body string
		want                    refusal
	}{
		{"parts at the limit", "", required + strings.Repeat(named("fax", ""), contract.MaxMultipartParts-3) + closing, refusal{}},
		{"one part over the limit", "", required + strings.Repeat(named("fax", ""), contract.MaxMultipartParts-2) + closing, missing},
		{"unnamed parts over the limit", "", required + strings.Repeat(rawPart("", ""), contract.MaxMultipartParts-2) + closing, missing},
		{"a body of empty named parts", "", fillTo(atCap, required, named("fax", "")), missing},
		{"a body of empty unnamed parts", "", fillTo(atCap, required, rawPart("", "")), missing},
		{"part header at the limit", "", required + rawPart(headerOf(contract.MaxMultipartHeaderBytes), "1") + closing, refusal{}},
		{"part header one byte over", "", required + rawPart(headerOf(contract.MaxMultipartHeaderBytes+1), "1") + closing, missing},
		{"a part header of megabytes", "", required + rawPart(headerOf(atCap-len(required)-100), "1") + closing, missing},
		{"10,001 header lines", "", required + rawPart(strings.Repeat("X: a\r\n", 10_001), "1") + closing, missing},
		{"header lines never ended", "", required + "--" + hostileBoundary + "\r\n" + strings.Repeat("X: a\r\n", 1000), missing},
		{"no closing delimiter", "", required, missing},
		{"closing delimiter cut", "", required + "--" + hostileBoundary + "-", missing},
		{"no boundary parameter", "multipart/form-data", required + closing, missing},
		{"empty boundary parameter", `multipart/form-data; boundary=""`, required + closing, missing},
		{"boundary parameter unlike the body's", "multipart/form-data; boundary=other", required + closing, missing},
		// A container skips a part without a form-data name: it sets no parameter.
		{"unnamed part in place of firstName", "", rawPart("Content-Disposition: form-data\r\n", "Marie") +
			named("lastName", "Schrader") + named("customerId", "3229") + closing, missing},
		{"part without Content-Disposition in place of firstName", "", rawPart("Content-Type: text/plain\r\n", "Marie") +
			named("lastName", "Schrader") + named("customerId", "3229") + closing, missing},
		{"empty name in place of firstName", "", named("", "Marie") + named("lastName", "Schrader") + named("customerId", "3229") + closing, missing},
		{"unnamed part beside the fields", "", required + rawPart("Content-Disposition: form-data\r\n", "Mallory") + closing, refusal{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = "multipart/form-data; boundary=" + hostileBoundary
			}
			if len(tt.body) > valomnia.MaxBodyBytes {
				t.Fatalf("the body is %d bytes, over the cap", len(tt.body))
			}
			e := newEnv(t, valomnia.Options{})
			res := e.check(t, raw{method: http.MethodPost, path: "/api/v1.0/contacts/5", contentType: ct, body: []byte(tt.body), session: e.login()}, tt.want)
			if tt.want.id == "" {
				if c := wantContact(t, res); c.FirstName != "Marie" {
					t.Errorf("firstName %q: a part without a name set it", c.FirstName)
				}
			}

			off, err := valomnia.New(valomnia.Options{Now: newClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/api/v1.0/contacts/5", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", ct)
			req.AddCookie(handlerSession(t, off.Handler()))
			off.Handler().ServeHTTP(rec, req)
			if rec.Code != res.status || !bytes.Equal(rec.Body.Bytes(), res.body) {
				t.Errorf("handler alone: %d %s\nwith the pipeline: %d %s", rec.Code, rec.Body, res.status, res.body)
			}
		})
	}
}

// A hostile multipart body at the cap costs the mock no more memory than an ordinary one of the
// same size (an oversized photo): the body's copies through the pipeline, not one allocation set
// per part. Before the framing limits, 100,000 empty parts cost 135 to 270 MiB per request where
// the photo costs 65 MiB (twice both under the race detector, hence the comparison within one
// run rather than a fixed figure).
func TestHostileMultipartMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends several 4 MiB bodies")
	}
	atCap := valomnia.MaxBodyBytes - 1024
	photo := required + rawPart(`Content-Disposition: form-data; name="imageFile"; filename="m.png"`+"\r\n",
		string(pngOfSize(t, atCap-len(required)-200))) + closing
	hostile := map[string]string{
		"empty named parts":   fillTo(atCap, required, named("fax", "")),
		"empty unnamed parts": fillTo(atCap, required, rawPart("", "")),
		"a huge part header":  required + rawPart("X-A: "+strings.Repeat("a", atCap-len(required)-200)+"\r\n", "") + closing,
	}
	e := newEnv(t, valomnia.Options{})
	session := e.login()
	// exchange serves one update in process (no client in the measure) and returns its answer
	// and what it allocated.
	exchange := func(body string) (result, uint64) {
		req := httptest.NewRequest(http.MethodPost, "/"+specs.Valomnia+"/api/v1.0/contacts/5", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+hostileBoundary)
		req.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: session})
		rec := httptest.NewRecorder()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e.server.ServeHTTP(rec, req)
		runtime.ReadMemStats(&after)
		return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}, after.TotalAlloc - before.TotalAlloc
	}
	res, ordinary := exchange(photo)
	wantError(t, res, "exceeded-file-size", nil)
	// A quarter more than the photo leaves room for the runtime's own allocations; the unbounded
	// parts cost twice the photo or more.
	budget := ordinary + ordinary/4
	for name, body := range hostile {
		t.Run(name, func(t *testing.T) {
			res, alloc := exchange(body)
			if alloc > budget {
				t.Errorf("%d KiB body: %d MiB allocated, over the %d MiB of an oversized photo (+25%%)", len(body)>>10, alloc>>20, ordinary>>20)
			} else {
				t.Logf("%d KiB body: %d MiB allocated; an oversized photo %d MiB", len(body)>>10, alloc>>20, ordinary>>20)
			}
			wantError(t, res, "missing-param", param("firstName"))
		})
	}
}

// A form of more parameters than Go 1.26 parses (urlmaxqueryparams, 10,000 by default) cannot be
// read, so the vendor sees no parameter: the first required one is missing, with or without the
// spec's validation. Below the limit the extra parameters are only repeated values.
func TestHostileFormParameterCount(t *testing.T) {
	const ok = "firstName=Marie&lastName=Schrader&customerId=3229"
	for _, tt := range []struct {
		name  string
		extra int
		want  refusal
	}{
		{"10,000 parameters", 10_000 - 3, refusal{}},
		{"10,001 parameters", 10_000 - 2, refusal{"missing-param", param("firstName")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := ok + strings.Repeat("&fax=", tt.extra)
			e := newEnv(t, valomnia.Options{})
			res := e.check(t, form("/api/v1.0/contacts/5", body, e.login()), tt.want)

			off, err := valomnia.New(valomnia.Options{Now: newClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/api/v1.0/contacts/5", strings.NewReader(body))
			req.Header.Set("Content-Type", formType)
			req.AddCookie(handlerSession(t, off.Handler()))
			off.Handler().ServeHTTP(rec, req)
			if rec.Code != res.status || !bytes.Equal(rec.Body.Bytes(), res.body) {
				t.Errorf("handler alone: %d %s\nwith the pipeline: %d %s", rec.Code, rec.Body, res.status, res.body)
			}
		})
	}
}

// A multipart body over the cap is the pipeline's to answer (exceeded-file-size, as a multipart
// resolver refuses an oversized upload); the framing check leaves it to the handler alone, which
// still judges the photo it holds the same way.
func TestOversizedMultipartIsNotAFramingError(t *testing.T) {
	body := required + rawPart(`Content-Disposition: form-data; name="imageFile"; filename="m.png"`+"\r\n",
		string(pngOfSize(t, valomnia.MaxBodyBytes+10))) + closing
	ct := "multipart/form-data; boundary=" + hostileBoundary
	e := newEnv(t, valomnia.Options{})
	e.check(t, raw{method: http.MethodPost, path: "/api/v1.0/contacts/5", contentType: ct, body: []byte(body), session: e.login()},
		refusal{"exceeded-file-size", nil})
	off, err := valomnia.New(valomnia.Options{Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1.0/contacts/5", strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	off.Handler().ServeHTTP(rec, req)
	wantError(t, result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}, "exceeded-file-size", nil)
}
