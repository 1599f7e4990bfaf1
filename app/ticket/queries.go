package ticket

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tugi/app/sla"
	"tugi/app/ticket/unresolved"
)

// The SQL of package ticket, in one place: each statement named, with what it reads or
// writes, and where a query's rows are scanned by hand, where they scan into beside it
// (its dest), so that a column added to one is seen to be missing from the other.
//
// Package ticket owns the tables tickets, ticket_messages, ticket_clocks,
// ticket_attachments, ticket_links, canned_replies and categories (app/owners_test.go),
// and writes no other: the SLA job records its progress through app/sla, which owns
// sla_recomputes. It reads users, organisations and teams (routing's team_members too),
// and queues mail through app/mail.

// ---- Who sees what (Scope, scope.go) ----

// visible is the SQL condition that the scope ($1 to $4, see Scope.args) may see the
// ticket aliased t. A scope that is not staff's and names no organisation (the empty
// Scope of an employee or an admin) sees nothing: no ticket has organisation 0.
const visible = `($1::boolean OR (t.org_id = $2::bigint AND ($4::boolean OR t.requester_id = $3::bigint)))`

// visibleMessage is the SQL condition that the scope may see the message aliased m of the
// ticket aliased t: the ticket is visible, and internal notes are for staff only.
const visibleMessage = visible + ` AND m.ticket_id = t.id AND ($1::boolean OR NOT m.internal)`

// searchableMessage is the SQL condition that the scope may see the message aliased m,
// by the message's own columns (its organisation, whether it is an internal note), so
// that a search can walk the messages' indexes before it reaches their tickets. It is
// no less strict than visibleMessage for an organisation-wide scope; a search applies
// visible to each matching message's ticket as well, which adds the requester rule.
const searchableMessage = `($1::boolean OR (m.org_id = $2::bigint AND NOT m.internal))`

// ---- A ticket ----

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

// ticketJoins joins the ticket's category, which ticketColumns reads.
const ticketJoins = `
JOIN categories c ON c.id = t.category_id`

// getTicket reads ticket $5 if the scope ($1 to $4) may see it.
const getTicket = `SELECT ` + ticketColumns + `
FROM tickets t` + ticketJoins + `
WHERE ` + visible + ` AND t.id = $5`

// lockTicket reads ticket $5 as getTicket does and locks it until the transaction ends.
const lockTicket = getTicket + `
FOR UPDATE OF t`

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

// updateTicket writes the fields of ticket $1 that a change may change.
const updateTicket = `
UPDATE tickets
SET category_id = $2, priority = $3, status = $4, team_id = $5, assignee_id = $6, updated_at = $7,
    solved_at = $8, closed_at = $9, next_due_at = $10, reply_due_at = $11
WHERE id = $1`

// insertMessage adds a message to ticket $1 and returns its id; $7 is its e-mail
// Message-ID, or ” for none.
const insertMessage = `
INSERT INTO ticket_messages (ticket_id, org_id, author_id, internal, channel, body, message_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, nullif($7, ''), $8)
RETURNING id`

// ---- Clocks ----

// listClocks reads the clocks of ticket $5 if the scope may see it.
const listClocks = `
SELECT k.metric, k.target_seconds, k.used_seconds, k.started_at, k.running_since, k.stopped_at, k.breached,
       k.warning_notified_at, k.breach_notified_at
FROM tickets t JOIN ticket_clocks k ON k.ticket_id = t.id
WHERE ` + visible + ` AND t.id = $5`

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

// saveClocks writes the clocks of ticket $1 given as a VALUES list (clockValues, from
// $2), each new or in place of the one of its metric.
const saveClocks = `
INSERT INTO ticket_clocks (ticket_id, ` + clockColumns + `)
SELECT $1, v.* FROM (%s) v
ON CONFLICT (ticket_id, metric) DO UPDATE
SET target_seconds = EXCLUDED.target_seconds, used_seconds = EXCLUDED.used_seconds, started_at = EXCLUDED.started_at,
    running_since = EXCLUDED.running_since, due_at = EXCLUDED.due_at, warn_at = EXCLUDED.warn_at,
    stopped_at = EXCLUDED.stopped_at, breached = EXCLUDED.breached,
    warning_notified_at = EXCLUDED.warning_notified_at, breach_notified_at = EXCLUDED.breach_notified_at`

// ---- The customer's list ----

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

// listDest is where a row of listTickets scans into, its status as text.
func listDest(t *Ticket, status *string) []any {
	return []any{&t.ID, &t.CreatedAt, &t.Subject, status, &t.UpdatedAt, &t.ReplyDueAt}
}

// ---- The agents' queue and counts ----

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
// It reads the columns the queue shows and no others, scanned by hand (queueDest):
// reading seventeen through sqlx's reflection was a tenth of the page's cost.
const (
	queueInner = `SELECT t.id, t.org_id, t.requester_id, t.subject, t.priority, t.status, t.assignee_id, t.created_at, t.updated_at, t.next_due_at
FROM tickets t
WHERE true`
	queueOuter = `SELECT t.id, t.created_at, t.subject, (SELECT o.name FROM organisations o WHERE o.id = t.org_id) AS org_name,
       t.priority, t.status, t.assignee_id, (SELECT a.name FROM users a WHERE a.id = t.assignee_id) AS assignee_name,
       t.updated_at, t.next_due_at, k.next_warn_at, k.running_breached,
       (SELECT r.name FROM users r WHERE r.id = t.requester_id) AS requester_name
FROM (%s) t` + queueClocks
)

// queueSQL returns the SQL of the queue page q describes and its arguments. The text
// names only the filters q sets, each plainly (t.assignee_id IS NULL, not "$9 OR ..."),
// so that every combination is a statement of its own: its WHERE and ORDER BY match an
// index of db/migrations/0004, and PostgreSQL can keep one plan for it (it is run through
// database.Prepared) instead of planning every page, which cost as much as running it.
// There are at most a few hundred combinations; Prepared caps what it keeps.
// newerMessage tells whether ticket $1 has a message (a reply or a note) after id $2 by
// someone other than $3: what an agent's reply asks about before it goes.
const newerMessage = `
SELECT EXISTS (
    SELECT FROM ticket_messages
    WHERE ticket_id = $1 AND id > $2 AND author_id IS DISTINCT FROM $3
)`

func queueSQL(q QueueQuery) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var b strings.Builder
	b.WriteString(queueInner)
	and := func(cond string) { b.WriteString("\n  AND " + cond) }
	if q.TicketID != 0 {
		and("t.id = " + arg(q.TicketID))
	}
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

// queueDest is where a row of queueOuter scans into, its organisation's name, priority
// and status as text.
func (r *QueueRow) queueDest(org *sql.NullString, priority, status *string) []any {
	return []any{&r.ID, &r.CreatedAt, &r.Subject, org, priority, status, &r.AssigneeID, &r.Assignee,
		&r.UpdatedAt, &r.NextDueAt, &r.NextWarnAt, &r.Breached, &r.Requester}
}

// countTickets reads how many unresolved tickets nobody has and how many agent $1 has,
// each counted up to $2, through the partial indexes of unresolved tickets.
const countTickets = `
SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets t
            WHERE ` + unresolved.SQL + ` AND t.assignee_id IS NULL LIMIT $2) s) AS unassigned,
       (SELECT count(*) FROM (SELECT 1 FROM tickets t
            WHERE ` + unresolved.SQL + ` AND t.assignee_id IS NOT NULL AND t.assignee_id = $1
            LIMIT $2) s) AS mine`

// ---- Choices ----

// listCategories reads the categories customers may choose, in the order an admin gave
// them.
const listCategories = `
SELECT id, name, translations, security FROM categories WHERE active ORDER BY position, lower(name)`

// listChoices reads the three lists of Choices in one round trip instead of three (the
// teams in service: a retired team takes no tickets).
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
FROM (SELECT row_number() OVER (ORDER BY lower(name)) AS n, id, name FROM teams WHERE retired_at IS NULL) t
ORDER BY kind, n`

// isAgent reads whether user $1 is an active agent.
const isAgent = `SELECT EXISTS (SELECT FROM users WHERE id = $1 AND active AND 'agent' = ANY (roles))`

// getOrganisation reads organisation $1, for the queue's filter.
const getOrganisation = `SELECT id, name FROM organisations WHERE id = $1`

// ---- The ticket page ----

// The ticket page's reads. A page read the ticket, its clocks, its links, its messages
// and their attachments in five queries, beside the session's and the history's; a
// round trip costs more than the reading (about a tenth of a millisecond of the
// database's time, and as much of Tugi's, whatever the query returns). The ticket comes
// with its clocks and links as JSON, and with its messages and their attachments in the
// same round trip (pageWithConversation).

// pageTicket reads ticket $5 as getTicket does, with its clocks and, for staff ($1), its
// links both ways: two index lookups (one join on "either end is this ticket" took
// PostgreSQL up to 15 ms to plan).
const pageTicket = pageTicketColumns + pageTicketFrom

// pageTicketColumns are the columns of pageTicket: the ticket's, its clocks' and its
// links' (for staff) as JSON.
const pageTicketColumns = `SELECT ` + ticketColumns + `,
       (SELECT json_agg(json_build_object('metric', k.metric, 'target_seconds', k.target_seconds,
                'used_seconds', k.used_seconds, 'started_at', k.started_at, 'running_since', k.running_since,
                'stopped_at', k.stopped_at, 'breached', k.breached, 'warning_notified_at', k.warning_notified_at,
                'breach_notified_at', k.breach_notified_at))
        FROM ticket_clocks k WHERE k.ticket_id = t.id) AS clocks,
       CASE WHEN $1::boolean THEN (
           SELECT json_agg(json_build_object('id', l.id, 'kind', l.kind, 'outgoing', l.outgoing,
                    'other_ticket_id', l.other_ticket_id, 'other_created_at', l.other_created_at,
                    'other_subject', l.other_subject, 'other_status', l.other_status) ORDER BY l.id)
           FROM (SELECT l.id, l.kind, true AS outgoing, o.id AS other_ticket_id, o.created_at AS other_created_at,
                        o.subject AS other_subject, o.status AS other_status
                 FROM ticket_links l JOIN tickets o ON o.id = l.other_id
                 WHERE l.ticket_id = t.id
                 UNION ALL
                 SELECT l.id, l.kind, false, o.id, o.created_at, o.subject, o.status
                 FROM ticket_links l JOIN tickets o ON o.id = l.ticket_id
                 WHERE l.other_id = t.id) l)
       END AS links`

// pageTicketFrom is where pageTicket reads from: ticket $5, if the scope may see it.
const pageTicketFrom = `
FROM tickets t` + ticketJoins + `
WHERE ` + visible + ` AND t.id = $5`

// conversationColumns and conversationFrom read the messages of ticket $5, each with its
// attachments (those attachmentJoins finds). Each message's author is named by a
// subquery rather than a join, which PostgreSQL planned as a hash of every user (0.7 ms
// for 4,000 users, however short the conversation).
const conversationColumns = `m.id, m.ticket_id, m.author_id, (SELECT u.name FROM users u WHERE u.id = m.author_id) AS author_name,
       coalesce((SELECT u.org_id IS NULL FROM users u WHERE u.id = m.author_id), false) AS by_staff,
       m.internal, m.channel, m.body, m.created_at,
       (SELECT json_agg(json_build_object('id', a.id, 'ticket_id', a.ticket_id, 'org_id', a.org_id,
                'message_id', a.message_id, 'filename', a.filename, 'content_type', a.content_type, 'size', a.size,
                'sha256', a.sha256, 'internal', m.internal, 'created_at', a.created_at) ORDER BY a.id)
        FROM ticket_attachments a WHERE a.message_id = m.id AND a.ticket_id = t.id AND a.org_id = t.org_id) AS attachments`

// conversationFrom is where conversationColumns read from: the messages of ticket $5
// that the scope may see.
const conversationFrom = `
FROM tickets t
JOIN ticket_messages m ON m.ticket_id = t.id
WHERE ` + visibleMessage + ` AND t.id = $5`

// dest is where a row of conversationColumns scans into, the attachments' JSON in files.
func (m *Message) dest(files *[]byte) []any {
	return []any{&m.ID, &m.TicketID, &m.AuthorID, &m.Author, &m.ByStaff, &m.Internal, &m.Channel, &m.Body, &m.CreatedAt, files}
}

// pageTicketWidth and conversationWidth count the columns of pageTicketColumns and
// conversationColumns: those their rows scan.
var (
	pageTicketWidth   = len(new(Ticket).dest()) + 2 // clocks, links
	conversationWidth = len(new(Message).dest(nil))
)

// pageWithConversation reads ticket $5 as pageTicket does and its messages, in one
// round trip: the ticket's row first, then a row for each message, each padded with
// NULLs where the other's columns are. (A join would repeat the ticket's columns on the
// row of every message; both cost the database and Tugi less than a second round trip.)
var pageWithConversation = `(` + pageTicketColumns + `, ` + nulls(conversationWidth) + pageTicketFrom + `)
UNION ALL
(SELECT ` + nulls(pageTicketWidth) + `, ` + conversationColumns + conversationFrom + `)
ORDER BY ` + strconv.Itoa(pageTicketWidth+1) + ` NULLS FIRST`

// nulls returns n NULLs, comma-separated, to pad a row of a union.
func nulls(n int) string {
	return strings.TrimSuffix(strings.Repeat("NULL, ", n), ", ")
}

// padded returns dest with before and after places for the NULLs a row of a union is
// padded with.
func padded(dest []any, before, after int) []any {
	null := new(any)
	all := make([]any, 0, before+len(dest)+after)
	for range before {
		all = append(all, null)
	}
	all = append(all, dest...)
	for range after {
		all = append(all, null)
	}
	return all
}

// ---- Search ----

// The search is one statement. searchMatches finds up to SearchCap messages whose body
// matches and as many tickets whose subject matches, keeps each ticket's newest match,
// and returns a page of them, newest first: the ticket, the message (none for a subject)
// and when it was written, all read with the matches themselves, so no ticket is looked
// up to order them. Only then does it read the page's tickets by id, each checked with
// visible (a ticket the scope may not see comes back as its match alone, for the
// keyset), with the text that matched, its message read by its key (the match is of
// that ticket's message); the snippets are made in Go (snippet), not by
// ts_headline, which cost the database as much as the rest. (The page's rows were a
// second statement, a round trip and an executor's start more for every search.)
//
// Each of the two (bodies, subjects) is read one of two ways, as Go decides from the
// words' frequencies in the columns' statistics (searchStats, Lexemes.walks): a word in
// few rows through its GIN index, every match at once, in no order (exact while under
// SearchCap); a common word by walking the rows newest first, by id, from the page's
// keyset, and stopping once it has the page's rows: only each ticket's newest match
// counts (a message with a newer matching message of its ticket, or a subject whose
// ticket has a matching message, is passed over), so the page's tickets are certain
// after as many matches as the page has rows, and the next page goes on from its last.
// The index would return a common word's oldest matches first once SearchCap cuts them,
// and PostgreSQL, asked to order by id, misjudges a rare word as common and walks the
// whole table; the walk's subquery keeps the GIN index out of it. A walk considers the
// newest searchWalk rows; one that reaches their end short of the page's rows returns one
// row more, marked short: on the first page the word is rarer than the statistics said
// and Search reads again through the index; on a later one the search has shown what
// it considers (capped).
//
// There are eight texts: by the two ways for each, and by scope, staff's (every ticket,
// no condition) or an organisation's (searchableMessage and visible without their staff
// parameter, so that the parameters left are the organisation, the person and whether
// they see the whole organisation's tickets). Each text's plan then depends on no
// parameter's value: the words reach the query as the tsquery of a subquery, and the caps
// are written into it, so PostgreSQL, after planning the first five runs for their
// values, keeps one plan for each text on each connection, where it planned every run
// (a fifth of its time in a selective search).
//
// The parameters, after an organisation's three ($1 organisation, $2 person, $3 whole
// organisation): the text in websearch_to_tsquery's syntax, the keyset's time and ticket
// id (the time null on the first page), and how many matches to return.
func searchMatches(staff, walkBodies, walkSubjects bool) string {
	messages, tickets := "true", "true"
	param := func(n int) string { return "$" + strconv.Itoa(n) }
	first := 1
	if !staff {
		organisation := strings.NewReplacer("$1::boolean OR ", "", "$2", "$1", "$3", "$2", "$4", "$3")
		messages, tickets = organisation.Replace(searchableMessage), organisation.Replace(visible)
		first = 4
	}
	query := `(SELECT websearch_to_tsquery('simple', ` + param(first) + `::text))`
	after, afterID, limit := param(first+1), param(first+2), param(first+3)
	capped, walk, batch := strconv.Itoa(SearchCap), strconv.Itoa(searchWalk), strconv.Itoa(searchBatch)
	bodies := `
    (SELECT m.ticket_id, m.id AS message_id, m.created_at AS at, false AS short
     FROM ticket_messages m
     WHERE m.body_tsv @@ ` + query + ` AND ` + messages + `
     LIMIT ` + capped + `)`
	// A walk reads the page's matches only: from the keyset on, each ticket's newest
	// matching message (none newer matches: the same ticket's newer messages, read by
	// ticket_messages_ticket), up to searchBatch. OFFSET 0 keeps newer a subquery run
	// for each match: as a hash of every matching message, which PostgreSQL would choose
	// for a common word, it read all 452,780 of "shows" (3.5 s).
	keyset := func(at, ticket string) string {
		return `(` + after + `::timestamptz IS NULL OR (` + at + `, ` + ticket + `) < (` + after + `::timestamptz, ` + afterID + `::bigint))`
	}
	// The word is matched by @@'s function, which no index serves: PostgreSQL otherwise
	// ANDs the word's whole GIN list into each probe (50,000 entries for a ticket that holds
	// as many of its messages), where the ticket's own newer messages are a few.
	newer := `
           SELECT 1 FROM ticket_messages m2
           WHERE m2.ticket_id = %s AND ts_match_vq(m2.body_tsv, ` + query + `) AND ` + strings.ReplaceAll(messages, "m.", "m2.")
	if walkBodies {
		bodies = `
    (SELECT m.ticket_id, m.id AS message_id, m.created_at AS at, m.n > ` + walk + ` AS short
     FROM (SELECT m.ticket_id, m.id, m.created_at, m.body_tsv, row_number() OVER (ORDER BY m.id DESC) AS n
           FROM ticket_messages m
           WHERE ` + messages + `
           ORDER BY m.id DESC
           LIMIT ` + walk + ` + 1) m
     WHERE m.n > ` + walk + ` OR (m.body_tsv @@ ` + query + ` AND ` + keyset("m.created_at", "m.ticket_id") + `
           AND NOT EXISTS (` + fmt.Sprintf(newer, "m.ticket_id") + ` AND m2.id > m.id OFFSET 0))
     LIMIT ` + batch + `)`
	}
	subjects := `
    (SELECT t.id, NULL::bigint, t.created_at, false
     FROM tickets t
     WHERE t.subject_tsv @@ ` + query + ` AND ` + tickets + `
     LIMIT ` + capped + `)`
	if walkSubjects {
		// When the walked bodies fill the page, a subject older than their oldest match
		// would not be on it: the walk of the tickets stops at that match's ticket, which
		// was opened before it was written (ids in the order of time, as the walks take
		// them), where it would read a ticket for each 26 (3.9 %) further back.
		since := ""
		if walkBodies {
			since = ` AND t.id >= coalesce((SELECT b.ticket_id FROM bodies b
                                     WHERE NOT b.short AND (SELECT count(*) FROM bodies WHERE NOT short) >= ` + batch + `
                                     ORDER BY b.at, b.message_id LIMIT 1), 0)`
		}
		subjects = `
    (SELECT t.id, NULL::bigint, t.created_at, t.n > ` + walk + `
     FROM (SELECT t.id, t.created_at, t.subject_tsv, row_number() OVER (ORDER BY t.id DESC) AS n
           FROM tickets t
           WHERE ` + tickets + since + `
           ORDER BY t.id DESC
           LIMIT ` + walk + ` + 1) t
     WHERE t.n > ` + walk + ` OR (t.subject_tsv @@ ` + query + ` AND ` + keyset("t.created_at", "t.id") + `
           AND NOT EXISTS (` + fmt.Sprintf(newer, "t.id") + ` OFFSET 0))
     LIMIT ` + batch + `)`
	}
	return `
WITH bodies AS MATERIALIZED (` + bodies + `
), matches AS MATERIALIZED (
    SELECT * FROM bodies
    UNION ALL` + subjects + `
), newest AS (
    SELECT DISTINCT ON (ticket_id) ticket_id, message_id, at
    FROM matches
    WHERE NOT short
    ORDER BY ticket_id, at DESC, message_id DESC NULLS LAST
), counted AS (
    SELECT count(*) FILTER (WHERE message_id IS NOT NULL AND NOT short) AS bodies,
           count(*) FILTER (WHERE message_id IS NULL AND NOT short) AS subjects,
           coalesce(bool_or(short) FILTER (WHERE message_id IS NOT NULL), false) AS bodies_short,
           coalesce(bool_or(short) FILTER (WHERE message_id IS NULL), false) AS subjects_short
    FROM matches
)
SELECT n.ticket_id, n.at, c.bodies >= ` + capped + ` OR c.subjects >= ` + capped + ` AS capped,
       c.bodies_short, c.subjects_short,
       t.id, t.created_at, t.subject, (SELECT o.name FROM organisations o WHERE o.id = t.org_id) AS org_name, t.status,
       coalesce(m.internal, false) AS internal, coalesce(m.body, t.subject) AS text
FROM counted c
LEFT JOIN LATERAL (
    SELECT ticket_id, message_id, at
    FROM newest
    WHERE ` + after + `::timestamptz IS NULL OR (at, ticket_id) < (` + after + `::timestamptz, ` + afterID + `::bigint)
    ORDER BY at DESC, ticket_id DESC
    LIMIT ` + limit + `) n ON true
LEFT JOIN tickets t ON t.id = n.ticket_id AND ` + tickets + `
LEFT JOIN ticket_messages m ON m.id = n.message_id AND t.id IS NOT NULL
ORDER BY n.at DESC, n.ticket_id DESC`
}

// The eight texts of searchMatches: by staff's scope or an organisation's, and by whether
// the bodies and the subjects are walked.
var searchMatchesSQL = func() (texts [2][2][2]string) {
	for i, staff := range []bool{false, true} {
		for j, bodies := range []bool{false, true} {
			for k, subjects := range []bool{false, true} {
				texts[i][j][k] = searchMatches(staff, bodies, subjects)
			}
		}
	}
	return texts
}()

// searchStats reads the statistics of the searched columns: each of the lexemes most
// common in the messages' bodies and the tickets' subjects, with the share of rows it is
// in (PostgreSQL's most_common_elems, kept by ANALYZE), and in a row without a lexeme
// how many messages there are (pg_class.reltuples, kept by ANALYZE and VACUUM).
const searchStats = `
SELECT s.tablename, e.lexeme, e.freq
FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e (lexeme, freq)
WHERE s.schemaname = current_schema() AND e.lexeme IS NOT NULL
  AND ((s.tablename = 'ticket_messages' AND s.attname = 'body_tsv') OR (s.tablename = 'tickets' AND s.attname = 'subject_tsv'))
UNION ALL
SELECT 'ticket_messages', NULL, greatest(c.reltuples, 0)::float8 FROM pg_class c WHERE c.oid = 'ticket_messages'::regclass`

// dest is where a row of searchMatches scans into: the match (ticket: none in the one
// row of a search without matches), whether the search reached SearchCap and whether a
// walk stopped short of it, and the row the page shows (shown: none when the scope may
// not see the match's ticket), with its organisation's name, its status and the text
// that matched.
func (m *match) dest(ticket *sql.NullInt64, at *sql.NullTime, capped, bodiesShort, subjectsShort *bool,
	r *SearchRow, shown *sql.NullInt64, created *sql.NullTime, subject, org, status, text *sql.NullString) []any {
	return []any{ticket, at, capped, bodiesShort, subjectsShort,
		shown, created, subject, org, status, &r.Internal, text}
}

// ---- Attachments ----

// insertAttachment adds the attachment of a file (its content stored in blobs) to
// message $3 of ticket $1 and returns its id.
const insertAttachment = `
INSERT INTO ticket_attachments (ticket_id, org_id, message_id, filename, content_type, size, sha256, uploaded_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id`

// lockOrgStorage takes the transaction-scoped advisory lock ($1, orgStorageLock; the
// organisation's id $2) under which an upload counts and adds to the organisation's bytes.
const lockOrgStorage = `SELECT pg_advisory_xact_lock($1, $2::integer)`

// orgStorageLock is the first key of lockOrgStorage's lock ("QUOT"), apart from other
// features' advisory locks.
const orgStorageLock int32 = 0x51554f54

// orgAttachmentBytes reads the bytes of all attachments of organisation $1 (each as
// attached: the same content attached twice counts twice).
const orgAttachmentBytes = `SELECT coalesce(sum(size), 0) FROM ticket_attachments WHERE org_id = $1`

// attachmentColumns and attachmentJoins read the attachments aliased a of ticket $5
// whose messages the scope may see.
const attachmentColumns = `a.id, a.ticket_id, a.org_id, a.message_id, a.filename, a.content_type, a.size, a.sha256, m.internal, a.created_at`

const attachmentJoins = `
FROM tickets t
JOIN ticket_messages m ON m.ticket_id = t.id
JOIN ticket_attachments a ON a.message_id = m.id AND a.ticket_id = t.id AND a.org_id = t.org_id
WHERE ` + visibleMessage + ` AND t.id = $5`

// getAttachment reads attachment $6 of ticket $5, if the scope may see it.
const getAttachment = `SELECT ` + attachmentColumns + attachmentJoins + ` AND a.id = $6`

// ---- Links ----

// insertLink links ticket $1 to ticket $2 ($3: how) and returns the link's id; no row
// when the two are linked already.
const insertLink = `
INSERT INTO ticket_links (ticket_id, other_id, kind, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
RETURNING id`

// getLink reads link $1 when ticket $2 is either end of it.
const getLink = `SELECT id, ticket_id, other_id, kind FROM ticket_links WHERE id = $1 AND (ticket_id = $2 OR other_id = $2)`

// deleteLink removes link $1.
const deleteLink = `DELETE FROM ticket_links WHERE id = $1`

// ---- Canned replies ----

// listCanned reads the first $1 canned replies by title, with who changed each last.
const listCanned = `
SELECT c.id, c.title, c.body, c.updated_at, u.name AS updated_by_name
FROM canned_replies c LEFT JOIN users u ON u.id = c.updated_by
ORDER BY lower(c.title), c.id
LIMIT $1`

// getCanned reads canned reply $1 with the name of who changed it last.
const getCanned = `
SELECT c.id, c.title, c.body, c.updated_at, u.name AS updated_by_name
FROM canned_replies c LEFT JOIN users u ON u.id = c.updated_by WHERE c.id = $1`

// insertCanned adds a canned reply by $3 at $4 and returns its id.
const insertCanned = `
INSERT INTO canned_replies (title, body, created_by, updated_by, created_at, updated_at)
VALUES ($1, $2, $3, $3, $4, $4) RETURNING id`

// lockCanned reads the title of canned reply $1 and locks it until the transaction ends.
const lockCanned = `SELECT title FROM canned_replies WHERE id = $1 FOR UPDATE`

// updateCanned writes the title and body of canned reply $1, changed by $4 at $5.
const updateCanned = `UPDATE canned_replies SET title = $2, body = $3, updated_by = $4, updated_at = $5 WHERE id = $1`

// deleteCanned removes canned reply $1 and returns its title.
const deleteCanned = `DELETE FROM canned_replies WHERE id = $1 RETURNING title`

// ---- Phone calls ----

// searchContacts finds active customers whose name or e-mail address starts with $1: the
// first $2 of each in the prefix indexes of db/migrations/0009, read in index order (the
// ~<~ ordering of text_pattern_ops) so that a short prefix matching thousands of people
// still reads only $2 entries of each. The predicates are the indexes', word for word.
const searchContacts = `
SELECT u.id, u.name, u.email, u.org_id, o.name AS org_name, u.active
FROM ((SELECT id FROM users WHERE org_id IS NOT NULL AND active AND lower(name) LIKE $1 || '%' ORDER BY lower(name) USING ~<~ LIMIT $2)
      UNION
      (SELECT id FROM users WHERE org_id IS NOT NULL AND active AND email LIKE $1 || '%' ORDER BY email USING ~<~ LIMIT $2)) m
JOIN users u ON u.id = m.id
JOIN organisations o ON o.id = u.org_id
ORDER BY lower(u.name), u.id
LIMIT $2`

// getContact reads the customer $1 (active or not) with their organisation's name.
const getContact = `
SELECT u.id, u.name, u.email, u.org_id, o.name AS org_name, u.active
FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1 AND u.org_id IS NOT NULL`

// ---- Notices ----

// selectRequester returns the requester $1 while they are active and still in the
// ticket's organisation $2: someone moved to another organisation hears no more of it.
const selectRequester = `SELECT id, email, name, language FROM users WHERE id = $1 AND org_id = $2 AND active`

// selectAgentsToTell returns the assignee $1 when there is one, and otherwise the members
// of team $2; active agents only, and never $3, who made the change.
const selectAgentsToTell = `
SELECT u.id, u.email, u.name, u.language FROM users u
WHERE u.active AND 'agent' = ANY (u.roles) AND u.id <> $3
  AND CASE WHEN $1::bigint IS NOT NULL THEN u.id = $1
           ELSE u.id IN (SELECT user_id FROM team_members WHERE team_id = $2) END
ORDER BY u.id`

// setMessageMailID records the Message-ID $2 of the e-mail that sent message $1, unless
// it has one.
const setMessageMailID = `UPDATE ticket_messages SET message_id = $2 WHERE id = $1 AND message_id IS NULL`

// selectMessageBody reads the text of the public message $1 of ticket $2.
const selectMessageBody = `SELECT body FROM ticket_messages WHERE id = $1 AND ticket_id = $2 AND NOT internal`

// ---- The SLA job (slajob.go) ----

// The clocks to tell about, claimed with their tickets: the ticket's row lock keeps a
// ticket change (which locks it first, service.go) from writing the clock back as it
// was, and SKIP LOCKED lets another process take the next clocks meanwhile. After the
// lock, PostgreSQL checks the conditions again on the row as committed, so a clock
// another process has just told is not taken.
const (
	// claimSelect reads a clock with what its notice says of its ticket.
	claimSelect = `
SELECT k.ticket_id, k.metric, k.due_at, t.org_id, o.name AS org_name, t.created_at, t.subject, t.priority,
       t.team_id, t.assignee_id, a.name AS assignee_name
FROM ticket_clocks k
JOIN tickets t ON t.id = k.ticket_id
JOIN organisations o ON o.id = t.org_id
LEFT JOIN users a ON a.id = t.assignee_id
`
	// Breached once the due instant has passed (sla.Timer.State); index ticket_clocks_breach.
	claimBreaches = claimSelect + `WHERE k.stopped_at IS NULL AND k.running_since IS NOT NULL AND k.breach_notified_at IS NULL
  AND k.due_at < $1
ORDER BY k.due_at
LIMIT $2
FOR UPDATE OF k, t SKIP LOCKED`
	// Warned from the warning instant on, while not yet breached; index ticket_clocks_warn.
	claimWarnings = claimSelect + `WHERE k.stopped_at IS NULL AND k.running_since IS NOT NULL AND k.warning_notified_at IS NULL
  AND k.warn_at <= $1 AND k.due_at >= $1
ORDER BY k.warn_at
LIMIT $2
FOR UPDATE OF k, t SKIP LOCKED`

	// A breach marks the warning as passed too, so it is not told after the breach.
	markBreaches = `
UPDATE ticket_clocks k SET breached = true, breach_notified_at = $3, warning_notified_at = coalesce(k.warning_notified_at, $3)
FROM unnest($1::bigint[], $2::text[]) AS v (ticket_id, metric)
WHERE k.ticket_id = v.ticket_id AND k.metric = v.metric`
	// Told of the warning.
	markWarnings = `
UPDATE ticket_clocks k SET warning_notified_at = $3
FROM unnest($1::bigint[], $2::text[]) AS v (ticket_id, metric)
WHERE k.ticket_id = v.ticket_id AND k.metric = v.metric`

	// Who is told about each clock of a batch (by its place n in the batch, from 1): the
	// active staff its policy names, each once.
	listRecipients = `
SELECT x.n, u.id, u.name, u.email, u.language
FROM unnest($1::bigint[], $2::boolean[], $3::boolean[], $4::bigint[]) WITH ORDINALITY AS x (assignee_id, to_assignee, to_team, team_id, n)
JOIN users u ON u.active AND u.org_id IS NULL
 AND ((u.id = x.assignee_id AND x.to_assignee)
      OR (x.to_team AND u.id IN (SELECT m.user_id FROM team_members m WHERE m.team_id = x.team_id)))
ORDER BY x.n, u.id`
)

// The recomputation's SQL. The walk takes its tickets' row locks and waits for them (a
// ticket change holds one briefly), in id order, so it and the notices, which skip
// locked rows, never deadlock.
const (
	// The next $2 unresolved tickets after $1, locked.
	walkTickets = `
SELECT t.id, t.priority, t.next_due_at, t.reply_due_at FROM tickets t
WHERE ` + unresolved.SQL + ` AND t.id > $1
ORDER BY t.id
LIMIT $2
FOR UPDATE OF t`
	// The clocks of tickets $1 that have not stopped.
	walkClocks = `
SELECT ticket_id, metric, target_seconds, used_seconds, started_at, running_since, stopped_at, breached,
       warning_notified_at, breach_notified_at, due_at, warn_at
FROM ticket_clocks WHERE ticket_id = ANY ($1) AND stopped_at IS NULL`
	// A batch's changes in one statement each: round trips, not arithmetic, are the cost.
	retimeClocks = `
UPDATE ticket_clocks k SET target_seconds = v.target, due_at = v.due, warn_at = v.warn
FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::timestamptz[], $5::timestamptz[]) AS v (ticket_id, metric, target, due, warn)
WHERE k.ticket_id = v.ticket_id AND k.metric = v.metric`
	// The tickets' due times, as their clocks' are now.
	retimeTickets = `
UPDATE tickets t SET next_due_at = v.due, reply_due_at = v.reply
FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS v (id, due, reply)
WHERE t.id = v.id`
)

// tryRecomputeLock takes the advisory lock $1 (recomputeLock) until the transaction
// ends, if no other process holds it, and reads whether it did.
const tryRecomputeLock = `SELECT pg_try_advisory_xact_lock($1)`

// ---- The agent's workspace: the requester panel, saved queue views ----

// selectRequesterPanel reads the requester panel of ticket $2's requester $1: their
// row as a customer (kind requesterContact, none when they no longer are one: active or
// not, with their organisation's name, and whether package inbound lists their address
// as bouncing, in mail_bounces, which it keeps in lower case), then up to $3 of their
// other tickets unresolved (requesterOpen) and $3 resolved (requesterResolved), each
// latest activity first (the index on requester_id, updated_at); and a row of kind
// requesterIncidents when a security incident is linked to ticket $2 (package
// incident's table, read for whether to ask it which: incident_ticket_links_ticket).
const selectRequesterPanel = `
(SELECT 0 AS kind, u.email, u.org_id, o.name, NULL::bigint, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz,
        EXISTS (SELECT 1 FROM mail_bounces b WHERE b.address = lower(u.email)) AS bounces
 FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1 AND u.org_id IS NOT NULL)
UNION ALL
(SELECT 1, NULL, NULL, NULL, t.id, t.subject, t.status, t.created_at, t.updated_at, NULL
 FROM tickets t
 WHERE t.requester_id = $1 AND t.id <> $2 AND (` + unresolved.SQL + `)
 ORDER BY t.updated_at DESC, t.id DESC
 LIMIT $3)
UNION ALL
(SELECT 2, NULL, NULL, NULL, t.id, t.subject, t.status, t.created_at, t.updated_at, NULL
 FROM tickets t
 WHERE t.requester_id = $1 AND t.id <> $2 AND NOT (` + unresolved.SQL + `)
 ORDER BY t.updated_at DESC, t.id DESC
 LIMIT $3)
UNION ALL
SELECT 3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
WHERE EXISTS (SELECT 1 FROM incident_ticket_links l WHERE l.ticket_id = $2)`

// The kinds of selectRequesterPanel's rows.
const (
	requesterContact = iota
	requesterOpen
	requesterResolved
	requesterIncidents
)

// requesterRow is a row of selectRequesterPanel: the customer's columns or a ticket's.
type requesterRow struct {
	kind             int
	email, orgName   sql.NullString
	orgID, id        sql.NullInt64
	subject, status  sql.NullString
	created, updated sql.NullTime
	bounces          sql.NullBool
}

// dest is where a row of selectRequesterPanel scans into.
func (r *requesterRow) dest() []any {
	return []any{&r.kind, &r.email, &r.orgID, &r.orgName, &r.id, &r.subject, &r.status, &r.created, &r.updated, &r.bounces}
}

// selectQueueViews reads agent $1's saved queue views, by name.
const selectQueueViews = `SELECT id, name, query FROM queue_views WHERE owner_id = $1 ORDER BY lower(name), id`

// insertQueueView saves a view of agent $1 named $2 with query string $3.
const insertQueueView = `INSERT INTO queue_views (owner_id, name, query, created_at) VALUES ($1, $2, $3, $4) RETURNING id`

// deleteQueueView deletes view $1 of agent $2, returning its name.
const deleteQueueView = `DELETE FROM queue_views WHERE id = $1 AND owner_id = $2 RETURNING name`

// messageIDTaken reads whether a message already carries the mail Message-ID $1.
const messageIDTaken = `SELECT EXISTS (SELECT 1 FROM ticket_messages WHERE message_id = $1)`
