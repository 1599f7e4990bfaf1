package live

// publishEvents writes events, one for each element of its arrays, in order, with
// provisional ids; their trigger (migration 0038) gives each its id and notifies the
// channel of it as the transaction commits, in the order they were written.
const publishEvents = `
INSERT INTO live_events (topic, kind, org_id, payload)
SELECT e.topic, e.kind, NULLIF(e.org_id, 0), e.payload::jsonb
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS e (topic, kind, org_id, payload, n)
ORDER BY e.n`

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

// recentEvents reads the events after id $1, oldest first, at most $2: what the listener
// missed while its connection was down. Ids are given in commit order, so every event
// below the last one passed on was passed on or is not there.
const recentEvents = `
SELECT ` + eventColumns + `
FROM live_events
WHERE id > $1
ORDER BY id
LIMIT $2`

// latestEvent reads the id of the newest event, 0 when none.
const latestEvent = `SELECT coalesce(max(id), 0) FROM live_events`

// pruneEvents removes the events written before $1.
const pruneEvents = `DELETE FROM live_events WHERE created_at < $1`

// eventBounds reads the ids of the oldest and the newest event kept, 0 and 0 when none.
const eventBounds = `SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM live_events`
