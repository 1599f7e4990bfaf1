package mail

// The SQL of outgoing mail: every statement the mail package runs on mail_outbox, the
// only package that writes it (other features queue mail through Enqueue).

// insertMessages writes messages to send, one for each element of its arrays, in order:
// their Message-IDs' local parts ($1), their threads' (empty for none), the recipients'
// addresses (in lower case) and names, subjects and texts, kinds, what they are about,
// and whose they are (0 for no organisation or user).
const insertMessages = `
INSERT INTO mail_outbox (message_id, thread_id, to_address, to_name, subject, body_text, kind, object_type, object_id, org_id, user_id,
                         in_reply_to, references_ids, auto_submitted)
SELECT m.message_id, NULLIF(m.thread_id, ''), m.to_address, m.to_name, m.subject, m.body_text, m.kind, m.object_type, m.object_id,
       NULLIF(m.org_id::bigint, 0), NULLIF(m.user_id::bigint, 0), m.in_reply_to, m.references_ids, m.auto_submitted
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
            $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
     WITH ORDINALITY AS m (message_id, thread_id, to_address, to_name, subject, body_text, kind, object_type, object_id,
                           org_id, user_id, in_reply_to, references_ids, auto_submitted, n)
ORDER BY m.n`

// countQueued reads how many messages wait to be sent.
const countQueued = `SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL`

// claimNext claims the longest-due message that no worker holds, and counts the attempt,
// in one statement that commits before the send: it leases the message for $1 seconds to
// $2 (host and pid). A message whose lease ran out without being released was claimed by a
// worker that died or lost the database before recording the outcome; it may have been
// sent, so it is marked possibly_sent, with $3 as its last error.
const claimNext = `
UPDATE mail_outbox
SET leased_until = now() + make_interval(secs => $1), leased_by = $2, attempts = attempts + 1,
    possibly_sent = possibly_sent OR leased_until IS NOT NULL,
    last_error = CASE WHEN leased_until IS NOT NULL THEN $3 ELSE last_error END
WHERE id = (
    SELECT id FROM mail_outbox
    WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
      AND (leased_until IS NULL OR leased_until <= now())
    ORDER BY next_attempt_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING id, message_id, coalesce(thread_id, '') AS thread_id, to_address, to_name, subject, body_text, kind,
    attempts, possibly_sent, in_reply_to, references_ids, auto_submitted`

// markSent writes that message $1 was sent now, and releases its lease.
const markSent = `
UPDATE mail_outbox SET sent_at = now(), last_error = '', leased_until = NULL, leased_by = ''
WHERE id = $1`

// markFailed writes that the attempt at message $1 (counted when it was claimed) failed,
// with its error ($2), and releases its lease: the next attempt waits $3 seconds; after $4
// attempts (or at once when $5, a message that can never be sent) it is given up. It reads
// whether it was.
const markFailed = `
UPDATE mail_outbox
SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3), leased_until = NULL, leased_by = '',
    failed_at = CASE WHEN $5 OR attempts >= $4 THEN now() END
WHERE id = $1
RETURNING failed_at IS NOT NULL`

// purgeBodies clears the text of messages sent or given up on more than $1 seconds ago.
const purgeBodies = `
UPDATE mail_outbox SET body_text = ''
WHERE body_text <> '' AND coalesce(sent_at, failed_at) < now() - make_interval(secs => $1)`
