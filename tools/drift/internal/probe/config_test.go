package probe

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// pageUpdate is an update each vendor page documents as succeeding, on the mocks' fixture records.
func pageUpdate(t *testing.T, vendor string) Request {
	t.Helper()
	read := func(vendor, name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "gen", vendor, "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	switch vendor {
	case specs.Iovox:
		// The page's request minus its contact_id rename, so the update leaves record 333 in place.
		body := bytes.Replace(read(vendor, "updateContacts.request.xml"), []byte("<new_contact_id>333 Updated</new_contact_id>"), nil, 1)
		return Request{Method: http.MethodPut, Path: "/Contacts?v=3&method=updateContacts", ContentType: "application/xml", Body: body}
	case specs.Valomnia:
		return Request{Method: http.MethodPost, Path: "/contacts/5", ContentType: "application/x-www-form-urlencoded",
			Body: bytes.TrimSpace(read(vendor, "update-contact-request.form"))}
	case specs.Which50:
		return Request{Method: http.MethodPatch, Path: "/contactLists/3/contact?match=ReferanceAccountId,Email&ReferanceAccountId=123456&Email=pgannon%40customerminds.com",
			ContentType: "application/json", Body: read(vendor, "patch-request.json")}
	case specs.Auregister:
		return Request{Method: http.MethodPatch, Path: "/contacts/1941877", ContentType: "application/json", Body: read(vendor, "update-contact-request.json")}
	}
	t.Fatalf("no page update for %s", vendor)
	return Request{}
}

// TestMockTarget checks the helper the vendor probes' tests use: the page's own update succeeds
// with the target's credentials and is refused without them, so Authorize does its vendor's scheme.
func TestMockTarget(t *testing.T) {
	for _, vendor := range specs.Vendors() {
		t.Run(vendor, func(t *testing.T) {
			target := mockTarget(t, vendor, false)
			ctx := context.Background()
			req := pageUpdate(t, vendor)
			resp, err := target.Do(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			// iovox answers a success without a body (specs/iovox.yaml: 204); the others 200.
			want := http.StatusOK
			if vendor == specs.Iovox {
				want = http.StatusNoContent
			}
			if resp.Status != want {
				t.Fatalf("page update: %d %s %s, want %d", resp.Status, resp.MediaType, resp.Body, want)
			}
			req.Anonymous = true
			if resp, err = target.Do(ctx, req); err != nil {
				t.Fatal(err)
			}
			if resp.Status != http.StatusUnauthorized {
				t.Fatalf("anonymous page update: %d, want 401", resp.Status)
			}
			if len(resp.Messages(vendor)) == 0 {
				t.Errorf("anonymous page update: no message in %s's error format: %s", vendor, resp.Body)
			}
			for key, want := range mockFixtures[vendor] {
				if got, ok := target.Fixture(key); !ok || got != want {
					t.Errorf("Fixture(%s) = %q, %v; want %q", key, got, ok, want)
				}
			}
		})
	}
}

// TestBudget checks the cap counts every request, Valomnia's two login exchanges included, and
// refuses the first one beyond it without sending it.
func TestBudget(t *testing.T) {
	var sent int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent++ }))
	defer srv.Close()
	budget := NewBudget(2)
	target, err := NewTarget(Settings{Vendor: specs.Auregister, BaseURL: srv.URL, Budget: budget,
		Credentials: vendors.Credentials{"TOKEN": apiclient.NewSecret("tok")}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		_, err := target.Do(context.Background(), Request{Method: http.MethodGet, Path: "/"})
		if i < 2 && err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if i == 2 && !errors.Is(err, ErrBudget) {
			t.Fatalf("request 3: %v, want ErrBudget", err)
		}
	}
	if sent != 2 || budget.Used() != 3 {
		t.Errorf("sent %d, counted %d; want 2 sent, 3 counted", sent, budget.Used())
	}

	// Valomnia: the login's form post and token page count too.
	v := mockTarget(t, specs.Valomnia, false)
	b := NewBudget(0)
	v.HTTP.Transport = budgetTransport{budget: b, base: v.HTTP.Transport.(budgetTransport).base}
	if _, err := v.Do(context.Background(), pageUpdate(t, specs.Valomnia)); err != nil {
		t.Fatal(err)
	}
	if b.Used() != 3 {
		t.Errorf("valomnia login and update counted %d requests, want 3 (login, token page, update)", b.Used())
	}
}

// TestNewTargetRefuses checks missing credentials and unknown vendors are errors, not a Target
// that would send requests without credentials.
func TestNewTargetRefuses(t *testing.T) {
	for _, s := range []Settings{
		{Vendor: specs.Iovox, BaseURL: "http://x", Credentials: vendors.Credentials{"USERNAME": apiclient.NewSecret("u")}},
		{Vendor: specs.Valomnia, BaseURL: "http://x/api/v1.0", Credentials: vendors.Credentials{"USER": apiclient.NewSecret("u")}},
		{Vendor: specs.Which50, BaseURL: "http://x"},
		{Vendor: specs.Auregister, BaseURL: "http://x"},
		{Vendor: "acme", BaseURL: "http://x"},
		{Vendor: specs.Iovox, BaseURL: "not a url", Credentials: vendors.Credentials{"USERNAME": apiclient.NewSecret("u"), "SECURE_KEY": apiclient.NewSecret("k")}},
	} {
		if _, err := NewTarget(s); err == nil {
			t.Errorf("%s at %q: no error", s.Vendor, s.BaseURL)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error of several lines: %q", s.Vendor, err)
		}
	}
}
