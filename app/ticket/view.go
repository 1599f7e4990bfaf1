package ticket

import (
	"time"

	"tugi/app/calendar"
	"tugi/app/i18n"
	"tugi/app/sla"
	"tugi/app/web"
)

// ClockView is one SLA clock as the agent's ticket page shows it.
type ClockView struct {
	Metric Metric
	Label  string    // the metric, translated
	State  sla.State // where it stands now
	Class  string    // for the stylesheet: ok, warn, breach, paused, met
	Text   string    // a sentence, translated: when it is due and how much support time is left
	// WarnAt and DueAt are when a running clock turns to warning and to breached (RFC
	// 3339; "" for a clock that is not running or has passed its due time): the open page
	// changes its colour then by itself (static/js/live.js).
	WarnAt, DueAt string
}

// clockViews describes the clocks at now, in lang, with times in the calendar's zone.
func clockViews(lang string, cs Clocks, cal *calendarInfo, policy sla.Policy, now time.Time) []ClockView {
	var out []ClockView
	for _, m := range Metrics {
		c, ok := cs[m]
		if !ok {
			continue
		}
		state := c.State(cal.cal, now, policy.WarnPercent)
		v := ClockView{Metric: m, Label: i18n.T(lang, m.Label()), State: state}
		switch {
		case c.Stopped() && c.Breached:
			v.Class = "breach"
			v.Text = i18n.T(lang, "Met late, %s", cal.when(lang, c.StoppedAt, now))
		case c.Stopped():
			v.Class = "met"
			v.Text = i18n.T(lang, "Met %s", cal.when(lang, c.StoppedAt, now))
		case !c.Running():
			v.Class = "paused"
			if state == sla.Breached {
				v.Class = "breach"
			}
			v.Text = i18n.T(lang, "Paused while waiting for the customer; %s of support time left", span(lang, c.Remaining(cal.cal, now)))
			if c.Remaining(cal.cal, now) < 0 {
				v.Text = i18n.T(lang, "Paused while waiting for the customer; %s of support time over", span(lang, -c.Remaining(cal.cal, now)))
			}
		case state == sla.Breached:
			v.Class = "breach"
			v.Text = i18n.T(lang, "Was due %s: %s of support time over", cal.when(lang, c.Due(cal.cal), now), span(lang, -c.Remaining(cal.cal, now)))
		default:
			v.Class = "ok"
			if state == sla.Warning {
				v.Class = "warn"
			}
			v.Text = i18n.T(lang, "Due %s, in %s of support time", cal.when(lang, c.Due(cal.cal), now), span(lang, c.Remaining(cal.cal, now)))
			v.WarnAt, v.DueAt = turnsAt(c.WarnAt(cal.cal, policy.WarnPercent)), turnsAt(c.Due(cal.cal))
		}
		out = append(out, v)
	}
	return out
}

// span writes business time as people read it: "1 h 20 min".
func span(lang string, d time.Duration) string {
	d = d.Round(time.Minute)
	if d < 0 {
		d = -d
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return i18n.T(lang, "%d min", m)
	case m == 0:
		return i18n.T(lang, "%d h", h)
	}
	return i18n.T(lang, "%d h %d min", h, m)
}

// calendarInfo is the support calendar with what pages need of it.
type calendarInfo struct{ cal *calendar.Calendar }

// when writes instant t in lang in the calendar's zone, with its weekday (web.WhenIn):
// "Tuesday 24 Nov 10:30 EET", and the year when it is not now's.
func (ci *calendarInfo) when(lang string, t, now time.Time) string {
	return web.WhenIn(lang, t.In(ci.cal.Location()), now)
}

// short writes instant t in lang compactly for a table, in the calendar's zone
// (web.ShortIn): "14:03 EET" today, "25 Nov 14:03 EET" on another day of this year, with
// the year on others.
func (ci *calendarInfo) short(lang string, t, now time.Time) string {
	return web.ShortIn(lang, t.In(ci.cal.Location()), now)
}

// expect says when the customer can expect the next reply on t: "waiting for you" when
// the ticket waits for them, the due time of the response clock, or "" when none runs.
func (ci *calendarInfo) expect(lang string, t *Ticket, now time.Time) string {
	switch {
	case t.Status == Waiting:
		return i18n.T(lang, "Waiting for you")
	case t.Status.Resolved() || t.ReplyDueAt == nil:
		return ""
	case t.ReplyDueAt.Before(now):
		return i18n.T(lang, "As soon as possible")
	}
	return ci.when(lang, *t.ReplyDueAt, now)
}

// localize shows the ticket's times in loc.
func (t *Ticket) localize(loc *time.Location) {
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.In(loc), t.UpdatedAt.In(loc)
	for _, p := range []*time.Time{t.SolvedAt, t.ClosedAt, t.NextDueAt, t.ReplyDueAt} {
		if p != nil {
			*p = p.In(loc)
		}
	}
}

// turnsAt writes instant t for the page's script (static/js/live.js), which turns a clock
// amber or red when the browser's time reaches it: in milliseconds, as JavaScript's
// clock counts, rounded up, so that nothing turns before its time (in whole seconds, a
// clock turned up to a second early).
func turnsAt(t time.Time) string {
	return t.UTC().Add(time.Millisecond - 1).Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z07:00")
}
