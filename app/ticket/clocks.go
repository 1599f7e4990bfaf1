package ticket

import (
	"time"

	"tugi/app/sla"
)

// Metric names one of a ticket's SLA clocks.
type Metric string

// The metrics, measured as Zendesk measures them.
const (
	// FirstResponse runs from the ticket's creation to the first public reply of an agent.
	FirstResponse Metric = "first_response"
	// NextResponse runs from a customer's message, after that first reply, to the next
	// public reply of an agent; each such message starts it anew.
	NextResponse Metric = "next_response"
	// Resolution runs from creation until the ticket is solved; it pauses while the
	// ticket waits for the customer and runs again when it is reopened.
	Resolution Metric = "resolution"
)

// Metrics lists the metrics in the order pages show them.
var Metrics = []Metric{FirstResponse, NextResponse, Resolution}

// Label is the metric as people read it.
func (m Metric) Label() string {
	switch m {
	case FirstResponse:
		return "First response"
	case NextResponse:
		return "Next response"
	case Resolution:
		return "Resolution"
	}
	return string(m)
}

// target returns the policy's target for m.
func (m Metric) target(p sla.Policy) time.Duration {
	switch m {
	case FirstResponse:
		return p.FirstResponse
	case NextResponse:
		return p.NextResponse
	}
	return p.Resolution
}

// Clock is one stored SLA clock of a ticket: an sla.Timer, when its current cycle
// started, and whether the warning and breach of that cycle have been told (by the job to
// come; a new cycle clears them).
type Clock struct {
	sla.Timer
	StartedAt         time.Time
	WarningNotifiedAt time.Time
	BreachNotifiedAt  time.Time
}

// Running reports whether the clock counts now.
func (c Clock) Running() bool { return !c.RunningSince.IsZero() && c.StoppedAt.IsZero() }

// Stopped reports whether the clock has stopped (its target met, late or not).
func (c Clock) Stopped() bool { return !c.StoppedAt.IsZero() }

// Clocks are a ticket's SLA clocks by metric; a metric that never started is absent.
type Clocks map[Metric]Clock

// clone returns a copy of cs that changes do not share.
func (cs Clocks) clone() Clocks {
	out := make(Clocks, len(cs))
	for m, c := range cs {
		out[m] = c
	}
	return out
}

// NextDue returns the nearest due time of the running clocks, or the zero time when none
// runs.
func (cs Clocks) NextDue(cal sla.Calendar) time.Time {
	var next time.Time
	for _, c := range cs {
		if !c.Running() {
			continue
		}
		if d := c.Due(cal); next.IsZero() || d.Before(next) {
			next = d
		}
	}
	return next
}

// ReplyDue is when the customer can expect the next reply: the due time of the running
// first- or next-response clock, or zero when neither runs.
func (cs Clocks) ReplyDue(cal sla.Calendar) time.Time {
	var next time.Time
	for _, m := range []Metric{FirstResponse, NextResponse} {
		if c, ok := cs[m]; ok && c.Running() {
			if d := c.Due(cal); next.IsZero() || d.Before(next) {
				next = d
			}
		}
	}
	return next
}

// SLA is the pure arithmetic of a ticket's clocks through its life: each method takes the
// clocks as they are and returns them after an event, at the instant now. It does no I/O;
// the service loads the calendar and the policy, and the store keeps the result.
type SLA struct {
	Cal    sla.Calendar
	Policy sla.Policy // the policy of the ticket's priority
}

func (s SLA) start(m Metric, now time.Time) Clock {
	return Clock{Timer: sla.Start(m.target(s.Policy), now), StartedAt: now}
}

// Created starts the first-response and resolution clocks of a new ticket.
func (s SLA) Created(now time.Time) Clocks {
	return Clocks{FirstResponse: s.start(FirstResponse, now), Resolution: s.start(Resolution, now)}
}

// AgentReplied is an agent's public reply: it stops the first-response clock (the first
// time) and a running next-response clock.
func (s SLA) AgentReplied(cs Clocks, now time.Time) Clocks {
	cs = cs.clone()
	for _, m := range []Metric{FirstResponse, NextResponse} {
		if c, ok := cs[m]; ok && !c.Stopped() {
			c.Timer = c.Stop(s.Cal, now)
			cs[m] = c
		}
	}
	return cs
}

// CustomerReplied is a message of the customer. Once the first response was given, it
// starts the next-response clock, unless one already runs for an earlier message. (Its
// effect on the status, and so on the resolution clock, is StatusChanged's.)
func (s SLA) CustomerReplied(cs Clocks, now time.Time) Clocks {
	cs = cs.clone()
	if first, ok := cs[FirstResponse]; ok && !first.Stopped() {
		return cs // the first response is still owed: that clock covers this message
	}
	if next, ok := cs[NextResponse]; ok && !next.Stopped() {
		return cs // an earlier message still waits for its reply
	}
	cs[NextResponse] = s.start(NextResponse, now)
	return cs
}

// StatusChanged follows a status change from one status to another:
//   - to waiting (for the customer), every running clock pauses;
//   - out of waiting to new, open or on hold, the paused clocks run again (on hold is
//     waiting for a third party: the clocks run);
//   - to solved or closed, every clock stops;
//   - out of solved or closed (reopened), the resolution clock runs again, keeping the
//     time it had used; it stays paused if the ticket goes straight to waiting.
func (s SLA) StatusChanged(cs Clocks, from, to Status, now time.Time) Clocks {
	cs = cs.clone()
	if from == to {
		return cs
	}
	if from.Resolved() && !to.Resolved() {
		if c, ok := cs[Resolution]; ok {
			c.StoppedAt = time.Time{}
			c.RunningSince = time.Time{}
			c.WarningNotifiedAt, c.BreachNotifiedAt = time.Time{}, time.Time{}
			c.Timer = c.Resume(now)
			cs[Resolution] = c
		}
	}
	for m, c := range cs {
		switch {
		case to.Resolved():
			c.Timer = c.Stop(s.Cal, now)
		case to == Waiting:
			c.Timer = c.Pause(s.Cal, now)
		case from == Waiting:
			c.Timer = c.Resume(now)
		}
		cs[m] = c
	}
	return cs
}

// PriorityChanged gives the clocks that have not stopped the targets of the new
// priority's policy; time already used stays used. s.Policy is the new policy.
func (s SLA) PriorityChanged(cs Clocks) Clocks {
	cs = cs.clone()
	for m, c := range cs {
		if !c.Stopped() {
			c.Timer = c.Retarget(m.target(s.Policy))
			cs[m] = c
		}
	}
	return cs
}

// equal reports whether c and o are the same clock (their times the same instants).
func (c Clock) equal(o Clock) bool {
	a, b := c.Timer, o.Timer
	return a.Target == b.Target && a.Used == b.Used && a.Breached == b.Breached &&
		a.RunningSince.Equal(b.RunningSince) && a.StoppedAt.Equal(b.StoppedAt) &&
		c.StartedAt.Equal(o.StartedAt) && c.WarningNotifiedAt.Equal(o.WarningNotifiedAt) &&
		c.BreachNotifiedAt.Equal(o.BreachNotifiedAt)
}
