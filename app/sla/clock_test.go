package sla

import (
	"testing"
	"time"
)

// officeHours is a test calendar open 09:00-17:00 UTC every day, counted a minute at a
// time: slow, but obviously right.
type officeHours struct{}

func (officeHours) open(t time.Time) bool { return t.Hour() >= 9 && t.Hour() < 17 }

func (o officeHours) Between(from, to time.Time) time.Duration {
	var d time.Duration
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		if o.open(t) {
			d += time.Minute
		}
	}
	return d
}

func (o officeHours) Add(start time.Time, d time.Duration) time.Time {
	t := start
	for d > 0 {
		if o.open(t) {
			d -= time.Minute
		}
		t = t.Add(time.Minute)
	}
	return t
}

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC)
}

func TestClockRunsInBusinessTime(t *testing.T) {
	cal := officeHours{}
	tm := Start(4*time.Hour, at(2, 15, 0)) // 15:00: two hours today, two tomorrow
	if due := tm.Due(cal); !due.Equal(at(3, 11, 0)) {
		t.Errorf("due %v, want the next day 11:00", due)
	}
	if w := tm.WarnAt(cal, 75); !w.Equal(at(3, 10, 0)) {
		t.Errorf("warning at %v, want the next day 10:00 (75 %% of 4 h)", w)
	}
	for _, tt := range []struct {
		now  time.Time
		want State
	}{
		{at(2, 16, 0), Running},
		{at(2, 23, 0), Running}, // closed: no time passes
		{at(3, 10, 0), Warning},
		{at(3, 11, 0), Warning}, // at the due instant itself: still in time
		{at(3, 11, 1), Breached},
	} {
		if got := tm.State(cal, tt.now, 75); got != tt.want {
			t.Errorf("at %v: %s, want %s", tt.now, got, tt.want)
		}
	}
	if r := tm.Remaining(cal, at(2, 23, 0)); r != 2*time.Hour {
		t.Errorf("remaining overnight %v, want 2h", r)
	}
}

func TestADueTimeAtClosingIsBreachedAfterClosing(t *testing.T) {
	cal := officeHours{}
	tm := Start(8*time.Hour, at(2, 9, 0))
	if due := tm.Due(cal); !due.Equal(at(2, 17, 0)) {
		t.Fatalf("due %v, want 17:00 the same day", due)
	}
	// After closing no business time passes, but the promise was 17:00: it is broken.
	if got := tm.State(cal, at(2, 18, 0), 75); got != Breached {
		t.Errorf("an hour after the due time: %s", got)
	}
}

func TestClockPausesWhileWaitingForTheCustomer(t *testing.T) {
	cal := officeHours{}
	tm := Start(4*time.Hour, at(2, 9, 0))
	tm = tm.Pause(cal, at(2, 10, 0)) // one hour used
	if got := tm.State(cal, at(5, 12, 0), 75); got != Paused {
		t.Errorf("paused clock days later: %s", got)
	}
	if !tm.Due(cal).IsZero() {
		t.Error("a paused clock has a due time")
	}
	tm = tm.Resume(at(5, 16, 0)) // the customer answers: three hours left
	if due := tm.Due(cal); !due.Equal(at(6, 11, 0)) {
		t.Errorf("due after resuming %v, want 11:00 the next day", due)
	}
	if e := tm.Elapsed(cal, at(5, 16, 30)); e != 90*time.Minute {
		t.Errorf("elapsed %v, want 1h30m", e)
	}
}

func TestStopMetOrLate(t *testing.T) {
	cal := officeHours{}
	tm := Start(time.Hour, at(2, 9, 0))
	if got := tm.Stop(cal, at(2, 10, 0)).State(cal, at(9, 0, 0), 75); got != Met {
		t.Errorf("answered at the due instant: %s, want met", got)
	}
	late := tm.Stop(cal, at(2, 10, 1))
	if got := late.State(cal, at(9, 0, 0), 75); got != Late {
		t.Errorf("answered a minute late: %s, want late", got)
	}
	if again := late.Stop(cal, at(3, 9, 0)); !again.StoppedAt.Equal(at(2, 10, 1)) {
		t.Error("stopping twice moved the stop time")
	}
	// Breached while running, then paused: it stays breached.
	paused := tm.Pause(cal, at(2, 12, 0))
	if got := paused.State(cal, at(2, 12, 0), 75); got != Breached {
		t.Errorf("paused after the due time: %s, want breached", got)
	}
	if got := paused.Stop(cal, at(3, 9, 0)).State(cal, at(3, 9, 0), 75); got != Late {
		t.Errorf("stopped after a breach: %s, want late", got)
	}
}

func TestRetargetKeepsTimeUsed(t *testing.T) {
	cal := officeHours{}
	tm := Start(8*time.Hour, at(2, 9, 0))
	tm = tm.Pause(cal, at(2, 11, 0)).Resume(at(2, 11, 0)) // two hours used so far
	tm = tm.Retarget(4 * time.Hour)                       // priority raised
	if due := tm.Due(cal); !due.Equal(at(2, 13, 0)) {
		t.Errorf("due %v after raising the priority, want 13:00", due)
	}
	tm = tm.Pause(cal, at(2, 12, 0)).Retarget(time.Hour) // now below what was used
	if got := tm.State(cal, at(2, 12, 0), 75); got != Breached {
		t.Errorf("target below time used: %s, want breached", got)
	}
}
