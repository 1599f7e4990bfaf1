-- The log of backups and restore drills (app/backup): what each run made or checked, so the
-- admin and the CISO can see that the promise of a daily backup, seven kept, holds, and the
-- backup job knows, whichever process runs it, when the next one is due.
CREATE TABLE backup_runs (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('backup', 'drill')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    ok          boolean NOT NULL,
    file        text NOT NULL DEFAULT '',     -- the backup's file name (a drill: the one it restored)
    size        bigint NOT NULL DEFAULT 0,    -- bytes of the encrypted file
    sha256      text NOT NULL DEFAULT '',
    audit_seq   bigint NOT NULL DEFAULT 0,    -- the audit head the backup holds
    rows        bigint NOT NULL DEFAULT 0,    -- rows in all tables, by the manifest
    detail      text NOT NULL DEFAULT '',
    error       text NOT NULL DEFAULT ''
);
CREATE INDEX backup_runs_kind_started ON backup_runs (kind, started_at DESC) WHERE ok;
CREATE INDEX backup_runs_started ON backup_runs (started_at DESC);

-- Warnings sent, one per kind a day, whichever process sends it first.
CREATE TABLE backup_warnings (
    kind text NOT NULL,
    day  date NOT NULL,
    PRIMARY KEY (kind, day)
);
