package mocks_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/internal/benchcpu"
	"github.com/contactapis/contactapis/specs"
)

// pageRequest is a vendor page's update as a client sends it to tools/mockserver's layout
// (/<vendor>/...), with the documented test credentials of the mocks.
type pageRequest struct {
	vendor, method, path, contentType string
	header                            map[string]string
	body                              []byte
	status                            int // what the mock answers with its default fixtures
}

func goldenFile(t testing.TB, vendor, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../../gen/" + vendor + "/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// newContactIDRE matches iovox's <new_contact_id> element: the page's example renames contact 333,
// so sent twice the second would find no 333. Without it the update is the page's otherwise and can
// be repeated.
var newContactIDRE = regexp.MustCompile(`\s*<new_contact_id>[^<]*</new_contact_id>`)

// pageRequests are one repeatable update per vendor: iovox's page payload (XML, rename dropped),
// Valomnia's form update of contact 5 (its session cookie added by the caller), Which50's PATCH
// example, auregister's page request to the page's contact.
func pageRequests(t testing.TB) []pageRequest {
	return []pageRequest{
		{vendor: specs.Iovox, method: http.MethodPut, path: "/iovox/Contacts?v=3&method=updateContacts", contentType: "application/xml",
			header: map[string]string{"username": "test", "secureKey": "test"},
			body:   newContactIDRE.ReplaceAll(goldenFile(t, "iovox", "updateContacts.request.xml"), nil), status: http.StatusNoContent},
		{vendor: specs.Valomnia, method: http.MethodPost, path: "/valomnia/api/v1.0/contacts/5", contentType: "application/x-www-form-urlencoded",
			body: bytes.TrimRight(goldenFile(t, "valomnia", "update-contact-request.form"), "\n"), status: http.StatusOK},
		{vendor: specs.Which50, method: http.MethodPatch,
			path:        "/which50/contactLists/3/contact?" + strings.TrimSpace(string(goldenFile(t, "which50", "patch-request.query"))),
			contentType: "application/json", header: map[string]string{"Authorization": "Bearer test"},
			body: goldenFile(t, "which50", "patch-request.json"), status: http.StatusOK},
		{vendor: specs.Auregister, method: http.MethodPatch, path: "/auregister/contacts/1941877", contentType: "application/json",
			header: map[string]string{"Authorization": "Bearer test"},
			body:   goldenFile(t, "auregister", "update-contact-request.json"), status: http.StatusOK},
	}
}

func (p pageRequest) build(base string) *http.Request {
	req, _ := http.NewRequest(p.method, base+p.path, bytes.NewReader(p.body))
	req.Header.Set("Content-Type", p.contentType)
	for k, v := range p.header {
		req.Header.Set(k, v)
	}
	return req
}

// withSession logs in to the Valomnia mock at base and adds its session cookie to the request.
func withSession(t testing.TB, client *http.Client, base string, p pageRequest) pageRequest {
	t.Helper()
	if p.vendor != specs.Valomnia {
		return p
	}
	// The login answers 302 with the cookie; following the redirect would lose it.
	noRedirect := &http.Client{Transport: client.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(base+"/valomnia/j_spring_security_check",
		map[string][]string{"j_username": {"test@example.com"}, "j_password": {"test"}, "ajax": {"true"}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "JSESSIONID" && c.Value != "" {
			p.header = map[string]string{"Cookie": c.Name + "=" + c.Value}
			return p
		}
	}
	t.Fatalf("valomnia login: %d, no session cookie", resp.StatusCode)
	return p
}

// recorded is an answer captured from a mock, to be served again by a bare handler.
type recorded struct {
	status int
	header http.Header
	body   []byte
}

func record(t testing.TB, client *http.Client, req *http.Request) recorded {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header.Clone()
	// The server sets these itself for every answer.
	for _, k := range []string{"Date", "Content-Length"} {
		h.Del(k)
	}
	return recorded{status: resp.StatusCode, header: h, body: body}
}

// bare answers every request with the recorded bytes: net/http and nothing else, the floor a mock
// can be compared with.
func (r recorded) bare() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		for k, v := range r.header {
			w.Header()[k] = v
		}
		w.WriteHeader(r.status)
		w.Write(r.body)
	})
}

// BenchmarkMockThroughput serves each vendor's page update over real loopback HTTP to concurrent
// keep-alive clients, from the validated mock (tools/mockserver's handler: routing, auth, request
// and answer validated against the spec, the store updated) and from a bare net/http handler
// answering the same bytes. Both run in one process and one run, so their ratio holds on a noisy
// machine (goal: the mock serves at least 0.7× the bare handler's rate).
func BenchmarkMockThroughput(b *testing.B) {
	for _, p := range pageRequests(b) {
		b.Run(p.vendor, func(b *testing.B) {
			srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
			if err != nil {
				b.Fatal(err)
			}
			validated := httptest.NewServer(srv)
			defer validated.Close()
			setup := validated.Client()
			p := withSession(b, setup, validated.URL, p)
			want := record(b, setup, p.build(validated.URL))
			if want.status != p.status || want.header.Get(mock.ContractViolationHeader) != "" {
				b.Fatalf("the mock answers %d %v; want %d without violation", want.status, want.header, p.status)
			}
			bare := httptest.NewServer(want.bare())
			defer bare.Close()
			for _, s := range []struct {
				name string
				url  string
			}{{"server=validated", validated.URL}, {"server=bare", bare.URL}} {
				b.Run(s.name, func(b *testing.B) {
					throughput(b, s.url, p)
				})
			}
			if v := srv.Violations(); len(v) > 0 {
				b.Fatalf("contract violations: %v", v)
			}
		})
	}
}

// throughput sends p from concurrent clients over keep-alive connections, checks every answer,
// and reports requests per second.
func throughput(b *testing.B, base string, p pageRequest) {
	// Enough clients to keep both cores busy while others wait on the network.
	b.SetParallelism(4)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var once sync.Once
	var failure string
	b.ReportAllocs()
	b.ResetTimer()
	cpu := benchcpu.Start()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(p.build(base))
			if err != nil {
				once.Do(func() { failure = err.Error() })
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != p.status {
				once.Do(func() { failure = resp.Status })
				return
			}
		}
	})
	b.StopTimer()
	benchcpu.Report(b, cpu)
	if failure != "" {
		b.Fatalf("%s %s: %s", p.method, p.path, failure)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkMockServe is the mock's own cost of each vendor's page update, without the network:
// the request handed to the assembled server's handler as net/http would hand it, the answer
// recorded. Against BenchmarkMockThroughput's bare handler, it says how much of the validated
// rate's gap the mock's code is.
func BenchmarkMockServe(b *testing.B) {
	for _, p := range pageRequests(b) {
		b.Run(p.vendor, func(b *testing.B) {
			srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials()})
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			p := withSession(b, ts.Client(), ts.URL, p)
			b.ReportAllocs()
			cpu := benchcpu.Start()
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, p.build("http://mock"))
				if w.Code != p.status {
					b.Fatalf("%s %s: %d %s", p.method, p.path, w.Code, w.Body)
				}
			}
			benchcpu.Report(b, cpu)
		})
	}
}
