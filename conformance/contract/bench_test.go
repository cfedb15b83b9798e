package contract_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/internal/benchcpu"
	"github.com/contactapis/contactapis/specs"
)

// benchExchange is one valid exchange of a vendor page: the request as a client sends it and the
// answer the page documents for it. Bodies are the golden files of gen/<vendor>/testdata, which
// their READMEs trace to the vendor pages.
type benchExchange struct {
	vendor, name   string
	base           string // the validator's base path: where the spec's server path puts the API
	method, target string // target is relative to the host root
	header         http.Header
	body           []byte
	status         int
	respType       string // "" for a response without a body
	respBody       []byte
	wantOp         string
}

// benchExchanges are the exchanges the benchmarks validate: XML for iovox, form and multipart for
// Valomnia, JSON and XML for Which50, JSON for auregister.
func benchExchanges(b *testing.B) []benchExchange {
	b.Helper()
	g := func(vendor, name string) []byte { return []byte(golden(b, vendor, name)) }
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	which50Query := strings.TrimSpace(golden(b, "which50", "patch-request.query"))
	return []benchExchange{
		{vendor: specs.Iovox, name: "xml", method: http.MethodPut, target: "/Contacts?v=3&method=updateContacts",
			header: h("Content-Type", "application/xml", "username", "u", "secureKey", "k"),
			body:   g("iovox", "updateContacts.request.xml"), status: http.StatusNoContent, wantOp: "updateContacts"},
		{vendor: specs.Valomnia, name: "form", base: "/api/v1.0", method: http.MethodPost, target: "/api/v1.0/contacts/5",
			header: h("Content-Type", "application/x-www-form-urlencoded", "Cookie", "JSESSIONID=abc"),
			// The golden file ends in a newline the form does not carry.
			body:   bytes.TrimRight(g("valomnia", "update-contact-request.form"), "\n"),
			status: http.StatusOK, respType: "application/json", respBody: g("valomnia", "update-contact-200.json"), wantOp: "updateContact"},
		{vendor: specs.Valomnia, name: "multipart", base: "/api/v1.0", method: http.MethodPost, target: "/api/v1.0/contacts/5",
			header: h("Content-Type", "multipart/form-data; boundary=valomnia-golden-boundary", "Cookie", "JSESSIONID=abc"),
			body:   g("valomnia", "update-contact-request.multipart"),
			status: http.StatusOK, respType: "application/json", respBody: g("valomnia", "update-contact-200.json"), wantOp: "updateContact"},
		{vendor: specs.Which50, name: "json", method: http.MethodPatch, target: "/contactLists/3/contact?" + which50Query,
			header: h("Content-Type", "application/json", "Authorization", "Bearer t"),
			body:   g("which50", "request-sample.json"),
			status: http.StatusOK, respType: "application/json", respBody: g("which50", "response-sample.json"), wantOp: "updateContactsByMatch"},
		{vendor: specs.Which50, name: "xml", method: http.MethodPatch, target: "/contactLists/3/contact?" + which50Query,
			header: h("Content-Type", "application/xml", "Accept", "application/xml", "Authorization", "Bearer t"),
			body:   g("which50", "request-sample.xml"),
			status: http.StatusOK, respType: "application/xml", respBody: g("which50", "response-sample.xml"), wantOp: "updateContactsByMatch"},
		{vendor: specs.Auregister, name: "json", method: http.MethodPatch, target: "/contacts/1941877",
			header: h("Content-Type", "application/json", "Authorization", "Bearer t"),
			body:   g("auregister", "update-contact-request.json"),
			status: http.StatusOK, respType: "application/json", respBody: g("auregister", "update-contact-response.json"), wantOp: "updateContact"},
	}
}

func (e benchExchange) request(base string) *http.Request {
	r := httptest.NewRequest(e.method, base+e.target, bytes.NewReader(e.body))
	r.RequestURI = "" // a client request, for http.Client.Do
	for k, v := range e.header {
		r.Header[k] = v
	}
	return r
}

func (e benchExchange) responseHeader() http.Header {
	h := http.Header{}
	if e.respType != "" {
		h.Set("Content-Type", e.respType)
	}
	return h
}

// validateExchange validates one exchange the way every user of the contract does: route and
// request, then the response to it.
func validateExchange(ctx context.Context, v *contract.Validator, r *http.Request, reqBody []byte, status int, h http.Header, respBody []byte) error {
	m, err := v.ValidateRequest(ctx, r, reqBody)
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if err := v.ValidateResponse(ctx, m, r, status, h, respBody); err != nil {
		return fmt.Errorf("response: %w", err)
	}
	return nil
}

// BenchmarkValidateExchange is the cost of validating one exchange (request and response) of each
// vendor, with a validator built once as every caller does.
func BenchmarkValidateExchange(b *testing.B) {
	ctx := context.Background()
	for _, e := range benchExchanges(b) {
		b.Run(e.vendor+"/"+e.name, func(b *testing.B) {
			v, err := contract.New(e.vendor, e.base)
			if err != nil {
				b.Fatal(err)
			}
			r := e.request("")
			h := e.responseHeader()
			if m, _ := v.Route(r); m == nil || m.OperationID() != e.wantOp {
				b.Fatalf("not routed to %s", e.wantOp)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := validateExchange(ctx, v, r, e.body, e.status, h, e.respBody); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// validatingTransport validates each exchange it carries, as the conformance suite's transport
// and drift's probes do: the request before it leaves, the response once read.
type validatingTransport struct {
	base http.RoundTripper
	v    *contract.Validator
}

func (t *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	m, err := t.v.ValidateRequest(req.Context(), req, body)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err := t.v.ValidateResponse(req.Context(), m, req, resp.StatusCode, resp.Header, respBody); err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	return resp, nil
}

// BenchmarkRoundTrip is one exchange of each vendor over loopback HTTP (one keep-alive connection)
// to a handler that answers the page's bytes, without and with validation of both directions on
// the client side. Both run in one process and one run, so the ratio of the two is what
// validation adds to a round trip (goal: under 25%).
func BenchmarkRoundTrip(b *testing.B) {
	for _, e := range benchExchanges(b) {
		b.Run(e.vendor+"/"+e.name, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if e.respType != "" {
					w.Header().Set("Content-Type", e.respType)
				}
				w.WriteHeader(e.status)
				w.Write(e.respBody)
			}))
			defer srv.Close()
			v, err := contract.New(e.vendor, e.base)
			if err != nil {
				b.Fatal(err)
			}
			base := srv.Client().Transport
			for _, mode := range []struct {
				name string
				rt   http.RoundTripper
			}{
				{"validation=off", base},
				{"validation=on", &validatingTransport{base: base, v: v}},
			} {
				b.Run(mode.name, func(b *testing.B) {
					client := &http.Client{Transport: mode.rt}
					b.ReportAllocs()
					cpu := benchcpu.Start()
					for b.Loop() {
						resp, err := client.Do(e.request(srv.URL))
						if err != nil {
							b.Fatal(err)
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != e.status {
							b.Fatalf("status %d, want %d", resp.StatusCode, e.status)
						}
					}
					benchcpu.Report(b, cpu)
				})
			}
		})
	}
}

// BenchmarkMockValidation is the validation a mock does per exchange, for each vendor's page
// exchange: mode=pipeline validates the request (parameters and body) and the whole answer, as the
// hand-written mocks' pipeline does; mode=engine decodes and validates the request once, keeping
// the body's value (ValidateBody), and checks only the answer's status and media type, as the
// spec-driven engine does for answers rendered from records it keeps valid.
func BenchmarkMockValidation(b *testing.B) {
	ctx := context.Background()
	for _, e := range benchExchanges(b) {
		v, err := contract.New(e.vendor, e.base)
		if err != nil {
			b.Fatal(err)
		}
		r := e.request("")
		h := e.responseHeader()
		m, err := v.Route(r)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(e.vendor+"/"+e.name+"/mode=pipeline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.ValidateRouted(ctx, m, r, e.body); err != nil {
					b.Fatal(err)
				}
				if err := v.ValidateResponse(ctx, m, r, e.status, h, e.respBody); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(e.vendor+"/"+e.name+"/mode=engine", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.ValidateBody(ctx, m, r, e.body, contract.DecodeOptions{StrictJSON: true}); err != nil {
					b.Fatal(err)
				}
				if err := v.ValidateStatus(ctx, m, r, e.status, h, e.respBody); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
