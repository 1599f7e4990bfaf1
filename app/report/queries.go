package report

// The SQL of the figures: what the rollup reads of tickets, their messages and clocks,
// and chats (read only: they are app/ticket's and app/chat's), what it writes of its own
// tables (report_tickets, report_chats, report_state), and what each process's copy of
// the rollup reads back.

import "tugi/app/ticket/unresolved"

// ticketFacts are the columns the rollup reads of a ticket (t): its first public reply
// by a member of staff (someone without an organisation), when it was resolved if it is,
// and its first-response and resolution clocks (f, r), each looked up by its key (as
// plain joins, or lateral ones it may flatten, the planner merged a batch of tickets
// with every clock from the first: LIMIT 1 keeps each a lookup).
const ticketFacts = `
SELECT t.id, t.org_id, t.team_id, t.assignee_id, t.category_id, t.priority, t.channel, t.created_at,
       (SELECT min(m.created_at) FROM ticket_messages m JOIN users u ON u.id = m.author_id
        WHERE m.ticket_id = t.id AND NOT m.internal AND u.org_id IS NULL) AS first_response_at,
       CASE WHEN NOT ` + unresolved.SQL + ` THEN coalesce(t.solved_at, t.closed_at) END AS resolved_at,
       f.stopped_at AS f_stopped, coalesce(f.breached, false) AS f_breached, f.used_seconds AS f_used,
       f.target_seconds AS f_target, f.due_at AS f_due, f.ticket_id IS NOT NULL AS f_exists,
       r.stopped_at AS r_stopped, coalesce(r.breached, false) AS r_breached, r.used_seconds AS r_used,
       r.target_seconds AS r_target, r.due_at AS r_due, r.ticket_id IS NOT NULL AS r_exists
FROM tickets t
LEFT JOIN LATERAL (SELECT * FROM ticket_clocks WHERE ticket_id = t.id AND metric = 'first_response' LIMIT 1) f ON true
LEFT JOIN LATERAL (SELECT * FROM ticket_clocks WHERE ticket_id = t.id AND metric = 'resolution' LIMIT 1) r ON true`

// backfillTickets reads the tickets after id $1, $2 at most, in id order: the rollup's
// first walk.
const backfillTickets = ticketFacts + `
WHERE t.id > $1 ORDER BY t.id LIMIT $2`

// changedTickets reads the tickets whose last activity is after $1. It names every status
// (not the unresolved ones: a solved ticket's times change too), so that
// tickets_status_updated, on (status, updated_at), serves it status by status.
const changedTickets = ticketFacts + `
WHERE t.status = ANY ('{new,open,waiting,on_hold,solved,closed}') AND t.updated_at > $1`

// selectState reads how far the rollup has got, and locks it for the pass.
const selectState = `SELECT backfill_id, backfilled, tickets_through, chats_through FROM report_state FOR UPDATE`

// updateState records how far the rollup has got.
const updateState = `UPDATE report_state SET backfill_id = $1, backfilled = $2, tickets_through = $3, chats_through = $4, passed_at = now()`

// dbNow is the database's time, which updated_at is written by.
const dbNow = `SELECT now()`

// upsertTickets writes the facts of tickets, one array per column, each row a new seq.
const upsertTickets = `
INSERT INTO report_tickets (ticket_id, org_id, team_id, assignee_id, category_id, priority, channel, created_at,
    first_response_at, resolved_at, first_response_seconds, resolution_seconds,
    first_response_sla, first_response_due, resolution_sla, resolution_due)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[],
    $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::integer[], $12::integer[],
    $13::text[], $14::timestamptz[], $15::text[], $16::timestamptz[])
ON CONFLICT (ticket_id) DO UPDATE SET org_id = excluded.org_id, team_id = excluded.team_id,
    assignee_id = excluded.assignee_id, category_id = excluded.category_id, priority = excluded.priority,
    channel = excluded.channel, created_at = excluded.created_at, first_response_at = excluded.first_response_at,
    resolved_at = excluded.resolved_at, first_response_seconds = excluded.first_response_seconds,
    resolution_seconds = excluded.resolution_seconds, first_response_sla = excluded.first_response_sla,
    first_response_due = excluded.first_response_due, resolution_sla = excluded.resolution_sla,
    resolution_due = excluded.resolution_due, seq = nextval('report_seq')`

// changedChats reads the chats begun after $1 (a day's slack: a chat ends within hours)
// and those not yet ended.
const changedChats = `
SELECT id, org_id, agent_id, created_at, accepted_at, ended_at FROM chats WHERE created_at > $1
UNION
SELECT id, org_id, agent_id, created_at, accepted_at, ended_at FROM chats WHERE state IN ('waiting', 'active')`

// upsertChats writes the facts of chats.
const upsertChats = `
INSERT INTO report_chats (chat_id, org_id, agent_id, created_at, accepted_at, ended_at, wait_seconds, duration_seconds)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[],
    $7::integer[], $8::integer[])
ON CONFLICT (chat_id) DO UPDATE SET org_id = excluded.org_id, agent_id = excluded.agent_id,
    accepted_at = excluded.accepted_at, ended_at = excluded.ended_at, wait_seconds = excluded.wait_seconds,
    duration_seconds = excluded.duration_seconds, seq = nextval('report_seq')
WHERE (report_chats.agent_id, report_chats.accepted_at, report_chats.ended_at)
    IS DISTINCT FROM (excluded.agent_id, excluded.accepted_at, excluded.ended_at)`

// loadTickets reads the rollup's tickets written after seq $1, in seq order, $2 at most,
// as plain numbers (a process reads a million of them at once): times in Unix seconds and
// 0 for none, durations -1 for none, the priority and channel by their place in the
// lists (1 up), the SLA outcomes 0 none, 1 met, 2 missed, 3 open.
const loadTickets = `
SELECT ticket_id, org_id, coalesce(team_id, 0), coalesce(assignee_id, 0), category_id,
       coalesce(array_position(ARRAY['urgent', 'high', 'normal', 'low'], priority), 5),
       coalesce(array_position(ARRAY['web', 'email', 'phone', 'chat'], channel), 5),
       extract(epoch FROM created_at)::bigint, coalesce(extract(epoch FROM resolved_at)::bigint, 0),
       coalesce(first_response_seconds, -1), coalesce(resolution_seconds, -1),
       CASE first_response_sla WHEN 'met' THEN 1 WHEN 'missed' THEN 2 WHEN 'open' THEN 3 ELSE 0 END,
       coalesce(extract(epoch FROM first_response_due)::bigint, 0),
       CASE resolution_sla WHEN 'met' THEN 1 WHEN 'missed' THEN 2 WHEN 'open' THEN 3 ELSE 0 END,
       coalesce(extract(epoch FROM resolution_due)::bigint, 0), seq
FROM report_tickets WHERE seq > $1 ORDER BY seq LIMIT $2`

// loadChats reads the rollup's chats written after seq $1, in seq order.
const loadChats = `
SELECT chat_id, org_id, coalesce(agent_id, 0) AS agent_id, created_at, wait_seconds, duration_seconds, seq
FROM report_chats WHERE seq > $1 ORDER BY seq`

// lastPass is when the rollup last finished a pass (NULL: never).
const lastPass = `SELECT passed_at FROM report_state`

// names are the names the figures label their rows with: teams, agents, organisations
// and categories (in the page's language, English when it has none), by kind and id.
const names = `
SELECT 'team' AS kind, id, name FROM teams
UNION ALL SELECT 'agent', id, name FROM users WHERE org_id IS NULL
UNION ALL SELECT 'category', id, coalesce(translations ->> $1, name) FROM categories`

// orgNames reads the names of organisations $1.
const orgNames = `SELECT id, name FROM organisations WHERE id = ANY ($1::bigint[])`

// teamOptions are the teams for the filter.
const teamOptions = `SELECT id, name FROM teams ORDER BY lower(name)`
