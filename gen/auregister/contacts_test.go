package auregister_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/gen/auregister"
	"github.com/contactapis/contactapis/specs"
)

// The helpers pageExample, readGolden, decodeJSON, date and pageContactID come from
// client_test.go (the generated layer's tests), so both layers are checked against the same
// corrected page example.

const token = "tok-7Qf2-must-never-print"

var secret = apiclient.NewSecret(token)

// reply is one answer of the stand-in vendor.
type reply struct {
	status      int
	contentType string
	body        string
}

// vendor answers each call with the next reply (the last one repeats) and records what it saw.
type vendor struct {
	*httptest.Server
	calls atomic.Int32
	mu    sync.Mutex
	seen  []*http.Request
	body  [][]byte
}

func newVendor(t *testing.T, replies ...reply) *vendor {
	t.Helper()
	v := &vendor{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(v.calls.Add(1))
		b, _ := io.ReadAll(r.Body)
		v.mu.Lock()
		v.seen, v.body = append(v.seen, r), append(v.body, b)
		v.mu.Unlock()
		a := replies[min(n, len(replies))-1]
		if a.contentType != "" {
			w.Header().Set("Content-Type", a.contentType)
		}
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n))
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(v.Close)
	return v
}

// ok answers as the page does: 200 with its response example.
func ok(t *testing.T) reply {
	return reply{http.StatusOK, "application/json", string(readGolden(t, "update-contact-response.json"))}
}

func (v *vendor) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.seen) == 0 {
		t.Fatal("no request reached the vendor")
	}
	return v.seen[len(v.seen)-1], v.body[len(v.body)-1]
}

func newContactsClient(t *testing.T, url string, opts ...apiclient.Option) *auregister.ContactsClient {
	t.Helper()
	c, err := auregister.NewContactsClient(url, secret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fastRetries is the opt-in retry policy with delays too small to slow the tests.
var fastRetries = apiclient.WithRetryPolicy(apiclient.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})

func readRules(t *testing.T) specs.ContactTypeRules {
	t.Helper()
	rules, err := specs.ReadContactTypeRules(specs.MustLoad(specs.Auregister), "ContactUpdate")
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// pageContact is the page's contact as the vendor stores it: the page's answer, decoded.
func pageContact(t *testing.T) auregister.Contact {
	t.Helper()
	var c auregister.Contact
	if err := json.Unmarshal(readGolden(t, "update-contact-response.json"), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// The page example goes out as the golden body, on the page's method and path, with the assumed
// bearer header; the page's answer comes back as the typed contact, nothing lost.
func TestUpdateContactSendsThePagesRequest(t *testing.T) {
	stored := auregister.ForContact(pageContact(t))
	tests := []struct {
		name     string
		prefix   string
		opts     []auregister.UpdateOption
		wantPath string
	}{
		{"type not stated", "", nil, "/contacts/1941877"},
		// The example sends the People contact's stored name back: no violation for the vendor,
		// nor for the client once it knows the stored values.
		{"stored contact stated: the example obeys the rules", "", []auregister.UpdateOption{stored}, "/contacts/1941877"},
		{"base URL with a path prefix", "/api/v1", nil, "/api/v1/contacts/1941877"},
		{"base URL with a trailing slash", "/api/v1/", nil, "/api/v1/contacts/1941877"},
	}
	golden := readGolden(t, "update-contact-request.json")
	page := readGolden(t, "update-contact-response.json")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newVendor(t, ok(t))
			contact, err := newContactsClient(t, srv.URL+tt.prefix).UpdateContact(context.Background(), pageContactID, pageExample(t), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			r, body := srv.last(t)
			if r.Method != http.MethodPatch || r.URL.Path != tt.wantPath || r.URL.RawQuery != "" {
				t.Errorf("sent %s %s, want PATCH %s", r.Method, r.URL, tt.wantPath)
			}
			if got := r.Header.Get("Authorization"); got != "Bearer "+token {
				t.Errorf("Authorization %q, want the bearer token", got)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if diff := cmp.Diff(decodeJSON(t, "golden", golden), decodeJSON(t, "sent", body)); diff != "" {
				t.Errorf("body differs from the corrected page example (-golden +sent):\n%s", diff)
			}
			again, err := json.Marshal(contact)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(decodeJSON(t, "page response", page), decodeJSON(t, "returned contact", again)); diff != "" {
				t.Errorf("returned contact differs from the page's answer (-page +returned):\n%s", diff)
			}
		})
	}
}

// Reading the returned contact through its typed fields: values, "" and null as the page prints
// them.
func TestUpdateContactReturnsThePagesContact(t *testing.T) {
	srv := newVendor(t, ok(t))
	got, err := newContactsClient(t, srv.URL).UpdateContact(context.Background(), pageContactID, pageExample(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != pageContactID || got.ContactType != auregister.ContactTypePeople {
		t.Errorf("ID %d, ContactType %q", got.ID, got.ContactType)
	}
	if v, err := got.AddressID.Get(); err != nil || v != 1675073 {
		t.Errorf("AddressID %d (%v)", v, err)
	}
	if v, err := got.Birthday.Get(); err != nil || v.String() != "2001-08-01" {
		t.Errorf("Birthday %v (%v)", v, err)
	}
	if v, err := got.Name.Get(); err != nil || v != "Christian Vieri" {
		t.Errorf("Name %q (%v)", v, err)
	}
	if v, err := got.TaxNumber.Get(); err != nil || v != "" {
		t.Errorf(`TaxNumber %q (%v), want ""`, v, err)
	}
	if !got.Mobile.IsNull() || !got.RepresentativeIDs.IsNull() || !got.Sex.IsNull() {
		t.Error("Mobile, RepresentativeIDs and Sex must be null")
	}
}

// Through the typed call, left out, null and a value are three different bodies: a field left
// out must not clear anything, and "" or [] are values, not clears.
func TestUpdateContactSendsAbsentNullAndValueDistinctly(t *testing.T) {
	tests := []struct {
		name  string
		build func(u *auregister.ContactUpdate)
		want  string
	}{
		{"nothing set sends an empty object", func(*auregister.ContactUpdate) {}, `{}`},
		{"string value", func(u *auregister.ContactUpdate) { u.Mobile.Set("0400000000") }, `{"mobile": "0400000000"}`},
		{"string null", func(u *auregister.ContactUpdate) { u.Mobile.SetNull() }, `{"mobile": null}`},
		{"empty string is a value", func(u *auregister.ContactUpdate) { u.MiddleName.Set("") }, `{"middleName": ""}`},
		{"integer value and null", func(u *auregister.ContactUpdate) {
			u.AddressID.Set(1675073)
			u.Phone1.SetNull()
		}, `{"addressId": 1675073, "phone1": null}`},
		{"date value", func(u *auregister.ContactUpdate) { u.Birthday.Set(date(t, "2001-08-01")) }, `{"birthday": "2001-08-01"}`},
		{"enum value and null", func(u *auregister.ContactUpdate) {
			u.BirthState.Set(auregister.BirthStateVIC)
			u.Sex.SetNull()
		}, `{"birthState": "VIC", "sex": null}`},
		{"empty list is a value", func(u *auregister.ContactUpdate) { u.RepresentativeIDs.Set([]int64{}) }, `{"representativeIds": []}`},
		{"list null", func(u *auregister.ContactUpdate) { u.RepresentativeIDs.SetNull() }, `{"representativeIds": null}`},
	}
	srv := newVendor(t, ok(t))
	c := newContactsClient(t, srv.URL)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u auregister.ContactUpdate
			tt.build(&u)
			if _, err := c.UpdateContact(context.Background(), pageContactID, u); err != nil {
				t.Fatal(err)
			}
			_, body := srv.last(t)
			if diff := cmp.Diff(decodeJSON(t, "want", []byte(tt.want)), decodeJSON(t, "sent", body)); diff != "" {
				t.Errorf("body (-want +sent):\n%s\nsent: %s", diff, body)
			}
		})
	}
}

// One body per catalogue entry, typed as the spec documents it (its examples where it has them),
// each decoded to its entry; the last check makes a new catalogue entry fail here until it has a
// body.
func TestUpdateContactDecodesEveryCatalogueEntry(t *testing.T) {
	tests := []struct {
		status int
		body   string
		id     string
		field  string
		params map[string]string
	}{
		{404, `{"error":"route_not_found","message":"No route matches [GET] \"/contacts/1\""}`, "route-not-found", "", map[string]string{"method": "GET", "path": "/contacts/1"}},
		{401, `{"error":"unauthorized","message":"Missing or invalid access token"}`, "unauthorized", "", map[string]string{}},
		{415, `{"error":"unsupported_media_type","message":"Content-Type must be application/json"}`, "unsupported-media-type", "", map[string]string{}},
		{400, `{"error":"invalid_json","message":"Request body must be a JSON object"}`, "malformed-body", "", map[string]string{}},
		{400, `{"error":"invalid_type","message":"addressId must be of type integer","field":"addressId"}`, "invalid-field-type", "addressId", map[string]string{"field": "addressId", "expectedType": "integer"}},
		{400, `{"error":"invalid_value","message":"sex must be one of Male/Female","field":"sex"}`, "invalid-enum-value", "sex", map[string]string{"field": "sex", "allowedValues": "Male/Female"}},
		{400, `{"error":"invalid_date","message":"birthday must be an ISO 8601 date (YYYY-MM-DD)","field":"birthday"}`, "invalid-date", "birthday", map[string]string{"field": "birthday"}},
		{400, `{"error":"invalid_country","message":"birthCountry must be an ISO 3166 country code or name","field":"birthCountry"}`, "invalid-country", "birthCountry", map[string]string{"field": "birthCountry"}},
		{400, `{"error":"invalid_address","message":"addressId 1 does not exist","field":"addressId"}`, "unknown-address-id", "addressId", map[string]string{"addressId": "1"}},
		{404, `{"error":"not_found","message":"Contact 1 does not exist"}`, "contact-not-found", "", map[string]string{"contactId": "1"}},
		{500, `{"error":"internal_server_error","message":"Something went wrong; try again later"}`, "internal-server-error", "", map[string]string{}},
		{422, `{"error":"contact_type_not_updatable","message":"Contact 1941878 of contactType Joint Member cannot be updated"}`, "joint-member-not-updatable", "", map[string]string{"contactId": "1941878"}},
		{422, `{"error":"read_only_field","message":"id cannot be changed","field":"id"}`, "read-only-field-changed", "id", map[string]string{"field": "id"}},
		{422, `{"error":"field_not_allowed","message":"name is not allowed for contactType People","field":"name"}`, "field-not-allowed-for-contact-type", "name", map[string]string{"field": "name", "contactType": "People"}},
		// A reworded message still names its entry through the code, without parameters; the code
		// wins over a message that reads like another entry's.
		{400, `{"error":"invalid_value","message":"addressId must be of type integer","field":"addressId"}`, "invalid-enum-value", "addressId", nil},
		{422, `{"error":"field_not_allowed","message":"name: not permitted here","field":"name"}`, "field-not-allowed-for-contact-type", "name", nil},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			srv := newVendor(t, reply{tt.status, "application/json", tt.body})
			_, err := newContactsClient(t, srv.URL).UpdateContact(context.Background(), pageContactID, auregister.ContactUpdate{})
			var apiErr *auregister.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			var want auregister.ErrorBody
			if err := json.Unmarshal([]byte(tt.body), &want); err != nil {
				t.Fatal(err)
			}
			if apiErr.ID != tt.id || apiErr.Code != want.Code || apiErr.Message != want.Message || apiErr.Field != tt.field || apiErr.Body != "" {
				t.Errorf("got id %q code %q message %q field %q body %q", apiErr.ID, apiErr.Code, apiErr.Message, apiErr.Field, apiErr.Body)
			}
			if !cmp.Equal(apiErr.Params, tt.params) {
				t.Errorf("params %v, want %v", apiErr.Params, tt.params)
			}
			if apiErr.StatusCode != tt.status || apiErr.RequestID != "req-1" {
				t.Errorf("status %d, request id %q", apiErr.StatusCode, apiErr.RequestID)
			}
			if !errors.Is(err, apiclient.CatalogueID(tt.id)) || !errors.Is(err, apiclient.StatusSentinel(tt.status)) {
				t.Errorf("errors.Is misses CatalogueID(%q) or the %d sentinel", tt.id, tt.status)
			}
			if errors.Is(err, apiclient.CatalogueID("malformed-body")) != (tt.id == "malformed-body") {
				t.Error("matches a catalogue entry it does not carry")
			}
			if !strings.Contains(err.Error(), want.Message) {
				t.Errorf("Error() %q does not carry the vendor's message", err)
			}
		})
		covered[tt.id] = true
	}
	cat, err := specs.ReadCatalogue(specs.MustLoad(specs.Auregister))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat {
		if !covered[e.ID] {
			t.Errorf("catalogue entry %q (status %d) has no body in this test", e.ID, e.Status)
		}
	}
}

// Answers that are not the JSON error object still come back as *APIError, with their text.
func TestUpdateContactKeepsUndecodableErrorBodies(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name     string
		reply    reply
		sentinel error
		body     string
		code     string
	}{
		{"HTML from a proxy", reply{502, "text/html", "<html><body>Bad Gateway</body></html>\n"}, apiclient.ErrServer, "<html><body>Bad Gateway</body></html>", ""},
		{"empty body", reply{401, "", ""}, apiclient.ErrUnauthorized, "", ""},
		{"truncated JSON", reply{404, "application/json", `{"error":"not_fou`}, apiclient.ErrNotFound, `{"error":"not_fou`, ""},
		{"JSON without code or message", reply{400, "application/json", `{"detail":"nope"}`}, apiclient.ErrBadRequest, `{"detail":"nope"}`, ""},
		{"JSON array", reply{422, "application/json", `["name"]`}, apiclient.ErrUnprocessable, `["name"]`, ""},
		{"oversized text is capped", reply{500, "text/plain", long}, apiclient.ErrServer, long[:1024], ""},
		{"code without a message", reply{403, "application/json", `{"error":"forbidden"}`}, apiclient.ErrForbidden, "", "forbidden"},
		{"undocumented code keeps its text", reply{429, "application/json", `{"error":"rate_limited","message":"Slow down"}`}, apiclient.ErrUnexpected, "", "rate_limited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newVendor(t, tt.reply)
			_, err := newContactsClient(t, srv.URL).UpdateContact(context.Background(), pageContactID, auregister.ContactUpdate{})
			var apiErr *auregister.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			if apiErr.StatusCode != tt.reply.status || apiErr.RequestID != "req-1" || apiErr.Body != tt.body || apiErr.Code != tt.code || apiErr.ID != "" {
				t.Errorf("status %d, request id %q, body %.40q, code %q, id %q", apiErr.StatusCode, apiErr.RequestID, apiErr.Body, apiErr.Code, apiErr.ID)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) is false", tt.sentinel)
			}
		})
	}
}

// A 200 whose body is not a contact is an error that says the update took effect.
func TestUpdateContactReportsAnAcceptedUpdateWithABadAnswer(t *testing.T) {
	srv := newVendor(t, reply{200, "text/html", "<html>ok</html>"})
	contact, err := newContactsClient(t, srv.URL).UpdateContact(context.Background(), pageContactID, auregister.ContactUpdate{})
	if err == nil || contact != nil {
		t.Fatalf("contact %v, err %v", contact, err)
	}
	if !strings.Contains(err.Error(), "accepted (status 200)") || !strings.Contains(err.Error(), "<html>ok</html>") {
		t.Errorf("error %q must say the update was accepted and quote the answer", err)
	}
}

// Hand-written cases of each kind of refusal, and of what the rules let through; the ids come from
// the rule table itself.
func TestUpdateContactRefusesWhatTheRulesForbid(t *testing.T) {
	rules := readRules(t)
	str := func(s string) func(*auregister.ContactUpdate) {
		return func(u *auregister.ContactUpdate) { u.Name.Set(s) }
	}
	type violation struct{ id, field string }
	page := pageContact(t)
	company := page
	company.ContactType = auregister.ContactTypeCompany
	company.Name.Set("Vieri Holdings Pty Ltd")
	company.BusinessNumber.Set("12345678901")
	jointMember := page
	jointMember.ID, jointMember.ContactType = 1941878, auregister.ContactTypeJointMember
	tests := []struct {
		name        string
		contactType auregister.ContactType // "" states no type
		stored      *auregister.Contact    // stated with ForContact instead of contactType
		contactID   int64
		build       func(*auregister.ContactUpdate)
		want        []violation // nil: the update is sent
	}{
		{"name on People", auregister.ContactTypePeople, nil, 1, str("Christian Vieri"),
			[]violation{{rules.Errors.NotAllowed, "name"}}},
		{"several People fields on a Company, all named", auregister.ContactTypeCompany, nil, 1, func(u *auregister.ContactUpdate) {
			u.Sex.Set(auregister.SexMale)
			u.FirstName.Set("Ann")
			u.Email.Set("a@b.c")
		}, []violation{{rules.Errors.NotAllowed, "firstName"}, {rules.Errors.NotAllowed, "sex"}}},
		{"a Company-only field on an Other Entity", auregister.ContactTypeOtherEntity, nil, 1, func(u *auregister.ContactUpdate) { u.BusinessNumber.Set("12345678901") },
			[]violation{{rules.Errors.NotAllowed, "businessNumber"}}},
		{"Joint Member refuses even an empty update", auregister.ContactTypeJointMember, nil, 1941878, func(*auregister.ContactUpdate) {},
			[]violation{{rules.Errors.NotUpdatable, ""}}},
		{"Joint Member refuses an allowed field", auregister.ContactTypeJointMember, nil, 1941878, func(u *auregister.ContactUpdate) { u.Email.Set("a@b.c") },
			[]violation{{rules.Errors.NotUpdatable, ""}}},
		{"contactType other than the stated one", auregister.ContactTypePeople, nil, 1, func(u *auregister.ContactUpdate) {
			company := auregister.ContactTypeCompany
			u.ContactType = &company
		}, []violation{{rules.Errors.MatchStored, "contactType"}}},
		{"id other than the path's, type not stated", "", nil, 1, func(u *auregister.ContactUpdate) {
			id := int64(2)
			u.ID = &id
		}, []violation{{rules.Errors.MatchStored, "id"}}},
		{"matchStored before notAllowed", auregister.ContactTypeCompany, nil, 1, func(u *auregister.ContactUpdate) {
			id := int64(2)
			u.ID = &id
			u.Skype.Set("x")
		}, []violation{{rules.Errors.MatchStored, "id"}, {rules.Errors.NotAllowed, "skype"}}},
		// Stricter than the vendor, on purpose: knowing only the type, the client cannot tell
		// the example's name from a new one, so it refuses what the vendor accepts as unchanged.
		{"page example on People, type only: its stored name is refused", auregister.ContactTypePeople, nil, pageContactID, func(u *auregister.ContactUpdate) {
			*u = pageExample(t)
		}, []violation{{rules.Errors.NotAllowed, "name"}}},
		{"stored contact: a new name on People", "", &page, pageContactID, func(u *auregister.ContactUpdate) {
			*u = pageExample(t)
			u.Name.Set("Vieri Holdings")
		}, []violation{{rules.Errors.NotAllowed, "name"}}},
		{"stored contact: the stored name passes, a new businessNumber does not", "", &page, pageContactID, func(u *auregister.ContactUpdate) {
			u.Name.Set("Christian Vieri")
			u.BusinessNumber.Set("12345678901")
		}, []violation{{rules.Errors.NotAllowed, "businessNumber"}}},
		{"stored contact: the stored name with other spacing is a new value", "", &page, pageContactID, func(u *auregister.ContactUpdate) {
			u.Name.Set("Christian  Vieri")
		}, []violation{{rules.Errors.NotAllowed, "name"}}},
		{"stored contact: contactType other than the stored one", "", &page, pageContactID, func(u *auregister.ContactUpdate) {
			other := auregister.ContactTypeCompany
			u.ContactType = &other
		}, []violation{{rules.Errors.MatchStored, "contactType"}}},
		{"stored Company: the People fields it stores pass, a new one does not", "", &company, pageContactID, func(u *auregister.ContactUpdate) {
			u.FirstName.Set("Christian")
			u.BirthCountry.Set("AUSTRALIA")
			u.LastName.Set("Rossi")
		}, []violation{{rules.Errors.NotAllowed, "lastName"}}},
		{"stored Joint Member refuses even its own values", "", &jointMember, 1941878, func(u *auregister.ContactUpdate) {
			u.Email.Set("c@v.com")
		}, []violation{{rules.Errors.NotUpdatable, ""}}},

		{"null on a forbidden field is no violation", auregister.ContactTypePeople, nil, 1, func(u *auregister.ContactUpdate) {
			u.Name.SetNull()
			u.IncorporationDate.SetNull()
		}, nil},
		{`"" on a forbidden field is no violation`, auregister.ContactTypePeople, nil, 1, func(u *auregister.ContactUpdate) {
			u.Name.Set("")
			u.BusinessNumber.Set("")
		}, nil},
		{"allowed fields for Company", auregister.ContactTypeCompany, nil, 1, func(u *auregister.ContactUpdate) {
			u.Name.Set("Acme Pty Ltd")
			u.BusinessNumber.Set("12345678901")
			u.Mobile.Set("0400000000")
		}, nil},
		{"id and contactType equal to the stored ones", auregister.ContactTypeOtherEntity, nil, 7, func(u *auregister.ContactUpdate) {
			id, other := int64(7), auregister.ContactTypeOtherEntity
			u.ID, u.ContactType = &id, &other
			u.Name.Set("Vieri Family Trust")
		}, nil},
		{"no type stated: the vendor judges the fields", "", nil, 1, str("Christian Vieri"), nil},
		{"stored contact: the page example as printed", "", &page, pageContactID, func(u *auregister.ContactUpdate) {
			*u = pageExample(t)
		}, nil},
		{"stored Company: its name, new or unchanged, and its stored values", "", &company, pageContactID, func(u *auregister.ContactUpdate) {
			u.Name.Set("Acme Pty Ltd")
			u.BirthPlace.Set("CLAYTON")
			u.BusinessNumber.Set("12345678901")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newVendor(t, ok(t))
			var opts []auregister.UpdateOption
			wantType := tt.contactType
			switch {
			case tt.stored != nil:
				opts = append(opts, auregister.ForContact(*tt.stored))
				wantType = tt.stored.ContactType
			case tt.contactType != "":
				opts = append(opts, auregister.ForContactType(tt.contactType))
			}
			var u auregister.ContactUpdate
			tt.build(&u)
			_, err := newContactsClient(t, srv.URL).UpdateContact(context.Background(), tt.contactID, u, opts...)
			if tt.want == nil {
				if err != nil || srv.calls.Load() != 1 {
					t.Fatalf("refused (%v) or not sent (%d calls); the rules allow it", err, srv.calls.Load())
				}
				return
			}
			if n := srv.calls.Load(); n != 0 {
				t.Errorf("a refused update reached the vendor (%d calls)", n)
			}
			var refused *auregister.RuleError
			if !errors.As(err, &refused) {
				t.Fatalf("error %v (%T) is not a *RuleError", err, err)
			}
			var got []violation
			for _, v := range refused.Violations {
				got = append(got, violation{v.ID, v.Field})
				if !errors.Is(err, apiclient.CatalogueID(v.ID)) || !strings.Contains(err.Error(), v.Message) || v.Message == "" {
					t.Errorf("violation %+v: not matched by errors.Is or missing from %q", v, err)
				}
				if v.Field != "" && !strings.Contains(v.Message, v.Field) {
					t.Errorf("message %q does not name the field %q", v.Message, v.Field)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("violations %v, want %v", got, tt.want)
			}
			if refused.ContactID != tt.contactID || refused.ContactType != wantType {
				t.Errorf("error names contact %d of type %q", refused.ContactID, refused.ContactType)
			}
			if wantType != "" && !strings.Contains(err.Error(), string(wantType)) {
				t.Errorf("error %q does not name the contact type", err)
			}
			if !errors.Is(err, apiclient.ErrUnprocessable) || errors.Is(err, apiclient.CatalogueID("contact-not-found")) {
				t.Errorf("error %v: must match the 422 sentinel and no unrelated entry", err)
			}
		})
	}
}

// Every rule of the table, for every updatable type: a value is refused exactly when the type does
// not allow the field, and null or "" never are. A field added to the table fails here until it
// has a sample value.
func TestUpdateContactAppliesEveryRuleOfTheTable(t *testing.T) {
	rules := readRules(t)
	page := map[string]json.RawMessage{}
	if err := json.Unmarshal(readGolden(t, "update-contact-request.json"), &page); err != nil {
		t.Fatal(err)
	}
	// Values for the fields the page's example leaves null or "".
	samples := map[string]string{
		"name": `"Acme Pty Ltd"`, "middleName": `"Maria"`, "title": `"Mr"`, "sex": `"Female"`,
		"skype": `"c.vieri"`, "businessNumber": `"12345678901"`, "placeOfIncorporation": `"AU"`,
		"incorporationDate": `"2001-08-01"`,
	}
	srv := newVendor(t, ok(t))
	c := newContactsClient(t, srv.URL)
	for _, field := range slices.Sorted(maps.Keys(rules.Fields)) {
		value := string(page[field])
		if value == "" || value == "null" || value == `""` {
			value = samples[field]
		}
		if value == "" {
			t.Fatalf("no sample value for rule field %q", field)
		}
		for _, typ := range rules.Types {
			if !rules.Updatable(typ) {
				continue
			}
			for _, raw := range []string{value, "null", `""`} {
				var u auregister.ContactUpdate
				dec := json.NewDecoder(strings.NewReader(fmt.Sprintf(`{%q: %s}`, field, raw)))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&u); err != nil {
					if raw == `""` {
						continue // not a string field: "" cannot be typed
					}
					t.Fatalf("%s = %s: %v", field, raw, err)
				}
				before := srv.calls.Load()
				_, err := c.UpdateContact(context.Background(), 1, u, auregister.ForContactType(auregister.ContactType(typ)))
				sent := srv.calls.Load() != before
				wantRefused := raw == value && !slices.Contains(rules.Fields[field].AllowedFor, typ)
				if wantRefused != errors.Is(err, apiclient.CatalogueID(rules.Errors.NotAllowed)) || wantRefused == sent {
					t.Errorf("%s = %s on %s: err %v, sent %v; want refused %v", field, raw, typ, err, sent, wantRefused)
				}
			}
		}
	}
}

// Every rule of the table again, with the stored contact stated: a field the type does not allow
// passes when it carries the stored value and is refused with any other non-null, non-empty
// value; with the type alone, the stored value is refused too (the client cannot know it). Each
// stored contact holds the sample value in the field under test, so both cases are exercised for
// every field and type.
func TestUpdateContactJudgesUnchangedValuesOnlyWithTheStoredContact(t *testing.T) {
	rules := readRules(t)
	if !slices.Contains(rules.NotAViolation, specs.NotAViolationUnchanged) {
		t.Fatalf("the rule table no longer lists %q; this test and ForContact need revisiting", specs.NotAViolationUnchanged)
	}
	samples := map[string][2]string{ // field: {stored value, another value}
		"firstName": {`"Christian"`, `"Paolo"`}, "middleName": {`"Maria"`, `"Luca"`}, "lastName": {`"Vieri"`, `"Rossi"`},
		"name": {`"Christian Vieri"`, `"Acme Pty Ltd"`}, "addressId": {`1675073`, `1675074`}, "title": {`"Mr"`, `"Dr"`},
		"sex": {`"Male"`, `"Female"`}, "birthday": {`"2001-08-01"`, `"2001-08-02"`}, "birthPlace": {`"CLAYTON"`, `"ROME"`},
		"birthState": {`"VIC"`, `"Foreign"`}, "birthCountry": {`"AUSTRALIA"`, `"AU"`}, "skype": {`"c.vieri"`, `"c.v"`},
		"businessNumber": {`"12345678901"`, `"98765432109"`}, "placeOfIncorporation": {`"AU"`, `"NZ"`},
		"incorporationDate": {`"2001-08-01"`, `"1999-01-01"`},
	}
	srv := newVendor(t, ok(t))
	c := newContactsClient(t, srv.URL)
	for _, field := range slices.Sorted(maps.Keys(rules.Fields)) {
		sample, ok := samples[field]
		if !ok {
			t.Fatalf("no sample values for rule field %q", field)
		}
		for _, typ := range rules.Types {
			if !rules.Updatable(typ) {
				continue
			}
			stored := map[string]json.RawMessage{}
			if err := json.Unmarshal(readGolden(t, "update-contact-response.json"), &stored); err != nil {
				t.Fatal(err)
			}
			stored["contactType"], _ = json.Marshal(typ)
			stored[field] = json.RawMessage(sample[0])
			raw, _ := json.Marshal(stored)
			var contact auregister.Contact
			if err := json.Unmarshal(raw, &contact); err != nil {
				t.Fatal(err)
			}
			allowed := slices.Contains(rules.Fields[field].AllowedFor, typ)
			for _, tc := range []struct {
				value      string
				opt        auregister.UpdateOption
				wantRefuse bool
			}{
				{sample[0], auregister.ForContact(contact), false},
				{sample[1], auregister.ForContact(contact), !allowed},
				{sample[0], auregister.ForContactType(auregister.ContactType(typ)), !allowed},
			} {
				var u auregister.ContactUpdate
				if err := json.Unmarshal([]byte(fmt.Sprintf(`{%q: %s}`, field, tc.value)), &u); err != nil {
					t.Fatal(err)
				}
				before := srv.calls.Load()
				_, err := c.UpdateContact(context.Background(), pageContactID, u, tc.opt)
				sent := srv.calls.Load() != before
				if tc.wantRefuse != errors.Is(err, apiclient.CatalogueID(rules.Errors.NotAllowed)) || tc.wantRefuse == sent {
					t.Errorf("%s = %s on %s storing %s: err %v, sent %v; want refused %v", field, tc.value, typ, sample[0], err, sent, tc.wantRefuse)
				}
			}
		}
	}
}

// ForContact is about one contact: stating another is a mistake the caller must hear about, and a
// hand-built Contact's unspecified fields are not taken for stored zero values.
func TestForContactStatesOneContact(t *testing.T) {
	srv := newVendor(t, ok(t))
	c := newContactsClient(t, srv.URL)
	_, err := c.UpdateContact(context.Background(), pageContactID+1, auregister.ContactUpdate{}, auregister.ForContact(pageContact(t)))
	if err == nil || !strings.Contains(err.Error(), "1941877") || srv.calls.Load() != 0 {
		t.Errorf("err %v after %d calls; want a refusal naming the stated contact, nothing sent", err, srv.calls.Load())
	}
	var rule *auregister.RuleError
	if errors.As(err, &rule) {
		t.Errorf("a caller's mistake came back as a rule violation: %v", err)
	}

	// A Company built by hand: its addressId is unspecified, which would encode as 0.
	company := auregister.Contact{ID: 7, ContactType: auregister.ContactTypeCompany}
	var u auregister.ContactUpdate
	u.AddressID.Set(0)
	_, err = c.UpdateContact(context.Background(), 7, u, auregister.ForContact(company))
	if !errors.Is(err, apiclient.CatalogueID(readRules(t).Errors.NotAllowed)) {
		t.Errorf("addressId 0 on a hand-built Company passed as unchanged: %v", err)
	}
}

func TestUpdateContactRefusesAnUnknownContactType(t *testing.T) {
	srv := newVendor(t, ok(t))
	_, err := newContactsClient(t, srv.URL).UpdateContact(context.Background(), 1, auregister.ContactUpdate{}, auregister.ForContactType("Person"))
	if err == nil || !strings.Contains(err.Error(), `"Person"`) || srv.calls.Load() != 0 {
		t.Errorf("err %v after %d calls; want a refusal naming the type, nothing sent", err, srv.calls.Load())
	}
}

// A PATCH is not retried unless the caller opts in; when it is, every attempt carries the same
// body.
func TestUpdateContactRetriesOnlyWhenAskedTo(t *testing.T) {
	internal := reply{500, "application/json", `{"error":"internal","message":"Internal Server Error"}`}
	tests := []struct {
		name      string
		opts      []apiclient.Option
		wantCalls int32
		wantErr   bool
	}{
		{"default: one attempt", nil, 1, true},
		{"opt-in policy retries the 500", []apiclient.Option{fastRetries}, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newVendor(t, internal, ok(t))
			_, err := newContactsClient(t, srv.URL, tt.opts...).UpdateContact(context.Background(), pageContactID, pageExample(t))
			if (err != nil) != tt.wantErr || srv.calls.Load() != tt.wantCalls {
				t.Fatalf("err %v after %d calls; want error %v after %d", err, srv.calls.Load(), tt.wantErr, tt.wantCalls)
			}
			if tt.wantErr && !errors.Is(err, apiclient.ErrServer) {
				t.Errorf("err %v, want the 500 as *APIError", err)
			}
			if srv.calls.Load() == 2 && (!bytes.Equal(srv.body[0], srv.body[1]) || len(srv.body[1]) == 0) {
				t.Error("the retry did not resend the whole body")
			}
		})
	}
	bad := newVendor(t, reply{422, "application/json", `{"error":"read_only_field","message":"id cannot be changed","field":"id"}`}, ok(t))
	if _, err := newContactsClient(t, bad.URL, fastRetries).UpdateContact(context.Background(), 1, auregister.ContactUpdate{}); err == nil || bad.calls.Load() != 1 {
		t.Errorf("a 422 was retried or lost: err %v, %d calls", err, bad.calls.Load())
	}
}

func TestUpdateContactHonoursContextAndTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release) // before Close, which waits for the handler
	start := time.Now()
	_, err := newContactsClient(t, slow.URL, apiclient.WithTimeout(50*time.Millisecond)).UpdateContact(context.Background(), 1, auregister.ContactUpdate{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("err %v after %v; want a deadline error after about 50ms", err, time.Since(start))
	}

	srv := newVendor(t, ok(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newContactsClient(t, srv.URL).UpdateContact(ctx, 1, auregister.ContactUpdate{}); !errors.Is(err, context.Canceled) || srv.calls.Load() != 0 {
		t.Errorf("cancelled call: err %v, %d calls", err, srv.calls.Load())
	}
}

// No error, log line or formatted value carries the token, even when the vendor echoes it back in
// each part of its answer.
func TestTokenNeverPrints(t *testing.T) {
	var logs strings.Builder
	logger := apiclient.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	echoes := []reply{
		{401, "application/json", `{"error":"` + token + `","message":"token ` + token + ` is invalid","field":"` + token + `"}`},
		{403, "text/plain", "forbidden for Bearer " + token},
		{401, "text/plain", strings.Repeat("y", 1024-len(token)/2) + token}, // straddles the 1 KiB cut
		{200, "application/json", `{"id":"` + token + `"}`},
		{200, "application/json", `{"id":1,"birthday":"` + token + `"}`},
	}
	var outputs []string
	for _, echo := range echoes {
		srv := newVendor(t, echo)
		c := newContactsClient(t, srv.URL, logger)
		_, err := c.UpdateContact(context.Background(), pageContactID, pageExample(t))
		if err == nil {
			t.Fatalf("answer %d was taken for success", echo.status)
		}
		outputs = append(outputs, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err), fmt.Sprintf("%v %+v %#v", c, c, *c))
		var apiErr *auregister.APIError
		if errors.As(err, &apiErr) {
			outputs = append(outputs, fmt.Sprintf("%+v %#v", *apiErr, *apiErr), apiErr.Body, apiErr.Message, apiErr.Field, apiErr.Code)
		}
		if r, _ := srv.last(t); r.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("the token was not sent")
		}
	}
	outputs = append(outputs, logs.String(), fmt.Sprintf("%v %+v %#v", secret, secret, secret))
	for _, out := range outputs {
		if strings.Contains(out, token) || strings.Contains(out, token[:len(token)/2]) {
			t.Errorf("token leaked: %s", out)
		}
	}
	if !strings.Contains(logs.String(), "status=401") {
		t.Errorf("the calls were not logged: %q", logs.String())
	}
}

func TestNewContactsClientRefusesBadConfiguration(t *testing.T) {
	for _, tt := range []struct {
		url   string
		token string
	}{
		{"auregister.example.com", token},
		{"://", token},
		{"ftp://auregister.example.com", token},
		{"https://auregister.example.com?tenant=1", token},
		{"https://", token},
		{"https://auregister.example.com", ""},
		{"https://auregister.example.com", "abc"},
		{"https://auregister.example.com", "Bearer " + token},
		{"https://auregister.example.com", token + "\n"},
	} {
		_, err := auregister.NewContactsClient(tt.url, apiclient.NewSecret(tt.token))
		if err == nil {
			t.Errorf("NewContactsClient(%q, %q) accepted", tt.url, tt.token)
		} else if tt.token != "" && strings.Contains(err.Error(), tt.token) {
			t.Errorf("error quotes the token: %v", err)
		}
	}
	if _, err := auregister.NewContactsClient("http://127.0.0.1:8080/auregister", secret); err != nil {
		t.Errorf("a mock's base URL was refused: %v", err)
	}
}

// GetContact sends GET on the contact's path with the bearer token, decodes the answer as the
// typed contact, reports an unknown contact as contact-not-found, and (a read being idempotent)
// is retried on a server failure when the policy allows.
func TestGetContact(t *testing.T) {
	v := newVendor(t, reply{http.StatusInternalServerError, "application/json", `{"error":"internal_server_error","message":"Something went wrong; try again later"}`}, ok(t))
	got, err := newContactsClient(t, v.URL, fastRetries).GetContact(context.Background(), 1941877)
	if err != nil {
		t.Fatal(err)
	}
	if want := pageContact(t); !reflect.DeepEqual(*got, want) {
		t.Errorf("contact %+v, want %+v", *got, want)
	}
	req, body := v.last(t)
	if req.Method != http.MethodGet || req.URL.Path != "/contacts/1941877" || len(body) != 0 {
		t.Errorf("sent %s %s with %d body bytes, want GET /contacts/1941877 without a body", req.Method, req.URL.Path, len(body))
	}
	if h := req.Header.Get("Authorization"); h != "Bearer "+secret.Reveal() {
		t.Errorf("Authorization %q", h)
	}
	if n := v.calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2 (the 500 retried)", n)
	}

	missing := newVendor(t, reply{http.StatusNotFound, "application/json", `{"error":"not_found","message":"Contact 9 does not exist"}`})
	_, err = newContactsClient(t, missing.URL).GetContact(context.Background(), 9)
	if !errors.Is(err, apiclient.CatalogueID("contact-not-found")) || !errors.Is(err, apiclient.ErrNotFound) {
		t.Errorf("unknown contact: %v, want contact-not-found and ErrNotFound", err)
	}
}
