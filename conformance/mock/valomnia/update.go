package valomnia

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// adapter is Valomnia's business rules over the engine: what it reads of the spec is the
// update's request schemas (which parameters exist, which are required and in which order, of
// which type, which one is the photo) and the contact's schema (which of them a contact stores).
type adapter struct {
	creds    Credentials
	now      func() time.Time
	logger   *slog.Logger
	apiPath  string
	sessions *mock.Sessions
	// forms are the update's request schemas by media type, flattened (allOf).
	forms   map[string]form
	contact *openapi3.Schema
}

// form is a request schema's parameters.
type form struct {
	props    map[string]*openapi3.Schema
	required []string // in the spec's order: missing-param names the first one missing
	file     string   // the binary property: the photo
}

func newAdapter(doc *openapi3.T, opts Options) (*adapter, error) {
	a := &adapter{creds: opts.Credentials, now: opts.Now, logger: opts.Logger, apiPath: APIPath,
		sessions: mock.NewSessions(opts.SessionTimeout, opts.Now), forms: map[string]form{}}
	if a.logger == nil {
		a.logger = slog.New(slog.DiscardHandler)
	}
	if m, _, err := specs.ReadMock(doc); err == nil && m.APIPath != nil {
		a.apiPath = *m.APIPath
	}
	op := doc.Paths.Find("/contacts/{id}")
	if op == nil || op.Post == nil || op.Post.RequestBody == nil || op.Post.RequestBody.Value == nil {
		return nil, errors.New("the spec has no update of /contacts/{id}")
	}
	for mt, media := range op.Post.RequestBody.Value.Content {
		f := form{props: map[string]*openapi3.Schema{}}
		flatten(media.Schema.Value, &f)
		if len(f.required) == 0 {
			return nil, fmt.Errorf("the %s update requires nothing; missing-param names a required field", mt)
		}
		a.forms[mt] = f
	}
	if ref := doc.Components.Schemas["Contact"]; ref != nil {
		a.contact = ref.Value
	}
	if a.contact == nil {
		return nil, errors.New("the spec has no Contact schema")
	}
	return a, nil
}

// flatten collects a schema's properties and required ones through allOf, in the spec's order.
func flatten(s *openapi3.Schema, f *form) {
	for _, sub := range s.AllOf {
		flatten(sub.Value, f)
	}
	for name, p := range s.Properties {
		f.props[name] = p.Value
		if p.Value.Format == "binary" {
			f.file = name
		}
	}
	for _, name := range s.Required {
		if !slices.Contains(f.required, name) {
			f.required = append(f.required, name)
		}
	}
}

func rule(name string, args ...string) mock.Problem {
	p := mock.Problem{Cond: specs.Condition{On: specs.OnRule, Rule: name}, Args: map[string]string{}}
	for i := 0; i+1 < len(args); i += 2 {
		p.Args[args[i]] = args[i+1]
	}
	return p
}

// update judges an update in the page's order (see the package documentation), then applies it
// and answers the contact: what was sent and in which type, then which records it names, then
// the values, then the photo, then what storage accepts.
func (a *adapter) update(c *mock.Call) {
	r := c.R
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	f, ok := a.forms[mt]
	if !ok {
		f = a.forms["application/x-www-form-urlencoded"]
	}
	if clean := path.Clean("/" + r.URL.Path); clean != r.URL.Path {
		// A dot segment ("/contacts/.") names no route: the vendor's container resolves it.
		c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnNoRoute}})
		return
	}
	if c.Refused != nil && c.Refused.Kind == mock.RejectTooLarge {
		if mt == "multipart/form-data" {
			// Spring's multipart resolver refuses an upload over its limit before the controller
			// runs; the only size the vendor documents is the photo's.
			c.Refuse(rule(ruleFileSize))
		} else {
			// A servlet container drops the parameters of a form over its size limit.
			c.Refuse(rule(ruleMissing, "param", f.required[0]))
		}
		return
	}
	p := mock.ReadParams(r, c.Body, f.file, MaxImageBytes+1)
	if p.Unreadable {
		c.Refuse(rule(ruleMissing, "param", f.required[0]))
		return
	}
	for _, name := range f.required {
		if v, _ := p.First(name); v == "" {
			c.Refuse(rule(ruleMissing, "param", name))
			return
		}
	}
	// Values in the types the spec gives; a value that is not of its type is refused, booleans
	// first (useExternalId decides how ids are read).
	sent := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(f.props)) {
		v, ok := p.First(name)
		if !ok || name == f.file {
			continue
		}
		switch s := f.props[name]; {
		case s.Type.Is(openapi3.TypeBoolean):
			b, err := strconv.ParseBool(v)
			if err != nil {
				c.Refuse(rule(ruleType, "param", name))
				return
			}
			sent[name] = b
		default:
			sent[name] = v
		}
	}
	external, _ := sent[externalIDParam].(bool)
	id := c.Match.PathParams[paramID]
	if unescaped, err := url.PathUnescape(id); err == nil {
		id = unescaped
	}
	contact, customer := a.key(id, external), a.key(fmt.Sprint(sent[customerIDParam]), external)
	switch {
	case contact == nil:
		c.Refuse(rule(ruleType, "param", paramID))
		return
	case customer == nil:
		c.Refuse(rule(ruleType, "param", customerIDParam))
		return
	case p.NonUTF8 != "":
		c.Refuse(rule(ruleType, "param", p.NonUTF8))
		return
	}
	// Then the values against their schemas, the first by name: what the spec constrains
	// beyond the page's own checks (a property added to the spec with a maxLength, say).
	for _, name := range slices.Sorted(maps.Keys(sent)) {
		if f.props[name].VisitJSON(sent[name]) != nil {
			c.Refuse(rule(ruleType, "param", name))
			return
		}
	}
	ckey, stored := a.find(c, contacts, contact)
	if stored == nil {
		c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnNotFound, In: "path", Param: paramID}, Args: map[string]string{"id": fmt.Sprint(contact)}})
		return
	}
	_, cust := a.find(c, customers, customer)
	if cust == nil {
		c.Refuse(mock.Problem{Cond: specs.Condition{On: specs.OnNotFound, In: "body", Field: customerIDParam}, Args: map[string]string{"id": fmt.Sprint(customer)}})
		return
	}
	if email, _ := sent["email"].(string); email != "" && !validEmail(email) {
		c.Refuse(rule(ruleEmail))
		return
	}
	if code, _ := sent["country"].(string); code != "" && !validCountry(code) {
		c.Refuse(rule(ruleCountry))
		return
	}
	next := maps.Clone(stored)
	if p.File != nil {
		ext, ok := imageTypes[http.DetectContentType(p.File)]
		switch {
		case len(p.File) > MaxImageBytes:
			c.Refuse(rule(ruleFileSize))
			return
		case !ok:
			c.Refuse(rule(ruleFileType))
			return
		}
		base := ""
		if org, ok := c.Extra().(*organization); ok {
			base = org.PhotoBaseURL
		}
		next[photoProp] = fmt.Sprintf("%s%d_%d_%s", base, a.now().UnixMilli(), len(p.File), photoFileName(p.FileName, ext))
	}
	for name, v := range sent {
		if s, ok := v.(string); ok && utf8.RuneCountInString(s) > MaxTextLength {
			c.Refuse(rule(ruleSave))
			return
		}
		// What the contact stores under the parameter's own name, as sent (empty clears).
		if ps := a.contact.Properties[name]; ps != nil && ps.Value.Type.Permits(typeOf(v)) {
			next[name] = v
		}
	}
	if stored[failSaveProp] == true {
		c.Refuse(rule(ruleSave))
		return
	}
	next["customer"], next["customerReference"] = embed(cust), cust[referenceProp]
	next[lastUpdatedProp] = a.now().UTC().Truncate(time.Second).Format(time.RFC3339)
	c.Put(contacts, ckey, next)
	c.Answer(contacts, next)
}

func typeOf(v any) string {
	if _, ok := v.(bool); ok {
		return openapi3.TypeBoolean
	}
	return openapi3.TypeString
}

// key reads a path id or customerId: the caller's reference as sent when external (a string),
// else a Long as Java parses one (an optional sign, decimal digits, 64 bits; an int64). nil when
// it is neither.
func (a *adapter) key(s string, external bool) any {
	if external {
		if !utf8.ValidString(s) {
			return nil
		}
		return s
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	return id
}

// find returns the record of coll a key names: by id, or by reference when the key is a string.
func (a *adapter) find(c *mock.Call, coll string, key any) (string, map[string]any) {
	if ref, ok := key.(string); ok {
		keys := c.Find(coll, referenceProp, ref)
		if len(keys) == 0 {
			return "", nil
		}
		return keys[0], c.Record(coll, keys[0])
	}
	k := fmt.Sprint(key)
	return k, c.Record(coll, k)
}

// validEmail is the mock's reading of "incorrect Email format" (the page names the error, not the
// rule): a bare address as net/mail parses it (no display name, angle brackets or comment), whose
// domain has a dot between non-empty labels and is not an address literal. Grails' email
// constraint (Apache Commons Validator) refuses dotless domains such as "localhost" too.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	labels := strings.Split(domain, ".")
	return !strings.HasPrefix(domain, "[") && len(labels) >= 2 && !slices.Contains(labels, "")
}

// imageTypes are the photo formats the page accepts, as http.DetectContentType names them.
var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/gif": ".gif", "image/png": ".png", "image/bmp": ".bmp"}

// photoFileName makes the uploaded file name safe for a link: letters, digits, dot, dash and
// underscore kept, anything else an underscore, at most 100 characters; a photo sent without a
// name is called "photo" with the extension of its detected format. The link is the page's
// shape, the organization's photo folder then "<epoch ms>_<n>_<file name>", where the page's
// unexplained number n is the photo's size in bytes.
func photoFileName(name, ext string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 100 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if s := strings.Trim(b.String(), "."); s != "" {
		return s
	}
	return "photo" + ext
}

