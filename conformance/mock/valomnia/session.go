package valomnia

import (
	"crypto/rand"
	"crypto/subtle"
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

// sessions are the server-side sessions, keyed by their random opaque token. A session expires
// after timeout without use (a servlet container's idle timeout): each request that presents it
// pushes its expiry back.
type sessions struct {
	timeout time.Duration
	now     func() time.Time

	mu   sync.Mutex
	open map[string]session
}

func newSessions(timeout time.Duration, now func() time.Time) *sessions {
	return &sessions{timeout: timeout, now: now, open: map[string]session{}}
}

// start opens a session for user and returns its token: 16 random bytes in upper-case hex, the
// shape of a servlet session id.
func (s *sessions) start(user string) string {
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
func (s *sessions) evictLocked(now time.Time) {
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

// use returns the user of the open session token names and extends it; an expired session is
// closed.
func (s *sessions) use(token string) (user string, ok bool) {
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

// count returns the number of sessions not yet expired.
func (s *sessions) count() int {
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

func (s *sessions) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.open)
}

// sameSecret compares a credential in constant time, so that response times do not tell how much
// of a guess was right.
func sameSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
