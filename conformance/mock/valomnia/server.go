package valomnia

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/contactapis/contactapis/conformance/contract"
	api "github.com/contactapis/contactapis/gen/valomnia"
	"github.com/contactapis/contactapis/specs"
)

// Server implements the generated strict server interface over a Backend's store and sessions.
type Server struct {
	b *Backend
}

var _ api.StrictServerInterface = (*Server)(nil)

// Operation ids of the spec.
const (
	opLogin            = "login"
	opLoginWithGet     = "loginWithGet"
	opLoginSuccess     = "loginSuccess"
	opLoginSuccessPost = "loginSuccessPost"
	opUpdateContact    = "updateContact"
)

// sessionCookie is the cookie of the spec's sessionCookie security scheme.
const sessionCookie = "JSESSIONID"

// tokenPath is where a successful login redirects (operation loginSuccess), below the host root.
const tokenPath = "/login/ajaxSuccess"

// Login opens a session for the configured user: 302 to the token page, with the session's cookie.
// Anything else (a wrong user or password, no ajax=true) answers login-failed. The generated
// binding reads the fields from the request's parameters, query and form body alike, as the
// vendor's filter does: the vendor's connector sends them in the query of a body-less POST.
func (s *Server) Login(ctx context.Context, req api.LoginRequestObject) (api.LoginResponseObject, error) {
	var form api.LoginForm
	if req.Body != nil {
		form = *req.Body
	}
	redirect, ok := s.login(ctx, form.JUsername, form.JPassword, string(form.Ajax))
	if !ok {
		_, body := s.b.cat.render(refuse(idLoginFailed))
		return api.Login401JSONResponse{UnauthorizedJSONResponse: api.UnauthorizedJSONResponse(body)}, nil
	}
	return api.Login302Response(redirect), nil
}

// LoginWithGet is the login as a GET with the fields in the query string, as a public PHP client
// sends it; it answers as Login does.
func (s *Server) LoginWithGet(ctx context.Context, req api.LoginWithGetRequestObject) (api.LoginWithGetResponseObject, error) {
	p := req.Params
	redirect, ok := s.login(ctx, deref(p.JUsername), deref(p.JPassword), deref(p.Ajax))
	if !ok {
		_, body := s.b.cat.render(refuse(idLoginWithGetFailed))
		return api.LoginWithGet401JSONResponse{UnauthorizedJSONResponse: api.UnauthorizedJSONResponse(body)}, nil
	}
	return api.LoginWithGet302Response(redirect), nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// login checks the credentials and, when they are the configured user's with ajax=true, opens a
// session and returns the redirect to the token page. Location is absolute, on the host the
// client called, as a servlet container writes it: the vendor's connector posts to Location as
// given, and its HTTP client has no host to send a relative URL to.
func (s *Server) login(ctx context.Context, user, password, ajax string) (api.LoginRedirectResponse, bool) {
	b := s.b
	if ajax != string(api.LoginFormAjaxTrue) || !sameSecret(user, b.creds.User) || !sameSecret(password, b.creds.Password.Reveal()) {
		return api.LoginRedirectResponse{}, false
	}
	token := b.sessions.start(b.creds.User)
	prefix := mountFrom(ctx)
	location := originFrom(ctx) + prefix + tokenPath
	cookie := (&http.Cookie{Name: sessionCookie, Value: token, Path: prefix + "/", HttpOnly: true}).String()
	return api.LoginRedirectResponse{Headers: api.LoginRedirectResponseHeaders{Location: &location, SetCookie: &cookie}}, true
}

// LoginSuccess answers the token of the session the cookie names, and its user; without an open
// session, login-success-no-session.
func (s *Server) LoginSuccess(_ context.Context, req api.LoginSuccessRequestObject) (api.LoginSuccessResponseObject, error) {
	page, ok := s.tokenPage(req.Params.JSESSIONID)
	if !ok {
		_, body := s.b.cat.render(refuse(idNoSession))
		return api.LoginSuccess401JSONResponse{UnauthorizedJSONResponse: api.UnauthorizedJSONResponse(body)}, nil
	}
	return api.LoginSuccess200JSONResponse{LoginSuccessJSONResponse: page}, nil
}

// LoginSuccessPost is the token page read with POST, as the vendor's connector follows the
// login's redirect; it answers as LoginSuccess does.
func (s *Server) LoginSuccessPost(_ context.Context, req api.LoginSuccessPostRequestObject) (api.LoginSuccessPostResponseObject, error) {
	page, ok := s.tokenPage(req.Params.JSESSIONID)
	if !ok {
		_, body := s.b.cat.render(refuse(idNoSessionPost))
		return api.LoginSuccessPost401JSONResponse{UnauthorizedJSONResponse: api.UnauthorizedJSONResponse(body)}, nil
	}
	return api.LoginSuccessPost200JSONResponse{LoginSuccessJSONResponse: page}, nil
}

// tokenPage is the token page of the open session cookie names, if any.
func (s *Server) tokenPage(cookie *string) (api.LoginSuccessJSONResponse, bool) {
	b := s.b
	user, ok := b.sessions.use(deref(cookie))
	if !ok {
		return api.LoginSuccessJSONResponse{}, false
	}
	success := true
	c := b.creds
	return api.LoginSuccessJSONResponse{Token: *cookie, Success: &success, Username: &user,
		User: api.LoginUser{Email: c.User, FirstName: c.FirstName, LastName: c.LastName, Role: slices.Clone(c.Roles)}}, true
}

// UpdateContact checks and applies an update sent as a form or as multipart. The session was
// checked by the pipeline (Backend.Authenticate).
func (s *Server) UpdateContact(ctx context.Context, req api.UpdateContactRequestObject) (api.UpdateContactResponseObject, error) {
	b := s.b
	in := updateInput{id: req.ID, unreadable: unreadableFrom(ctx)}
	switch {
	case req.MultipartBody != nil && !in.unreadable: // beyond the framing limits: no part is read
		values, img, nonUTF8, err := readMultipart(req.MultipartBody)
		for name, vs := range queryFrom(ctx) {
			values[name] = append(values[name], vs...)
		}
		if nonUTF8 == "" {
			nonUTF8 = nonUTF8From(ctx)
		}
		in.fields, in.badBool = fieldsFromValues(values)
		in.image, in.unreadable, in.nonUTF8 = img, err != nil, nonUTF8
	case req.FormdataBody != nil:
		in.fields, in.nonUTF8 = *req.FormdataBody, nonUTF8From(ctx)
	}
	// Any other media type (JSON, none) carries no parameter the vendor reads: the first required
	// one is missing.
	p, verr := b.check(in)
	if verr != nil {
		return b.cat.updateResponse(verr), nil
	}
	rec, err := b.store.update(p.contact, p.customer, p.change, b.now())
	if err != nil {
		return b.cat.updateResponse(b.storeError(err, p.contact, p.customer)), nil
	}
	return api.UpdateContact200JSONResponse(b.answer(rec)), nil
}

// answer is a stored contact as the vendor answers it.
func (b *Backend) answer(r record) api.Contact {
	str := func(s string) *string { return &s }
	customerID := r.customer.ID
	c := api.Contact{
		ID:                r.ID,
		CustomerReference: str(r.customer.Reference),
		Customer: api.ContactCustomer{
			ID:        &customerID,
			Reference: str(r.customer.Reference),
			Name:      str(r.customer.Name),
			Href:      str(b.apiPath + "/customers/" + key{id: customerID}.String()),
		},
		FirstName:       r.FirstName,
		LastName:        r.LastName,
		Mobile:          str(r.Mobile),
		Fax:             str(r.Fax),
		Email:           str(r.Email),
		Fonction:        str(r.Fonction),
		Phone:           str(r.Phone),
		Phone2:          str(r.Phone2),
		Comment:         str(r.Comment),
		Country:         str(r.Country),
		City:            str(r.City),
		PostalCode:      str(r.PostalCode),
		Address:         str(r.Address),
		IsDecisionMaker: &r.IsDecisionMaker,
		Photo:           r.Photo,
		Organization:    str(r.org.Name),
	}
	created, updated := r.DateCreated.UTC(), r.LastUpdated.UTC()
	c.DateCreated, c.LastUpdated = &created, &updated
	if r.user != nil {
		userID := r.user.ID
		c.User = &api.ContactUser{ID: &userID, Reference: str(r.user.Reference),
			Href: str(b.apiPath + "/users/" + key{id: userID}.String())}
	}
	return c
}

// routes registers the generated handlers: operations the spec serves at the host root (an
// operation-level server: the login) at their own path, the others below the API path. The
// generated HandlerWithOptions puts every operation below one BaseURL, so this ServeMux adapter
// moves the root ones back, and tells each request which operation it reached.
type routes struct {
	mux      *http.ServeMux
	notFound http.HandlerFunc
	apiPath  string
	ops      map[string]specs.Operation // "METHOD /spec/path" → operation
	root     map[string]bool            // operationIds served at the host root
}

// HandleFunc implements api.ServeMux.
func (m *routes) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	method, served, _ := strings.Cut(pattern, " ")
	specPath := strings.TrimPrefix(served, m.apiPath)
	op := m.ops[method+" "+specPath]
	if m.root[op.Operation.OperationID] {
		served = specPath
	}
	id := op.Operation.OperationID
	m.mux.HandleFunc(method+" "+served, func(w http.ResponseWriter, r *http.Request) {
		h(w, r.WithContext(context.WithValue(r.Context(), opKey{}, id)))
	})
}

// ServeHTTP implements api.ServeMux. A path that is not in canonical form ("/contacts/.",
// "//contacts/5") is an unknown route: http.ServeMux would answer a redirect to the cleaned path,
// which the vendor's container does not (it resolves dot segments itself, and no route of this API
// ends where they lead).
func (m *routes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	clean := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	if clean != p {
		m.notFound(w, r)
		return
	}
	m.mux.ServeHTTP(w, r)
}

type (
	opKey         struct{}
	mountKey      struct{}
	originKey     struct{}
	unreadableKey struct{}
	queryKey      struct{}
	nonUTF8Key    struct{}
)

func opFrom(ctx context.Context) string {
	op, _ := ctx.Value(opKey{}).(string)
	return op
}

// mountFrom is the path the mock is mounted under ("/valomnia" in the shared mock server), which
// the login's redirect and cookie path must carry.
func mountFrom(ctx context.Context) string {
	p, _ := ctx.Value(mountKey{}).(string)
	return p
}

// originFrom is the scheme and host the client called ("http://127.0.0.1:8080"), for the login's
// absolute Location.
func originFrom(ctx context.Context) string {
	o, _ := ctx.Value(originKey{}).(string)
	return o
}

// origin is the scheme and host r was sent to. Host is what the client put in its Host header;
// behind TLS the scheme is https.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// queryFrom is the query's parameters of a multipart update.
func queryFrom(ctx context.Context) url.Values {
	q, _ := ctx.Value(queryKey{}).(url.Values)
	return q
}

// nonUTF8From names the first parameter prepare found not UTF-8 (for a multipart update, in the
// query only; the parts are checked as they are read).
func nonUTF8From(ctx context.Context) string {
	n, _ := ctx.Value(nonUTF8Key{}).(string)
	return n
}

func unreadableFrom(ctx context.Context) bool {
	u, _ := ctx.Value(unreadableKey{}).(bool)
	return u
}

// mountPrefix is what precedes the path the handler sees in the path the client sent: the mount
// that http.StripPrefix removed.
func mountPrefix(r *http.Request) string {
	sent, _, _ := strings.Cut(r.RequestURI, "?")
	if p, ok := strings.CutSuffix(sent, r.URL.EscapedPath()); ok && strings.HasPrefix(p, "/") {
		return strings.TrimSuffix(p, "/")
	}
	return ""
}

// prepare runs before the generated request decoding.
//
//   - It records the mount prefix and the scheme and host called, for the login's redirect.
//   - It normalises the Content-Type (the generated code matches media types by case-sensitive
//     prefix; the vendor's container does not).
//   - For updateContact it parses a form itself and records whether the body was readable (the
//     generated decoding would otherwise refuse a malformed form outright), and which parameter
//     first is not UTF-8 (the binding keeps only the first value of the fields it knows). For a
//     multipart update it keeps the query's parameters: the vendor reads request parameters,
//     body first, then query, as the generated form binding does with r.Form.
func (b *Backend) prepare(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), mountKey{}, mountPrefix(r))
		ctx = context.WithValue(ctx, originKey{}, origin(r))
		r = r.Clone(ctx) // its own header, since it is rewritten below
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, params, err := mime.ParseMediaType(ct); err == nil {
				r.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
			}
		}
		if opFrom(ctx) == opUpdateContact {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			switch mt {
			case "application/x-www-form-urlencoded":
				body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
				r.Body = io.NopCloser(bytes.NewReader(body))
				ctx = context.WithValue(ctx, nonUTF8Key{}, firstNonUTF8(string(body)+"&"+r.URL.RawQuery))
				if err != nil || len(body) > MaxBodyBytes || r.ParseForm() != nil {
					ctx = context.WithValue(ctx, unreadableKey{}, true)
				}
			case "multipart/form-data":
				query, _ := url.ParseQuery(r.URL.RawQuery) // the pairs that decode, as a container keeps them
				ctx = context.WithValue(ctx, queryKey{}, query)
				ctx = context.WithValue(ctx, nonUTF8Key{}, firstNonUTF8(r.URL.RawQuery))
				// The framing limits the pipeline's validation applies (contract.CheckMultipart),
				// so that the handler alone refuses the same bodies, before reading any part. A
				// body over the cap, which the pipeline answers itself, is read on as it came
				// (the handler alone then judges its photo as before).
				head, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
				r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(head), r.Body))
				_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
				if err != nil || len(head) <= MaxBodyBytes && contract.CheckMultipart(head, params["boundary"]) != nil {
					ctx = context.WithValue(ctx, unreadableKey{}, true)
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requestError answers a body the generated decoding refused: a form value it could not bind
// (useExternalId that is not a boolean) or a multipart body it could not open (no boundary).
func (b *Backend) requestError(w http.ResponseWriter, r *http.Request, err error) {
	switch opFrom(r.Context()) {
	case opUpdateContact:
		in := updateInput{id: r.PathValue(paramID), unreadable: unreadableFrom(r.Context()), nonUTF8: nonUTF8From(r.Context())}
		in.fields, in.badBool = fieldsFromValues(r.Form)
		if _, verr := b.check(in); verr != nil {
			b.cat.write(w, verr)
			return
		}
		// The decoding failed for a reason the checks do not see: the body is unreadable.
		in.unreadable = true
		_, verr := b.check(in)
		b.cat.write(w, verr)
	case opLogin, opLoginWithGet:
		b.cat.write(w, refuse(loginFailedEntry(opFrom(r.Context()))))
	case opLoginSuccessPost:
		b.cat.write(w, refuse(idNoSessionPost))
	default:
		b.cat.write(w, refuse(idNoSession))
	}
}

// loginFailedEntry is the refused login's entry of each login operation.
func loginFailedEntry(op string) string {
	if op == opLoginWithGet {
		return idLoginWithGetFailed
	}
	return idLoginFailed
}

// paramError answers a path or cookie parameter the generated wrapper could not bind.
func (b *Backend) paramError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *api.InvalidParamFormatError
	switch op := opFrom(r.Context()); {
	case op == opUpdateContact && errors.As(err, &pe):
		b.cat.write(w, refuse(idInvalidParamType, "param", pe.ParamName))
	case op == opLogin || op == opLoginWithGet:
		b.cat.write(w, refuse(loginFailedEntry(op)))
	case op == opLoginSuccess:
		b.cat.write(w, refuse(idNoSession))
	case op == opLoginSuccessPost:
		b.cat.write(w, refuse(idNoSessionPost))
	default:
		b.cat.write(w, refuse(idRouteNotFound, "path", r.URL.EscapedPath()))
	}
}

// responseError answers a strict handler that failed to answer: a bug of the mock, logged, and
// answered with the vendor's documented 500.
func (b *Backend) responseError(w http.ResponseWriter, r *http.Request, err error) {
	b.logger.Error("valomnia mock: handler failed", "operation", opFrom(r.Context()), "error", err)
	b.cat.write(w, refuse(idServerError))
}

// now is the backend's clock.
func (b *Backend) now() time.Time { return b.clock() }
