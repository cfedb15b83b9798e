package mock

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// maxSessions bounds the open sessions, so that a client (or a fuzzer) logging in in a loop cannot
// grow the mock without end; past it the session closest to expiry is dropped.
const maxSessions = 10_000

// session is one logged-in session. Its token is the map key and never leaves the store except in
// the login's Set-Cookie and the token page.
type session struct {
	user    string
	expires time.Time
}

// Sessions are server-side sessions for an adapter whose page states a login (Valomnia's), keyed
// by their random opaque token. A session expires after timeout without use (a servlet
// container's idle timeout): each request that presents it pushes its expiry back.
type Sessions struct {
	timeout time.Duration
	now     func() time.Time

	mu   sync.Mutex
	open map[string]session
}

// NewSessions returns an empty session table; now is the clock.
func NewSessions(timeout time.Duration, now func() time.Time) *Sessions {
	return &Sessions{timeout: timeout, now: now, open: map[string]session{}}
}

// Start opens a session for user and returns its token: 16 random bytes in upper-case hex, the
// shape of a servlet session id.
func (s *Sessions) Start(user string) string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	token := strings.ToUpper(hex.EncodeToString(b))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.open) >= maxSessions {
		s.evictLocked(now)
	}
	s.open[token] = session{user: user, expires: now.Add(s.timeout)}
	return token
}

// evictLocked drops the expired sessions, or the one closest to expiry when none has.
func (s *Sessions) evictLocked(now time.Time) {
	var oldest string
	for token, ss := range s.open {
		if !now.Before(ss.expires) {
			delete(s.open, token)
			continue
		}
		if oldest == "" || ss.expires.Before(s.open[oldest].expires) {
			oldest = token
		}
	}
	if len(s.open) >= maxSessions {
		delete(s.open, oldest)
	}
}

// Use returns the user of the open session token names and extends it; an expired session is
// closed.
func (s *Sessions) Use(token string) (user string, ok bool) {
	if token == "" {
		return "", false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.open[token]
	switch {
	case !ok:
		return "", false
	case !now.Before(ss.expires):
		delete(s.open, token)
		return "", false
	}
	ss.expires = now.Add(s.timeout)
	s.open[token] = ss
	return ss.user, true
}

// Count returns the number of sessions not yet expired.
func (s *Sessions) Count() int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.open {
		if now.Before(ss.expires) {
			n++
		}
	}
	return n
}

// Clear closes every session.
func (s *Sessions) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.open)
}
