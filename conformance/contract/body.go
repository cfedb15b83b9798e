package contract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Body is a request body as ValidateBody decoded it, once: its value in the JSON shape of the
// schema and, for XML, the parsed document, so that a failure can be placed ("at line 3, column
// 1") without parsing the body again.
type Body struct {
	// Value is the decoded value; nil when the body is absent or did not decode (see Decoded).
	Value any
	// Decoded reports whether the body decoded (whether or not it then met its schema).
	Decoded bool
	// Form is a URL-encoded body's pairs as url.ParseQuery reads them, FormErr its error: read
	// once, for the validation and for a server that reads the form in its own way (Valomnia's
	// servlet container). Both are unset for other bodies, and for one cut at a cap.
	Form    url.Values
	FormErr error
	// Multipart is a multipart body's parts, read once in the same way; nil for other bodies
	// and for one cut at a cap.
	Multipart *Multipart
	root      *element
	// xml is an XML body decoded without its tree (decodeXMLDirect): Position builds the tree
	// when it is asked, which only a refused body's answer does.
	xml []byte
}

// Position returns the line and column of the start tag of the XML element that a JSON pointer
// into Value names ("contact", "2", "mobile_phone", "0": the third <contact>'s first
// <mobile_phone>), or of the deepest one that exists: a missing element is placed at its parent.
// The empty pointer is the root element. ok is false for a body that is not XML.
func (b Body) Position(ptr []string) (line, col int, ok bool) {
	n := b.root
	if n == nil && b.xml != nil {
		n, _ = readTree(b.xml, false, nil)
	}
	if n == nil {
		return 0, 0, false
	}
	for i := 0; i < len(ptr); {
		name, nth := ptr[i], 0
		i++
		if i < len(ptr) {
			if k, err := strconv.Atoi(ptr[i]); err == nil {
				nth = k
				i++
			}
		}
		var next *element
		for _, c := range n.children {
			if c.name.Local != name {
				continue
			}
			if nth == 0 {
				next = c
				break
			}
			nth--
		}
		if next == nil {
			break
		}
		n = next
	}
	return n.line, n.col, true
}

// DecodeOptions say how ValidateBody decodes a body.
type DecodeOptions struct {
	// StrictJSON refuses JSON bodies with data after the value.
	StrictJSON bool
	// Truncated is a body cut at a server's cap: its end is an unexpected end of the document
	// (io.ErrUnexpectedEOF), never the document's own.
	Truncated bool
	// foldJSON is the Validator's CaseInsensitiveJSON, and names its propertyNames, set by
	// validateBody.
	foldJSON bool
	names    map[string]string
}

// ValidateBody is ValidateRouted for a server that needs the body's value and has checked the
// credentials itself (their presence is not checked again): parameters are validated, the body is decoded once, by the decoder registered for its media type (XML by
// ParseXML and FromXML, keeping the document for positions), and validated against the operation's
// schema. The body's value is returned even when it fails its schema, so that a server can judge
// the rest of it and list every fault. The errors have the shapes ValidateRouted's have (a
// MultiError of *openapi3filter.RequestError), so one mapping serves both.
func (v *Validator) ValidateBody(ctx context.Context, m *Match, r *http.Request, body []byte, opts DecodeOptions) (b Body, err error) {
	defer recoverAs(&err, "request")
	return v.validateBody(ctx, m, r, body, opts)
}

// cutReader is a body cut at a cap: its end is an unexpected end, not the document's.
type cutReader struct{ r *bytes.Reader }

func (c *cutReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// isXMLMediaType reports whether the registered XML decoder reads mt.
func isXMLMediaType(mt string) bool {
	return mt == "application/xml" || mt == "text/xml"
}

// decodeXML is XMLDecoder keeping the parsed document. A whole body (not cut at a cap) is parsed
// by parseXMLFast when it can, its element names taken from names where they are there.
func decodeXML(body []byte, truncated bool, schema *openapi3.SchemaRef, names map[string]string) (any, *element, error) {
	root, err := readTree(body, truncated, names)
	if err != nil {
		return nil, nil, err
	}
	if err := checkDictionaries(root); err != nil {
		return nil, root, err
	}
	v, err := FromXML(root, schema)
	return v, root, err
}

// readTree parses an XML body into its element tree: parseXMLFast where it can, else ParseXML,
// whose errors are the reference. A body cut at a server's cap (truncated) ends unexpectedly.
func readTree(body []byte, truncated bool, names map[string]string) (*element, error) {
	if !truncated {
		if root, ok := parseXMLFast(body, names); ok {
			return root, nil
		}
	}
	var src io.Reader = bytes.NewReader(body)
	if truncated {
		src = &cutReader{r: bytes.NewReader(body)}
	}
	return ParseXML(src)
}
