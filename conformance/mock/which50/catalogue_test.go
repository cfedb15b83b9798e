package which50_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/contactapis/contactapis/apiclient"
	api "github.com/contactapis/contactapis/gen/which50"
)

// entryRow triggers one catalogue entry.
type entryRow struct {
	id  string
	req func(t testing.TB) rawReq
	// args are the entry's placeholder values for this request on e.
	args func(e *env) map[string]string
	// mediaType of the answer (the request's Accept decides); JSON when empty.
	mediaType string
	faults    bool
	// client sends the same condition through gen/which50's ContactsClient; nil when the
	// client cannot send it, with rawOnly saying why.
	client  func(ctx context.Context, e *env) error
	rawOnly string
}

func catalogueRows() []entryRow {
	noBody := func(r *rawReq) { r.body, r.contentType = nil, "" }
	return []entryRow{
		{
			id: "route-not-found",
			// The API's route under a base path that is not the mock's: a wrongly configured
			// base URL, which the client can send too.
			req: func(t testing.TB) rawReq {
				return patchPage(t).with(func(r *rawReq) { r.path = "/nope" + r.path })
			},
			args: func(e *env) map[string]string {
				return map[string]string{"uri": e.base() + "/nope/contactLists/3/contact?" + string(golden(e.tb, "patch-request.query"))}
			},
			client: func(ctx context.Context, e *env) error {
				_, err := clientAt(e.tb, e.base()+"/nope", "test").UpdateContactsByMatch(ctx, pageList, pageMatch, pageSet)
				return err
			},
		},
		{
			id: "method-not-allowed",
			// DELETE on the route, asking for XML: the error answers in XML too.
			req: func(t testing.TB) rawReq {
				return rawReq{method: http.MethodDelete, path: "/contactLists/3/contact", accept: "application/xml", auth: bearerTest}
			},
			args:      func(*env) map[string]string { return map[string]string{"method": http.MethodDelete} },
			mediaType: "application/xml",
			rawOnly:   "the client sends only PATCH and PUT",
		},
		{
			id: "unsupported-media-type",
			req: func(t testing.TB) rawReq {
				return patchPage(t).with(func(r *rawReq) {
					r.contentType, r.body, r.accept = "text/plain", []byte("Mobile=353871234567"), "text/json"
				})
			},
			args:      func(*env) map[string]string { return map[string]string{"mediaType": "text/plain"} },
			mediaType: "text/json",
			rawOnly:   "the client sends only application/json and application/xml bodies",
		},
		{
			id: "request-invalid",
			req: func(t testing.TB) rawReq {
				return patchPage(t).with(func(r *rawReq) { r.path = "/contactLists/abc/contact" })
			},
			// The client refuses a list id that is not a positive integer; it can send a
			// property the list's schema does not have, which the mock answers the same way.
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpdateContactsByMatch(ctx, pageList, pageMatch, map[string]any{"Nickname": "Pat"})
				return err
			},
		},
		{
			id: "update-match-missing",
			req: func(t testing.TB) rawReq {
				return patchPage(t).with(func(r *rawReq) { r.query = "" })
			},
			// The client refuses to send no match at all; an empty value is the same row.
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpdateContactsByMatch(ctx, pageList, map[string]string{"Email": ""}, pageSet)
				return err
			},
		},
		{
			id:  "update-unauthorized",
			req: func(t testing.TB) rawReq { return patchPage(t).with(func(r *rawReq) { r.auth = "" }) },
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "not-a-token").UpdateContactsByMatch(ctx, pageList, pageMatch, pageSet)
				return err
			},
		},
		{
			id:  "update-forbidden",
			req: func(t testing.TB) rawReq { return patchPage(t).with(func(r *rawReq) { r.auth = bearerReadonly }) },
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "readonly").UpdateContactsByMatch(ctx, pageList, pageMatch, pageSet)
				return err
			},
		},
		{
			id:      "update-contact-null",
			req:     func(t testing.TB) rawReq { return patchPage(t).with(noBody) },
			rawOnly: "the client always sends a ContactDTO body",
		},
		{
			id: "update-list-not-found",
			req: func(t testing.TB) rawReq {
				return patchPage(t).with(func(r *rawReq) { r.path = "/contactLists/999/contact" })
			},
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpdateContactsByMatch(ctx, 999, pageMatch, pageSet)
				return err
			},
		},
		{
			id: "update-no-contacts-matched",
			req: func(t testing.TB) rawReq {
				return patchPage(t).with(func(r *rawReq) { r.query = "match=Email&Email=nobody@example.com" })
			},
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpdateContactsByMatch(ctx, pageList, map[string]string{"Email": "nobody@example.com"}, pageSet)
				return err
			},
		},
		{
			id:     "update-internal-error",
			req:    patchPage,
			faults: true,
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpdateContactsByMatch(ctx, pageList, pageMatch, pageSet)
				return err
			},
		},
		{
			id:  "upsert-match-missing",
			req: func(t testing.TB) rawReq { return putPage(t).with(func(r *rawReq) { r.query = "" }) },
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpsertContactsByMatch(ctx, pageList, map[string]any{"Email": ""}, pageSet)
				return err
			},
		},
		{
			id:  "upsert-unauthorized",
			req: func(t testing.TB) rawReq { return putPage(t).with(func(r *rawReq) { r.auth = "Bearer wrong" }) },
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "not-a-token").UpsertContactsByMatch(ctx, pageList, pagePutMatch, pageSet)
				return err
			},
		},
		{
			id: "upsert-forbidden",
			req: func(t testing.TB) rawReq {
				return putPage(t).with(func(r *rawReq) { r.auth, r.accept = bearerReadonly, "text/xml" })
			},
			mediaType: "text/xml",
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "readonly").UpsertContactsByMatch(ctx, pageList, pagePutMatch, pageSet, api.WithResponseFormat(api.FormatXML))
				return err
			},
		},
		{
			id:      "upsert-contact-null",
			req:     func(t testing.TB) rawReq { return putPage(t).with(func(r *rawReq) { r.body = []byte("null") }) },
			rawOnly: "the client always sends a ContactDTO body",
		},
		{
			id: "upsert-list-not-found",
			req: func(t testing.TB) rawReq {
				return putPage(t).with(func(r *rawReq) { r.path = "/contactLists/999/contact" })
			},
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpsertContactsByMatch(ctx, 999, pagePutMatch, pageSet)
				return err
			},
		},
		{
			id: "upsert-no-contacts-matched",
			req: func(t testing.TB) rawReq {
				return putPage(t).with(func(r *rawReq) {
					r.body = []byte(`{"Values":{"ReferanceAccountId":123456,"Email":"nobody@example.com","Mobile":"1"}}`)
				})
			},
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpsertContactsByMatch(ctx, pageList, map[string]any{"Email": "nobody@example.com"}, pageSet)
				return err
			},
		},
		{
			id:     "upsert-internal-error",
			req:    putPage,
			faults: true,
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").UpsertContactsByMatch(ctx, pageList, pagePutMatch, pageSet)
				return err
			},
		},
		{
			id:  "read-match-missing",
			req: func(t testing.TB) rawReq { return readPage(t).with(func(r *rawReq) { r.query = "match=Email" }) },
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").GetContactsByMatch(ctx, pageList, map[string]string{"Email": ""})
				return err
			},
		},
		{
			id:  "read-unauthorized",
			req: func(t testing.TB) rawReq { return readPage(t).with(func(r *rawReq) { r.auth = "" }) },
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "not-a-token").GetContactsByMatch(ctx, pageList, pageMatch)
				return err
			},
		},
		{
			id: "read-list-not-found",
			req: func(t testing.TB) rawReq {
				return readPage(t).with(func(r *rawReq) { r.path = "/contactLists/999/contact" })
			},
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").GetContactsByMatch(ctx, 999, pageMatch)
				return err
			},
		},
		{
			id:     "read-internal-error",
			req:    readPage,
			faults: true,
			client: func(ctx context.Context, e *env) error {
				_, err := e.client(e.tb, "test").GetContactsByMatch(ctx, pageList, pageMatch)
				return err
			},
		},
	}
}

// readPage reads the contacts the page's PATCH example matches (getContactsByMatch, assumed).
func readPage(t testing.TB) rawReq {
	return rawReq{method: http.MethodGet, path: "/contactLists/3/contact", query: string(golden(t, "patch-request.query")), auth: bearerTest}
}

// TestCatalogueEntries sends each entry's triggering request raw and through the client.
func TestCatalogueEntries(t *testing.T) {
	normal, faulty := newEnv(t), newEnv(t, withFaults())
	for _, row := range catalogueRows() {
		t.Run(row.id, func(t *testing.T) {
			e := normal
			if row.faults {
				e = faulty
			}
			e.reset(t)
			mediaType := row.mediaType
			if mediaType == "" {
				mediaType = "application/json"
			}
			var args map[string]string
			if row.args != nil {
				args = row.args(e)
			}
			before := e.state(t)
			resp, body := e.send(t, row.req(t))
			wantError(t, resp, body, row.id, args, mediaType)
			switch entry(t, row.id).Status {
			case http.StatusUnauthorized:
				if got := resp.Header.Get("WWW-Authenticate"); got != "Bearer" {
					t.Errorf("WWW-Authenticate %q", got)
				}
			case http.StatusMethodNotAllowed:
				if got := resp.Header.Get("Allow"); got != "GET, PATCH, PUT" {
					t.Errorf("Allow %q", got)
				}
			}
			if !equalState(before, e.state(t)) {
				t.Error("a refused request changed the store")
			}
			if row.client == nil {
				if row.rawOnly == "" {
					t.Fatal("a row without a client call must say why")
				}
				return
			}
			err := row.client(t.Context(), e)
			var apiErr *api.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("client: %v, want an *APIError", err)
			}
			if !errors.Is(err, apiclient.CatalogueID(row.id)) || apiErr.IDFromStatus {
				t.Errorf("client identified %q (from status only: %v), want %q by its message: %v", apiErr.ID, apiErr.IDFromStatus, row.id, err)
			}
		})
	}
}

// A catalogue entry that no test triggers fails the build: every entry has exactly one row.
func TestCatalogueRowsCoverEveryEntry(t *testing.T) {
	var rows []string
	for _, row := range catalogueRows() {
		if slices.Contains(rows, row.id) {
			t.Errorf("entry %q has two rows", row.id)
		}
		rows = append(rows, row.id)
	}
	for _, e := range catalogue {
		if !slices.Contains(rows, e.ID) {
			t.Errorf("catalogue entry %q (%d) has no triggering row", e.ID, e.Status)
		}
	}
	for _, id := range rows {
		if _, ok := catalogue.ByID(id); !ok {
			t.Errorf("row %q names no catalogue entry", id)
		}
	}
}
