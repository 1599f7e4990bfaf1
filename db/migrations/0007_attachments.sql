-- Attachments: files people add to ticket messages, and the content-addressed blob store
-- that keeps their bytes.
--
-- blobs holds each distinct content once, keyed by its SHA-256 (lowercase hex): the same
-- file attached twice, or to two tickets, is stored once. Keeping the bytes in PostgreSQL
-- keeps it the only stateful part (backups, several processes, erasure); app/blob puts
-- the store behind an interface, so an S3-compatible one can replace it. No blob is ever
-- served by its hash: only through an attachment row the viewer may see.
CREATE TABLE blobs (
    sha256     text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size       bigint NOT NULL CHECK (size >= 0),
    content    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT blobs_size CHECK (size = length(content))
);
-- The bytes are already compressed more often than not (images, zip, office files).
ALTER TABLE blobs ALTER COLUMN content SET STORAGE EXTERNAL;

-- For the composite foreign key below, which keeps an attachment on its message's ticket
-- and organisation.
ALTER TABLE ticket_messages ADD CONSTRAINT ticket_messages_id_ticket_org_key UNIQUE (id, ticket_id, org_id);

-- A file attached to a ticket message. It carries the ticket's organisation (kept equal
-- by the foreign keys) like every row a customer can reach; it is internal when its
-- message is an internal note. filename is as uploaded, cleaned for display; content_type
-- is what Tugi detected from the bytes, not what the browser claimed.
CREATE TABLE ticket_attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id    bigint NOT NULL,
    org_id       bigint NOT NULL,
    message_id   bigint NOT NULL,
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (length(content_type) BETWEEN 1 AND 200),
    size         bigint NOT NULL CHECK (size >= 0),
    sha256       text NOT NULL REFERENCES blobs (sha256),
    uploaded_by  bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    CONSTRAINT ticket_attachments_ticket_fkey FOREIGN KEY (ticket_id, org_id) REFERENCES tickets (id, org_id),
    CONSTRAINT ticket_attachments_message_fkey FOREIGN KEY (message_id, ticket_id, org_id)
        REFERENCES ticket_messages (id, ticket_id, org_id)
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, message_id, id);
CREATE INDEX ticket_attachments_sha256 ON ticket_attachments (sha256);
