package valomnia

import (
	"errors"
	"fmt"
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

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/specs"
)

// adapter is Valomnia's rules over the engine. Of the spec it reads the update's request schemas
// and the Contact schema (which parameters a contact stores): no field list of its own.
type adapter struct {
	creds    Credentials
	now      func() time.Time
	apiPath  string
	sessions *mock.Sessions
	forms    map[string]form // the update's request schemas by media type
	other    string          // the one a body in another media type is judged by (it has no parameters)
	contact  *openapi3.Schema
}

// form is a request schema's parameters, through allOf.
type form struct {
	props    map[string]*openapi3.Schema
	names    []string // props' names, sorted: the order their values are read in
	required []string // in the spec's order: missing-param names the first one missing
	file     string   // the binary property: the photo
}

func newAdapter(doc *openapi3.T, opts Options) (*adapter, error) {
	a := &adapter{creds: opts.Credentials, now: opts.Now, apiPath: APIPath, forms: map[string]form{},
		sessions: mock.NewSessions(opts.SessionTimeout, opts.Now)}
	if m, _, err := specs.ReadMock(doc); err == nil && m.APIPath != nil {
		a.apiPath = *m.APIPath
	}
	op, contact := doc.Paths.Find("/contacts/{id}"), doc.Components.Schemas["Contact"]
	if op == nil || op.Post == nil || op.Post.RequestBody == nil || len(op.Post.RequestBody.Value.Content) == 0 || contact == nil {
		return nil, errors.New("the spec has no update of /contacts/{id} or no Contact")
	}
	a.contact = contact.Value
	for mt, media := range op.Post.RequestBody.Value.Content {
		f := form{props: map[string]*openapi3.Schema{}}
		f.flatten(media.Schema.Value)
		if f.names = slices.Sorted(maps.Keys(f.props)); len(f.required) == 0 {
			return nil, fmt.Errorf("the %s update requires nothing; missing-param names a required field", mt)
		}
		a.forms[mt] = f
		if a.other == "" || mt < a.other {
			a.other = mt
		}
	}
	return a, nil
}

func (f *form) flatten(s *openapi3.Schema) {
	for _, sub := range s.AllOf {
		f.flatten(sub.Value)
	}
	for name, p := range s.Properties {
		if f.props[name] = p.Value; p.Value.Format == "binary" {
			f.file = name
		}
	}
	for _, name := range s.Required {
		if !slices.Contains(f.required, name) {
			f.required = append(f.required, name)
		}
	}
}

func rule(name string, args ...string) *mock.Problem {
	p := mock.Problem{Cond: specs.Condition{On: specs.OnRule, Rule: name}, Args: map[string]string{}}
	for i := 0; i+1 < len(args); i += 2 {
		p.Args[args[i]] = args[i+1]
	}
	return &p
}

// update applies an update the page's rules accept and answers the contact.
func (a *adapter) update(c *mock.Call) {
	if key, next, p := a.judge(c); p != nil {
		c.Refuse(*p)
	} else {
		c.Put(contacts, key, next)
		c.Answer(contacts, next)
	}
}

// judge checks an update in the order of the package documentation and returns the contact as
// it would be stored, or the first refusal.
func (a *adapter) judge(c *mock.Call) (string, map[string]any, *mock.Problem) {
	r := c.R
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	f, ok := a.forms[mt]
	if !ok {
		f = a.forms[a.other]
	}
	p := c.Params(f.file, MaxImageBytes+1)
	tooLarge := c.Refused != nil && c.Refused.Kind == mock.RejectTooLarge
	switch {
	case path.Clean("/"+r.URL.Path) != r.URL.Path: // a dot segment: the container resolves it
		return "", nil, &mock.Problem{Cond: specs.Condition{On: specs.OnNoRoute}}
	case tooLarge && mt == "multipart/form-data": // Spring's multipart resolver refuses it first
		return "", nil, rule(ruleFileSize)
	case tooLarge, p.Unreadable: // a container drops the parameters of a form it cannot read
		return "", nil, rule(ruleMissing, "param", f.required[0])
	}
	for _, name := range f.required {
		if v, _ := p.First(name); v == "" {
			return "", nil, rule(ruleMissing, "param", name)
		}
	}
	// The values in the spec's types, booleans first (useExternalId decides how ids read).
	sent := map[string]any{}
	for _, name := range f.names {
		if v, ok := p.First(name); ok && name != f.file {
			sent[name] = v
			if f.props[name].Type.Is(openapi3.TypeBoolean) {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return "", nil, rule(ruleType, "param", name)
				}
				sent[name] = b
			}
		}
	}
	external, _ := sent[externalIDParam].(bool)
	id := c.Match.PathParams[paramID]
	if unescaped, err := url.PathUnescape(id); err == nil {
		id = unescaped
	}
	contact, customer := key(id, external), key(fmt.Sprint(sent[customerIDParam]), external)
	switch {
	case contact == nil:
		return "", nil, rule(ruleType, "param", paramID)
	case customer == nil:
		return "", nil, rule(ruleType, "param", customerIDParam)
	case p.NonUTF8 != "":
		return "", nil, rule(ruleType, "param", p.NonUTF8)
	}
	// What the spec constrains beyond the page's checks (a property added with a maxLength).
	for _, name := range f.names {
		if v, ok := sent[name]; ok && !contract.Conforms(f.props[name], v) {
			return "", nil, rule(ruleType, "param", name)
		}
	}
	ckey, stored := find(c, contacts, contact)
	_, cust := find(c, customers, customer)
	email, _ := sent["email"].(string)
	code, _ := sent["country"].(string)
	ext, image := imageTypes[http.DetectContentType(p.File)]
	switch {
	case stored == nil:
		return "", nil, &mock.Problem{Cond: specs.Condition{On: specs.OnNotFound, In: "path", Param: paramID}, Args: map[string]string{"id": fmt.Sprint(contact)}}
	case cust == nil:
		return "", nil, &mock.Problem{Cond: specs.Condition{On: specs.OnNotFound, In: "body", Field: customerIDParam}, Args: map[string]string{"id": fmt.Sprint(customer)}}
	case email != "" && !validEmail(email):
		return "", nil, rule(ruleEmail)
	case code != "" && !validCountry(code):
		return "", nil, rule(ruleCountry)
	case len(p.File) > MaxImageBytes:
		return "", nil, rule(ruleFileSize)
	case p.File != nil && !image:
		return "", nil, rule(ruleFileType)
	}
	next := maps.Clone(stored)
	for name, v := range sent {
		if s, ok := v.(string); ok && utf8.RuneCountInString(s) > MaxTextLength {
			return "", nil, rule(ruleSave)
		}
		if ps := a.contact.Properties[name]; ps != nil && contract.Conforms(ps.Value, v) {
			next[name] = v
		}
	}
	if stored["failSave"] == true {
		return "", nil, rule(ruleSave)
	}
	if p.File != nil {
		// The page's link "<folder><epoch ms>_<n>_<file name>"; n, unexplained, is the size here.
		org, _ := c.Extra().(*organization) // always set: the fixtures hook returns one
		next[photoProp] = fmt.Sprintf("%s%d_%d_%s", org.PhotoBaseURL, a.now().UnixMilli(), len(p.File), photoFileName(p.FileName, ext))
	}
	next["customer"], next["customerReference"] = maps.Clone(cust), cust[referenceProp]
	next["lastUpdated"] = a.now().UTC().Truncate(time.Second).Format(time.RFC3339)
	return ckey, next, nil
}

// key reads a path id or customerId: the caller's reference when external, else a Long as Java
// parses one (an optional sign, decimal digits, 64 bits); nil when it is neither.
func key(s string, external bool) any {
	if id, err := strconv.ParseInt(s, 10, 64); !external && err == nil {
		return id
	} else if external && utf8.ValidString(s) {
		return s
	}
	return nil
}

// find returns the record of coll a key names: by id, or by reference (a string).
func find(c *mock.Call, coll string, key any) (string, map[string]any) {
	k := fmt.Sprint(key)
	if ref, ok := key.(string); ok {
		if keys := c.Find(coll, referenceProp, ref); len(keys) > 0 {
			k = keys[0]
		} else {
			return "", nil
		}
	}
	return k, c.Record(coll, k)
}

// validEmail reads "incorrect Email format" (the page names no rule) as a bare address net/mail
// parses, no display name or comment, whose domain has a dot between non-empty labels and is no
// literal: Grails' email constraint refuses dotless domains such as "localhost" too.
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

// photoFileName makes an uploaded file name safe for a link: letters, digits, dot, dash and
// underscore kept, anything else an underscore, at most 100 characters; none at all is "photo"
// with the extension of the detected format.
func photoFileName(name, ext string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 100 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if s := strings.Trim(b.String(), "."); s != "" {
		return s
	}
	return "photo" + ext
}
