-- The mail outbox: every e-mail Tugi sends is first a row here, written in the same
-- transaction as the change it tells about, so a notice exists exactly when its change
-- does, and a mail server that is down delays mail but loses none. A worker (app/mail)
-- claims due rows with FOR UPDATE SKIP LOCKED, so several tugi processes share the work
-- without sending a message twice, and retries with growing pauses.
--
-- One row per recipient: each is sent, retried and given up on alone, in the
-- recipient's language.
CREATE TABLE mail_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The local part of the message's Message-ID; the worker adds "@" and the mail domain.
    message_id      text NOT NULL UNIQUE CHECK (message_id ~ '^[A-Za-z0-9._-]{1,200}$'),
    -- The local part of the Message-ID of the thread's first message (for a ticket,
    -- "ticket-<id>"): In-Reply-To and References name it, so mail clients thread every
    -- notice about one ticket together. NULL for a message that starts no thread.
    thread_id       text CHECK (thread_id ~ '^[A-Za-z0-9._-]{1,200}$'),
    to_address      text NOT NULL CHECK (to_address LIKE '_%@_%'),
    to_name         text NOT NULL DEFAULT '',
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body_text       text NOT NULL,
    -- What caused it ("ticket.reply", "sla.breach"), and about what: for the outbox page
    -- and for erasing a person's data.
    kind            text NOT NULL,
    object_type     text NOT NULL DEFAULT '',
    object_id       text NOT NULL DEFAULT '',
    org_id          bigint REFERENCES organisations (id),
    user_id         bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    sent_at         timestamptz,
    failed_at       timestamptz, -- given up on after the last retry
    CONSTRAINT mail_outbox_done CHECK (sent_at IS NULL OR failed_at IS NULL)
);
-- The worker's work: unsent messages by when they are due. Sent ones leave the index.
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_outbox_object ON mail_outbox (object_type, object_id);
CREATE INDEX mail_outbox_user ON mail_outbox (user_id) WHERE user_id IS NOT NULL;
