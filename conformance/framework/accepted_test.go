package framework

import "testing"

// TestAcceptedRefusal: only a failure that wanted a 4xx and got a 2xx of a routed exchange with no
// contract violation is a refusal now accepted (non-breaking); every other failure stays breaking.
func TestAcceptedRefusal(t *testing.T) {
	statusMsg := func(got, want string) string {
		return "status\nExpected\n    <int>: " + got + "\nto equal\n    <int>: " + want + "\n"
	}
	routed := func(status int, violations ...string) []Exchange {
		return []Exchange{{Method: "PATCH", URL: "https://vendor.example/contacts/7", Operation: "updateContact",
			Status: status, ResponseBody: `{"id":7}`, Violations: violations}}
	}
	tests := []struct {
		name string
		msg  string
		exs  []Exchange
		want bool
	}{
		{"a documented 400 answered 200", statusMsg("200", "400"), routed(200), true},
		{"a 4xx wanted by BeNumerically", "a 4xx\nExpected\n    <int>: 204\nto be >=\n    <int>: 400\n", routed(204), true},
		{"a 200 answered with a violation", statusMsg("200", "400"), routed(200, "response body: property id is not an integer"), false},
		{"an unrouted exchange", statusMsg("200", "404"), []Exchange{{Method: "GET", URL: "https://vendor.example/nope", Status: 200}}, false},
		{"a documented 200 answered 400", statusMsg("400", "200"), routed(400), false},
		{"a documented 500 answered 200", statusMsg("200", "500"), routed(200), false},
		{"a 4xx answered as another 4xx", statusMsg("404", "400"), routed(404), false},
		{"a wrong value, not a status", "first name\nExpected\n    <string>: J0hn\nto equal\n    <string>: John\n", routed(200), false},
		{"no exchange", statusMsg("200", "400"), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desc, got := acceptedRefusal(tt.msg, tt.exs)
			if got != tt.want {
				t.Fatalf("acceptedRefusal = %v (%q), want %v", got, desc, tt.want)
			}
		})
	}
}
