package incident

// The SQL of incident deadlines (clock.go, deadlines.go): notices, their recipients, the
// customer-notice target, the warnings sent, the breach register and the figures. Like
// every query of incidents, each starts with the scope's two parameters ($1, $2) and
// applies fullSQL to the incident aliased i: deadlines are for those who see an
// incident in full.

// clockInputColumns are what the clocks of incident i need besides its organisations and
// notices (clockInput).
const clockInputColumns = `i.id, i.reference, i.summary, i.state, i.severity, i.occurred_at, i.detected_at,
	i.reported_at, i.aware_at, i.aware_justification, i.personal_breach, i.nis2_significant, i.significant_at,
	i.vendor_controller, i.vendor_controller_rationale`

// selectClockInput reads the clock inputs of incident $3.
const selectClockInput = `
SELECT ` + clockInputColumns + `
FROM incidents i
WHERE i.id = $3 AND ` + fullSQL

// selectOpenClockInputs reads the clock inputs of every open incident with a clock: a
// personal-data breach or a significant incident (the others have none). The board and the
// deadline job read it.
const selectOpenClockInputs = `
SELECT ` + clockInputColumns + `
FROM incidents i
WHERE i.state NOT IN ('closed', 'not_incident') AND (i.personal_breach OR i.nis2_significant) AND ` + fullSQL

// selectClockOrgs lists the organisations of incidents $3 (an array).
const selectClockOrgs = `
SELECT io.incident_id, o.id, o.name
FROM incident_organisations io
JOIN incidents i ON i.id = io.incident_id
JOIN organisations o ON o.id = io.org_id
WHERE io.incident_id = ANY($3::bigint[]) AND ` + fullSQL + `
ORDER BY io.incident_id, o.name, o.id`

// selectClockNotices lists the notices of incidents $3 (an array), oldest first, with
// the organisation told and how many of its contacts acknowledged.
const selectClockNotices = `
SELECT n.id, n.incident_id, n.kind, n.org_id, coalesce(o.name, '') AS org_name, n.submitted_at,
	n.submitted_by, u.name AS submitted_by_name, n.recorded_at, n.channel, n.reference, n.subject, n.body,
	n.due_at, n.late_reason
FROM incident_notices n
JOIN incidents i ON i.id = n.incident_id
JOIN users u ON u.id = n.submitted_by
LEFT JOIN organisations o ON o.id = n.org_id
WHERE n.incident_id = ANY($3::bigint[]) AND ` + fullSQL + `
ORDER BY n.submitted_at, n.id`

// selectNoticeRecipients lists the contacts told by the customer notices of incident $3.
const selectNoticeRecipients = `
SELECT r.notice_id, u.name, u.email, r.acknowledged_at
FROM incident_notice_recipients r
JOIN incident_notices n ON n.id = r.notice_id
JOIN incidents i ON i.id = n.incident_id
JOIN users u ON u.id = r.user_id
WHERE n.incident_id = $3 AND ` + fullSQL + `
ORDER BY r.notice_id, u.name, u.id`

// getCustomerNoticeHours reads the admin's target for customer notices.
const getCustomerNoticeHours = `SELECT customer_notice_hours FROM incident_settings`

// updateCustomerNoticeHours sets it.
const updateCustomerNoticeHours = `
UPDATE incident_settings SET customer_notice_hours = $1, updated_by = $2, updated_at = $3`

// insertNotice records a notice.
const insertNotice = `
INSERT INTO incident_notices (incident_id, kind, org_id, submitted_at, submitted_by, recorded_at, channel,
	reference, subject, body, due_at, late_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING id`

// selectOrgContacts lists the customer contacts of organisation $1: its active customer
// users.
const selectOrgContacts = `
SELECT id, name, email, language FROM users
WHERE org_id = $1 AND active AND 'customer' = ANY (roles)
ORDER BY name, id`

// insertRecipient records a contact a customer notice went to.
const insertRecipient = `INSERT INTO incident_notice_recipients (notice_id, user_id) VALUES ($1, $2)`

// updateBreachAccount writes the breach register's account of incident $1 and the
// decision whether the vendor is the controller of the breached data.
const updateBreachAccount = `
UPDATE incidents SET vendor_controller = $2, vendor_controller_rationale = $3, breach_effects = $4,
	breach_remedial_action = $5, breach_not_notified_reason = $6, updated_at = $7
WHERE id = $1`

// selectBreachAccount reads the register's account of incident $3.
const selectBreachAccount = `
SELECT i.vendor_controller, i.vendor_controller_rationale, i.breach_effects, i.breach_remedial_action,
	i.breach_not_notified_reason
FROM incidents i
WHERE i.id = $3 AND ` + fullSQL

// A customer's notices (/notices). Customers see no incident: these queries read
// incident_notices by the customer's organisation and never join incidents, so nothing
// of the incident but what the notice says can reach them.

// selectCustomerNotices lists the customer notices sent to organisation $1, newest first,
// with whether person $2 acknowledged each.
const selectCustomerNotices = `
SELECT n.id, n.submitted_at, n.subject, n.body, r.acknowledged_at,
	(SELECT count(*) FROM incident_notice_recipients a WHERE a.notice_id = n.id AND a.acknowledged_at IS NOT NULL) AS acknowledgements
FROM incident_notices n
LEFT JOIN incident_notice_recipients r ON r.notice_id = n.id AND r.user_id = $2
WHERE n.org_id = $1 AND n.kind = 'customer'
ORDER BY n.id DESC
LIMIT $3`

// acknowledgeNotice records that person $2 of organisation $3 acknowledged notice $1 at
// $4, if it was sent to that organisation; a contact added after it was sent acknowledges
// too. It returns the notice's incident, for the audit event, and whether this was the
// person's first acknowledgement; no row: no such notice for them.
const acknowledgeNotice = `
WITH n AS (
	SELECT id, incident_id FROM incident_notices WHERE id = $1 AND org_id = $3 AND kind = 'customer'
), acknowledged AS (
	INSERT INTO incident_notice_recipients AS r (notice_id, user_id, acknowledged_at)
	SELECT id, $2, $4 FROM n
	ON CONFLICT (notice_id, user_id) DO UPDATE SET acknowledged_at = excluded.acknowledged_at WHERE r.acknowledged_at IS NULL
	RETURNING 1
)
SELECT n.incident_id, EXISTS (SELECT 1 FROM acknowledged) AS first FROM n`

// insertWarning claims the warning of one clock at one deadline; a row already there (this
// or another process warned) returns none.
const insertWarning = `
INSERT INTO incident_clock_warnings (incident_id, clock, warning, due_at, warned_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
RETURNING incident_id`

// selectRegister lists the personal-data breaches (GDPR Art. 33(5)) the viewer sees in
// full, newest first, those before incident $3, at most $4: every incident triage decided
// was one, notified or not.
const selectRegister = `
SELECT i.id, i.reference, i.summary, i.system_or_data, i.state, i.occurred_at, i.detected_at, i.reported_at,
	i.aware_at, i.personal_breach_rationale, i.personal_breach_decided_at, i.breach_effects,
	i.breach_remedial_action, i.breach_not_notified_reason, i.vendor_controller, i.vendor_controller_rationale,
	coalesce((SELECT string_agg(o.name, '; ' ORDER BY o.name) FROM incident_organisations io
		JOIN organisations o ON o.id = io.org_id WHERE io.incident_id = i.id), '') AS organisations,
	coalesce((SELECT string_agg(coalesce(o.name, n.kind) || ' ' || to_char(n.submitted_at AT TIME ZONE 'Europe/Tallinn', 'YYYY-MM-DD HH24:MI'), '; ' ORDER BY n.submitted_at)
		FROM incident_notices n LEFT JOIN organisations o ON o.id = n.org_id
		WHERE n.incident_id = i.id AND n.kind = 'customer'), '') AS customers_told,
	(SELECT min(n.submitted_at) FROM incident_notices n WHERE n.incident_id = i.id AND n.kind = 'authority') AS authority_told
FROM incidents i
WHERE i.personal_breach AND i.id < $3 AND ` + fullSQL + `
ORDER BY i.id DESC
LIMIT $4`

// The figures, per month of Tallinn's calendar, of the incidents the viewer sees in full
// reported since $3.

// selectFiguresCounts counts incidents by month, class and severity.
const selectFiguresCounts = `
SELECT to_char(i.reported_at AT TIME ZONE 'Europe/Tallinn', 'YYYY-MM') AS month, i.taxonomy_class AS class,
	coalesce(i.severity, '') AS severity, count(*) AS n
FROM incidents i
WHERE i.reported_at >= $3 AND i.state <> 'not_incident' AND ` + fullSQL + `
GROUP BY 1, 2, 3
ORDER BY 1 DESC, 2, 3`

// selectFiguresTimes gives per month the incidents reported, and the median hours from
// the report to triage, to containment and to closing, of those that got there.
const selectFiguresTimes = `
SELECT to_char(i.reported_at AT TIME ZONE 'Europe/Tallinn', 'YYYY-MM') AS month, count(*) AS reported,
	count(*) FILTER (WHERE i.state = 'not_incident') AS not_incidents,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.triaged_at - i.reported_at) / 3600) AS triage_hours,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.contained_at - i.reported_at) / 3600) AS contain_hours,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.closed_at - i.reported_at) / 3600)
		FILTER (WHERE i.state = 'closed') AS close_hours
FROM incidents i
WHERE i.reported_at >= $3 AND ` + fullSQL + `
GROUP BY 1
ORDER BY 1 DESC`

// selectFiguresNotices counts the deadlines that notices met and missed, per month of the
// deadline.
const selectFiguresNotices = `
SELECT to_char(n.due_at AT TIME ZONE 'Europe/Tallinn', 'YYYY-MM') AS month,
	count(*) FILTER (WHERE n.submitted_at <= n.due_at) AS met,
	count(*) FILTER (WHERE n.submitted_at > n.due_at) AS missed
FROM incident_notices n
JOIN incidents i ON i.id = n.incident_id
WHERE n.due_at IS NOT NULL AND n.due_at >= $3 AND ` + fullSQL + `
GROUP BY 1`
