package iovox_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/contactapis/contactapis/conformance/mock"
	api "github.com/contactapis/contactapis/gen/iovox"
)

// letters spells n with letters only, so it can tag a first name ("Wbc" for 12).
func letters(n int) string {
	var b strings.Builder
	for _, d := range fmt.Sprint(n) {
		b.WriteRune('a' + d - '0')
	}
	return b.String()
}

// N writers send overlapping batches (666 and 777, in either order) while others send batches that
// must fail and readers take the state. Every final record must be one written version, whole,
// and both contacts must come from the same batch: a batch is applied all or nothing, under one
// lock, so no update is lost or half-applied.
func TestConcurrentWritersKeepWholeRecords(t *testing.T) {
	h := newHarness(t, mock.Options{})
	fixtures := map[string]api.Contact{}
	for _, c := range h.state().Contacts {
		fixtures[c.ContactID] = c
	}
	const writers, rounds = 12, 15
	version := func(id string, g, i int) api.Contact {
		c := fixtures[id]
		tag := fmt.Sprintf("w%d-%d", g, i)
		c.Notes, c.Company, c.FirstName = ptr(tag), ptr(tag), ptr("W"+letters(g)+"x"+letters(i))
		c.BusinessPhone = []string{fmt.Sprintf("4420794%02d%03d", g, i)}
		c.BusinessCountry = ptr("United Kingdom") // guessed from the +44 business phone
		return c
	}
	element := func(id string, g, i int) string {
		c := version(id, g, i)
		return contact(el("contact_id", id), el("notes", *c.Notes), el("company", *c.Company), el("first_name", *c.FirstName), el("business_phone", c.BusinessPhone[0]))
	}
	var wg sync.WaitGroup
	errs := make(chan string, writers*rounds*3)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				a, b := element("666", g, i), element("777", g, i)
				if (g+i)%2 == 1 {
					a, b = b, a
				}
				if resp := h.send(put(request(el("replace_details", "TRUE"), a, b))); resp.status != http.StatusNoContent {
					errs <- fmt.Sprintf("writer %d round %d: %d %s", g, i, resp.status, resp.body)
				}
				// The same change with one unknown contact: must write nothing.
				bad := strings.ReplaceAll(a, fmt.Sprintf("w%d-%d", g, i), "never")
				if resp := h.send(put(request(bad, contact(el("contact_id", "nobody"))))); resp.status != http.StatusBadRequest {
					errs <- fmt.Sprintf("failing batch answered %d", resp.status)
				}
				_ = h.state()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	final := map[string]api.Contact{}
	for _, c := range h.state().Contacts {
		final[c.ContactID] = c
	}
	tag := str(final["666"].Notes)
	var g, i int
	if _, err := fmt.Sscanf(tag, "w%d-%d", &g, &i); err != nil {
		t.Fatalf("666 carries notes %q, which no successful batch wrote", tag)
	}
	for _, id := range []string{"666", "777"} {
		if want := version(id, g, i); !equalJSON(final[id], want) {
			t.Errorf("%s is not the whole version of batch %s:\n got %+v\nwant %+v", id, tag, final[id], want)
		}
	}
	for id, c := range final {
		if id != "666" && id != "777" && !equalJSON(c, fixtures[id]) {
			t.Errorf("%s changed: %+v", id, c)
		}
	}
	if slices.ContainsFunc(h.state().Contacts, func(c api.Contact) bool { return str(c.Notes) == "never" }) {
		t.Error("a failed batch was written")
	}
}
