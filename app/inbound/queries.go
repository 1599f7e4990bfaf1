package inbound

// ---- Storing and processing (inbound.go) ----

// insertMail stores a received message and returns its row, unless one with its key is
// stored already: then it returns no row (a duplicate).
const insertMail = `
INSERT INTO inbound_mail (message_key, raw_sha256, size, via, mailbox, from_address, from_name, subject,
                          auth_spf, auth_dkim, auth_dmarc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (message_key) DO NOTHING
RETURNING ` + mailColumns

// selectByKey reads the id of the message stored under key $1.
const selectByKey = `SELECT id FROM inbound_mail WHERE message_key = $1`

const mailColumns = `id, message_key, coalesce(raw_sha256, '') AS raw_sha256, size, via, mailbox, from_address, from_name, subject, received_at,
       state, reason, auth_spf, auth_dkim, auth_dmarc, ticket_id, org_id, sender_id, processed_at, processed_by`

// lockMail locks message $1 for processing, in the state $2 (one of them), or returns
// no row: another process has it, or it is past that state.
const lockMail = `SELECT ` + mailColumns + ` FROM inbound_mail WHERE id = $1 AND state = ANY ($2::text[]) FOR UPDATE SKIP LOCKED`

// selectMail reads message $1.
const selectMail = `SELECT ` + mailColumns + ` FROM inbound_mail WHERE id = $1`

// setOutcome records what became of message $1.
const setOutcome = `
UPDATE inbound_mail
SET state = $2, reason = $3, ticket_id = $4, org_id = $5, sender_id = $6, processed_at = now(), processed_by = $7,
    attempts = attempts + 1
WHERE id = $1`

// countAttempt counts a failed attempt at processing message $1.
const countAttempt = `UPDATE inbound_mail SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts`

// selectUnprocessed lists messages left 'received' (a crash, a database lost, a failed
// attempt) for longer than $1 seconds, oldest first, at most $2.
const selectUnprocessed = `
SELECT id FROM inbound_mail
WHERE state = 'received' AND received_at < now() - make_interval(secs => $1)
ORDER BY received_at LIMIT $2`

// ---- Threading (thread.go) ----

// selectTicketOfMail returns the ticket of the latest stored message whose Message-ID
// is one of $1.
const selectTicketOfMail = `
SELECT ticket_id FROM inbound_mail
WHERE message_key = ANY ($1::text[]) AND ticket_id IS NOT NULL
ORDER BY id DESC LIMIT 1`

// selectDomainOrg returns the organisation that listed mail domain $1.
const selectDomainOrg = `SELECT org_id FROM org_mail_domains WHERE domain = $1`

// knownCustomerDomain reports whether $1 is a customer organisation's domain: listed by
// an admin, or the domain of a customer's address.
const knownCustomerDomain = `
SELECT EXISTS (SELECT 1 FROM org_mail_domains WHERE domain = $1)
    OR EXISTS (SELECT 1 FROM users WHERE org_id IS NOT NULL AND active AND email LIKE '%@' || $1)`

// ---- Loops and noise ----

// countFromSender counts the messages from address $1 received in the last $2 seconds,
// message $3 not counted.
const countFromSender = `
SELECT count(*) FROM inbound_mail
WHERE from_address = $1 AND received_at > now() - make_interval(secs => $2) AND id <> $3`

// countOnTicket counts the messages added to ticket $1 in the last $2 seconds, and the
// messages held back from it by the limit in that time.
const countOnTicket = `
SELECT count(*) FILTER (WHERE state IN ('reply', 'note')) AS added,
       count(*) FILTER (WHERE state = 'rate_limited') AS held
FROM inbound_mail
WHERE ticket_id = $1 AND received_at > now() - make_interval(secs => $2)`

// upsertBounce marks address $1 as bouncing, with the status $2 and reason $3.
const upsertBounce = `
INSERT INTO mail_bounces (address, status, reason) VALUES ($1, $2, $3)
ON CONFLICT (address) DO UPDATE
SET status = excluded.status, reason = excluded.reason, bounces = mail_bounces.bounces + 1, last_at = now()`

// clearBounce forgets that address $1 bounced: mail came from it.
const clearBounce = `DELETE FROM mail_bounces WHERE address = $1`

// ---- Agents' pages (handler.go) ----

// listWaiting lists the messages waiting for an agent, oldest first.
const listWaiting = `SELECT ` + mailColumns + ` FROM inbound_mail
WHERE state IN ('unknown_sender', 'held') ORDER BY received_at, id LIMIT 200`

// listLatest lists the latest messages, before id $1 (0: from the latest), at most $2.
const listLatest = `SELECT ` + mailColumns + ` FROM inbound_mail
WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2`

// listOfTicket lists the messages of ticket $1.
const listOfTicket = `SELECT ` + mailColumns + ` FROM inbound_mail WHERE ticket_id = $1 ORDER BY id`

// listBounces lists the bouncing addresses, latest first.
const listBounces = `SELECT address, status, reason, bounces, first_at, last_at FROM mail_bounces ORDER BY last_at DESC LIMIT 200`

// listRateLimited lists the senders whose mail the per-sender limit held back in the
// last day, with how much and their latest such message, latest first.
const listRateLimited = `
SELECT from_address, count(*) AS held, max(id) AS last_id, max(received_at) AS last_at
FROM inbound_mail
WHERE state = 'rate_limited' AND reason = 'sender' AND received_at > now() - interval '1 day'
GROUP BY from_address ORDER BY max(received_at) DESC LIMIT 50`

// selectBounce reads whether address $1 bounces.
const selectBounce = `SELECT address, status, reason, bounces, first_at, last_at FROM mail_bounces WHERE address = $1`

// ---- Mail domains (admin) ----

const listDomains = `
SELECT d.domain, d.org_id, o.name AS org_name, d.created_at
FROM org_mail_domains d JOIN organisations o ON o.id = d.org_id
ORDER BY o.name, d.domain`

const insertDomain = `INSERT INTO org_mail_domains (domain, org_id) VALUES ($1, $2)`

const deleteDomain = `DELETE FROM org_mail_domains WHERE domain = $1 RETURNING org_id`
