-- The background jobs' last passes (app/job): one row per job, written by whichever process
-- ran (or skipped) the job's latest pass, so the admin's jobs page shows every process's
-- work in one place and notices a job that has stopped succeeding.
CREATE TABLE job_runs (
    name             text PRIMARY KEY,
    -- When a runner first knew the job: a job that never succeeded is late from here.
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    -- The latest pass, by any process.
    started_at       timestamptz,
    duration_seconds double precision NOT NULL DEFAULT 0,
    outcome          text CHECK (outcome IN ('ok', 'error', 'skipped')),
    process          text NOT NULL DEFAULT '', -- host and pid of the process that ran it
    last_ok_at       timestamptz,              -- when the latest successful pass ended
    -- The latest failed pass's error as the job logged it (one line, trimmed) and its end.
    last_error       text NOT NULL DEFAULT '',
    last_error_at    timestamptz
);
