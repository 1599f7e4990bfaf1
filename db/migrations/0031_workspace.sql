-- Saved views of the agent queue (issue 21): an agent keeps a set of the queue's filters
-- under a name of their own, and finds it again as a tab. query is the queue's query
-- string (view, sort and filters), as the queue page wrote it; each agent's names are
-- unique whatever their case.
CREATE TABLE queue_views (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 60),
    query      text NOT NULL CHECK (length(query) <= 1000),
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX queue_views_owner_name ON queue_views (owner_id, lower(name));

-- The support contact customers read in every page's footer beside the support hours
-- (issue 21): one row, which the admin edits (/admin/contact). Until it exists, the
-- footer shows the contact Tugi was started with.
CREATE TABLE support_contact (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    phone      text NOT NULL CHECK (length(btrim(phone)) BETWEEN 1 AND 40),
    email      text NOT NULL CHECK (length(btrim(email)) BETWEEN 3 AND 200),
    updated_at timestamptz NOT NULL
);
