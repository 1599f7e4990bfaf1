-- The agents' tools on a ticket's page: canned replies, links between tickets, and the
-- contact search of "Log a phone call".

-- Canned replies: prepared texts that every agent shares and inserts into a reply. The
-- body may hold the placeholders {{customer_name}}, {{ticket_reference}} and
-- {{agent_name}}, replaced by plain text when inserted (never executed as a template).
CREATE TABLE canned_replies (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    body       text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 20000),
    created_by bigint REFERENCES users (id),
    updated_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX canned_replies_title_key ON canned_replies (lower(title));

-- A link between two tickets, from ticket_id to other_id: "related to" (shown alike on
-- both) or "duplicate of" (ticket_id duplicates other_id). One link per pair, whichever
-- way it points: the unique index is on the pair in id order.
CREATE TABLE ticket_links (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    other_id   bigint NOT NULL REFERENCES tickets (id),
    kind       text NOT NULL CHECK (kind IN ('related', 'duplicate')),
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_links_not_self CHECK (ticket_id <> other_id)
);
CREATE UNIQUE INDEX ticket_links_pair ON ticket_links (least(ticket_id, other_id), greatest(ticket_id, other_id));
CREATE INDEX ticket_links_ticket ON ticket_links (ticket_id);
CREATE INDEX ticket_links_other ON ticket_links (other_id);

-- The contact search of "Log a phone call": active customers whose name or e-mail starts
-- with what the agent types. Each index is read in its own order up to the page's limit,
-- so a search reads a few dozen entries at any number of users (app/ticket/phone.go).
CREATE INDEX users_customer_name_prefix ON users (lower(name) text_pattern_ops) WHERE org_id IS NOT NULL AND active;
CREATE INDEX users_customer_email_prefix ON users (email text_pattern_ops) WHERE org_id IS NOT NULL AND active;
