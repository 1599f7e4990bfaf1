-- A second factor for sign-in (issue 22): a TOTP secret per person, kept encrypted
-- (AES-256-GCM, see app/auth/totp.go), with the last time-step a code was accepted for,
-- so each code is accepted once; ten recovery codes per person, stored as SHA-256 hashes
-- and each usable once; and the roles whose people must use a second factor, chosen by an
-- admin (agent, CISO and admin until one changes it).
CREATE TABLE totp_factors (
    user_id    bigint PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    secret     bytea NOT NULL,
    last_step  bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recovery_codes (
    id        bigserial PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE second_factor_policy (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    roles    text[] NOT NULL
);
INSERT INTO second_factor_policy (roles) VALUES ('{agent,ciso,admin}');

-- Sign-in with an Estonian ID-card: the personal code (isikukood) a card's certificate
-- names (subject serialNumber PNOEE-<code>) is that of at most one person.
ALTER TABLE users ADD COLUMN personal_code text UNIQUE CHECK (personal_code ~ '^[1-6][0-9]{10}$');
