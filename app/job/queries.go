package job

// The SQL of job_runs, the only table the job package writes.

// registerJobs notes the job names $1 (a text array), keeping those already there.
const registerJobs = `
INSERT INTO job_runs (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`

// recordPass writes a pass ($1 job, $2 start, $3 end, $4 seconds, $5 outcome, $6 process,
// $7 error) as the latest; the latest success and error stay the latest even when two
// processes' records cross.
const recordPass = `
INSERT INTO job_runs AS j (name, started_at, duration_seconds, outcome, process, last_ok_at, last_error, last_error_at)
VALUES ($1, $2, $4, $5, $6,
        CASE WHEN $5::text = 'ok' THEN $3::timestamptz END,
        CASE WHEN $5::text = 'error' THEN $7 ELSE '' END,
        CASE WHEN $5::text = 'error' THEN $3::timestamptz END)
ON CONFLICT (name) DO UPDATE SET
    started_at = EXCLUDED.started_at, duration_seconds = EXCLUDED.duration_seconds,
    outcome = EXCLUDED.outcome, process = EXCLUDED.process,
    last_ok_at = greatest(j.last_ok_at, EXCLUDED.last_ok_at),
    last_error = CASE WHEN EXCLUDED.last_error_at >= coalesce(j.last_error_at, '-infinity') THEN EXCLUDED.last_error ELSE j.last_error END,
    last_error_at = greatest(j.last_error_at, EXCLUDED.last_error_at)`

// listStatuses reads every job's latest pass, by name.
const listStatuses = `
SELECT name, first_seen_at, started_at, duration_seconds, outcome, process, last_ok_at, last_error, last_error_at
FROM job_runs ORDER BY name`

// takeLock takes the session-level lock of a one-at-a-time job ($1 the jobs' class, $2 the
// job's key) if no other session holds it, and says whether it did.
const takeLock = `SELECT pg_try_advisory_lock($1, $2)`

// releaseLock releases the lock takeLock took.
const releaseLock = `SELECT pg_advisory_unlock($1, $2)`
