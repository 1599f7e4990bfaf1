package privacy

// The SQL of the export: what it reads of a person ($1), all in one snapshot. The
// erasure's statements are the features' own (their personal.go).

// exportTickets: the tickets they asked.
const exportTickets = `
SELECT id, subject, status, priority, channel, created_at, closed_at
FROM tickets WHERE requester_id = $1 ORDER BY id`

// exportTicketMessages: the conversation of their tickets, as they see it (no internal
// notes), each message's author by name.
const exportTicketMessages = `
SELECT m.id, m.ticket_id, m.created_at, coalesce(u.name, '') AS author, m.author_id IS NOT DISTINCT FROM $1 AS by_them,
       m.channel, m.body
FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id LEFT JOIN users u ON u.id = m.author_id
WHERE t.requester_id = $1 AND NOT m.internal
ORDER BY m.ticket_id, m.created_at, m.id`

// exportMessagesElsewhere: what they wrote in other people's tickets: when and where,
// not the text, which is about those people (GDPR Art. 15(4)).
const exportMessagesElsewhere = `
SELECT t.id AS ticket_id, t.created_at AS ticket_created_at, m.created_at, m.channel
FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
WHERE m.author_id = $1 AND t.requester_id <> $1
ORDER BY m.created_at, m.id`

// exportChats: the chats they started.
const exportChats = `SELECT id, state, created_at, ended_at FROM chats WHERE customer_id = $1 ORDER BY id`

// exportChatMessages: the messages of their chats, each author by name.
const exportChatMessages = `
SELECT m.chat_id, m.created_at, coalesce(u.name, '') AS author, m.author_id IS NOT DISTINCT FROM $1 AS by_them, m.body
FROM chat_messages m JOIN chats c ON c.id = m.chat_id LEFT JOIN users u ON u.id = m.author_id
WHERE c.customer_id = $1
ORDER BY m.chat_id, m.created_at, m.id`

// exportIncidents: the incidents they reported, as their reporter sees them (what they
// reported and the state; not the handlers' assessment).
const exportIncidents = `
SELECT id, reference, summary, system_or_data, personal_data, state, reported_at
FROM incidents WHERE reporter_id = $1 ORDER BY id`

// exportIncidentTold: the timeline entries handlers chose to tell the reporter.
const exportIncidentTold = `
SELECT e.incident_id, e.at, e.body
FROM incident_timeline e JOIN incidents i ON i.id = e.incident_id
WHERE i.reporter_id = $1 AND e.for_reporter
ORDER BY e.incident_id, e.at, e.id`

// exportNotices: the incident notices they were sent as a customer contact.
const exportNotices = `
SELECT i.reference, n.kind, n.subject, n.body, n.submitted_at, r.acknowledged_at
FROM incident_notice_recipients r JOIN incident_notices n ON n.id = r.notice_id JOIN incidents i ON i.id = n.incident_id
WHERE r.user_id = $1
ORDER BY n.id`

// exportMail: the mail Tugi sent them (the text until it is cleared some days after).
const exportMail = `
SELECT kind, to_address, subject, body_text, created_at, sent_at
FROM mail_outbox WHERE user_id = $1 OR lower(to_address) = (SELECT email FROM users WHERE id = $1)
ORDER BY id`

// exportInbound: the mail they sent in, with its raw message.
const exportInbound = `
SELECT id, from_address, subject, received_at, state, raw_sha256
FROM inbound_mail WHERE sender_id = $1 OR lower(from_address) = (SELECT email FROM users WHERE id = $1)
ORDER BY id`

// exportSessions: their sessions (signed in now, or until they expire).
const exportSessions = `
SELECT created_at, last_seen_at, expires_at, auth_method, client_ip, user_agent
FROM sessions WHERE user_id = $1 ORDER BY id`

// exportFailures: failed sign-ins under their address.
const exportFailures = `
SELECT at, client_ip, device FROM signin_failures
WHERE lower(email) = (SELECT email FROM users WHERE id = $1) ORDER BY id`

// exportFiles: the files they gave Tugi: attached to tickets, sent in chats, uploaded as
// incident evidence. owner is the ticket message the file belongs to.
const exportFiles = `
SELECT 'ticket_attachment' AS kind, coalesce(message_id, 0) AS owner, id, filename, sha256
FROM ticket_attachments WHERE uploaded_by = $1
UNION ALL
SELECT 'chat_file', f.message_id, f.id, f.filename, f.sha256
FROM chat_files f JOIN chat_messages m ON m.id = f.message_id WHERE m.author_id = $1
UNION ALL
SELECT 'incident_evidence', incident_id, id, filename, sha256
FROM incident_evidence WHERE uploaded_by = $1
ORDER BY 1, 3`

// exportAudit: the events by them or about them (their user record).
const exportAudit = `
SELECT seq, at, actor_user_id, actor_roles, actor_job, client_ip, request_id, action, object_type, object_id, org_id, changes, hash
FROM audit_events
WHERE seq IN (
    SELECT seq FROM audit_events WHERE actor_user_id = $1
    UNION
    SELECT seq FROM audit_events WHERE object_type = 'user' AND object_id = $1::text)
ORDER BY seq`

// exportOrganisation reads an organisation's name.
const exportOrganisation = `SELECT name FROM organisations WHERE id = $1`

// exportOrganisationPeople lists the people of an organisation: its customer users.
const exportOrganisationPeople = `SELECT id FROM users WHERE org_id = $1 ORDER BY id`
