-- Retention (app/retention): how long each kind of data is kept, by default and for one
-- customer organisation, and the legal holds that stop retention from removing what they
-- cover. The job retention.apply removes what a rule has let expire, through each owning
-- feature's own function, and keeps one row of figures per run.

-- A rule: days a kind of data is kept after it ends (a ticket's closing, a chat's end,
-- a file's upload, an incident's closing, a session's start, a mail's receipt). NULL days
-- keep it for ever. The row without an organisation is the default; a row with one is that
-- organisation's override (only for kinds bound to an organisation).
CREATE TABLE retention_rules (
    kind       text NOT NULL CHECK (kind IN ('tickets', 'chats', 'attachments', 'incidents', 'signins', 'mail')),
    org_id     bigint REFERENCES organisations (id),
    days       integer CHECK (days BETWEEN 1 AND 36500),
    updated_by bigint REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT retention_rules_org_bound CHECK (org_id IS NULL OR kind IN ('tickets', 'chats', 'attachments', 'mail')),
    UNIQUE NULLS NOT DISTINCT (kind, org_id)
);
-- The defaults (docs/data-protection.md): a customer's records are kept until an admin
-- sets a period, as the customer (the controller) decides it; Tugi's own technical copies
-- (raw inbound mail, sessions) go after 90 days.
INSERT INTO retention_rules (kind, days) VALUES
    ('tickets', NULL), ('chats', NULL), ('attachments', NULL), ('incidents', NULL),
    ('signins', 90), ('mail', 90);

-- A legal hold on one organisation, person or incident: while it is not released,
-- retention removes nothing it covers and a person it covers cannot be erased. A hold is
-- never deleted. The incident is named without a foreign key: once a hold is released the
-- incident may expire, and the hold's record stays.
CREATE TABLE legal_holds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint REFERENCES organisations (id),
    user_id     bigint REFERENCES users (id),
    incident_id bigint,
    reason      text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    placed_by   bigint NOT NULL REFERENCES users (id),
    placed_at   timestamptz NOT NULL DEFAULT now(),
    released_by bigint REFERENCES users (id),
    released_at timestamptz,
    CONSTRAINT legal_holds_one_subject CHECK (num_nonnulls(org_id, user_id, incident_id) = 1),
    CONSTRAINT legal_holds_released CHECK ((released_at IS NULL) = (released_by IS NULL))
);
CREATE INDEX legal_holds_active ON legal_holds (placed_at DESC) WHERE released_at IS NULL;

-- One row per pass of retention.apply that was due: what it removed, per kind and
-- organisation ([{"kind": ..., "org_id": ..., "count": ...}]), or why it failed.
CREATE TABLE retention_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    ok          boolean NOT NULL,
    removed     jsonb NOT NULL DEFAULT '[]',
    error       text NOT NULL DEFAULT ''
);
CREATE INDEX retention_runs_started ON retention_runs (started_at DESC);

-- Retention clears the raw message of inbound mail once its rule lets it expire
-- (app/inbound/retention.go): the row stays, as threading and the loop limits read it.
ALTER TABLE inbound_mail ALTER COLUMN raw_sha256 DROP NOT NULL;
