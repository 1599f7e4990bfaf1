-- Figures a team lead asks for (app/report, /reports): a rollup of one row per ticket and
-- one per chat, holding the times the figures read already turned into business time of
-- the support calendar. The job report.rollup keeps them from the tickets', messages',
-- clocks' and chats' own tables, which it only reads; nothing else writes them. seq moves
-- on every write, so each process's copy of the rollup reads only what changed since.

CREATE SEQUENCE report_seq;

CREATE TABLE report_tickets (
    ticket_id         bigint PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    org_id            bigint NOT NULL,
    team_id           bigint,
    assignee_id       bigint,
    category_id       bigint NOT NULL,
    priority          text NOT NULL,
    channel           text NOT NULL,
    created_at        timestamptz NOT NULL,
    -- The first public reply of a member of staff, and when the ticket was last solved
    -- (or closed); NULL while there is none.
    first_response_at timestamptz,
    resolved_at       timestamptz,
    -- Business seconds from creation to each, by the calendar in force at the rollup.
    first_response_seconds integer CHECK (first_response_seconds >= 0),
    resolution_seconds     integer CHECK (resolution_seconds >= 0),
    -- The SLA clocks' outcome: met, missed, or open (still counting or paused, due at
    -- *_due when it counts); NULL for a ticket without that clock.
    first_response_sla text CHECK (first_response_sla IN ('met', 'missed', 'open')),
    first_response_due timestamptz,
    resolution_sla     text CHECK (resolution_sla IN ('met', 'missed', 'open')),
    resolution_due     timestamptz,
    seq               bigint NOT NULL DEFAULT nextval('report_seq')
);
CREATE INDEX report_tickets_seq ON report_tickets (seq);

CREATE TABLE report_chats (
    chat_id          bigint PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
    org_id           bigint NOT NULL,
    agent_id         bigint,
    created_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    ended_at         timestamptz,
    -- Business seconds waited until an agent accepted; wall-clock seconds from accepting
    -- to the end.
    wait_seconds     integer CHECK (wait_seconds >= 0),
    duration_seconds integer CHECK (duration_seconds >= 0),
    seq              bigint NOT NULL DEFAULT nextval('report_seq')
);
CREATE INDEX report_chats_seq ON report_chats (seq);

-- How far the rollup has got: tickets read in id order up to backfill_id (the first
-- walk over tickets that existed before it), then those whose updated_at is after
-- tickets_through; chats likewise. One row.
CREATE TABLE report_state (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    backfill_id     bigint NOT NULL DEFAULT 0,
    backfilled      boolean NOT NULL DEFAULT false,
    tickets_through timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00',
    chats_through   timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00',
    passed_at       timestamptz
);
INSERT INTO report_state DEFAULT VALUES;
