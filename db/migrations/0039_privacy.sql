-- Crypto-shredding of the audit log's personal values (app/audit, docs/data-protection.md).
-- An audit event that must record a value naming a person (their personal code, the e-mail
-- address an audit export was filtered by) stores it encrypted under that person's own data
-- key, kept here, apart from the log. Erasing the person destroys the key: the log keeps the
-- ciphertext, so no event is touched and the chain, which hashes the ciphertext, still
-- verifies, while the value can no longer be read.
--
-- A key is made by audit.Record the first time an event seals a value for the person, in
-- the event's transaction. Erasure sets key to NULL and erased_at (the row stays, so the
-- log's pages can say "erased" and a later event does not make a new key for old values).
-- Deleting the user (no code does today) deletes the key with them.
CREATE TABLE person_keys (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    key        bytea CHECK (key IS NULL OR length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at  timestamptz,
    CHECK ((key IS NULL) = (erased_at IS NOT NULL))
);

-- The customers who may export the data of everyone in their organisation (app/privacy):
-- the organisation's data protection contact, granted by an admin. A right of its own,
-- not a role: no other page opens to them.
CREATE TABLE org_export_rights (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    granted_by bigint REFERENCES users (id),
    granted_at timestamptz NOT NULL DEFAULT now()
);
