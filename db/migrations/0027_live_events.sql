-- The live layer's events (app/live): a feature writes one in the transaction of its change
-- and notifies the channel tugi_live with it, so the event exists, and is announced, only if
-- the change commits. Every tugi serve process listens and passes the event on to its open
-- streams; a client that reconnects names the last id it received (Last-Event-ID) and is
-- sent what it missed from here. Events older than a day are removed by the job live.prune.
CREATE TABLE live_events (
    id         bigserial PRIMARY KEY,
    topic      text NOT NULL CHECK (topic <> '' AND length(topic) <= 200),
    kind       text NOT NULL CHECK (kind <> '' AND length(kind) <= 100),
    -- The customer organisation whose data the event tells of; NULL when none (staff only).
    org_id     bigint,
    payload    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX live_events_topic ON live_events (topic, id);
CREATE INDEX live_events_created_at ON live_events (created_at);
