package sla

// The SQL of service levels: every statement the sla package runs on sla_policies, on
// its row of settings (the support calendar) and on sla_recomputes.

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
