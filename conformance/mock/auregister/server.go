package auregister

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	api "github.com/contactapis/contactapis/gen/auregister"
)

// Server is the strict handler: it implements the StrictServerInterface generated from the spec,
// behind the generated std-http router.
type Server struct {
	b *Backend
}

// handler assembles the generated router and strict handler with the mock's body checks in front
// of the strict handler's decoding, and answers every other path in the vendor's dialect.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	// Unknown paths and other methods on the contact path: the pipeline answers them before the
	// handler is reached, this is for the handler served alone.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.b.write(w, routeNotFound(r)) })
	strict := api.NewStrictHandlerWithOptions(s, nil, api.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  s.decodeError,
		ResponseErrorHandlerFunc: s.answerError,
	})
	return api.HandlerWithOptions(strict, api.StdHTTPServerOptions{
		BaseRouter:       mux,
		Middlewares:      []api.MiddlewareFunc{s.checkBody},
		ErrorHandlerFunc: s.contactIDError,
	})
}

// checkBody applies the media type and body checks (the spec's steps before the contact lookup)
// and hands the strict handler only the declared properties, canonical, in the context. The
// generated decoder never sees the body: it would bind "FIRSTNAME" to firstName, ignore data
// after the object, and refuse 1.0 as an int64, none of which the vendor is assumed to do.
func (s *Server) checkBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		props, p := s.judge(r)
		if p != nil {
			s.b.write(w, *p)
			return
		}
		// UpdateContact takes the checked properties from the context: they are exactly what
		// the generated body would encode to again (the properties sent, canonical), so the
		// generated decoder is given an empty object, which costs nothing to bind, instead of
		// the properties to decode and encode once more.
		r = r.WithContext(context.WithValue(r.Context(), changesKey{}, props))
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader("{}")), 2
		next.ServeHTTP(w, r)
	})
}

// changesKey holds, in a request's context, the body's declared properties as checkBody checked
// them (canonical, by wire name).
type changesKey struct{}

// judge reads the body (capped, for the handler served alone) and applies the body steps.
func (s *Server) judge(r *http.Request) (record, *problem) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, &problem{step: stepBody, entry: entryMalformedBody}
	}
	return s.b.judgeBody(r.Header.Get("Content-Type"), body)
}

// contactIDError answers a contactId that is not an int64 ("abc", 99999999999999999999): no
// contact has that id, as a Rails lookup would say, but only after the body steps, which come
// first in the spec's order.
func (s *Server) contactIDError(w http.ResponseWriter, r *http.Request, _ error) {
	if _, p := s.judge(r); p != nil {
		s.b.write(w, *p)
		return
	}
	s.b.write(w, contactNotFound(r.PathValue("contactId")))
}

// decodeError answers a body the generated decoder refused after checkBody accepted it: a mock
// bug, logged as one, answered as the malformed body it must be.
func (s *Server) decodeError(w http.ResponseWriter, _ *http.Request, err error) {
	s.b.logger.Error("mock bug: a checked body did not decode", "error", err)
	s.b.write(w, problem{step: stepBody, entry: entryMalformedBody})
}

// answerError is reached only when UpdateContact returns an error (it never does) or an answer
// cannot be written: a mock bug, answered with a bare 500 that the pipeline reports.
func (s *Server) answerError(w http.ResponseWriter, _ *http.Request, err error) {
	s.b.logger.Error("mock bug: no answer for an update", "error", err)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusInternalServerError)
}

// UpdateContact implements api.StrictServerInterface: the contact lookup and contact-type steps
// and the address lookup, in the store, then the whole stored contact.
func (s *Server) UpdateContact(ctx context.Context, req api.UpdateContactRequestObject) (api.UpdateContactResponseObject, error) {
	changes, checked := ctx.Value(changesKey{}).(record)
	if !checked {
		changes = record{}
	}
	if req.Body != nil && !checked {
		// Called without checkBody (directly, by Go code): the body is the generated type.
		// The generated type keeps absent, null and value apart (nullable.Nullable with
		// omitempty), so its encoding holds exactly the properties sent.
		raw, err := json.Marshal(req.Body)
		if err == nil {
			err = json.Unmarshal(raw, &changes)
		}
		if err != nil {
			return nil, err
		}
	}
	contact, err := s.b.store.Update(req.ContactID, changes)
	if err != nil {
		p, ok := s.b.updateProblem(err)
		if !ok {
			return nil, err
		}
		return s.b.response(p), nil
	}
	return api.UpdateContact200JSONResponse(contact), nil
}

// updateProblem maps the store's refusals to their catalogue entries: the rule table names the
// contact-type ones.
func (b *Backend) updateProblem(err error) (problem, bool) {
	var ue *UpdateError
	if !errors.As(err, &ue) {
		return problem{}, false
	}
	field := map[string]string{"field": ue.Field}
	switch {
	case errors.Is(err, ErrContactNotFound):
		return contactNotFound(formatID(ue.ContactID)), true
	case errors.Is(err, ErrNotUpdatable):
		return problem{step: stepNotUpdatable, entry: b.rules.Errors.NotUpdatable, args: map[string]string{"contactId": formatID(ue.ContactID)}}, true
	case errors.Is(err, ErrMatchStored):
		return problem{step: stepMatchStored, entry: b.rules.Errors.MatchStored, field: ue.Field, args: field}, true
	case errors.Is(err, ErrNotAllowed):
		return problem{step: stepNotAllowed, entry: b.rules.Errors.NotAllowed, field: ue.Field,
			args: map[string]string{"field": ue.Field, "contactType": ue.ContactType}}, true
	case errors.Is(err, ErrUnknownAddress):
		return problem{step: stepAddress, entry: entryUnknownAddress, field: addressProperty, args: addressArg(ue.AddressID)}, true
	}
	return problem{}, false
}
