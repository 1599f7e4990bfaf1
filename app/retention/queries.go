package retention

// ---- Rules ----

// selectRules lists every rule: the defaults first, then the organisations' by name.
const selectRules = `
SELECT r.kind, r.org_id, coalesce(o.name, '') AS org_name, r.days, r.updated_at
FROM retention_rules r LEFT JOIN organisations o ON o.id = r.org_id
ORDER BY r.org_id IS NOT NULL, o.name, r.org_id, r.kind`

// lockRule reads the days of rule ($1, $2) for change, if it exists.
const lockRule = `SELECT days FROM retention_rules WHERE kind = $1 AND org_id IS NOT DISTINCT FROM $2 FOR UPDATE`

// upsertRule sets rule ($1, $2) to $3 days (NULL: for ever), by $4.
const upsertRule = `
INSERT INTO retention_rules (kind, org_id, days, updated_by, updated_at) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (kind, org_id) DO UPDATE SET days = excluded.days, updated_by = excluded.updated_by, updated_at = now()`

// deleteRule removes organisation $2's own rule for kind $1.
const deleteRule = `DELETE FROM retention_rules WHERE kind = $1 AND org_id = $2`

// ---- Holds ----

// selectHolds lists the holds, those in force first, newest first, with their subjects'
// names.
const selectHolds = `
SELECT h.id, h.org_id, h.user_id, h.incident_id, h.reason, h.placed_at, h.released_at,
       coalesce(o.name, u.name || ' <' || u.email || '>', i.reference, 'incident ' || h.incident_id) AS subject,
       p.name AS placed_by, coalesce(r.name, '') AS released_by
FROM legal_holds h
LEFT JOIN organisations o ON o.id = h.org_id
LEFT JOIN users u ON u.id = h.user_id
LEFT JOIN incidents i ON i.id = h.incident_id
JOIN users p ON p.id = h.placed_by
LEFT JOIN users r ON r.id = h.released_by
ORDER BY h.released_at IS NOT NULL, coalesce(h.released_at, h.placed_at) DESC, h.id DESC
LIMIT 200`

// insertHold places a hold on one of organisation $1, person $2, incident $3.
const insertHold = `
INSERT INTO legal_holds (org_id, user_id, incident_id, reason, placed_by) VALUES ($1, $2, $3, $4, $5)
RETURNING id`

// releaseHold releases hold $1, by $2, if it is in force, returning its subject.
const releaseHold = `
UPDATE legal_holds SET released_by = $2, released_at = now()
WHERE id = $1 AND released_at IS NULL
RETURNING coalesce(org_id, 0) AS org_id, coalesce(user_id, 0) AS user_id, coalesce(incident_id, 0) AS incident_id`

// holdExists reports whether hold $1 exists (released or not).
const holdExists = `SELECT EXISTS (SELECT FROM legal_holds WHERE id = $1)`

// selectHeld lists the subjects of the holds in force, by kind.
const selectHeld = `
SELECT coalesce(array_agg(org_id) FILTER (WHERE org_id IS NOT NULL), '{}') AS orgs,
       coalesce(array_agg(user_id) FILTER (WHERE user_id IS NOT NULL), '{}') AS users,
       coalesce(array_agg(incident_id) FILTER (WHERE incident_id IS NOT NULL), '{}') AS incidents
FROM legal_holds WHERE released_at IS NULL`

// lockHolds keeps holds from being placed or released while a pass of retention removes
// what they may cover: the pass reads them in the same transaction.
const lockHolds = `LOCK TABLE legal_holds IN SHARE MODE`

// personHold returns the reason of a hold in force that covers person $1: on them, on
// their organisation, or on an incident they reported, own or handle.
const personHold = `
SELECT h.reason FROM legal_holds h
WHERE h.released_at IS NULL AND (
      h.user_id = $1
   OR h.org_id = (SELECT org_id FROM users WHERE id = $1)
   OR h.incident_id IN (SELECT id FROM incidents WHERE reporter_id = $1 OR owner_id = $1
                        UNION SELECT incident_id FROM incident_handlers WHERE user_id = $1))
ORDER BY h.placed_at, h.id LIMIT 1`

// selectUserByEmail finds the person with e-mail $1.
const selectUserByEmail = `SELECT id FROM users WHERE email = lower(btrim($1))`

// selectIncidentByReference finds the incident called $1.
const selectIncidentByReference = `SELECT id FROM incidents WHERE reference = upper(btrim($1))`

// ---- Runs ----

// lastRun is the start of the latest run.
const lastRun = `SELECT max(started_at) FROM retention_runs`

// insertRun records a run.
const insertRun = `
INSERT INTO retention_runs (started_at, finished_at, ok, removed, error)
VALUES (:started_at, :finished_at, :ok, :removed, :error)`

// selectRuns lists the latest $1 runs, newest first.
const selectRuns = `SELECT id, started_at, finished_at, ok, removed, error FROM retention_runs ORDER BY started_at DESC, id DESC LIMIT $1`

// orgNames names organisations $1.
const orgNames = `SELECT id, name FROM organisations WHERE id = ANY ($1)`
