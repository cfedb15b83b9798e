package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// memory is what /proc/<pid>/status says of a process's resident set, in bytes: its peak
// (VmHWM) and current size (VmRSS). The peak is the kernel's own high-water mark, so no sampling
// can miss a spike between two reads.
type memory struct {
	PeakRSS    int64 `json:"peakRssBytes"`
	CurrentRSS int64 `json:"rssBytes"`
}

// readMemory reads proc ("self" or a pid). Outside Linux there is no /proc: the error says so.
func readMemory(proc string) (memory, error) {
	b, err := os.ReadFile("/proc/" + proc + "/status")
	if err != nil {
		return memory{}, fmt.Errorf("read memory of process %s: %w (needs Linux /proc)", proc, err)
	}
	var m memory
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "VmHWM":
			dst = &m.PeakRSS
		case "VmRSS":
			dst = &m.CurrentRSS
		default:
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(val), " ")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || unit != "kB" {
			return memory{}, fmt.Errorf("process %s: cannot read %s %q", proc, name, val)
		}
		*dst = n << 10
	}
	if m.PeakRSS == 0 {
		return memory{}, fmt.Errorf("process %s: /proc status has no VmHWM", proc)
	}
	return m, nil
}

// mib formats bytes as MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
