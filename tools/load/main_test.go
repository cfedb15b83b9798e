package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/specs"
)

// serve starts the four mocks in process, with tamper (may be nil) breaking one on purpose.
func serve(t *testing.T, tamper func(vendor string, h http.Handler) http.Handler) string {
	t.Helper()
	srv, err := mocks.New(mocks.Options{Credentials: mocks.DefaultCredentials(), Options: mock.Options{Tamper: tamper}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

// load runs the command at the small scale of these tests and returns its JSON report.
func load(t *testing.T, base string, extra ...string) (*report, error) {
	t.Helper()
	var out, errs bytes.Buffer
	args := append([]string{"-server", base, "-requests", "200", "-workers", "8", "-json", "-time-limit", "2m"}, extra...)
	err := run(context.Background(), args, &out, &errs)
	var rep report
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Fatalf("load %v: err %v, stderr %s, report not JSON (%v): %s", extra, err, errs.String(), jerr, out.String())
	}
	return &rep, err
}

func TestLoadEndsInTheExactState(t *testing.T) {
	rep, err := load(t, serve(t, nil))
	if err != nil || !rep.Passed {
		t.Fatalf("run failed: %v; %+v", err, rep)
	}
	// 14 iovox, 10 Valomnia, 12 Which50 and 13 auregister fields, on 4 groups of 2 contacts.
	if rep.UpdatesMade != 200 || rep.UpdatesFailed != 0 || rep.Check.SlotsChecked != (14+10+12+13)*8 || rep.Check.SlotsLoose != 0 {
		t.Errorf("made %d, failed %d, checked %d fields (%d loosely), want 200, 0, %d, 0",
			rep.UpdatesMade, rep.UpdatesFailed, rep.Check.SlotsChecked, rep.Check.SlotsLoose, (14+10+12+13)*8)
	}
	for _, v := range specs.Vendors() {
		if rep.Latency[v].N == 0 {
			t.Errorf("no update of %s was made: %v", v, rep.Latency)
		}
	}
	if all := rep.Latency["all"]; all.N != 200 || all.P50 <= 0 || all.P50 > all.P90 || all.P90 > all.P99 || all.P99 > all.Max {
		t.Errorf("latency percentiles out of order: %+v", all)
	}
	if rep.ServerMemory != nil || rep.LoadMemory == nil || rep.LoadMemory.PeakRSS <= 0 {
		t.Errorf("memory: server %+v (no -server-pid given), load %+v", rep.ServerMemory, rep.LoadMemory)
	}
}

func TestLoadWithFaultsRetriesEveryUpdateToTheExactState(t *testing.T) {
	rep, err := load(t, serve(t, nil), "-faults", "-fault-latency", "0s", "-fault-jitter", "1ms", "-fault-error-rate", "0.3")
	if err != nil || !rep.Passed {
		t.Fatalf("run failed: %v; %+v", err, rep)
	}
	var fivehundreds int
	for k, n := range rep.Attempts {
		if strings.HasSuffix(k, " 500") {
			fivehundreds += n
		}
	}
	// About 30% of 200 updates' first attempts fail; far fewer than 20 would mean no faults.
	if fivehundreds < 20 || rep.HTTPRequests < 200+fivehundreds || rep.Faults == nil || rep.MaxAttempts != 12 {
		t.Errorf("%d answers were 500 in %d requests (attempts %v), faults %+v, max attempts %d", fivehundreds, rep.HTTPRequests, rep.Attempts, rep.Faults, rep.MaxAttempts)
	}
}

// bodyEdit makes a Tamper that rewrites the request bodies of one vendor that match, before
// the mock sees them; edit returns the new body, or nil to answer ok itself without the mock.
func bodyEdit(vendor string, match *regexp.Regexp, edit func([]byte) []byte, ok int, hits *atomic.Int64) func(string, http.Handler) http.Handler {
	return func(v string, h http.Handler) http.Handler {
		if v != vendor {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if !match.Match([]byte(r.URL.Path + "?" + r.URL.RawQuery + " " + string(body))) {
				r.Body = io.NopCloser(bytes.NewReader(body))
				h.ServeHTTP(w, r)
				return
			}
			hits.Add(1)
			body = edit(body)
			if body == nil {
				w.WriteHeader(ok)
				return
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			h.ServeHTTP(w, r)
		})
	}
}

func wantFailed(t *testing.T, err error) {
	t.Helper()
	var f *failedError
	if !errors.As(err, &f) {
		t.Fatalf("run did not fail its checks: %v", err)
	}
}

func TestLoadCatchesALostWrite(t *testing.T) {
	// Every update of iovox's contact L001 is acknowledged (204) and never reaches the store.
	var hits atomic.Int64
	base := serve(t, bodyEdit(specs.Iovox, regexp.MustCompile(`<contact_id>L001</contact_id>`), func([]byte) []byte { return nil }, http.StatusNoContent, &hits))
	rep, err := load(t, base)
	wantFailed(t, err)
	if hits.Load() == 0 {
		t.Fatal("no update of L001 was made; the test proves nothing")
	}
	c := rep.Check
	if c.LostUpdates == 0 || c.Mismatched == 0 || c.Stray != 0 || c.Foreign != 0 {
		t.Errorf("check %+v, want lost updates, no stray change or foreign value", c)
	}
	if !slices.ContainsFunc(c.Problems, func(p string) bool {
		return strings.Contains(p, "iovox contact L001") && strings.Contains(p, "an older value")
	}) {
		t.Errorf("no problem names L001 holding an older value: %q", c.Problems)
	}
}

func TestLoadCatchesAHalfAppliedWrite(t *testing.T) {
	// Every update of auregister's contact 9000001 loses its first field on the way in: the
	// others are applied.
	var hits atomic.Int64
	dropFirst := func(b []byte) []byte {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil || len(m) < 2 {
			return b
		}
		delete(m, slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		})[0])
		out, _ := json.Marshal(m)
		return out
	}
	base := serve(t, bodyEdit(specs.Auregister, regexp.MustCompile(`^/contacts/9000001\?`), dropFirst, 0, &hits))
	rep, err := load(t, base)
	wantFailed(t, err)
	if hits.Load() == 0 {
		t.Fatal("no update of 9000001 was made; the test proves nothing")
	}
	c := rep.Check
	if c.HalfApplied == 0 || c.Stray != 0 || c.Foreign != 0 {
		t.Errorf("check %+v, want half-applied updates only", c)
	}
	if !slices.ContainsFunc(c.Problems, func(p string) bool { return strings.HasPrefix(p, "half-applied: ") }) {
		t.Errorf("no half-applied problem reported: %q", c.Problems)
	}
	// The vendor's answer already shows the missing value.
	if n := rep.Errors["auregister answer contradicts the update"]; n == 0 {
		t.Errorf("errors %v, want answers that contradict the update", rep.Errors)
	}
}

func TestLoadCatchesAStrayChange(t *testing.T) {
	// Updates of iovox's L002 also rename its display name, a field the load never writes.
	var hits atomic.Int64
	rename := func(b []byte) []byte {
		return bytes.Replace(b, []byte("<contact_id>L002</contact_id>"), []byte("<contact_id>L002</contact_id><display_name>Renamed</display_name>"), 1)
	}
	rep, err := load(t, serve(t, bodyEdit(specs.Iovox, regexp.MustCompile(`<contact_id>L002</contact_id>`), rename, 0, &hits)))
	wantFailed(t, err)
	if hits.Load() == 0 || rep.Check.Stray == 0 || rep.Check.Mismatched != 0 {
		t.Errorf("%d updates renamed; check %+v, want stray changes only", hits.Load(), rep.Check)
	}
}

func TestLoadCatchesARefusedWriteThatWasApplied(t *testing.T) {
	// Which50 applies every update of contact 3 (matched by its Key, or with its group, whose
	// Group value names contact 3) and then answers the documented 500, which promises that
	// nothing was written.
	tamper := func(v string, h http.Handler) http.Handler {
		if v != specs.Which50 {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if q := r.URL.Query(); q.Get("Key") != "k3" && q.Get("Group") != "with-3" {
				h.ServeHTTP(w, r)
				return
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"Message":"An error has occurred."}`))
		})
	}
	rep, err := load(t, serve(t, tamper))
	wantFailed(t, err)
	if rep.Check.RefusedApplied == 0 || rep.UpdatesFailed == 0 {
		t.Errorf("check %+v, %d failed updates; want refused updates found applied", rep.Check, rep.UpdatesFailed)
	}
}

func TestLoadFailsWhenTheTimeLimitStopsIt(t *testing.T) {
	rep, err := load(t, serve(t, nil), "-time-limit", "1ns")
	wantFailed(t, err)
	if !rep.TimeLimitReached || rep.UpdatesMade == 200 || !slices.ContainsFunc(rep.Failures, func(f string) bool { return strings.Contains(f, "before the time limit") }) {
		t.Errorf("time limit %v, %d updates made, failures %q", rep.TimeLimitReached, rep.UpdatesMade, rep.Failures)
	}
}

func TestTextReport(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-server", serve(t, nil), "-requests", "40", "-workers", "4"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"load: 40 updates by 4 workers", "update latency (ms)", "p99", "state: exact: ", "memory: ", "\nPASS\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRefusesBadFlagsAndServers(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "-server is required"},
		{[]string{"-server", "127.0.0.1:8080"}, "want a root URL"},
		{[]string{"-server", "http://x", "-workers", "0"}, "at least 1"},
		{[]string{"-server", "http://x", "-faults", "-fault-error-rate", "1"}, "below 1"},
		{[]string{"-server", "http://x", "extra"}, "unexpected arguments"},
	} {
		err := run(context.Background(), tt.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want an error with %q", tt.args, err, tt.want)
		}
	}
	// More workers than blocks of fields to own: each worker needs fields of its own.
	err := run(context.Background(), []string{"-server", "http://127.0.0.1:1", "-groups", "1", "-workers", "100"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("100 workers on one group: %v", err)
	}
	// A server without the admin API.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	err = run(context.Background(), []string{"-server", plain.URL}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no mock admin API") {
		t.Errorf("plain server: %v", err)
	}
}

func TestPlanGivesEveryFieldOneOwnerAndSharesContacts(t *testing.T) {
	ds := drivers(credentials{})
	units, err := plan(ds, 4, 2, 16)
	if err != nil {
		t.Fatal(err)
	}
	owner := map[slotKey]int{}
	writers := map[string]map[int]bool{} // contact → workers writing it
	for w, us := range units {
		for _, u := range us {
			if len(u.fields) < 2 {
				t.Errorf("worker %d owns %d field(s) of %v: an update must write two to show half-application", w, len(u.fields), u.contacts)
			}
			for _, c := range u.contacts {
				for _, f := range u.fields {
					k := slotKey{ds[u.vendor].name(), c, f.name}
					if prev, dup := owner[k]; dup {
						t.Errorf("%s owned by workers %d and %d", k, prev, w)
					}
					owner[k] = w
				}
				id := ds[u.vendor].name() + " " + c
				if writers[id] == nil {
					writers[id] = map[int]bool{}
				}
				writers[id][w] = true
			}
		}
	}
	for _, d := range ds {
		for _, keys := range d.keys(4, 2) {
			for _, c := range keys {
				for _, f := range d.fields() {
					if _, ok := owner[slotKey{d.name(), c, f.name}]; !ok {
						t.Errorf("%s %s %s has no owner", d.name(), c, f.name)
					}
				}
				if n := len(writers[d.name()+" "+c]); n < 4 {
					t.Errorf("%s contact %s is written by %d workers, want several at once", d.name(), c, n)
				}
			}
		}
	}
}

func TestValuesAreUniqueAndFitTheirFields(t *testing.T) {
	letters := regexp.MustCompile(`^\p{L}+$`)
	seen := map[string]bool{}
	for _, tok := range []string{"w1u1c0", "w1u1c1", "w1u11c0", "w11u1c0", "w0u10c1", "w0u1c01"} {
		v := kindLetters.value(tok)
		if !letters.MatchString(v) || seen[v] {
			t.Errorf("%q → %q: not letters only, or not unique", tok, v)
		}
		seen[v] = true
	}
}

func TestPercentilesByNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p := percentilesOf(ds); p != (percentiles{N: 100, P50: 50, P90: 90, P99: 99, Max: 100}) {
		t.Errorf("1..100ms: %+v", p)
	}
	if p := percentilesOf([]time.Duration{7 * time.Millisecond}); p.P50 != 7 || p.P99 != 7 {
		t.Errorf("one value: %+v", p)
	}
}

func TestReadMemory(t *testing.T) {
	m, err := readMemory("self")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if m.PeakRSS < m.CurrentRSS || m.CurrentRSS <= 0 {
		t.Errorf("%+v", m)
	}
	if _, err := readMemory("0"); err == nil {
		t.Error("pid 0 read")
	}
}

// TestLedgerVerdicts checks the state comparison on hand-made outcomes: one iovox contact, two
// fields owned by worker 0.
func TestLedgerVerdicts(t *testing.T) {
	d := &iovoxDriver{}
	ds := []driver{d}
	var fs []field
	for _, f := range d.fields() {
		if f.name == "company" || f.name == "work_address_1" {
			fs = append(fs, f)
		}
	}
	u := &unit{vendor: 0, contacts: []string{"L001"}, fields: fs}
	led := func() *ledger {
		l := newLedger(ds, [][]*unit{{u}})
		if err := l.setInitial(specs.Iovox, map[string]map[string]any{"L001": {"contact_id": "L001", "company": "init"}}); err != nil {
			t.Fatal(err)
		}
		return l
	}
	up := func(seq int, v string) update {
		return update{worker: 0, seq: seq, unit: u, values: map[string]map[string]string{"L001": {"company": v + "c", "work_address_1": v + "w"}}}
	}
	state := func(company, addr any) map[string]vendorState {
		return map[string]vendorState{specs.Iovox: {contacts: map[string]map[string]any{"L001": {"contact_id": "L001", "company": company, "work_address_1": addr}}}}
	}
	initial := map[string]vendorState{specs.Iovox: {contacts: map[string]map[string]any{"L001": {"contact_id": "L001", "company": "init"}}}}
	for _, tt := range []struct {
		name     string
		outcomes []outcome // of updates 1, 2, ... with values "1", "2", ...
		final    map[string]vendorState
		want     verdict
	}{
		{"nothing written", nil, state("init", nil), verdict{}},
		{"last ack holds", []outcome{acked, acked}, state("2c", "2w"), verdict{}},
		{"refused leaves the ack", []outcome{acked, refused}, state("1c", "1w"), verdict{}},
		{"unknown may hold", []outcome{acked, unknown}, state("2c", "1w"), verdict{SlotsLoose: 2}},
		{"lost", []outcome{acked, acked}, state("1c", "1w"), verdict{LostUpdates: 1, Mismatched: 2}},
		{"lost to the fixtures", []outcome{acked}, state("init", nil), verdict{LostUpdates: 1, Mismatched: 2}},
		{"half-applied", []outcome{acked, acked}, state("2c", "1w"), verdict{HalfApplied: 1, Mismatched: 1}},
		{"refused applied", []outcome{acked, refused}, state("2c", "2w"), verdict{LostUpdates: 1, Mismatched: 2, RefusedApplied: 2}},
		{"foreign", nil, state("zz", nil), verdict{Mismatched: 1, Foreign: 1}},
		{"stray", nil, map[string]vendorState{specs.Iovox: {contacts: map[string]map[string]any{"L001": {"contact_id": "L001", "company": "init", "notes": "x"}}}}, verdict{Stray: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := led()
			for i, o := range tt.outcomes {
				l.record(specs.Iovox, up(i+1, strconv.Itoa(i+1)), o)
			}
			got := l.check(ds, initial, tt.final)
			tt.want.SlotsChecked = 2
			got.Problems = nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// The fields the load writes are read from the specs: what a request may carry and the load can
// give unique values, leaving out what the page's rules judge or keep unique (see specFields).
func TestFieldsComeFromTheSpecs(t *testing.T) {
	want := map[string][]field{
		// iovox page, contact table: names are letters only; the display name and phones are
		// unique together, countries must be known names, ids are keys.
		specs.Iovox: {{"first_name", kindLetters}, {"last_name", kindLetters}, {"email", kindEmail}, {"email_2", kindEmail},
			{"company", kindText}, {"work_address_1", kindText}, {"work_address_2", kindText}, {"work_city", kindText},
			{"work_postcode", kindText}, {"home_address_1", kindText}, {"home_address_2", kindText}, {"home_city", kindText},
			{"home_postcode", kindText}, {"notes", kindText}},
		// Valomnia page, parameter table: firstName, lastName and customerId are required,
		// country is an ISO code, email is checked, the photo is an upload.
		specs.Valomnia: {{"address", kindText}, {"city", kindText}, {"email", kindEmail}, {"fax", kindText}, {"fonction", kindText},
			{"mobile", kindText}, {"phone", kindText}, {"phone2", kindText}, {"postalCode", kindText}, {"photo", kindPhoto}},
	}
	for _, d := range drivers(credentials{}) {
		if w, ok := want[d.name()]; ok && !reflect.DeepEqual(d.fields(), w) {
			t.Errorf("%s fields %v, want %v", d.name(), d.fields(), w)
		}
	}
}

// A property added to the spec's request schema is written by the load with no Go change; a
// pattern only letters satisfy makes it letters, an example address an email.
func TestSpecFieldsFollowTheSchema(t *testing.T) {
	doc := &openapi3.T{Components: &openapi3.Components{Schemas: openapi3.Schemas{}}}
	s := &openapi3.Schema{Properties: openapi3.Schemas{
		"title":   {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}}},
		"nick":    {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: `^\p{L}*$`}},
		"mail":    {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Example: "a@example.com"}},
		"code":    {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Example: "FR"}},
		"digits":  {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: `^[0-9]+$`}},
		"born":    {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "date"}},
		"kind":    {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: []any{"a"}}},
		"age":     {Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}}},
		"skipped": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}}},
	}}
	doc.Components.Schemas["Thing"] = &openapi3.SchemaRef{Value: s}
	got := specFields(doc, s, func(name string) bool { return name == "skipped" })
	want := []field{{"mail", kindEmail}, {"nick", kindLetters}, {"title", kindText}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("specFields = %v, want %v", got, want)
	}
}

// The Which50 load reads the shape of lists and contacts from the spec's x-mock: the page's
// ContactDTO (ListId, Id, Values) answered by EncContactId, in the mock's lists and contacts.
func TestWhich50ShapeComesFromTheSpec(t *testing.T) {
	want := which50Shape{lists: "lists", listKey: "Id", contacts: "contacts", listID: "ListId", id: "Id", values: "Values", answerID: "EncContactId"}
	if got := which50Spec(); got != want {
		t.Errorf("which50Spec() = %+v, want %+v", got, want)
	}
}

// A property added to a vendor's request schema is written by the load; one removed is not.
func TestLoadFieldsFollowASpecChange(t *testing.T) {
	for _, tt := range []struct {
		vendor, schema, removed string
		of                      func(*openapi3.T) []field
	}{
		{specs.Iovox, "Contact", "notes", iovoxFieldsOf},
		{specs.Valomnia, "ContactUpdate", "fonction", valomniaFieldsOf},
	} {
		doc, err := specs.Load(tt.vendor) // a copy of its own
		if err != nil {
			t.Fatal(err)
		}
		props := doc.Components.Schemas[tt.schema].Value.Properties
		props["nickname"] = &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}}}
		delete(props, tt.removed)
		names := map[string]bool{}
		for _, f := range tt.of(doc) {
			names[f.name] = true
		}
		if !names["nickname"] || names[tt.removed] {
			t.Errorf("%s: fields %v: want nickname, not %s", tt.vendor, tt.of(doc), tt.removed)
		}
	}
}
