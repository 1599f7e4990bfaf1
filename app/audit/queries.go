package audit

import (
	"database/sql"
)

// The SQL of the audit log: every statement the audit package runs. Only this package writes
// audit_pending (Record); a trigger deferred to each commit moves the events into
// audit_events and audit_head (db/migrations/0017), which the database refuses to let anyone
// change afterwards.

// recordEvent adds an event to audit_pending, from which a trigger deferred to the commit
// of the transaction moves it into the chain (db/migrations/0017).
const recordEvent = `
INSERT INTO audit_pending
    (actor_user_id, actor_roles, actor_job, client_ip, request_id, action, object_type, object_id, org_id, changes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// recordEventFlushedAfter is recordEvent in a transaction that database.WithTx flushes
// after its commit: the commit itself need not wait for the disk.
const recordEventFlushedAfter = recordEvent + `
RETURNING set_config('synchronous_commit', 'off', true)`

// readHead reads the chain's head (table audit_head). -infinity, the time of an empty log,
// is not a time Go can scan: an empty log says the epoch.
const readHead = `SELECT seq, hash, CASE WHEN seq = 0 THEN 'epoch' ELSE at END AS at FROM audit_head`

// lastEvent reads the last event's seq and hash.
const lastEvent = `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`

// adminScope is what ScopeAdmin may read, in SQL. The partial index audit_events_admin_seq
// (db/migrations/0002) has the same predicate, word for word, so that the planner uses it.
const adminScope = `object_type IN ('user', 'organisation', 'settings') OR action LIKE 'auth.%'`

// entryColumns are the columns of an Entry, as List reads them.
const entryColumns = `seq, at, actor_user_id, actor_roles, actor_job, client_ip, request_id, action,
       object_type, object_id, org_id, changes, hash`

// listEvents finds one page of events, newest first. Every filter ends in an index on
// (..., seq), so the cost of a page does not grow with the log. A time range is turned
// into bounds on seq: times never go back along the chain (the append trigger keeps them
// in order, and verify checks it), so the events from From to To are exactly those from
// the first at or after From to the last before To, both found in the index on (at, seq),
// and the walk down seq starts at the right place.
const listEvents = `
SELECT ` + entryColumns + `
FROM audit_events
WHERE ($1::bigint IS NULL OR actor_user_id = $1)
  AND ($2::text IS NULL OR (actor_job = $2 AND actor_job <> ''))
  AND ($3::text IS NULL OR action = $3)
  AND ($4::text IS NULL OR object_type = $4)
  AND ($5::text IS NULL OR object_id = $5)
  AND ($6::bigint IS NULL OR org_id = $6)
  AND ($7::timestamptz IS NULL OR seq >= coalesce(
        (SELECT seq FROM audit_events WHERE at >= $7 ORDER BY at, seq LIMIT 1), 9223372036854775807))
  AND ($8::timestamptz IS NULL OR seq <= coalesce(
        (SELECT seq FROM audit_events WHERE at < $8 ORDER BY at DESC, seq DESC LIMIT 1), 0))
  AND ($9::bigint IS NULL OR seq < $9)
  AND (NOT $10::boolean OR ` + adminScope + `)
ORDER BY seq DESC
LIMIT $11`

// historyEvents reads what an object's history shows (see views/partials/audit_history.html):
// when, who, what and the changes; not the roles, the client's address, the request or
// the hash, which the audit log's own page shows. It is read on every ticket page.
const historyEvents = `
SELECT seq, at, actor_user_id, actor_job, action, org_id, changes
FROM audit_events
WHERE object_type = $1 AND object_id = $2
ORDER BY seq DESC
LIMIT $3`

// scanHistory reads the rows of historyEvents about one object.
func scanHistory(rows *sql.Rows, objectType, objectID string) ([]Entry, error) {
	defer rows.Close()
	var es []Entry
	for rows.Next() {
		e := Entry{ObjectType: objectType, ObjectID: objectID}
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorUserID, &e.ActorJob, &e.Action, &e.OrgID, &e.RawChanges); err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

// The statements of Verify (verify.go), which reads their rows through the driver as it
// hashes them, without a Go value per column.

// The stored columns, in the order AppendCanonical hashes them. The text columns come as
// their UTF-8 bytes (bytea), which the driver hands over without making a string of each.
const verifyEvents = `
SELECT seq, prev_hash || hash, (extract(epoch FROM at) * 1000000)::bigint,
       actor_user_id, actor_roles, convert_to(actor_job, 'UTF8'), convert_to(client_ip, 'UTF8'),
       convert_to(request_id, 'UTF8'), convert_to(action, 'UTF8'), convert_to(object_type, 'UTF8'),
       convert_to(object_id, 'UTF8'), org_id, changes
FROM audit_events
WHERE seq > $1 AND seq < $2
ORDER BY seq
LIMIT $3`

// lastSeq reads the highest seq of the log.
const lastSeq = `SELECT coalesce(max(seq), 0) FROM audit_events`

// exportSnapshot shares a transaction's snapshot with the segments verified beside it.
const exportSnapshot = `SELECT pg_export_snapshot()`

// setSnapshot takes a shared snapshot, whose id (as PostgreSQL gave it) follows in quotes.
const setSnapshot = `SET TRANSACTION SNAPSHOT `

// storedHead reads the head as audit_head keeps it.
const storedHead = `SELECT seq, hash FROM audit_head`

// eventBefore reads the seq, hash and time (microseconds) of the last event before seq $1:
// where a segment's chain starts.
const eventBefore = `
SELECT seq, hash, (extract(epoch FROM at) * 1000000)::bigint FROM audit_events
WHERE seq < $1 ORDER BY seq DESC LIMIT 1`

// eventIDAt reads the id of the event at seq $1, to name a broken link.
const eventIDAt = `SELECT id FROM audit_events WHERE seq = $1`

// personKeyOrNew returns a person's data key (table person_keys; NULL once destroyed),
// storing $2 as it when they have none. No row: another transaction is making theirs (try
// again).
const personKeyOrNew = `
WITH made AS (
    INSERT INTO person_keys (user_id, key) VALUES ($1, $2)
    ON CONFLICT (user_id) DO NOTHING
    RETURNING key)
SELECT key FROM made
UNION ALL
SELECT key FROM person_keys WHERE user_id = $1
LIMIT 1`

// shredPersonKey destroys a person's data key (keeping the row, key NULL, as the record
// that it was destroyed) and says whether there was one.
const shredPersonKey = `
WITH was AS (SELECT key IS NOT NULL AS had FROM person_keys WHERE user_id = $1),
gone AS (
    INSERT INTO person_keys (user_id, key, erased_at) VALUES ($1, NULL, now())
    ON CONFLICT (user_id) DO UPDATE SET key = NULL, erased_at = coalesce(person_keys.erased_at, now())
    RETURNING 1)
SELECT coalesce((SELECT had FROM was), false) FROM gone`

// readPersonKeys reads the data keys of people ($1).
const readPersonKeys = `SELECT user_id, key FROM person_keys WHERE user_id = ANY($1)`
