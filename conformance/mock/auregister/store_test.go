package auregister_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/auregister"
	api "github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/specs"
)

// TestConcurrentUpdatesAreWhole: writers race on overlapping contacts, each writing a version that
// sets four fields at once; afterwards every contact holds exactly one writer's version, all four
// fields from the same write, and every other field as before. A lost or interleaved update
// would mix versions.
func TestConcurrentUpdatesAreWhole(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	before := h.state()
	ids := []int64{pageID, companyID, otherEntityID, otherPersonID}
	const writers, rounds = 16, 20
	client := &http.Client{}
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				id := ids[(w+r)%len(ids)]
				v := fmt.Sprintf("w%d-r%d", w, r)
				body := fmt.Sprintf(`{"email":"%s@x.example","mobile":%q,"phone1":%q,"phone2":%q}`, v, v, v, v)
				req, _ := http.NewRequest(http.MethodPatch, h.base+"/contacts/"+strconv.FormatInt(id, 10), strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				var got api.Contact
				err = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("contact %d: status %d, %v", id, resp.StatusCode, err)
					continue
				}
				// The answer is the contact right after this write: all four fields are its own.
				if got.Mobile.MustGet() != v || got.Phone1.MustGet() != v || got.Phone2.MustGet() != v || got.Email.MustGet() != v+"@x.example" {
					errs <- fmt.Errorf("answer to write %s mixes versions: %s %s %s %s", v, got.Mobile.MustGet(), got.Phone1.MustGet(), got.Phone2.MustGet(), got.Email.MustGet())
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, c := range h.state().Contacts {
		var old api.Contact
		for _, b := range before.Contacts {
			if b.ID == c.ID {
				old = b
			}
		}
		if c.ID == jointMemberID {
			if !cmp.Equal(c, old) {
				t.Errorf("the Joint Member changed")
			}
			continue
		}
		v := c.Mobile.MustGet()
		if !strings.HasPrefix(v, "w") || c.Phone1.MustGet() != v || c.Phone2.MustGet() != v || c.Email.MustGet() != v+"@x.example" {
			t.Errorf("contact %d holds a mix of versions: %s %s %s %s", c.ID, v, c.Phone1.MustGet(), c.Phone2.MustGet(), c.Email.MustGet())
		}
		old.Mobile, old.Phone1, old.Phone2, old.Email = c.Mobile, c.Phone1, c.Phone2, c.Email
		if diff := cmp.Diff(old, c); diff != "" {
			t.Errorf("contact %d: fields nobody wrote changed:\n%s", c.ID, diff)
		}
	}
}

// fixtures returns the default fixtures with one change applied to a copy.
func fixtures(t *testing.T, h *harness, change func(st *State)) string {
	t.Helper()
	st := h.state()
	change(&st)
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFixtures: a fixtures file is checked whole before anything changes, with a message naming
// the bad record; a good one replaces the store, and Reset goes back to it.
func TestFixtures(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bad := []struct {
		name, data, want string
	}{
		{"not an object", `[]`, "want a JSON object"},
		{"unknown key", `{"contacts":[],"people":[]}`, "people"},
		{"trailing data", `{"contacts":[]} {}`, "data after"},
		{"address id twice", `{"addresses":[{"id":1},{"id":1}]}`, "addresses[1] (id 1): id 1 given twice"},
		{"contact not an object", `{"contacts":[1]}`, "contacts[0]: not a JSON object"},
		{"contact missing properties", `{"contacts":[{"id":5,"contactType":"People"}]}`, "contacts[0] (id 5): missing addressId"},
		{"unknown property", `{"contacts":[` + strings.Replace(string(golden(t, "update-contact-response.json")), `"title":null`, `"title":null,"nickname":"x"`, 1) + `]}`, `contacts[0] (id 1941877): unknown property "nickname"`},
		{"bad date", `{"contacts":[` + strings.Replace(string(golden(t, "update-contact-response.json")), `"2001-08-01"`, `"2001-02-30"`, 1) + `]}`, "contacts[0] (id 1941877): birthday must be"},
		{"bad type", `{"contacts":[` + strings.Replace(string(golden(t, "update-contact-response.json")), `"contactType":"People"`, `"contactType":"Person"`, 1) + `]}`, "contacts[0] (id 1941877): contactType must be one of"},
		{"unknown address", `{"contacts":[` + string(golden(t, "update-contact-response.json")) + `]}`, "contacts[0] (id 1941877): addressId 1675073 is not among the addresses"},
		{"contact id twice", fixtures(t, h, func(st *State) { st.Contacts[1].ID = st.Contacts[0].ID }), "contacts[1] (id 1941877): id 1941877 given twice"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.backend.PrepareFixtures(json.RawMessage(tc.data))
			if !errors.Is(err, mock.ErrFixtures) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want ErrFixtures naming %q", err, tc.want)
			}
		})
	}

	// All or nothing across the server: a bad auregister part leaves the store as it was.
	before := h.state()
	if err := h.mock.LoadFixtures([]byte(`{"auregister":{"contacts":[1]}}`)); err == nil {
		t.Error("bad fixtures loaded")
	}
	if diff := cmp.Diff(before, h.state()); diff != "" {
		t.Errorf("refused fixtures changed the store:\n%s", diff)
	}

	// A state is a fixtures file: load the defaults minus the Company, then reset to them.
	smaller := fixtures(t, h, func(st *State) {
		st.Contacts = append(st.Contacts[:2], st.Contacts[3:]...)
	})
	if err := h.mock.LoadFixtures([]byte(`{"auregister":` + smaller + `}`)); err != nil {
		t.Fatal(err)
	}
	checkError(t, h.patch(strconv.Itoa(companyID), `{}`), "contact-not-found", map[string]string{"contactId": strconv.Itoa(companyID)}, "")
	h.patch(strconv.Itoa(pageID), `{"mobile":"0400000000"}`)
	if err := h.mock.Reset(); err != nil {
		t.Fatal(err)
	}
	var want State
	json.Unmarshal([]byte(smaller), &want)
	if diff := cmp.Diff(want, h.state()); diff != "" {
		t.Errorf("Reset did not restore the loaded fixtures:\n%s", diff)
	}
}

// TestStateIsDeterministic: the same store gives the same JSON, ordered by id, and the page's
// contact is in it as the page shows it.
func TestStateIsDeterministic(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a, _ := json.Marshal(h.backend.State())
	b, _ := json.Marshal(h.backend.State())
	if !bytes.Equal(a, b) {
		t.Error("State differs between two calls")
	}
	st := h.state()
	for i := 1; i < len(st.Contacts); i++ {
		if st.Contacts[i-1].ID >= st.Contacts[i].ID {
			t.Errorf("contacts not ordered by id: %d before %d", st.Contacts[i-1].ID, st.Contacts[i].ID)
		}
	}
	if diff := cmp.Diff(pageContact(t), h.contact(pageID)); diff != "" {
		t.Errorf("fixture 1941877 is not the page's contact:\n%s", diff)
	}
	types := map[api.ContactType]bool{}
	for _, c := range st.Contacts {
		types[c.ContactType] = true
	}
	for _, typ := range rules.Types {
		if !types[api.ContactType(typ)] {
			t.Errorf("no fixture contact of type %s", typ)
		}
	}
}

// TestInjectedFaults: the assumed 500 is the only 500, it is rendered from the catalogue, and it
// writes nothing.
func TestInjectedFaults(t *testing.T) {
	t.Parallel()
	b, err := auregister.New(auregister.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := mock.New(mock.Options{Faults: map[string]mock.Faults{specs.Auregister: {ErrorRate: 1}}}, b)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	before, _ := json.Marshal(b.State())
	req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/auregister/contacts/1941877", strings.NewReader(`{"mobile":"0400000000"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	entry, _ := catalogue.ByID("internal-server-error")
	var got struct{ Error, Message string }
	if resp.StatusCode != entry.Status || json.Unmarshal(body, &got) != nil || got.Error != entry.Code || got.Message != entry.Message {
		t.Errorf("status %d, body %s; want %d with the catalogue's %q", resp.StatusCode, body, entry.Status, entry.Message)
	}
	if after, _ := json.Marshal(b.State()); !bytes.Equal(before, after) {
		t.Error("a failed request changed the store")
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations %v", v)
	}
}

// TestNewUsesTheTestTokenByDefault: a zero Credentials never means "accept an empty token".
func TestNewUsesTheTestTokenByDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		creds auregister.Credentials
		token string
	}{
		{auregister.Credentials{}, "test"},
		{auregister.DefaultCredentials(), "test"},
		{auregister.Credentials{Token: "other-token"}, "other-token"},
	} {
		b, err := auregister.New(auregister.Options{Credentials: tc.creds})
		if err != nil {
			t.Fatal(err)
		}
		for tok, want := range map[string]bool{tc.token: true, "": false, "x" + tc.token: false} {
			r := httptest.NewRequest(http.MethodPatch, "/contacts/1", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			if got := b.Authenticate(r, nil); got != want {
				t.Errorf("credentials %+v, token %q: authenticated %v", tc.creds, tok, got)
			}
		}
	}
}
