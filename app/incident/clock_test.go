package incident_test

import (
	"testing"
	"time"

	"tugi/app/incident"
)

var clockZone = func() *time.Location {
	l, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		panic(err)
	}
	return l
}()

// tln is a Tallinn wall time.
func tln(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, clockZone)
}

func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

// In 2026 Tallinn's clocks go forward at 03:00 on 29 March (EET +2 → EEST +3) and back at
// 04:00 on 25 October; in 2027 forward on 28 March.
func TestClockHoursIgnoreDaylightSaving(t *testing.T) {
	cases := []struct {
		name      string
		start     time.Time
		span      time.Duration
		want      time.Time // the instant
		wantLocal string    // what a person in Tallinn reads
	}{
		{"24 h over the spring change", tln(2026, 3, 28, 12, 0), 24 * time.Hour,
			utc(2026, 3, 29, 10, 0), "2026-03-29 13:00 EEST"},
		{"72 h over the spring change", tln(2026, 3, 27, 22, 15), 72 * time.Hour,
			utc(2026, 3, 30, 20, 15), "2026-03-30 23:15 EEST"},
		{"started in the last winter hour", tln(2026, 3, 29, 2, 30), 24 * time.Hour,
			utc(2026, 3, 30, 0, 30), "2026-03-30 03:30 EEST"},
		{"72 h over the autumn change", tln(2026, 10, 24, 12, 0), 72 * time.Hour,
			utc(2026, 10, 27, 9, 0), "2026-10-27 11:00 EET"},
		{"24 h from the first of the repeated hours", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), 24 * time.Hour,
			utc(2026, 10, 26, 0, 30), "2026-10-26 02:30 EET"},
		{"24 h from the second of the repeated hours", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), 24 * time.Hour,
			utc(2026, 10, 26, 1, 30), "2026-10-26 03:30 EET"},
		{"24 h over New Year", tln(2026, 12, 31, 23, 59), 24 * time.Hour,
			utc(2027, 1, 1, 21, 59), "2027-01-01 23:59 EET"},
	}
	for _, c := range cases {
		got := incident.AddHours(c.start, c.span)
		if !got.Equal(c.want) {
			t.Errorf("%s: AddHours(%s, %s) = %s, want %s", c.name, c.start, c.span, got, c.want)
		}
		if local := got.In(clockZone).Format("2006-01-02 15:04 MST"); local != c.wantLocal {
			t.Errorf("%s: reads %s in Tallinn, want %s", c.name, local, c.wantLocal)
		}
		if d := got.Sub(c.start); d != c.span {
			t.Errorf("%s: %s elapse, want exactly %s", c.name, d, c.span)
		}
	}
}

func TestClockMonthIsTheSameDateOrTheMonthsLastDay(t *testing.T) {
	cases := []struct {
		name       string
		from, want time.Time
	}{
		{"an ordinary date", tln(2026, 5, 14, 9, 30), tln(2026, 6, 14, 9, 30)},
		{"31 January, common year", tln(2026, 1, 31, 10, 0), tln(2026, 2, 28, 10, 0)},
		{"31 January, leap year", tln(2028, 1, 31, 10, 0), tln(2028, 2, 29, 10, 0)},
		{"30 January, leap year", tln(2028, 1, 30, 23, 59), tln(2028, 2, 29, 23, 59)},
		{"29 February", tln(2028, 2, 29, 8, 0), tln(2028, 3, 29, 8, 0)},
		{"28 February, common year", tln(2026, 2, 28, 8, 0), tln(2026, 3, 28, 8, 0)},
		{"31 March", tln(2026, 3, 31, 8, 0), tln(2026, 4, 30, 8, 0)},
		{"31 December into the next year", tln(2026, 12, 31, 18, 0), tln(2027, 1, 31, 18, 0)},
		{"1 December", tln(2026, 12, 1, 0, 0), tln(2027, 1, 1, 0, 0)},
		// The wall time is kept across a daylight-saving change: the instant moves by the hour.
		{"over the spring change", tln(2026, 3, 1, 0, 30), tln(2026, 4, 1, 0, 30)},
		{"over the autumn change", tln(2026, 10, 10, 12, 0), tln(2026, 11, 10, 12, 0)},
		// Counted on Tallinn's calendar, not UTC's: 00:30 on 1 March in Tallinn is still
		// 28 February in UTC, and a month from that in UTC would be 28 March.
		{"Tallinn's date, not UTC's", tln(2026, 3, 1, 0, 30), tln(2026, 4, 1, 0, 30)},
		{"UTC's 31 January is Tallinn's 1 February", utc(2026, 1, 31, 23, 0), tln(2026, 3, 1, 1, 0)},
	}
	for _, c := range cases {
		got := incident.AddMonth(c.from)
		if !got.Equal(c.want) {
			t.Errorf("%s: AddMonth(%s) = %s, want %s", c.name, c.from.In(clockZone), got.In(clockZone), c.want)
		}
	}
}

// A month that lands on a wall time that does not exist, or exists twice, is read with the
// offset in force before the change.
func TestClockMonthIntoTheChangingHour(t *testing.T) {
	// 28 March 2027 03:30 does not exist in Tallinn: read as winter time, 04:30 summer time.
	got := incident.AddMonth(tln(2027, 2, 28, 3, 30))
	if want := utc(2027, 3, 28, 1, 30); !got.Equal(want) {
		t.Errorf("into the skipped hour: %s, want %s", got, want)
	}
	// 25 October 2026 03:30 happens twice: the first, summer-time, one (00:30 UTC).
	got = incident.AddMonth(tln(2026, 9, 25, 3, 30))
	if want := utc(2026, 10, 25, 0, 30); !got.Equal(want) {
		t.Errorf("into the repeated hour: %s, want %s (the first 03:30)", got, want)
	}
	if l := got.In(clockZone).Format("15:04 MST"); l != "03:30 EEST" {
		t.Errorf("into the repeated hour reads %s", l)
	}
}

func TestClockAwarenessDefaultsToTheReport(t *testing.T) {
	reported := tln(2026, 3, 28, 12, 0)
	m := incident.ClockMoments{Detected: tln(2026, 3, 28, 9, 0), Reported: reported}
	if !m.Awareness().Equal(reported) || m.AwarenessRecorded() {
		t.Fatalf("awareness before the CISO records it = %s (recorded %v), want the report %s",
			m.Awareness(), m.AwarenessRecorded(), reported)
	}
	d := incident.ClockDecisions{Breach: true, VendorController: true}
	c := incident.Clocks(m, d, nil, nil, incident.ClockPolicy{})[0]
	if c.Kind != incident.ClockAuthority || !c.Due.Equal(reported.Add(72*time.Hour)) {
		t.Fatalf("authority clock %+v, want due 72 h after the report", c)
	}

	// The CISO records that the vendor knew earlier, with a justification: the clock moves back.
	aware := tln(2026, 3, 28, 10, 0)
	m.Aware, m.AwareReason = aware, "The on-call engineer confirmed the leak by phone at 10:00."
	if !m.Awareness().Equal(aware) || !m.AwarenessRecorded() {
		t.Fatalf("recorded awareness = %s, want %s", m.Awareness(), aware)
	}
	c = incident.Clocks(m, d, nil, nil, incident.ClockPolicy{})[0]
	if !c.Start.Equal(aware) || !c.Due.Equal(utc(2026, 3, 31, 8, 0)) {
		t.Fatalf("authority clock after awareness recorded: start %s due %s", c.Start, c.Due)
	}
}

func TestClockStatesAndThresholds(t *testing.T) {
	start := tln(2026, 6, 1, 12, 0)
	day := incident.Clock{Kind: incident.ClockEarlyWarning, Applies: true, Start: start, Due: start.Add(24 * time.Hour)}
	three := incident.Clock{Kind: incident.ClockAuthority, Applies: true, Start: start, Due: start.Add(72 * time.Hour)}
	short := incident.Clock{Kind: incident.ClockCustomer, OrgID: 3, Applies: true, Start: start, Due: start.Add(4 * time.Hour)}
	if w := day.SoonWindow(); w != 6*time.Hour {
		t.Errorf("24 h clock turns amber %s before, want 6h", w)
	}
	if w := three.SoonWindow(); w != 18*time.Hour {
		t.Errorf("72 h clock turns amber %s before, want 18h (a quarter)", w)
	}
	if w := short.SoonWindow(); w != 6*time.Hour {
		t.Errorf("4 h clock turns amber %s before, want 6h: amber from its start", w)
	}
	cases := []struct {
		c    incident.Clock
		at   time.Time
		want incident.ClockState
	}{
		{day, start, incident.ClockRunning},
		{day, start.Add(18*time.Hour - time.Second), incident.ClockRunning},
		{day, start.Add(18 * time.Hour), incident.ClockDueSoon},
		{day, start.Add(24*time.Hour - time.Second), incident.ClockDueSoon},
		{day, start.Add(24 * time.Hour), incident.ClockOverdue},
		{day, start.Add(900 * time.Hour), incident.ClockOverdue},
		{three, start.Add(53 * time.Hour), incident.ClockRunning},
		{three, start.Add(54 * time.Hour), incident.ClockDueSoon},
		{short, start, incident.ClockDueSoon},
		{incident.Clock{Kind: incident.ClockFinalReport, Applies: true}, start, incident.ClockWaiting},
		{incident.Clock{Kind: incident.ClockAuthority}, start, incident.ClockNotApplicable},
	}
	for i, c := range cases {
		if got := c.c.State(c.at); got != c.want {
			t.Errorf("case %d (%s at +%s): %s, want %s", i, c.c.Kind, c.at.Sub(start), got, c.want)
		}
	}
	met := day
	met.Met = start.Add(23 * time.Hour)
	if s := met.State(start.Add(100 * time.Hour)); s != incident.ClockMet {
		t.Errorf("met in time, long after: %s", s)
	}
	met.Met = start.Add(25 * time.Hour)
	if s := met.State(start.Add(100 * time.Hour)); s != incident.ClockMetLate || s.Running() || !s.Stopped() {
		t.Errorf("met late: %s", s)
	}
	if !day.Late(start.Add(24*time.Hour+time.Second)) || day.Late(start.Add(24*time.Hour)) {
		t.Error("a notice is late only after the deadline, not at it")
	}
	if day.Key() != "early_warning" || short.Key() != "customer:3" {
		t.Errorf("keys %q %q", day.Key(), short.Key())
	}
}

// A breach with three affected customers has three customer clocks, each stopped by its own
// customer's notice and by no other.
func TestClockThreeCustomersThreeClocks(t *testing.T) {
	reported := tln(2026, 10, 24, 20, 0) // the autumn change falls inside the 24 hours
	m := incident.ClockMoments{Reported: reported}
	orgs := []incident.ClockOrg{{ID: 1, Name: "Demo Customer OÜ"}, {ID: 2, Name: "Second Customer AS"}, {ID: 3, Name: "Third OÜ"}}
	d := incident.ClockDecisions{Breach: true}
	p := incident.ClockPolicy{CustomerTarget: 24 * time.Hour}

	customers := func(cs []incident.Clock) []incident.Clock {
		var out []incident.Clock
		for _, c := range cs {
			if c.Kind == incident.ClockCustomer {
				out = append(out, c)
			}
		}
		return out
	}
	cs := customers(incident.Clocks(m, d, orgs, nil, p))
	if len(cs) != 3 {
		t.Fatalf("%d customer clocks, want 3", len(cs))
	}
	due := utc(2026, 10, 25, 17, 0) // 24 real hours: 20:00 EEST (17:00 UTC) + 24 h; the wall clock shows 23
	for i, c := range cs {
		if c.OrgID != orgs[i].ID || !c.Due.Equal(due) || c.State(reported) != incident.ClockRunning {
			t.Errorf("clock %d: org %d due %s state %s", i, c.OrgID, c.Due, c.State(reported))
		}
	}
	if l := due.In(clockZone).Format("15:04 MST"); l != "19:00 EET" {
		t.Errorf("due reads %s in Tallinn", l)
	}

	now := reported.Add(30 * time.Hour)
	notices := []incident.ClockNotice{
		{ID: 7, Kind: incident.ClockCustomer, OrgID: 2, Submitted: reported.Add(3 * time.Hour)},
		{ID: 8, Kind: incident.ClockCustomer, OrgID: 3, Submitted: reported.Add(26 * time.Hour), LateReason: "contact unknown"},
		{ID: 9, Kind: incident.ClockAuthority, Submitted: reported.Add(1 * time.Hour)}, // not a customer notice
	}
	cs = customers(incident.Clocks(m, d, orgs, notices, p))
	want := []incident.ClockState{incident.ClockOverdue, incident.ClockMet, incident.ClockMetLate}
	for i, c := range cs {
		if s := c.State(now); s != want[i] {
			t.Errorf("customer %d: %s, want %s", c.OrgID, s, want[i])
		}
	}
	if cs[1].NoticeID != 7 || cs[2].LateReason != "contact unknown" {
		t.Errorf("stopped by the wrong notices: %+v", cs)
	}

	// A later notice to the same customer does not move the earlier stop.
	notices = append(notices, incident.ClockNotice{ID: 10, Kind: incident.ClockCustomer, OrgID: 2, Submitted: reported.Add(40 * time.Hour)})
	if c := customers(incident.Clocks(m, d, orgs, notices, p))[1]; c.NoticeID != 7 {
		t.Errorf("a second notice took over: %+v", c)
	}
}

func TestClockApplicability(t *testing.T) {
	m := incident.ClockMoments{Reported: tln(2026, 1, 30, 9, 0)}
	orgs := []incident.ClockOrg{{ID: 1, Name: "A"}}
	byKind := func(cs []incident.Clock) map[incident.ClockKind]incident.Clock {
		out := map[incident.ClockKind]incident.Clock{}
		for _, c := range cs {
			out[c.Kind] = c
		}
		return out
	}

	none := byKind(incident.Clocks(m, incident.ClockDecisions{}, orgs, nil, incident.ClockPolicy{}))
	if _, ok := none[incident.ClockCustomer]; ok {
		t.Error("a customer clock without a breach")
	}
	if c := none[incident.ClockAuthority]; c.Applies || c.Why != incident.WhyNoBreach {
		t.Errorf("authority without a breach: %+v", c)
	}
	for _, k := range []incident.ClockKind{incident.ClockEarlyWarning, incident.ClockNotification, incident.ClockFinalReport} {
		if c := none[k]; c.Applies || c.Why != incident.WhyNotSignificant {
			t.Errorf("%s without significance: %+v", k, c)
		}
	}

	breach := byKind(incident.Clocks(m, incident.ClockDecisions{Breach: true}, orgs, nil, incident.ClockPolicy{}))
	if c := breach[incident.ClockAuthority]; c.Applies || c.Why != incident.WhyNotController {
		t.Errorf("authority when customers are the controllers: %+v", c)
	}
	if c := breach[incident.ClockCustomer]; !c.Due.Equal(m.Reported.Add(incident.DefaultCustomerTarget)) {
		t.Errorf("customer clock with no target set: due %s, want the default 24 h", c.Due)
	}

	// NIS2: early warning 24 h and notification 72 h from awareness; the final report waits for
	// the notification, then runs a calendar month from its submission.
	sig := incident.ClockDecisions{Significant: true}
	cs := byKind(incident.Clocks(m, sig, orgs, nil, incident.ClockPolicy{}))
	if c := cs[incident.ClockEarlyWarning]; !c.Due.Equal(tln(2026, 1, 31, 9, 0)) {
		t.Errorf("early warning due %s", c.Due)
	}
	if c := cs[incident.ClockNotification]; !c.Due.Equal(tln(2026, 2, 2, 9, 0)) {
		t.Errorf("notification due %s", c.Due)
	}
	if c := cs[incident.ClockFinalReport]; c.State(m.Reported) != incident.ClockWaiting {
		t.Errorf("final report before the notification: %s", c.State(m.Reported))
	}
	notified := tln(2026, 1, 31, 16, 45)
	cs = byKind(incident.Clocks(m, sig, orgs, []incident.ClockNotice{{Kind: incident.ClockNotification, Submitted: notified}}, incident.ClockPolicy{}))
	f := cs[incident.ClockFinalReport]
	if !f.Start.Equal(notified) || !f.Due.Equal(tln(2026, 2, 28, 16, 45)) || f.State(notified) != incident.ClockRunning {
		t.Errorf("final report: start %s due %s state %s; want due 28 February 16:45", f.Start, f.Due.In(clockZone), f.State(notified))
	}
	if s := cs[incident.ClockNotification].State(notified); s != incident.ClockMet {
		t.Errorf("notification: %s", s)
	}
}

func TestClockCustomerOwnDeadline(t *testing.T) {
	told := tln(2026, 3, 28, 18, 0)
	if got, want := incident.CustomerOwnDeadline(told), utc(2026, 3, 31, 16, 0); !got.Equal(want) {
		t.Errorf("customer's own 72 h from %s end %s, want %s", told, got, want)
	}
	// Every hour the vendor waits moves the customer's deadline by that hour.
	if d := incident.CustomerOwnDeadline(told.Add(5 * time.Hour)).Sub(incident.CustomerOwnDeadline(told)); d != 5*time.Hour {
		t.Errorf("five hours' delay cost %s", d)
	}
}
