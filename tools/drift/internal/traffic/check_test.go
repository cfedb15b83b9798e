package traffic

import (
	"context"
	"errors"
	"net/url"
	"testing"
)

// FuzzCheck: whatever a recorded exchange holds, checking it gives findings or an error, never
// a panic (the command must exit 2 on bad input, not crash).
func FuzzCheck(f *testing.F) {
	f.Add("PUT", "https://api.iovox.com:444/Contacts?v=3&method=updateContacts", "application/xml",
		`<request><contact><contact_id>1</contact_id></contact></request>`, 400, "application/xml", `<errors><error status="400">XML Empty</error></errors>`)
	f.Add("PATCH", "http://h/auregister/contacts/1", "application/json", `{"addressId":"x"}`, 200, "application/json", `{"id":1,"x":[{"y":{}}]}`)
	f.Add("POST", "https://a.valomnia.com/api/v1.0/contacts/5", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n5\r\n--b--\r\n", 200, "application/json", `{}`)
	f.Add("PATCH", "http://h/which50/contactLists/1/contact?match[email]=a", "text/json", `{"Email":"a"}`, 404, "application/xml", `<Error><Message>m</Message></Error>`)
	f.Add("GET", "http://h/valomnia/login/ajaxSuccess", "", "", 200, "application/json", `{"token":1}`)
	r, err := NewRouter(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, rawURL, reqCT, reqBody string, status int, respCT, respBody string) {
		u, err := url.Parse(rawURL)
		if err != nil || method == "" {
			return
		}
		target, err := r.Route(u, "")
		if err != nil {
			return
		}
		e := &Entry{}
		e.Request.Method, e.Request.URL = method, rawURL
		e.Request.Headers = []nameValue{{"Content-Type", reqCT}, {"Authorization", "Bearer x"}, {"Cookie", "JSESSIONID=x"},
			{"Username", "u"}, {"Securekey", "k"}}
		e.Request.PostData = &struct {
			MimeType string      `json:"mimeType"`
			Text     string      `json:"text"`
			Params   []nameValue `json:"params"`
		}{MimeType: reqCT, Text: reqBody}
		e.Response.Status = status
		e.Response.Headers = []nameValue{{"Content-Type", respCT}}
		e.Response.Content.Text = respBody
		if _, err := Check(context.Background(), target, u, e); errors.Is(err, errCheckPanicked) {
			t.Fatal(err)
		}
	})
}

func TestPointer(t *testing.T) {
	if got := pointer([]string{"contact", "0", "a/b", "x~y"}); got != "/contact/*/a~1b/x~0y" {
		t.Errorf("pointer = %q", got)
	}
}
