package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactapis/contactapis/specs"
)

// The fake vendor below answers the way each case says. Its answers are written from the page
// (shared/vendor-docs/valomnia-update-contact.txt) and from the discrepancies' page and spec
// lines in specs/valomnia.yaml, not from the probes: the success example is the page's, the error
// bodies are the page's examples (with "update" substituted where the spec says so).

// vlPageContact is the page's "Success Output" example.
const vlPageContact = `{
"id": 5, "customerReference": "C0959",
"customer": {"id": 3229, "reference": "C0959", "name": "Marie's Jewelry", "href": "/api/v1.0/customers/3229"},
"firstName": "Marie", "lastName": "Schrader", "mobile": "", "fax": "", "email": "", "fonction": "Commercial",
"phone": "", "phone2": "", "comment": "", "country": "", "city": "Any town", "postalCode": "", "address": "Main street",
"isDecisionMaker": true,
"photo": "BASE_URL/entity1-1450169988465/photoContact/1471508040029_2938_marie_schrader.png",
"user": {"id": 4, "reference": "emp-00", "href": "/api/v1.0/users/4"},
"organization": "entity1", "dateCreated": "2015-12-18T13:21:18Z", "lastUpdated": "2016-08-16T13:35:20Z"}`

// The page's error bodies, as the spec reads them.
const (
	vlBodyInvalidID       = `{"error":"invalid_param_type","error_description": "The type of parameter id you provided is not valid for this request."}`
	vlBodyInvalidCustomer = `{"error":"invalid_param_type","error_description": "The type of parameter customerId you provided is not valid for this request."}`
	vlBodyEmail           = `{"error": "email_validation_error", "error_description": "Failed to update the contact : incorrect Email format"}`
	vlBodyCountry         = `{"error": "country_error", "error_description": "Failed to update the contact : incorrect country code"}`
	vlBodyTooLarge        = `{"error": "exceeded_file_size", "error_description": "image size should not exceed 2Mo"}`
	vlBodyServerError     = `{"error": "server_error", "error_description": "Oops! Something went wrong..."}`
)

// vlNotFound is the page's 404 body for a thing ("customer", or "contact" as the spec assumes).
func vlNotFound(thing, id string) string {
	return fmt.Sprintf(`{"error": "not_found", "error_description": "The %s with the id %s doesn't exist."}`, thing, id)
}

// vlFakeSession is the fake's session cookie; no evidence may ever show it.
const vlFakeSession = "FAKE-SESSION-0123456789ABCDEF"

// vlFakeRequest is an update as the fake read it.
type vlFakeRequest struct {
	id        string
	form      url.Values
	multipart bool
	photo     []byte
	photoName string
}

func (r vlFakeRequest) has(name string) bool { _, ok := r.form[name]; return ok }

// vlFake is a Valomnia tenant holding the page's contact 5 (customer 3229). answer, when set,
// may answer a request itself (handled true); otherwise the default update runs: the spec's
// reading of every discrepancy.
type vlFake struct {
	t        *testing.T
	mu       sync.Mutex
	contact  map[string]any
	now      time.Time
	requests int
	answer   func(f *vlFake, r vlFakeRequest) (status int, body string, handled bool)
	// photoBase is where photos are linked (the page's BASE_URL folder unless a case says).
	photoBase string
	// keepLastUpdated: lastUpdated moves only when a text field changes, never for a photo.
	keepLastUpdated bool
	// fixedPhotoMillis, when set, is the number every photo link starts with.
	fixedPhotoMillis int64
	// photoMillisFromLastUpdated names photos after the contact's lastUpdated instead of the time.
	photoMillisFromLastUpdated bool
	// mediaType is the Content-Type of every answer ("" for the vendor's JSON).
	mediaType string
}

func newVLFake(t *testing.T) *vlFake {
	f := &vlFake{t: t, now: time.Now().UTC(), photoBase: "BASE_URL/entity1-1450169988465/photoContact/"}
	if err := json.Unmarshal([]byte(vlPageContact), &f.contact); err != nil {
		t.Fatal(err)
	}
	return f
}

// target serves the fake and returns a Target on it, fixtures named and mutations allowed.
func (f *vlFake) target() *Target {
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	return &Target{
		Vendor: specs.Valomnia, BaseURL: srv.URL + "/api/v1.0", HTTP: srv.Client(),
		Authorize: func(_ context.Context, r *http.Request) error {
			r.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: vlFakeSession})
			return nil
		},
		Fixtures:       map[string]string{"CONTACT_ID": "5", "CUSTOMER_ID": "3229"},
		AllowMutations: true,
	}
}

func (f *vlFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	// Each request is a second and a half after the one before, so lastUpdated (to the second)
	// tells consecutive updates apart without the probe having to wait.
	f.now = f.now.Add(1500 * time.Millisecond)
	reply := func(status int, body string) {
		mt := "application/json;charset=UTF-8"
		if f.mediaType != "" {
			mt = f.mediaType
		}
		w.Header().Set("Content-Type", mt)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	if c, err := r.Cookie("JSESSIONID"); err != nil || c.Value != vlFakeSession {
		reply(http.StatusUnauthorized, `{"error": "no_credentials", "error_description": "Full authentication is required to access this resource"}`)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/api/v1.0/contacts/")
	if !ok || r.Method != http.MethodPost {
		reply(http.StatusNotFound, `{"error": "not_found", "error_description": "no such route"}`)
		return
	}
	req := vlFakeRequest{id: id}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		req.multipart = true
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			f.t.Errorf("fake: multipart: %v", err)
		}
		if file, hdr, err := r.FormFile("imageFile"); err == nil {
			req.photo, _ = io.ReadAll(file)
			req.photoName = hdr.Filename
			file.Close()
		}
	} else if err := r.ParseForm(); err != nil {
		f.t.Errorf("fake: form: %v", err)
	}
	req.form = r.Form
	if f.answer != nil {
		if status, body, handled := f.answer(f, req); handled {
			reply(status, body)
			return
		}
	}
	reply(f.update(req))
}

// update is the spec's update: every field of the page's table sent is stored as sent, what the
// table does not list is ignored, a multipart photo gets a link of the page's shape, and
// lastUpdated moves to the time of the update, to the second.
func (f *vlFake) update(r vlFakeRequest) (int, string) {
	if r.id != "5" {
		return http.StatusNotFound, vlNotFound("contact", r.id)
	}
	if r.form.Get("customerId") != "3229" {
		return http.StatusNotFound, vlNotFound("customer", r.form.Get("customerId"))
	}
	changed := false
	for _, name := range []string{"firstName", "lastName", "fonction", "country", "city", "postalCode", "address", "email", "phone", "phone2", "mobile", "fax"} {
		if r.has(name) {
			changed = changed || f.contact[name] != r.form.Get(name)
			f.contact[name] = r.form.Get(name)
		}
	}
	if r.photo != nil {
		millis := f.now.UnixMilli()
		if f.fixedPhotoMillis != 0 {
			millis = f.fixedPhotoMillis
		}
		if f.photoMillisFromLastUpdated {
			last, err := time.Parse(time.RFC3339, f.contact["lastUpdated"].(string))
			if err != nil {
				f.t.Fatal(err)
			}
			millis = last.UnixMilli()
		}
		f.contact["photo"] = fmt.Sprintf("%s%d_%d_%s", f.photoBase, millis, len(r.photo), r.photoName)
	}
	if changed || !f.keepLastUpdated {
		f.contact["lastUpdated"] = f.now.Truncate(time.Second).Format(time.RFC3339)
	}
	return http.StatusOK, f.json()
}

func (f *vlFake) json() string {
	b, err := json.Marshal(f.contact)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

// vlCase is one way of answering a probe and the reading it must give.
type vlCase struct {
	name   string
	setup  func(f *vlFake)
	target func(t *Target)
	want   Reading
}

func runVLCases(t *testing.T, id string, cases []vlCase) {
	t.Helper()
	p := vlProbe(t, id)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newVLFake(t)
			if tc.setup != nil {
				tc.setup(f)
			}
			tg := f.target()
			if tc.target != nil {
				tc.target(tg)
			}
			got := p.Run(t.Context(), tg)
			if got.Reading != tc.want {
				t.Errorf("reading %s, want %s; evidence: %s", got.Reading, tc.want, got.Evidence)
			}
			vlCheckEvidence(t, got, vlFakeSession)
		})
	}
}

// vlCheckEvidence requires one non-empty line that shows no secret.
func vlCheckEvidence(t testing.TB, o Outcome, secrets ...string) {
	t.Helper()
	if o.Evidence == "" || strings.ContainsAny(o.Evidence, "\r\n") {
		t.Errorf("evidence must be one non-empty line: %q", o.Evidence)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(o.Evidence, s) {
			t.Errorf("evidence shows a secret: %s", o.Evidence)
		}
	}
}

func vlProbe(t testing.TB, id string) Probe {
	t.Helper()
	for _, p := range valomniaProbes {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no valomnia probe %q", id)
	return Probe{}
}

// answerWhen answers body with status for the requests match selects.
func vlAnswerWhen(match func(r vlFakeRequest) bool, status int, body string) func(f *vlFake) {
	return func(f *vlFake) {
		f.answer = func(_ *vlFake, r vlFakeRequest) (int, string, bool) {
			return status, body, match(r)
		}
	}
}

func vlSent(name, value string) func(r vlFakeRequest) bool {
	return func(r vlFakeRequest) bool { return r.has(name) && r.form.Get(name) == value }
}

func vlNotLong(s string) bool { _, err := strconv.ParseInt(s, 10, 64); return err != nil }

func TestValomniaContactIDType(t *testing.T) {
	runVLCases(t, "contact-id-type", []vlCase{
		{name: "spec: a reference with useExternalId, a Long without", want: Spec, setup: func(f *vlFake) {
			f.answer = func(_ *vlFake, r vlFakeRequest) (int, string, bool) {
				switch {
				case r.form.Get("useExternalId") == "true":
					return http.StatusNotFound, vlNotFound("contact", r.id), true
				case vlNotLong(r.id):
					return http.StatusBadRequest, vlBodyInvalidID, true
				}
				return 0, "", false
			}
		}},
		{name: "spec: the customer reference looked up first", want: Spec, setup: func(f *vlFake) {
			f.answer = func(_ *vlFake, r vlFakeRequest) (int, string, bool) {
				if r.form.Get("useExternalId") == "true" {
					return http.StatusNotFound, vlNotFound("customer", r.form.Get("customerId")), true
				}
				return http.StatusNotFound, vlNotFound("contact", r.id), vlNotLong(r.id)
			}
		}},
		{name: "page: the id is a Long whatever useExternalId says", want: Page,
			setup: vlAnswerWhen(func(r vlFakeRequest) bool { return vlNotLong(r.id) }, http.StatusBadRequest, vlBodyInvalidID)},
		{name: "neither: a server error", want: Neither,
			setup: vlAnswerWhen(func(vlFakeRequest) bool { return true }, http.StatusInternalServerError, vlBodyServerError)},
		{name: "neither: a server error without useExternalId", want: Neither, setup: func(f *vlFake) {
			f.answer = func(_ *vlFake, r vlFakeRequest) (int, string, bool) {
				if r.form.Get("useExternalId") == "true" {
					return http.StatusNotFound, vlNotFound("contact", r.id), true
				}
				return http.StatusInternalServerError, vlBodyServerError, true
			}
		}},
		{name: "neither: customerId refused although external", want: Neither,
			setup: vlAnswerWhen(func(vlFakeRequest) bool { return true }, http.StatusBadRequest, vlBodyInvalidCustomer)},
	})
}

func TestValomniaImageFileMediaType(t *testing.T) {
	runVLCases(t, "image-file-media-type", []vlCase{
		{name: "spec: only multipart stores the photo", want: Spec},
		{name: "page: a form's imageFile stores the photo too", want: Page, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				if !r.multipart && r.has("imageFile") {
					f.contact["photo"] = f.photoBase + "from-form.png"
				}
				return 0, "", false
			}
		}},
		{name: "page: a form's imageFile judged as a photo", want: Page, setup: vlAnswerWhen(func(r vlFakeRequest) bool {
			return !r.multipart && r.has("imageFile")
		}, http.StatusBadRequest, `{"error": "unsupported_file_type", "error_description": "image format not supported."}`)},
		{name: "neither: multipart ignores the photo", want: Neither, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				r.photo = nil
				s, b := f.update(r)
				return s, b, true
			}
		}},
		{name: "neither: the form is refused", want: Neither,
			setup: vlAnswerWhen(func(r vlFakeRequest) bool { return !r.multipart }, http.StatusUnsupportedMediaType, `{"error": "unsupported", "error_description": "form"}`)},
	})
}

func TestValomniaOperationMessages(t *testing.T) {
	for _, tc := range []struct {
		id, field, value, code, spec string
	}{
		{"email-error-operation-concatenation", "email", "not-an-email", "email_validation_error", vlBodyEmail},
		{"country-error-operation-concatenation", "country", "ZZ", "country_error", vlBodyCountry},
	} {
		t.Run(tc.id, func(t *testing.T) {
			// The page prints the text as "Failed to "+operation+" the contact : ..."; its tail
			// after the operation is the spec's tail.
			tail := tc.spec[strings.Index(tc.spec, " the contact : "):strings.LastIndex(tc.spec, `"`)]
			body := func(operation string) string {
				b, _ := json.Marshal(map[string]string{"error": tc.code, "error_description": "Failed to " + operation + tail})
				return string(b)
			}
			bad := vlSent(tc.field, tc.value)
			runVLCases(t, tc.id, []vlCase{
				{name: "spec: update substituted", want: Spec, setup: vlAnswerWhen(bad, http.StatusBadRequest, tc.spec)},
				{name: "page: the concatenation verbatim", want: Page, setup: vlAnswerWhen(bad, http.StatusBadRequest, body(`"+operation+"`))},
				{name: "page: another operation word", want: Page, setup: vlAnswerWhen(bad, http.StatusBadRequest, body("save"))},
				{name: "neither: the value accepted", want: Neither},
				{name: "neither: another message", want: Neither, setup: vlAnswerWhen(bad, http.StatusBadRequest,
					fmt.Sprintf(`{"error": %q, "error_description": "invalid value"}`, tc.code))},
				{name: "neither: another code", want: Neither, setup: vlAnswerWhen(bad, http.StatusBadRequest, vlBodyServerError)},
				{name: "neither: not served as JSON", want: Neither, setup: func(f *vlFake) {
					vlAnswerWhen(bad, http.StatusBadRequest, tc.spec)(f)
					f.mediaType = "text/html"
				}},
			})
		})
	}
}

func TestValomniaExceededFileSize(t *testing.T) {
	// The photo must be over both readings of the page's "2Mo".
	oversized := func(r vlFakeRequest) bool { return r.multipart && len(r.photo) > 2<<20 }
	runVLCases(t, "exceeded-file-size-malformed-json", []vlCase{
		{name: "spec: well-formed JSON", want: Spec, setup: vlAnswerWhen(oversized, http.StatusBadRequest, vlBodyTooLarge)},
		{name: "page: the page's body, unterminated", want: Page, setup: vlAnswerWhen(oversized, http.StatusBadRequest,
			"{\n\"error\": \"exceeded_file_size\",\n\"error_description\": \"image size should not exceed 2Mo\n}")},
		{name: "neither: a trailing period", want: Neither, setup: vlAnswerWhen(oversized, http.StatusBadRequest,
			`{"error": "exceeded_file_size", "error_description": "image size should not exceed 2Mo."}`)},
		{name: "neither: a proxy's 413", want: Neither, setup: vlAnswerWhen(oversized, http.StatusRequestEntityTooLarge, "<html>too large</html>")},
		{name: "neither: the photo stored", want: Neither},
	})
}

func TestValomniaNotFoundNamesCustomer(t *testing.T) {
	runVLCases(t, "not-found-names-customer", []vlCase{
		{name: "spec: each record its own wording", want: Spec},
		{name: "page: the customer's wording for the contact", want: Page, setup: func(f *vlFake) {
			f.answer = func(_ *vlFake, r vlFakeRequest) (int, string, bool) {
				return http.StatusNotFound, vlNotFound("customer", r.id), r.id != "5"
			}
		}},
		{name: "neither: the unknown customer ignored", want: Neither, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				return http.StatusOK, f.json(), r.id == "5"
			}
		}},
		{name: "neither: the customer's 404 names another id", want: Neither, setup: func(f *vlFake) {
			f.answer = func(_ *vlFake, r vlFakeRequest) (int, string, bool) {
				return http.StatusNotFound, vlNotFound("customer", "31888"), r.id == "5"
			}
		}},
		{name: "neither: a generic text for the contact", want: Neither, setup: func(f *vlFake) {
			f.answer = func(_ *vlFake, r vlFakeRequest) (int, string, bool) {
				return http.StatusNotFound, `{"error": "not_found", "error_description": "Not found."}`, r.id != "5"
			}
		}},
	})
}

func TestValomniaCustomerIDType(t *testing.T) {
	runVLCases(t, "customer-id-type", []vlCase{
		{name: "spec: invalid_param_type naming customerId", want: Spec,
			setup: vlAnswerWhen(func(r vlFakeRequest) bool { return vlNotLong(r.form.Get("customerId")) }, http.StatusBadRequest, vlBodyInvalidCustomer)},
		{name: "page: the text looked up as a customer", want: Page},
		{name: "page: the text found as a customer reference", want: Page, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				return http.StatusOK, f.json(), true
			}
		}},
		{name: "neither: a server error", want: Neither,
			setup: vlAnswerWhen(func(vlFakeRequest) bool { return true }, http.StatusInternalServerError, vlBodyServerError)},
		{name: "unsettled: the unknown contact answers first", want: Unsettled,
			target: func(t *Target) { delete(t.Fixtures, "CONTACT_ID") }},
	})
}

func TestValomniaCountryCodeFormat(t *testing.T) {
	// alpha2 is the spec's reading: two upper-case letters (of the ISO list; FR and ZZ suffice here).
	refuse := func(accept func(string) bool) func(f *vlFake) {
		return func(f *vlFake) {
			f.answer = func(_ *vlFake, r vlFakeRequest) (int, string, bool) {
				c := r.form.Get("country")
				return http.StatusBadRequest, vlBodyCountry, r.has("country") && !accept(c)
			}
		}
	}
	runVLCases(t, "country-code-format", []vlCase{
		{name: "spec: upper-case alpha-2, empty clears", want: Spec, setup: refuse(func(c string) bool { return c == "FR" || c == "" })},
		{name: "page: lower case accepted", want: Page, setup: refuse(func(c string) bool { return strings.EqualFold(c, "FR") || c == "" })},
		{name: "page: alpha-3 accepted", want: Page, setup: refuse(func(c string) bool { return c == "FR" || c == "FRA" || c == "" })},
		{name: "neither: empty refused", want: Neither, setup: refuse(func(c string) bool { return c == "FR" })},
		{name: "neither: FR refused", want: Neither, setup: refuse(func(c string) bool { return c == "" })},
		{name: "neither: empty keeps the country", want: Neither, setup: func(f *vlFake) {
			refuse(func(c string) bool { return c == "FR" || c == "" })(f)
			refused := f.answer
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				if r.has("country") && r.form.Get("country") == "" {
					return http.StatusOK, f.json(), true
				}
				return refused(f, r)
			}
		}},
	})
}

func TestValomniaResponseOnlyFields(t *testing.T) {
	runVLCases(t, "response-only-fields", []vlCase{
		{name: "spec: comment and isDecisionMaker kept", want: Spec},
		{name: "page: both settable", want: Page, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				if r.has("comment") {
					f.contact["comment"] = r.form.Get("comment")
					f.contact["isDecisionMaker"] = r.form.Get("isDecisionMaker") == "true"
				}
				return 0, "", false
			}
		}},
		{name: "page: comment settable only", want: Page, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				if r.has("comment") {
					f.contact["comment"] = r.form.Get("comment")
				}
				return 0, "", false
			}
		}},
		{name: "page: isDecisionMaker settable only", want: Page, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				if r.has("isDecisionMaker") {
					f.contact["isDecisionMaker"] = r.form.Get("isDecisionMaker") == "true"
				}
				return 0, "", false
			}
		}},
		{name: "neither: unknown parameters refused", want: Neither,
			setup: vlAnswerWhen(func(r vlFakeRequest) bool { return r.has("comment") }, http.StatusBadRequest,
				`{"error":"invalid_param_type","error_description": "The type of parameter comment you provided is not valid for this request."}`)},
		{name: "neither: comment cleared", want: Neither, setup: func(f *vlFake) {
			f.contact["comment"] = "a note"
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				if r.has("comment") {
					f.contact["comment"] = ""
				}
				return 0, "", false
			}
		}},
	})
}

func TestValomniaCountryEmptyInResponse(t *testing.T) {
	storeAs := func(answer string) func(f *vlFake) {
		return func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				s, b := f.update(r)
				f.contact["country"] = answer
				if s == http.StatusOK {
					b = f.json()
				}
				return s, b, true
			}
		}
	}
	runVLCases(t, "country-empty-in-response", []vlCase{
		{name: "spec: FR answered", want: Spec},
		{name: "page: always empty, as in the example", want: Page, setup: storeAs("")},
		{name: "neither: a country name", want: Neither, setup: storeAs("France")},
		{name: "neither: refused", want: Neither, setup: vlAnswerWhen(vlSent("country", "FR"), http.StatusBadRequest, vlBodyCountry)},
	})
}

func TestValomniaPhotoBaseURL(t *testing.T) {
	runVLCases(t, "photo-base-url-placeholder", []vlCase{
		{name: "spec: the page's BASE_URL link verbatim", want: Spec},
		{name: "spec: host-relative", want: Spec, setup: func(f *vlFake) { f.photoBase = "/entity1-1450169988465/photoContact/" }},
		{name: "page: BASE_URL is the host", want: Page, setup: func(f *vlFake) {
			f.photoBase = "https://entity1.valomnia.com/entity1-1450169988465/photoContact/"
		}},
		{name: "page: scheme-relative", want: Page, setup: func(f *vlFake) {
			f.photoBase = "//files.valomnia.com/entity1-1450169988465/photoContact/"
		}},
		{name: "neither: no photo stored", want: Neither, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				f.contact["photo"] = nil
				r.photo = nil
				s, b := f.update(r)
				return s, b, true
			}
		}},
	})
}

func TestValomniaPhotoNewerThanLastUpdated(t *testing.T) {
	// The fake's clock moves 1.5 s per request, so the probe need not wait.
	gap := vlUpdateGap
	vlUpdateGap = 0
	t.Cleanup(func() { vlUpdateGap = gap })
	runVLCases(t, "photo-newer-than-last-updated", []vlCase{
		{name: "spec: every update moves lastUpdated", want: Spec},
		{name: "page: storing a photo leaves lastUpdated", want: Page, setup: func(f *vlFake) { f.keepLastUpdated = true }},
		{name: "neither: the photo's number is not the upload time", want: Neither, setup: func(f *vlFake) {
			f.fixedPhotoMillis = 1471508040029 // the page's
		}},
		{name: "neither: the photo named after the old lastUpdated", want: Neither, setup: func(f *vlFake) {
			f.keepLastUpdated, f.photoMillisFromLastUpdated = true, true
			f.contact["firstName"] = "Marie-Louise" // so the first update moves lastUpdated to now
		}},
		{name: "neither: the vendor's clock an hour ahead", want: Neither, setup: func(f *vlFake) { f.now = f.now.Add(time.Hour) }},
		{name: "neither: no number in the file name", want: Neither, setup: func(f *vlFake) {
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				s, b := f.update(r)
				if r.photo != nil {
					f.contact["photo"] = f.photoBase + "marie_schrader.png"
					b = f.json()
				}
				return s, b, true
			}
		}},
	})
}

// TestValomniaReadOnlyProbesSpareTheFixture: without --allow-mutations, a probe that does not
// mutate never addresses the fixture contact, even when the vendor accepts every update (which a
// vendor following neither reading may do).
func TestValomniaReadOnlyProbesSpareTheFixture(t *testing.T) {
	for _, p := range valomniaProbes {
		if p.Mutates {
			continue
		}
		t.Run(p.ID, func(t *testing.T) {
			f := newVLFake(t)
			var ids []string
			f.answer = func(f *vlFake, r vlFakeRequest) (int, string, bool) {
				ids = append(ids, r.id)
				return http.StatusOK, f.json(), true
			}
			tg := f.target()
			tg.AllowMutations = false
			got := p.Run(t.Context(), tg)
			if len(ids) == 0 {
				t.Fatalf("sent nothing: %s", got.Evidence)
			}
			for _, id := range ids {
				if id == tg.Fixtures["CONTACT_ID"] {
					t.Errorf("updated the fixture contact %s without mutations allowed: %s", id, got.Evidence)
				}
			}
		})
	}
}

// TestValomniaProbesNeedMutationsAndFixtures: a probe that may write sends nothing unless
// mutations are allowed and both fixture records are named; one that cannot write runs anyway.
func TestValomniaProbesNeedMutationsAndFixtures(t *testing.T) {
	for _, p := range valomniaProbes {
		for _, tc := range []struct {
			name  string
			setup func(t *Target)
		}{
			{"mutations not allowed", func(t *Target) { t.AllowMutations = false }},
			{"no contact fixture", func(t *Target) { delete(t.Fixtures, "CONTACT_ID") }},
			{"no customer fixture", func(t *Target) { delete(t.Fixtures, "CUSTOMER_ID") }},
		} {
			t.Run(p.ID+"/"+tc.name, func(t *testing.T) {
				f := newVLFake(t)
				tg := f.target()
				tc.setup(tg)
				got := p.Run(t.Context(), tg)
				if !p.Mutates {
					if f.requests == 0 {
						t.Errorf("a read-only probe sent nothing: %s", got.Evidence)
					}
					return
				}
				if got.Reading != Unsettled || f.requests != 0 {
					t.Errorf("reading %s after %d requests, want unsettled before any: %s", got.Reading, f.requests, got.Evidence)
				}
				vlCheckEvidence(t, got)
			})
		}
	}
}

// TestValomniaProbesUnsettledOnFailures: a transport failure or a refused session decides nothing.
func TestValomniaProbesUnsettledOnFailures(t *testing.T) {
	for _, p := range valomniaProbes {
		t.Run(p.ID+"/connection refused", func(t *testing.T) {
			tg := newVLFake(t).target()
			srv := httptest.NewServer(http.NotFoundHandler())
			tg.BaseURL = srv.URL
			srv.Close()
			if got := p.Run(t.Context(), tg); got.Reading != Unsettled {
				t.Errorf("reading %s, want unsettled: %s", got.Reading, got.Evidence)
			}
		})
		t.Run(p.ID+"/session refused", func(t *testing.T) {
			tg := newVLFake(t).target()
			tg.Authorize = nil
			got := p.Run(t.Context(), tg)
			if got.Reading != Unsettled || !strings.Contains(got.Evidence, "401") {
				t.Errorf("reading %s, want unsettled with the 401: %s", got.Reading, got.Evidence)
			}
		})
	}
}

func TestValomniaPaddedPNG(t *testing.T) {
	b := vlPaddedPNG(vlOversized)
	if len(b) != vlOversized {
		t.Fatalf("%d bytes, want %d", len(b), vlOversized)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("not a valid PNG: %v", err)
	}
	if got := http.DetectContentType(b); got != "image/png" {
		t.Fatalf("sniffed as %s", got)
	}
}

// vlCookieRecorder notes the session cookies a target sends, so the test can check that no
// evidence shows one.
type vlCookieRecorder struct {
	mu   sync.Mutex
	seen []string
	next http.RoundTripper
}

func (c *vlCookieRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	for _, k := range r.Cookies() {
		c.seen = append(c.seen, k.Value)
	}
	c.mu.Unlock()
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		for _, k := range resp.Cookies() {
			c.mu.Lock()
			c.seen = append(c.seen, k.Value)
			c.mu.Unlock()
		}
	}
	return resp, err
}

// TestValomniaProbesOnMock runs every probe against the Valomnia mock, which follows the spec by
// construction: with mutations allowed each must read Spec; without, the mutating ones must be
// Unsettled and the others still Spec.
func TestValomniaProbesOnMock(t *testing.T) {
	for _, allow := range []bool{true, false} {
		for _, p := range valomniaProbes {
			t.Run(fmt.Sprintf("%s/mutations=%v", p.ID, allow), func(t *testing.T) {
				tg := mockTarget(t, specs.Valomnia, allow)
				rec := &vlCookieRecorder{next: tg.HTTP.Transport}
				if rec.next == nil {
					rec.next = http.DefaultTransport
				}
				client := *tg.HTTP
				client.Transport = rec
				tg.HTTP = &client
				got := p.Run(t.Context(), tg)
				want := Spec
				if p.Mutates && !allow {
					want = Unsettled
				}
				if got.Reading != want {
					t.Errorf("reading %s, want %s: %s", got.Reading, want, got.Evidence)
				}
				vlCheckEvidence(t, got, rec.seen...)
			})
		}
	}
}

// TestValomniaRunOnMock runs the vendor through Run, as drift probe does: every discrepancy of
// the spec ends Spec on the mock with mutations allowed.
func TestValomniaRunOnMock(t *testing.T) {
	findings, counts, err := Run(t.Context(), mockTarget(t, specs.Valomnia, true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if counts[Spec] != len(valomniaProbes) || len(findings) != len(valomniaProbes)+len(valomniaUnsettleable) {
		t.Errorf("counts %v over %d findings, want %d spec", counts, len(findings), len(valomniaProbes))
	}
}
