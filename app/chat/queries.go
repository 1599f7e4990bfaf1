package chat

// The SQL of chats: every statement the chat package runs on chats, chat_messages and
// chat_files (and what it reads of users, organisations and the SLA settings).

// chatColumns are what a Chat is read from (chats c, with its customer u, organisation o
// and agent a).
const chatColumns = `
c.id, c.org_id, o.name AS org_name, c.customer_id, u.name AS customer_name, u.email AS customer_email,
u.language AS customer_lang, c.agent_id, a.name AS agent_name, c.state, c.created_at, c.accepted_at,
c.ended_at, c.ended_by, c.ticket_id, c.customer_seen_id, c.agent_seen_id`

const chatFrom = `
FROM chats c
JOIN users u ON u.id = c.customer_id
JOIN organisations o ON o.id = c.org_id
LEFT JOIN users a ON a.id = c.agent_id`

// getChat reads chat $1 for a viewer: a customer ($2, of organisation $3) only their own;
// staff ($2 = 0) any.
const getChat = `SELECT ` + chatColumns + chatFrom + `
WHERE c.id = $1 AND ($2::bigint = 0 OR (c.customer_id = $2 AND c.org_id = $3))`

// lockChat reads chat $1 as getChat does and locks it until the transaction ends.
const lockChat = getChat + ` FOR UPDATE OF c`

// openChatOf reads the chat of customer $1 (of organisation $2) that waits or is under
// way, if any.
const openChatOf = `SELECT ` + chatColumns + chatFrom + `
WHERE c.customer_id = $1 AND c.org_id = $2 AND c.state IN ('waiting', 'active')`

// insertChat starts a waiting chat of customer $2 of organisation $1 at $3.
const insertChat = `INSERT INTO chats (org_id, customer_id, created_at) VALUES ($1, $2, $3) RETURNING id`

// insertMessage writes a message of chat $1 (organisation $2) by $3 (staff: $4) saying $5
// at $6, and returns its id.
const insertMessage = `
INSERT INTO chat_messages (chat_id, org_id, author_id, by_staff, body, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`

// insertFile writes file of message $3 of chat $1 (organisation $2): its name $4, type $5,
// size $6 and content's SHA-256 $7, at $8.
const insertFile = `
INSERT INTO chat_files (chat_id, org_id, message_id, filename, content_type, size, sha256, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`

// listMessages reads the messages of chat $1, oldest first, with their authors' names.
const listMessages = `
SELECT m.id, m.chat_id, m.author_id, u.name AS author_name, m.by_staff, m.body, m.created_at
FROM chat_messages m JOIN users u ON u.id = m.author_id
WHERE m.chat_id = $1
ORDER BY m.id`

// listFiles reads the files of chat $1.
const listFiles = `
SELECT id, chat_id, message_id, filename, content_type, size, sha256
FROM chat_files WHERE chat_id = $1 ORDER BY message_id, id`

// getFile reads file $2 of chat $1.
const getFile = `
SELECT id, chat_id, message_id, filename, content_type, size, sha256
FROM chat_files WHERE chat_id = $1 AND id = $2`

// lockAgentChats takes the advisory lock of agent $1's chats until the transaction ends:
// one agent's accepts happen one after the other, so two at once cannot both pass the
// limit.
const lockAgentChats = `SELECT pg_advisory_xact_lock(hashtext('tugi.chat.agent'), $1::int)`

// acceptChat gives the waiting chat $1 to agent $2 at $3, when the agent holds fewer than
// $4 chats under way. Only one agent's UPDATE finds the chat still waiting: the others'
// match no row. It returns the chat's organisation.
const acceptChat = `
UPDATE chats SET state = 'active', agent_id = $2, accepted_at = $3
WHERE id = $1 AND state = 'waiting'
  AND (SELECT count(*) FROM chats WHERE agent_id = $2 AND state = 'active') < $4
RETURNING org_id`

// activeChatsOf counts the chats under way of agent $1.
const activeChatsOf = `SELECT count(*) FROM chats WHERE agent_id = $1 AND state = 'active'`

// endChat ends chat $1, by $2 at $3.
const endChat = `
UPDATE chats SET state = 'ended', ended_at = $3, ended_by = $2
WHERE id = $1 AND state <> 'ended'`

// keepChat writes that chat $1's transcript is kept in ticket $2.
const keepChat = `UPDATE chats SET ticket_id = $2 WHERE id = $1 AND ticket_id IS NULL`

// seenByCustomer and seenByAgent write that the customer (or agent) of chat $1 has seen
// its messages up to $2.
const (
	seenByCustomer = `UPDATE chats SET customer_seen_id = $2 WHERE id = $1 AND customer_seen_id < $2`
	seenByAgent    = `UPDATE chats SET agent_seen_id = $2 WHERE id = $1 AND agent_seen_id < $2`
)

// firstBody is the first message of chat c, for the agents' lists.
const firstBody = `,
(SELECT m.body FROM chat_messages m WHERE m.chat_id = c.id ORDER BY m.id LIMIT 1) AS first_body`

// waitingChats reads the waiting chats, oldest first, with their first messages.
const waitingChats = `SELECT ` + chatColumns + firstBody + chatFrom + `
WHERE c.state = 'waiting'
ORDER BY c.created_at, c.id`

// agentChats reads the chats under way of agent $1, oldest first, with their first
// messages.
const agentChats = `SELECT ` + chatColumns + firstBody + chatFrom + `
WHERE c.state = 'active' AND c.agent_id = $1
ORDER BY c.accepted_at, c.id`

// placeOf reads the place of waiting chat $1 in the queue: 1 for the oldest.
const placeOf = `
SELECT count(*) FROM chats w, chats c
WHERE c.id = $1 AND w.state = 'waiting' AND (w.created_at, w.id) <= (c.created_at, c.id)`

// availableAgents counts the active agents who take new work now.
const availableAgents = `SELECT count(*) FROM users WHERE active AND available AND 'agent' = ANY (roles)`

// chatTimes reads when the chats accepted since $1 were started, accepted and ended:
// the figures of waits and durations.
const chatTimes = `
SELECT created_at, accepted_at, ended_at FROM chats
WHERE created_at >= $1 AND accepted_at IS NOT NULL
ORDER BY created_at`

// newestMessage reads the id of chat $1's newest message, 0 when none.
const newestMessage = `SELECT coalesce(max(id), 0) FROM chat_messages WHERE chat_id = $1`
