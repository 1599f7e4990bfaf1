-- Live chat with support (app/chat), and its service level (app/sla).
--
-- A chat waits for an agent, is accepted by exactly one (a conditional UPDATE on its
-- state), and ends. Its transcript is kept as a ticket of channel "chat" (app/ticket), so
-- tickets and their messages may now come by chat. Every row a customer can reach carries
-- the organisation, as for tickets.

ALTER TABLE tickets DROP CONSTRAINT tickets_channel_check,
    ADD CONSTRAINT tickets_channel_check CHECK (channel IN ('web', 'email', 'phone', 'chat'));
ALTER TABLE ticket_messages DROP CONSTRAINT ticket_messages_channel_check,
    ADD CONSTRAINT ticket_messages_channel_check CHECK (channel IN ('web', 'email', 'phone', 'chat'));

CREATE TABLE chats (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id           bigint NOT NULL REFERENCES organisations (id),
    customer_id      bigint NOT NULL REFERENCES users (id),
    agent_id         bigint REFERENCES users (id),
    state            text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'active', 'ended')),
    created_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    ended_at         timestamptz,
    ended_by         bigint REFERENCES users (id),
    -- The ticket the transcript was kept in: a new one of channel chat, or an existing
    -- ticket of the organisation it was attached to.
    ticket_id        bigint,
    -- The last message each side has seen: "seen" beside the other side's messages.
    customer_seen_id bigint NOT NULL DEFAULT 0,
    agent_seen_id    bigint NOT NULL DEFAULT 0,
    CONSTRAINT chats_id_org_key UNIQUE (id, org_id),
    CONSTRAINT chats_ticket_fkey FOREIGN KEY (ticket_id, org_id) REFERENCES tickets (id, org_id),
    CONSTRAINT chats_accepted CHECK ((state = 'waiting') = (accepted_at IS NULL AND ended_at IS NULL) OR state = 'ended'),
    CONSTRAINT chats_agent CHECK (state <> 'active' OR (agent_id IS NOT NULL AND accepted_at IS NOT NULL)),
    CONSTRAINT chats_ended CHECK ((state = 'ended') = (ended_at IS NOT NULL))
);
-- The agents' list of waiting chats, oldest first.
CREATE INDEX chats_waiting ON chats (created_at, id) WHERE state = 'waiting';
-- An agent's chats under way (their limit).
CREATE INDEX chats_agent_active ON chats (agent_id) WHERE state = 'active';
-- A customer has at most one chat waiting or under way.
CREATE UNIQUE INDEX chats_customer_open ON chats (customer_id) WHERE state IN ('waiting', 'active');
-- The figures: chats accepted or ended lately.
CREATE INDEX chats_created ON chats (created_at);
CREATE INDEX chats_org ON chats (org_id, id DESC);

CREATE TABLE chat_messages (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id    bigint NOT NULL,
    org_id     bigint NOT NULL,
    author_id  bigint NOT NULL REFERENCES users (id),
    by_staff   boolean NOT NULL,
    body       text NOT NULL CHECK (length(body) <= 4000),
    created_at timestamptz NOT NULL,
    CONSTRAINT chat_messages_chat_fkey FOREIGN KEY (chat_id, org_id) REFERENCES chats (id, org_id),
    CONSTRAINT chat_messages_id_chat_key UNIQUE (id, chat_id, org_id)
);
CREATE INDEX chat_messages_chat ON chat_messages (chat_id, id);

-- Files sent in a chat: checked as ticket attachments are, their bytes in blobs.
CREATE TABLE chat_files (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id      bigint NOT NULL,
    org_id       bigint NOT NULL,
    message_id   bigint NOT NULL,
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (length(content_type) BETWEEN 1 AND 200),
    size         bigint NOT NULL CHECK (size >= 0),
    sha256       text NOT NULL REFERENCES blobs (sha256),
    created_at   timestamptz NOT NULL,
    CONSTRAINT chat_files_message_fkey FOREIGN KEY (message_id, chat_id, org_id) REFERENCES chat_messages (id, chat_id, org_id)
);
CREATE INDEX chat_files_chat ON chat_files (chat_id, message_id, id);
CREATE INDEX chat_files_sha256 ON chat_files (sha256);

-- The chat's service level, beside the tickets' policies (app/sla): how soon a waiting
-- chat is answered (business time), after how long a customer nobody answered is offered
-- to leave a ticket instead, and how many chats one agent holds at once. One row.
CREATE TABLE sla_chat (
    id                   boolean PRIMARY KEY DEFAULT true CHECK (id),
    wait_target_seconds  integer NOT NULL DEFAULT 120 CHECK (wait_target_seconds BETWEEN 10 AND 86400),
    offer_ticket_seconds integer NOT NULL DEFAULT 300 CHECK (offer_ticket_seconds BETWEEN 10 AND 86400),
    agent_limit          integer NOT NULL DEFAULT 3 CHECK (agent_limit BETWEEN 1 AND 20),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sla_chat DEFAULT VALUES;
