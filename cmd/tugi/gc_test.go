package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// The server sets its collector's target and memory limit unless GOGC and GOMEMLIMIT are
// given, and then leaves them alone.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const unlimited = math.MaxInt64
	debug.SetMemoryLimit(unlimited)
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != ServeGCPercent {
		t.Errorf("GOGC unset: the collector's target is %d, want %d", got, ServeGCPercent)
	}
	if got := debug.SetMemoryLimit(unlimited); got != ServeMemoryLimit {
		t.Errorf("GOMEMLIMIT unset: the memory limit is %d, want %d", got, ServeMemoryLimit)
	}
	tuneGC(func(k string) string {
		return map[string]string{"GOGC": "100", "GOMEMLIMIT": "4GiB"}[k]
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100: the collector's target is %d, want it left at 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got != unlimited {
		t.Errorf("GOMEMLIMIT set: the memory limit is %d, want it left alone", got)
	}
}
