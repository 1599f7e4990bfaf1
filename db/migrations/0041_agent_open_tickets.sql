-- How many unresolved tickets each agent holds, kept by routing (app/routing) for the
-- assignment cap: checking the cap read the agent's tickets from the tickets_assignee_due
-- index, twice a created ticket, which cost more than a millisecond for an agent holding
-- a thousand or more (docs/performance.md). A row is one agent's count; an agent without a
-- row holds none.
--
-- The trigger below keeps it, not Go code, because every path that changes a ticket's
-- status or assignee (creation, reassignment, resolving, reopening by mail, hand-back,
-- merging, erasure, retention) must keep it right. Only this migration's functions write
-- the table and only routing reads it. The unresolved statuses are those of
-- app/ticket/unresolved, whose tests check that the functions here say the same list.
CREATE TABLE agent_open_tickets (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    open    integer NOT NULL CHECK (open >= 0)
) WITH (fillfactor = 50); -- room on each page for the updates of a count to stay HOT

-- agent_open_tickets_count moves a ticket's count from the agent it counted for to the
-- one it counts for now (none when it is unassigned or resolved). A ticket moving between
-- two agents changes the lower id's row first, so that two moves between the same agents
-- take the rows' locks in one order. The row of an agent is locked until the transaction
-- ends: a second change for the agent waits for the first to commit and adds to its count.
--
-- It runs as the one who changes the ticket, with their search path, as team_not_retired
-- (0035) does: no SET clause, whose saving and restoring of the setting every call of a
-- function pays (the audit chain's functions need one, being SECURITY DEFINER).
CREATE FUNCTION agent_open_tickets_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    was bigint; -- the agent the ticket counted for, or null
    now_ bigint; -- the agent it counts for now, or null
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN ('new', 'open', 'waiting', 'on_hold') THEN
        was := OLD.assignee_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ('new', 'open', 'waiting', 'on_hold') THEN
        now_ := NEW.assignee_id;
    END IF;
    IF was IS NOT DISTINCT FROM now_ THEN
        RETURN NULL;
    END IF;
    IF was IS NOT NULL AND (now_ IS NULL OR was < now_) THEN
        UPDATE agent_open_tickets SET open = open - 1 WHERE user_id = was;
        was := NULL;
    END IF;
    IF now_ IS NOT NULL THEN
        UPDATE agent_open_tickets SET open = open + 1 WHERE user_id = now_;
        IF NOT FOUND THEN
            INSERT INTO agent_open_tickets AS a (user_id, open) VALUES (now_, 1)
            ON CONFLICT (user_id) DO UPDATE SET open = a.open + 1;
        END IF;
    END IF;
    IF was IS NOT NULL THEN
        UPDATE agent_open_tickets SET open = open - 1 WHERE user_id = was;
    END IF;
    RETURN NULL;
END
$$;

-- The function runs only when the assignee or the status changes: the far more frequent
-- updates of a ticket's clocks and times pass by without a call.
CREATE TRIGGER tickets_agent_open_insert_delete AFTER INSERT OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION agent_open_tickets_count();
CREATE TRIGGER tickets_agent_open_update AFTER UPDATE OF assignee_id, status ON tickets
    FOR EACH ROW WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION agent_open_tickets_count();

-- agent_open_tickets_recount counts every agent's unresolved tickets again, from the
-- tickets: here, and after a bulk load that bypasses triggers (app/testdb/scalefill). It
-- locks tickets against changes (SHARE) until the transaction ends, so no change is lost
-- between the count and the write.
CREATE FUNCTION agent_open_tickets_recount() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE tickets IN SHARE MODE;
    DELETE FROM agent_open_tickets;
    INSERT INTO agent_open_tickets (user_id, open)
    SELECT assignee_id, count(*) FROM tickets
    WHERE assignee_id IS NOT NULL AND status IN ('new', 'open', 'waiting', 'on_hold')
    GROUP BY assignee_id;
END
$$;

SELECT agent_open_tickets_recount();
