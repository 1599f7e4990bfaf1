package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
	"tugi/app/sla"
)

// JobOptions are what the SLA job is built from.
type JobOptions struct {
	DB        *sqlx.DB
	Calendars CalendarSource // for the times written in mail
	// Now tells the time; time.Now when nil. Tests set it to control the clocks.
	Now     func() time.Time
	BaseURL string // Tugi's public address, for the link in each notice
	Log     *slog.Logger
	// Grace is how long after a save of the calendar the recomputation starts, so every
	// process's copy of the calendar (sla.Calendars, at most ten seconds old) has caught
	// up and no ticket change made with the old one lands behind the walk. 15 seconds
	// when zero; tests set it below zero for none.
	Grace time.Duration
}

// SLAJob tells people when a running SLA clock passes its warning point or its due
// time, and recomputes the due times of the clocks that have not stopped when an admin
// changes the support calendar or a policy. Any number of processes may run it: they
// claim work with FOR UPDATE SKIP LOCKED (notices) and an advisory lock (the walk), so
// nothing is told twice.
type SLAJob struct {
	db        *sqlx.DB
	calendars CalendarSource
	now       func() time.Time
	baseURL   string
	log       *slog.Logger
	grace     time.Duration
}

// NewSLAJob returns the SLA job.
func NewSLAJob(o JobOptions) *SLAJob {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Grace == 0:
		o.Grace = 15 * time.Second
	case o.Grace < 0:
		o.Grace = 0
	}
	return &SLAJob{db: o.DB, calendars: o.Calendars, now: o.Now, baseURL: strings.TrimRight(o.BaseURL, "/"), log: o.Log, grace: o.Grace}
}

// SLAJobEvery is how often the job runs: a warning or a breach is told within this
// time of happening, plus the time a run takes.
const SLAJobEvery = 20 * time.Second

// The sizes of the job's transactions: clocks told, and tickets recomputed, in one.
const (
	notifyBatch    = 50
	recomputeBatch = 500
)

// Run is a pass of the job "sla.clocks", run every SLAJobEvery: RunOnce, what it did
// logged.
func (j *SLAJob) Run(ctx context.Context) error {
	r, err := j.RunOnce(ctx)
	if r != (JobResult{}) {
		j.log.Info("sla job", "warnings", r.Warnings, "breaches", r.Breaches, "recomputed_tickets", r.Recomputed)
	}
	return err
}

// JobResult counts what a run did.
type JobResult struct {
	Warnings   int // clocks whose warning was told
	Breaches   int // clocks whose breach was told
	Recomputed int // tickets whose clocks got new due times
}

// RunOnce tells the warnings and breaches due now, then does the recomputations
// requested, telling what the new due times made due, and what fell due meanwhile every
// ten seconds of a long walk.
func (j *SLAJob) RunOnce(ctx context.Context) (JobResult, error) {
	var r JobResult
	if err := j.notify(ctx, &r); err != nil {
		return r, err
	}
	told, dirty := time.Now(), false
	for more := true; more; {
		n, m, err := j.recomputeBatch(ctx)
		if err != nil {
			return r, err
		}
		more, r.Recomputed, dirty = m, r.Recomputed+n, dirty || n > 0
		if dirty && (!more || time.Since(told) >= SLAJobEvery/2) {
			if err := j.notify(ctx, &r); err != nil {
				return r, err
			}
			told, dirty = time.Now(), false
		}
	}
	return r, nil
}

func (j *SLAJob) notify(ctx context.Context, r *JobResult) error {
	now := j.now().Truncate(time.Second)
	// Breaches first: a clock past both points is told only of its breach.
	for _, breach := range []bool{true, false} {
		for {
			n, err := j.notifyBatch(ctx, now, breach)
			if err != nil {
				return err
			}
			if breach {
				r.Breaches += n
			} else {
				r.Warnings += n
			}
			if n < notifyBatch {
				break
			}
		}
	}
	return nil
}

// notice is a clock to tell about, with its ticket.
type notice struct {
	TicketID   int64        `db:"ticket_id"`
	Metric     Metric       `db:"metric"`
	DueAt      time.Time    `db:"due_at"`
	OrgID      int64        `db:"org_id"`
	OrgName    string       `db:"org_name"`
	CreatedAt  time.Time    `db:"created_at"`
	Subject    string       `db:"subject"`
	Priority   sla.Priority `db:"priority"`
	TeamID     *int64       `db:"team_id"`
	AssigneeID *int64       `db:"assignee_id"`
	Assignee   *string      `db:"assignee_name"`
}

// clockRecipient is a person told about the clock at place N of a batch.
type clockRecipient struct {
	N int `db:"n"`
	recipient
}

// notifyBatch tells up to notifyBatch clocks that breached (or warn) at now, in one
// transaction, and returns how many it told.
func (j *SLAJob) notifyBatch(ctx context.Context, now time.Time, breach bool) (int, error) {
	cal, err := j.calendars.Current(ctx)
	if err != nil {
		return 0, err
	}
	ci := &calendarInfo{cal: cal}
	var n int
	err = database.WithTx(ctx, j.db, func(tx *sqlx.Tx) error {
		claim, mark, action := claimWarnings, markWarnings, "ticket.sla_warning"
		if breach {
			claim, mark, action = claimBreaches, markBreaches, "ticket.sla_breach"
		}
		var ns []notice
		if err := tx.SelectContext(ctx, &ns, claim, now, notifyBatch); err != nil {
			return fmt.Errorf("sla job: claim: %w", err)
		}
		if len(ns) == 0 {
			return nil
		}
		ps, err := policies(ctx, tx)
		if err != nil {
			return err
		}
		var (
			tickets            []int64
			metrics            []string
			assignees, teams   []sql.NullInt64
			toAssignee, toTeam []bool
		)
		for _, x := range ns {
			who := ps[x.Priority].NotifyWarning
			if breach {
				who = ps[x.Priority].NotifyBreach
			}
			tickets, metrics = append(tickets, x.TicketID), append(metrics, string(x.Metric))
			assignees, teams = append(assignees, nullID(x.AssigneeID)), append(teams, nullID(x.TeamID))
			toAssignee, toTeam = append(toAssignee, who.Has(sla.Assignee)), append(toTeam, who.Has(sla.Team))
		}
		if _, err := tx.ExecContext(ctx, mark, pq.Array(tickets), pq.Array(metrics), now); err != nil {
			return fmt.Errorf("sla job: mark: %w", err)
		}
		var rs []clockRecipient
		if err := tx.SelectContext(ctx, &rs, listRecipients, pq.Array(assignees), pq.Array(toAssignee), pq.Array(toTeam), pq.Array(teams)); err != nil {
			return fmt.Errorf("sla job: recipients: %w", err)
		}
		kind := "sla.warning"
		if breach {
			kind = "sla.breach"
		}
		for _, r := range rs {
			x := ns[r.N-1]
			id := strconv.FormatInt(x.TicketID, 10)
			subject, text := j.message(r.Lang, x, breach, ci, now)
			if _, err := mail.Enqueue(ctx, tx, mail.Message{To: mail.Address{Name: r.Name, Email: r.Email},
				Subject: subject, Text: text, Thread: mail.ThreadOf("ticket", id), Kind: kind,
				ObjectType: "ticket", ObjectID: id, OrgID: x.OrgID, UserID: r.ID}); err != nil {
				return err
			}
		}
		events := make([]audit.Event, len(ns))
		for i, x := range ns {
			events[i] = audit.Event{Action: action, ObjectType: "ticket", ObjectID: strconv.FormatInt(x.TicketID, 10), OrgID: x.OrgID,
				Changes: map[string]audit.Change{"metric": {New: x.Metric}, "due_at": {New: x.DueAt.UTC()}}}
		}
		for _, ev := range events {
			if err := audit.Record(ctx, tx, audit.Job("sla"), ev); err != nil {
				return err
			}
		}
		n = len(ns)
		return nil
	})
	return n, err
}

// message writes the notice about x in lang.
func (j *SLAJob) message(lang string, x notice, breach bool, ci *calendarInfo, now time.Time) (subject, text string) {
	ref := Reference(x.TicketID, x.CreatedAt)
	metric, due := i18n.T(lang, x.Metric.Label()), ci.when(lang, x.DueAt, now)
	var b strings.Builder
	if breach {
		subject = i18n.T(lang, "[%s] SLA breached: %s was due %s", ref, metric, due)
		b.WriteString(i18n.T(lang, "%s of ticket %s was due %s and is now late.", metric, ref, due))
	} else {
		subject = i18n.T(lang, "[%s] SLA warning: %s is due %s", ref, metric, due)
		b.WriteString(i18n.T(lang, "%s of ticket %s is due %s.", metric, ref, due))
	}
	b.WriteString("\n\n")
	b.WriteString(i18n.T(lang, "Subject: %s", x.Subject) + "\n")
	b.WriteString(i18n.T(lang, "Organisation: %s", x.OrgName) + "\n")
	b.WriteString(i18n.T(lang, "Priority: %s", i18n.T(lang, x.Priority.Label())) + "\n")
	if x.Assignee != nil {
		b.WriteString(i18n.T(lang, "Assigned to: %s", *x.Assignee) + "\n")
	} else {
		b.WriteString(i18n.T(lang, "Assigned to nobody yet.") + "\n")
	}
	b.WriteString("\n" + j.baseURL + ticketPath(x.TicketID) + "\n")
	return subject, b.String()
}

// ---- Recomputation ----

// recomputeLock is the advisory lock that lets one process at a time walk the tickets.
const recomputeLock = 7306170811

// recomputeBatch does one batch of the oldest recomputation under way, or starts the
// newest one requested (which makes those requested before it unnecessary). It reports
// whether there is more to do.
func (j *SLAJob) recomputeBatch(ctx context.Context) (changed int, more bool, err error) {
	err = database.WithTx(ctx, j.db, func(tx *sqlx.Tx) error {
		var mine bool
		if err := tx.GetContext(ctx, &mine, tryRecomputeLock, recomputeLock); err != nil {
			return fmt.Errorf("sla job: recompute lock: %w", err)
		}
		if !mine {
			return nil // another process walks
		}
		runs, err := sla.PendingRecomputations(ctx, tx, j.grace)
		if err != nil {
			return err
		}
		var run *sla.Recomputation
		for i := range runs { // one under way
			if runs[i].StartedAt.Valid {
				run = &runs[i]
				break
			}
		}
		for i := len(runs) - 1; run == nil && i >= 0; i-- { // or the newest due to start
			if runs[i].Ripe {
				run = &runs[i]
			}
		}
		if run == nil {
			return nil
		}
		if !run.StartedAt.Valid {
			// Every batch reads the settings as they are then, so this walk also does
			// what the requests before it asked for.
			if err := sla.StartRecomputation(ctx, tx, run.ID); err != nil {
				return err
			}
		}
		ids, lastID, err := j.retime(ctx, tx, run.AfterID)
		if err != nil {
			return err
		}
		done := lastID == 0
		if done {
			lastID = run.AfterID
		}
		if err := sla.AdvanceRecomputation(ctx, tx, run.ID, lastID, len(ids), done); err != nil {
			return err
		}
		changed, more = len(ids), true
		if len(ids) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Job("sla"), audit.Event{Action: "sla.recompute", ObjectType: "settings",
			ObjectID: "sla_recompute/" + strconv.FormatInt(run.ID, 10),
			Changes:  map[string]audit.Change{"reason": {New: run.Reason}, "ticket_ids": {New: ids}}})
	})
	return changed, more, err
}

// retime gives the clocks that have not stopped of the next batch of unresolved tickets
// after afterID the targets and times of the settings stored now. It returns the ids of
// the tickets it changed, and the last id it looked at (0 when there was none).
func (j *SLAJob) retime(ctx context.Context, tx *sqlx.Tx, afterID int64) ([]int64, int64, error) {
	var ts []struct {
		ID         int64        `db:"id"`
		Priority   sla.Priority `db:"priority"`
		NextDueAt  sql.NullTime `db:"next_due_at"`
		ReplyDueAt sql.NullTime `db:"reply_due_at"`
	}
	if err := tx.SelectContext(ctx, &ts, walkTickets, afterID, recomputeBatch); err != nil {
		return nil, 0, fmt.Errorf("sla job: walk: %w", err)
	}
	if len(ts) == 0 {
		return nil, 0, nil
	}
	cal, err := sla.LoadCalendar(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	ps, err := policies(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	var rows []struct {
		TicketID int64 `db:"ticket_id"`
		clockRow
		DueAt  sql.NullTime `db:"due_at"`
		WarnAt sql.NullTime `db:"warn_at"`
	}
	if err := tx.SelectContext(ctx, &rows, walkClocks, pq.Array(ids)); err != nil {
		return nil, 0, fmt.Errorf("sla job: clocks: %w", err)
	}
	type stored struct{ due, warn sql.NullTime }
	clocks, times := map[int64]Clocks{}, map[int64]map[Metric]stored{}
	for _, r := range rows {
		if clocks[r.TicketID] == nil {
			clocks[r.TicketID], times[r.TicketID] = Clocks{}, map[Metric]stored{}
		}
		clocks[r.TicketID][r.Metric] = r.clockRow.clock()
		times[r.TicketID][r.Metric] = stored{r.DueAt, r.WarnAt}
	}
	var changed []int64
	var k struct {
		ids       []int64
		metrics   []string
		targets   []int64
		due, warn []sql.NullString
	}
	var tk struct {
		ids        []int64
		due, reply []sql.NullString
	}
	for _, t := range ts {
		p, ok := ps[t.Priority]
		if !ok {
			return nil, 0, fmt.Errorf("sla job: no SLA policy for priority %q", t.Priority)
		}
		old := clocks[t.ID]
		cs := SLA{Cal: cal, Policy: p}.PriorityChanged(old)
		moved := false
		for m, c := range cs {
			due, warn := c.Due(cal), c.WarnAt(cal, p.WarnPercent)
			was := times[t.ID][m]
			if c.Target == old[m].Target && sameTime(was.due, due) && sameTime(was.warn, warn) {
				continue
			}
			k.ids, k.metrics, k.targets = append(k.ids, t.ID), append(k.metrics, string(m)), append(k.targets, int64(c.Target/time.Second))
			k.due, k.warn = append(k.due, timeText(due)), append(k.warn, timeText(warn))
			moved = true
		}
		if next, reply := cs.NextDue(cal), cs.ReplyDue(cal); !sameTime(t.NextDueAt, next) || !sameTime(t.ReplyDueAt, reply) {
			tk.ids, tk.due, tk.reply = append(tk.ids, t.ID), append(tk.due, timeText(next)), append(tk.reply, timeText(reply))
			moved = true
		}
		if moved {
			changed = append(changed, t.ID)
		}
	}
	if len(k.ids) > 0 {
		if _, err := tx.ExecContext(ctx, retimeClocks, pq.Array(k.ids), pq.Array(k.metrics), pq.Array(k.targets),
			pq.Array(k.due), pq.Array(k.warn)); err != nil {
			return nil, 0, fmt.Errorf("sla job: retime clocks: %w", err)
		}
	}
	if len(tk.ids) > 0 {
		if _, err := tx.ExecContext(ctx, retimeTickets, pq.Array(tk.ids), pq.Array(tk.due), pq.Array(tk.reply)); err != nil {
			return nil, 0, fmt.Errorf("sla job: retime tickets: %w", err)
		}
	}
	return changed, ts[len(ts)-1].ID, nil
}

// nullID is an optional id for an array parameter.
func nullID(id *int64) sql.NullInt64 {
	if id == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *id, Valid: true}
}

// timeText writes t for a timestamptz array: NULL for the zero time.
func timeText(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: t.UTC().Format(time.RFC3339Nano), Valid: true}
}

// sameTime reports whether a stored time is t (NULL being the zero time).
func sameTime(stored sql.NullTime, t time.Time) bool {
	if !stored.Valid {
		return t.IsZero()
	}
	return stored.Time.Equal(t)
}
