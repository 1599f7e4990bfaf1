-- Foundation: organisations, people, sessions, sign-in throttling and the audit log.

CREATE TABLE organisations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));

-- A customer user belongs to exactly one organisation and holds only the customer role;
-- staff (employee, agent, ciso, admin) belong to none and may hold several roles.
CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               text NOT NULL CHECK (email = lower(email) AND email LIKE '_%@_%'),
    name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    roles               text[] NOT NULL CHECK (
                            cardinality(roles) >= 1
                            AND roles <@ ARRAY['customer', 'employee', 'agent', 'ciso', 'admin']),
    org_id              bigint REFERENCES organisations (id),
    password_hash       text NOT NULL DEFAULT '',
    language            text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'et')),
    active              boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz,
    last_sign_in_at     timestamptz,
    CONSTRAINT users_customer_org CHECK (
        CASE WHEN 'customer' = ANY (roles)
             THEN cardinality(roles) = 1 AND org_id IS NOT NULL
             ELSE org_id IS NULL
        END)
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_org_id ON users (org_id) WHERE org_id IS NOT NULL;

-- Sessions for gorilla/sessions. The cookie carries a random token; only its SHA-256 is
-- kept here, so a copy of this table signs nobody in.
CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    user_id      bigint REFERENCES users (id) ON DELETE CASCADE,
    auth_method  text NOT NULL DEFAULT '',
    data         bytea NOT NULL,
    client_ip    text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Failed sign-ins, counted per account (the e-mail as typed, existing or not) and per
-- client address, so throttling behaves the same whether or not the account exists.
CREATE TABLE signin_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     text NOT NULL,
    client_ip text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signin_failures_email_at ON signin_failures (email, at);
CREATE INDEX signin_failures_client_ip_at ON signin_failures (client_ip, at);
CREATE INDEX signin_failures_at ON signin_failures (at);

-- The audit log: one row per operation, written in the same transaction as the change.
-- Append-only: the triggers below refuse UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_user_id bigint,
    actor_roles   text[] NOT NULL DEFAULT '{}',
    actor_job     text NOT NULL DEFAULT '',
    client_ip     text NOT NULL DEFAULT '',
    request_id    text NOT NULL DEFAULT '',
    action        text NOT NULL CHECK (action <> ''),
    object_type   text NOT NULL DEFAULT '',
    object_id     text NOT NULL DEFAULT '',
    org_id        bigint,
    changes       jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT audit_events_actor CHECK (actor_user_id IS NOT NULL OR actor_job <> '')
);
CREATE INDEX audit_events_actor_user_id ON audit_events (actor_user_id, id);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
