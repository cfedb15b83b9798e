package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Limits of multipart framing. mime/multipart bounds only the headers of one part (10,000 lines,
// 10 MiB) and, in ReadForm alone, the number of parts; kin-openapi's decoder and the mocks read
// parts one by one with NextPart, so nothing bounds the parts of a body. A body at a mock's cap
// (4 MiB) made of empty parts is some 100,000 of them, which cost hundreds of megabytes to
// decode. The vendors' forms have a handful of fields (Valomnia's table lists fifteen).
const (
	// MaxMultipartParts is the most parts a multipart body may have.
	MaxMultipartParts = 100
	// MaxMultipartHeaderBytes is the most bytes the header lines of one part may take: the
	// limit Apache Commons FileUpload (the multipart parser of Java servlet stacks) applies.
	MaxMultipartHeaderBytes = 10 << 10
)

// ErrMultipartFraming is a multipart body refused before decoding: no boundary, more parts than
// MaxMultipartParts, a part header over MaxMultipartHeaderBytes, or no closing delimiter.
var ErrMultipartFraming = errors.New("multipart body refused")

// CheckMultipart scans the framing of a multipart body without decoding it, so that a body beyond
// the limits costs one pass over its bytes. It counts every line that starts with the delimiter
// (--boundary) up to the closing one (--boundary--): an upper bound on the parts mime/multipart
// would find, so a body that passes has at most MaxMultipartParts parts whatever the parser makes
// of it. The closing delimiter is required: mime/multipart takes a body that ends between two
// header lines of a part for a complete one, while a servlet container's parser refuses it as
// ended unexpectedly.
func CheckMultipart(body []byte, boundary string) error {
	if boundary == "" {
		return fmt.Errorf("%w: the Content-Type has no boundary parameter", ErrMultipartFraming)
	}
	delim := []byte("--" + boundary)
	truncated := fmt.Errorf("%w: the body ends before its closing delimiter --%s--", ErrMultipartFraming, boundary)
	parts := 0
	for i := 0; ; {
		j := bytes.Index(body[i:], delim)
		if j < 0 {
			return truncated
		}
		at := i + j
		i = at + len(delim)
		if at > 0 && body[at-1] != '\n' {
			continue // the boundary's text inside a line, not a delimiter line
		}
		if bytes.HasPrefix(body[i:], []byte("--")) {
			return nil // the closing delimiter; what follows is an epilogue, not parts
		}
		if parts++; parts > MaxMultipartParts {
			return fmt.Errorf("%w: more than %d parts", ErrMultipartFraming, MaxMultipartParts)
		}
		nl := bytes.IndexByte(body[i:], '\n')
		if nl < 0 {
			return truncated
		}
		i += nl + 1
		size, err := headerSize(body[i:])
		if err != nil {
			return err
		}
		i += size
	}
}

// headerSize returns the size of the header lines at the start of b, up to the empty line that
// ends them, looking no further than the limit.
func headerSize(b []byte) (int, error) {
	if bytes.HasPrefix(b, []byte("\n")) || bytes.HasPrefix(b, []byte("\r\n")) {
		return 0, nil
	}
	window := b[:min(len(b), MaxMultipartHeaderBytes+3)]
	end := -1
	for _, blank := range [][]byte{[]byte("\n\r\n"), []byte("\n\n")} {
		if k := bytes.Index(window, blank); k >= 0 && (end < 0 || k < end) {
			end = k
		}
	}
	switch {
	case end >= 0 && end+1 <= MaxMultipartHeaderBytes:
		return end + 1, nil
	case end < 0 && len(window) == len(b):
		return 0, fmt.Errorf("%w: the body ends in a part's header lines", ErrMultipartFraming)
	}
	return 0, fmt.Errorf("%w: a part's header lines exceed %d bytes", ErrMultipartFraming, MaxMultipartHeaderBytes)
}

// multipartDecoder is kin-openapi's multipart decoder behind CheckMultipart.
func multipartDecoder(body io.Reader, header http.Header, schema *openapi3.SchemaRef, encFn openapi3filter.EncodingFn) (any, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	_, params, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	if err := CheckMultipart(data, params["boundary"]); err != nil {
		return nil, err
	}
	return openapi3filter.MultipartBodyDecoder(bytes.NewReader(data), header, schema, encFn)
}

// Part is one part of a multipart body as mime/multipart reads it (a quoted-printable part
// decoded, as NextPart does).
type Part struct {
	// Name and FileName are the part's form-data name and file name ("" when it has none).
	Name, FileName string
	Header         textproto.MIMEHeader
	Data           []byte
}

// Multipart is a multipart body read part by part: the parts read whole, in order, and the error
// that stopped the reading (nil when the body was read to its closing delimiter).
type Multipart struct {
	Parts []Part
	Err   error
}

// ReadMultipart reads a multipart body with boundary after CheckMultipart's framing check, as
// kin-openapi's decoder and a servlet container read it: part by part with mime/multipart.
func ReadMultipart(body []byte, boundary string) *Multipart {
	m := &Multipart{}
	if m.Err = CheckMultipart(body, boundary); m.Err != nil {
		return m
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return m
		}
		if err != nil {
			m.Err = err
			return m
		}
		data, err := io.ReadAll(part)
		if err != nil {
			m.Err = err
			return m
		}
		m.Parts = append(m.Parts, Part{Name: part.FormName(), FileName: part.FileName(), Header: part.Header, Data: data})
	}
}

// decodeMultipartFast builds from parts the value kin-openapi's MultipartBodyDecoder decodes, for
// the plain forms update bodies are: an object schema whose properties (its own, or its allOf
// members' when it has allOf, as that decoder reads them) are strings, integers or booleans
// without composition, no encodings, every part declared, sent once and not empty, and no
// Content-Type on a part but a binary string's (a file, whatever its type, is its bytes as a
// string). It gives up (ok false) on anything else and the caller then asks kin-openapi, whose
// value and errors stay the reference: so the body is parsed once on the common path, and the
// same parts serve the validation and a server that reads them in its own way (Valomnia's servlet
// container). TestDecodeMultipartFastAgrees and FuzzDecodeMultipartFast hold it to kin-openapi.
func decodeMultipartFast(m *Multipart, media *openapi3.MediaType) (map[string]any, bool) {
	if m.Err != nil || len(media.Encoding) > 0 || media.Schema == nil || media.Schema.Value == nil {
		return nil, false
	}
	fields := partFieldsOf(media.Schema.Value)
	if fields == nil {
		return nil, false
	}
	obj := make(map[string]any, len(m.Parts))
	for _, p := range m.Parts {
		s, ok := fields[p.Name]
		if _, seen := obj[p.Name]; !ok || seen {
			return nil, false
		}
		if s.Type.Is(openapi3.TypeString) && s.Format == "binary" {
			obj[p.Name] = string(p.Data)
			continue
		}
		if len(p.Data) == 0 || len(p.Header["Content-Type"]) > 0 {
			return nil, false
		}
		v, ok := primitive(string(p.Data), s)
		if !ok {
			return nil, false
		}
		obj[p.Name] = v
	}
	return obj, true
}

var partFields sync.Map // *openapi3.Schema -> map[string]*openapi3.Schema (empty for a form that is not plain)

// partFieldsOf maps the part names of a plain multipart schema (see decodeMultipartFast) to their
// schemas; nil for any other.
func partFieldsOf(s *openapi3.Schema) map[string]*openapi3.Schema {
	if v, ok := partFields.Load(s); ok {
		if fs := v.(map[string]*openapi3.Schema); len(fs) > 0 {
			return fs
		}
		return nil
	}
	members := []*openapi3.Schema{s}
	if len(s.AllOf) > 0 {
		members = members[:0]
		for _, ref := range s.AllOf {
			members = append(members, ref.Value)
		}
	}
	fields := map[string]*openapi3.Schema{}
	plain := s.Type.Is(openapi3.TypeObject)
	for _, m := range members {
		if m == nil || m.AdditionalProperties.Schema != nil {
			plain = false
			break
		}
		for name, ref := range m.Properties {
			p := ref.Value
			if !primitiveField(p) {
				plain = false
			}
			if prev, ok := fields[name]; ok && prev != p {
				plain = false // two members declare it: kin-openapi's reading depends on their order
			}
			fields[name] = p
		}
	}
	if !plain {
		fields = map[string]*openapi3.Schema{}
	}
	partFields.Store(s, fields)
	if len(fields) == 0 {
		return nil
	}
	return fields
}
