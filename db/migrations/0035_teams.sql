-- Teams are created, renamed and retired by the admin (app/routing). A retired team keeps
-- its row, its name and its members, so the tickets and the audit events that name it
-- still read as they did; it is no longer offered anywhere and takes no new work.
--
-- Retiring is refused while a routing rule or an unresolved ticket still targets the
-- team, and the default team is never retired (app/routing). The trigger below closes the
-- race with a change that names the team while it is being retired: it reads the team
-- with FOR KEY SHARE, which waits for the retiring transaction's FOR UPDATE lock and then
-- reads the retired row, and refuses as the foreign key would (the same constraint name), so
-- each feature's own handling of "no such team" applies unchanged.
ALTER TABLE teams ADD COLUMN retired_at timestamptz;
ALTER TABLE teams ADD CONSTRAINT teams_default_not_retired CHECK (NOT (is_default AND retired_at IS NOT NULL));

CREATE FUNCTION team_not_retired() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    retired boolean;
BEGIN
    IF NEW.team_id IS NULL OR (TG_OP = 'UPDATE' AND NEW.team_id IS NOT DISTINCT FROM OLD.team_id) THEN
        RETURN NEW;
    END IF;
    -- By id, then checked: a row is locked (and read again after the wait) only when the
    -- query's condition selects it.
    SELECT retired_at IS NOT NULL INTO retired FROM teams WHERE id = NEW.team_id FOR KEY SHARE;
    IF retired THEN
        RAISE EXCEPTION 'team % is retired', NEW.team_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_TABLE_NAME || '_team_id_fkey';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER tickets_team_not_retired BEFORE INSERT OR UPDATE OF team_id ON tickets
    FOR EACH ROW EXECUTE FUNCTION team_not_retired();
CREATE TRIGGER routing_rules_team_not_retired BEFORE INSERT OR UPDATE OF team_id ON routing_rules
    FOR EACH ROW EXECUTE FUNCTION team_not_retired();
