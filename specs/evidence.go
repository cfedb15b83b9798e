package specs

import (
	"mime"

	"github.com/getkin/kin-openapi/openapi3"
)

// Extensions that record what public clients of a vendor send (README.md, "Evidence").
const (
	// ExtEvidence lists the public clients whose requests support a reading of the spec: each
	// entry names the client's repository, the file and the commit read, and what it shows.
	ExtEvidence = "x-evidence"
	// ExtBodyMediaType, on a request body, is the media type the vendor reads the body as,
	// whatever the request's Content-Type says or when it says none: real clients label the
	// same payload differently, and the vendor evidently does not look at the label.
	ExtBodyMediaType = "x-body-media-type"
)

// Evidence is one entry of an x-evidence list.
type Evidence struct {
	Client string `json:"client"` // owner/name of the public repository
	File   string `json:"file"`   // path in that repository
	Commit string `json:"commit"` // the commit read, 40 hex digits
	Shows  string `json:"shows"`  // what the client sends or expects, in our words
}

// BodyMediaType returns the media type op's request body is read as whatever the request's
// Content-Type (ExtBodyMediaType), or "" when the operation has none and the Content-Type decides.
func BodyMediaType(op *openapi3.Operation) string {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return ""
	}
	mt, _ := op.RequestBody.Value.Extensions[ExtBodyMediaType].(string)
	if mt == "" {
		return ""
	}
	if parsed, _, err := mime.ParseMediaType(mt); err == nil {
		return parsed
	}
	return ""
}
