package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Faults makes a vendor slow or failing on purpose, reproducibly: the same seed gives the same
// sequence of delays and failures for the same sequence of requests.
type Faults struct {
	// Latency is added before every routed request; a random extra up to Jitter on top.
	Latency time.Duration `json:"latency"`
	Jitter  time.Duration `json:"jitter"`
	// ErrorRate is the share of requests (0..1) answered with the vendor's documented 500
	// instead of being handled; nothing is written to the store for them.
	ErrorRate float64 `json:"errorRate"`
}

// faultsJSON is Faults on the wire. Durations are read as a Go duration string ("10ms", as the
// mockserver's -fault flag takes them) or a number of nanoseconds (what earlier clients send), and
// written as strings, so that what GET answers can be PUT back unchanged.
type faultsJSON struct {
	Latency   json.RawMessage `json:"latency,omitempty"`
	Jitter    json.RawMessage `json:"jitter,omitempty"`
	ErrorRate float64         `json:"errorRate"`
}

// MarshalJSON writes durations as strings ("10ms").
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Latency   string  `json:"latency"`
		Jitter    string  `json:"jitter"`
		ErrorRate float64 `json:"errorRate"`
	}{f.Latency.String(), f.Jitter.String(), f.ErrorRate})
}

// UnmarshalJSON reads durations as strings or nanoseconds; unknown members are refused, since a
// misspelt "errorrate" silently meaning 0 would hide the fault a test asked for.
func (f *Faults) UnmarshalJSON(data []byte) error {
	var raw faultsJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	lat, err := parseDuration("latency", raw.Latency)
	if err != nil {
		return err
	}
	jit, err := parseDuration("jitter", raw.Jitter)
	if err != nil {
		return err
	}
	*f = Faults{Latency: lat, Jitter: jit, ErrorRate: raw.ErrorRate}
	return nil
}

// parseDuration reads one duration member: absent or null is 0.
func parseDuration(name string, raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%s: want a duration such as \"10ms\": %w", name, err)
		}
		return d, nil
	}
	var ns int64
	if err := json.Unmarshal(raw, &ns); err != nil {
		return 0, fmt.Errorf("%s: want a duration such as \"10ms\" or whole nanoseconds, got %s", name, raw)
	}
	return time.Duration(ns), nil
}

// MaxFaultDelay caps injected latency plus jitter.
const MaxFaultDelay = 20 * time.Second

// Validate refuses faults that cannot be applied.
func (f Faults) Validate() error {
	if f.Latency < 0 || f.Jitter < 0 {
		return fmt.Errorf("latency and jitter must not be negative")
	}
	// Beyond the server's write timeout a delay only produces dropped answers; the cap also keeps
	// Latency+Jitter and the jitter draw far from overflow.
	if f.Latency+f.Jitter > MaxFaultDelay || f.Latency > MaxFaultDelay || f.Jitter > MaxFaultDelay {
		return fmt.Errorf("latency plus jitter must stay within %v", MaxFaultDelay)
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		return fmt.Errorf("errorRate %v must be between 0 and 1", f.ErrorRate)
	}
	return nil
}

type faultState struct {
	Faults
	mu  sync.Mutex
	rnd *rand.Rand
}

func newFaultState(f Faults, seed uint64) *faultState {
	return &faultState{Faults: f, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// get returns the faults in force.
func (s *faultState) get() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Faults
}

// set replaces the faults; the seeded sequence goes on.
func (s *faultState) set(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Faults = f
}

// draw returns this request's delay and whether it fails, from the seeded sequence.
func (s *faultState) draw() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.Latency
	if s.Jitter > 0 {
		d += time.Duration(s.rnd.Int64N(int64(s.Jitter) + 1))
	}
	return d, s.ErrorRate > 0 && s.rnd.Float64() < s.ErrorRate
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
