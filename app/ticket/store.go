package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tugi/app/database"
	"tugi/app/sla"
	"tugi/app/ticket/unresolved"
)

// Store reads and writes tickets, their messages and their clocks. Every read of a
// ticket or a message takes the Scope of the person it is for (see scope.go). Make one
// per transaction.
type Store struct{ q database.Queryer }

// NewStore returns a store that runs its SQL through q.
func NewStore(q database.Queryer) *Store { return &Store{q: q} }

// ticketColumns and ticketJoins read a ticket aliased t with the names it shows. The names
// of its organisation, requester, team and assignee are scalar subqueries, not joins:
// each is one primary-key probe either way, but with five joins PostgreSQL spent about
// 5 ms choosing a join order for every queue page (planning took five times as long as
// running the query); with one join it takes under 2.
const ticketColumns = `t.id, t.org_id, (SELECT o.name FROM organisations o WHERE o.id = t.org_id) AS org_name,
       t.requester_id, (SELECT r.name FROM users r WHERE r.id = t.requester_id) AS requester_name, t.subject,
       t.category_id, c.id AS "category.id", c.name AS "category.name", c.translations AS "category.translations",
       c.security AS "category.security", t.impact, t.priority, t.status, t.channel, t.team_id,
       (SELECT tm.name FROM teams tm WHERE tm.id = t.team_id) AS team_name,
       t.assignee_id, (SELECT a.name FROM users a WHERE a.id = t.assignee_id) AS assignee_name,
       t.created_at, t.updated_at, t.solved_at, t.closed_at, t.next_due_at, t.reply_due_at`

// dest is where a row of ticketColumns scans into, column by column.
func (t *Ticket) dest() []any {
	return []any{&t.ID, &t.OrgID, &t.OrgName, &t.RequesterID, &t.Requester, &t.Subject, &t.CategoryID,
		&t.Category.ID, &t.Category.Name, &t.Category.Translations, &t.Category.Security, &t.Impact, &t.Priority,
		&t.Status, &t.Channel, &t.TeamID, &t.TeamName, &t.AssigneeID, &t.Assignee,
		&t.CreatedAt, &t.UpdatedAt, &t.SolvedAt, &t.ClosedAt, &t.NextDueAt, &t.ReplyDueAt}
}

const ticketJoins = `
JOIN categories c ON c.id = t.category_id`

const getTicket = `SELECT ` + ticketColumns + `
FROM tickets t` + ticketJoins + `
WHERE ` + visible + ` AND t.id = $5`

// Get returns ticket id if scope may see it, and ErrNotFound otherwise.
func (s *Store) Get(ctx context.Context, scope Scope, id int64) (*Ticket, error) {
	var t Ticket
	err := s.q.GetContext(ctx, &t, getTicket, scope.args(id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ticket store: get %d: %w", id, err)
	}
	return &t, nil
}

const lockTicket = getTicket + `
FOR UPDATE OF t`

// Lock locks ticket id until the transaction ends and returns it, if scope may see it;
// ErrNotFound otherwise. Every change of a ticket starts here, so two changes of one
// ticket (and of its clocks) happen one after the other.
func (s *Store) Lock(ctx context.Context, scope Scope, id int64) (*Ticket, error) {
	var t Ticket
	err := s.q.GetContext(ctx, &t, lockTicket, scope.args(id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ticket store: lock %d: %w", id, err)
	}
	return &t, nil
}

// ListPage selects a page of a customer's tickets, latest activity first.
type ListPage struct {
	After   time.Time // keyset: the updated_at and id of the last ticket of the previous page
	AfterID int64
	Limit   int
}

// listTickets reads what the customer's list shows and nothing more: no names (looking
// up the organisation, requester, team and assignee of every row was half the query's
// work), and six columns rather than seventeen (reading a row's columns, times above
// all, was the larger part of the page's own work after its template).
const listTickets = `SELECT t.id, t.created_at, t.subject, t.status, t.updated_at, t.reply_due_at
FROM tickets t
WHERE ` + visible + `
  AND ($5::timestamptz IS NULL OR (t.updated_at, t.id) < ($5::timestamptz, $6::bigint))
ORDER BY t.updated_at DESC, t.id DESC
LIMIT $7`

// List returns up to p.Limit tickets scope may see, latest activity first, and whether
// more follow. The tickets carry what the list shows alone: their id, subject, status,
// creation and last activity, and when the next reply is due (ReplyDueAt).
func (s *Store) List(ctx context.Context, scope Scope, p ListPage) ([]Ticket, bool, error) {
	var after any
	if !p.After.IsZero() {
		after = p.After
	}
	rows, err := s.q.QueryContext(ctx, listTickets, scope.args(after, p.AfterID, p.Limit+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("ticket store: list: %w", err)
	}
	defer rows.Close()
	ts := make([]Ticket, 0, p.Limit+1)
	for rows.Next() {
		var t Ticket
		var status string
		if err := rows.Scan(&t.ID, &t.CreatedAt, &t.Subject, &status, &t.UpdatedAt, &t.ReplyDueAt); err != nil {
			return nil, false, fmt.Errorf("ticket store: list: %w", err)
		}
		t.Status = Status(status)
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("ticket store: list: %w", err)
	}
	if len(ts) > p.Limit {
		return ts[:p.Limit], true, nil
	}
	return ts, false, nil
}

// QueueRow is a ticket as the agent queue shows it: its id, subject, organisation's
// name, priority, status, assignee (id and name), creation, last activity and next due
// time, and its clocks' figures; nothing else of the ticket is read.
type QueueRow struct {
	Ticket
	NextWarnAt *time.Time `db:"next_warn_at"`
	Breached   bool       `db:"running_breached"`
}

// QueueQuery selects a page of an agent queue. Zero values select everything.
type QueueQuery struct {
	Status     Status // one status; "" for every unresolved one
	OrgID      int64
	CategoryID int64
	Priority   sla.Priority
	AssigneeID int64     // assigned to this agent
	Unassigned bool      // assigned to nobody
	TeamsOf    int64     // in a team of this agent
	DueBefore  time.Time // a running clock due before this (breaching soon, or breached)
	ByUpdated  bool      // latest activity first, instead of SLA due time
	After      Cursor
	Limit      int
}

// Cursor is where a queue page starts: after the row with this sort key and id.
type Cursor struct {
	Key string // the sort key: an RFC 3339 time, or "infinity" for no due time
	ID  int64
}

// queueClocks are the queue's figures from a ticket's clocks, read by one lookup of the
// ticket's clocks instead of one for each: the earliest warning time of the running
// clocks (for the queue's colours), and whether a running clock has been marked breached
// (by the SLA job, or before a pause), which the queue shows red even when a new calendar
// moved its due time later.
const queueClocks = `
CROSS JOIN LATERAL (
    SELECT min(k.warn_at) AS next_warn_at,
           coalesce(bool_or(k.breached) FILTER (WHERE k.due_at IS NOT NULL), false) AS running_breached
    FROM ticket_clocks k WHERE k.ticket_id = t.id) k`

// The queue's SQL: an inner query picks the page's tickets (queueInner, then the
// filters, the order and the limit queueSQL writes), and only then are the names the
// queue shows and the clocks looked up (queueOuter), for the page's rows alone. In one
// query PostgreSQL may join first and sort after: on a small table it did, and looked
// up the clocks of all 208 unassigned tickets to show 25.
//
// The inner query has no visible condition: queues are for staff only, who see every
// ticket (Queue returns nothing for any other scope), and "$1 OR ..." would keep
// PostgreSQL from trusting one plan for every run.
//
// It reads the columns the queue shows and no others, scanned by hand (scanQueueRow):
// reading seventeen through sqlx's reflection was a tenth of the page's cost.
const (
	queueInner = `SELECT t.id, t.org_id, t.subject, t.priority, t.status, t.assignee_id, t.created_at, t.updated_at, t.next_due_at
FROM tickets t
WHERE true`
	queueOuter = `SELECT t.id, t.created_at, t.subject, (SELECT o.name FROM organisations o WHERE o.id = t.org_id) AS org_name,
       t.priority, t.status, t.assignee_id, (SELECT a.name FROM users a WHERE a.id = t.assignee_id) AS assignee_name,
       t.updated_at, t.next_due_at, k.next_warn_at, k.running_breached
FROM (%s) t` + queueClocks
)

// queueSQL returns the SQL of the queue page q describes and its arguments. The text
// names only the filters q sets, each plainly (t.assignee_id IS NULL, not "$9 OR ..."),
// so that every combination is a statement of its own: its WHERE and ORDER BY match an
// index of db/migrations/0004, and PostgreSQL can keep one plan for it (it is run through
// database.Prepared) instead of planning every page, which cost as much as running it.
// There are at most a few hundred combinations; Prepared caps what it keeps.
func queueSQL(q QueueQuery) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var b strings.Builder
	b.WriteString(queueInner)
	and := func(cond string) { b.WriteString("\n  AND " + cond) }
	if q.OrgID != 0 {
		and("t.org_id = " + arg(q.OrgID))
	}
	if q.CategoryID != 0 {
		and("t.category_id = " + arg(q.CategoryID))
	}
	if q.Priority != "" {
		and("t.priority = " + arg(string(q.Priority)))
	}
	if q.AssigneeID != 0 {
		and("t.assignee_id = " + arg(q.AssigneeID))
	}
	if q.Unassigned {
		and("t.assignee_id IS NULL")
	}
	if q.TeamsOf != 0 {
		and("t.team_id IN (SELECT team_id FROM team_members WHERE user_id = " + arg(q.TeamsOf) + ")")
	}
	if !q.DueBefore.IsZero() {
		and("coalesce(t.next_due_at, 'infinity'::timestamptz) < " + arg(q.DueBefore))
	}
	if q.Status == "" {
		and(unresolved.SQL)
	} else {
		and("t.status = " + arg(string(q.Status)))
	}
	order := "coalesce(t.next_due_at, 'infinity'::timestamptz), t.id"
	switch {
	case q.ByUpdated:
		if q.After.Key != "" {
			and("(t.updated_at, t.id) < (" + arg(q.After.Key) + "::timestamptz, " + arg(q.After.ID) + "::bigint)")
		}
		order = "t.updated_at DESC, t.id DESC"
	case q.After.Key != "":
		and("(coalesce(t.next_due_at, 'infinity'::timestamptz), t.id) > (" + arg(q.After.Key) + "::timestamptz, " + arg(q.After.ID) + "::bigint)")
	}
	// The page's length is the code's, not a person's: written in, so that the plan is
	// made for it.
	b.WriteString("\nORDER BY " + order + "\nLIMIT " + strconv.Itoa(q.Limit+1))
	return fmt.Sprintf(queueOuter, b.String()) + "\nORDER BY " + order, args
}

// Queue returns a page of the queue q describes and whether more follow. Only staff see
// queues: any other scope gets nothing.
func (s *Store) Queue(ctx context.Context, scope Scope, q QueueQuery) ([]QueueRow, bool, error) {
	if !scope.Staff() {
		return nil, false, nil
	}
	query, args := queueSQL(q)
	rs, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("ticket store: queue: %w", err)
	}
	defer rs.Close()
	rows := make([]QueueRow, 0, q.Limit+1)
	for rs.Next() {
		var r QueueRow
		var priority, status string
		var org sql.NullString
		if err := rs.Scan(&r.ID, &r.CreatedAt, &r.Subject, &org, &priority, &status, &r.AssigneeID, &r.Assignee,
			&r.UpdatedAt, &r.NextDueAt, &r.NextWarnAt, &r.Breached); err != nil {
			return nil, false, fmt.Errorf("ticket store: queue: %w", err)
		}
		r.OrgName, r.Priority, r.Status = org.String, sla.Priority(priority), Status(status)
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, false, fmt.Errorf("ticket store: queue: %w", err)
	}
	if len(rows) > q.Limit {
		return rows[:q.Limit], true, nil
	}
	return rows, false, nil
}

// CursorAfter returns the cursor of the page after row, for the queue's sort order.
func CursorAfter(row QueueRow, byUpdated bool) Cursor {
	switch {
	case byUpdated:
		return Cursor{Key: row.UpdatedAt.UTC().Format(time.RFC3339Nano), ID: row.ID}
	case row.NextDueAt == nil:
		return Cursor{Key: "infinity", ID: row.ID}
	}
	return Cursor{Key: row.NextDueAt.UTC().Format(time.RFC3339Nano), ID: row.ID}
}

// Counts are the figures of an agent's home page.
type Counts struct {
	Unassigned int `db:"unassigned"`
	Mine       int `db:"mine"`
}

// CountLimit caps the counts: past it, a page says "more than".
const CountLimit = 1000

const countTickets = `
SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets t
            WHERE ` + unresolved.SQL + ` AND t.assignee_id IS NULL LIMIT $2) s) AS unassigned,
       (SELECT count(*) FROM (SELECT 1 FROM tickets t
            WHERE ` + unresolved.SQL + ` AND t.assignee_id IS NOT NULL AND t.assignee_id = $1
            LIMIT $2) s) AS mine`

// Counts returns how many unresolved tickets nobody has, and how many the scope's person
// has, each up to CountLimit+1. Only staff see them: any other scope gets zeros.
func (s *Store) Counts(ctx context.Context, scope Scope) (Counts, error) {
	var n Counts
	if !scope.Staff() {
		return n, nil
	}
	if err := s.q.GetContext(ctx, &n, countTickets, scope.UserID, CountLimit+1); err != nil {
		return n, fmt.Errorf("ticket store: counts: %w", err)
	}
	return n, nil
}

// clockRow is a row of ticket_clocks.
type clockRow struct {
	Metric            Metric     `db:"metric" json:"metric"`
	TargetSeconds     int64      `db:"target_seconds" json:"target_seconds"`
	UsedSeconds       int64      `db:"used_seconds" json:"used_seconds"`
	StartedAt         time.Time  `db:"started_at" json:"started_at"`
	RunningSince      *time.Time `db:"running_since" json:"running_since"`
	StoppedAt         *time.Time `db:"stopped_at" json:"stopped_at"`
	Breached          bool       `db:"breached" json:"breached"`
	WarningNotifiedAt *time.Time `db:"warning_notified_at" json:"warning_notified_at"`
	BreachNotifiedAt  *time.Time `db:"breach_notified_at" json:"breach_notified_at"`
}

// clock returns the clock r stores.
func (r clockRow) clock() Clock {
	return Clock{
		Timer: sla.Timer{
			Target:       time.Duration(r.TargetSeconds) * time.Second,
			Used:         time.Duration(r.UsedSeconds) * time.Second,
			RunningSince: deref(r.RunningSince),
			StoppedAt:    deref(r.StoppedAt),
			Breached:     r.Breached,
		},
		StartedAt:         r.StartedAt,
		WarningNotifiedAt: deref(r.WarningNotifiedAt),
		BreachNotifiedAt:  deref(r.BreachNotifiedAt),
	}
}

const listClocks = `
SELECT k.metric, k.target_seconds, k.used_seconds, k.started_at, k.running_since, k.stopped_at, k.breached,
       k.warning_notified_at, k.breach_notified_at
FROM tickets t JOIN ticket_clocks k ON k.ticket_id = t.id
WHERE ` + visible + ` AND t.id = $5`

// Clocks returns the SLA clocks of ticket id, if scope may see it.
func (s *Store) Clocks(ctx context.Context, scope Scope, id int64) (Clocks, error) {
	var rows []clockRow
	if err := s.q.SelectContext(ctx, &rows, listClocks, scope.args(id)...); err != nil {
		return nil, fmt.Errorf("ticket store: clocks of %d: %w", id, err)
	}
	cs := Clocks{}
	for _, r := range rows {
		cs[r.Metric] = r.clock()
	}
	return cs, nil
}

// clockColumns are the columns of ticket_clocks a clock is stored in, after ticket_id.
const clockColumns = `metric, target_seconds, used_seconds, started_at, running_since, due_at, warn_at,
    stopped_at, breached, warning_notified_at, breach_notified_at`

// clockRowTypes are the types of clockColumns, for a VALUES list of parameters.
var clockRowTypes = []string{"text", "integer", "bigint", "timestamptz", "timestamptz", "timestamptz", "timestamptz",
	"timestamptz", "boolean", "timestamptz", "timestamptz"}

// clockValues returns a VALUES list of n clocks whose columns (clockColumns) are the
// parameters from $first on, and appends nothing: the caller passes clockArgs of each.
func clockValues(n, first int) string {
	var b strings.Builder
	b.WriteString("VALUES ")
	p := first
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j, typ := range clockRowTypes {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(p) + "::" + typ)
			p++
		}
		b.WriteString(")")
	}
	return b.String()
}

// clockArgs are the values of clockColumns for clock c of metric m, with its due and
// warning times on cal at the policy's warning percentage.
func clockArgs(m Metric, c Clock, cal sla.Calendar, warnPercent int) []any {
	return []any{m, int64(c.Target / time.Second), int64(c.Used / time.Second), c.StartedAt, nullTime(c.RunningSince),
		nullTime(c.Due(cal)), nullTime(c.WarnAt(cal, warnPercent)), nullTime(c.StoppedAt), c.Breached,
		nullTime(c.WarningNotifiedAt), nullTime(c.BreachNotifiedAt)}
}

// SaveClocks stores the clocks of ticket id that differ from old, with their due and
// warning times on cal at the policy's warning percentage, in one statement.
func (s *Store) SaveClocks(ctx context.Context, id int64, old, cs Clocks, cal sla.Calendar, warnPercent int) error {
	args := []any{id}
	n := 0
	for _, m := range Metrics {
		c, ok := cs[m]
		if !ok {
			continue
		}
		if o, had := old[m]; had && o.equal(c) {
			continue
		}
		args = append(args, clockArgs(m, c, cal, warnPercent)...)
		n++
	}
	if n == 0 {
		return nil
	}
	_, err := s.q.ExecContext(ctx, `
INSERT INTO ticket_clocks (ticket_id, `+clockColumns+`)
SELECT $1, v.* FROM (`+clockValues(n, 2)+`) v
ON CONFLICT (ticket_id, metric) DO UPDATE
SET target_seconds = EXCLUDED.target_seconds, used_seconds = EXCLUDED.used_seconds, started_at = EXCLUDED.started_at,
    running_since = EXCLUDED.running_since, due_at = EXCLUDED.due_at, warn_at = EXCLUDED.warn_at,
    stopped_at = EXCLUDED.stopped_at, breached = EXCLUDED.breached,
    warning_notified_at = EXCLUDED.warning_notified_at, breach_notified_at = EXCLUDED.breach_notified_at`, args...)
	if err != nil {
		return fmt.Errorf("ticket store: save clocks of %d: %w", id, err)
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// NewTicket is what it takes to store a new ticket.
type NewTicket struct {
	OrgID       int64
	RequesterID int64
	CreatedBy   int64
	Subject     string
	CategoryID  int64
	Impact      Impact
	Priority    sla.Priority
	Channel     Channel
	TeamID      *int64
	AssigneeID  *int64
	At          time.Time
	NextDueAt   time.Time // the nearest due time of its clocks
	ReplyDueAt  time.Time // the due time of its response clock (Clocks.ReplyDue)
}

// ticket is the ticket nt became, as it was stored with id and status, named from ch.
func (nt NewTicket) ticket(id int64, status Status, ch Choices) *Ticket {
	t := &Ticket{ID: id, OrgID: nt.OrgID, RequesterID: nt.RequesterID, Subject: nt.Subject, CategoryID: nt.CategoryID,
		Impact: nt.Impact, Priority: nt.Priority, Status: status, Channel: nt.Channel, TeamID: nt.TeamID, AssigneeID: nt.AssigneeID,
		CreatedAt: nt.At, UpdatedAt: nt.At}
	if !nt.NextDueAt.IsZero() {
		next := nt.NextDueAt
		t.NextDueAt = &next
	}
	if !nt.ReplyDueAt.IsZero() {
		reply := nt.ReplyDueAt
		t.ReplyDueAt = &reply
	}
	if c, err := ch.Category(nt.CategoryID); err == nil {
		t.Category = *c
	}
	for _, tm := range ch.Teams {
		if nt.TeamID != nil && tm.ID == *nt.TeamID {
			t.TeamName = &tm.Name
		}
	}
	for _, a := range ch.Agents {
		if nt.AssigneeID != nil && a.ID == *nt.AssigneeID {
			t.Assignee = &a.Name
		}
	}
	return t
}

// openTicket inserts a ticket, its first message and its clocks in one statement: three
// or four round trips to the database were a third of a new ticket's cost.
const openTicket = `
WITH t AS (
    INSERT INTO tickets (org_id, requester_id, created_by, subject, category_id, impact, priority, status, channel,
                         team_id, created_at, updated_at, next_due_at, assignee_id, reply_due_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $16)
    RETURNING id
), m AS (
    INSERT INTO ticket_messages (ticket_id, org_id, author_id, internal, channel, body, created_at)
    SELECT t.id, $1, $14, false, $9, $15, $11 FROM t
    RETURNING id
), c AS (
    INSERT INTO ticket_clocks (ticket_id, ` + clockColumns + `)
    SELECT t.id, v.* FROM t, (%s) v
)
SELECT t.id, m.id AS message_id FROM t, m`

// Open stores new ticket nt in status, with its first message (the description, public,
// by author, in the ticket's channel) and its clocks cs, and returns the ids of the
// ticket and the message.
func (s *Store) Open(ctx context.Context, nt NewTicket, status Status, author int64, body string, cs Clocks, cal sla.Calendar, warnPercent int) (int64, int64, error) {
	args := []any{nt.OrgID, nt.RequesterID, nt.CreatedBy, nt.Subject, nt.CategoryID, nt.Impact, nt.Priority, status,
		nt.Channel, nt.TeamID, nt.At, nullTime(nt.NextDueAt), nt.AssigneeID, author, body, nullTime(nt.ReplyDueAt)}
	first, n := len(args)+1, 0
	for _, m := range Metrics {
		if c, ok := cs[m]; ok {
			args = append(args, clockArgs(m, c, cal, warnPercent)...)
			n++
		}
	}
	var ids struct {
		Ticket  int64 `db:"id"`
		Message int64 `db:"message_id"`
	}
	err := s.q.GetContext(ctx, &ids, fmt.Sprintf(openTicket, clockValues(n, first)), args...)
	switch {
	case database.IsConstraint(err, "tickets_category_id_fkey"):
		return 0, 0, ErrNoSuchCategory
	case err != nil:
		return 0, 0, fmt.Errorf("ticket store: open: %w", err)
	}
	return ids.Ticket, ids.Message, nil
}

const updateTicket = `
UPDATE tickets
SET category_id = $2, priority = $3, status = $4, team_id = $5, assignee_id = $6, updated_at = $7,
    solved_at = $8, closed_at = $9, next_due_at = $10, reply_due_at = $11
WHERE id = $1`

// Save stores the changeable fields of t: category, priority, status, team, assignee,
// the times of its last activity, solution and closing, and its next due times.
func (s *Store) Save(ctx context.Context, t *Ticket) error {
	_, err := s.q.ExecContext(ctx, updateTicket, t.ID, t.CategoryID, t.Priority, t.Status, t.TeamID, t.AssigneeID,
		t.UpdatedAt, t.SolvedAt, t.ClosedAt, t.NextDueAt, t.ReplyDueAt)
	switch {
	case database.IsConstraint(err, "tickets_category_id_fkey"):
		return ErrNoSuchCategory
	case database.IsConstraint(err, "tickets_team_id_fkey"):
		return ErrNoSuchTeam
	case database.IsConstraint(err, "tickets_assignee_id_fkey"):
		return ErrNotAnAgent
	case err != nil:
		return fmt.Errorf("ticket store: save %d: %w", t.ID, err)
	}
	return nil
}

// NewMessage is what it takes to store a message.
type NewMessage struct {
	TicketID  int64
	OrgID     int64
	AuthorID  int64
	Internal  bool
	Channel   Channel
	Body      string
	MessageID string // the e-mail Message-ID; "" for none
	At        time.Time
}

const insertMessage = `
INSERT INTO ticket_messages (ticket_id, org_id, author_id, internal, channel, body, message_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, nullif($7, ''), $8)
RETURNING id`

// AddMessage inserts a message and returns its id.
func (s *Store) AddMessage(ctx context.Context, nm NewMessage) (int64, error) {
	var id int64
	err := s.q.GetContext(ctx, &id, insertMessage, nm.TicketID, nm.OrgID, nm.AuthorID, nm.Internal, nm.Channel,
		nm.Body, nm.MessageID, nm.At)
	if err != nil {
		return 0, fmt.Errorf("ticket store: add message to %d: %w", nm.TicketID, err)
	}
	return id, nil
}

const listCategories = `
SELECT id, name, translations, security FROM categories WHERE active ORDER BY position, lower(name)`

// Categories lists the categories customers may choose, in the order an admin gave them.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	var cs []Category
	if err := s.q.SelectContext(ctx, &cs, listCategories); err != nil {
		return nil, fmt.Errorf("ticket store: categories: %w", err)
	}
	return cs, nil
}

// Choices are the lists the agent's pages offer in their selects: the categories
// customers may choose (Categories), the active agents (Agents) and the teams (Teams),
// each in its own order.
type Choices struct {
	Categories []Category
	Agents     []Agent
	Teams      []Team
}

// listChoices reads the three lists of Choices in one round trip instead of three.
const listChoices = `
SELECT 'category' AS kind, n, id, name, translations, security
FROM (SELECT row_number() OVER (ORDER BY position, lower(name)) AS n, id, name, translations, security
      FROM categories WHERE active) c
UNION ALL
SELECT 'agent', n, id, name, '{}'::jsonb, false
FROM (SELECT row_number() OVER (ORDER BY lower(name), id) AS n, id, name
      FROM users WHERE active AND 'agent' = ANY (roles)) a
UNION ALL
SELECT 'team', n, id, name, '{}'::jsonb, false
FROM (SELECT row_number() OVER (ORDER BY lower(name)) AS n, id, name FROM teams) t
ORDER BY kind, n`

// Category returns the active category id, or ErrNoSuchCategory.
func (ch Choices) Category(id int64) (*Category, error) {
	for i := range ch.Categories {
		if ch.Categories[i].ID == id {
			c := ch.Categories[i]
			return &c, nil
		}
	}
	return nil, ErrNoSuchCategory
}

// Choices reads the lists of Choices.
func (s *Store) Choices(ctx context.Context) (Choices, error) {
	var rows []struct {
		Kind string `db:"kind"`
		N    int64  `db:"n"`
		Category
	}
	var ch Choices
	if err := s.q.SelectContext(ctx, &rows, listChoices); err != nil {
		return ch, fmt.Errorf("ticket store: choices: %w", err)
	}
	for _, r := range rows {
		switch r.Kind {
		case "category":
			ch.Categories = append(ch.Categories, r.Category)
		case "agent":
			ch.Agents = append(ch.Agents, Agent{ID: r.ID, Name: r.Name})
		case "team":
			ch.Teams = append(ch.Teams, Team{ID: r.ID, Name: r.Name})
		}
	}
	return ch, nil
}

// IsAgent reports whether user id is an active agent.
func (s *Store) IsAgent(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := s.q.GetContext(ctx, &ok, `SELECT EXISTS (SELECT FROM users WHERE id = $1 AND active AND 'agent' = ANY (roles))`, id)
	if err != nil {
		return false, fmt.Errorf("ticket store: is %d an agent: %w", id, err)
	}
	return ok, nil
}

// Organisation is a customer organisation, for the queue's filter.
type Organisation struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Organisation returns organisation id.
func (s *Store) Organisation(ctx context.Context, id int64) (*Organisation, error) {
	var o Organisation
	if err := s.q.GetContext(ctx, &o, `SELECT id, name FROM organisations WHERE id = $1`, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("ticket store: organisation %d: %w", id, err)
	}
	return &o, nil
}
