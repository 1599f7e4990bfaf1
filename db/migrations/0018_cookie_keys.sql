-- The key Tugi signs its cookies with gets a table of its own, owned by app/auth: it sat in
-- settings, the support calendar's and service levels' table, written from app/server.
CREATE TABLE cookie_keys (
    name       text PRIMARY KEY,
    key        bytea NOT NULL CHECK (length(key) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO cookie_keys (name, key)
SELECT 'signing', decode(value #>> '{}', 'hex') FROM settings
WHERE key = 'cookie_signing_key' AND length(decode(value #>> '{}', 'hex')) >= 32;

DELETE FROM settings WHERE key = 'cookie_signing_key';
