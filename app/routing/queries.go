package routing

import "tugi/app/ticket/unresolved"

// The SQL of routing, in one place. Routing owns the tables routing_rules, teams,
// team_members and agent_open_tickets (and the agents' availability, a column of users
// that app/user writes); it reads tickets and users, and writes neither: a hand-back's
// change of a ticket is the ticket feature's (Reassigner). agent_open_tickets, each
// agent's number of unresolved tickets, is written only by the trigger of routing's
// migration (db/migrations/0041_agent_open_tickets.sql) on every change of a ticket's
// status or assignee, whichever feature makes it, and read only here.

// ---- Rules ----

// ruleColumns reads a rule aliased r with the names of its category, organisation and
// team, for the rules page.
const ruleColumns = `
SELECT r.id, r.position, r.category_id, r.org_id, r.priority, r.subject_words, r.team_id, r.raise_to,
       c.name AS category_name, o.name AS org_name, tm.name AS team_name
FROM routing_rules r
JOIN teams tm ON tm.id = r.team_id
LEFT JOIN categories c ON c.id = r.category_id
LEFT JOIN organisations o ON o.id = r.org_id`

// listRules reads every rule, in the order they are tried.
const listRules = ruleColumns + ` ORDER BY r.position`

// getRule reads rule $1.
const getRule = ruleColumns + ` WHERE r.id = $1`

// lockRule reads rule $1 and locks it until the transaction ends.
const lockRule = getRule + ` FOR UPDATE OF r`

// insertRule adds a rule after the last one and returns its id.
const insertRule = `
INSERT INTO routing_rules (position, category_id, org_id, priority, subject_words, team_id, raise_to)
VALUES ((SELECT coalesce(max(position), 0) + 1 FROM routing_rules), $1, $2, $3, $4, $5, $6)
RETURNING id`

// updateRule writes the conditions and action of rule $1.
const updateRule = `
UPDATE routing_rules SET category_id = $2, org_id = $3, priority = $4, subject_words = $5, team_id = $6, raise_to = $7
WHERE id = $1`

// deleteRule removes rule $1.
const deleteRule = `DELETE FROM routing_rules WHERE id = $1`

// neighbour reads and locks the rule just before ($2 true) or after the position $1.
const neighbour = `
SELECT id, position FROM routing_rules
WHERE CASE WHEN $2 THEN position < $1 ELSE position > $1 END
ORDER BY CASE WHEN $2 THEN -position ELSE position END
LIMIT 1
FOR UPDATE`

// swapRules gives rule $1 the position $2 and rule $4 the position $3 (the unique
// position is checked at commit).
const swapRules = `UPDATE routing_rules SET position = CASE id WHEN $1 THEN $2::integer ELSE $3::integer END WHERE id IN ($1, $4)`

// listCategories reads the active categories, in their order, for the rule form.
const listCategories = `SELECT id, name FROM categories WHERE active ORDER BY position, lower(name)`

// ---- Teams ----

// defaultTeam reads the id of the default team (no row when there is none).
const defaultTeam = `SELECT id FROM teams WHERE is_default`

// teamByName reads the id of the team called $1, in any case.
const teamByName = `SELECT id FROM teams WHERE lower(name) = lower($1)`

// listTeams reads the teams by name, those in service first, with their assignment caps.
const listTeams = `SELECT id, name, is_default, assign_cap, retired_at FROM teams ORDER BY retired_at IS NOT NULL, lower(name)`

// listTeamOptions reads the teams in service by name, for a select.
const listTeamOptions = `SELECT id, name FROM teams WHERE retired_at IS NULL ORDER BY lower(name)`

// openOfU is the number of unresolved tickets of the agent aliased u, as the trigger of
// agent_open_tickets keeps it (no row: none).
const openOfU = `coalesce((SELECT a.open FROM agent_open_tickets a WHERE a.user_id = u.id), 0)`

// listMembers reads every team's members by name, with each one's availability and
// number of unresolved tickets.
const listMembers = `
SELECT m.team_id, m.user_id, u.name, u.email, u.available, ` + openOfU + ` AS open
FROM team_members m JOIN users u ON u.id = m.user_id
ORDER BY lower(u.name), u.id`

// listAgents reads the active agents by name, for the select of a team's new member.
const listAgents = `SELECT id, name FROM users WHERE active AND 'agent' = ANY (roles) ORDER BY lower(name), id`

// isAgent reads whether user $1 is an active agent.
const isAgent = `SELECT EXISTS (SELECT FROM users WHERE id = $1 AND active AND 'agent' = ANY (roles))`

// insertMember puts user $2 in team $1; nothing when they are in it already.
const insertMember = `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`

// deleteMember takes user $2 out of team $1.
const deleteMember = `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`

// lockCap reads the assignment cap of team $1 and locks the team's row (FOR NO KEY
// UPDATE: a ticket naming the team still may be written meanwhile).
const lockCap = `SELECT assign_cap FROM teams WHERE id = $1 FOR NO KEY UPDATE`

// setCap writes the assignment cap $2 of team $1.
const setCap = `UPDATE teams SET assign_cap = $2 WHERE id = $1`

// ---- Assignment ----

// lockTeam takes the transaction-scoped advisory lock ($1, the team's id $2) under
// which a hand-back gives tickets to the team's agents.
const lockTeam = `SELECT pg_advisory_xact_lock($1, $2::integer)`

// hasRoom is the condition that the agent aliased u has fewer unresolved tickets than
// the cap of the team aliased tm. It reads the agent's count (one row), where counting
// their tickets read up to the cap's number of index entries, twice a created ticket.
const hasRoom = openOfU + ` < tm.assign_cap`

// members are the members aliased m of team $1 who may be given a ticket if they have
// room: active, available agents (never $2, nor one of $3) of a team in service that
// assigns automatically. A retired team assigns nothing: a hand-back leaves its tickets
// unassigned.
const members = `
FROM team_members m
JOIN teams tm ON tm.id = m.team_id
JOIN users u ON u.id = m.user_id
WHERE m.team_id = $1 AND tm.retired_at IS NULL AND coalesce(tm.assign_cap, 0) > 0
  AND u.active AND u.available AND 'agent' = ANY (u.roles) AND u.id <> $2 AND u.id <> ALL ($3::bigint[])`

// candidates are those of members below the team's cap.
const candidates = members + `
  AND ` + hasRoom

// inTurn and inTurnEnd surround the locking clause of nextAgentWait. The members are put
// in turn first, the one assigned longest ago (never first) first, and only then, one
// after the other in that order, is each one's room counted and their row locked: the
// first below the cap whose row is locked ends the statement, so the counts of the
// others are not read. OFFSET 0 keeps the count out of the sorted subquery; LATERAL makes
// the lock a step of the walk in turn.
const inTurn = `
FROM (SELECT m.user_id, tm.assign_cap, m.last_assigned_at, m.created_at` + members + `
      ORDER BY m.last_assigned_at NULLS FIRST, m.created_at, m.user_id
      OFFSET 0) c
CROSS JOIN LATERAL (SELECT m.user_id FROM team_members m WHERE m.team_id = $1 AND m.user_id = c.user_id
      FOR UPDATE`

const inTurnEnd = `) l
WHERE coalesce((SELECT a.open FROM agent_open_tickets a WHERE a.user_id = c.user_id), 0) < c.assign_cap
ORDER BY c.last_assigned_at NULLS FIRST, c.created_at, c.user_id
LIMIT 1`

// nextAgentWait reads the candidate a ticket goes to in turn, the one assigned longest
// ago (never first) first, and locks their row of the team until the transaction ends,
// waiting for a transaction that holds it.
const nextAgentWait = `SELECT l.user_id` + inTurn + inTurnEnd

// nextAgentSkip is nextAgentWait passing over the candidates whose rows other
// transactions hold (each is being given a ticket): it returns the first of the others
// (null when there is none) and, only then, whether there were candidates passed over
// (busy), all in one round trip. Neither statement locks, nor waits for, an agent who
// has no room.
const nextAgentSkip = `
WITH free AS (SELECT l.user_id` + inTurn + ` SKIP LOCKED` + inTurnEnd + `)
SELECT (SELECT user_id FROM free) AS user_id,
       CASE WHEN EXISTS (SELECT FROM free) THEN false ELSE EXISTS (SELECT` + candidates + `) END AS busy`

// markAssigned notes that member $2 of team $1, whose row the transaction holds, was
// given a ticket now, if they still may take it: active, available, below the cap with
// $3 more tickets (those the transaction has given them and not yet written: a
// hand-back's), as this statement's snapshot, taken under the lock, sees every assignment
// to them. It returns the member with their address, name and language (for the notice),
// or no row. clock_timestamp, not the transaction's time, so that tickets created in one
// instant still go round in order.
//
// The count is the agent's row of agent_open_tickets, which the trigger changes when the
// ticket is written, after this statement, in the same transaction: a creation that
// waited for the member's row of the team reads the count the one before it committed.
// An agent in two teams is locked by a row of each: two creations in two teams may both
// read the count one below the cap and both give them a ticket, as two counts of their
// tickets could (the cap is a team's; the lock is a team's row).
const markAssigned = `
UPDATE team_members m SET last_assigned_at = clock_timestamp()
FROM teams tm, users u
WHERE m.team_id = $1 AND m.user_id = $2 AND tm.id = m.team_id AND u.id = m.user_id
  AND tm.retired_at IS NULL AND coalesce(tm.assign_cap, 0) > 0 AND u.active AND u.available AND 'agent' = ANY (u.roles)
  AND ` + openOfU + ` + $3 < tm.assign_cap
RETURNING m.user_id, u.email, u.name, u.language`

// lockMemberships locks agent $1's rows of their teams, in order, until the transaction
// ends: a hand-back waits there for the tickets being assigned to them to commit.
const lockMemberships = `SELECT FROM team_members WHERE user_id = $1 ORDER BY team_id FOR UPDATE`

// ---- Hand-back ----

// lockCounts locks the counts of unresolved tickets of the agents $1 (those that have
// one) in the order of their ids, until the transaction ends.
const lockCounts = `SELECT FROM agent_open_tickets WHERE user_id = ANY ($1::bigint[]) ORDER BY user_id FOR NO KEY UPDATE`

// handBackTeams reads the teams of agent $1 and of their unresolved tickets, in order.
const handBackTeams = `
SELECT team_id FROM team_members WHERE user_id = $1
UNION
SELECT coalesce(t.team_id, (SELECT id FROM teams WHERE is_default)) FROM tickets t
WHERE t.assignee_id = $1 AND ` + unresolved.SQL + ` AND (t.team_id IS NOT NULL OR EXISTS (SELECT FROM teams WHERE is_default))
ORDER BY 1`

// handBackTickets reads agent $1's unresolved tickets with the team each goes back to,
// and locks them, in the order of their teams, so that the colleagues' rows a hand-back
// waits for are taken team by team, in one order.
const handBackTickets = `
SELECT t.id, coalesce(t.team_id, (SELECT id FROM teams WHERE is_default)) AS team_id
FROM tickets t
WHERE t.assignee_id = $1 AND ` + unresolved.SQL + `
ORDER BY 2 NULLS LAST, t.id
FOR UPDATE OF t`

// countAssigned reads how many unresolved tickets agent $1 has.
const countAssigned = `SELECT coalesce((SELECT open FROM agent_open_tickets WHERE user_id = $1), 0)`

// ---- The CISO ----

// listCISOs reads the active CISOs, who hear of every security concern.
const listCISOs = `SELECT id, name, email, language FROM users WHERE active AND 'ciso' = ANY (roles) ORDER BY id`

// ---- A team's life ----

// insertTeam adds a team called $1 and returns its id.
const insertTeam = `INSERT INTO teams (name) VALUES ($1) RETURNING id`

// lockTeamForChange reads team $1 and locks it FOR UPDATE: a rule or a ticket naming the
// team (the trigger team_not_retired, FOR KEY SHARE) waits until the change is committed.
const lockTeamForChange = `SELECT name, is_default, retired_at IS NOT NULL AS retired FROM teams WHERE id = $1 FOR UPDATE`

// renameTeam names team $1 $2.
const renameTeam = `UPDATE teams SET name = $2 WHERE id = $1`

// retireTeam retires team $1.
const retireTeam = `UPDATE teams SET retired_at = now() WHERE id = $1`

// reinstateTeam brings team $1 back.
const reinstateTeam = `UPDATE teams SET retired_at = NULL WHERE id = $1`

// rulesOfTeam reads the routing rules that send tickets to team $1, with their numbers in
// the order they are tried.
const rulesOfTeam = `
SELECT id, number FROM (SELECT id, team_id, row_number() OVER (ORDER BY position) AS number FROM routing_rules) r
WHERE team_id = $1 ORDER BY number`

// openOfTeam counts the unresolved tickets of team $1.
const openOfTeam = `SELECT count(*) FROM tickets t WHERE t.team_id = $1 AND ` + unresolved.SQL
