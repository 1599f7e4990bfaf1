-- Mail is sent once, or recorded as possibly sent twice (issue 19). The worker used to send
-- a batch inside the transaction that claimed it and mark it sent at its commit, so a fault
-- between a send and the commit sent the whole batch again and left attempts = 1. Now a
-- message is claimed with a lease, in a statement of its own that also counts the attempt
-- and commits before the send; then it is sent, and marked in a short transaction of its
-- own. A lease that runs out unreleased means its worker died, or lost the database,
-- after the claim: the message may have gone out, and it is claimed again (same
-- Message-ID, so a receiver can drop the repeat) with possibly_sent set.
ALTER TABLE mail_outbox
    -- Until when a worker holds the message (NULL: nobody); no other claims it before.
    ADD COLUMN leased_until timestamptz,
    -- Which process holds it (host and pid), for a person looking at a stuck message.
    ADD COLUMN leased_by text NOT NULL DEFAULT '',
    -- An attempt was interrupted after its claim: the message may have been delivered
    -- more than once. Kept after it is sent, as the record of it.
    ADD COLUMN possibly_sent boolean NOT NULL DEFAULT false;
