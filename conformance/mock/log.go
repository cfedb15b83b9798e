package mock

import (
	"sync"
	"time"
)

// Exchange is one request the mock answered, as the admin log shows it. It holds no header, body
// or query value, so no credential can reach it.
type Exchange struct {
	Time      time.Time     `json:"time"`
	Method    string        `json:"method"`
	Path      string        `json:"path"`
	Operation string        `json:"operation,omitempty"`
	Status    int           `json:"status"`
	Rejected  string        `json:"rejected,omitempty"`
	Fault     bool          `json:"fault,omitempty"`
	Duration  time.Duration `json:"durationNs"`
	Violation string        `json:"violation,omitempty"`
}

// ring keeps the most recent exchanges.
type ring struct {
	mu   sync.Mutex
	buf  []Exchange
	next int
	full bool
}

const logSize = 512

func (r *ring) add(e Exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buf == nil {
		r.buf = make([]Exchange, logSize)
	}
	r.buf[r.next] = e
	r.next = (r.next + 1) % logSize
	r.full = r.full || r.next == 0
}

// list returns the exchanges oldest first.
func (r *ring) list() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]Exchange(nil), r.buf[:r.next]...)
	}
	return append(append([]Exchange(nil), r.buf[r.next:]...), r.buf[:r.next]...)
}

func (r *ring) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf, r.next, r.full = nil, 0, false
}
