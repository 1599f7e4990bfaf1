package live

// publishEvent writes an event and notifies the channel ($5) of it in the same statement:
// the whole event when its notification fits in $6 bytes, else its id, topic and "more",
// and each process reads the rest (getEvent). It returns the event's id and pg_notify's void.
const publishEvent = `
WITH e AS (
    INSERT INTO live_events (topic, kind, org_id, payload)
    VALUES ($1, $2, NULLIF($3::bigint, 0), $4::jsonb)
    RETURNING id, topic, kind, org_id, payload, created_at
), n AS (
    SELECT id, topic,
           json_build_object('id', id, 'topic', topic, 'kind', kind, 'org', coalesce(org_id, 0),
                             'data', payload, 'at', created_at)::text AS whole
    FROM e
)
SELECT id, pg_notify($5, CASE WHEN octet_length(whole) <= $6::int THEN whole
                              ELSE json_build_object('id', id, 'topic', topic, 'more', true)::text END)
FROM n`

// signalEvent notifies the channel ($1) of an event not kept ($2, a Message as JSON).
const signalEvent = `SELECT pg_notify($1, $2)`

// eventColumns are what a Message is read from.
const eventColumns = `id, topic, kind, coalesce(org_id, 0) AS org, payload AS data, created_at AS at`

// getEvent reads one event, whose notification carried only its id.
const getEvent = `SELECT ` + eventColumns + ` FROM live_events WHERE id = $1`

// replayEvents reads the events of topics $1 after id $2, oldest first, at most $3: what a
// reconnecting client missed.
const replayEvents = `
SELECT ` + eventColumns + `
FROM live_events
WHERE topic = ANY($1) AND id > $2
ORDER BY id
LIMIT $3`

// recentEvents reads the events written since $1, oldest first: what the listener may have
// missed while its connection was down. Events of a transaction that began before $1 but
// committed after it carry the earlier time: $1 is taken well before the loss.
const recentEvents = `
SELECT ` + eventColumns + `
FROM live_events
WHERE created_at > $1
ORDER BY id
LIMIT 10000`

// latestEvent reads the id of the newest event, 0 when none.
const latestEvent = `SELECT coalesce(max(id), 0) FROM live_events`

// pruneEvents removes the events written before $1.
const pruneEvents = `DELETE FROM live_events WHERE created_at < $1`
