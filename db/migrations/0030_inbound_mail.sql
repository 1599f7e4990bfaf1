-- E-mail into Tugi (app/inbound): every message received, kept before it is acknowledged;
-- the mail domains of customer organisations; addresses that bounce; and the headers
-- outbound mail needs to thread in the customer's mail client.

-- A message received over SMTP or IMAP. message_key is its Message-ID (without angle
-- brackets), or "sha256:<hash of the raw message>" when it has none: a message delivered
-- twice is stored once, and so never makes two tickets. The raw message is kept in the
-- blob store (raw_sha256), for agents to download. The row is written, and committed,
-- before the message is acknowledged (SMTP 250, IMAP move); state says what became of
-- it: 'received' until it is processed (a job processes what a crash left), then
--   ticket        a new ticket (ticket_id)
--   reply         a reply on an existing ticket
--   note          an internal note on a ticket (an out-of-office reply; a rate-limited one)
--   automatic     an automatic message that matched no ticket: nothing made
--   bounce        a delivery status notification: the addresses marked bouncing
--   unknown_sender waits for an agent to name the sender's organisation
--   held          waits for an agent to release it (a DMARC failure from a known customer
--                 domain; a staff member's mail), reason says why
--   rate_limited  too much mail from one sender or on one ticket: nothing made
--   incident      an incident report (reason holds its reference)
--   discarded     an agent discarded it, or it could not be read at all
CREATE TABLE inbound_mail (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_key  text NOT NULL UNIQUE CHECK (length(message_key) BETWEEN 1 AND 520),
    raw_sha256   text NOT NULL REFERENCES blobs (sha256),
    size         bigint NOT NULL CHECK (size >= 0),
    via          text NOT NULL CHECK (via IN ('smtp', 'imap')),
    mailbox      text NOT NULL CHECK (mailbox IN ('support', 'security')),
    from_address text NOT NULL DEFAULT '',
    from_name    text NOT NULL DEFAULT '',
    subject      text NOT NULL DEFAULT '',
    received_at  timestamptz NOT NULL DEFAULT now(),
    state        text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'ticket', 'reply', 'note',
                     'automatic', 'bounce', 'unknown_sender', 'held', 'rate_limited', 'incident', 'discarded')),
    reason       text NOT NULL DEFAULT '',
    -- Authentication-Results of the receiving server: pass, fail, none ... ('' untold).
    auth_spf     text NOT NULL DEFAULT '',
    auth_dkim    text NOT NULL DEFAULT '',
    auth_dmarc   text NOT NULL DEFAULT '',
    ticket_id    bigint REFERENCES tickets (id),
    org_id       bigint REFERENCES organisations (id),
    sender_id    bigint REFERENCES users (id),
    processed_at timestamptz,
    processed_by bigint REFERENCES users (id), -- the agent who released, assigned or discarded it
    attempts     integer NOT NULL DEFAULT 0
);
-- The processing job's work: what a crash left unprocessed.
CREATE INDEX inbound_mail_received ON inbound_mail (received_at) WHERE state = 'received';
-- The agents' views: mail waiting for them, and every message, latest first.
CREATE INDEX inbound_mail_waiting ON inbound_mail (state, received_at DESC) WHERE state IN ('unknown_sender', 'held');
CREATE INDEX inbound_mail_latest ON inbound_mail (received_at DESC, id DESC);
CREATE INDEX inbound_mail_ticket ON inbound_mail (ticket_id, received_at) WHERE ticket_id IS NOT NULL;
-- Rate limits count a sender's recent mail.
CREATE INDEX inbound_mail_from ON inbound_mail (from_address, received_at);
-- blob.collect asks, for each file, whether a mail still names it.
CREATE INDEX inbound_mail_raw ON inbound_mail (raw_sha256);

-- The mail domains of a customer organisation, which an admin lists: mail from an
-- unknown address at one of them creates the sender as a contact (a customer user) of
-- that organisation. A domain belongs to one organisation at most.
CREATE TABLE org_mail_domains (
    domain     text PRIMARY KEY CHECK (domain = lower(domain) AND domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
    org_id     bigint NOT NULL REFERENCES organisations (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX org_mail_domains_org ON org_mail_domains (org_id);

-- Addresses that bounced: a delivery status notification said mail to them failed.
-- Agents see it beside the person; a later message from the address clears it.
CREATE TABLE mail_bounces (
    address    text PRIMARY KEY CHECK (address = lower(address) AND address LIKE '_%@_%'),
    status     text NOT NULL DEFAULT '',
    reason     text NOT NULL DEFAULT '',
    bounces    integer NOT NULL DEFAULT 1,
    first_at   timestamptz NOT NULL DEFAULT now(),
    last_at    timestamptz NOT NULL DEFAULT now()
);

-- Outbound threading (app/mail): the Message-IDs a message answers (In-Reply-To) and
-- the thread's earlier ones (References), as full ids with their domains, so a reply to
-- a customer's mail threads under that mail in their client; and the Auto-Submitted
-- value (RFC 3834): 'auto-replied' for an acknowledgement of their mail, 'auto-generated'
-- for other notices.
ALTER TABLE mail_outbox
    ADD COLUMN in_reply_to    text NOT NULL DEFAULT '',
    ADD COLUMN references_ids text NOT NULL DEFAULT '',
    ADD COLUMN auto_submitted text NOT NULL DEFAULT 'auto-generated'
        CHECK (auto_submitted IN ('no', 'auto-generated', 'auto-replied'));
