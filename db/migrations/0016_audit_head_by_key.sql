-- The chain's trigger finds audit_head's one row by its key. It read the table whole:
-- every append updates that row, and while a long transaction (a backup, a report) keeps
-- the old versions alive the table grows by a page every hundred appends, which VACUUM
-- frees but does not give back. Each append, under the chain's lock, then read all those
-- pages. By the key it reads the index and the row's page, however large the table has
-- grown. Otherwise as in 0002.
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    head audit_head%ROWTYPE;
BEGIN
    SELECT * INTO STRICT head FROM audit_head WHERE one FOR UPDATE;
    NEW.seq := head.seq + 1;
    NEW.prev_hash := head.hash;
    -- The time of the append, never before the previous event's: the log's order and its
    -- times agree even if the system clock steps back.
    NEW.at := greatest(clock_timestamp(), head.at);
    NEW.hash := sha256(NEW.prev_hash || audit_canonical(NEW.seq, NEW.at, NEW.actor_user_id,
        NEW.actor_roles, NEW.actor_job, NEW.client_ip, NEW.request_id, NEW.action,
        NEW.object_type, NEW.object_id, NEW.org_id, NEW.changes));
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash, at = NEW.at WHERE one;
    RETURN NEW;
END
$$;
-- CREATE OR REPLACE dropped the fixed search path 0002 gave the function.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION audit_events_chain() SET search_path = %I, pg_temp', current_schema());
END
$$;
