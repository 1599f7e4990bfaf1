-- Events join the chain when their transaction commits, not when they are recorded.
--
-- Appending locks the chain's head until the transaction ends, so every writer of the log
-- waited from the append to the end of the previous writer's commit: an event recorded as
-- the last statement still held the head across a round trip to the application, the
-- COMMIT and its flush to disk. Now audit.Record inserts the event into audit_pending, and
-- a constraint trigger deferred to the commit moves it into audit_events, where the
-- chain's trigger (0002, 0016) numbers and hashes it as before: the head is held from
-- the commit's start to its end. The event still commits with its change or not at all,
-- and the chain stays in commit order without gaps.
--
-- audit_pending holds rows only inside transactions, so it is UNLOGGED (no WAL; a crash
-- empties it, with the transactions whose rows it held). Tugi's role may only add to it.
CREATE UNLOGGED TABLE audit_pending (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_user_id bigint,
    actor_roles   text[] NOT NULL DEFAULT '{}',
    actor_job     text NOT NULL DEFAULT '',
    client_ip     text NOT NULL DEFAULT '',
    request_id    text NOT NULL DEFAULT '',
    action        text NOT NULL,
    object_type   text NOT NULL DEFAULT '',
    object_id     text NOT NULL DEFAULT '',
    org_id        bigint,
    changes       json NOT NULL DEFAULT '{}'
);

CREATE FUNCTION audit_pending_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    INSERT INTO audit_events
        (actor_user_id, actor_roles, actor_job, client_ip, request_id, action, object_type, object_id, org_id, changes)
    VALUES (NEW.actor_user_id, NEW.actor_roles, NEW.actor_job, NEW.client_ip, NEW.request_id, NEW.action,
        NEW.object_type, NEW.object_id, NEW.org_id, NEW.changes);
    DELETE FROM audit_pending WHERE id = NEW.id;
    RETURN NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION audit_pending_append() SET search_path = %I, pg_temp', current_schema());
END
$$;

CREATE CONSTRAINT TRIGGER audit_pending_append
    AFTER INSERT ON audit_pending DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_pending_append();

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tugi_app') THEN
        GRANT INSERT ON audit_pending TO tugi_app;
        REVOKE SELECT, UPDATE, DELETE, TRUNCATE ON audit_pending FROM tugi_app;
    END IF;
END
$$;
