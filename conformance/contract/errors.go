package contract

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/contactapis/contactapis/specs"
)

// ErrorMessages extracts the messages of a vendor's error body, in the vendor's format: iovox's
// XML list, Valomnia's error_description, Which50's Message (JSON or XML), auregister's message.
func ErrorMessages(vendor, contentType string, body []byte) ([]string, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	isXML := strings.HasSuffix(mt, "/xml")
	switch {
	case vendor == specs.Iovox:
		var list struct {
			Errors []struct {
				Message string `xml:",chardata"`
			} `xml:"error"`
		}
		if err := refusedXML(body); err != nil {
			return nil, fmt.Errorf("want <errors><error status=...>: %w", err)
		}
		if err := xml.Unmarshal(body, &list); err != nil || len(list.Errors) == 0 {
			return nil, fmt.Errorf("want <errors><error status=...>: %v", err)
		}
		var out []string
		for _, e := range list.Errors {
			out = append(out, e.Message)
		}
		return out, nil
	case vendor == specs.Which50 && isXML:
		var e struct {
			Message string `xml:"Message"`
		}
		if err := refusedXML(body); err != nil {
			return nil, fmt.Errorf("want an XML Message: %w", err)
		}
		if err := xml.Unmarshal(body, &e); err != nil || e.Message == "" {
			return nil, fmt.Errorf("want an XML Message: %v", err)
		}
		return []string{e.Message}, nil
	}
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("want a JSON object: %v", err)
	}
	key := map[string]string{specs.Valomnia: "error_description", specs.Which50: "Message", specs.Auregister: "message"}[vendor]
	msg, _ := e[key].(string)
	if msg == "" {
		return nil, fmt.Errorf("no %q in the body", key)
	}
	return []string{msg}, nil
}

// refusedXML applies the XML parser's refusals (ParseXML: no declaration, which is the only way to
// entities, and no document beyond its limits) to an error body, which may come from anywhere (a
// live vendor, a capture). A body that merely does not parse is left to xml.Unmarshal, whose
// message says what the vendor's format wants.
func refusedXML(body []byte) error {
	if _, err := ParseXML(bytes.NewReader(body)); errors.Is(err, ErrXMLNotAllowed) {
		return err
	}
	return nil
}
