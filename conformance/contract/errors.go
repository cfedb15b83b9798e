package contract

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// ErrorFormat says where a vendor's error bodies carry their messages. vendors.ErrorMessages
// reads a vendor's from its spec (or its registry entry); it is data rather than a switch over
// vendors so that a new vendor is described, not coded.
type ErrorFormat struct {
	// JSON is the member of a JSON error object holding the message (Valomnia's
	// error_description); "" when the vendor's errors are never JSON.
	JSON string
	// XML is the element, a child of the body's root, holding a message; each such element is
	// one message (iovox's <errors><error>…</error>…</errors>, Which50's <Error><Message>).
	// "" when the vendor's errors are never XML.
	XML string
}

// Messages extracts the messages of an error body. With both JSON and XML set, the Content-Type
// decides (an XML media type is read as XML); with one, the body is read in that format whatever
// it declares.
func (f ErrorFormat) Messages(contentType string, body []byte) ([]string, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	isXML := strings.HasSuffix(mt, "/xml")
	switch {
	case f.XML != "" && (f.JSON == "" || isXML):
		return xmlMessages(body, f.XML)
	case f.JSON != "":
		var e map[string]any
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("want a JSON object: %v", err)
		}
		msg, _ := e[f.JSON].(string)
		if msg == "" {
			return nil, fmt.Errorf("no %q in the body", f.JSON)
		}
		return []string{msg}, nil
	}
	return nil, errors.New("the vendor declares no error format")
}

// xmlMessages reads the text of every <name> child of the root element. An element without text
// is not a message; a body with none is not in the format.
func xmlMessages(body []byte, name string) ([]string, error) {
	want := fmt.Sprintf("want an XML root holding <%s> elements", name)
	if err := refusedXML(body); err != nil {
		return nil, fmt.Errorf("%s: %w", want, err)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	var out []string
	for depth := 0; ; {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", want, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 1 && t.Name.Local == name {
				var e struct {
					Text string `xml:",chardata"`
				}
				if err := d.DecodeElement(&e, &t); err != nil {
					return nil, fmt.Errorf("%s: %v", want, err)
				}
				if e.Text != "" {
					out = append(out, e.Text)
				}
				continue
			}
			depth++
		case xml.EndElement:
			// The root's end: what follows is not part of the document (as xml.Unmarshal reads it).
			if depth--; depth == 0 {
				return nonEmpty(out, want)
			}
		}
	}
	return nonEmpty(out, want)
}

func nonEmpty(msgs []string, want string) ([]string, error) {
	if len(msgs) == 0 {
		return nil, errors.New(want)
	}
	return msgs, nil
}

// refusedXML applies the XML parser's refusals (ParseXML: no declaration, which is the only way to
// entities, and no document beyond its limits) to an error body, which may come from anywhere (a
// live vendor, a capture). A body that merely does not parse is left to the decoder, whose
// message says what the vendor's format wants.
func refusedXML(body []byte) error {
	if _, err := ParseXML(bytes.NewReader(body)); errors.Is(err, ErrXMLNotAllowed) {
		return err
	}
	return nil
}
