package sla

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"4h", 4 * time.Hour, true},
		{"30m", 30 * time.Minute, true},
		{"1h 30m", 90 * time.Minute, true},
		{" 1H30M ", 90 * time.Minute, true},
		{"1.5h", 90 * time.Minute, true},
		{"8", 8 * time.Hour, true},
		{"1000h", 1000 * time.Hour, true},
		{"1001h", 0, false},
		{"0", 0, false},
		{"-1h", 0, false},
		{"90s", 0, false},
		{"1h30m15s", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFormatDurationRoundTrips(t *testing.T) {
	for _, d := range []time.Duration{time.Minute, 30 * time.Minute, time.Hour, 90 * time.Minute, 40 * time.Hour, 1000 * time.Hour} {
		s := FormatDuration(d)
		back, err := ParseDuration(s)
		if err != nil || back != d {
			t.Errorf("%v -> %q -> %v, %v", d, s, back, err)
		}
	}
	if s := FormatDuration(90 * time.Minute); s != "1h 30m" {
		t.Errorf("FormatDuration(90m) = %q", s)
	}
}
