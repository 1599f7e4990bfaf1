-- A customer's account no longer moves the reference version (0013) when it is added.
-- The copies the version guards hold staff (agents, CISOs) and never customers, but every
-- INSERT into users moved the one version row: each contact that inbound mail creates
-- (app/inbound) locked that row until its commit, so mail from new senders was taken one
-- message at a time, and every process read its copies again for nothing. Staff have no
-- organisation; only their rows move the version now. Deleting and truncating still
-- move it, whoever's rows they are (rare, and a staff row may be among them).
DROP TRIGGER users_reference_rows ON users;
CREATE TRIGGER users_reference_staff_added AFTER INSERT ON users
    FOR EACH ROW WHEN (NEW.org_id IS NULL)
    EXECUTE FUNCTION reference_changed();
CREATE TRIGGER users_reference_rows AFTER DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
