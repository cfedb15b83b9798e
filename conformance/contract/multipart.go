package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

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
