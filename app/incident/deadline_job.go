package incident

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
	"tugi/app/web"
)

// DeadlineJobEvery is how often the job "incident.deadlines" looks at the clocks: a
// warning leaves within a minute of its moment, at any hour.
const DeadlineJobEvery = time.Minute

// DeadlineJob warns every active CISO by e-mail, through the outbox, when a running clock
// of an open incident turns amber (SoonWindow before its deadline: 6 hours before a 24-hour
// clock, 18 before a 72-hour one, about a week before the final report) and again when it
// passes its deadline with no notice recorded. Each warning goes out once per clock and
// deadline, however many processes run the job: it claims the warning by inserting its row
// into incident_clock_warnings (ON CONFLICT DO NOTHING) in the transaction that queues the
// mail and writes the audit event, so a second process finds the row and sends nothing.
type DeadlineJob struct {
	db        *sqlx.DB
	now       func() time.Time
	publicURL string
	log       *slog.Logger
}

// DeadlineJobOptions are what the job is built from.
type DeadlineJobOptions struct {
	DB        *sqlx.DB
	PublicURL string           // for the link in each warning
	Now       func() time.Time // time.Now when nil
	Log       *slog.Logger
}

// NewDeadlineJob returns the deadline job.
func NewDeadlineJob(o DeadlineJobOptions) *DeadlineJob {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &DeadlineJob{db: o.DB, now: o.Now, publicURL: strings.TrimSuffix(o.PublicURL, "/"), log: o.Log}
}

// Warning is what a warning says of its clock.
type Warning string

// The warnings of a clock.
const (
	WarnSoon    Warning = "soon"    // it turned amber
	WarnOverdue Warning = "overdue" // it passed its deadline
)

// Run is a pass of the job: RunOnce, what it did logged.
func (j *DeadlineJob) Run(ctx context.Context) error {
	n, err := j.RunOnce(ctx)
	if n > 0 {
		j.log.Info("incident deadline warnings sent", "warnings", n)
	}
	return err
}

// RunOnce sends the warnings due now and returns how many this pass sent.
func (j *DeadlineJob) RunOnce(ctx context.Context) (int, error) {
	now := j.now()
	clocks, err := NewStore(j.db).OpenClocks(ctx, Scope{CISO: true}, now)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, c := range clocks {
		w := WarnSoon
		switch c.State(now) {
		case ClockOverdue:
			w = WarnOverdue
		case ClockDueSoon:
		default:
			continue
		}
		ok, err := j.warn(ctx, c, w, now)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// warn sends warning w of clock c, unless it was sent: one transaction claims it, queues
// the mail to each active CISO and records the audit event.
func (j *DeadlineJob) warn(ctx context.Context, c OpenClock, w Warning, now time.Time) (bool, error) {
	claimed := false
	err := database.WithTx(ctx, j.db, func(tx *sqlx.Tx) error {
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, insertWarning, c.IncidentID, c.Key(), string(w), c.Due, now); err != nil {
			return fmt.Errorf("incident deadlines: claim %s %s of %d: %w", w, c.Key(), c.IncidentID, err)
		}
		if len(ids) == 0 {
			return nil // warned already, by this process or another
		}
		claimed = true
		cisos, err := NewStore(tx).CISOs(ctx)
		if err != nil {
			return err
		}
		id := strconv.FormatInt(c.IncidentID, 10)
		for _, p := range cisos {
			subject, body := warningText(p.Language, c, w, now)
			text := i18n.T(p.Language, "Dear %s,", p.Name) + "\n\n" + body + "\n\n" +
				i18n.T(p.Language, "Open it at %s", j.publicURL+Path(c.IncidentID)) + "\n"
			if _, err := mail.Enqueue(ctx, tx, mail.Message{
				To:      mail.Address{Name: p.Name, Email: p.Email},
				Subject: "[" + c.Reference + "] " + subject, Text: text,
				Thread: mail.ThreadOf("incident", id), Kind: "incident.deadline_" + string(w),
				ObjectType: "incident", ObjectID: id, UserID: p.ID,
			}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Job("incident.deadlines"), audit.Event{Action: "incident.deadline_warning",
			ObjectType: "incident", ObjectID: id, Changes: map[string]audit.Change{
				"clock": {New: c.Key()}, "warning": {New: string(w)}, "due_at": {New: c.Due}, "cisos_told": {New: len(cisos)}}})
	})
	return claimed, err
}

// warningText is a warning's subject and sentence in lang.
func warningText(lang string, c OpenClock, w Warning, now time.Time) (string, string) {
	label, due := ClockLabel(lang, c.Clock), web.DateIn(lang, c.Due.In(deadlineZone))
	if w == WarnOverdue {
		return i18n.T(lang, "Deadline missed: %s", label),
			i18n.T(lang, "The deadline of the %s was %s, %s ago, and no notice is recorded. Record it, with the reason for the delay, as soon as it is sent.",
				label, due, Span(lang, now.Sub(c.Due)))
	}
	return i18n.T(lang, "Deadline soon: %s", label),
		i18n.T(lang, "The deadline of the %s is %s, in %s. Record the notice on the incident when it is sent.",
			label, due, Span(lang, c.Due.Sub(now)))
}

// Span writes a length of time as people read it: "3 d 4 h" from two days up, else
// "5 h 12 min" or "40 min".
func Span(lang string, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case d >= 48*time.Hour:
		return i18n.T(lang, "%d d %d h", days, h)
	case d >= time.Hour:
		return i18n.T(lang, "%d h %d min", days*24+h, m)
	}
	return i18n.T(lang, "%d min", m)
}
