package iovox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	api "github.com/contactapis/contactapis/gen/iovox"
)

// Server is the strict handler of the generated StrictServerInterface.
type Server struct{ b *Backend }

var _ api.StrictServerInterface = (*Server)(nil)

type requestKey struct{}

// newHandler assembles the generated router and strict handler. The generated code hands the
// strict handler only the bound parameters and the body; the vendor's checks also need the raw
// query (a repeated v) and the Content-Type, so a strict middleware passes the request along in
// the context.
func (b *Backend) newHandler() http.Handler {
	keep := func(f api.StrictHandlerFunc, _ string) api.StrictHandlerFunc {
		return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
			return f(context.WithValue(ctx, requestKey{}, r), w, r, req)
		}
	}
	strict := api.NewStrictHandlerWithOptions(&Server{b: b}, []api.StrictMiddlewareFunc{keep}, api.StrictHTTPServerOptions{
		// The strict handler passes the body on as a reader: it never fails to decode one.
		RequestErrorHandlerFunc: b.bindError,
		// Only a failed write of the answer reaches here; the client is gone.
		ResponseErrorHandlerFunc: func(_ http.ResponseWriter, r *http.Request, err error) {
			b.logger.Debug("iovox mock: answer not written", "path", r.URL.Path, "error", err)
		},
	})
	generated := api.HandlerWithOptions(strict, api.StdHTTPServerOptions{ErrorHandlerFunc: b.bindError})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != "/Contacts":
			b.render.write(w, []problem{plain(idRouteNotFound)})
		case r.Method != http.MethodPut:
			b.render.write(w, []problem{{id: idRequestMethodNotPut, args: map[string]string{"method": r.Method}}})
		default:
			generated.ServeHTTP(w, r)
		}
	})
}

// bindError answers a request the generated code could not bind (v=3.0, v=3&v=4, no method):
// with the vendor's evaluation of it, like Reject does.
func (b *Backend) bindError(w http.ResponseWriter, r *http.Request, err error) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	var probs []problem
	if len(body) > MaxBodyBytes {
		probs = b.tooLarge(r, body[:MaxBodyBytes])
	} else {
		probs = b.judge(r, body)
	}
	if len(probs) == 0 {
		probs = b.fromKin(err, body)
	}
	b.render.write(w, probs)
}

// UpdateContacts implements api.StrictServerInterface: the batch is evaluated and, when nothing is
// wrong, applied, under one lock, so it is written all or nothing and no concurrent batch can
// slip between the check and the write.
func (s *Server) UpdateContacts(ctx context.Context, req api.UpdateContactsRequestObject) (api.UpdateContactsResponseObject, error) {
	b := s.b
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	if r == nil {
		// Called without the router (directly, by Go code): the bound parameters are all there is.
		r = syntheticRequest(req.Params)
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxBodyBytes+1))
	switch {
	case err != nil:
		// The client went away mid-body; the answer is for no one.
		return s.answer([]problem{plain(idXMLEmpty)}), nil
	case len(body) > MaxBodyBytes:
		return s.answer(b.tooLarge(r, body[:MaxBodyBytes])), nil
	}
	b.store.mu.Lock()
	p, probs := b.evaluate(r, body, b.store)
	if len(probs) == 0 {
		err = b.store.apply(p)
	}
	b.store.mu.Unlock()
	if err != nil {
		b.logger.Error("iovox mock: a checked batch did not apply", "error", err)
		return s.answer([]problem{storeProblem(err)}), nil
	}
	if len(probs) > 0 {
		return s.answer(probs), nil
	}
	b.logger.Debug("iovox mock: contacts updated", "contacts", len(p.updates))
	return api.UpdateContacts204Response{}, nil
}

// storeProblem maps the store's sentinel errors to the page's rows.
func storeProblem(err error) problem {
	var ie *ItemError
	switch {
	case errors.Is(err, ErrContactIDTaken):
		return plain(idContactIDDuplicate)
	case errors.Is(err, ErrContactNotFound) && errors.As(err, &ie):
		return positioned(idContactIDNotFound, ie.Item, ie.Total)
	}
	return plain(idInternalServerError) // no other store error exists
}

// syntheticRequest is the request a call with these parameters and an XML body would be.
func syntheticRequest(p api.UpdateContactsParams) *http.Request {
	q := url.Values{"v": {strconv.Itoa(int(p.V))}, "method": {string(p.Method)}}
	return &http.Request{
		Method: http.MethodPut,
		URL:    &url.URL{Path: "/Contacts", RawQuery: q.Encode()},
		Header: http.Header{"Content-Type": {contentTypeXML}},
	}
}

// answer renders problems as the response object of their status.
func (s *Server) answer(probs []problem) api.UpdateContactsResponseObject {
	status, body := s.b.render.body(probs)
	x := api.ErrorsApplicationXMLResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}
	switch status {
	case http.StatusUnauthorized:
		return api.UpdateContacts401ApplicationXMLResponse(x)
	case http.StatusInternalServerError:
		return api.UpdateContacts500ApplicationXMLResponse(x)
	default:
		return api.UpdateContacts400ApplicationXMLResponse{ErrorsApplicationXMLResponse: x}
	}
}
