package incident

// The legal and contractual clocks of an incident: pure arithmetic on instants, no I/O.
//
// Incident clocks count wall-clock time, nights, weekends and holidays included (the support
// clocks of app/sla count business time; the two are never mixed). A duration is added to an
// instant in UTC (time.Time.Add), so a change of daylight-saving time never moves a deadline:
// 72 hours are 72 hours even across the last Sunday of October, when Tallinn's clocks show
// 73 hours between the start and the end. The one clock counted in months (NIS2's final report,
// "within one month") is counted on the calendar of Europe/Tallinn, where the vendor and its
// supervisory authority read their dates: "one month after 31 January 10:00" is 28 (or 29)
// February 10:00 in Tallinn. Counting months in UTC would give other dates: a notification
// submitted at 00:30 on 1 March in Tallinn is 22:30 on 28 February in UTC, and a month on from
// that is 28 March in UTC, not 1 April.

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Tallinn must be found on any machine
)

// DeadlineZone is the zone in which "one month" is counted and deadlines are named.
const DeadlineZone = "Europe/Tallinn"

var deadlineZone = func() *time.Location {
	loc, err := time.LoadLocation(DeadlineZone)
	if err != nil {
		panic("incident: " + err.Error())
	}
	return loc
}()

// The fixed spans of the law. The customer notice's span is the admin's setting (ClockPolicy).
const (
	// AuthoritySpan: GDPR Art. 33(1), notice to the supervisory authority "not later than 72
	// hours after having become aware of it".
	AuthoritySpan = 72 * time.Hour
	// EarlyWarningSpan: NIS2 Art. 23(4)(a), early warning "within 24 hours of becoming aware".
	EarlyWarningSpan = 24 * time.Hour
	// NotificationSpan: NIS2 Art. 23(4)(b), incident notification "within 72 hours".
	NotificationSpan = 72 * time.Hour
	// DefaultCustomerTarget is the notice to each affected customer (the controller), "without
	// undue delay" (GDPR Art. 33(2)), until the admin sets another target.
	DefaultCustomerTarget = 24 * time.Hour
	// CustomerOwnSpan is the affected customer's own Art. 33 deadline as a controller: 72 hours
	// from when they are told.
	CustomerOwnSpan = 72 * time.Hour
	// SoonAtLeast is the shortest amber window: a clock is due soon when a quarter of its span
	// or 6 hours, whichever is longer, remain.
	SoonAtLeast = 6 * time.Hour
)

// AddHours adds d to the instant t: wall-clock time, immune to daylight-saving changes.
func AddHours(t time.Time, d time.Duration) time.Time {
	return t.UTC().Add(d)
}

// AddMonth returns the same date and time of day a month after t on Tallinn's calendar, or
// that month's last day when it has no such date (31 January + 1 month = 28 or 29 February;
// 31 December + 1 month = 31 January). The result is an instant (in UTC).
func AddMonth(t time.Time) time.Time {
	l := t.In(deadlineZone)
	y, m, d := l.Date()
	m++
	if m > time.December {
		m, y = time.January, y+1
	}
	if last := daysIn(y, m); d > last {
		d = last
	}
	return wallTime(y, m, d, l.Hour(), l.Minute(), l.Second(), l.Nanosecond()).UTC()
}

// wallTime is the instant a Tallinn wall time names, read with the offset in force before a
// daylight-saving change: a time in the hour skipped in March (03:30 on the last Sunday) is
// read as winter time, 04:30 summer time; a time in the hour repeated in October is its first
// occurrence, the earlier and stricter deadline. (time.Date leaves the repeated hour's choice
// open; it gives the second.)
func wallTime(y int, m time.Month, d, hh, mm, ss, ns int) time.Time {
	t := time.Date(y, m, d, hh, mm, ss, ns, deadlineZone)
	_, now := t.Zone()
	_, before := t.Add(-6 * time.Hour).Zone()
	if before != now {
		e := t.Add(-time.Duration(before-now) * time.Second)
		if e.Before(t) && e.In(deadlineZone).Hour() == hh && e.In(deadlineZone).Minute() == mm {
			return e
		}
	}
	return t
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// ClockMoments are the moments of an incident that clocks start from, kept apart.
type ClockMoments struct {
	Occurred time.Time // when it happened, if known (zero otherwise)
	Detected time.Time // when someone noticed it, if known
	Reported time.Time // when it was reported in Tugi
	// Aware is when the vendor became aware of it, as the CISO recorded it with AwareReason;
	// zero until then, and awareness is taken to be Reported.
	Aware       time.Time
	AwareReason string
	// Significant is when the incident was classified significant under NIS2 (zero if not).
	Significant time.Time
}

// Awareness is the moment the GDPR and NIS2 clocks start from: the recorded awareness, or the
// report until the CISO records one.
func (m ClockMoments) Awareness() time.Time {
	if !m.Aware.IsZero() {
		return m.Aware
	}
	return m.Reported
}

// AwarenessRecorded reports whether the CISO recorded the moment of awareness.
func (m ClockMoments) AwarenessRecorded() bool { return !m.Aware.IsZero() }

// ClockKind names a clock, and the kind of notice that stops it.
type ClockKind string

const (
	ClockCustomer     ClockKind = "customer"      // notice to an affected customer (the controller)
	ClockAuthority    ClockKind = "authority"     // GDPR Art. 33 to the supervisory authority
	ClockEarlyWarning ClockKind = "early_warning" // NIS2 Art. 23(4)(a)
	ClockNotification ClockKind = "notification"  // NIS2 Art. 23(4)(b)
	ClockFinalReport  ClockKind = "final_report"  // NIS2 Art. 23(4)(d)
)

// ClockKinds lists the kinds in the order a page shows them.
var ClockKinds = []ClockKind{ClockCustomer, ClockAuthority, ClockEarlyWarning, ClockNotification, ClockFinalReport}

// Valid reports whether k is a known kind.
func (k ClockKind) Valid() bool {
	for _, x := range ClockKinds {
		if k == x {
			return true
		}
	}
	return false
}

// ClockState is where a clock stands at a moment.
type ClockState string

const (
	ClockRunning       ClockState = "running"        // started, more than the amber window left
	ClockDueSoon       ClockState = "due_soon"       // amber: within the window before its deadline
	ClockOverdue       ClockState = "overdue"        // red: past its deadline, no notice yet
	ClockMet           ClockState = "met"            // a notice was submitted in time
	ClockMetLate       ClockState = "met_late"       // a notice was submitted after the deadline
	ClockWaiting       ClockState = "waiting"        // its start moment has not come (final report)
	ClockNotApplicable ClockState = "not_applicable" // the triage decisions do not call for it
)

// Stopped reports whether a notice stopped the clock.
func (s ClockState) Stopped() bool { return s == ClockMet || s == ClockMetLate }

// Running reports whether the clock runs: its deadline is still to be met.
func (s ClockState) Running() bool {
	return s == ClockRunning || s == ClockDueSoon || s == ClockOverdue
}

// Clock is one deadline of an incident.
type Clock struct {
	Kind    ClockKind
	OrgID   int64  // the affected customer organisation, for ClockCustomer
	OrgName string // its name
	// Applies is false when the triage decisions do not call for the clock; Why then says which
	// decision (a message id for i18n).
	Applies bool
	Why     string
	Start   time.Time // zero while waiting
	Due     time.Time // zero while waiting or not applicable
	// Met is when the notice that stopped the clock was submitted (zero while it runs), and
	// LateReason the reason recorded for a late one.
	Met        time.Time
	LateReason string
	NoticeID   int64
}

// Key names the clock within its incident: the kind, and for a customer notice the
// organisation ("customer:12"). The warning job keys its warnings by it.
func (c Clock) Key() string {
	if c.Kind == ClockCustomer {
		return fmt.Sprintf("%s:%d", c.Kind, c.OrgID)
	}
	return string(c.Kind)
}

// Span is the time the clock allows.
func (c Clock) Span() time.Duration { return c.Due.Sub(c.Start) }

// SoonWindow is how long before its deadline a clock turns amber, and the warning job warns:
// a quarter of its span, but at least SoonAtLeast (so 6 h before a 24-hour clock, 18 h before a
// 72-hour clock, about a week before the one-month final report).
func (c Clock) SoonWindow() time.Duration {
	w := c.Span() / 4
	if w < SoonAtLeast {
		w = SoonAtLeast
	}
	return w
}

// SoonFrom is the moment the clock turns amber.
func (c Clock) SoonFrom() time.Time { return c.Due.Add(-c.SoonWindow()) }

// State is the clock's state at now. A clock stopped by a notice stays stopped.
func (c Clock) State(now time.Time) ClockState {
	switch {
	case !c.Applies:
		return ClockNotApplicable
	case c.Start.IsZero():
		return ClockWaiting
	case !c.Met.IsZero() && c.Met.After(c.Due):
		return ClockMetLate
	case !c.Met.IsZero():
		return ClockMet
	case !now.Before(c.Due):
		return ClockOverdue
	case !now.Before(c.SoonFrom()):
		return ClockDueSoon
	}
	return ClockRunning
}

// Remaining is the time left at now (negative once overdue).
func (c Clock) Remaining(now time.Time) time.Duration { return c.Due.Sub(now) }

// Late reports whether a notice submitted at submitted would be late for this clock: the
// reason for the delay must then be recorded (GDPR Art. 33(1)).
func (c Clock) Late(submitted time.Time) bool {
	return c.Applies && !c.Start.IsZero() && submitted.After(c.Due)
}

// ClockDecisions are the triage decisions the clocks depend on.
type ClockDecisions struct {
	// Breach: a personal-data breach (GDPR Art. 4(12)); each affected customer must be told.
	Breach bool
	// VendorController: the breached data includes the vendor's own (its staff's or contacts'),
	// for which the vendor is the controller and notifies the supervisory authority itself.
	VendorController bool
	// Significant: a significant incident under NIS2 Art. 23(3).
	Significant bool
}

// ClockOrg is an affected customer organisation.
type ClockOrg struct {
	ID   int64
	Name string
}

// ClockNotice is a recorded notice as the clocks see it.
type ClockNotice struct {
	ID         int64
	Kind       ClockKind
	OrgID      int64 // for a customer notice
	Submitted  time.Time
	LateReason string
}

// ClockPolicy holds the admin's settings.
type ClockPolicy struct {
	CustomerTarget time.Duration // the notice to each affected customer, from awareness
}

// Reasons a clock does not apply (message ids, translated where shown).
const (
	WhyNoBreach       = "No personal-data breach was decided in triage."
	WhyNotController  = "The vendor is not the controller of the breached data: each customer notifies its own authority."
	WhyNotSignificant = "The incident was not classified significant under NIS2."
)

// Clocks derives every clock of an incident from its moments, triage decisions, affected
// customers and recorded notices. The earliest notice of a kind (and organisation) stops a
// clock. The list is in the order of ClockKinds, customers in the order given; not applicable
// clocks are included so a page can say why.
func Clocks(m ClockMoments, d ClockDecisions, orgs []ClockOrg, notices []ClockNotice, p ClockPolicy) []Clock {
	target := p.CustomerTarget
	if target <= 0 {
		target = DefaultCustomerTarget
	}
	aware := m.Awareness().UTC()
	stop := func(c *Clock) {
		for _, n := range notices {
			if n.Kind != c.Kind || (c.Kind == ClockCustomer && n.OrgID != c.OrgID) {
				continue
			}
			if c.Met.IsZero() || n.Submitted.Before(c.Met) {
				c.Met, c.LateReason, c.NoticeID = n.Submitted.UTC(), n.LateReason, n.ID
			}
		}
	}
	fixed := func(k ClockKind, applies bool, why string, span time.Duration) Clock {
		c := Clock{Kind: k, Applies: applies}
		if !applies {
			c.Why = why
			return c
		}
		c.Start, c.Due = aware, AddHours(aware, span)
		stop(&c)
		return c
	}

	var out []Clock
	if d.Breach {
		for _, o := range orgs {
			c := Clock{Kind: ClockCustomer, OrgID: o.ID, OrgName: o.Name, Applies: true,
				Start: aware, Due: AddHours(aware, target)}
			stop(&c)
			out = append(out, c)
		}
	}
	authorityWhy := WhyNotController
	if !d.Breach {
		authorityWhy = WhyNoBreach
	}
	out = append(out,
		fixed(ClockAuthority, d.Breach && d.VendorController, authorityWhy, AuthoritySpan),
		fixed(ClockEarlyWarning, d.Significant, WhyNotSignificant, EarlyWarningSpan),
		fixed(ClockNotification, d.Significant, WhyNotSignificant, NotificationSpan))

	final := Clock{Kind: ClockFinalReport, Applies: d.Significant}
	if !d.Significant {
		final.Why = WhyNotSignificant
	} else if n := out[len(out)-1]; !n.Met.IsZero() {
		final.Start, final.Due = n.Met, AddMonth(n.Met)
		stop(&final)
	}
	return append(out, final)
}

// CustomerOwnDeadline is when an affected customer's own 72 hours as a controller end if they
// are told at told: the cost of every hour of delay, shown beside each unsent customer notice.
func CustomerOwnDeadline(told time.Time) time.Time { return AddHours(told, CustomerOwnSpan) }
