-- Customer tickets: teams, categories, tickets, their conversation and their SLA clocks.
--
-- Every row a customer can reach carries its organisation (tickets.org_id, and
-- ticket_messages.org_id, which a composite foreign key keeps equal to its ticket's), so
-- every customer query filters on it and the schema can later be distributed by it.

-- Teams of agents. Routing rules (later) choose a team; until then, and when no rule
-- matches, a ticket goes to the default team.
CREATE TABLE teams (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teams_name_key ON teams (lower(name));
CREATE UNIQUE INDEX teams_one_default ON teams (is_default) WHERE is_default;

INSERT INTO teams (name, is_default) VALUES ('User Support', true);

-- Who works in which team. last_assigned_at is for round-robin assignment (later): the
-- member assigned longest ago is next.
CREATE TABLE team_members (
    team_id          bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_assigned_at timestamptz,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id ON team_members (user_id);

-- What a ticket is about; admins keep the list (later). name is English; translations
-- holds the name in other languages, by language code ({"et": "Küsimus"}). A category
-- marked security is a security concern: routing and the CISO (later) treat it apart.
CREATE TABLE categories (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    translations jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(translations) = 'object'),
    security     boolean NOT NULL DEFAULT false,
    position     integer NOT NULL DEFAULT 0,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX categories_name_key ON categories (lower(name));

INSERT INTO categories (name, translations, security, position) VALUES
    ('Question',          '{"et": "Küsimus"}',           false, 10),
    ('Problem or error',  '{"et": "Probleem või viga"}', false, 20),
    ('Change request',    '{"et": "Muudatussoov"}',      false, 30),
    ('Billing',           '{"et": "Arveldus"}',          false, 40),
    ('Security concern',  '{"et": "Turvaprobleem"}',     true,  50);

-- A ticket. Its reference, T-<year of creation>-<id, five digits or more>, is computed
-- from created_at (in Europe/Tallinn) and id, so no counter row is locked by every new
-- ticket. updated_at is the last activity (a message, a change). next_due_at is the
-- nearest due time of its running SLA clocks (NULL when none runs), kept in the same
-- transaction as the clocks, so queues sort by it without joining them.
CREATE TABLE tickets (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations (id),
    requester_id bigint NOT NULL REFERENCES users (id),
    created_by   bigint REFERENCES users (id), -- who entered it: the requester, or an agent taking a phone call
    subject      text NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 200),
    category_id  bigint NOT NULL REFERENCES categories (id),
    impact       text NOT NULL CHECK (impact IN ('one_person', 'several_people', 'whole_organisation')),
    priority     text NOT NULL CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    status       text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'waiting', 'on_hold', 'solved', 'closed')),
    channel      text NOT NULL CHECK (channel IN ('web', 'email', 'phone')),
    team_id      bigint REFERENCES teams (id),
    assignee_id  bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    solved_at    timestamptz,
    closed_at    timestamptz,
    next_due_at  timestamptz,
    -- For the composite foreign keys that keep a message's organisation its ticket's.
    CONSTRAINT tickets_id_org_key UNIQUE (id, org_id),
    CONSTRAINT tickets_closed_at CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CONSTRAINT tickets_solved_at CHECK (status <> 'solved' OR solved_at IS NOT NULL)
);

-- Agent queues. They show unresolved tickets, sorted by SLA due time (the default; a
-- ticket without a running clock last) or by last activity, and page by keyset on the
-- sort key and id: each index below matches one sort order, so a page reads 25 index
-- entries whatever the number of tickets, and closed tickets (most of them) are not in
-- the partial ones at all. Queries must write the expressions and predicates exactly so.
CREATE INDEX tickets_unresolved_due ON tickets ((coalesce(next_due_at, 'infinity'::timestamptz)), id)
    WHERE status IN ('new', 'open', 'waiting', 'on_hold');
CREATE INDEX tickets_unresolved_updated ON tickets (updated_at DESC, id DESC)
    WHERE status IN ('new', 'open', 'waiting', 'on_hold');
CREATE INDEX tickets_unassigned_due ON tickets ((coalesce(next_due_at, 'infinity'::timestamptz)), id)
    WHERE status IN ('new', 'open', 'waiting', 'on_hold') AND assignee_id IS NULL;
CREATE INDEX tickets_assignee_due ON tickets (assignee_id, (coalesce(next_due_at, 'infinity'::timestamptz)), id)
    WHERE status IN ('new', 'open', 'waiting', 'on_hold') AND assignee_id IS NOT NULL;
-- A queue filtered on one status (waiting for the customer, solved, closed).
CREATE INDEX tickets_status_due ON tickets (status, (coalesce(next_due_at, 'infinity'::timestamptz)), id);
CREATE INDEX tickets_status_updated ON tickets (status, updated_at DESC, id DESC);
-- A customer's ticket list: their organisation's tickets, latest activity first; and
-- the requester's own (the finer sharing rule, a person's data export and erasure).
CREATE INDEX tickets_org_updated ON tickets (org_id, updated_at DESC, id DESC);
CREATE INDEX tickets_requester_updated ON tickets (requester_id, updated_at DESC, id DESC);

-- The conversation of a ticket: public messages, and internal notes that no customer ever
-- sees. message_id is the e-mail Message-ID of a message that came or went by e-mail
-- (threading, later); NULL for others.
CREATE TABLE ticket_messages (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  bigint NOT NULL,
    org_id     bigint NOT NULL,
    author_id  bigint REFERENCES users (id),
    internal   boolean NOT NULL DEFAULT false,
    channel    text NOT NULL CHECK (channel IN ('web', 'email', 'phone')),
    body       text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 20000),
    created_at timestamptz NOT NULL,
    message_id text UNIQUE,
    CONSTRAINT ticket_messages_ticket_fkey FOREIGN KEY (ticket_id, org_id) REFERENCES tickets (id, org_id)
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);

-- A ticket's SLA clocks, one per metric: the stored state of an sla.Timer (target, time
-- used in spans that have ended, the start of the current span, when it stopped, whether
-- it was breached) and what follows from it for the current span: due_at and warn_at
-- (NULL while paused or stopped). The notified_at columns are for the warning and breach
-- job (later), which finds its work through the partial indexes below.
CREATE TABLE ticket_clocks (
    ticket_id           bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    metric              text NOT NULL CHECK (metric IN ('first_response', 'next_response', 'resolution')),
    target_seconds      integer NOT NULL CHECK (target_seconds > 0),
    used_seconds        bigint NOT NULL DEFAULT 0 CHECK (used_seconds >= 0),
    started_at          timestamptz NOT NULL,
    running_since       timestamptz,
    due_at              timestamptz,
    warn_at             timestamptz,
    stopped_at          timestamptz,
    breached            boolean NOT NULL DEFAULT false,
    warning_notified_at timestamptz,
    breach_notified_at  timestamptz,
    PRIMARY KEY (ticket_id, metric),
    CONSTRAINT ticket_clocks_running CHECK (running_since IS NULL OR stopped_at IS NULL),
    CONSTRAINT ticket_clocks_due CHECK ((due_at IS NOT NULL) = (running_since IS NOT NULL))
);
CREATE INDEX ticket_clocks_due ON ticket_clocks (due_at)
    WHERE stopped_at IS NULL AND running_since IS NOT NULL;
CREATE INDEX ticket_clocks_warn ON ticket_clocks (warn_at)
    WHERE stopped_at IS NULL AND running_since IS NOT NULL AND warning_notified_at IS NULL;
