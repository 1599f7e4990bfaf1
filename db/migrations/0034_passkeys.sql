-- Passkeys (WebAuthn) as a second factor (issue 22), several per person, each named.
-- The credential record (public key, sign counter, flags, attestation) is kept sealed
-- (AES-256-GCM) under the factor key, a file outside the database (TUGI_FACTOR_KEY), with
-- the person and the credential id as associated data: someone who can write this table
-- but lacks the key cannot slip in a passkey of their own, nor move one to another person.
-- credential_id stays in clear: the browser names the credential by it.
CREATE TABLE passkeys (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    credential_id bytea NOT NULL UNIQUE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    credential    bytea NOT NULL,
    key_id        text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    UNIQUE (user_id, name)
);

-- TOTP secrets move from a key derived from the cookie key (in the database: a dump of it
-- opened them) to the factor key file. key_id names the key a secret is sealed with; NULL:
-- the old key, resealed under the file's key when tugi serve starts (auth.PrepareFactors).
ALTER TABLE totp_factors ADD COLUMN key_id text;
