package probe

import (
	"context"
	"net/http"
)

// Reading is which reading of an x-doc-discrepancy the vendor was seen to follow.
type Reading string

const (
	// Spec: the vendor does what the spec chose (the discrepancy's `spec` line). Not a finding
	// that fails; the report says the choice is confirmed.
	Spec Reading = "spec"
	// Page: the vendor follows the page's other reading (the `page` line): the spec is wrong.
	Page Reading = "page"
	// Neither: the vendor answers in a way neither reading predicts: the spec is wrong too.
	Neither Reading = "neither"
	// Unsettled: the probe could not tell (it needs --allow-mutations or a fixture record, the
	// request budget ran out, the transport failed, or the answer does not decide).
	Unsettled Reading = "unsettled"
)

// Outcome is what one probe saw.
type Outcome struct {
	Reading Reading
	// Evidence says in one line what was sent and what came back (status, media type, the
	// message), never a credential: "PUT /Contacts?method=updateContacts without method → 400
	// text/xml \"...\"".
	Evidence string
}

// Probe settles one x-doc-discrepancy against a target.
type Probe struct {
	Vendor string
	// ID is the x-doc-discrepancy id in specs/<vendor>.yaml.
	ID string
	// Mutates says the probe writes data: it then runs only with AllowMutations, on the fixture
	// records the user named, and otherwise reports Unsettled with the reason.
	Mutates bool
	Run     func(ctx context.Context, t *Target) Outcome
}

// Request is one request a probe sends.
type Request struct {
	Method string
	// Path is appended to the target's base URL and may carry a query: "/Contacts?method=x".
	Path        string
	ContentType string
	Header      http.Header
	Body        []byte
	// Anonymous sends no credentials.
	Anonymous bool
}

// Response is the answer, read whole.
type Response struct {
	Status int
	// MediaType is the Content-Type without parameters, lower case ("" when none).
	MediaType string
	Header    http.Header
	Body      []byte
}
