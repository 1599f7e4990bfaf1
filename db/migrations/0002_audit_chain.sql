-- The audit log becomes one hash chain, and the application gets a database role that may
-- only add to it.
--
-- Every event carries seq (1, 2, 3 ... without gaps, in commit order), prev_hash (the hash
-- of the event before it; 32 zero bytes before the first) and hash = SHA-256(prev_hash ||
-- canonical content). The canonical content is defined by audit_canonical below and, the
-- same byte for byte, by audit.AppendCanonical in app/audit/chain.go, which `tugi audit
-- verify` uses to recompute every hash from the stored columns.
--
-- A BEFORE INSERT trigger appends: it locks the one row of audit_head (the chain's last
-- seq, hash and time), numbers and hashes the new event, and moves the head. The lock is
-- held until the inserting transaction ends, so concurrent writers form one unbroken chain
-- in commit order, and a transaction that rolls back leaves no gap. Doing this in the
-- database, not in the application's SQL, means every INSERT is chained whoever sends it:
-- the application role cannot choose an event's seq, hash or time, and needs no right to
-- change audit_head.

ALTER TABLE audit_events
    ADD COLUMN seq bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash bytea;

-- changes keeps the JSON text as Tugi wrote it (json, not jsonb): the hash covers that
-- text, which is also the cheapest form to read back when verifying a million events.
ALTER TABLE audit_events
    ALTER COLUMN changes DROP DEFAULT,
    ALTER COLUMN changes TYPE json USING changes::json,
    ALTER COLUMN changes SET DEFAULT '{}';

-- The head of the chain: exactly one row.
CREATE TABLE audit_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint NOT NULL,
    hash bytea NOT NULL,
    at   timestamptz NOT NULL
);

-- One field of the canonical content: "-\n" for NULL, otherwise the byte length of the
-- value's UTF-8 text in decimal, ":", the text, "\n". (PL/pgSQL rather than SQL functions:
-- their expressions are planned once per session, where SQL functions called from the
-- trigger were planned again in every transaction.)
CREATE FUNCTION audit_field(v text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    b bytea;
BEGIN
    IF v IS NULL THEN
        RETURN decode('2d0a', 'hex');
    END IF;
    b := convert_to(v, 'UTF8');
    RETURN convert_to(length(b)::text || ':', 'UTF8') || b || decode('0a', 'hex');
END
$$;

-- The canonical content of an event: "tugi-audit-v1\n" and then, as audit_field, seq, at
-- (microseconds since 1970-01-01 00:00 UTC), actor_user_id, actor_roles, actor_job,
-- client_ip, request_id, action, object_type, object_id, org_id and changes. Numbers are
-- in decimal; actor_roles is PostgreSQL's text form of the text[] ('{employee,admin}'),
-- which does not depend on any session setting, and changes the JSON text as stored.
-- The row's id is not part of it: seq is the event's place.
CREATE FUNCTION audit_canonical(
    seq bigint, at timestamptz, actor_user_id bigint, actor_roles text[], actor_job text,
    client_ip text, request_id text, action text, object_type text, object_id text,
    org_id bigint, changes json) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN convert_to('tugi-audit-v1' || chr(10), 'UTF8')
        || audit_field(seq::text)
        || audit_field(((extract(epoch FROM at) * 1000000)::bigint)::text)
        || audit_field(actor_user_id::text)
        || audit_field(actor_roles::text)
        || audit_field(actor_job)
        || audit_field(client_ip)
        || audit_field(request_id)
        || audit_field(action)
        || audit_field(object_type)
        || audit_field(object_id)
        || audit_field(org_id::text)
        || audit_field(changes::text);
END
$$;

-- The events written before this migration join the chain in the order they happened.
DO $$
DECLARE
    r    record;
    n    bigint := 0;
    prev bytea := decode(repeat('00', 32), 'hex');
    last timestamptz := '-infinity';
    h    bytea;
BEGIN
    ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
    FOR r IN SELECT * FROM audit_events ORDER BY at, id LOOP
        n := n + 1;
        h := sha256(prev || audit_canonical(n, r.at, r.actor_user_id, r.actor_roles, r.actor_job,
            r.client_ip, r.request_id, r.action, r.object_type, r.object_id, r.org_id, r.changes));
        UPDATE audit_events SET seq = n, prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
        last := r.at;
    END LOOP;
    ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;
    INSERT INTO audit_head (seq, hash, at) VALUES (n, prev, last);
END
$$;

ALTER TABLE audit_events
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_events_seq_key UNIQUE (seq),
    ADD CONSTRAINT audit_events_hash_length CHECK (octet_length(hash) = 32 AND octet_length(prev_hash) = 32);

CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    head audit_head%ROWTYPE;
BEGIN
    SELECT * INTO STRICT head FROM audit_head FOR UPDATE;
    NEW.seq := head.seq + 1;
    NEW.prev_hash := head.hash;
    -- The time of the append, never before the previous event's: the log's order and its
    -- times agree even if the system clock steps back.
    NEW.at := greatest(clock_timestamp(), head.at);
    NEW.hash := sha256(NEW.prev_hash || audit_canonical(NEW.seq, NEW.at, NEW.actor_user_id,
        NEW.actor_roles, NEW.actor_job, NEW.client_ip, NEW.request_id, NEW.action,
        NEW.object_type, NEW.object_id, NEW.org_id, NEW.changes));
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash, at = NEW.at;
    RETURN NEW;
END
$$;
-- The function runs as its owner (so the application role needs no right to change
-- audit_head), hence a fixed search path: this schema, then pg_temp, so nobody can put a
-- temporary table called audit_head in its way.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION audit_events_chain() SET search_path = %I, pg_temp', current_schema());
END
$$;

CREATE TRIGGER audit_events_chain
    BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

-- Indexes for the audit page: every filter walks the log newest first by seq (keyset
-- pagination), so each index ends in seq. They replace 0001's, which ended in id.
DROP INDEX audit_events_actor_user_id;
DROP INDEX audit_events_object;
CREATE INDEX audit_events_actor_seq ON audit_events (actor_user_id, seq);
CREATE INDEX audit_events_job_seq ON audit_events (actor_job, seq) WHERE actor_job <> '';
CREATE INDEX audit_events_action_seq ON audit_events (action, seq);
CREATE INDEX audit_events_object_seq ON audit_events (object_type, object_id, seq);
CREATE INDEX audit_events_object_type_seq ON audit_events (object_type, seq);
CREATE INDEX audit_events_org_seq ON audit_events (org_id, seq) WHERE org_id IS NOT NULL;
CREATE INDEX audit_events_at_seq ON audit_events (at, seq);
-- What an admin may read (audit.ScopeAdmin; the predicate must stay identical to the one
-- in app/audit/query.go for the planner to use this index).
CREATE INDEX audit_events_admin_seq ON audit_events (seq)
    WHERE object_type IN ('user', 'organisation', 'settings') OR action LIKE 'auth.%';

-- The application's role. tugi_app is a group (NOLOGIN): make the login role Tugi runs as a
-- member of it (README, "Run Tugi under a role that cannot rewrite the log"). It may read
-- and change the application's tables, but only read and add to the audit log, and only
-- read the chain's head and the migrations applied. Migrations run as the owner of the
-- schema; the default privileges below give tugi_app the same rights on the tables later
-- migrations create (a migration adding another append-only table must revoke them).
-- The role is created only when the migrating user may create roles; a DBA can also create
-- it beforehand (CREATE ROLE tugi_app NOLOGIN), and then this grants it its rights.
DO $$
DECLARE
    can_create boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tugi_app') THEN
        SELECT rolsuper OR rolcreaterole INTO can_create FROM pg_roles WHERE rolname = current_user;
        IF NOT can_create THEN
            RAISE NOTICE 'role tugi_app not created: % may not create roles. Create it (CREATE ROLE tugi_app NOLOGIN) and migrate again, or grant its rights by hand (README).', current_user;
            RETURN;
        END IF;
        BEGIN
            CREATE ROLE tugi_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by a migration of another database on this server
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO tugi_app', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO tugi_app', current_schema());
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO tugi_app', current_schema());
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM tugi_app;
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_head, schema_migrations FROM tugi_app;
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tugi_app', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO tugi_app', current_schema());
END
$$;
