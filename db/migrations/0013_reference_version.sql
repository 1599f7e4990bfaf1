-- The reference version: one number that moves, in the same transaction, with every
-- change to the tables whose data each process keeps a copy of (package app/reference):
-- the categories, the agents (their names, roles and whether they are active), the teams,
-- the SLA policies, the canned replies and the routing rules. Every signed-in request
-- reads it with its session; a copy made under an older version is read again.
CREATE TABLE reference_version (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
);
INSERT INTO reference_version (version) VALUES (1);

-- Runs as its owner, so the application role needs no right to change the version row
-- beyond what its own changes cause; hence a fixed search path.
CREATE FUNCTION reference_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    UPDATE reference_version SET version = version + 1;
    RETURN NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION reference_changed() SET search_path = %I, pg_temp', current_schema());
END
$$;

-- Once per statement: a statement that changes many rows moves the version once.
CREATE TRIGGER categories_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER teams_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER sla_policies_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_policies
    FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER canned_replies_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON canned_replies
    FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER routing_rules_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
-- People change often (a sign-in records its time); only what the copies show counts.
CREATE TRIGGER users_reference_rows AFTER INSERT OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER users_reference AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.roles IS DISTINCT FROM NEW.roles
                       OR OLD.active IS DISTINCT FROM NEW.active)
    EXECUTE FUNCTION reference_changed();

-- The application role reads the version; only the trigger changes it.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tugi_app') THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON reference_version FROM tugi_app;
    END IF;
END
$$;
