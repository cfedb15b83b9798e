package contract_test

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/specs"
)

const mpBoundary = "b0undary"

func mpPart(headers, data string) string {
	return "--" + mpBoundary + "\r\n" + headers + "\r\n" + data + "\r\n"
}

func mpNamed(name string) string {
	return mpPart(`Content-Disposition: form-data; name="`+name+`"`+"\r\n", "v")
}

const mpClosing = "--" + mpBoundary + "--\r\n"

// mpHeader is a part's header lines of exactly n bytes.
func mpHeader(n int) string {
	const prefix, suffix = "X-Filler: ", "\r\n"
	return prefix + strings.Repeat("f", n-len(prefix)-len(suffix)) + suffix
}

func TestCheckMultipart(t *testing.T) {
	tests := []struct {
		name, boundary, body string
		ok                   bool
	}{
		{"one part", mpBoundary, mpNamed("a") + mpClosing, true},
		{"no part", mpBoundary, mpClosing, true},
		{"preamble and epilogue", mpBoundary, "preamble\r\n" + mpNamed("a") + mpClosing + "epilogue with\r\n" + strings.Repeat(mpNamed("x"), 200), true},
		{"LF line ends", mpBoundary, "--" + mpBoundary + "\nContent-Disposition: form-data; name=\"a\"\n\nv\n--" + mpBoundary + "--\n", true},
		{"parts at the limit", mpBoundary, strings.Repeat(mpNamed("a"), contract.MaxMultipartParts) + mpClosing, true},
		{"one part over the limit", mpBoundary, strings.Repeat(mpNamed("a"), contract.MaxMultipartParts+1) + mpClosing, false},
		{"parts without headers over the limit", mpBoundary, strings.Repeat(mpPart("", ""), contract.MaxMultipartParts+1) + mpClosing, false},
		// The boundary's text inside a line is data, not a delimiter.
		{"boundary inside lines", mpBoundary, mpPart("", strings.Repeat("x--"+mpBoundary+"\r\n\r\n", 200)) + mpClosing, true},
		{"header at the limit", mpBoundary, mpPart(mpHeader(contract.MaxMultipartHeaderBytes), "") + mpClosing, true},
		{"header one byte over", mpBoundary, mpPart(mpHeader(contract.MaxMultipartHeaderBytes+1), "") + mpClosing, false},
		{"no boundary", "", mpNamed("a") + mpClosing, false},
		{"no closing delimiter", mpBoundary, mpNamed("a"), false},
		{"closing delimiter of another boundary", mpBoundary, mpNamed("a") + "--other--\r\n", false},
		{"ends on a delimiter line", mpBoundary, mpNamed("a") + "--" + mpBoundary, false},
		{"ends in header lines", mpBoundary, mpNamed("a") + "--" + mpBoundary + "\r\nX: a\r\n", false},
		{"empty body", mpBoundary, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := contract.CheckMultipart([]byte(tt.body), tt.boundary)
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, contract.ErrMultipartFraming) {
				t.Errorf("err %v, want ErrMultipartFraming", err)
			}
		})
	}
}

// A body CheckMultipart passes has at most MaxMultipartParts parts for mime/multipart, each with
// header lines within MaxMultipartHeaderBytes, and the check never panics. The header lines'
// size is measured from the parsed header: each line is at least its name, ": " and its value.
func FuzzCheckMultipart(f *testing.F) {
	f.Add(mpNamed("a")+mpClosing, mpBoundary)
	f.Add(strings.Repeat(mpPart("", ""), 3)+mpClosing, mpBoundary)
	f.Add("--b\nX: y\n\n\n--b--", "b")
	f.Add(mpNamed("a"), mpBoundary)
	f.Fuzz(func(t *testing.T, body, boundary string) {
		if contract.CheckMultipart([]byte(body), boundary) != nil {
			return
		}
		mr := multipart.NewReader(strings.NewReader(body), boundary)
		for parts := 0; ; parts++ {
			p, err := mr.NextPart()
			if err != nil {
				return // the end, or an error the decoder reports: either way no more parts
			}
			if parts >= contract.MaxMultipartParts {
				t.Fatalf("passed, but mime/multipart finds more than %d parts", contract.MaxMultipartParts)
			}
			size := 0
			for k, vs := range p.Header {
				for _, v := range vs {
					size += len(k) + len(": ") + len(v)
				}
			}
			if size > contract.MaxMultipartHeaderBytes {
				t.Fatalf("passed, but a part's header holds %d bytes", size)
			}
			if _, err := io.Copy(io.Discard, p); err != nil {
				return
			}
		}
	})
}

// The validator refuses a multipart body beyond the limits before kin-openapi decodes it, and
// passes one within them.
func TestValidatorRefusesHostileMultipart(t *testing.T) {
	v, err := contract.New(specs.Valomnia, "/api/v1.0")
	if err != nil {
		t.Fatal(err)
	}
	required := mpNamed("firstName") + mpNamed("lastName") + mpNamed("customerId")
	for _, tt := range []struct {
		name, body string
		ok         bool
	}{
		{"within the limits", required + strings.Repeat(mpNamed("fax"), 10) + mpClosing, true},
		{"too many parts", required + strings.Repeat(mpNamed("fax"), contract.MaxMultipartParts) + mpClosing, false},
		{"header too large", required + mpPart(mpHeader(contract.MaxMultipartHeaderBytes+1), "") + mpClosing, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1.0/contacts/5", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "multipart/form-data; boundary="+mpBoundary)
			req.Header.Set("Cookie", "JSESSIONID=x")
			_, err := v.ValidateRequest(req.Context(), req, []byte(tt.body))
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), contract.ErrMultipartFraming.Error())) {
				t.Errorf("err %v, want the framing refusal", err)
			}
		})
	}
}
