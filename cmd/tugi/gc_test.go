package main

import (
	"runtime/debug"
	"testing"
)

// The server sets its collector target unless GOGC is given, and then leaves it alone.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != ServeGCPercent {
		t.Errorf("GOGC unset: the collector's target is %d, want %d", got, ServeGCPercent)
	}
	tuneGC(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100: the collector's target is %d, want it left at 100", got)
	}
}
