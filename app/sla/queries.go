package sla

// The SQL of service levels: every statement the sla package runs on sla_policies, on
// its row of settings (the support calendar) and on sla_recomputes (which the SLA job,
// in app/ticket, works through the functions of recompute.go).

// listPolicies reads the policy of each priority, most pressing first.
const listPolicies = `
SELECT priority, first_response_minutes, next_response_minutes, resolution_minutes,
       warn_percent, notify_warning, notify_breach, updated_at
FROM sla_policies
ORDER BY array_position(ARRAY['urgent', 'high', 'normal', 'low'], priority)`

// updatePolicy writes the targets (in minutes), warning point and recipients of the
// policy of priority $1.
const updatePolicy = `
UPDATE sla_policies
SET first_response_minutes = $2, next_response_minutes = $3, resolution_minutes = $4,
    warn_percent = $5, notify_warning = $6, notify_breach = $7, updated_at = now()
WHERE priority = $1`

// calendarVersion reads when the settings row $1 (the support calendar's) was saved.
const calendarVersion = `SELECT updated_at FROM settings WHERE key = $1`

// selectCalendar reads the settings row $1 (the support calendar's) and when it was
// saved.
const selectCalendar = `SELECT value, updated_at FROM settings WHERE key = $1`

// saveCalendar writes the settings row $1 (the support calendar's) with the
// configuration $2 (JSON), and that it was saved now.
const saveCalendar = `
INSERT INTO settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = clock_timestamp()`

// insertRecompute writes a request that the SLA job recompute the running clocks, for
// the reason $1 (RecomputeCalendar or RecomputePolicy).
const insertRecompute = `INSERT INTO sla_recomputes (reason) VALUES ($1)`

// pendingRecomputes reads the recomputations not finished, oldest first, and whether
// each was requested more than $1 seconds ago.
const pendingRecomputes = `
SELECT id, reason, started_at, after_id, created_at <= now() - make_interval(secs => $1) AS ripe
FROM sla_recomputes WHERE finished_at IS NULL ORDER BY id`

// startRecompute writes that recomputation $1 started now.
const startRecompute = `UPDATE sla_recomputes SET started_at = now() WHERE id = $1`

// mergeRecomputes writes the recomputations requested before $1 and not started as
// finished now, merged into $1.
const mergeRecomputes = `
UPDATE sla_recomputes SET finished_at = now(), merged_into = $1
WHERE finished_at IS NULL AND started_at IS NULL AND id < $1`

// advanceRecompute writes that recomputation $1 walked up to ticket $2, changing $3 more
// tickets' clocks, and when $4, that it finished now.
const advanceRecompute = `
UPDATE sla_recomputes SET after_id = $2, tickets = tickets + $3,
       finished_at = CASE WHEN $4::boolean THEN now() END
WHERE id = $1`

// getChatPolicy reads the chat's service level (its one row).
const getChatPolicy = `SELECT wait_target_seconds, offer_ticket_seconds, agent_limit, updated_at FROM sla_chat`

// updateChatPolicy writes the chat's wait target $1, the wait $2 after which a ticket is
// offered (both in seconds) and the agent's limit of chats $3.
const updateChatPolicy = `
UPDATE sla_chat SET wait_target_seconds = $1, offer_ticket_seconds = $2, agent_limit = $3, updated_at = now()`
