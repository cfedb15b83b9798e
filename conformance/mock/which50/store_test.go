package which50_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactapis/contactapis/conformance/mock"
	w50 "github.com/contactapis/contactapis/conformance/mock/which50"
)

// raceFixtures: contacts 1-3 are in region north, 2-4 in tier gold, so writers matching on
// either overlap on contacts 2 and 3.
const raceFixtures = `{"lists":[{"Id":7,"Name":"race","Fields":[
	{"Name":"Region","Type":"string"},{"Name":"Tier","Type":"string"},
	{"Name":"Version","Type":"integer"},{"Name":"Stamp","Type":"string"}]}],
	"contacts":[
	{"ListId":7,"Id":1,"Values":{"Region":"north","Tier":"silver"}},
	{"ListId":7,"Id":2,"Values":{"Region":"north","Tier":"gold"}},
	{"ListId":7,"Id":3,"Values":{"Region":"north","Tier":"gold"}},
	{"ListId":7,"Id":4,"Values":{"Region":"south","Tier":"gold"}}]}`

// N writers update overlapping contacts at once, each writing Version n and Stamp "w<n>" in one
// call, with a Custom Event named "w<n>". Each final record must be one writer's version, whole
// (Version and Stamp from the same call), from a writer whose match includes the contact, and
// the last write applied to it (its last event): no update lost. Every call must report
// exactly the contacts it matched.
func TestConcurrentOverlappingUpdates(t *testing.T) {
	e := newEnv(t)
	if err := e.backend.LoadFixtures([]byte(raceFixtures)); err != nil {
		t.Fatal(err)
	}
	st := e.state(t)
	enc := map[int]string{}
	for id := 1; id <= 4; id++ {
		enc[id] = contact(t, st, 7, id).EncContactID
	}
	matchOf := func(n int) (string, []int) {
		if n%2 == 0 {
			return "match=Region&Region=north", []int{1, 2, 3}
		}
		return "match=Tier&Tier=gold", []int{2, 3, 4}
	}
	const writers, rounds = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				n := w*rounds + r + 1
				query, want := matchOf(n)
				req := rawReq{method: http.MethodPatch, path: "/contactLists/7/contact", query: fmt.Sprintf("%s&customevents=w%d", query, n),
					contentType: "application/json", auth: bearerTest,
					body: fmt.Appendf(nil, `{"Values":{"Version":%d,"Stamp":"w%d"}}`, n, n)}
				resp, err := http.DefaultClient.Do(req.build(t, e.base()))
				if err != nil {
					errs <- err
					return
				}
				var ids []string
				err = json.NewDecoder(resp.Body).Decode(&ids)
				resp.Body.Close()
				var wantIDs []string
				for _, id := range want {
					wantIDs = append(wantIDs, enc[id])
				}
				if err != nil || resp.StatusCode != 200 || !slices.Equal(ids, wantIDs) {
					errs <- fmt.Errorf("writer %d: %d %v %v, want %v", n, resp.StatusCode, ids, err, wantIDs)
				}
			}
		})
	}
	// Readers take whole snapshots meanwhile; each must already be consistent.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			checkWhole(t, e.state(t), matchOf)
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	final := e.state(t)
	checkWhole(t, final, matchOf)
	for id := 1; id <= 4; id++ {
		if contact(t, final, 7, id).Values["Version"] == nil {
			t.Errorf("contact %d was never updated", id)
		}
	}
	// One event per matched contact per call (3 contacts per call), recorded in the order the
	// writes were applied: each contact's last event names the write it holds.
	events := e.backend.Events()
	if len(events) != writers*rounds*3 {
		t.Errorf("%d events, want %d", len(events), writers*rounds*3)
	}
	last := map[any]any{}
	for _, ev := range events {
		last[ev.Detail["encContactId"]] = ev.Detail["event"]
	}
	for id := 1; id <= 4; id++ {
		c := contact(t, final, 7, id)
		if last[c.EncContactID] != c.Values["Stamp"] {
			t.Errorf("contact %d holds %v, but the last write applied to it was %v: an update was lost", id, c.Values["Stamp"], last[c.EncContactID])
		}
	}
}

func checkWhole(t *testing.T, st State, matchOf func(int) (string, []int)) {
	t.Helper()
	for _, c := range st.Lists[0].Contacts {
		v, ok := c.Values["Version"].(int64)
		if !ok {
			if c.Values["Version"] != nil || c.Values["Stamp"] != nil {
				t.Errorf("contact %d half written: %v", c.ID, c.Values)
			}
			continue
		}
		if c.Values["Stamp"] != fmt.Sprintf("w%d", v) {
			t.Errorf("contact %d mixes two writes: %v", c.ID, c.Values)
		}
		if _, ids := matchOf(int(v)); !slices.Contains(ids, c.ID) {
			t.Errorf("contact %d holds write %d, whose match excludes it", c.ID, v)
		}
	}
}

// PrepareFixtures checks everything before anything changes, and names the bad record.
func TestFixturesAreCheckedBeforeInstalling(t *testing.T) {
	tests := []struct {
		name, fixtures, want string
	}{
		{"not JSON", `{`, `want a JSON object {"contacts": [...], "lists": [...]}`},
		{"unknown member", `{"lists":[],"people":[]}`, `unknown collection "people"`},
		{"trailing text", `{"lists":[]} []`, "data after"},
		{"list without id", `{"lists":[{"Fields":[]}]}`, "lists[0]: missing Id"},
		{"list id twice", `{"lists":[{"Id":5,"Fields":[]},{"Id":5,"Fields":[]}]}`, "lists[1] (Id 5): Id 5 given twice"},
		{"field without name", `{"lists":[{"Id":5,"Fields":[{"Type":"string"}]}]}`, "lists[0] (Id 5): missing Name"},
		{"field of unknown type", `{"lists":[{"Id":5,"Fields":[{"Name":"A","Type":"date"}]}]}`, "lists[0] (Id 5)"},
		{"field twice", `{"lists":[{"Id":5,"Fields":[{"Name":"A","Type":"string"},{"Name":"A","Type":"integer"}]}]}`, `lists[0] (Id 5): field "A" given twice`},
		{"contact id twice", `{"lists":[{"Id":5,"Fields":[]}],"contacts":[{"ListId":5,"Id":1},{"ListId":5,"Id":1}]}`, "contacts[1] (ListId,Id 5/1): ListId,Id 5/1 given twice"},
		{"contact id negative", `{"lists":[{"Id":5,"Fields":[]}],"contacts":[{"ListId":5,"Id":-1}]}`, "contacts[0] (ListId,Id 5/-1)"},
		{"contact of no list", `{"lists":[{"Id":5,"Fields":[]}],"contacts":[{"ListId":6,"Id":1}]}`, "contacts[0] (ListId,Id 6/1): ListId 6 is not among the lists"},
		{"value not a field", `{"lists":[{"Id":5,"Fields":[{"Name":"A","Type":"string"}]}],"contacts":[{"ListId":5,"Id":1,"Values":{"B":"x"}}]}`, `contacts[0] (ListId,Id 5/1): value "B" of list 5: not a field of the list`},
		{"value of the wrong type", `{"lists":[{"Id":5,"Fields":[{"Name":"A","Type":"integer"}]}],"contacts":[{"ListId":5,"Id":1,"Values":{"A":"x"}}]}`, `contacts[0] (ListId,Id 5/1): value "A"`},
		{"encContactId not derived", `{"lists":[{"Id":5,"Fields":[]}],"contacts":[{"ListId":5,"Id":1,"EncContactId":"mine"}]}`, `EncContactId "mine" is not the id the mock derives`},
	}
	e := newEnv(t)
	before := e.state(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			install, err := e.backend.PrepareFixtures([]byte(tt.fixtures))
			if !errors.Is(err, mock.ErrFixtures) || !strings.Contains(err.Error(), tt.want) || install != nil {
				t.Errorf("error %v, want mock.ErrFixtures naming %q", err, tt.want)
			}
		})
	}
	if !equalState(before, e.state(t)) {
		t.Error("refused fixtures changed the store")
	}
	// Through the admin API, the whole file is refused.
	resp, body := send(t, e.srv.URL, rawReq{method: http.MethodPut, path: "/_admin/fixtures", body: []byte(`{"which50":{"lists":[{"Id":"x"}]}}`)})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "lists[0]") {
		t.Errorf("admin fixtures: %d %s", resp.StatusCode, body)
	}
}

// State is deterministic and loads back as fixtures unchanged; Reset restores the fixtures last
// installed and forgets updates and events.
func TestStateRoundTripsAndResetRestores(t *testing.T) {
	e := newEnv(t)
	first, _ := json.Marshal(e.backend.State())
	again, _ := json.Marshal(e.backend.State())
	if !bytes.Equal(first, again) {
		t.Error("State is not deterministic")
	}
	if err := e.backend.LoadFixtures(first); err != nil {
		t.Fatalf("State does not load as fixtures: %v", err)
	}
	if reloaded, _ := json.Marshal(e.backend.State()); !bytes.Equal(reloaded, first) {
		t.Errorf("State changed through a reload:\n%s\n%s", first, reloaded)
	}
	e.send(t, patchPage(t).with(func(r *rawReq) { r.query += "&customevents=X" }))
	if after, _ := json.Marshal(e.backend.State()); bytes.Equal(after, first) || len(e.backend.Events()) == 0 {
		t.Fatal("the update did not happen")
	}
	e.backend.Reset()
	if after, _ := json.Marshal(e.backend.State()); !bytes.Equal(after, first) || len(e.backend.Events()) != 0 {
		t.Errorf("Reset left %s, %d events", after, len(e.backend.Events()))
	}
	// State is a copy: changing it changes nothing.
	st := e.backend.State().(map[string]any) // collections, and an adapter's own sections
	st["contacts"].([]map[string]any)[0]["Values"].(map[string]any)["Mobile"] = "changed"
	if contact(t, e.state(t), pageList, 1).Values["Mobile"] == "changed" {
		t.Error("State shares its maps with the store")
	}
}

// The default fixtures hold every record the page's examples refer to.
func TestDefaultFixturesHoldThePageExample(t *testing.T) {
	e := newEnv(t)
	st := e.state(t)
	var fields []string
	for _, l := range st.Lists {
		if l.ID == pageList {
			for _, f := range l.Fields {
				fields = append(fields, f.Name)
			}
		}
	}
	for _, f := range []string{"ReferanceAccountId", "Email", "Mobile", "sample string 1", "sample string 3"} {
		if !slices.Contains(fields, f) {
			t.Errorf("list %d has no field %q", pageList, f)
		}
	}
	c := contact(t, st, pageList, pageContact)
	if c.Values["ReferanceAccountId"] != int64(123456) || c.Values["Email"] != "pgannon@customerminds.com" {
		t.Errorf("contact %d: %v", pageContact, c.Values)
	}
}

// New refuses credentials that could not work, without quoting them.
func TestNewRefusesBadCredentials(t *testing.T) {
	for name, creds := range map[string]w50.Credentials{
		"empty token":      {Tokens: map[string]w50.Grant{"": {AllLists: true}}},
		"token with space": {Tokens: map[string]w50.Grant{"a b-secret": {}}},
		"list id zero":     {Tokens: map[string]w50.Grant{"zero-list-secret": {Lists: []int{0}}}},
	} {
		_, err := w50.New(w50.Options{Credentials: creds})
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
