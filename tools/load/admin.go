package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// admin calls the mock admin API (conformance/mock, server.go) at base.
type admin struct {
	base   string
	client *http.Client
}

// adminTimeout bounds one admin call: they touch memory only.
const adminTimeout = 30 * time.Second

func (a *admin) do(ctx context.Context, method, path string, body any, want int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return b, nil
}

// probe checks that base serves the mock admin API, with an error that says what to run.
func (a *admin) probe(ctx context.Context, vendor string) error {
	if _, err := a.do(ctx, http.MethodGet, "/_admin/state/"+vendor, nil, http.StatusOK); err != nil {
		return fmt.Errorf("no mock admin API at %s (%v): point -server at a running tools/mockserver (make load starts one)", a.base, err)
	}
	return nil
}

func (a *admin) loadFixtures(ctx context.Context, fixtures map[string]any) error {
	_, err := a.do(ctx, http.MethodPut, "/_admin/fixtures", fixtures, http.StatusNoContent)
	return err
}

// faults is the admin API's faults body (mock.Faults: durations in nanoseconds).
type faults struct {
	Latency   time.Duration `json:"latency"`
	Jitter    time.Duration `json:"jitter"`
	ErrorRate float64       `json:"errorRate"`
}

func (a *admin) setFaults(ctx context.Context, vendor string, f faults) error {
	_, err := a.do(ctx, http.MethodPut, "/_admin/faults/"+vendor, f, http.StatusNoContent)
	return err
}

func (a *admin) state(ctx context.Context, vendor string) ([]byte, error) {
	return a.do(ctx, http.MethodGet, "/_admin/state/"+vendor, nil, http.StatusOK)
}
