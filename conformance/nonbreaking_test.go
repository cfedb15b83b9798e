package conformance_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/contactapis/contactapis/conformance/framework"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
)

// TestRefusalNowAcceptedIsNonBreaking: a vendor that now accepts what the page refuses (here
// auregister answering a malformed body with 200 and the contact) breaks no client written to the
// spec. On a url target without admin API the spec that expects the refusal is skipped with the
// reason, reported as non-breaking, and the run passes; with --strict it fails, its message marked
// non-breaking. A mock that does the same fails.
func TestRefusalNowAcceptedIsNonBreaking(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
	if err != nil {
		t.Fatal(err)
	}
	const malformed = `{"mobile":`
	var adminToo atomic.Bool // serve the admin API: the target is then a mock, not a vendor
	hs := asVendor(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.Method != http.MethodPatch || string(body) != malformed {
			srv.ServeHTTP(w, r)
			return
		}
		// The changed vendor: the malformed update answered as an update that changes nothing.
		read := r.Clone(r.Context())
		read.Method, read.Body, read.ContentLength = http.MethodGet, http.NoBody, 0
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, read)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(rec.Body.Bytes())
	}), &adminToo)
	const spec = "a body that is not one JSON object MUST be refused with malformed-body"
	focus := "-ginkgo.focus=" + spec

	rep, out, err := runURLSuite(t, specs.Auregister, hs.URL, auregURLEnv, focus)
	if err != nil {
		t.Fatalf("without --strict the run must pass: %v\n%s", err, tail(out))
	}
	s := focusedSpec(t, rep, spec)
	if !s.State.Is(types.SpecStateSkipped) {
		t.Errorf("without --strict the spec is %s, want skipped", s.State)
	}
	if !strings.HasPrefix(s.Failure.Message, framework.NonBreakingPrefix) || !strings.Contains(s.Failure.Message, "answered 200 where the page documents a refusal (400)") {
		t.Errorf("the skip does not say why:\n%s", s.Failure.Message)
	}
	if !hasEntry(s, framework.ReportEntryNonBreaking) {
		t.Errorf("no %q report entry", framework.ReportEntryNonBreaking)
	}

	rep, _, err = runURLSuite(t, specs.Auregister, hs.URL, auregURLEnv, focus, "-strict")
	if err == nil {
		t.Errorf("with --strict the run must fail")
	}
	s = focusedSpec(t, rep, spec)
	if !s.State.Is(types.SpecStateFailed) || !strings.HasPrefix(s.Failure.Message, framework.NonBreakingPrefix) {
		t.Errorf("with --strict the spec is %s with message:\n%s", s.State, s.Failure.Message)
	}

	// A mock (a target with the admin API) must refuse what the page refuses: it fails.
	adminToo.Store(true)
	rep, _, err = runURLSuite(t, specs.Auregister, hs.URL, nil, focus)
	if err == nil {
		t.Errorf("a mock that accepts what the page refuses must fail the run")
	}
	if s = focusedSpec(t, rep, spec); !s.State.Is(types.SpecStateFailed) || strings.HasPrefix(s.Failure.Message, framework.NonBreakingPrefix) {
		t.Errorf("on a mock the spec is %s with message:\n%s", s.State, s.Failure.Message)
	}
}

func focusedSpec(t *testing.T, rep types.Report, text string) types.SpecReport {
	t.Helper()
	for _, s := range rep.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt && s.LeafNodeText == text {
			return s
		}
	}
	t.Fatalf("no spec %q in the report", text)
	return types.SpecReport{}
}

func hasEntry(s types.SpecReport, name string) bool {
	for _, e := range s.ReportEntries {
		if e.Name == name {
			return true
		}
	}
	return false
}
