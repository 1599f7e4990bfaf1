package sla

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxTarget is the longest target a policy may set: 1,000 hours of business time, about
// half a year of business days.
const maxTarget = 1000 * time.Hour

var errDuration = errors.New("not a duration")

// ParseDuration reads a target as people type it: "4h", "30m", "1h 30m", "1.5h", or a
// bare number of hours ("8"). It must be whole minutes, above zero and at most 1,000 hours.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "")
	if s == "" {
		return 0, errDuration
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		s += "h"
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d%time.Minute != 0 || d > maxTarget {
		return 0, errDuration
	}
	return d, nil
}

// FormatDuration writes d as ParseDuration reads it, in hours and minutes: "1h 30m".
func FormatDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh %dm", h, m)
}
