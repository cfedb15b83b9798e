package mock

import (
	"testing"
	"time"
)

// A client logging in in a loop cannot grow the session table without end: past maxSessions the
// expired sessions go, then the one closest to expiry; the newest stays usable.
func TestSessionsAreBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewSessions(time.Hour, func() time.Time { return now })
	first := s.Start("u")
	var last string
	for range maxSessions {
		now = now.Add(time.Millisecond)
		last = s.Start("u")
	}
	if n := s.Count(); n != maxSessions {
		t.Errorf("%d sessions, want the cap %d", n, maxSessions)
	}
	if _, ok := s.Use(first); ok {
		t.Error("the oldest session survived the cap")
	}
	if _, ok := s.Use(last); !ok {
		t.Error("the newest session was dropped")
	}
}
