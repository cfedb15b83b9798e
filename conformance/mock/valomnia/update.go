package valomnia

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oapi-codegen/runtime"

	api "github.com/contactapis/contactapis/gen/valomnia"
)

// Wire names the checks refer to (properties of the spec's ContactUpdate and
// ContactUpdateMultipart, and the path parameter).
const (
	paramID            = "id"
	paramCustomerID    = "customerId"
	paramUseExternalID = "useExternalId"
	paramImageFile     = "imageFile"
)

// MaxImageBytes is the largest photo the mock accepts. The page's limit is "2Mo" and the spec
// (imageFile x-assumed) leaves open whether that is 2,000,000 or 2,097,152 bytes; the mock takes
// the smaller, as the typed client does (gen/valomnia.MaxImageBytes), so that whatever passes here
// passes either reading.
const MaxImageBytes = 2_000_000

// MaxTextLength is the longest text (in characters) a contact field stores. Longer values answer
// save-failed: Valomnia runs on Grails (its login is the spring-security-core plugin's), whose
// ORM maps a String property to a 255-character column unless told otherwise, so saving a longer
// value fails. Assumed; the page gives no length.
const MaxTextLength = 255

// imageTypes are the photo formats the page accepts, as http.DetectContentType names them.
var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/gif": ".gif", "image/png": ".png", "image/bmp": ".bmp"}

// updateInput is an update as read from the wire, whichever media type carried it.
type updateInput struct {
	id     string
	fields api.ContactUpdate
	// badBool is set when useExternalId was sent but is not a boolean.
	badBool bool
	// nonUTF8 names the first parameter (body, then query) whose name or a value is not UTF-8.
	nonUTF8 string
	image   *imagePart
	// unreadable is set when the body could not be read to its end (a malformed form, a truncated
	// multipart body): the vendor then has no parameters at all.
	unreadable bool
}

// imagePart is the photo of a multipart update.
type imagePart struct {
	fileName string
	data     []byte // at most MaxImageBytes+1 bytes
	tooLarge bool
}

// fieldsFromValues binds parameters read from the wire (a multipart body's fields, or a form the
// generated binding refused) the way the generated form binding does: first value wins, unknown
// names ignored. useExternalId is parsed here, so that a value that is not a boolean is reported
// as the vendor does rather than failing the whole binding.
func fieldsFromValues(values url.Values) (fields api.ContactUpdate, badBool bool) {
	rest := maps.Clone(values)
	delete(rest, paramUseExternalID)
	if raw := values[paramUseExternalID]; len(raw) > 0 {
		// strconv.ParseBool is what the generated binding and kin-openapi accept ("1", "True", ...).
		if b, err := strconv.ParseBool(raw[0]); err == nil {
			fields.UseExternalID = &b
		} else {
			badBool = true
		}
	}
	// Every other property is a string, which binding cannot refuse.
	_ = runtime.BindForm(&fields, rest, nil, nil)
	return fields, badBool
}

// readMultipart reads a multipart update: the part named imageFile is the photo (whatever its
// declared type; its format is judged from its bytes), every other named part a field. An empty
// photo part is no photo, as browsers send one when no file was chosen; of several photo parts the
// first non-empty one counts.
func readMultipart(mr *multipart.Reader) (values url.Values, img *imagePart, nonUTF8 string, err error) {
	values = url.Values{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return values, img, nonUTF8, nil
		}
		if err != nil {
			return values, img, nonUTF8, err
		}
		name := p.FormName()
		if nonUTF8 == "" && !utf8.ValidString(name) {
			nonUTF8 = printable(name)
		}
		switch {
		case name == paramImageFile:
			data, err := io.ReadAll(io.LimitReader(p, MaxImageBytes+1))
			if err == nil && len(data) > MaxImageBytes {
				_, err = io.Copy(io.Discard, p) // to the next part, so a truncated body is still seen
			}
			if err != nil {
				return values, img, nonUTF8, err
			}
			if img == nil && len(data) > 0 {
				img = &imagePart{fileName: p.FileName(), data: data, tooLarge: len(data) > MaxImageBytes}
			}
		case name != "":
			data, err := io.ReadAll(p)
			if err != nil {
				return values, img, nonUTF8, err
			}
			if nonUTF8 == "" && !utf8.Valid(data) {
				nonUTF8 = printable(name)
			}
			values.Add(name, string(data))
		default:
			if _, err := io.Copy(io.Discard, p); err != nil {
				return values, img, nonUTF8, err
			}
		}
	}
}

// firstNonUTF8 returns the name of the first parameter of a query or form (in wire order) whose
// name or value is not UTF-8 once decoded, made printable; pairs that do not decode are skipped.
func firstNonUTF8(query string) string {
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		rawName, rawValue, _ := strings.Cut(pair, "=")
		n, err1 := url.QueryUnescape(rawName)
		v, err2 := url.QueryUnescape(rawValue)
		if err1 == nil && err2 == nil && (!utf8.ValidString(n) || !utf8.ValidString(v)) {
			return printable(n)
		}
	}
	return ""
}

// printable is a parameter name as a message can carry it.
func printable(name string) string { return strings.ToValidUTF8(name, "\uFFFD") }

// plan is an update that passed every check but saving.
type plan struct {
	contact, customer key
	change            change
}

// check judges an update in the mock's order (see the package doc): what was sent and in which
// type, then which records it names, then the values, then the photo, then what storage accepts.
func (b *Backend) check(in updateInput) (plan, *vendorError) {
	if in.unreadable {
		return plan{}, refuse(idMissingParam, "param", b.required[0])
	}
	f := in.fields
	for _, name := range b.required {
		if requiredValue(f, name) == "" {
			return plan{}, refuse(idMissingParam, "param", name)
		}
	}
	if in.badBool {
		return plan{}, refuse(idInvalidParamType, "param", paramUseExternalID)
	}
	external := f.UseExternalID != nil && *f.UseExternalID
	contact, ok := parseKey(in.id, external)
	if !ok {
		return plan{}, refuse(idInvalidParamType, "param", paramID)
	}
	customer, ok := parseKey(f.CustomerID, external)
	if !ok {
		return plan{}, refuse(idInvalidParamType, "param", paramCustomerID)
	}
	if in.nonUTF8 != "" {
		return plan{}, refuse(idInvalidParamType, "param", in.nonUTF8)
	}
	texts := textFields(f)
	if err := b.store.resolve(contact, customer); err != nil {
		return plan{}, b.storeError(err, contact, customer)
	}
	if f.Email != nil && *f.Email != "" && !validEmail(*f.Email) {
		return plan{}, refuse(idEmailValidation)
	}
	if f.Country != nil && *f.Country != "" && !validCountry(*f.Country) {
		return plan{}, refuse(idCountryError)
	}
	ch := change{firstName: f.FirstName, lastName: f.LastName, optional: map[string]*string{}}
	if in.image != nil {
		if in.image.tooLarge {
			return plan{}, refuse(idExceededFileSize)
		}
		contentType := http.DetectContentType(in.image.data)
		ext, ok := imageTypes[contentType]
		if !ok {
			return plan{}, refuse(idUnsupportedFileType)
		}
		ch.photo = &photoUpload{fileName: photoFileName(in.image.fileName, ext), size: len(in.image.data)}
	}
	for _, t := range texts {
		if utf8.RuneCountInString(t.value) > MaxTextLength {
			return plan{}, refuse(idSaveFailed)
		}
		if t.optional {
			ch.optional[t.name] = t.ptr
		}
	}
	return plan{contact: contact, customer: customer, change: ch}, nil
}

// storeError maps the store's sentinels to their catalogue entries.
func (b *Backend) storeError(err error, contact, customer key) *vendorError {
	switch {
	case errors.Is(err, ErrContactNotFound):
		return refuse(idNotFoundContact, "id", contact.String())
	case errors.Is(err, ErrCustomerNotFound):
		return refuse(idNotFoundCustomer, "id", customer.String())
	case errors.Is(err, ErrSaveFailed):
		return refuse(idSaveFailed)
	}
	b.logger.Error("valomnia mock: unexpected store error", "error", err)
	return refuse(idServerError)
}

// parseKey reads a path id or customerId: the caller's reference as sent when external, else a
// Long as Java parses one (an optional sign, decimal digits, 64 bits).
func parseKey(s string, external bool) (key, bool) {
	if external {
		return key{external: true, ref: s}, utf8.ValidString(s)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return key{id: id}, err == nil
}

// requiredValue returns the value of a required property; New checks that the spec requires no
// property this does not know.
func requiredValue(f api.ContactUpdate, name string) string {
	switch name {
	case "firstName":
		return f.FirstName
	case "lastName":
		return f.LastName
	case paramCustomerID:
		return f.CustomerID
	}
	return "\x00unknown"
}

// knownRequired are the required properties requiredValue knows.
var knownRequired = []string{"firstName", "lastName", paramCustomerID}

// textField is one text property of an update that was sent.
type textField struct {
	name     string
	value    string
	ptr      *string
	optional bool
}

// textFields lists the text properties sent, in the page's table order.
func textFields(f api.ContactUpdate) []textField {
	out := []textField{{name: "firstName", value: f.FirstName}, {name: "lastName", value: f.LastName},
		{name: paramCustomerID, value: f.CustomerID}}
	for _, o := range []struct {
		name string
		ptr  *string
	}{{"fonction", f.Fonction}, {"country", f.Country}, {"city", f.City}, {"postalCode", f.PostalCode},
		{"address", f.Address}, {"email", f.Email}, {"phone", f.Phone}, {"phone2", f.Phone2},
		{"mobile", f.Mobile}, {"fax", f.Fax}} {
		if o.ptr != nil {
			out = append(out, textField{name: o.name, value: *o.ptr, ptr: o.ptr, optional: true})
		}
	}
	return out
}

// validEmail is the mock's reading of "incorrect Email format" (the page names the error, not the
// rule): a bare address as net/mail parses it (no display name, angle brackets or comment), whose
// domain has a dot between non-empty labels and is not an address literal. Grails' email
// constraint (Apache Commons Validator) refuses dotless domains such as "localhost" too.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if strings.HasPrefix(domain, "[") {
		return false
	}
	labels := strings.Split(domain, ".")
	return len(labels) >= 2 && !slices.Contains(labels, "")
}

// photoUpload is a photo that passed the checks; the store makes its link.
type photoUpload struct {
	fileName string
	size     int
}

// photoFileName makes the uploaded file name safe for a link: letters, digits, dot, dash and
// underscore kept, anything else an underscore, at most 100 characters; a photo sent without a
// name is called "photo" with the extension of its detected format.
func photoFileName(name, ext string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 100 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if s := strings.Trim(b.String(), "."); s != "" {
		return s
	}
	return "photo" + ext
}

// photoLink is the page's photo URL shape: the tenant's photo folder, then the upload time in epoch
// milliseconds, a number and the file name
// ("BASE_URL/entity1-1450169988465/photoContact/1471508040029_2938_marie_schrader.png"). What the
// page's 2938 counts is not said; the mock puts the photo's size in bytes there.
func photoLink(base string, millis int64, p *photoUpload) string {
	return fmt.Sprintf("%s%d_%d_%s", base, millis, p.size, p.fileName)
}
