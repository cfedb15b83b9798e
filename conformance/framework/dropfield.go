package framework

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/contract"
)

// dropField is the drop-field tamper: a mock that loses one field of every successful update,
// which the suite's schema-derived round-trip specs must notice for every vendor.
//
// The field lost is the last one the update sends ("last" in the body's own order, descending into
// the last member while it is an object: iovox's <request><contact>...<notes> loses notes, Which50's
// {"Values": {"Email": ...}} loses Email, auregister's {"email": ...} loses email). A round-trip spec
// sends the property it checks last, so that is the one lost. Where it is lost depends on what the
// operation answers, as its spec declares:
//
//   - an operation whose 2xx answer is a record (an object schema: Valomnia's and auregister's
//     contact) keeps the update and loses the field from the 2xx answer: the member of that name of
//     the JSON object (or child element of the XML root), else the answer's last member. The suite
//     reads those answers, so that is the drop it must see;
//   - an operation whose 2xx answer carries no record (iovox's 204, Which50's list of ids) has no
//     field to lose in its answer, so the field is taken out of the update before the mock reads
//     it: the mock never stores it, and the admin state, where the round-trip specs of those
//     vendors read the record back, shows the value it had. Taking it out of the admin state's
//     answer instead would need the tamper to wrap the admin API, which is no vendor's handler.
//
// Requests that are not updates (no body in the spec, no 2xx declared: Valomnia's login) and bodies
// of other media types (multipart) pass unchanged.
type dropField struct {
	validator *contract.Validator
}

func newDropField(vendor string) (*dropField, error) {
	// The tamper wraps a vendor's handler below its mount point (/<vendor>), so it sees paths
	// below that: the base path is what MockPath adds after the vendor name.
	v, err := contract.New(vendor, strings.TrimPrefix(MockPath(vendor), "/"+vendor))
	if err != nil {
		return nil, err
	}
	return &dropField{validator: v}, nil
}

// answersRecord reports whether op is an update (it takes a body) and whether a 2xx answer of it
// carries a record.
func answersRecord(op *openapi3.Operation) (update, record bool) {
	if op.RequestBody == nil || op.Responses == nil {
		return false, false
	}
	for code, r := range op.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil || status/100 != 2 || r.Value == nil {
			continue
		}
		update = true
		for _, media := range r.Value.Content {
			if media.Schema != nil && media.Schema.Value != nil && len(Merged(media.Schema.Value).Properties) > 0 {
				record = true
			}
		}
	}
	return update, record
}

func (d *dropField) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := d.validator.Route(r)
		if err != nil || r.Body == nil {
			h.ServeHTTP(w, r)
			return
		}
		update, record := answersRecord(m.Route.Operation)
		if !update {
			h.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			http.Error(w, "drop-field tamper: read body", http.StatusBadRequest)
			return
		}
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		name, cut := lastField(mediaType, body)
		if !record && cut != nil {
			body = cut
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		if !record {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		answer := rec.Body.Bytes()
		if rec.Code/100 == 2 {
			answerType, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
			if dropped, ok := dropMember(answerType, answer, name); ok {
				answer = dropped
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(rec.Code)
		w.Write(answer)
	})
}

// lastField finds the last field of an update body (see dropField) and returns its name and the
// body without it; a nil body when the media type is not one it reads or the body has no field.
func lastField(mediaType string, body []byte) (string, []byte) {
	switch {
	case isJSON(mediaType):
		return lastJSONField(body)
	case isXML(mediaType):
		return lastXMLField(body)
	case mediaType == "application/x-www-form-urlencoded":
		pairs := strings.Split(strings.TrimRight(string(body), "&"), "&")
		if len(pairs) == 0 || pairs[len(pairs)-1] == "" {
			return "", nil
		}
		name, _, _ := strings.Cut(pairs[len(pairs)-1], "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		return name, []byte(strings.Join(pairs[:len(pairs)-1], "&"))
	}
	return "", nil
}

func isJSON(mt string) bool {
	return mt == "application/json" || mt == "text/json" || mt == "application/csp-report" || strings.HasSuffix(mt, "+json")
}

func isXML(mt string) bool {
	return mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}

// member is one name/value pair of a JSON object, in the order the object wrote them.
type member struct {
	name  string
	value json.RawMessage
}

// jsonMembers reads a JSON object's members in order; false when body is no object.
func jsonMembers(body []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		name, _ := t.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, false
		}
		out = append(out, member{name: name, value: value})
	}
	return out, true
}

// writeObject writes members as a JSON object, in their order.
func writeObject(members []member) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(m.name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// lastJSONField descends into the last member while its value is a non-empty object and drops the
// last member of the object reached.
func lastJSONField(body []byte) (string, []byte) {
	members, ok := jsonMembers(body)
	if !ok || len(members) == 0 {
		return "", nil
	}
	last := &members[len(members)-1]
	if inner, ok := jsonMembers(last.value); ok && len(inner) > 0 {
		name, cut := lastJSONField(last.value)
		last.value = cut
		return name, writeObject(members)
	}
	return last.name, writeObject(members[:len(members)-1])
}

// xmlSpan is an element of an XML body and where it stands in the bytes.
type xmlSpan struct {
	name       string
	start, end int64
	children   []*xmlSpan
}

// xmlTree reads the element tree of an XML body with each element's byte span.
func xmlTree(body []byte) (*xmlSpan, bool) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var root *xmlSpan
	var stack []*xmlSpan
	for {
		start := dec.InputOffset()
		t, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false
		}
		switch t := t.(type) {
		case xml.StartElement:
			e := &xmlSpan{name: t.Name.Local, start: start}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, e)
			} else if root == nil {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, false
			}
			stack[len(stack)-1].end = dec.InputOffset()
			stack = stack[:len(stack)-1]
		}
	}
	return root, root != nil && len(stack) == 0
}

// lastXMLField descends into the last child element while it has children and cuts the element
// reached out of the body.
func lastXMLField(body []byte) (string, []byte) {
	root, ok := xmlTree(body)
	if !ok || len(root.children) == 0 {
		return "", nil
	}
	e := root
	for len(e.children) > 0 {
		e = e.children[len(e.children)-1]
	}
	return e.name, slicesCut(body, e.start, e.end)
}

func slicesCut(body []byte, start, end int64) []byte {
	out := make([]byte, 0, len(body)-int(end-start))
	out = append(out, body[:start]...)
	return append(out, body[end:]...)
}

// dropMember drops the member name from a 2xx answer's record (a JSON object, or the root element
// of an XML answer), else its last member; false when the answer holds no record.
func dropMember(mediaType string, answer []byte, name string) ([]byte, bool) {
	switch {
	case isJSON(mediaType):
		members, ok := jsonMembers(answer)
		if !ok || len(members) == 0 {
			return nil, false
		}
		i := len(members) - 1
		for j, m := range members {
			if m.name == name {
				i = j
			}
		}
		return writeObject(append(members[:i:i], members[i+1:]...)), true
	case isXML(mediaType):
		root, ok := xmlTree(answer)
		if !ok || len(root.children) == 0 {
			return nil, false
		}
		e := root.children[len(root.children)-1]
		for _, c := range root.children {
			if c.name == name {
				e = c
			}
		}
		return slicesCut(answer, e.start, e.end), true
	}
	return nil, false
}
