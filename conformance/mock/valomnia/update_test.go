package valomnia_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	api "github.com/contactapis/contactapis/gen/valomnia"
)

// refusal is an expected catalogue answer; an empty id means 200.
type refusal struct {
	id   string
	args map[string]string
}

func param(name string) map[string]string { return map[string]string{"param": name} }

// check sends r and checks the answer against want.
func (e *env) check(t *testing.T, r raw, want refusal) result {
	t.Helper()
	res := e.send(r)
	if want.id == "" {
		wantContact(t, res)
	} else {
		wantError(t, res, want.id, want.args)
	}
	return res
}

// missing-param names the first required parameter missing, in the table's order (firstName,
// lastName, customerId); an empty value is missing (the page's own example names customerId).
func TestRequiredParametersInTableOrder(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
	}{
		{"nothing", "", "firstName"},
		{"only optional fields", "city=Paris", "firstName"},
		{"no firstName", "lastName=Schrader&customerId=3229", "firstName"},
		{"empty firstName", "firstName=&lastName=Schrader&customerId=3229", "firstName"},
		{"no lastName", "firstName=Marie&customerId=3229", "lastName"},
		{"no customerId", "firstName=Marie&lastName=Schrader", "customerId"},
		{"empty customerId", "firstName=Marie&lastName=Schrader&customerId=", "customerId"},
		// An indexed name is another parameter.
		{"indexed firstName", "firstName[0]=Marie&lastName=Schrader&customerId=3229", "firstName"},
		// Missing comes before every other check: the contact does not exist either.
		{"missing before unknown", "firstName=Marie&lastName=", "lastName"},
		// ... and before a useExternalId that is not a boolean.
		{"missing before type", "firstName=Marie&useExternalId=maybe", "lastName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			token := e.login()
			path := "/api/v1.0/contacts/5"
			if tt.name == "missing before unknown" {
				path = "/api/v1.0/contacts/999"
			}
			e.check(t, form(path, tt.body, token), refusal{"missing-param", param(tt.want)})
			// The same fields as multipart.
			var parts []part
			for _, pair := range strings.Split(tt.body, "&") {
				if name, value, ok := strings.Cut(pair, "="); ok {
					parts = append(parts, part{name: name, data: []byte(value)})
				}
			}
			e.check(t, multipartUpdate(t, path, token, parts...), refusal{"missing-param", param(tt.want)})
		})
	}
}

// Without useExternalId, the path id and customerId are Valomnia's numeric ids (Longs): anything
// else is invalid_param_type naming the parameter. useExternalId itself must be a boolean.
func TestNumericIDsWithoutUseExternalID(t *testing.T) {
	tests := []struct {
		name, path, body string
		want             refusal
	}{
		{"customerId a reference", "5", "firstName=M&lastName=S&customerId=C0959", refusal{"invalid-param-type", param("customerId")}},
		{"customerId a decimal", "5", "firstName=M&lastName=S&customerId=3229.0", refusal{"invalid-param-type", param("customerId")}},
		{"customerId over 64 bits", "5", "firstName=M&lastName=S&customerId=9223372036854775808", refusal{"invalid-param-type", param("customerId")}},
		{"id a reference", "CT-0005", "firstName=M&lastName=S&customerId=3229", refusal{"invalid-param-type", param("id")}},
		// The id comes before customerId, as in the table.
		{"both", "CT-0005", "firstName=M&lastName=S&customerId=C0959", refusal{"invalid-param-type", param("id")}},
		{"useExternalId not a boolean", "5", "firstName=M&lastName=S&customerId=3229&useExternalId=yes", refusal{"invalid-param-type", param("useExternalId")}},
		// useExternalId first: it decides how the ids are read.
		{"useExternalId before the ids", "CT-0005", "firstName=M&lastName=S&customerId=3229&useExternalId=yes", refusal{"invalid-param-type", param("useExternalId")}},
		// A Long as Java parses one: an explicit sign is fine.
		{"signed id", "+5", "firstName=M&lastName=S&customerId=3229", refusal{}},
		{"false is numeric", "5", "firstName=M&lastName=S&customerId=3229&useExternalId=false", refusal{}},
		{"unknown numeric customer", "5", "firstName=M&lastName=S&customerId=-1", refusal{"not-found-customer", map[string]string{"id": "-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			e.check(t, form("/api/v1.0/contacts/"+tt.path, tt.body, e.login()), tt.want)
		})
	}
}

// With useExternalId=true the path id and customerId are the caller's references.
func TestUseExternalIDReadsReferences(t *testing.T) {
	tests := []struct {
		name, path, body string
		want             refusal
		updated          int64 // the contact that changed
		customer         int64 // its customer after the update
	}{
		{"references of contact 5 and customer 3229", "CT-0005", "firstName=Marie&lastName=Schrader&customerId=C0959&useExternalId=true", refusal{}, 5, 3229},
		{"123 is contact 6's reference", "123", "firstName=Marie&lastName=Schrader&customerId=C0959&useExternalId=true", refusal{}, 6, 3229},
		{"3229 is customer 4410's reference", "CT-0005", "firstName=Marie&lastName=Schrader&customerId=3229&useExternalId=true", refusal{}, 5, 4410},
		{"no contact is referenced 5", "5", "firstName=Marie&lastName=Schrader&customerId=C0959&useExternalId=true",
			refusal{"not-found-contact", map[string]string{"id": "5"}}, 0, 0},
		{"no customer is referenced C9999", "CT-0005", "firstName=Marie&lastName=Schrader&customerId=C9999&useExternalId=true",
			refusal{"not-found-customer", map[string]string{"id": "C9999"}}, 0, 0},
		// The contact is looked up before the customer.
		{"neither exists", "nope", "firstName=Marie&lastName=Schrader&customerId=C9999&useExternalId=true",
			refusal{"not-found-contact", map[string]string{"id": "nope"}}, 0, 0},
		// A reference is any text, slashes and spaces included.
		{"reference with a slash", "crm%2F42%20b", "firstName=Marie&lastName=Schrader&customerId=C0959&useExternalId=true",
			refusal{"not-found-contact", map[string]string{"id": "crm/42 b"}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			res := e.check(t, form("/api/v1.0/contacts/"+tt.path, tt.body, e.login()), tt.want)
			if tt.updated == 0 {
				return
			}
			c := wantContact(t, res)
			if c.ID != tt.updated || *c.Customer.ID != tt.customer {
				t.Errorf("updated contact %d of customer %d, want %d of %d", c.ID, *c.Customer.ID, tt.updated, tt.customer)
			}
			if got := e.contact(tt.updated); got.CustomerID != tt.customer {
				t.Errorf("stored customer %d, want %d", got.CustomerID, tt.customer)
			}
		})
	}
}

// email_validation_error: a bare address with a dotted domain; the empty string clears the email.
func TestEmailFormat(t *testing.T) {
	tests := []struct {
		email string
		ok    bool
	}{
		{"marie@entity1.example", true},
		{"marie.schrader+work@mail.entity1.example", true},
		{"", true},
		{"not-an-email", false},
		{"marie@", false},
		{"@entity1.example", false},
		{"marie@localhost", false},
		{"marie@entity1..example", false},
		{"Marie <marie@entity1.example>", false},
		{"<marie@entity1.example>", false},
		{" marie@entity1.example", false},
		{"marie@[192.0.2.1]", false},
		{"marie@entity1.example (work)", false},
		{"marie@@entity1.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			want := refusal{}
			if !tt.ok {
				want = refusal{id: "email-validation-error"}
			}
			e.check(t, form("/api/v1.0/contacts/6", "firstName=Skyler&lastName=White&customerId=3229&email="+urlEncode(tt.email), e.login()), want)
			if tt.ok && e.contact(6).Email != tt.email {
				t.Errorf("stored email %q", e.contact(6).Email)
			}
		})
	}
}

// country_error: an ISO 3166-1 alpha-2 code exactly as written (internal/country); the empty
// string clears the country.
func TestCountryCodes(t *testing.T) {
	tests := []struct {
		country string
		ok      bool
	}{
		{"FR", true}, {"GB", true}, {"US", true}, {"", true},
		{"fr", false}, {"FRA", false}, {"ZZ", false}, {"EU", false}, {"UK", false}, {"F", false}, {"France", false},
	}
	for _, tt := range tests {
		t.Run(tt.country, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			want := refusal{}
			if !tt.ok {
				want = refusal{id: "country-error"}
			}
			e.check(t, form("/api/v1.0/contacts/6", "firstName=Skyler&lastName=White&customerId=3229&country="+tt.country, e.login()), want)
			if tt.ok && e.contact(6).Country != tt.country {
				t.Errorf("stored country %q", e.contact(6).Country)
			}
		})
	}
}

// The order of the checks after the ids: the records named (contact, then customer), then the
// values (email, country), then the photo (size, format), then what storage takes.
func TestCheckOrder(t *testing.T) {
	bad := "firstName=M&lastName=S&email=x&country=ZZ&fax=" + strings.Repeat("9", 256)
	tests := []struct {
		name, path, body string
		want             refusal
	}{
		{"contact first", "999", bad + "&customerId=31888", refusal{"not-found-contact", map[string]string{"id": "999"}}},
		{"then the customer", "5", bad + "&customerId=31888", refusal{"not-found-customer", map[string]string{"id": "31888"}}},
		{"then the email", "5", bad + "&customerId=3229", refusal{id: "email-validation-error"}},
		{"then the country", "5", strings.Replace(bad, "email=x", "email=m%40e.example", 1) + "&customerId=3229", refusal{id: "country-error"}},
		{"then the length", "5", strings.NewReplacer("email=x", "email=m%40e.example", "country=ZZ", "country=FR").Replace(bad) + "&customerId=3229", refusal{id: "save-failed"}},
		{"the flag last", "13", "firstName=Saul&lastName=Goodman&customerId=4410&country=ZZ", refusal{id: "country-error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			e.check(t, form("/api/v1.0/contacts/"+tt.path, tt.body, e.login()), tt.want)
		})
	}
	t.Run("photo after the values, before the length", func(t *testing.T) {
		e := newEnv(t, valomnia.Options{})
		token := e.login()
		text := part{name: "imageFile", fileName: "x.png", data: []byte("text")}
		e.check(t, multipartUpdate(t, "/api/v1.0/contacts/5", token, fields(part{name: "email", data: []byte("x")}, text)...), refusal{id: "email-validation-error"})
		e.check(t, multipartUpdate(t, "/api/v1.0/contacts/5", token, fields(part{name: "fax", data: bytes.Repeat([]byte("9"), 256)}, text)...), refusal{id: "unsupported-file-type"})
		big := part{name: "imageFile", fileName: "x.png", data: append([]byte("text"), make([]byte, valomnia.MaxImageBytes)...)}
		e.check(t, multipartUpdate(t, "/api/v1.0/contacts/5", token, fields(big)...), refusal{id: "exceeded-file-size"})
	})
}

// save_failed: a contact flagged failSave in the fixtures, or a text longer than the 255
// characters a Grails String column holds (characters, not bytes).
func TestSaveFailed(t *testing.T) {
	tests := []struct {
		name, path, body string
		want             refusal
	}{
		{"flagged contact", "13", "firstName=Saul&lastName=Goodman&customerId=4410", refusal{id: "save-failed"}},
		{"255 characters", "5", "firstName=Marie&lastName=Schrader&customerId=3229&address=" + strings.Repeat("%C3%A9", 255), refusal{}},
		{"256 characters", "5", "firstName=Marie&lastName=Schrader&customerId=3229&address=" + strings.Repeat("a", 256), refusal{id: "save-failed"}},
		{"256 in a required field", "5", "firstName=" + strings.Repeat("M", 256) + "&lastName=Schrader&customerId=3229", refusal{id: "save-failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			before := e.state()
			e.check(t, form("/api/v1.0/contacts/"+tt.path, tt.body, e.login()), tt.want)
			if tt.want.id != "" && !equalContacts(before, e.state()) {
				t.Error("a failed save changed the store")
			}
		})
	}
}

// The photo's limit is 2,000,000 bytes (the stricter reading of "2Mo"), judged on the photo, not
// the body; a body over the mock's 4 MiB cap is an oversized upload too.
func TestPhotoSizeLimit(t *testing.T) {
	tests := []struct {
		name string
		size int
		want refusal
	}{
		{"at the limit", 2_000_000, refusal{}},
		{"one byte over", 2_000_001, refusal{id: "exceeded-file-size"}},
		// The other reading of "2Mo" (2 MiB) is over the limit too.
		{"2 MiB", 2 << 20, refusal{id: "exceeded-file-size"}},
		{"over the body cap", valomnia.MaxBodyBytes + 1, refusal{id: "exceeded-file-size"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			e.check(t, multipartUpdate(t, "/api/v1.0/contacts/5", e.login(),
				fields(part{name: "imageFile", fileName: "m.png", contentType: "image/png", data: pngOfSize(t, tt.size)})...), tt.want)
		})
	}
	// The typed client refuses exactly what the mock refuses.
	if valomnia.MaxImageBytes != api.MaxImageBytes {
		t.Errorf("mock limit %d, client limit %d", valomnia.MaxImageBytes, api.MaxImageBytes)
	}
	// A form body over the cap carries no parameter the vendor reads.
	e := newEnv(t, valomnia.Options{})
	e.check(t, form("/api/v1.0/contacts/5", marieForm("", "")+"&comment="+strings.Repeat("a", valomnia.MaxBodyBytes), e.login()),
		refusal{"missing-param", param("firstName")})
}

// The format is judged from the photo's bytes (http.DetectContentType: JPEG, GIF, PNG, BMP); its
// file name and declared Content-Type play no part.
func TestPhotoFormatFromBytes(t *testing.T) {
	png := golden(t, "marie_schrader.png")
	tests := []struct {
		name, fileName, contentType string
		data                        []byte
		want                        refusal
	}{
		{"PNG", "m.png", "image/png", png, refusal{}},
		{"JPEG", "m.jpg", "image/jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), refusal{}},
		{"GIF", "m.gif", "image/gif", []byte("GIF89a\x01\x00\x01\x00"), refusal{}},
		{"BMP", "m.bmp", "image/bmp", []byte("BM\x3a\x00\x00\x00\x00\x00"), refusal{}},
		{"PNG named .txt, declared text", "m.txt", "text/plain", png, refusal{}},
		// The spec's encoding lists the image types, so its validation refuses this part; the
		// vendor looks at the bytes, and the mock follows the vendor.
		{"PNG declared octet-stream", "m.png", "application/octet-stream", png, refusal{}},
		{"text named .png", "m.png", "image/png", []byte("hello"), refusal{id: "unsupported-file-type"}},
		{"WebP", "m.webp", "image/webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), refusal{id: "unsupported-file-type"}},
		{"PDF", "m.png", "image/png", []byte("%PDF-1.7\n"), refusal{id: "unsupported-file-type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			e.check(t, multipartUpdate(t, "/api/v1.0/contacts/6", e.login(),
				part{name: "firstName", data: []byte("Skyler")}, part{name: "lastName", data: []byte("White")},
				part{name: "customerId", data: []byte("3229")},
				part{name: "imageFile", fileName: tt.fileName, contentType: tt.contentType, data: tt.data}), tt.want)
			if photo := e.contact(6).Photo; (tt.want.id == "") != (photo != nil) {
				t.Errorf("stored photo %v", photo)
			}
		})
	}
}

// An uploaded photo's link has the page's shape: the tenant's photo folder, the upload's epoch
// milliseconds, a number (the mock: the size in bytes) and the file name made safe for a URL. An
// update without a photo, or with an empty photo part, keeps the link.
func TestPhotoLink(t *testing.T) {
	png := golden(t, "marie_schrader.png")
	tests := []struct {
		name, fileName string
		data           []byte
		want           string
	}{
		{"the page's name", "marie_schrader.png", png, fmt.Sprintf("%s%d_%d_marie_schrader.png", photoFolder, start.UnixMilli(), len(png))},
		{"path and spaces", `C:\photos\Marie S.PNG`, png, fmt.Sprintf("%s%d_%d_Marie_S.PNG", photoFolder, start.UnixMilli(), len(png))},
		{"no name", "", png, fmt.Sprintf("%s%d_%d_photo.png", photoFolder, start.UnixMilli(), len(png))},
		{"dots only", "..", png, fmt.Sprintf("%s%d_%d_photo.png", photoFolder, start.UnixMilli(), len(png))},
		{"empty part keeps the photo", "none.png", nil, photoFolder + "1471508040029_2938_marie_schrader.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			c := wantContact(t, e.send(multipartUpdate(t, "/api/v1.0/contacts/5", e.login(),
				fields(part{name: "imageFile", fileName: tt.fileName, contentType: "image/png", data: tt.data})...)))
			if c.Photo == nil || *c.Photo != tt.want {
				t.Errorf("photo %v, want %s", c.Photo, tt.want)
			}
			if p := e.contact(5).Photo; p == nil || *p != tt.want {
				t.Errorf("stored photo %v", p)
			}
		})
	}
	e := newEnv(t, valomnia.Options{})
	if c := wantContact(t, e.send(form("/api/v1.0/contacts/5", marieForm("", ""), e.login()))); *c.Photo != photoFolder+"1471508040029_2938_marie_schrader.png" {
		t.Errorf("a form update changed the photo to %s", *c.Photo)
	}
}

// lastUpdated moves to the time of every successful update (to the second, in UTC, as the page
// writes it); dateCreated never moves; a refused update moves nothing.
func TestLastUpdated(t *testing.T) {
	e := newEnv(t, valomnia.Options{SessionTimeout: 24 * time.Hour})
	token := e.login()
	for i := range 3 {
		e.clock.Advance(time.Duration(i+1) * 90 * time.Minute)
		c := wantContact(t, e.send(form("/api/v1.0/contacts/5", marieForm("", ""), token)))
		want := e.clock.Now().Truncate(time.Second)
		if !c.LastUpdated.Equal(want) || !e.contact(5).LastUpdated.Equal(want) {
			t.Errorf("lastUpdated %v, stored %v, want %v", c.LastUpdated, e.contact(5).LastUpdated, want)
		}
		if c.DateCreated.Format(time.RFC3339) != "2015-12-18T13:21:18Z" {
			t.Errorf("dateCreated moved to %v", c.DateCreated)
		}
	}
	stored := e.contact(5).LastUpdated
	e.clock.Advance(time.Hour)
	wantError(t, e.send(form("/api/v1.0/contacts/5", marieForm("", "")+"&country=ZZ", token)), "country-error", nil)
	if !e.contact(5).LastUpdated.Equal(stored) {
		t.Error("a refused update moved lastUpdated")
	}
}

// Optional fields left out keep their stored value (the spec's ContactUpdate x-assumed); sent
// empty, they are cleared; what the update cannot set (comment, isDecisionMaker, user, photo,
// dateCreated) is kept.
func TestUpdateKeepsWhatWasNotSent(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	before := e.contact(6)
	c := wantContact(t, e.send(form("/api/v1.0/contacts/6", "firstName=Sky&lastName=Lambert&customerId=4410&postalCode=&fax=505-555-0101", e.login())))
	after := e.contact(6)
	want := before
	want.FirstName, want.LastName, want.CustomerID, want.PostalCode, want.Fax = "Sky", "Lambert", 4410, "", "505-555-0101"
	want.LastUpdated = start.Truncate(time.Second)
	if !sameContact(after, want) {
		t.Errorf("stored %+v\nwant   %+v", after, want)
	}
	if *c.Email != before.Email || *c.City != before.City || *c.Country != before.Country || *c.PostalCode != "" ||
		*c.User.ID != 4 || *c.Organization != "entity1" || *c.Customer.Name != "Schrader Minerals" || *c.CustomerReference != "3229" {
		t.Errorf("answer %+v", c)
	}
}

// The same update, URL-encoded or multipart, stores the same contact and answers the same.
func TestFormAndMultipartAgree(t *testing.T) {
	body := "firstName=Marie&lastName=Schrader&customerId=3229&fonction=Buyer&country=FR&city=Paris&postalCode=75001&address=1+rue+de+Rivoli&email=marie%40entity1.example&phone=0102030405&phone2=0102030406&mobile=0602030405&fax=&useExternalId=false"
	var answers [2][]byte
	var stored [2]Contact
	for i, multi := range []bool{false, true} {
		e := newEnv(t, valomnia.Options{})
		r := form("/api/v1.0/contacts/5", body, e.login())
		if multi {
			var parts []part
			for _, pair := range strings.Split(body, "&") {
				name, value, _ := strings.Cut(pair, "=")
				parts = append(parts, part{name: name, data: []byte(strings.ReplaceAll(strings.ReplaceAll(value, "+", " "), "%40", "@"))})
			}
			r = multipartUpdate(t, "/api/v1.0/contacts/5", r.session, parts...)
		}
		answers[i] = e.check(t, r, refusal{}).body
		stored[i] = e.contact(5)
	}
	if !bytes.Equal(answers[0], answers[1]) {
		t.Errorf("answers differ:\nform      %s\nmultipart %s", answers[0], answers[1])
	}
	if !sameContact(stored[0], stored[1]) || stored[0].City != "Paris" || stored[0].Address != "1 rue de Rivoli" {
		t.Errorf("stored contacts differ or miss the update:\n%+v\n%+v", stored[0], stored[1])
	}
}

// A body that cannot be read to its end has no parameters the vendor reads: a truncated multipart
// body, at any point, answers 400 missing_param in the vendor's format.
func TestTruncatedMultipart(t *testing.T) {
	full := golden(t, "update-contact-request.multipart")
	const ct = "multipart/form-data; boundary=valomnia-golden-boundary"
	for _, cut := range []int{0, 10, 60, len(full) / 2, len(full) - 40, len(full) - 3} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			e.check(t, raw{method: http.MethodPost, path: "/api/v1.0/contacts/5", contentType: ct, body: full[:cut], session: e.login()},
				refusal{"missing-param", param("firstName")})
		})
	}
	t.Run("no boundary", func(t *testing.T) {
		e := newEnv(t, valomnia.Options{})
		e.check(t, raw{method: http.MethodPost, path: "/api/v1.0/contacts/5", contentType: "multipart/form-data", body: full, session: e.login()},
			refusal{"missing-param", param("firstName")})
	})
}

// Unknown routes and wrong methods answer the root catalogue's route-not-found, naming the path
// below the host root.
func TestUnknownRoutes(t *testing.T) {
	tests := []struct{ method, path string }{
		{http.MethodGet, "/api/v1.0/contacts"},
		{http.MethodPut, "/api/v1.0/contacts/5"},
		{http.MethodDelete, "/api/v1.0/contacts/5"},
		{http.MethodPost, "/api/v1.0/contacts"},
		{http.MethodPost, "/api/v1.0/customers/3229"},
		{http.MethodPost, "/api/v2.1/contacts/5"},
		{http.MethodGet, "/api/v1.0/"},
		{http.MethodPost, "/contacts/5"},
		{http.MethodPut, "/j_spring_security_check"},
		{http.MethodDelete, "/login/ajaxSuccess"},
		{http.MethodPost, "/api/v1.0/contacts/5/photo"},
		{http.MethodGet, "/api/v1.0/contacts/a%20b/x"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			res := e.send(raw{method: tt.method, path: tt.path, contentType: formType, body: []byte(marieForm("", "")), session: e.login()})
			wantError(t, res, "route-not-found", map[string]string{"path": tt.path})
		})
	}
}

// Requests the spec's validation or the pipeline refuses are answered in the vendor's format with
// a 4xx that names what the vendor would name.
func TestMalformedRequests(t *testing.T) {
	ok := marieForm("", "")
	tests := []struct {
		name, contentType, path string
		body                    string
		want                    refusal
	}{
		{"JSON body", "application/json", "", `{"firstName":"Marie","lastName":"Schrader","customerId":"3229"}`, refusal{"missing-param", param("firstName")}},
		{"no Content-Type", "", "", ok, refusal{"missing-param", param("firstName")}},
		{"text/plain", "text/plain", "", ok, refusal{"missing-param", param("firstName")}},
		{"empty body", formType, "", "", refusal{"missing-param", param("firstName")}},
		{"malformed escape", formType, "", ok + "&fax=%zz", refusal{"missing-param", param("firstName")}},
		{"semicolon separator", formType, "", ok + ";fax=1", refusal{"missing-param", param("firstName")}},
		{"field not UTF-8", formType, "", ok + "&fax=\xff", refusal{"invalid-param-type", param("fax")}},
		{"escaped field not UTF-8", formType, "", ok + "&fax=%ff", refusal{"invalid-param-type", param("fax")}},
		{"unknown name not UTF-8", formType, "", ok + "&f\xffx=1", refusal{"invalid-param-type", param("f\uFFFDx")}},
		{"repeated value not UTF-8", formType, "", ok + "&city=%ff", refusal{"invalid-param-type", param("city")}},
		{"query not UTF-8", formType, "?x=%ff", ok, refusal{"invalid-param-type", param("x")}},
		// Missing comes first, whatever else is wrong.
		{"not UTF-8 but firstName missing", formType, "", "lastName=S&customerId=3229&fax=%ff", refusal{"missing-param", param("firstName")}},
		// Media types are matched whatever their case, and a charset does not matter.
		{"upper-case media type", "Application/X-WWW-Form-URLEncoded", "", ok, refusal{}},
		{"charset", formType + "; charset=UTF-8", "", ok, refusal{}},
		// The vendor reads request parameters: the query adds to the body.
		{"required field in the query", formType, "?customerId=3229", "firstName=Marie&lastName=Schrader", refusal{}},
		{"body wins over the query", formType, "?customerId=3229", "firstName=Marie&lastName=Schrader&customerId=C0959", refusal{"invalid-param-type", param("customerId")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			e.check(t, raw{method: http.MethodPost, path: "/api/v1.0/contacts/5" + tt.path, contentType: tt.contentType, body: []byte(tt.body), session: e.login()}, tt.want)
		})
	}
}

// The backend's handler alone (no pipeline, no validation) judges every update as the full
// pipeline does: the spec's validation only decides earlier, never differently.
func TestValidationOffAnswersTheSame(t *testing.T) {
	bodies := []struct{ contentType, body string }{
		{formType, ""},
		{formType, "lastName=S"},
		{formType, "firstName=&lastName=&customerId="},
		{formType, "firstName=M&lastName=S&customerId="},
		{formType, "firstName=M&lastName=S&customerId=3229&useExternalId=maybe"},
		{formType, "lastName=S&useExternalId=maybe"},
		{formType, "firstName=M&lastName=S&customerId=3229&fax=%zz"},
		{formType, "firstName=M&lastName=S&customerId=abc"},
		{formType, "firstName=M&lastName=S&customerId=3229&email=x"},
		{"application/json", "{}"},
		{"text/plain", "firstName=M&lastName=S&customerId=3229"},
	}
	png := golden(t, "marie_schrader.png")
	ct, mp := multipartBody(t, fields(part{name: "imageFile", fileName: "m.png", contentType: "application/octet-stream", data: png})...)
	bodies = append(bodies, struct{ contentType, body string }{ct, string(mp)})
	ct, mp = multipartBody(t, part{name: "lastName", data: []byte("S")}, part{name: "useExternalId", data: []byte("maybe")})
	bodies = append(bodies, struct{ contentType, body string }{ct, string(mp)})

	for i, b := range bodies {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			on := newEnv(t, valomnia.Options{})
			withPipeline := on.send(raw{method: http.MethodPost, path: "/api/v1.0/contacts/5", contentType: b.contentType, body: []byte(b.body), session: on.login()})

			off, err := valomnia.New(valomnia.Options{Now: newClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/api/v1.0/contacts/5", strings.NewReader(b.body))
			if b.contentType != "" {
				req.Header.Set("Content-Type", b.contentType)
			}
			req.AddCookie(handlerSession(t, off.Handler()))
			off.Handler().ServeHTTP(rec, req)
			if rec.Code != withPipeline.status || !bytes.Equal(rec.Body.Bytes(), withPipeline.body) {
				t.Errorf("without validation %d %s\nwith validation    %d %s", rec.Code, rec.Body, withPipeline.status, withPipeline.body)
			}
		})
	}
}

func urlEncode(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", " ", "+", "@", "%40", "<", "%3C", ">", "%3E").Replace(s)
}

// Regression (FuzzUpdateContactForm, id "."): a path id that is a dot segment names no contact
// route. The vendor's container would resolve it to /api/v1.0/contacts, an unknown route; the
// shared mock server once answered a redirect to the cleaned path before the backend saw it.
func TestDotSegmentIDs(t *testing.T) {
	for _, id := range []string{".", ".."} {
		t.Run(id, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			res := e.send(form("/api/v1.0/contacts/"+id, marieForm("", ""), e.login()))
			wantError(t, res, "route-not-found", map[string]string{"path": "/api/v1.0/contacts/" + id})
		})
	}
	// The backend's own handler, without the shared server's mux, answers as the vendor does.
	b, err := valomnia.New(valomnia.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1.0/contacts/.", "/api/v1.0/contacts/.."} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(marieForm("", "")))
		req.URL.Path, req.RequestURI = path, path
		req.Header.Set("Content-Type", formType)
		req.AddCookie(handlerSession(t, b.Handler()))
		b.Handler().ServeHTTP(rec, req)
		wantError(t, result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}, "route-not-found", map[string]string{"path": path})
	}
}

// The vendor reads request parameters: the query string adds to the body, whichever media type,
// and the body's value wins when both carry one.
func TestQueryParametersCount(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	token := e.login()
	mp := multipartUpdate(t, "/api/v1.0/contacts/5?customerId=4410&city=Paris", token,
		part{name: "firstName", data: []byte("Marie")}, part{name: "lastName", data: []byte("Schrader")}, part{name: "city", data: []byte("Lyon")})
	c := e.check(t, mp, refusal{})
	if got := wantContact(t, c); *got.Customer.ID != 4410 || *got.City != "Lyon" {
		t.Errorf("customer %d, city %s; want the query's customer 4410 and the body's city Lyon", *got.Customer.ID, *got.City)
	}
	mp = multipartUpdate(t, "/api/v1.0/contacts/5?fax=%ff", token, fields()...)
	e.check(t, mp, refusal{"invalid-param-type", param("fax")})
}

// Multipart fields are checked for UTF-8 as they are read (the pipeline checks text bodies only).
func TestMultipartPartsNotUTF8(t *testing.T) {
	e := newEnv(t, valomnia.Options{})
	token := e.login()
	e.check(t, multipartUpdate(t, "/api/v1.0/contacts/5", token, fields(part{name: "fax", data: []byte("\xff")})...),
		refusal{"invalid-param-type", param("fax")})
	e.check(t, multipartUpdate(t, "/api/v1.0/contacts/5", token, fields(part{name: "n\xffme", data: []byte("x")})...),
		refusal{"invalid-param-type", param("n\uFFFDme")})
	// The photo is binary: its bytes are not text.
	e.check(t, multipartUpdate(t, "/api/v1.0/contacts/5", token, fields(part{name: "imageFile", fileName: "m.png", data: pngOfSize(t, 100)})...), refusal{})
}
