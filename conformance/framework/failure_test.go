package framework

import (
	"fmt"
	"strings"
	"testing"
)

// TestExchangeDigestShowsTheDifferenceOfALongBody: a failure about a value deep in a long JSON
// answer shows the request line, the status, and the body around the difference with the
// differing characters marked, however long the body; not its start alone.
func TestExchangeDigestShowsTheDifferenceOfALongBody(t *testing.T) {
	var items []string
	for i := range 400 {
		items = append(items, fmt.Sprintf(`{"id":%d,"name":"contact %d"}`, i, i))
	}
	body := `{"contacts":[` + strings.Join(items, ",") + `],"message":"Contact not foun~"}`
	exs := []Exchange{
		{Method: "GET", URL: "https://vendor.example/contacts/1", Status: 200, ResponseBody: `{"id":1}`},
		{Method: "PATCH", URL: "https://vendor.example/contacts/2", Operation: "updateContact", Status: 404,
			ResponseBody: body, Violations: []string{`error 404 "Contact not foun~" is in no catalogue entry`}},
	}
	msg := "message\nExpected\n    <string>: Contact not foun~\nto equal\n    <string>: Contact not found\n"
	got := exchangeDigest(msg, exs)
	for _, want := range []string{
		"exchange 2 of 2",
		"> PATCH https://vendor.example/contacts/2 (updateContact)",
		"< 404 Not Found",
		`"message":"Contact not foun»~«"}`,
		"got:  Contact not foun»~«",
		"want: Contact not foun»d«",
		`violation: error 404 "Contact not foun~" is in no catalogue entry`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("digest lacks %q:\n%s", want, got)
		}
	}
	if len(got) > 4*bodyContext+600 {
		t.Errorf("digest of a %d-byte body is %d bytes long: not trimmed around the difference", len(body), len(got))
	}
	if strings.Contains(got, `{"id":0,`) {
		t.Errorf("digest keeps the start of the body, far from the difference:\n%s", got)
	}
	if MessageWithoutExchange(msg+got) != msg {
		t.Errorf("MessageWithoutExchange does not give back the message")
	}
}

// TestExchangeDigestOfAStatus: when the status is what differs, it is the status that is marked.
func TestExchangeDigestOfAStatus(t *testing.T) {
	exs := []Exchange{{Method: "PUT", URL: "https://vendor.example/x", Status: 200, ResponseBody: "ok"}}
	got := exchangeDigest("status\nExpected\n    <int>: 200\nto equal\n    <int>: 404\n", exs)
	if !strings.Contains(got, "< »200 OK«") {
		t.Errorf("status not marked:\n%s", got)
	}
	if exchangeDigest("boom", nil) != "" {
		t.Errorf("a spec without exchanges has no digest")
	}
}
