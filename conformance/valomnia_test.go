package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/framework"
	mockvalomnia "github.com/contactapis/contactapis/conformance/mock/valomnia"
	"github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
	"github.com/contactapis/contactapis/vendors"
)

// Rules of the Valomnia page, and of the public material the spec cites for the login
// (shared/vendor-docs/README.md), that no catalogue entry, status or example names.
var (
	vlRuleSessionLogin = framework.RegisterRule(specs.Valomnia, "session-login",
		"shared/vendor-docs/README.md: Valomnia, Auth (public material); specs/valomnia.yaml operations login and loginSuccess",
		"POST /j_spring_security_check at the host root answers 302 to /login/ajaxSuccess, whose JSON carries the token sent as the JSESSIONID cookie on API calls; the typed client logs in by itself")
	vlRuleClientLogins = framework.RegisterRule(specs.Valomnia, "login-as-public-clients-send-it",
		"specs/valomnia.yaml: operations login, loginWithGet and loginSuccessPost, x-evidence (Valomnia/Valomnia-Mulesoft ConnectorConfig.java; aicha-mkr/valomnia2 app/Models/User.php)",
		"the login's fields are read from the query string as from a form body, by POST or GET; the redirect's Location is absolute and its first Set-Cookie is JSESSIONID=<id>; the token page answers POST as GET and carries the user (x-assumed)")
	vlRuleSessionRequired = framework.RegisterRule(specs.Valomnia, "session-required",
		"shared/vendor-docs/README.md: Valomnia, Auth (an expired or missing session answers no_credentials)",
		"an API call without an open session (no cookie, an unknown token, an ended session) answers no_credentials")
	vlRuleClientRelogin = framework.RegisterRule(specs.Valomnia, "client-relogin",
		"shared/vendor-docs/README.md: Valomnia, Auth; gen/valomnia ContactsClient.UpdateContact",
		"the typed client logs in again, once, when the vendor answers no_credentials for its session")
	vlRuleExternalIDs = framework.RegisterRule(specs.Valomnia, "external-ids",
		"valomnia-update-contact.txt: Parameters, rows id, customerId and useExternalId",
		"useExternalId=true makes the path id and customerId the caller's own references (strings); without it they are Valomnia's numeric ids")
	vlRuleMediaTypes = framework.RegisterRule(specs.Valomnia, "form-or-multipart",
		"valomnia-update-contact.txt: Request content type",
		"the update accepts application/x-www-form-urlencoded and multipart/form-data bodies alike")
	vlRulePhotoUpload = framework.RegisterRule(specs.Valomnia, "photo-upload",
		"valomnia-update-contact.txt: Parameters, row imageFile; Success Output (photo, lastUpdated)",
		"a JPEG, GIF, PNG or BMP photo sent as the multipart part imageFile, its format judged from its bytes, becomes the contact's photo link and moves lastUpdated")
	vlRuleOmittedKept = framework.RegisterRule(specs.Valomnia, "omitted-fields-kept",
		"specs/valomnia.yaml: ContactUpdate x-assumed (the page does not say)",
		"optional fields left out of an update keep their stored value")
	vlRuleWholeContact = framework.RegisterRule(specs.Valomnia, "whole-contact-answer",
		"valomnia-update-contact.txt: Description and Success Output",
		"a successful update answers the whole updated contact, every property of the page's success example")
	vlRuleMalformedInput = framework.RegisterRule(specs.Valomnia, "malformed-input-refused",
		"valomnia-update-contact.txt: Failure Output (the vendor's JSON error format); input the page does not describe",
		"a malformed, mistyped, oversized or non-UTF-8 update body, or one of unknown fields only, is refused with a 4xx in the vendor's JSON error format and changes nothing")
)

const vlOp = "updateContact"

// vlSpec is the embedded spec, read while the tree is built: which fields are required and which
// statuses and examples exist decide which specs are declared. Values checked at run time come
// from the target's copy (v.Doc(), v.Entry).
var vlSpec = specs.MustLoad(specs.Valomnia)

// vlStatus is the documented status of a catalogue entry, for a spec's Covers.
func vlStatus(id string) int {
	cat, err := specs.ReadCatalogue(vlSpec)
	if err != nil {
		panic(err)
	}
	e, ok := cat.ByID(id)
	if !ok {
		panic("valomnia has no catalogue entry " + id)
	}
	return e.Status
}

// vlFixtures are the records specs update: the user's on a live target, the page's contact 5 and
// customer 3229 on the mocks.
type vlFixtures struct{ contact, customer string }

// vlFile is one file part of a multipart update.
type vlFile struct {
	filename, contentType string
	data                  []byte
}

// vlSession says how a raw request is authenticated.
type vlSession int

const (
	vlAuthorized vlSession = iota // the framework's login (v.Authorize)
	vlNoCookie                    // no JSESSIONID at all
	vlToken                       // the given token
)

// vlUpdate is a raw update request.
type vlUpdate struct {
	id        string
	fields    [][2]string // in wire order
	multipart bool
	photo     *vlFile // multipart imageFile part
	// contentType and body replace the encoded fields when body is set.
	contentType string
	body        []byte
	session     vlSession
	token       string
}

func (u vlUpdate) encode() (string, []byte) {
	if u.body != nil {
		return u.contentType, u.body
	}
	if !u.multipart && u.photo == nil {
		pairs := make([]string, 0, len(u.fields))
		for _, f := range u.fields {
			pairs = append(pairs, url.QueryEscape(f[0])+"="+url.QueryEscape(f[1]))
		}
		return "application/x-www-form-urlencoded", []byte(strings.Join(pairs, "&"))
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range u.fields {
		Expect(w.WriteField(f[0], f[1])).To(Succeed())
	}
	if u.photo != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="imageFile"; filename=%q`, u.photo.filename))
		h.Set("Content-Type", u.photo.contentType)
		p, err := w.CreatePart(h)
		Expect(err).NotTo(HaveOccurred())
		_, err = p.Write(u.photo.data)
		Expect(err).NotTo(HaveOccurred())
	}
	Expect(w.Close()).To(Succeed())
	return w.FormDataContentType(), buf.Bytes()
}

// vlSend sends a raw update through the checking transport.
func vlSend(ctx context.Context, v *framework.Vendor, u vlUpdate) (*http.Response, []byte) {
	ct, body := u.encode()
	r := v.NewRequest(ctx, http.MethodPost, "/contacts/"+url.PathEscape(u.id), ct, body)
	switch u.session {
	case vlAuthorized:
		v.Authorize(ctx, r)
	case vlToken:
		r.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: u.token})
	}
	return v.Do(r)
}

// vlFields builds wire pairs; a later pair with the same name replaces an earlier one, a nil
// value (from vlDrop) removes it.
func vlFields(base [][2]string, changes ...[2]string) [][2]string {
	out := slices.Clone(base)
	for _, c := range changes {
		i := slices.IndexFunc(out, func(f [2]string) bool { return f[0] == c[0] })
		switch {
		case c[1] == vlDropValue && i >= 0:
			out = slices.Delete(out, i, i+1)
		case c[1] == vlDropValue:
		case i >= 0:
			out[i] = c
		default:
			out = append(out, c)
		}
	}
	return out
}

const vlDropValue = "\x00drop"

func vlDrop(name string) [2]string { return [2]string{name, vlDropValue} }

// vlRequired is what every update must carry: names and the customer.
func vlRequired(fx vlFixtures) [][2]string {
	return [][2]string{{"firstName", "Marie"}, {"lastName", "Schrader"}, {"customerId", fx.customer}}
}

// vlRoot is the tenant's host root (the base URL without /api/{version}), where the login lives.
func vlRoot(v *framework.Vendor) *url.URL {
	u, err := url.Parse(v.BaseURL())
	Expect(err).NotTo(HaveOccurred())
	m := regexp.MustCompile(`^(.*)/api/[^/]+/?$`).FindStringSubmatch(u.Path)
	Expect(m).NotTo(BeNil(), "the base URL must end in /api/{version}")
	u.Path, u.RawPath = m[1], ""
	return u
}

// vlRootRequest builds a raw request to a path at the host root (the login and its token page).
func vlRootRequest(ctx context.Context, v *framework.Vendor, method, path string, form url.Values) *http.Request {
	var body []byte
	if form != nil {
		body = []byte(form.Encode())
	}
	r, err := http.NewRequestWithContext(ctx, method, vlRoot(v).String()+path, bytes.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r
}

// vlMockLogin runs the raw login flow with the configured user (the framework builds the login,
// so the credentials are not exposed to specs) and returns the login's and the token page's
// answers and the token.
func vlMockLogin(ctx context.Context, v *framework.Vendor) (login *http.Response, page *http.Response, token string) {
	login, _ = v.Do(v.ValomniaLoginRequest(ctx))
	Expect(login.StatusCode).To(Equal(http.StatusFound), "login status")
	loc, err := login.Location()
	Expect(err).NotTo(HaveOccurred(), "login Location")
	next, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	Expect(err).NotTo(HaveOccurred())
	for _, c := range login.Cookies() {
		next.AddCookie(c)
	}
	page, body := v.Do(next)
	Expect(page.StatusCode).To(Equal(http.StatusOK), "token page status")
	var answer valomnia.LoginSuccess
	Expect(json.Unmarshal(body, &answer)).To(Succeed(), "token page body")
	return login, page, answer.Token
}

// vlMediaType is the media type the spec declares for a status of an operation (root entries:
// of updateContact, the one API operation they answer).
func vlMediaType(v *framework.Vendor, op string, status int) string {
	if op == "" {
		op = vlOp
	}
	for _, o := range specs.Operations(v.Doc()) {
		if o.Operation.OperationID != op {
			continue
		}
		r := o.Operation.Responses.Status(status)
		Expect(r).NotTo(BeNil(), "%s declares no %d", op, status)
		types := slices.Collect(maps.Keys(r.Value.Content))
		Expect(types).To(HaveLen(1), "%s %d media types", op, status)
		return types[0]
	}
	Fail("no operation " + op)
	return ""
}

// vlExpectEntry checks an answer against a catalogue entry: status, media type, code and the
// entry's message rendered with args.
func vlExpectEntry(v *framework.Vendor, resp *http.Response, body []byte, id string, args map[string]string) {
	e := v.Entry(id)
	want, err := e.Render(args)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(e.Status), "status")
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	Expect(err).NotTo(HaveOccurred(), "Content-Type")
	Expect(mt).To(Equal(vlMediaType(v, e.OperationID, e.Status)), "media type")
	var eb valomnia.ErrorBody
	Expect(json.Unmarshal(body, &eb)).To(Succeed(), "error body")
	Expect(eb.Error).To(Equal(e.Code), "error code")
	Expect(eb.ErrorDescription).To(Equal(want), "error_description")
}

// vlExpectContact decodes a 200 answer.
func vlExpectContact(resp *http.Response, body []byte) valomnia.Contact {
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "status")
	var c valomnia.Contact
	Expect(json.Unmarshal(body, &c)).To(Succeed(), "contact")
	return c
}

// vlData is the mock's data set, without the count of open sessions (logins are not data).
func vlData(ctx context.Context, v *framework.Vendor) map[string]any {
	raw, err := v.Admin().State(ctx)
	Expect(err).NotTo(HaveOccurred())
	var st map[string]any
	Expect(json.Unmarshal(raw, &st)).To(Succeed())
	delete(st, "openSessions")
	return st
}

// vlMockState is the part of the mock's state the specs read: its contacts are records of the
// spec's Contact schema, which the mock's admin state shows as they are stored.
type vlMockState struct {
	Contacts     []valomnia.Contact `json:"contacts"`
	OpenSessions int                `json:"openSessions"`
}

// vlState is the mock's whole state.
func vlState(ctx context.Context, v *framework.Vendor) vlMockState {
	raw, err := v.Admin().State(ctx)
	Expect(err).NotTo(HaveOccurred())
	var st vlMockState
	Expect(json.Unmarshal(raw, &st)).To(Succeed())
	return st
}

// vlStored is the stored contact with a Valomnia id.
func vlStored(st vlMockState, id string) valomnia.Contact {
	n, err := strconv.ParseInt(id, 10, 64)
	Expect(err).NotTo(HaveOccurred(), "mock contact id")
	i := slices.IndexFunc(st.Contacts, func(c valomnia.Contact) bool { return c.ID == n })
	Expect(i).To(BeNumerically(">=", 0), "contact %s in the mock", id)
	return st.Contacts[i]
}

// vlRead is contact id as the vendor stores it, read through its own getContact on every target.
func vlRead(ctx context.Context, v *framework.Vendor, id string) valomnia.Contact {
	c, err := v.Valomnia().GetContact(ctx, id)
	Expect(err).NotTo(HaveOccurred(), "read contact %s (getContact)", id)
	return *c
}

// vlSnapshot is what a refused update must leave as it was: the mock's whole data set where the
// target has the admin API, else the named contact as the vendor's own read shows it.
func vlSnapshot(ctx context.Context, v *framework.Vendor, fx vlFixtures) any {
	if v.HasAdmin() {
		return vlData(ctx, v)
	}
	return vlRead(ctx, v, fx.contact)
}

// vlFormFields are the update form's text properties the contact stores under their own names
// (customerId names the customer, useExternalId how ids read): read from the spec, so a property
// added to ContactUpdate is restored with no Go change.
func vlFormFields() []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(vlSpec.Components.Schemas["ContactUpdate"].Value.Properties)) {
		if name != "customerId" && name != "useExternalId" {
			out = append(out, name)
		}
	}
	return out
}

// vlRestorable is what a write-back can give a contact again: every form field as the vendor
// answers it (one it leaves out as empty: a form can only send a field empty) and the customer.
// Not lastUpdated, which every write moves, nor the photo, which no update removes.
func vlRestorable(c valomnia.Contact) map[string]any {
	m := asJSONObject(c)
	delete(m, "lastUpdated")
	delete(m, "photo")
	for _, name := range vlFormFields() {
		if m[name] == nil {
			m[name] = ""
		}
	}
	return m
}

// vlWriteBack is the update that gives a contact its stored form fields and customer again.
func vlWriteBack(c valomnia.Contact) [][2]string {
	m := asJSONObject(c)
	Expect(c.Customer.ID).NotTo(BeNil(), "contact %d's customer id", c.ID)
	fields := [][2]string{{"customerId", strconv.FormatInt(*c.Customer.ID, 10)}}
	for _, name := range vlFormFields() {
		val, _ := m[name].(string)
		fields = append(fields, [2]string{name, val})
	}
	return fields
}

// vlRestoreAfter registers a cleanup that leaves contact id as it was before the spec, also when
// the spec fails: on a target whose records outlive the run (url, live) it reads the contact
// through getContact now and, after the spec, writes back every form field and the customer when
// they changed. On a tools/mockserver (admin API) every spec starts from the fixtures, so the
// cleanup resets the mock again, which also undoes what mock-only specs change.
func vlRestoreAfter(ctx context.Context, v *framework.Vendor, id string) {
	framework.RestoreAfter(ctx, v, "contact "+id, func(ctx context.Context) valomnia.Contact { return vlRead(ctx, v, id) },
		func(c valomnia.Contact) any { return vlRestorable(c) },
		func(ctx context.Context, before valomnia.Contact) error {
			if resp, body := vlSend(ctx, v, vlUpdate{id: id, fields: vlWriteBack(before)}); resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: %s", resp.Status, body)
			}
			return nil
		})
}

// vlPhotoContact is the contact photo specs upload to, as the vendor stores it. No update removes
// a photo, so where records outlive the run without the admin API's reset (a url target without
// it, live) it must be a contact the user gives up for photos
// (CONTACTAPIS_VALOMNIA_PHOTO_CONTACT_ID), and the spec is skipped when none is named; its other
// fields are restored after the spec. On the mocks it is contact 6 (no photo in the fixtures).
func vlPhotoContact(ctx context.Context, v *framework.Vendor) (string, valomnia.Contact) {
	id, named := v.FixtureSet("PHOTO_CONTACT_ID")
	if !named {
		if !v.HasAdmin() {
			Skip("no update removes a photo: name a contact photo specs may change with CONTACTAPIS_VALOMNIA_PHOTO_CONTACT_ID")
		}
		id = vlMockPhotoContact
	}
	if v.Target() != framework.Embedded {
		vlRestoreAfter(ctx, v, id)
	}
	return id, vlRead(ctx, v, id)
}

// vlMockPhotoContact is the mocks' contact that photo specs change.
const vlMockPhotoContact = "6"

// vlKeepNames is an update that changes nothing of c but what it adds: its names and customer.
func vlKeepNames(c valomnia.Contact) valomnia.ContactUpdate {
	Expect(c.Customer.ID).NotTo(BeNil(), "contact %d's customer id", c.ID)
	return valomnia.ContactUpdate{FirstName: c.FirstName, LastName: c.LastName, CustomerID: strconv.FormatInt(*c.Customer.ID, 10)}
}

// vlImages are one tiny image per format the page accepts, built by the standard library (BMP by
// hand: a 1x1 24-bit bitmap).
func vlImages() map[string][]byte {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	var p, j, g bytes.Buffer
	Expect(png.Encode(&p, img)).To(Succeed())
	Expect(jpeg.Encode(&j, img, nil)).To(Succeed())
	Expect(gif.Encode(&g, img, nil)).To(Succeed())
	bmp := make([]byte, 58)
	copy(bmp, "BM")
	le := func(b []byte, n uint32) { b[0], b[1], b[2], b[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24) }
	le(bmp[2:], 58)  // file size
	le(bmp[10:], 54) // pixel data offset
	le(bmp[14:], 40) // BITMAPINFOHEADER
	le(bmp[18:], 1)  // width
	le(bmp[22:], 1)  // height
	bmp[26], bmp[28] = 1, 24
	le(bmp[34:], 4) // pixel data size, row padded to 4 bytes
	return map[string][]byte{"png": p.Bytes(), "jpeg": j.Bytes(), "gif": g.Bytes(), "bmp": bmp}
}

// vlOversizedPNG is a PNG signature padded past both readings of the page's "2Mo" (2,000,000 and
// 2,097,152 bytes) but within the mock's body cap.
func vlOversizedPNG() []byte {
	b := make([]byte, 2_100_000)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

// vlNotAnImage is a PDF: a file type the page does not accept.
var vlNotAnImage = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// vlClockSkew bounds how far a live vendor's clock may lag the suite's when lastUpdated is
// compared with the time of the call.
const vlClockSkew = 2 * time.Minute

var _ = Describe("valomnia", func() {
	v := framework.NewVendor(specs.Valomnia)
	var fx vlFixtures
	BeforeEach(func(ctx SpecContext) {
		fx = vlFixtures{contact: v.Fixture("CONTACT_ID", "5"), customer: v.Fixture("CUSTOMER_ID", "3229")}
		// A mutating spec on a target whose state outlives the run (a url target, live) leaves
		// the named contact as it found it, also when it fails: the embedded mocks are thrown away.
		if v.Target() != framework.Embedded && v.MayMutate() && slices.Contains(CurrentSpecReport().Labels(), string(framework.Mutating)) {
			vlRestoreAfter(ctx, v, fx.contact)
		}
	})
	ptr := func(s string) *string { return &s }

	Describe("the session login", func() {
		v.ConformanceIt(framework.Spec{
			Must:      "the login MUST answer 302 to the token page, whose token MUST open API calls as the JSESSIONID cookie",
			Operation: "login",
			Covers: []string{vlRuleSessionLogin, framework.StatusID("login", http.StatusFound),
				framework.StatusID("loginSuccess", http.StatusOK), framework.StatusID(vlOp, http.StatusOK)},
			// The mocks' own test user: specs cannot read the configured credentials.
			Labels: []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			login, page, token := vlMockLogin(ctx, v)
			loc, err := login.Location()
			Expect(err).NotTo(HaveOccurred())
			Expect(loc.Host).To(Equal(vlRoot(v).Host), "redirect host")
			Expect(loc.Path).To(Equal(vlRoot(v).Path+"/login/ajaxSuccess"), "redirect target")
			Expect(login.Cookies()).To(ContainElement(HaveField("Name", "JSESSIONID")), "session cookie")
			mt, _, _ := mime.ParseMediaType(page.Header.Get("Content-Type"))
			Expect(mt).To(Equal(vlMediaType(v, "loginSuccess", http.StatusOK)))
			Expect(token).NotTo(BeEmpty(), "token")

			resp, body := vlSend(ctx, v, vlUpdate{id: fx.contact, fields: vlRequired(fx), session: vlToken, token: token})
			c := vlExpectContact(resp, body)
			Expect(strconv.FormatInt(c.ID, 10)).To(Equal(fx.contact))
		})

		v.ConformanceIt(framework.Spec{
			Must:      "the token page MUST answer the token of the session the login opened, and API calls with it MUST pass authentication",
			Operation: "loginSuccess",
			Covers: []string{vlRuleSessionLogin, framework.StatusID("loginSuccess", http.StatusOK),
				framework.CatalogueID("missing-param"), framework.StatusID(vlOp, http.StatusBadRequest)},
			// The API call lacks firstName on purpose, so that nothing is written.
			Labels: []framework.Label{framework.LiveSafe, framework.Negative},
		}, func(ctx SpecContext) {
			// Authorize runs the raw flow (form post, 302, token page) through the checking transport.
			probe := v.NewRequest(ctx, http.MethodPost, "/contacts/"+fx.contact, "", nil)
			v.Authorize(ctx, probe)
			cookie, err := probe.Cookie("JSESSIONID")
			Expect(err).NotTo(HaveOccurred())
			Expect(cookie.Value).NotTo(BeEmpty())

			page := vlRootRequest(ctx, v, http.MethodGet, "/login/ajaxSuccess", nil)
			page.AddCookie(cookie)
			resp, body := v.Do(page)
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
			var answer valomnia.LoginSuccess
			Expect(json.Unmarshal(body, &answer)).To(Succeed())
			Expect(answer.Token).To(Equal(cookie.Value), "token of the open session")

			resp, body = vlSend(ctx, v, vlUpdate{id: fx.contact, fields: vlFields(vlRequired(fx), vlDrop("firstName")),
				session: vlToken, token: answer.Token})
			vlExpectEntry(v, resp, body, "missing-param", map[string]string{"param": "firstName"})
		})

		v.ConformanceIt(framework.Spec{
			Must:      "the typed client MUST log in by itself and update the contact",
			Operation: vlOp,
			Covers:    []string{vlRuleSessionLogin, framework.StatusID(vlOp, http.StatusOK)},
			Labels:    []framework.Label{framework.Mutating},
		}, func(ctx SpecContext) {
			c, err := v.Valomnia().UpdateContact(ctx, fx.contact, valomnia.ContactUpdate{
				FirstName: "Marie", LastName: "Schrader-Conformance", CustomerID: fx.customer, City: ptr("Albuquerque"),
			}, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(strconv.FormatInt(c.ID, 10)).To(Equal(fx.contact))
			Expect(c.FirstName).To(Equal("Marie"))
			Expect(c.LastName).To(Equal("Schrader-Conformance"))
			Expect(c.City).To(HaveValue(Equal("Albuquerque")))
			Expect(c.Customer.ID).To(HaveValue(Equal(vlInt(fx.customer))))
		})

		v.ConformanceIt(framework.Spec{
			Must:      "an update through the typed client MUST be stored as answered, in one session the client opened",
			Operation: vlOp,
			Covers:    []string{vlRuleSessionLogin, framework.StatusID(vlOp, http.StatusOK)},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			Expect(vlState(ctx, v).OpenSessions).To(BeZero(), "sessions after the reset")
			c, err := v.Valomnia().UpdateContact(ctx, fx.contact, valomnia.ContactUpdate{
				FirstName: "Marie", LastName: "Schrader-Conformance", CustomerID: fx.customer, Phone: ptr("+33 1 23 45 67 89"),
			}, nil)
			Expect(err).NotTo(HaveOccurred())
			st := vlState(ctx, v)
			Expect(st.OpenSessions).To(Equal(1), "the client's own session")
			stored := vlStored(st, fx.contact)
			Expect(stored.LastName).To(Equal(c.LastName))
			Expect(stored.Phone).To(Equal(c.Phone))
			Expect(stored.Customer.ID).To(Equal(c.Customer.ID))
			Expect(stored.LastUpdated.Equal(*c.LastUpdated)).To(BeTrue(), "lastUpdated")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "the typed client MUST log in again once when its session has ended",
			Operation: vlOp,
			Covers:    []string{vlRuleClientRelogin, framework.StatusID(vlOp, http.StatusOK)},
			Labels:    []framework.Label{framework.Mutating, framework.MockOnly},
		}, func(ctx SpecContext) {
			update := valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: fx.customer}
			_, err := v.Valomnia().UpdateContact(ctx, fx.contact, update, nil)
			Expect(err).NotTo(HaveOccurred())
			// A reset ends every session; the client's next call gets no_credentials first.
			Expect(v.Admin().Reset(ctx)).To(Succeed())
			Expect(vlState(ctx, v).OpenSessions).To(BeZero())
			_, err = v.Valomnia().UpdateContact(ctx, fx.contact, update, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(vlState(ctx, v).OpenSessions).To(Equal(1), "exactly one new login")
		})
	})

	Describe("the login as public clients send it (spec x-evidence)", func() {
		// expectRedirect checks a successful login as both public clients read it: an absolute
		// Location to the token page on the host called (the connector posts to it as given), and
		// a first Set-Cookie of JSESSIONID=<id>; (the connector cuts the id from index 11 to the
		// first ";", the PHP client matches ^Set-Cookie:\s*JSESSIONID=([^;]+)). It returns the id.
		expectRedirect := func(login *http.Response) string {
			Expect(login.StatusCode).To(Equal(http.StatusFound), "login status")
			loc, err := url.Parse(login.Header.Get("Location"))
			Expect(err).NotTo(HaveOccurred(), "Location")
			Expect(loc.IsAbs()).To(BeTrue(), "Location %q is absolute", loc)
			Expect(loc.Host).To(Equal(vlRoot(v).Host), "redirect host")
			Expect(loc.Path).To(Equal(vlRoot(v).Path+"/login/ajaxSuccess"), "redirect target")
			first := login.Header.Get("Set-Cookie")
			Expect(first).To(MatchRegexp(`^JSESSIONID=[^;]+;`), "first Set-Cookie")
			return first[len("JSESSIONID="):strings.Index(first, ";")]
		}
		// tokenPage reads the token page with method and the session cookie, as each client does.
		tokenPage := func(ctx context.Context, method, loc, session string) (*http.Response, []byte) {
			r, err := http.NewRequestWithContext(ctx, method, loc, nil)
			Expect(err).NotTo(HaveOccurred())
			if method == http.MethodPost {
				r.Header.Set("Content-Type", "application/json;charset=UTF-8")
			}
			r.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: session})
			return v.Do(r)
		}

		v.ConformanceIt(framework.Spec{
			Must:      "a body-less POST login with the fields in the query string MUST answer 302, and the token page read with POST MUST answer the session's token on its first line",
			Operation: "loginSuccessPost",
			Covers: []string{vlRuleClientLogins, framework.StatusID("login", http.StatusFound),
				framework.StatusID("loginSuccessPost", http.StatusOK)},
			Labels: []framework.Label{framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			login, _ := v.Do(v.ValomniaLoginRequestAs(ctx, framework.ValomniaLoginQueryPost))
			session := expectRedirect(login)
			page, body := tokenPage(ctx, http.MethodPost, login.Header.Get("Location"), session)
			Expect(page.StatusCode).To(Equal(http.StatusOK), "token page status")
			first, _, _ := bytes.Cut(body, []byte("\n"))
			var answer valomnia.LoginSuccess
			Expect(json.Unmarshal(first, &answer)).To(Succeed(), "first line of the token page is JSON")
			Expect(answer.Token).To(Equal(session), "token of the session")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a GET login with the fields in the query string MUST answer 302, and the token page MUST carry the token and the user's email, firstName, lastName and role list",
			Operation: "loginWithGet",
			Covers: []string{vlRuleClientLogins, framework.StatusID("loginWithGet", http.StatusFound),
				framework.StatusID("loginSuccess", http.StatusOK)},
			Labels: []framework.Label{framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			login, _ := v.Do(v.ValomniaLoginRequestAs(ctx, framework.ValomniaLoginQueryGet))
			session := expectRedirect(login)
			page, body := tokenPage(ctx, http.MethodGet, login.Header.Get("Location"), session)
			Expect(page.StatusCode).To(Equal(http.StatusOK), "token page status")
			var answer struct {
				Token string `json:"token"`
				User  struct {
					Email     *string   `json:"email"`
					FirstName *string   `json:"firstName"`
					LastName  *string   `json:"lastName"`
					Role      *[]string `json:"role"`
				} `json:"user"`
			}
			Expect(json.Unmarshal(body, &answer)).To(Succeed(), "token page body")
			Expect(answer.Token).To(Equal(session), "token of the session")
			Expect(answer.User.Email).NotTo(BeNil(), "user.email")
			Expect(answer.User.FirstName).NotTo(BeNil(), "user.firstName")
			Expect(answer.User.LastName).NotTo(BeNil(), "user.lastName")
			Expect(answer.User.Role).NotTo(BeNil(), "user.role")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a GET login with a wrong password MUST answer login-with-get-failed",
			Operation: "loginWithGet",
			Covers:    []string{framework.CatalogueID("login-with-get-failed"), framework.StatusID("loginWithGet", http.StatusUnauthorized)},
			Labels:    []framework.Label{framework.LiveSafe, framework.Negative, framework.Assumed},
		}, func(ctx SpecContext) {
			q := url.Values{"j_username": {"contactapis-conformance@example.invalid"}, "j_password": {"not-the-password"}, "ajax": {"true"}}
			resp, body := v.Do(vlRootRequest(ctx, v, http.MethodGet, "/j_spring_security_check?"+q.Encode(), nil))
			vlExpectEntry(v, resp, body, "login-with-get-failed", nil)
		})

		v.ConformanceIt(framework.Spec{
			Must:      "the token page read with POST without a session MUST answer login-success-post-no-session",
			Operation: "loginSuccessPost",
			Covers:    []string{framework.CatalogueID("login-success-post-no-session"), framework.StatusID("loginSuccessPost", http.StatusUnauthorized)},
			Labels:    []framework.Label{framework.LiveSafe, framework.Negative, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := tokenPage(ctx, http.MethodPost, vlRoot(v).String()+"/login/ajaxSuccess", "C0FFEE00C0FFEE00C0FFEE00C0FFEE00")
			vlExpectEntry(v, resp, body, "login-success-post-no-session", nil)
		})
	})

	Describe("calls without an open session", func() {
		for _, tc := range []struct {
			what    string
			session vlSession
			token   string
			labels  []framework.Label
		}{
			{"without a session cookie", vlNoCookie, "", []framework.Label{framework.LiveSafe, framework.Negative, framework.Assumed}},
			{"with a token no login issued", vlToken, "C0FFEE00C0FFEE00C0FFEE00C0FFEE00", []framework.Label{framework.LiveSafe, framework.Assumed}},
		} {
			v.ConformanceIt(framework.Spec{
				Must:      "an update " + tc.what + " MUST answer no-credentials",
				Operation: vlOp,
				Covers:    []string{vlRuleSessionRequired, framework.CatalogueID("no-credentials"), framework.StatusID(vlOp, http.StatusUnauthorized)},
				Labels:    tc.labels,
			}, func(ctx SpecContext) {
				resp, body := vlSend(ctx, v, vlUpdate{id: fx.contact, fields: vlRequired(fx), session: tc.session, token: tc.token})
				vlExpectEntry(v, resp, body, "no-credentials", nil)
			})
		}

		v.ConformanceIt(framework.Spec{
			Must:      "an update with the token of an ended session MUST answer no-credentials and change nothing",
			Operation: vlOp,
			Covers:    []string{vlRuleSessionRequired, framework.CatalogueID("no-credentials"), framework.StatusID(vlOp, http.StatusUnauthorized)},
			// The mock's admin reset ends the session; v.Authorize is not used here, so the
			// framework's cached session is not the one ended.
			Labels: []framework.Label{framework.Mutating, framework.MockOnly, framework.Assumed},
		}, func(ctx SpecContext) {
			_, _, token := vlMockLogin(ctx, v)
			Expect(v.Admin().Reset(ctx)).To(Succeed())
			before := vlData(ctx, v)
			resp, body := vlSend(ctx, v, vlUpdate{id: fx.contact, fields: vlFields(vlRequired(fx), [2]string{"lastName", "Ended"}),
				session: vlToken, token: token})
			vlExpectEntry(v, resp, body, "no-credentials", nil)
			Expect(vlData(ctx, v)).To(Equal(before), "stored data")
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a login with a wrong password MUST answer login-failed",
			Operation: "login",
			Covers:    []string{framework.CatalogueID("login-failed"), framework.StatusID("login", http.StatusUnauthorized)},
			Labels:    []framework.Label{framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			form := url.Values{"j_username": {"contactapis-conformance@example.invalid"}, "j_password": {"not-the-password"}, "ajax": {"true"}}
			resp, body := v.Do(vlRootRequest(ctx, v, http.MethodPost, "/j_spring_security_check", form))
			vlExpectEntry(v, resp, body, "login-failed", nil)
		})

		for _, tc := range []struct {
			what, token string
		}{{"without a session cookie", ""}, {"with a token no login issued", "C0FFEE00C0FFEE00C0FFEE00C0FFEE00"}} {
			v.ConformanceIt(framework.Spec{
				Must:      "the token page " + tc.what + " MUST answer login-success-no-session",
				Operation: "loginSuccess",
				Covers:    []string{framework.CatalogueID("login-success-no-session"), framework.StatusID("loginSuccess", http.StatusUnauthorized)},
				Labels:    []framework.Label{framework.LiveSafe, framework.Assumed},
			}, func(ctx SpecContext) {
				r := vlRootRequest(ctx, v, http.MethodGet, "/login/ajaxSuccess", nil)
				if tc.token != "" {
					r.AddCookie(&http.Cookie{Name: "JSESSIONID", Value: tc.token})
				}
				resp, body := v.Do(r)
				vlExpectEntry(v, resp, body, "login-success-no-session", nil)
			})
		}
	})

	Describe("unknown routes", func() {
		for _, tc := range []struct{ what, method, path string }{
			{"a DELETE of a contact (the contact is read and updated only)", http.MethodDelete, "/contacts/5"},
			{"a POST without a contact id", http.MethodPost, "/contacts"},
			{"a POST to a resource this API does not have", http.MethodPost, "/contactz/5"},
		} {
			v.ConformanceIt(framework.Spec{
				Must:   tc.what + " MUST answer route-not-found naming the path",
				Covers: []string{framework.CatalogueID("route-not-found")},
				Labels: []framework.Label{framework.LiveSafe, framework.Negative, framework.Assumed},
			}, func(ctx SpecContext) {
				r := v.NewRequest(ctx, tc.method, tc.path, "", nil)
				v.Authorize(ctx, r)
				resp, body := v.Do(r)
				path := strings.TrimPrefix(r.URL.EscapedPath(), vlRoot(v).EscapedPath())
				vlExpectEntry(v, resp, body, "route-not-found", map[string]string{"path": path})
			})
		}
	})

	Describe("refused updates", func() {
		type refusal struct {
			what   string
			entry  string
			labels []framework.Label
			update func(fx vlFixtures) vlUpdate
			args   func(fx vlFixtures) map[string]string
		}
		param := func(name string) func(vlFixtures) map[string]string {
			return func(vlFixtures) map[string]string { return map[string]string{"param": name} }
		}
		const noSuchID = "9223372036854775807" // the largest Long: no contact or customer has it
		const noSuchRef = "contactapis-conformance-no-such-record"
		form := func(changes ...[2]string) func(vlFixtures) vlUpdate {
			return func(fx vlFixtures) vlUpdate {
				return vlUpdate{id: fx.contact, fields: vlFields(vlRequired(fx), changes...)}
			}
		}
		photo := func(f vlFile) func(vlFixtures) vlUpdate {
			return func(fx vlFixtures) vlUpdate { return vlUpdate{id: fx.contact, fields: vlRequired(fx), photo: &f} }
		}
		var rows []refusal
		for _, name := range vlSpec.Components.Schemas["ContactUpdate"].Value.Required {
			rows = append(rows, refusal{"an update without " + name, "missing-param",
				[]framework.Label{framework.LiveSafe, framework.Negative}, form(vlDrop(name)), param(name)})
		}
		rows = append(rows, []refusal{
			// Empty counts as missing: the operation's x-assumed.
			{"an update with an empty firstName", "missing-param", []framework.Label{framework.LiveSafe, framework.Assumed},
				form([2]string{"firstName", ""}), param("firstName")},
			{"an update whose useExternalId is not a boolean", "invalid-param-type", []framework.Label{framework.LiveSafe, framework.Negative},
				form([2]string{"useExternalId", "maybe"}), param("useExternalId")},
			{"an update of a contact id that is not a number, without useExternalId", "invalid-param-type", []framework.Label{framework.LiveSafe},
				func(fx vlFixtures) vlUpdate { return vlUpdate{id: "not-a-number", fields: vlRequired(fx)} }, param("id")},
			{"an update whose customerId is not a number, without useExternalId", "invalid-param-type", []framework.Label{framework.LiveSafe},
				form([2]string{"customerId", "not-a-number"}), param("customerId")},
			{"an update of an unknown contact id", "not-found-contact", []framework.Label{framework.LiveSafe, framework.Assumed},
				func(fx vlFixtures) vlUpdate { return vlUpdate{id: noSuchID, fields: vlRequired(fx)} },
				func(vlFixtures) map[string]string { return map[string]string{"id": noSuchID} }},
			{"an update of an unknown contact reference with useExternalId", "not-found-contact", []framework.Label{framework.LiveSafe, framework.Assumed},
				func(fx vlFixtures) vlUpdate {
					return vlUpdate{id: noSuchRef, fields: vlFields(vlRequired(fx), [2]string{"customerId", noSuchRef}, [2]string{"useExternalId", "true"})}
				},
				func(vlFixtures) map[string]string { return map[string]string{"id": noSuchRef} }},
			{"an update naming an unknown customerId", "not-found-customer", []framework.Label{framework.LiveSafe},
				form([2]string{"customerId", noSuchID}),
				func(vlFixtures) map[string]string { return map[string]string{"id": noSuchID} }},
			// The page's own example: the fixtures have no customer 31888.
			{"an update naming the page's unknown customer 31888", "not-found-customer", []framework.Label{framework.MockOnly},
				form([2]string{"customerId", "31888"}),
				func(vlFixtures) map[string]string { return map[string]string{"id": "31888"} }},
			{"an update with a malformed email", "email-validation-error", []framework.Label{framework.LiveSafe},
				form([2]string{"email", "not-an-email"}), nil},
			// The rule's edges (conformance/mock/valomnia doc, rule 4: Grails' email constraint):
			// a domain without a dot, and an address literal instead of a domain name.
			{"an update with an email whose domain has no dot", "email-validation-error", []framework.Label{framework.LiveSafe, framework.Assumed},
				form([2]string{"email", "marie@localhost"}), nil},
			{"an update with an email whose domain is an address literal", "email-validation-error", []framework.Label{framework.LiveSafe, framework.Assumed},
				form([2]string{"email", "marie@[192.0.2.1]"}), nil},
			{"an update with the unassigned country code ZZ", "country-error", []framework.Label{framework.LiveSafe},
				form([2]string{"country", "ZZ"}), nil},
			{"an update with the three-letter country code FRA", "country-error", []framework.Label{framework.LiveSafe},
				form([2]string{"country", "FRA"}), nil},
			// The spec reads the code as upper-case alpha-2 (discrepancy country-code-format).
			{"an update with the lower-case country code fr", "country-error", []framework.Label{framework.LiveSafe, framework.Assumed},
				form([2]string{"country", "fr"}), nil},
			{"an update with a photo over 2 MB", "exceeded-file-size", []framework.Label{framework.LiveSafe},
				photo(vlFile{"big.png", "image/png", vlOversizedPNG()}), nil},
			{"an update with a PDF declared as a PNG photo", "unsupported-file-type", []framework.Label{framework.LiveSafe},
				photo(vlFile{"photo.png", "image/png", vlNotAnImage}), nil},
			{"an update with a text file as photo", "unsupported-file-type", []framework.Label{framework.LiveSafe},
				photo(vlFile{"photo.jpg", "application/octet-stream", []byte("just some text, not a picture\n")}), nil},
			// The fixtures' contact 13 is flagged failSave: storage refuses it whatever is sent.
			{"an update of a contact the store refuses to save", "save-failed", []framework.Label{framework.Mutating, framework.MockOnly},
				func(fx vlFixtures) vlUpdate {
					return vlUpdate{id: "13", fields: vlFields(vlRequired(fx), [2]string{"customerId", "4410"})}
				}, nil},
			// Longer than a 255-character column: the operation's x-assumed.
			{"an update with a 256-character city", "save-failed", []framework.Label{framework.Mutating, framework.Assumed},
				form([2]string{"city", strings.Repeat("x", 256)}), nil},
		}...)

		for _, row := range rows {
			v.ConformanceIt(framework.Spec{
				Must:      fmt.Sprintf("%s MUST answer %s", row.what, row.entry),
				Operation: vlOp,
				Covers:    []string{framework.CatalogueID(row.entry), framework.StatusID(vlOp, vlStatus(row.entry))},
				Labels:    row.labels,
			}, func(ctx SpecContext) {
				var args map[string]string
				if row.args != nil {
					args = row.args(fx)
				}
				resp, body := vlSend(ctx, v, row.update(fx))
				vlExpectEntry(v, resp, body, row.entry, args)
			})
		}

		covers := []string{}
		for _, row := range rows {
			covers = append(covers, framework.CatalogueID(row.entry))
		}
		slices.Sort(covers)
		v.ConformanceIt(framework.Spec{
			Must:      "every refused update MUST leave the stored data unchanged",
			Operation: vlOp,
			Covers:    slices.Compact(covers),
			Labels:    []framework.Label{framework.Mutating, framework.Negative},
		}, func(ctx SpecContext) {
			for _, row := range rows {
				if !v.HasAdmin() && slices.Contains(row.labels, framework.MockOnly) {
					continue // it names the mocks' fixtures
				}
				// One request per entry: a failure is that entry's, not every entry's.
				v.Checking(framework.CatalogueID(row.entry))
				before := vlSnapshot(ctx, v, fx)
				resp, _ := vlSend(ctx, v, row.update(fx))
				Expect(resp.StatusCode).To(Equal(v.Entry(row.entry).Status), row.what)
				Expect(vlSnapshot(ctx, v, fx)).To(Equal(before), row.what)
			}
		})

		v.ConformanceIt(framework.Spec{
			Must:      "a failing vendor MUST answer server-error",
			Operation: vlOp,
			Covers:    []string{framework.CatalogueID("server-error"), framework.StatusID(vlOp, http.StatusInternalServerError)},
			Labels:    []framework.Label{framework.MockOnly},
		}, func(ctx SpecContext) {
			Expect(v.Admin().SetFaults(ctx, 0, 0, 1)).To(Succeed())
			DeferCleanup(func(ctx SpecContext) { Expect(v.Admin().SetFaults(ctx, 0, 0, 0)).To(Succeed()) })
			before := vlData(ctx, v)
			resp, body := vlSend(ctx, v, vlUpdate{id: fx.contact, fields: vlFields(vlRequired(fx), [2]string{"lastName", "Faulty"})})
			vlExpectEntry(v, resp, body, "server-error", nil)

			_, err := v.Valomnia().UpdateContact(ctx, fx.contact, valomnia.ContactUpdate{FirstName: "Marie", LastName: "Faulty", CustomerID: fx.customer}, nil)
			Expect(errors.Is(err, apiclient.CatalogueID("server-error"))).To(BeTrue(), "typed client error: %v", err)
			Expect(errors.Is(err, apiclient.ErrServer)).To(BeTrue(), "status class")
			Expect(vlData(ctx, v)).To(Equal(before), "stored data")
		})

		// The typed client names the catalogue entry of the vendor's answer, and refuses a photo
		// the vendor would refuse before sending it.
		typed := []struct {
			entry  string
			id     func(fx vlFixtures) string
			update func(fx vlFixtures) valomnia.ContactUpdate
			image  func() *valomnia.Image
		}{
			{"missing-param", nil, func(fx vlFixtures) valomnia.ContactUpdate {
				return valomnia.ContactUpdate{LastName: "Schrader", CustomerID: fx.customer}
			}, nil},
			{"invalid-param-type", nil, func(fx vlFixtures) valomnia.ContactUpdate {
				return valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: "not-a-number"}
			}, nil},
			{"not-found-contact", func(vlFixtures) string { return noSuchID }, nil, nil},
			{"not-found-customer", nil, func(fx vlFixtures) valomnia.ContactUpdate {
				return valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: noSuchID}
			}, nil},
			{"email-validation-error", nil, func(fx vlFixtures) valomnia.ContactUpdate {
				return valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: fx.customer, Email: ptr("not-an-email")}
			}, nil},
			{"country-error", nil, func(fx vlFixtures) valomnia.ContactUpdate {
				return valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: fx.customer, Country: ptr("ZZ")}
			}, nil},
			{"exceeded-file-size", nil, nil, func() *valomnia.Image {
				return &valomnia.Image{FileName: "big.png", Content: bytes.NewReader(vlOversizedPNG())}
			}},
			{"unsupported-file-type", nil, nil, func() *valomnia.Image {
				return &valomnia.Image{FileName: "photo.png", Content: bytes.NewReader(vlNotAnImage)}
			}},
		}
		typedCovers := []string{}
		for _, tc := range typed {
			typedCovers = append(typedCovers, framework.CatalogueID(tc.entry))
		}
		v.ConformanceIt(framework.Spec{
			Must:      "the typed client MUST report every refusal with its catalogue entry",
			Operation: vlOp,
			Covers:    typedCovers,
			// The client cannot leave firstName out, only send it empty (missing by the
			// operation's x-assumed); not-found-contact is an assumed entry.
			Labels: []framework.Label{framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			for _, tc := range typed {
				v.Checking(framework.CatalogueID(tc.entry))
				id := fx.contact
				if tc.id != nil {
					id = tc.id(fx)
				}
				update := valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: fx.customer}
				if tc.update != nil {
					update = tc.update(fx)
				}
				var img *valomnia.Image
				if tc.image != nil {
					img = tc.image()
				}
				_, err := v.Valomnia().UpdateContact(ctx, id, update, img)
				Expect(errors.Is(err, apiclient.CatalogueID(tc.entry))).To(BeTrue(), "%s: got %v", tc.entry, err)
			}
		})
	})

	Describe("successful updates", func() {
		idExample := func() string {
			for _, p := range v.Doc().Paths.Find("/contacts/{id}").Post.Parameters {
				for _, ex := range p.Value.Examples {
					return fmt.Sprint(ex.Value.Value)
				}
			}
			Fail("the id parameter has no example")
			return ""
		}
		// Every request example of each media type, sent as that media type.
		reqBody := vlSpec.Paths.Find("/contacts/{id}").Post.RequestBody.Value
		for _, mt := range slices.Sorted(maps.Keys(reqBody.Content)) {
			for _, name := range slices.Sorted(maps.Keys(reqBody.Content[mt].Examples)) {
				external, _ := reqBody.Content[mt].Examples[name].Value.Value.(map[string]any)["useExternalId"].(bool)
				labels := []framework.Label{framework.Mutating, framework.Assumed}
				if external {
					// Its references (contact "123", customer "C0959") are the mocks' fixtures; a
					// live tenant's references cannot be configured.
					labels = append(labels, framework.MockOnly)
				}
				v.ConformanceIt(framework.Spec{
					Must:      fmt.Sprintf("the request example %s sent as %s MUST update the contact", name, mt),
					Operation: vlOp,
					Covers:    []string{framework.ExampleID(vlOp, name), framework.StatusID(vlOp, http.StatusOK)},
					Labels:    labels,
				}, func(ctx SpecContext) {
					op := v.Doc().Paths.Find("/contacts/{id}").Post
					values := op.RequestBody.Value.Content[mt].Examples[name].Value.Value.(map[string]any)
					var fields [][2]string
					for _, k := range slices.Sorted(maps.Keys(values)) {
						fields = append(fields, [2]string{k, fmt.Sprint(values[k])})
					}
					id := idExample()
					if !external {
						id = v.Fixture("CONTACT_ID", id)
						fields = vlFields(fields, [2]string{"customerId", v.Fixture("CUSTOMER_ID", fmt.Sprint(values["customerId"]))})
					}
					resp, body := vlSend(ctx, v, vlUpdate{id: id, fields: fields, multipart: strings.HasPrefix(mt, "multipart/")})
					c := vlExpectContact(resp, body)
					Expect(c.FirstName).To(Equal(values["firstName"]))
					Expect(c.LastName).To(Equal(values["lastName"]))
					for _, k := range []string{"fonction", "city", "address", "country"} {
						if want, ok := values[k]; ok {
							got := map[string]*string{"fonction": c.Fonction, "city": c.City, "address": c.Address, "country": c.Country}[k]
							Expect(got).To(HaveValue(Equal(want)), k)
						}
					}
					if external {
						Expect(c.Customer.Reference).To(HaveValue(Equal(values["customerId"])), "customer by reference")
					} else {
						Expect(strconv.FormatInt(c.ID, 10)).To(Equal(id))
						Expect(c.Customer.ID).To(HaveValue(Equal(vlInt(v.Fixture("CUSTOMER_ID", fmt.Sprint(values["customerId"]))))))
					}
				})
			}
		}

		for _, multi := range []bool{false, true} {
			media := map[bool]string{false: "a URL-encoded form", true: "multipart/form-data without a photo"}[multi]
			v.ConformanceIt(framework.Spec{
				Must:      "an update sent as " + media + " MUST be accepted",
				Operation: vlOp,
				Covers:    []string{vlRuleMediaTypes, framework.StatusID(vlOp, http.StatusOK)},
				Labels:    []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				fields := vlFields(vlRequired(fx), [2]string{"lastName", "Schrader-Media"}, [2]string{"postalCode", "87104"}, [2]string{"mobile", "+1 505 555 0100"})
				resp, body := vlSend(ctx, v, vlUpdate{id: fx.contact, fields: fields, multipart: multi})
				c := vlExpectContact(resp, body)
				Expect(c.LastName).To(Equal("Schrader-Media"))
				Expect(c.PostalCode).To(HaveValue(Equal("87104")))
				Expect(c.Mobile).To(HaveValue(Equal("+1 505 555 0100")))
			})
		}

		Describe("external ids", func() {
			v.ConformanceIt(framework.Spec{
				Must:      "with useExternalId=true the path id and customerId MUST name the caller's own references",
				Operation: vlOp,
				Covers:    []string{vlRuleExternalIDs, framework.StatusID(vlOp, http.StatusOK)},
				// The references are the mocks' fixtures; useExternalId in the body is the
				// spec's x-assumed.
				Labels: []framework.Label{framework.Mutating, framework.MockOnly, framework.Assumed},
			}, func(ctx SpecContext) {
				before := vlState(ctx, v)
				yes := true
				// "123" is contact 6's reference; customer reference C0959 is customer 3229.
				c, err := v.Valomnia().UpdateContact(ctx, "123", valomnia.ContactUpdate{
					FirstName: "Skyler", LastName: "Lambert", CustomerID: "C0959", UseExternalID: &yes}, nil)
				Expect(err).NotTo(HaveOccurred())
				Expect(c.ID).To(Equal(int64(6)), "contact by reference 123")
				Expect(c.Customer.ID).To(HaveValue(Equal(int64(3229))), "customer by reference C0959")
				Expect(vlStored(vlState(ctx, v), "123")).To(Equal(vlStored(before, "123")), "contact id 123 untouched")

				// A reference need not be numeric: CT-0005 is contact 5; "3229" is customer 4410's.
				c, err = v.Valomnia().UpdateContact(ctx, "CT-0005", valomnia.ContactUpdate{
					FirstName: "Marie", LastName: "Schrader", CustomerID: "3229", UseExternalID: &yes}, nil)
				Expect(err).NotTo(HaveOccurred())
				Expect(c.ID).To(Equal(int64(5)), "contact by reference CT-0005")
				Expect(c.Customer.ID).To(HaveValue(Equal(int64(4410))), "customer by reference 3229")
				Expect(vlStored(vlState(ctx, v), "5").Customer.ID).To(HaveValue(Equal(int64(4410))), "stored customer")
			})

			for _, explicit := range []bool{false, true} {
				what := map[bool]string{false: "without useExternalId", true: "with useExternalId=false"}[explicit]
				v.ConformanceIt(framework.Spec{
					Must:      "numeric ids " + what + " MUST name Valomnia's contact and customer",
					Operation: vlOp,
					Covers:    []string{vlRuleExternalIDs, framework.StatusID(vlOp, http.StatusOK)},
					Labels:    []framework.Label{framework.Mutating},
				}, func(ctx SpecContext) {
					update := valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: fx.customer}
					if explicit {
						no := false
						update.UseExternalID = &no
					}
					c, err := v.Valomnia().UpdateContact(ctx, fx.contact, update, nil)
					Expect(err).NotTo(HaveOccurred())
					Expect(strconv.FormatInt(c.ID, 10)).To(Equal(fx.contact))
					Expect(c.Customer.ID).To(HaveValue(Equal(vlInt(fx.customer))))
				})
			}
		})

		Describe("photos", func() {
			for _, format := range []string{"png", "jpeg", "gif", "bmp"} {
				v.ConformanceIt(framework.Spec{
					Must:      "a " + strings.ToUpper(format) + " photo MUST become the contact's photo and move lastUpdated",
					Operation: vlOp,
					Covers:    []string{vlRulePhotoUpload, framework.StatusID(vlOp, http.StatusOK)},
					Labels:    []framework.Label{framework.Mutating},
				}, func(ctx SpecContext) {
					id, old := vlPhotoContact(ctx, v)
					update := vlKeepNames(old)
					plain, err := v.Valomnia().UpdateContact(ctx, id, update, nil)
					Expect(err).NotTo(HaveOccurred())
					start := time.Now().Truncate(time.Second)
					c, err := v.Valomnia().UpdateContact(ctx, id, update,
						&valomnia.Image{FileName: "conformance." + format, Content: bytes.NewReader(vlImages()[format])})
					Expect(err).NotTo(HaveOccurred())
					Expect(c.Photo).To(HaveValue(ContainSubstring("/photoContact/")), "photo link")
					Expect(c.Photo).NotTo(Equal(plain.Photo), "a new photo link")
					Expect(c.LastUpdated).NotTo(BeNil())
					Expect(*c.LastUpdated).To(BeTemporally(">=", start.Add(-vlClockSkew)), "lastUpdated")
				})
			}

			v.ConformanceIt(framework.Spec{
				Must:      "a photo MUST be judged by its bytes, not its declared type or file name",
				Operation: vlOp,
				Covers:    []string{vlRulePhotoUpload, framework.StatusID(vlOp, http.StatusOK)},
				Labels:    []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				id, old := vlPhotoContact(ctx, v)
				names := vlKeepNames(old)
				fields := [][2]string{{"firstName", names.FirstName}, {"lastName", names.LastName}, {"customerId", names.CustomerID}}
				resp, body := vlSend(ctx, v, vlUpdate{id: id, fields: fields})
				plain := vlExpectContact(resp, body)
				resp, body = vlSend(ctx, v, vlUpdate{id: id, fields: fields,
					photo: &vlFile{"photo.dat", "application/octet-stream", vlImages()["png"]}})
				c := vlExpectContact(resp, body)
				Expect(c.Photo).To(HaveValue(ContainSubstring("/photoContact/")))
				Expect(c.Photo).NotTo(Equal(plain.Photo), "a new photo link")
			})

			v.ConformanceIt(framework.Spec{
				Must:      "an uploaded photo MUST be stored as answered and lastUpdated MUST move past the stored one",
				Operation: vlOp,
				Covers:    []string{vlRulePhotoUpload, framework.StatusID(vlOp, http.StatusOK)},
				Labels:    []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				id, old := vlPhotoContact(ctx, v)
				Expect(old.LastUpdated).NotTo(BeNil(), "stored lastUpdated")
				if time.Since(*old.LastUpdated) < vlClockSkew {
					// lastUpdated has whole seconds: an update in the second of the last one
					// (an earlier spec's, on a target whose records outlive the run) could
					// not move it.
					time.Sleep(time.Second)
				}
				c, err := v.Valomnia().UpdateContact(ctx, id, vlKeepNames(old),
					&valomnia.Image{FileName: "stored.gif", Content: bytes.NewReader(vlImages()["gif"])})
				Expect(err).NotTo(HaveOccurred())
				stored := vlRead(ctx, v, id)
				Expect(stored.Photo).To(Equal(c.Photo), "stored photo")
				Expect(stored.Photo).NotTo(Equal(old.Photo))
				Expect(stored.LastUpdated).To(HaveValue(BeTemporally(">", *old.LastUpdated)))
				Expect(stored.LastUpdated.Equal(*c.LastUpdated)).To(BeTrue(), "answered lastUpdated")
			})
		})

		Describe("the answer and the stored contact", func() {
			v.ConformanceIt(framework.Spec{
				Must:      "optional fields left out of an update MUST keep their stored value",
				Operation: vlOp,
				Covers:    []string{vlRuleOmittedKept, framework.StatusID(vlOp, http.StatusOK)},
				Labels:    []framework.Label{framework.Mutating, framework.Assumed},
			}, func(ctx SpecContext) {
				full := valomnia.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: fx.customer,
					Fonction: ptr("Buyer"), Country: ptr("FR"), City: ptr("Lyon"), PostalCode: ptr("69001"), Address: ptr("1 rue de la Paix"),
					Email: ptr("marie@example.com"), Phone: ptr("0102030405"), Phone2: ptr("0102030406"), Mobile: ptr("0602030405"), Fax: ptr("0102030407")}
				_, err := v.Valomnia().UpdateContact(ctx, fx.contact, full, nil)
				Expect(err).NotTo(HaveOccurred())
				c, err := v.Valomnia().UpdateContact(ctx, fx.contact,
					valomnia.ContactUpdate{FirstName: "Maria", LastName: "Schrader", CustomerID: fx.customer}, nil)
				Expect(err).NotTo(HaveOccurred())
				Expect(c.FirstName).To(Equal("Maria"))
				Expect(*c).To(MatchFields(IgnoreExtras, Fields{
					"Fonction": HaveValue(Equal("Buyer")), "Country": HaveValue(Equal("FR")), "City": HaveValue(Equal("Lyon")),
					"PostalCode": HaveValue(Equal("69001")), "Address": HaveValue(Equal("1 rue de la Paix")),
					"Email": HaveValue(Equal("marie@example.com")), "Phone": HaveValue(Equal("0102030405")),
					"Phone2": HaveValue(Equal("0102030406")), "Mobile": HaveValue(Equal("0602030405")), "Fax": HaveValue(Equal("0102030407")),
				}))
			})

			v.ConformanceIt(framework.Spec{
				Must:      "an update of the names only MUST leave every other stored field as it was",
				Operation: vlOp,
				Covers:    []string{vlRuleOmittedKept, framework.StatusID(vlOp, http.StatusOK)},
				Labels:    []framework.Label{framework.Mutating, framework.Assumed},
			}, func(ctx SpecContext) {
				old := vlRead(ctx, v, fx.contact)
				update := vlKeepNames(old)
				update.FirstName, update.LastName = "Maria", "Schröder"
				_, err := v.Valomnia().UpdateContact(ctx, fx.contact, update, nil)
				Expect(err).NotTo(HaveOccurred())
				stored := vlRead(ctx, v, fx.contact)
				want := old
				want.FirstName, want.LastName, want.LastUpdated = "Maria", "Schröder", stored.LastUpdated
				Expect(stored).To(Equal(want))
			})

			v.ConformanceIt(framework.Spec{
				Must:      "a successful update MUST answer every property of the page's success example",
				Operation: vlOp,
				Covers:    []string{vlRuleWholeContact, framework.StatusID(vlOp, http.StatusOK)},
				Labels:    []framework.Label{framework.Mutating},
			}, func(ctx SpecContext) {
				resp, body := vlSend(ctx, v, vlUpdate{id: fx.contact, fields: vlRequired(fx)})
				Expect(resp.StatusCode).To(Equal(http.StatusOK))
				var got map[string]any
				Expect(json.Unmarshal(body, &got)).To(Succeed())
				page := vlPageSuccess(v)
				for _, k := range slices.Sorted(maps.Keys(page)) {
					Expect(got).To(HaveKey(k))
				}
			})

			v.ConformanceIt(framework.Spec{
				Must:      "the page's contact updated with its own values MUST answer the page's success example with a new lastUpdated",
				Operation: vlOp,
				Covers:    []string{vlRuleWholeContact, framework.StatusID(vlOp, http.StatusOK)},
				// Contact 5 of the mocks' fixtures is the page's contact.
				Labels: []framework.Label{framework.Mutating, framework.MockOnly},
			}, func(ctx SpecContext) {
				page := vlPageSuccess(v)
				customer := page["customer"].(map[string]any)
				start := time.Now().Truncate(time.Second)
				fields := [][2]string{{"firstName", page["firstName"].(string)}, {"lastName", page["lastName"].(string)},
					{"customerId", fmt.Sprint(customer["id"])}, {"fonction", page["fonction"].(string)},
					{"city", page["city"].(string)}, {"address", page["address"].(string)}}
				resp, body := vlSend(ctx, v, vlUpdate{id: fmt.Sprint(page["id"]), fields: fields})
				Expect(resp.StatusCode).To(Equal(http.StatusOK))
				var got map[string]any
				Expect(json.Unmarshal(body, &got)).To(Succeed())
				updated, err := time.Parse(time.RFC3339, fmt.Sprint(got["lastUpdated"]))
				Expect(err).NotTo(HaveOccurred())
				Expect(updated).To(BeTemporally(">=", start), "lastUpdated")
				want := maps.Clone(page)
				want["lastUpdated"] = got["lastUpdated"]
				Expect(v.Declared(vlOp, http.StatusOK, got)).To(Equal(want))
			})
		})
	})

	Describe("reading a contact (getContact, assumed)", func() {
		const readOp, noSuchID = "getContact", "9223372036854775807" // the largest Long: no contact has it
		v.ConformanceIt(framework.Spec{
			Must:      "a read of a contact MUST answer the contact as the update answers it",
			Operation: readOp,
			Covers:    []string{framework.StatusID(readOp, http.StatusOK)},
			Labels:    []framework.Label{framework.LiveSafe, framework.Assumed},
		}, func(ctx SpecContext) {
			r := v.NewRequest(ctx, http.MethodGet, "/contacts/"+url.PathEscape(fx.contact), "", nil)
			v.Authorize(ctx, r)
			resp, body := v.Do(r)
			c := vlExpectContact(resp, body)
			Expect(strconv.FormatInt(c.ID, 10)).To(Equal(fx.contact), "id")
			typed, err := v.Valomnia().GetContact(ctx, fx.contact)
			Expect(err).NotTo(HaveOccurred())
			Expect(*typed).To(Equal(c), "the typed client's read")
		})
		v.ConformanceIt(framework.Spec{
			Must:      "a read without a session MUST answer no-credentials",
			Operation: readOp,
			Covers:    []string{framework.StatusID(readOp, http.StatusUnauthorized)},
			Labels:    []framework.Label{framework.LiveSafe, framework.Negative, framework.Assumed},
		}, func(ctx SpecContext) {
			resp, body := v.Do(v.NewRequest(ctx, http.MethodGet, "/contacts/"+url.PathEscape(fx.contact), "", nil))
			vlExpectEntry(v, resp, body, "no-credentials", nil)
		})
		v.ConformanceIt(framework.Spec{
			Must:      "a read of an unknown contact id MUST answer get-contact-not-found",
			Operation: readOp,
			Covers:    []string{framework.CatalogueID("get-contact-not-found"), framework.StatusID(readOp, http.StatusNotFound)},
			Labels:    []framework.Label{framework.LiveSafe, framework.Negative, framework.Assumed},
		}, func(ctx SpecContext) {
			r := v.NewRequest(ctx, http.MethodGet, "/contacts/"+noSuchID, "", nil)
			v.Authorize(ctx, r)
			resp, body := v.Do(r)
			vlExpectEntry(v, resp, body, "get-contact-not-found", map[string]string{"id": noSuchID})
			_, err := v.Valomnia().GetContact(ctx, noSuchID)
			Expect(errors.Is(err, apiclient.CatalogueID("get-contact-not-found"))).To(BeTrue(), "typed client error: %v", err)
		})
		v.ConformanceIt(framework.Spec{
			Must:      "a failing vendor MUST answer a read with get-contact-server-error",
			Operation: readOp,
			Covers:    []string{framework.CatalogueID("get-contact-server-error"), framework.StatusID(readOp, http.StatusInternalServerError)},
			Labels:    []framework.Label{framework.MockOnly},
		}, func(ctx SpecContext) {
			Expect(v.Admin().SetFaults(ctx, 0, 0, 1)).To(Succeed())
			DeferCleanup(func(ctx SpecContext) { Expect(v.Admin().SetFaults(ctx, 0, 0, 0)).To(Succeed()) })
			r := v.NewRequest(ctx, http.MethodGet, "/contacts/"+url.PathEscape(fx.contact), "", nil)
			v.Authorize(ctx, r)
			resp, body := v.Do(r)
			vlExpectEntry(v, resp, body, "get-contact-server-error", nil)
		})
	})

	Describe("input the page does not describe", func() {
		form := func(fx vlFixtures, extra string) (string, []byte) {
			_, body := vlUpdate{fields: vlRequired(fx)}.encode()
			return "application/x-www-form-urlencoded", append(body, extra...)
		}
		multi := func(fx vlFixtures, extra ...[2]string) (string, []byte) {
			return vlUpdate{fields: vlFields(vlRequired(fx), extra...), multipart: true}.encode()
		}
		cases := []struct {
			what string
			body func(fx vlFixtures) (contentType string, body []byte)
		}{
			{"a form with malformed percent escapes", func(fx vlFixtures) (string, []byte) { return form(fx, "&city=%zz%") }},
			{"the fields as JSON", func(fx vlFixtures) (string, []byte) {
				b, err := json.Marshal(map[string]string{"firstName": "Marie", "lastName": "Schrader", "customerId": fx.customer})
				Expect(err).NotTo(HaveOccurred())
				return "application/json", b
			}},
			{"the fields as XML", func(fx vlFixtures) (string, []byte) {
				return "application/xml", []byte("<contact><firstName>Marie</firstName><lastName>Schrader</lastName><customerId>" +
					fx.customer + "</customerId></contact>")
			}},
			{"the form declared as plain text", func(fx vlFixtures) (string, []byte) {
				_, b := form(fx, "")
				return "text/plain", b
			}},
			{"no body and no media type", func(vlFixtures) (string, []byte) { return "", []byte{} }},
			{"multipart without a boundary", func(fx vlFixtures) (string, []byte) {
				_, b := multi(fx)
				return "multipart/form-data", b
			}},
			{"a truncated multipart body", func(fx vlFixtures) (string, []byte) {
				ct, b := multi(fx)
				return ct, b[:len(b)/2]
			}},
			{"a form over the body size limit", func(fx vlFixtures) (string, []byte) {
				return form(fx, "&fax="+strings.Repeat("0", mockvalomnia.MaxBodyBytes))
			}},
			{"a multipart body over the body size limit", func(fx vlFixtures) (string, []byte) {
				return multi(fx, [2]string{"fax", strings.Repeat("0", mockvalomnia.MaxBodyBytes)})
			}},
			{"unknown fields only", func(vlFixtures) (string, []byte) {
				return "application/x-www-form-urlencoded", []byte("givenName=Marie&surname=Schrader&company=3229")
			}},
			{"a form value that is not UTF-8", func(fx vlFixtures) (string, []byte) { return form(fx, "&city=Lyon%FF") }},
			{"a multipart field that is not UTF-8", func(fx vlFixtures) (string, []byte) {
				return multi(fx, [2]string{"city", "Lyon\xff"})
			}},
		}
		for _, tc := range cases {
			v.ConformanceIt(framework.Spec{
				Must:      "an update with " + tc.what + " MUST be refused with a 4xx in the vendor's format and change nothing",
				Operation: vlOp,
				Covers:    []string{vlRuleMalformedInput},
				// Mutating: a vendor that took the body as an update would change the contact.
				Labels: []framework.Label{framework.Mutating, framework.Negative},
			}, func(ctx SpecContext) {
				ct, body := tc.body(fx)
				before := vlSnapshot(ctx, v, fx)
				resp, answer := vlSend(ctx, v, vlUpdate{id: fx.contact, contentType: ct, body: body})
				Expect(resp.StatusCode).To(And(BeNumerically(">=", 400), BeNumerically("<", 500)), "a 4xx")
				msgs, err := vendors.ErrorMessages(v.Name(), resp.Header.Get("Content-Type"), answer)
				Expect(err).NotTo(HaveOccurred(), "the vendor's error format")
				for _, m := range msgs {
					_, _, ok := v.Catalogue().ForOperation(vlOp, true).Identify(resp.StatusCode, m)
					Expect(ok).To(BeTrue(), "catalogue message %q", m)
				}
				Expect(vlSnapshot(ctx, v, fx)).To(Equal(before), "stored data")
			})
		}
	})
})

// vlPageSuccess is the page's success example as the spec holds it, in the shape JSON decoding
// gives (numbers as float64), so that it compares with a decoded answer.
func vlPageSuccess(v *framework.Vendor) map[string]any {
	ex := v.Doc().Paths.Find("/contacts/{id}").Post.Responses.Status(http.StatusOK).Value.
		Content["application/json"].Examples["page-success"]
	Expect(ex).NotTo(BeNil(), "the page-success example")
	raw, err := json.Marshal(ex.Value.Value)
	Expect(err).NotTo(HaveOccurred())
	var out map[string]any
	Expect(json.Unmarshal(raw, &out)).To(Succeed())
	return out
}

func vlInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	Expect(err).NotTo(HaveOccurred(), "numeric id %q", s)
	return n
}
