// Package sla holds Tugi's service-level agreements: the policies an admin keeps (per
// priority, a first-response, next-response and resolution target in business time) and
// the arithmetic of the clocks that run against them. The arithmetic is pure: it takes a
// business calendar and the moments a clock started, paused and resumed, and says when
// the clock is due, when it warns, and whether it is met or breached.
package sla

import "time"

// Calendar is the part of a business calendar (app/calendar) the clocks need.
type Calendar interface {
	Add(start time.Time, d time.Duration) time.Time
	Between(from, to time.Time) time.Duration
}

// State is where a clock stands.
type State string

// The states of a clock.
const (
	Running  State = "running"  // counting business time towards its target
	Warning  State = "warning"  // running, past the policy's warning point
	Breached State = "breached" // past the target and not yet met
	Paused   State = "paused"   // waiting for the customer: not counting
	Met      State = "met"      // stopped in time
	Late     State = "late"     // stopped after the target: met, but breached
)

// Timer is what is stored of one clock: the business time it used in spans that have
// ended, and, while it runs, when its current span began. A paused clock has no
// RunningSince; a stopped one has StoppedAt.
type Timer struct {
	Target       time.Duration // business time allowed
	Used         time.Duration // business time counted in spans that have ended
	RunningSince time.Time     // zero while paused or stopped
	StoppedAt    time.Time     // zero until the target is met
	Breached     bool          // the target passed before it was met (kept when paused)
}

// Start returns a timer with target that starts running at t.
func Start(target time.Duration, t time.Time) Timer {
	return Timer{Target: target, RunningSince: t}
}

// Pause stops counting at t (the ticket now waits for the customer).
func (tm Timer) Pause(cal Calendar, t time.Time) Timer {
	if tm.RunningSince.IsZero() || !tm.StoppedAt.IsZero() {
		return tm
	}
	tm.Breached = tm.Breached || t.After(tm.Due(cal))
	tm.Used += cal.Between(tm.RunningSince, t)
	tm.RunningSince = time.Time{}
	return tm
}

// Resume starts counting again at t (the customer answered).
func (tm Timer) Resume(t time.Time) Timer {
	if !tm.RunningSince.IsZero() || !tm.StoppedAt.IsZero() {
		return tm
	}
	tm.RunningSince = t
	return tm
}

// Stop ends the clock at t: its target is met, late or not.
func (tm Timer) Stop(cal Calendar, t time.Time) Timer {
	if !tm.StoppedAt.IsZero() {
		return tm
	}
	if !tm.RunningSince.IsZero() {
		tm = tm.Pause(cal, t)
	}
	tm.Breached = tm.Breached || tm.Used > tm.Target
	tm.StoppedAt = t
	return tm
}

// Retarget changes the target (the ticket's priority changed); time already used stays
// used.
func (tm Timer) Retarget(target time.Duration) Timer {
	tm.Target = target
	return tm
}

// Due returns when the clock reaches its target if it keeps running, or the zero time
// while it is paused or stopped.
func (tm Timer) Due(cal Calendar) time.Time {
	return tm.at(cal, tm.Target)
}

// WarnAt returns when the clock passes percent of its target, or the zero time while it
// is paused or stopped.
func (tm Timer) WarnAt(cal Calendar, percent int) time.Time {
	return tm.at(cal, tm.Target*time.Duration(percent)/100)
}

func (tm Timer) at(cal Calendar, mark time.Duration) time.Time {
	if tm.RunningSince.IsZero() || !tm.StoppedAt.IsZero() {
		return time.Time{}
	}
	left := max(mark-tm.Used, 0)
	return cal.Add(tm.RunningSince, left)
}

// Elapsed returns the business time the clock has counted by now.
func (tm Timer) Elapsed(cal Calendar, now time.Time) time.Duration {
	if tm.RunningSince.IsZero() || now.Before(tm.RunningSince) {
		return tm.Used
	}
	return tm.Used + cal.Between(tm.RunningSince, now)
}

// Remaining returns the business time left before the target at now; negative once
// breached.
func (tm Timer) Remaining(cal Calendar, now time.Time) time.Duration {
	return tm.Target - tm.Elapsed(cal, now)
}

// State says where the clock stands at now, given the policy's warning percentage. A
// clock is breached once its due instant has passed (at the instant itself it is still in
// time), also outside business hours when no business time is being counted.
func (tm Timer) State(cal Calendar, now time.Time, warnPercent int) State {
	switch {
	case !tm.StoppedAt.IsZero() && tm.Breached:
		return Late
	case !tm.StoppedAt.IsZero():
		return Met
	case tm.RunningSince.IsZero() && (tm.Breached || tm.Used > tm.Target):
		return Breached
	case tm.RunningSince.IsZero():
		return Paused
	case tm.Breached || now.After(tm.Due(cal)):
		return Breached
	case !now.Before(tm.WarnAt(cal, warnPercent)):
		return Warning
	}
	return Running
}
