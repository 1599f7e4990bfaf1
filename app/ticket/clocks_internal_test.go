package ticket

import (
	"slices"
	"testing"
	"time"

	"tugi/app/access"
	"tugi/app/calendar"
	"tugi/app/sla"
)

var tallinn = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		panic(err)
	}
	return loc
}()

// nov returns a time in Tallinn in the week of Monday 23 November 2026, which has no
// holiday: support is open 09:00-17:00 every weekday.
func nov(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, tallinn)
}

var (
	normal = sla.Policy{Priority: sla.Normal, FirstResponse: 4 * time.Hour, NextResponse: 8 * time.Hour, Resolution: 40 * time.Hour, WarnPercent: 75}
	high   = sla.Policy{Priority: sla.High, FirstResponse: 2 * time.Hour, NextResponse: 4 * time.Hour, Resolution: 24 * time.Hour, WarnPercent: 75}
)

// due returns the due time of the clock of m, or the zero time.
func due(cs Clocks, cal sla.Calendar, m Metric) time.Time {
	c, ok := cs[m]
	if !ok {
		return time.Time{}
	}
	return c.Due(cal)
}

// TestClockLife follows a ticket through its life and checks each clock's due time at
// every step, in wall-clock times of the support calendar.
func TestClockLife(t *testing.T) {
	cal := calendar.Default()
	n := SLA{Cal: cal, Policy: normal}
	h := SLA{Cal: cal, Policy: high}
	type want struct{ first, next, resolution time.Time }
	check := func(step string, cs Clocks, w want) {
		t.Helper()
		for _, c := range []struct {
			m    Metric
			want time.Time
		}{{FirstResponse, w.first}, {NextResponse, w.next}, {Resolution, w.resolution}} {
			if got := due(cs, cal, c.m); !got.Equal(c.want) {
				t.Errorf("%s: %s due %v, want %v", step, c.m, got.In(tallinn), c.want)
			}
		}
	}

	// Monday 10:00: first response in 4 h, resolution in 40 h (five business days).
	cs := n.Created(nov(23, 10, 0))
	check("created", cs, want{first: nov(23, 14, 0), resolution: nov(30, 10, 0)})
	if next := cs.NextDue(cal); !next.Equal(nov(23, 14, 0)) {
		t.Errorf("next due %v, want the first response's", next)
	}

	// Monday 11:00: the agent answers and waits for the customer.
	cs = n.AgentReplied(cs, nov(23, 11, 0))
	cs = n.StatusChanged(cs, Open, Waiting, nov(23, 11, 0))
	check("answered, waiting", cs, want{})
	if c := cs[FirstResponse]; !c.Stopped() || c.Used != time.Hour || c.Breached {
		t.Errorf("first response after an hour: %+v, want met after 1 h", c.Timer)
	}
	if c := cs[Resolution]; c.Running() || c.Stopped() || c.Used != time.Hour {
		t.Errorf("resolution while waiting: %+v, want paused with 1 h used", c.Timer)
	}
	if next := cs.NextDue(cal); !next.IsZero() {
		t.Errorf("next due %v while waiting, want none", next)
	}

	// Tuesday 10:00: the customer answers. Resolution runs again with 39 h left; the next
	// response is due in 8 h.
	cs = n.StatusChanged(cs, Waiting, Open, nov(24, 10, 0))
	cs = n.CustomerReplied(cs, nov(24, 10, 0))
	check("customer answered", cs, want{next: nov(25, 10, 0), resolution: nov(30, 17, 0)})

	// A second message before the reply does not restart the next-response clock.
	again := n.CustomerReplied(cs, nov(24, 11, 0))
	check("customer wrote again", again, want{next: nov(25, 10, 0), resolution: nov(30, 17, 0)})

	// The priority rises to high: 4 h for the next response, 24 h to resolve (1 h used).
	cs = h.PriorityChanged(cs)
	check("priority high", cs, want{next: nov(24, 14, 0), resolution: nov(26, 17, 0)})

	// Tuesday 12:00: the agent replies and keeps the ticket open.
	cs = h.AgentReplied(cs, nov(24, 12, 0))
	check("replied again", cs, want{resolution: nov(26, 17, 0)})
	if c := cs[NextResponse]; !c.Stopped() || c.Used != 2*time.Hour {
		t.Errorf("next response: %+v, want met after 2 h", c.Timer)
	}

	// Wednesday 09:00: solved. Resolution used 1 h + 7 h.
	cs = h.StatusChanged(cs, Open, Solved, nov(25, 9, 0))
	check("solved", cs, want{})
	if c := cs[Resolution]; !c.Stopped() || c.Used != 8*time.Hour || c.Breached {
		t.Errorf("resolution when solved: %+v, want met after 8 h", c.Timer)
	}

	// Thursday 10:00: the customer reopens it; 16 h are left.
	cs = h.StatusChanged(cs, Solved, Open, nov(26, 10, 0))
	check("reopened", cs, want{resolution: nov(30, 10, 0)})
	if c := cs[FirstResponse]; !c.Stopped() {
		t.Error("reopening restarted the first-response clock")
	}
}

func TestFirstResponseLate(t *testing.T) {
	cal := calendar.Default()
	n := SLA{Cal: cal, Policy: normal}
	cs := n.Created(nov(23, 16, 0)) // one hour before closing: due Tuesday 12:00
	if d := due(cs, cal, FirstResponse); !d.Equal(nov(24, 12, 0)) {
		t.Fatalf("due %v", d)
	}
	if st := cs[FirstResponse].State(cal, nov(24, 11, 0), 75); st != sla.Warning {
		t.Errorf("at 11:00 the next day: %s, want warning", st)
	}
	cs = n.AgentReplied(cs, nov(24, 12, 30))
	if c := cs[FirstResponse]; !c.Breached || c.State(cal, nov(24, 13, 0), 75) != sla.Late {
		t.Errorf("answered half an hour late: %+v, want late", c.Timer)
	}
	// A customer message before the first reply does not start the next-response clock.
	cs2 := n.Created(nov(23, 10, 0))
	cs2 = n.CustomerReplied(cs2, nov(23, 10, 30))
	if _, ok := cs2[NextResponse]; ok {
		t.Error("a customer message before the first response started the next-response clock")
	}
}

func TestOnHoldKeepsRunningAndClosingStopsAll(t *testing.T) {
	cal := calendar.Default()
	n := SLA{Cal: cal, Policy: normal}
	cs := n.Created(nov(23, 10, 0))
	cs = n.StatusChanged(cs, New, OnHold, nov(23, 11, 0))
	if !cs[FirstResponse].Running() || !cs[Resolution].Running() {
		t.Error("on hold paused a clock; it waits for a third party, not the customer")
	}
	cs = n.StatusChanged(cs, OnHold, Closed, nov(23, 12, 0))
	for m, c := range cs {
		if !c.Stopped() {
			t.Errorf("%s still runs after closing", m)
		}
	}
	// Reopened straight into waiting: the resolution clock stays paused.
	cs = n.StatusChanged(cs, Closed, Waiting, nov(24, 10, 0))
	if c := cs[Resolution]; c.Running() || c.Stopped() || c.Used != 2*time.Hour {
		t.Errorf("reopened into waiting: %+v, want paused with 2 h used", c.Timer)
	}
}

func TestInitialPriority(t *testing.T) {
	for _, tt := range []struct {
		impact   Impact
		security bool
		want     sla.Priority
	}{
		{OnePerson, false, sla.Normal},
		{SeveralPeople, false, sla.High},
		{WholeOrganisation, false, sla.Urgent},
		{OnePerson, true, sla.High},
		{WholeOrganisation, true, sla.Urgent},
	} {
		if got := InitialPriority(tt.impact, tt.security); got != tt.want {
			t.Errorf("InitialPriority(%s, %v) = %s, want %s", tt.impact, tt.security, got, tt.want)
		}
	}
}

func TestReference(t *testing.T) {
	// Just after midnight on New Year's Day in Tallinn is still 31 December in UTC.
	created := time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC)
	if got := Reference(123, created); got != "T-2027-00123" {
		t.Errorf("Reference = %q, want T-2027-00123", got)
	}
	if got := Reference(1234567, created); got != "T-2027-1234567" {
		t.Errorf("Reference of a large id = %q", got)
	}
	for _, tt := range []struct {
		in   string
		id   int64
		year int
		ok   bool
	}{
		{"Re: [T-2026-00123] Monthly report", 123, 2026, true},
		{"t-2026-00042", 42, 2026, true},
		{"T-2026-123", 0, 0, false},
		{"no reference", 0, 0, false},
	} {
		id, year, ok := ParseReference(tt.in)
		if id != tt.id || year != tt.year || ok != tt.ok {
			t.Errorf("ParseReference(%q) = %d, %d, %v", tt.in, id, year, ok)
		}
	}
}

func TestScopeOfRoles(t *testing.T) {
	for _, tt := range []struct {
		roles []access.Role
		want  Scope
	}{
		{[]access.Role{access.Customer}, Scope{OrgID: 7, UserID: 3, OrgWide: true}},
		{[]access.Role{access.Employee, access.Agent}, Scope{All: true, UserID: 3}},
		{[]access.Role{access.Employee, access.CISO}, Scope{All: true, UserID: 3}},
		{[]access.Role{access.Employee}, Scope{}},
		{[]access.Role{access.Employee, access.Admin}, Scope{}}, // not by virtue of being admin
		{[]access.Role{access.Admin, access.Agent}, Scope{All: true, UserID: 3}},
	} {
		v := &access.Viewer{UserID: 3, Roles: tt.roles}
		if slices.Contains(tt.roles, access.Customer) {
			v.OrgID = 7
		}
		if got := ScopeOf(v); got != tt.want {
			t.Errorf("ScopeOf(%v) = %+v, want %+v", tt.roles, got, tt.want)
		}
	}
	if !ScopeOf(nil).None() || !ScopeOf(&access.Viewer{UserID: 3, Roles: []access.Role{access.Admin}}).None() {
		t.Error("nobody, or an admin, sees tickets")
	}
}
