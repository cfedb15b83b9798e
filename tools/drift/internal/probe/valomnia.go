package probe

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	valomnia "github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// valomniaProbes settle the x-doc-discrepancy entries of specs/valomnia.yaml that a live run can decide.
var valomniaProbes = []Probe{
	{Vendor: specs.Valomnia, ID: "contact-id-type", Run: vlProbeContactIDType},
	{Vendor: specs.Valomnia, ID: "image-file-media-type", Mutates: true, Run: vlProbeImageFileMediaType},
	{Vendor: specs.Valomnia, ID: "email-error-operation-concatenation", Mutates: true, Run: vlProbeEmailOperation},
	{Vendor: specs.Valomnia, ID: "country-error-operation-concatenation", Mutates: true, Run: vlProbeCountryOperation},
	{Vendor: specs.Valomnia, ID: "exceeded-file-size-malformed-json", Mutates: true, Run: vlProbeExceededFileSize},
	{Vendor: specs.Valomnia, ID: "not-found-names-customer", Mutates: true, Run: vlProbeNotFoundNamesCustomer},
	{Vendor: specs.Valomnia, ID: "customer-id-type", Run: vlProbeCustomerIDType},
	{Vendor: specs.Valomnia, ID: "country-code-format", Mutates: true, Run: vlProbeCountryCodeFormat},
	{Vendor: specs.Valomnia, ID: "response-only-fields", Mutates: true, Run: vlProbeResponseOnlyFields},
	{Vendor: specs.Valomnia, ID: "country-empty-in-response", Mutates: true, Run: vlProbeCountryEmptyInResponse},
	{Vendor: specs.Valomnia, ID: "photo-base-url-placeholder", Mutates: true, Run: vlProbePhotoBaseURL},
	{Vendor: specs.Valomnia, ID: "photo-newer-than-last-updated", Mutates: true, Run: vlProbePhotoNewerThanLastUpdated},
}

// The vendor's probes, for ForVendor and Unsettleable.
func init() { register(specs.Valomnia, &valomniaProbes, &valomniaUnsettleable) }

// valomniaUnsettleable are the discrepancies of specs/valomnia.yaml no live run can decide, with why.
// Every one of them has a probe today.
var valomniaUnsettleable = map[string]string{}

// Values the probes send. The names are the page's success example; the fixture contact is the
// user's to change, so its names may be overwritten.
const (
	vlFirstName = "Marie"
	vlLastName  = "Schrader"
	// vlUnknownID is a Long no tenant is expected to use (the largest one), for "unknown id" cases:
	// the page's own 31888 may well exist in a real tenant.
	vlUnknownID = "9223372036854775807"
	// vlUnknownRef is an external reference (and a customerId that is not a Long) no tenant is
	// expected to hold, so that a request naming it cannot write under either reading.
	vlUnknownRef = "contactapis-drift-no-such-record"
	// vlPhotoName is the file name of the photos the probes upload.
	vlPhotoName = "contactapis-drift-probe.png"
	// vlOperationWord is the word the spec substitutes for the page's "+operation+" in the
	// email and country messages (their discrepancies' spec lines).
	vlOperationWord = "update"
	// vlOversized is the photo size of exceeded-file-size-malformed-json: the probe line's 3 MB,
	// over both readings of the page's "2Mo" (2,000,000 or 2,097,152 bytes).
	vlOversized = 3_000_000
	// vlClockSkew bounds how far the vendor's clock may be from ours when lastUpdated is compared
	// with the time of the call (the conformance suite allows the same).
	vlClockSkew = 2 * time.Minute
)

// vlUpdateGap separates the two updates of photo-newer-than-last-updated, so that lastUpdated,
// which the page writes to the second, must differ between them if the second update moves it.
// A variable so that tests against a fake with its own clock need not wait.
var vlUpdateGap = 1100 * time.Millisecond

// vlCatalogue is the error catalogue of specs/valomnia.yaml, read once.
var vlCatalogue = sync.OnceValues(func() (specs.Catalogue, error) {
	doc, err := specs.Load(specs.Valomnia)
	if err != nil {
		return nil, err
	}
	return specs.ReadCatalogue(doc)
})

// vlEntry returns a catalogue entry of the update. A missing one means the spec changed under the
// probe: the probe cannot decide, and says which entry to restore.
func vlEntry(id string) (specs.Entry, *Outcome) {
	cat, err := vlCatalogue()
	if err != nil {
		return specs.Entry{}, &Outcome{Reading: Unsettled, Evidence: "read specs/valomnia.yaml: " + err.Error()}
	}
	e, ok := cat.ByID(id)
	if !ok {
		return specs.Entry{}, &Outcome{Reading: Unsettled, Evidence: fmt.Sprintf("specs/valomnia.yaml has no catalogue entry %q: restore it or update the probe", id)}
	}
	return e, nil
}

// vlRender renders an entry's message, for comparison with the vendor's.
func vlRender(e specs.Entry, args map[string]string) (string, *Outcome) {
	msg, err := e.Render(args)
	if err != nil {
		return "", &Outcome{Reading: Unsettled, Evidence: "specs/valomnia.yaml: " + err.Error()}
	}
	return msg, nil
}

// vlField is one form field, kept in order so the wire body is the same on every run.
type vlField struct{ name, value string }

// vlImage is a photo part of a multipart update.
type vlImage struct {
	fileName string
	data     []byte
}

// vlRequest is one update a probe sends.
type vlRequest struct {
	id     string
	fields []vlField
	// multipart sends the fields as multipart/form-data (with image, if any) instead of a form.
	multipart bool
	image     *vlImage
	// note says what is special about this request, for the evidence ("email=\"not-an-email\"").
	note string
}

// vlCall is one update and what came back.
type vlCall struct {
	req  vlRequest
	resp *Response
	// code and message are the vendor's error body (error, error_description), when it is one.
	code, message string
	// errorJSON says the body was the vendor's JSON error object.
	errorJSON bool
	// contact is the answer decoded as a Contact (200 only); contactErr why it could not be.
	contact    *valomnia.Contact
	contactErr error
}

// vlRequired are the fields every update must carry (ContactUpdate's required list).
func vlRequired(customerID string, extra ...vlField) []vlField {
	return append([]vlField{{"firstName", vlFirstName}, {"lastName", vlLastName}, {"customerId", customerID}}, extra...)
}

// describe is the request half of the evidence: method, path and what the probe varied. The path
// carries record ids only, never a credential (the session goes in a cookie).
func (r vlRequest) describe() string {
	kind := "form"
	if r.multipart {
		kind = "multipart"
	}
	s := "POST /contacts/" + url.PathEscape(r.id) + " (" + kind
	if r.note != "" {
		s += ", " + r.note
	}
	return s + ")"
}

// evidence is one call in one line: what was sent, then status, media type and the error code
// and first message, or what the probe read from a contact.
func (c vlCall) evidence(detail string) string {
	s := c.req.describe() + " → " + strconv.Itoa(c.resp.Status)
	if c.resp.MediaType != "" {
		s += " " + c.resp.MediaType
	}
	if c.code != "" || c.message != "" {
		s += " " + c.code
		if c.message != "" {
			s += " " + vlQuote(c.message)
		}
	}
	if detail != "" {
		s += " " + detail
	}
	return s
}

// vlQuote quotes a vendor text for the evidence, cut short so one line stays readable.
func vlQuote(s string) string {
	const limit = 160
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return strconv.Quote(s)
}

// is reports whether the answer is the catalogue entry's status and code in the vendor's JSON
// error format (the message is left to the caller, which some probes compare on purpose).
func (c vlCall) is(e specs.Entry) bool {
	return c.resp.Status == e.Status && c.resp.MediaType == "application/json" && c.errorJSON && c.code == e.Code
}

// vlNames reports whether the answer is the not-found entry e naming id.
func vlNames(c vlCall, e specs.Entry, id string) bool {
	args, ok := e.Match(c.message)
	return c.is(e) && ok && args["id"] == id
}

// ok reports a 200 whose body is a Contact.
func (c vlCall) ok() bool { return c.resp.Status == http.StatusOK && c.contact != nil }

// vlSend sends one update and decodes the answer. A non-nil Outcome means the probe cannot go on:
// the transport failed or the session was refused, neither of which says anything about the
// discrepancy.
func vlSend(ctx context.Context, t *Target, r vlRequest) (vlCall, *Outcome) {
	contentType, body, err := r.encode()
	if err != nil {
		return vlCall{}, &Outcome{Reading: Unsettled, Evidence: r.describe() + ": build the body: " + err.Error()}
	}
	resp, err := t.Do(ctx, Request{Method: http.MethodPost, Path: "/contacts/" + url.PathEscape(r.id), ContentType: contentType, Body: body})
	if err != nil {
		return vlCall{}, &Outcome{Reading: Unsettled, Evidence: r.describe() + ": " + err.Error()}
	}
	c := vlCall{req: r, resp: resp}
	var eb valomnia.ErrorBody
	if resp.Status != http.StatusOK {
		if json.Unmarshal(resp.Body, &eb) == nil && eb.Error != "" {
			c.code, c.errorJSON = eb.Error, true
		}
		if msgs := resp.Messages(specs.Valomnia); len(msgs) > 0 {
			c.message = msgs[0]
		}
	} else {
		var contact valomnia.Contact
		if err := json.Unmarshal(resp.Body, &contact); err != nil {
			c.contactErr = err
		} else {
			c.contact = &contact
		}
	}
	if resp.Status == http.StatusUnauthorized {
		return c, &Outcome{Reading: Unsettled, Evidence: c.evidence("") + ": the session was refused; check the Valomnia credentials"}
	}
	return c, nil
}

// encode builds the body: URL-encoded, or multipart with the photo last.
func (r vlRequest) encode() (contentType string, body []byte, err error) {
	if !r.multipart {
		var b strings.Builder
		for i, f := range r.fields {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(f.name) + "=" + url.QueryEscape(f.value))
		}
		return "application/x-www-form-urlencoded", []byte(b.String()), nil
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range r.fields {
		if err := w.WriteField(f.name, f.value); err != nil {
			return "", nil, err
		}
	}
	if r.image != nil {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="imageFile"; filename=%q`, r.image.fileName))
		h.Set("Content-Type", "image/png")
		part, err := w.CreatePart(h)
		if err != nil {
			return "", nil, err
		}
		if _, err := part.Write(r.image.data); err != nil {
			return "", nil, err
		}
	}
	if err := w.Close(); err != nil {
		return "", nil, err
	}
	return w.FormDataContentType(), buf.Bytes(), nil
}

// vlFixtures returns the records a mutating probe may change, or why it cannot run. Run already
// holds mutating probes back without AllowMutations; the check is repeated here so that a probe
// called on its own (a test, another caller) never writes either.
func vlFixtures(t *Target) (contact, customer string, stop *Outcome) {
	if !t.AllowMutations {
		return "", "", &Outcome{Reading: Unsettled, Evidence: "not run: it updates the fixture contact; rerun with --allow-mutations"}
	}
	contact, okContact := t.Fixture("CONTACT_ID")
	customer, okCustomer := t.Fixture("CUSTOMER_ID")
	if !okContact || !okCustomer {
		return "", "", &Outcome{Reading: Unsettled, Evidence: "not run: name the records it may change with CONTACTAPIS_VALOMNIA_CONTACT_ID and CONTACTAPIS_VALOMNIA_CUSTOMER_ID"}
	}
	return contact, customer, nil
}

// vlSmallPNG is a valid 1×1 PNG.
var vlSmallPNG = sync.OnceValue(func() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.NRGBA{R: 0x2a, G: 0x7f, B: 0xd4, A: 0xff})
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to memory cannot fail
	return buf.Bytes()
})

// vlPaddedPNG is a valid PNG of exactly size bytes: the 1×1 image with a tEXt comment chunk before
// IEND making up the rest. Decoders skip the comment, so the vendor sees a real image whatever the
// order of its size and format checks.
func vlPaddedPNG(size int) []byte {
	small := vlSmallPNG()
	const iendLen, chunkOverhead = 12, 12 // length, type and CRC around the data
	n := size - len(small) - chunkOverhead
	if n < 8 {
		return small
	}
	data := append([]byte("Comment\x00"), bytes.Repeat([]byte{'a'}, n-8)...)
	out := make([]byte, 0, size)
	out = append(out, small[:len(small)-iendLen]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	chunk := append([]byte("tEXt"), data...)
	out = append(out, chunk...)
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
	return append(out, small[len(small)-iendLen:]...)
}

// vlPhoto is the photo link of a contact ("" for none), for comparisons and the evidence.
func vlPhoto(c *valomnia.Contact) string {
	if c == nil || c.Photo == nil {
		return ""
	}
	return *c.Photo
}

// vlNotContact is the Neither outcome of an answer that should have been the updated contact.
func vlNotContact(c vlCall) Outcome {
	detail := ""
	if c.resp.Status == http.StatusOK && c.contactErr != nil {
		detail = "(not a Contact: " + c.contactErr.Error() + ")"
	}
	return Outcome{Reading: Neither, Evidence: c.evidence(detail)}
}

// vlProbeContactIDType: the page types the path id as a Long, the spec as a string that
// useExternalId=true makes the caller's own reference. An unknown reference with useExternalId=true
// must be looked up (not_found) rather than refused for its type; the same text without it is
// then refused or not found. Neither request can write: the reference exists nowhere.
func vlProbeContactIDType(ctx context.Context, t *Target) Outcome {
	invalid, stop := vlEntry("invalid-param-type")
	if stop != nil {
		return *stop
	}
	ofContact, stop := vlEntry("not-found-contact")
	if stop != nil {
		return *stop
	}
	ofCustomer, stop := vlEntry("not-found-customer")
	if stop != nil {
		return *stop
	}
	idType, stop := vlRender(invalid, map[string]string{"param": "id"})
	if stop != nil {
		return *stop
	}
	customer, ok := t.Fixture("CUSTOMER_ID")
	if !ok {
		customer = vlUnknownID
	}
	external, stop := vlSend(ctx, t, vlRequest{id: vlUnknownRef,
		fields: vlRequired(vlUnknownRef, vlField{"useExternalId", "true"}), note: "useExternalId=true"})
	if stop != nil {
		return *stop
	}
	plain, stop := vlSend(ctx, t, vlRequest{id: vlUnknownRef, fields: vlRequired(customer), note: "without useExternalId"})
	if stop != nil {
		return *stop
	}
	evidence := external.evidence("") + "; " + plain.evidence("")
	// Either not_found (the contact's, or the customer's if the vendor looks that up first) shows
	// the text was taken as a reference.
	externalFound := vlNames(external, ofContact, vlUnknownRef) || vlNames(external, ofCustomer, vlUnknownRef)
	plainOK := plain.is(ofContact) || plain.is(invalid)
	switch {
	case external.is(invalid) && external.message == idType:
		return Outcome{Reading: Page, Evidence: evidence}
	case externalFound && plainOK:
		return Outcome{Reading: Spec, Evidence: evidence}
	}
	return Outcome{Reading: Neither, Evidence: evidence}
}

// vlProbeImageFileMediaType: the spec accepts both media types but lets only multipart carry the
// photo; the page lists imageFile with the other fields as if any body could. The same update is
// sent as a form, as a form with the photo as a data URI, and as multipart with the photo; all
// three must answer 200, the form's photo must leave the stored one alone and the multipart's
// must replace it.
func vlProbeImageFileMediaType(ctx context.Context, t *Target) Outcome {
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	pic := vlSmallPNG()
	dataURI := "data:image/png;base64," + base64.StdEncoding.EncodeToString(pic)
	plain, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer), note: "no photo"})
	if stop != nil {
		return *stop
	}
	if !plain.ok() {
		return vlNotContact(plain)
	}
	inForm, stop := vlSend(ctx, t, vlRequest{id: contact,
		fields: vlRequired(customer, vlField{"imageFile", dataURI}), note: "imageFile as a data URI"})
	if stop != nil {
		return *stop
	}
	if unsupported, stop := vlEntry("unsupported-file-type"); stop != nil {
		return *stop
	} else if inForm.is(unsupported) {
		// The form's imageFile was judged as a photo: the vendor reads it from a form too.
		return Outcome{Reading: Page, Evidence: plain.evidence("") + "; " + inForm.evidence("")}
	}
	if !inForm.ok() {
		return vlNotContact(inForm)
	}
	inPart, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer), multipart: true,
		image: &vlImage{fileName: vlPhotoName, data: pic}, note: fmt.Sprintf("imageFile %d-byte PNG", len(pic))})
	if stop != nil {
		return *stop
	}
	if !inPart.ok() {
		return vlNotContact(inPart)
	}
	before, afterForm, afterPart := vlPhoto(plain.contact), vlPhoto(inForm.contact), vlPhoto(inPart.contact)
	evidence := fmt.Sprintf("%s; %s; %s", plain.evidence("photo "+strconv.Quote(before)),
		inForm.evidence("photo "+strconv.Quote(afterForm)), inPart.evidence("photo "+strconv.Quote(afterPart)))
	switch {
	case afterForm != before:
		return Outcome{Reading: Page, Evidence: evidence}
	case afterPart == "" || afterPart == afterForm:
		return Outcome{Reading: Neither, Evidence: evidence}
	}
	return Outcome{Reading: Spec, Evidence: evidence}
}

// vlProbeEmailOperation and vlProbeCountryOperation: the page prints these messages as a
// source-code concatenation around an operation word; the spec reads the word as "update".
// Mutating: a vendor that does not check the value stores it.
func vlProbeEmailOperation(ctx context.Context, t *Target) Outcome {
	return vlOperationMessage(ctx, t, "email-validation-error", vlField{"email", "not-an-email"})
}

func vlProbeCountryOperation(ctx context.Context, t *Target) Outcome {
	return vlOperationMessage(ctx, t, "country-error", vlField{"country", "ZZ"})
}

// vlOperationMessage sends a value the entry refuses and reads the operation word out of the
// answer with the entry's message as the template: the spec's word is Spec, any other word (the
// page's literal "+operation+" included) is the page's template filled differently, Page.
func vlOperationMessage(ctx context.Context, t *Target, entryID string, bad vlField) Outcome {
	e, stop := vlEntry(entryID)
	if stop != nil {
		return *stop
	}
	if !strings.Contains(e.Message, vlOperationWord) {
		return Outcome{Reading: Unsettled, Evidence: fmt.Sprintf("specs/valomnia.yaml: %s no longer names the operation %q; update the probe", entryID, vlOperationWord)}
	}
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	c, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer, bad), note: bad.name + "=" + strconv.Quote(bad.value)})
	if stop != nil {
		return *stop
	}
	if !c.is(e) {
		return Outcome{Reading: Neither, Evidence: c.evidence("")}
	}
	template := specs.Entry{ID: e.ID, Message: strings.Replace(e.Message, vlOperationWord, "{operation}", 1)}
	args, matched := template.Match(c.message)
	switch {
	case !matched:
		return Outcome{Reading: Neither, Evidence: c.evidence("")}
	case args["operation"] == vlOperationWord:
		return Outcome{Reading: Spec, Evidence: c.evidence("")}
	}
	return Outcome{Reading: Page, Evidence: c.evidence("(operation " + vlQuote(args["operation"]) + ")")}
}

// vlProbeExceededFileSize: the page's example body is unterminated JSON; the spec reads the
// message as the text to the end of the line. A 3 MB PNG must answer the entry in well-formed
// JSON with exactly the catalogue's text. Mutating: a vendor without the limit stores the photo.
func vlProbeExceededFileSize(ctx context.Context, t *Target) Outcome {
	e, stop := vlEntry("exceeded-file-size")
	if stop != nil {
		return *stop
	}
	want, stop := vlRender(e, nil)
	if stop != nil {
		return *stop
	}
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	c, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer), multipart: true,
		image: &vlImage{fileName: vlPhotoName, data: vlPaddedPNG(vlOversized)}, note: fmt.Sprintf("imageFile %d-byte PNG", vlOversized)})
	if stop != nil {
		return *stop
	}
	switch {
	case c.is(e) && c.message == want:
		return Outcome{Reading: Spec, Evidence: c.evidence("")}
	case c.resp.Status == e.Status && !json.Valid(c.resp.Body) &&
		bytes.Contains(c.resp.Body, []byte(e.Code)) && bytes.Contains(c.resp.Body, []byte(want)):
		// The page's body as printed: the code and the text, but not valid JSON.
		return Outcome{Reading: Page, Evidence: c.evidence("(body is not valid JSON)")}
	}
	return Outcome{Reading: Neither, Evidence: c.evidence("")}
}

// vlProbeNotFoundNamesCustomer: the page's only 404 text speaks of a customer; the spec keeps it
// for an unknown customerId and gives an unknown contact its own wording. Mutating: the first
// request names the fixture contact, which a vendor ignoring the unknown customer would update.
func vlProbeNotFoundNamesCustomer(ctx context.Context, t *Target) Outcome {
	ofCustomer, stop := vlEntry("not-found-customer")
	if stop != nil {
		return *stop
	}
	ofContact, stop := vlEntry("not-found-contact")
	if stop != nil {
		return *stop
	}
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	badCustomer, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(vlUnknownID), note: "unknown customerId"})
	if stop != nil {
		return *stop
	}
	badContact, stop := vlSend(ctx, t, vlRequest{id: vlUnknownID, fields: vlRequired(customer), note: "unknown contact"})
	if stop != nil {
		return *stop
	}
	evidence := badCustomer.evidence("") + "; " + badContact.evidence("")
	switch {
	case !vlNames(badCustomer, ofCustomer, vlUnknownID):
		return Outcome{Reading: Neither, Evidence: evidence}
	case vlNames(badContact, ofContact, vlUnknownID):
		return Outcome{Reading: Spec, Evidence: evidence}
	case vlNames(badContact, ofCustomer, vlUnknownID):
		// The customer's wording for the contact: the page's one 404 text serves both.
		return Outcome{Reading: Page, Evidence: evidence}
	}
	return Outcome{Reading: Neither, Evidence: evidence}
}

// vlProbeCustomerIDType: the page types customerId "Long/String"; the spec takes a string but,
// without useExternalId, a customerId that is not a Long answers invalid_param_type naming it.
// The customerId is a reference no tenant holds, so the request cannot write under either reading
// as the page and the spec state them. It names the fixture contact only when mutations are
// allowed (so that a vendor checking the contact first still reaches the customerId): a vendor
// that answers 200 here, which the probe counts as the page's reading, has updated that contact.
func vlProbeCustomerIDType(ctx context.Context, t *Target) Outcome {
	invalid, stop := vlEntry("invalid-param-type")
	if stop != nil {
		return *stop
	}
	want, stop := vlRender(invalid, map[string]string{"param": "customerId"})
	if stop != nil {
		return *stop
	}
	ofCustomer, stop := vlEntry("not-found-customer")
	if stop != nil {
		return *stop
	}
	ofContact, stop := vlEntry("not-found-contact")
	if stop != nil {
		return *stop
	}
	contact, hasContact := t.Fixture("CONTACT_ID")
	if !hasContact || !t.AllowMutations {
		contact, hasContact = vlUnknownID, false
	}
	c, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(vlUnknownRef), note: "customerId not a Long, without useExternalId"})
	if stop != nil {
		return *stop
	}
	customerArgs, namesCustomer := ofCustomer.Match(c.message)
	_, namesContact := ofContact.Match(c.message)
	switch {
	case c.is(invalid) && c.message == want:
		return Outcome{Reading: Spec, Evidence: c.evidence("")}
	case c.is(ofCustomer) && namesCustomer && customerArgs["id"] == vlUnknownRef, c.ok():
		// The text was taken as a customer reference (looked up, or even found).
		return Outcome{Reading: Page, Evidence: c.evidence("")}
	case c.is(ofContact) && namesContact && !hasContact:
		return Outcome{Reading: Unsettled, Evidence: c.evidence("") + ": the vendor checks the contact first; rerun with --allow-mutations and CONTACTAPIS_VALOMNIA_CONTACT_ID naming a contact the probe may update"}
	}
	return Outcome{Reading: Neither, Evidence: c.evidence("")}
}

// vlProbeCountryCodeFormat: the page says only "ISO county code" with the example FR; the spec
// reads ISO 3166-1 alpha-2 in upper case. FR must be stored, "fr" and "FRA" refused with
// country_error (accepting either is one of the page's other ISO readings), and "" accepted and
// clearing the country, as an update stores each optional field sent as sent.
func vlProbeCountryCodeFormat(ctx context.Context, t *Target) Outcome {
	e, stop := vlEntry("country-error")
	if stop != nil {
		return *stop
	}
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	send := func(country string) (vlCall, *Outcome) {
		return vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer, vlField{"country", country}), note: "country=" + strconv.Quote(country)})
	}
	country := func(c vlCall) string {
		if c.contact == nil || c.contact.Country == nil {
			return "country absent"
		}
		return "country " + strconv.Quote(*c.contact.Country)
	}
	var calls []string
	reading := Spec
	worst := func(r Reading) {
		if r == Neither || reading == Spec {
			reading = r
		}
	}
	upper, stop := send("FR")
	if stop != nil {
		return *stop
	}
	calls = append(calls, upper.evidence(country(upper)))
	if !upper.ok() || upper.contact.Country == nil || *upper.contact.Country != "FR" {
		return Outcome{Reading: Neither, Evidence: strings.Join(calls, "; ")}
	}
	for _, other := range []string{"fr", "FRA"} {
		c, stop := send(other)
		if stop != nil {
			return *stop
		}
		switch {
		case c.is(e):
			calls = append(calls, c.evidence(""))
		case c.ok():
			calls = append(calls, c.evidence(country(c)))
			worst(Page)
		default:
			calls = append(calls, c.evidence(""))
			worst(Neither)
		}
	}
	empty, stop := send("")
	if stop != nil {
		return *stop
	}
	calls = append(calls, empty.evidence(country(empty)))
	if !empty.ok() || empty.contact.Country == nil || *empty.contact.Country != "" {
		worst(Neither)
	}
	return Outcome{Reading: reading, Evidence: strings.Join(calls, "; ")}
}

// vlProbeResponseOnlyFields: the spec makes comment and isDecisionMaker response-only; were they
// settable, they would be undocumented request fields. An update sends both changed; the answer
// must keep the values of the update before it.
func vlProbeResponseOnlyFields(ctx context.Context, t *Target) Outcome {
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	before, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer), note: "required fields only"})
	if stop != nil {
		return *stop
	}
	if !before.ok() {
		return vlNotContact(before)
	}
	comment := "contactapis drift probe " + time.Now().UTC().Format(time.RFC3339Nano)
	decides := before.contact.IsDecisionMaker == nil || !*before.contact.IsDecisionMaker
	after, stop := vlSend(ctx, t, vlRequest{id: contact,
		fields: vlRequired(customer, vlField{"comment", comment}, vlField{"isDecisionMaker", strconv.FormatBool(decides)}),
		note:   "comment and isDecisionMaker=" + strconv.FormatBool(decides)})
	if stop != nil {
		return *stop
	}
	if !after.ok() {
		return vlNotContact(after)
	}
	show := func(c *valomnia.Contact) string {
		s := "comment "
		if c.Comment == nil {
			s += "absent"
		} else {
			s += vlQuote(*c.Comment)
		}
		if c.IsDecisionMaker == nil {
			return s + " isDecisionMaker absent"
		}
		return s + " isDecisionMaker " + strconv.FormatBool(*c.IsDecisionMaker)
	}
	evidence := before.evidence(show(before.contact)) + "; " + after.evidence(show(after.contact))
	sameComment := vlEqual(before.contact.Comment, after.contact.Comment)
	sameDecides := vlEqual(before.contact.IsDecisionMaker, after.contact.IsDecisionMaker)
	switch {
	case sameComment && sameDecides:
		return Outcome{Reading: Spec, Evidence: evidence}
	case (sameComment || vlEqual(after.contact.Comment, &comment)) && (sameDecides || vlEqual(after.contact.IsDecisionMaker, &decides)):
		// Changed to what was sent: the fields are settable.
		return Outcome{Reading: Page, Evidence: evidence}
	}
	return Outcome{Reading: Neither, Evidence: evidence}
}

// vlEqual compares two optional values, absent equal to absent.
func vlEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// vlProbeCountryEmptyInResponse: the page's success answer has country "" although the request
// takes a code; the spec answers the stored code. An update with FR must answer "FR".
func vlProbeCountryEmptyInResponse(ctx context.Context, t *Target) Outcome {
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	c, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer, vlField{"country", "FR"}), note: `country="FR"`})
	if stop != nil {
		return *stop
	}
	if !c.ok() {
		return vlNotContact(c)
	}
	switch {
	case c.contact.Country == nil || *c.contact.Country == "":
		return Outcome{Reading: Page, Evidence: c.evidence("country empty or absent")}
	case *c.contact.Country == "FR":
		return Outcome{Reading: Spec, Evidence: c.evidence(`country "FR"`)}
	}
	return Outcome{Reading: Neither, Evidence: c.evidence("country " + vlQuote(*c.contact.Country))}
}

// vlUploadPhoto stores a small PNG on the fixture contact and returns the answer.
func vlUploadPhoto(ctx context.Context, t *Target, contact, customer string) (vlCall, *Outcome) {
	pic := vlSmallPNG()
	return vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer), multipart: true,
		image: &vlImage{fileName: vlPhotoName, data: pic}, note: fmt.Sprintf("imageFile %d-byte PNG", len(pic))})
}

// vlProbePhotoBaseURL: the page writes the photo link with a BASE_URL placeholder; the spec keeps
// it verbatim as a link callers prefix with the file host. A photo link that is relative or
// host-relative is the spec's; an absolute one (scheme and host, or //host) means the placeholder
// stood for a host the vendor fills in itself, the page's other reading.
func vlProbePhotoBaseURL(ctx context.Context, t *Target) Outcome {
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	c, stop := vlUploadPhoto(ctx, t, contact, customer)
	if stop != nil {
		return *stop
	}
	if !c.ok() {
		return vlNotContact(c)
	}
	photo := vlPhoto(c.contact)
	u, err := url.Parse(photo)
	switch {
	case photo == "":
		return Outcome{Reading: Neither, Evidence: c.evidence("no photo in the answer")}
	case err != nil:
		return Outcome{Reading: Neither, Evidence: c.evidence("photo " + vlQuote(photo) + " is not a URL")}
	case u.Host != "":
		return Outcome{Reading: Page, Evidence: c.evidence("photo " + vlQuote(photo) + " is absolute")}
	case strings.HasPrefix(photo, "/"):
		return Outcome{Reading: Spec, Evidence: c.evidence("photo " + vlQuote(photo) + " is host-relative")}
	}
	return Outcome{Reading: Spec, Evidence: c.evidence("photo " + vlQuote(photo) + " is relative")}
}

// vlProbePhotoNewerThanLastUpdated: the page's photo is two days newer than its lastUpdated.
// Either storing a photo does not move lastUpdated (the page's reading), or the example was
// pieced together, which the spec's (and the mock's) every-update-moves-it is consistent with. An
// update sets the names, then, a little over a second later, the same update adds a photo: its
// lastUpdated must have moved to the time of the call and agree with the epoch milliseconds that
// start the photo's file name.
func vlProbePhotoNewerThanLastUpdated(ctx context.Context, t *Target) Outcome {
	contact, customer, stop := vlFixtures(t)
	if stop != nil {
		return *stop
	}
	first, stop := vlSend(ctx, t, vlRequest{id: contact, fields: vlRequired(customer), note: "no photo"})
	if stop != nil {
		return *stop
	}
	if !first.ok() || first.contact.LastUpdated == nil {
		return vlNotContact(first)
	}
	select {
	case <-ctx.Done():
		return Outcome{Reading: Unsettled, Evidence: first.evidence("") + "; then " + ctx.Err().Error()}
	case <-time.After(vlUpdateGap):
	}
	start := time.Now()
	second, stop := vlUploadPhoto(ctx, t, contact, customer)
	if stop != nil {
		return *stop
	}
	end := time.Now()
	if !second.ok() || second.contact.LastUpdated == nil {
		return vlNotContact(second)
	}
	l1, l2 := *first.contact.LastUpdated, *second.contact.LastUpdated
	photo := vlPhoto(second.contact)
	evidence := first.evidence("lastUpdated "+l1.UTC().Format(time.RFC3339)) + "; " +
		second.evidence(fmt.Sprintf("lastUpdated %s photo %s", l2.UTC().Format(time.RFC3339), vlQuote(photo)))
	millis, err := strconv.ParseInt(strings.SplitN(path.Base(photo), "_", 2)[0], 10, 64)
	if photo == "" || err != nil {
		return Outcome{Reading: Neither, Evidence: evidence + " (no epoch milliseconds in the photo's file name)"}
	}
	stored := time.UnixMilli(millis)
	switch {
	case l2.Equal(l1) && stored.After(l2):
		return Outcome{Reading: Page, Evidence: evidence + " (storing the photo did not move lastUpdated)"}
	case l2.After(l1) && vlWithin(l2, stored.Add(-2*time.Second), stored.Add(2*time.Second)) &&
		vlWithin(l2, start.Add(-vlClockSkew-time.Second), end.Add(vlClockSkew)):
		return Outcome{Reading: Spec, Evidence: evidence}
	}
	return Outcome{Reading: Neither, Evidence: fmt.Sprintf("%s (call at %s)", evidence, start.UTC().Format(time.RFC3339))}
}

// vlWithin reports whether t lies in [from, to].
func vlWithin(t, from, to time.Time) bool { return !t.Before(from) && !t.After(to) }
