package traffic

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"
)

// Entry is the part of a HAR 1.2 entry drift reads: the request, the response, and the custom
// fields conformance/framework writes (_vendor, _spec).
type Entry struct {
	// Index is the entry's 1-based position in its file (not read from JSON).
	Index    int         `json:"-"`
	Request  harRequest  `json:"request"`
	Response harResponse `json:"response"`
	// Vendor is the conformance suite's custom field: the vendor it called.
	Vendor string `json:"_vendor"`
	// Spec is the conformance spec that made the exchange.
	Spec string `json:"_spec"`
	// Negative marks an exchange whose request is invalid on purpose (a conformance spec
	// labelled negative): only the answer is judged, as the suite's own transport does.
	Negative bool `json:"_negative"`
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers []nameValue `json:"headers"`
	// BodySize is the body's size on the wire; a recorder that kept only part of a large body
	// (the conformance suite keeps 64 KiB) says so by a BodySize larger than the text.
	BodySize int `json:"bodySize"`
	PostData *struct {
		MimeType string      `json:"mimeType"`
		Text     string      `json:"text"`
		Params   []nameValue `json:"params"`
	} `json:"postData"`
}

type harResponse struct {
	Status  int         `json:"status"`
	Headers []nameValue `json:"headers"`
	Content struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		Encoding string `json:"encoding"`
	} `json:"content"`
}

// RequestBody is the recorded request body. Browsers record a form as params only, so a form
// without text is re-encoded from them.
func (e *Entry) RequestBody() []byte {
	pd := e.Request.PostData
	if pd == nil {
		return nil
	}
	if pd.Text == "" && len(pd.Params) > 0 && strings.HasPrefix(pd.MimeType, "application/x-www-form-urlencoded") {
		v := url.Values{}
		for _, p := range pd.Params {
			v.Add(p.Name, p.Value)
		}
		return []byte(v.Encode())
	}
	return []byte(pd.Text)
}

// RequestBodyCut reports a request body the recorder kept only in part: it cannot be judged.
func (e *Entry) RequestBodyCut() bool {
	pd := e.Request.PostData
	return pd != nil && e.Request.BodySize > len(pd.Text)
}

// ResponseBody is the recorded response body (HAR allows base64 for binary content).
func (e *Entry) ResponseBody() ([]byte, error) {
	c := e.Response.Content
	if c.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(c.Text)
		if err != nil {
			return nil, fmt.Errorf("response content: base64: %w", err)
		}
		return b, nil
	}
	return []byte(c.Text), nil
}

// Stream reads a HAR document from r and calls fn for each entry of log.entries, one at a time:
// only the entry being handled is in memory, whatever the size of the file. Other members are
// skipped token by token for the same reason (a browser's "pages" can be large too). fn's error
// stops the stream and is returned as is.
func Stream(r io.Reader, fn func(*Entry) error) (int, error) {
	in := &countingReader{r: r}
	s := &streamer{dec: json.NewDecoder(bufio.NewReaderSize(in, 64<<10)), in: in}
	n, err := s.document(fn)
	return n, err
}

type streamer struct {
	dec     *json.Decoder
	in      *countingReader
	entries int
}

// countingReader counts the bytes of the file and notes its end: a truncated file is told by
// having been read to its end, not by the decoder's error, which differs between Go releases (Go
// 1.26 answers io.ErrUnexpectedEOF where Go 1.27's json/v2-backed decoder answers a SyntaxError).
type countingReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if errors.Is(err, io.EOF) {
		c.eof = true
	}
	return n, err
}

func (s *streamer) fail(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	// A syntax error at the very end of a file read to its end is the file stopping short.
	atEnd := errors.As(err, &syn) && s.in.eof && syn.Offset >= s.in.n
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || atEnd:
		return fmt.Errorf("truncated: the file ends at byte %d, inside the JSON document (after %d complete %s)", s.in.n, s.entries, plural(s.entries, "entry", "entries"))
	case errors.As(err, &syn):
		return fmt.Errorf("not valid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("entry %d is a JSON %s, HAR wants an object", s.entries+1, typ.Value)
		}
		return fmt.Errorf("entry %d: %s is a JSON %s, HAR wants %s", s.entries+1, typ.Field, typ.Value, jsonKind(typ.Type))
	}
	return err
}

// jsonKind names the JSON value a Go type decodes from, for messages about the file: "a number",
// not the Go type "int".
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16,
		reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another kind of value"
}

// token reads one token; the end of input is "truncated" once a document has started.
func (s *streamer) token() (json.Token, error) {
	t, err := s.dec.Token()
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return t, err
}

func (s *streamer) expect(want json.Delim, what string) error {
	t, err := s.token()
	if err != nil {
		return s.fail(err)
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("%s is %s, HAR wants %q", what, tokenKind(t), string(want))
	}
	return nil
}

func tokenKind(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", t)
}

func (s *streamer) document(fn func(*Entry) error) (int, error) {
	t, err := s.dec.Token()
	if errors.Is(err, io.EOF) {
		return 0, errors.New("the file is empty")
	}
	if err != nil {
		return 0, s.fail(err)
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return 0, fmt.Errorf("the document is %s, a HAR file is a JSON object with log.entries", tokenKind(t))
	}
	sawEntries := false
	for s.dec.More() {
		key, err := s.key()
		if err != nil {
			return s.entries, err
		}
		if key != "log" {
			if err := s.skip(); err != nil {
				return s.entries, err
			}
			continue
		}
		if err := s.expect('{', "log"); err != nil {
			return s.entries, err
		}
		for s.dec.More() {
			key, err := s.key()
			if err != nil {
				return s.entries, err
			}
			if key != "entries" {
				if err := s.skip(); err != nil {
					return s.entries, err
				}
				continue
			}
			sawEntries = true
			if err := s.list(fn); err != nil {
				return s.entries, err
			}
		}
		if err := s.expect('}', "the end of log"); err != nil {
			return s.entries, err
		}
	}
	if err := s.expect('}', "the end of the document"); err != nil {
		return s.entries, err
	}
	if _, err := s.dec.Token(); !errors.Is(err, io.EOF) {
		return s.entries, fmt.Errorf("data after the end of the JSON document (byte %d)", s.dec.InputOffset())
	}
	if !sawEntries {
		return 0, errors.New("no log.entries: not a HAR file")
	}
	return s.entries, nil
}

func (s *streamer) key() (string, error) {
	t, err := s.token()
	if err != nil {
		return "", s.fail(err)
	}
	k, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("object key is %s", tokenKind(t))
	}
	return k, nil
}

func (s *streamer) list(fn func(*Entry) error) error {
	if err := s.expect('[', "log.entries"); err != nil {
		return err
	}
	for s.dec.More() {
		var e Entry
		if err := s.dec.Decode(&e); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return s.fail(err)
		}
		s.entries++
		e.Index = s.entries
		if err := fn(&e); err != nil {
			return err
		}
	}
	return s.expect(']', "the end of log.entries")
}

// skip reads past one value, token by token, so that a large member costs no memory.
func (s *streamer) skip() error {
	depth := 0
	for {
		t, err := s.token()
		if err != nil {
			return s.fail(err)
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
