package valomnia_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock/valomnia"
	api "github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// photoFolder is the page's photo link up to the file part.
const photoFolder = "BASE_URL/entity1-1450169988465/photoContact/"

// wantPageContact checks an answer against the page's success example: the page's request to
// contact 5 stores what the page shows, and only lastUpdated moves (to the clock's second).
func wantPageContact(t *testing.T, got []byte, photo string) {
	t.Helper()
	want := decodeJSON(t, golden(t, "update-contact-200.json"))
	want["lastUpdated"] = start.Truncate(time.Second).Format(time.RFC3339)
	if photo != "" {
		want["photo"] = photo
	}
	if g := decodeJSON(t, got); !reflect.DeepEqual(g, want) {
		t.Errorf("answer differs from the page's success example:\n got %v\nwant %v", g, want)
	}
}

// The page's requests (golden files, corrected where the page is broken) succeed against the
// default mock, raw and through the client.
func TestPageRequestExamples(t *testing.T) {
	png := golden(t, "marie_schrader.png")
	// The photo link of the golden upload: the clock's milliseconds, the size, the file name.
	uploaded := fmt.Sprintf("%s%d_%d_marie_schrader.png", photoFolder, start.UnixMilli(), len(png))
	tests := []struct {
		name        string
		path        string
		contentType string
		golden      string
		id          string // the same update through the client
		update      api.ContactUpdate
		image       bool
		check       func(t *testing.T, e *env, body []byte)
	}{
		{
			name: "form, the success example's values", path: "/api/v1.0/contacts/5", contentType: formType,
			golden: "update-contact-request.form", id: "5", update: marie(),
			check: func(t *testing.T, _ *env, body []byte) { wantPageContact(t, body, "") },
		},
		{
			// useExternalId=true: "123" is the reference of contact 6 and "3229" that of customer
			// 4410 (Valomnia's customer 3229 is referenced C0959).
			name: "form, the parameter table's example values", path: "/api/v1.0/contacts/123", contentType: formType,
			golden: "update-contact-request-table.form", id: "123",
			update: api.ContactUpdate{FirstName: "Marie", LastName: "Schrader", CustomerID: "3229", Country: ptr("FR"), UseExternalID: ptr(true)},
			check: func(t *testing.T, e *env, body []byte) {
				c := decodeJSON(t, body)
				if c["id"] != 6.0 || c["country"] != "FR" || c["customerReference"] != "3229" || c["firstName"] != "Marie" {
					t.Errorf("answer %v; want contact 6, country FR, customer reference 3229", c)
				}
				if e.contact(123).FirstName != "Hank" {
					t.Error("contact 123 changed: useExternalId=true must read 123 as a reference")
				}
			},
		},
		{
			name: "multipart with the photo", path: "/api/v1.0/contacts/5",
			contentType: "multipart/form-data; boundary=valomnia-golden-boundary",
			golden:      "update-contact-request.multipart", id: "5", update: marie(), image: true,
			check: func(t *testing.T, _ *env, body []byte) { wantPageContact(t, body, uploaded) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Run("raw", func(t *testing.T) {
				e := newEnv(t, valomnia.Options{})
				body := golden(t, tt.golden)
				if strings.HasSuffix(tt.golden, ".form") {
					body = bytes.TrimRight(body, "\n") // the golden file's own line end
				}
				res := e.send(raw{method: http.MethodPost, path: tt.path, contentType: tt.contentType, body: body, session: e.login()})
				wantContact(t, res)
				tt.check(t, e, res.body)
			})
			t.Run("client", func(t *testing.T) {
				e := newEnv(t, valomnia.Options{})
				var img *api.Image
				if tt.image {
					img = &api.Image{FileName: "marie_schrader.png", Content: bytes.NewReader(png)}
				}
				c, err := e.client().UpdateContact(t.Context(), tt.id, tt.update, img)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := json.Marshal(c)
				tt.check(t, e, body)
			})
		})
	}
}

// The golden login form logs in when the mock is configured with its (made-up) user.
func TestPageLoginExample(t *testing.T) {
	body := bytes.TrimRight(golden(t, "login-request.form"), "\n")
	values, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	creds := valomnia.Credentials{User: values.Get("j_username"), Password: apiclient.NewSecret(values.Get("j_password"))}
	e := newEnv(t, valomnia.Options{Credentials: creds})
	res := e.send(raw{method: http.MethodPost, path: "/j_spring_security_check", contentType: formType, body: body})
	if res.status != http.StatusFound || !strings.HasSuffix(res.header.Get("Location"), "/login/ajaxSuccess") {
		t.Fatalf("login: %d, Location %q", res.status, res.header.Get("Location"))
	}
	c, err := api.NewContactsClient(e.baseURL(), api.Credentials{User: creds.User, Password: creds.Password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateContact(t.Context(), "5", marie(), nil); err != nil {
		t.Errorf("through the client: %v", err)
	}
}

// Every request example of the spec (both media types) succeeds when sent to the spec's example
// path id, 123.
func TestSpecRequestExamples(t *testing.T) {
	doc := specs.MustLoad(specs.Valomnia)
	op := doc.Paths.Find("/contacts/{id}").Post
	var pathID string
	for _, ex := range op.Parameters[0].Value.Examples {
		pathID = fmt.Sprint(ex.Value.Value)
	}
	if pathID == "" {
		t.Fatal("the spec's id parameter has no example")
	}
	n := 0
	for mediaType, media := range op.RequestBody.Value.Content {
		for name, ex := range media.Examples {
			n++
			t.Run(mediaType+"/"+name, func(t *testing.T) {
				e := newEnv(t, valomnia.Options{})
				values := map[string]string{}
				for k, v := range ex.Value.Value.(map[string]any) {
					values[k] = fmt.Sprint(v)
				}
				r := raw{method: http.MethodPost, path: "/api/v1.0/contacts/" + pathID, session: e.login()}
				if mediaType == formType {
					form := url.Values{}
					for k, v := range values {
						form.Set(k, v)
					}
					r.contentType, r.body = formType, []byte(form.Encode())
				} else {
					var parts []part
					for _, k := range slices.Sorted(maps.Keys(values)) {
						parts = append(parts, part{name: k, data: []byte(values[k])})
					}
					r.contentType, r.body = multipartBody(t, parts...)
				}
				c := wantContact(t, e.send(r))
				if c.FirstName != values["firstName"] || c.LastName != values["lastName"] {
					t.Errorf("answer %+v does not carry the example's names", c)
				}
			})
		}
	}
	if n < 6 {
		t.Errorf("%d request examples; the spec has three per media type", n)
	}
}

// The page's failure examples are reproduced byte for byte in meaning: the catalogue row's
// request answers exactly the page's body (golden files, corrected where the page is broken).
func TestPageFailureExamples(t *testing.T) {
	goldens := map[string]string{
		"save-failed":            "update-contact-400-save-failed.json",
		"missing-param":          "update-contact-400-missing-param.json",
		"invalid-param-type":     "update-contact-400-invalid-param-type.json",
		"email-validation-error": "update-contact-400-email-validation-error.json",
		"country-error":          "update-contact-400-country-error.json",
		"exceeded-file-size":     "update-contact-400-exceeded-file-size.json",
		"unsupported-file-type":  "update-contact-400-unsupported-file-type.json",
		"not-found-customer":     "update-contact-404-not-found.json",
		"server-error":           "update-contact-500-server-error.json",
	}
	for _, row := range catalogueRows() {
		name, ok := goldens[row.id]
		if !ok {
			continue
		}
		delete(goldens, row.id)
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, valomnia.Options{})
			res := row.raw(t, e)
			var status int
			fmt.Sscanf(strings.Split(name, "-")[2], "%d", &status)
			if res.status != status {
				t.Errorf("status %d, want %d", res.status, status)
			}
			if got, want := decodeJSON(t, res.body), decodeJSON(t, golden(t, name)); !reflect.DeepEqual(got, want) {
				t.Errorf("body %v, want the page's %v", got, want)
			}
		})
	}
	for id := range goldens {
		t.Errorf("no catalogue row for %s", id)
	}
}
