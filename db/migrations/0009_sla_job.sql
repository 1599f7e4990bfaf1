-- The SLA job (app/ticket/slajob.go): it tells people when a running clock passes its
-- warning point or its due time, and it recomputes the due times of the clocks that run
-- when an admin changes the support calendar or an SLA policy.

-- The clocks whose breach is still to be told, by due time: the job's breach query reads
-- only these, however many overdue tickets are already known as breached.
CREATE INDEX ticket_clocks_breach ON ticket_clocks (due_at)
    WHERE stopped_at IS NULL AND running_since IS NOT NULL AND breach_notified_at IS NULL;

-- Recomputations to do: a row is written in the transaction that saves the calendar or a
-- policy. The job walks the unresolved tickets in id order in small batches (each its own
-- transaction), after_id being how far it got, and gives every clock that has not
-- stopped the target of its ticket's priority and the due and warning times of the
-- calendar in force. Several saves waiting together are done by one walk (merged_into).
CREATE TABLE sla_recomputes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reason      text NOT NULL CHECK (reason IN ('calendar', 'policy')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    after_id    bigint NOT NULL DEFAULT 0,
    tickets     integer NOT NULL DEFAULT 0, -- tickets whose clocks changed
    finished_at timestamptz,
    merged_into bigint REFERENCES sla_recomputes (id)
);
CREATE INDEX sla_recomputes_pending ON sla_recomputes (id) WHERE finished_at IS NULL;

-- The walk: unresolved tickets by id.
CREATE INDEX tickets_unresolved_id ON tickets (id)
    WHERE status IN ('new', 'open', 'waiting', 'on_hold');
