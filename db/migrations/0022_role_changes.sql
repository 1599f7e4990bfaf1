-- Role changes that wait for a second admin (app/user). An admin who grants agent, CISO or
-- admin to someone only asks for it: the change is kept here until another admin approves
-- it (then the roles are written in the same transaction) or rejects it. A change is open
-- while outcome is NULL; asking again for the same person, or changing their roles in
-- another way, closes it as superseded.
CREATE TABLE role_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),   -- whose roles change
    asked_by    bigint NOT NULL REFERENCES users (id),
    from_roles  text[] NOT NULL,                         -- the person's roles when asked
    to_roles    text[] NOT NULL CHECK (
                    cardinality(to_roles) >= 1
                    AND to_roles <@ ARRAY['customer', 'employee', 'agent', 'ciso', 'admin']),
    asked_at    timestamptz NOT NULL DEFAULT now(),
    decided_by  bigint REFERENCES users (id),            -- NULL when superseded or open
    decided_at  timestamptz,
    outcome     text CHECK (outcome IN ('approved', 'rejected', 'superseded')),
    CHECK ((outcome IS NULL) = (decided_at IS NULL)),
    CHECK (decided_by IS NULL OR decided_by <> asked_by),
    CHECK (asked_by <> user_id)
);

-- At most one open change per person; the open ones are what the admin pages read.
CREATE UNIQUE INDEX role_changes_open ON role_changes (user_id) WHERE outcome IS NULL;
