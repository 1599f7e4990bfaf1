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

-- Password links (app/auth, passwordlink.go): a customer account that inbound mail made
-- has no password; a link mailed to it lets its owner set one. Only the SHA-256 of the
-- link's token is kept, so a copy of the database lets nobody in. A link is used once
-- (used_at), and not after expires_at; a new one ends the older unused ones.
CREATE TABLE password_links (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_links_user ON password_links (user_id, created_at);

