package incident

import (
	"strconv"
	"time"

	"tugi/app/i18n"
	"tugi/app/web"
)

// The deadlines as pages show them: rows of ready strings (docs/architecture.md, "Pages get
// ready strings"), each moment in Europe/Tallinn with its zone named.

// When writes instant t as pages show deadlines: "Tuesday 2 Dec 2026 10:00 EET",
// "teisipäev 2. detsember 2026 10:00 EET" (web.DateIn).
func When(lang string, t time.Time) string {
	t = t.In(deadlineZone)
	return web.WeekdayIn(lang, t.Weekday()) + " " + web.DateIn(lang, t)
}

// ClockRow is a clock ready to print.
type ClockRow struct {
	Key        string
	Label      string
	Class      string // "" running, "warn" due soon, "breach" overdue, "met" stopped or not running
	State      ClockState
	StateLabel string
	Countdown  string // "5 h 12 min left", "overdue by 2 h", "met: submitted …"
	Due        string // the deadline, with its zone ("" when none)
	DueISO     string // the deadline in RFC 3339, for <time datetime>
	Basis      string // what it counts from: "24 h from awareness"
	Why        string // why it does not apply
	LateReason string
	// Action is where to record the notice that stops it ("" when it does not run).
	Action      string
	ActionLabel string
}

// clockClass is the colour of a clock in state s.
func clockClass(s ClockState) string {
	switch s {
	case ClockRunning:
		return ""
	case ClockDueSoon:
		return "warn"
	case ClockOverdue:
		return "breach"
	}
	return "met"
}

// StateLabel names a clock state as people read it.
func StateLabel(lang string, s ClockState) string {
	switch s {
	case ClockRunning:
		return i18n.T(lang, "Running")
	case ClockDueSoon:
		return i18n.T(lang, "Due soon")
	case ClockOverdue:
		return i18n.T(lang, "Overdue")
	case ClockMet:
		return i18n.T(lang, "Met")
	case ClockMetLate:
		return i18n.T(lang, "Met late")
	case ClockWaiting:
		return i18n.T(lang, "Not started")
	}
	return i18n.T(lang, "Not applicable")
}

// basis says what clock c counts from, and how long.
func basis(lang string, c Clock, p ClockPolicy) string {
	switch c.Kind {
	case ClockCustomer:
		return i18n.T(lang, "%d h from awareness (the admin's target for “without undue delay”)", int(p.CustomerTarget/time.Hour))
	case ClockAuthority:
		return i18n.T(lang, "72 h from awareness (GDPR Art. 33(1))")
	case ClockEarlyWarning:
		return i18n.T(lang, "24 h from awareness (NIS2 Art. 23(4)(a))")
	case ClockNotification:
		return i18n.T(lang, "72 h from awareness (NIS2 Art. 23(4)(b))")
	}
	return i18n.T(lang, "one month from the notification (NIS2 Art. 23(4)(d))")
}

// whyLabel translates the reason a clock does not apply.
func whyLabel(lang, why string) string {
	switch why {
	case WhyNoBreach:
		return i18n.T(lang, "No personal-data breach was decided in triage.")
	case WhyNotController:
		return i18n.T(lang, "The vendor is not the controller of the breached data: each customer notifies its own authority.")
	case WhyNotSignificant:
		return i18n.T(lang, "The incident was not classified significant under NIS2.")
	}
	return why
}

// clockRow makes c ready to print at now for incident id.
func clockRow(lang string, id int64, c Clock, p ClockPolicy, now time.Time) ClockRow {
	s := c.State(now)
	r := ClockRow{Key: c.Key(), Label: ClockLabel(lang, c), Class: clockClass(s), State: s, StateLabel: StateLabel(lang, s),
		Basis: basis(lang, c, p), Why: whyLabel(lang, c.Why), LateReason: c.LateReason}
	if !c.Due.IsZero() {
		r.Due, r.DueISO = When(lang, c.Due), c.Due.UTC().Format(time.RFC3339)
	}
	switch s {
	case ClockRunning, ClockDueSoon:
		r.Countdown = i18n.T(lang, "%s left", Span(lang, c.Due.Sub(now)))
	case ClockOverdue:
		r.Countdown = i18n.T(lang, "overdue by %s", Span(lang, now.Sub(c.Due)))
	case ClockMet:
		r.Countdown = i18n.T(lang, "submitted %s, %s before the deadline", When(lang, c.Met), Span(lang, c.Due.Sub(c.Met)))
	case ClockMetLate:
		r.Countdown = i18n.T(lang, "submitted %s, %s after the deadline", When(lang, c.Met), Span(lang, c.Met.Sub(c.Due)))
	case ClockWaiting:
		r.Countdown = i18n.T(lang, "Starts when the NIS2 notification is submitted.")
	}
	if s.Running() {
		r.Action = NoticePath(id, c.Kind, c.OrgID)
		r.ActionLabel = i18n.T(lang, "Record the notice")
		if c.Kind == ClockCustomer {
			r.ActionLabel = i18n.T(lang, "Send the notice")
		}
	}
	return r
}

// NoticePath is where the CISO records a notice of kind (to org) on incident id.
func NoticePath(id int64, kind ClockKind, org int64) string {
	p := Path(id) + "/notices/new?kind=" + string(kind)
	if kind == ClockCustomer {
		p += "&org=" + strconv.FormatInt(org, 10)
	}
	return p
}

// CustomerCost is an affected customer's own 72 hours as a controller: when they end if
// the customer is told now, or when they ended or end since they were told.
type CustomerCost struct {
	Org     string
	Told    bool
	Text    string // "if told now: Fri 4 Dec 2026 14:00 EET"
	EndsISO string
}

// NoticeRow is a recorded notice, ready to print.
type NoticeRow struct {
	ID         int64
	Kind       string // the clock it answers, as people read it
	Submitted  string
	By         string
	Channel    string
	Reference  string
	Subject    string
	Body       string
	Due        string // the deadline it met or missed ("" for a follow-up or when none ran)
	Late       bool
	LateReason string
	// Contacts is who a customer notice went to, with their acknowledgement.
	Contacts []ContactRow
}

// ContactRow is a customer contact told by a notice.
type ContactRow struct {
	Name         string
	Email        string
	Acknowledged string // when they acknowledged, "" not yet
}

// ChannelLabel names a notice's channel.
func ChannelLabel(lang, ch string) string {
	switch ch {
	case "tugi":
		return i18n.T(lang, "Tugi (notices page and e-mail)")
	case "portal":
		return i18n.T(lang, "The authority's portal")
	case "email":
		return i18n.T(lang, "E-mail")
	case "phone":
		return i18n.T(lang, "Phone")
	case "letter":
		return i18n.T(lang, "Letter")
	}
	return i18n.T(lang, "Other")
}

// DeadlineSection is the deadlines part of an incident's page.
type DeadlineSection struct {
	IncidentID int64
	Clocks     []ClockRow
	Customers  []CustomerCost
	Notices    []NoticeRow
	Awareness  string // when awareness counts from, and why
	CanRecord  bool   // the viewer is the CISO
	// OtherNotice is where to record a notice no running clock asks for (a follow-up, a
	// voluntary notice).
	OtherNotice string
	Breach      string // the breach register account's page
}

// deadlineSection builds the section of incident in at now for a viewer in lang.
func deadlineSection(lang string, in *clockInput, recipients []Recipient, p ClockPolicy, ciso bool, now time.Time) *DeadlineSection {
	d := &DeadlineSection{IncidentID: in.ID, CanRecord: ciso, OtherNotice: Path(in.ID) + "/notices/new",
		Breach: Path(in.ID) + "/breach"}
	m := in.moments()
	if m.AwarenessRecorded() {
		d.Awareness = i18n.T(lang, "The clocks count from %s, when the vendor became aware: %s", When(lang, m.Aware), m.AwareReason)
	} else {
		d.Awareness = i18n.T(lang, "The clocks count from the report, %s, until the CISO records when the vendor became aware.", When(lang, m.Reported))
	}
	clocks := in.clocks(p)
	told := map[int64]time.Time{}
	for _, c := range clocks {
		row := clockRow(lang, in.ID, c, p, now)
		if !ciso {
			row.Action = ""
		}
		d.Clocks = append(d.Clocks, row)
		if c.Kind == ClockCustomer && !c.Met.IsZero() {
			told[c.OrgID] = c.Met
		}
	}
	if in.decisions().Breach {
		for _, o := range in.orgs {
			cc := CustomerCost{Org: o.Name}
			if at, ok := told[o.ID]; ok {
				end := CustomerOwnDeadline(at)
				cc.Told, cc.Text, cc.EndsISO = true, i18n.T(lang, "told %s: their 72 hours end %s", When(lang, at), When(lang, end)), end.Format(time.RFC3339)
			} else {
				end := CustomerOwnDeadline(now)
				cc.Text, cc.EndsISO = i18n.T(lang, "if told now, their 72 hours end %s", When(lang, end)), end.Format(time.RFC3339)
			}
			d.Customers = append(d.Customers, cc)
		}
	}
	byNotice := map[int64][]ContactRow{}
	for _, r := range recipients {
		cr := ContactRow{Name: r.Name, Email: r.Email}
		if r.AcknowledgedAt != nil {
			cr.Acknowledged = When(lang, *r.AcknowledgedAt)
		}
		byNotice[r.NoticeID] = append(byNotice[r.NoticeID], cr)
	}
	for _, n := range in.notices {
		row := NoticeRow{ID: n.ID, Kind: ClockLabel(lang, Clock{Kind: n.Kind, OrgName: n.OrgName}), Submitted: When(lang, n.SubmittedAt),
			By: n.SubmittedByName, Channel: ChannelLabel(lang, n.Channel), Reference: n.Reference, Subject: n.Subject, Body: n.Body,
			LateReason: n.LateReason, Contacts: byNotice[n.ID]}
		if n.DueAt != nil {
			row.Due, row.Late = When(lang, *n.DueAt), n.SubmittedAt.After(*n.DueAt)
		}
		d.Notices = append(d.Notices, row)
	}
	return d
}

// BoardDeadline is a running clock on the board.
type BoardDeadline struct {
	Path      string
	Reference string
	Summary   string
	ClockRow
}

// boardDeadlines makes the board's list of the next deadlines, overdue first.
func boardDeadlines(lang string, cs []OpenClock, p ClockPolicy, now time.Time, limit int) []BoardDeadline {
	out := make([]BoardDeadline, 0, min(len(cs), limit))
	for _, c := range cs {
		if len(out) == limit {
			break
		}
		row := clockRow(lang, c.IncidentID, c.Clock, p, now)
		row.Action = ""
		out = append(out, BoardDeadline{Path: Path(c.IncidentID), Reference: c.Reference, Summary: c.Summary, ClockRow: row})
	}
	return out
}
