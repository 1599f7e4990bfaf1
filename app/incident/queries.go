package incident

// The SQL of incidents, written out. Every query of incidents and their rows starts with
// the scope's two parameters ($1: the viewer is the CISO, $2: the viewer's user id; see
// Scope.args) and applies one of the conditions below to the incident aliased i.

// fullSQL is the condition that the viewer sees incident i in full: the CISO, or a
// handler named on it.
const fullSQL = `($1::boolean OR EXISTS (SELECT 1 FROM incident_handlers h WHERE h.incident_id = i.id AND h.user_id = $2::bigint))`

// visibleSQL is the condition that the viewer sees incident i at all: in full, or in part
// as its reporter.
const visibleSQL = `(` + fullSQL + ` OR i.reporter_id = $2::bigint)`

// accessSQL is the viewer's Access to incident i (2 full, 1 reporter, 0 none).
const accessSQL = `CASE WHEN ` + fullSQL + ` THEN 2 WHEN i.reporter_id = $2::bigint THEN 1 ELSE 0 END`

// incidentColumns are the columns of an Incident, of i joined with its reporter (r) and
// owner (o).
const incidentColumns = `i.id, i.reference, i.summary, i.noticed_at, i.system_or_data, i.personal_data,
	i.orgs_unknown, i.reporter_id, r.name AS reporter_name, i.channel, i.state, i.not_incident_reason,
	i.owner_id, o.name AS owner_name, i.taxonomy_class, i.taxonomy_type, i.impact_c, i.impact_i, i.impact_a,
	i.urgency, i.severity_computed, i.severity_override, i.severity_override_reason, i.severity,
	i.occurred_at, i.detected_at, i.reported_at, i.aware_at, i.aware_justification,
	i.personal_breach, i.personal_breach_rationale, i.personal_breach_decided_at,
	i.nis2_significant, i.nis2_rationale, i.significant_at,
	i.breach_effects, i.breach_remedial_action, i.breach_not_notified_reason,
	i.review_what_happened, i.review_root_cause, i.review_changes, i.review_lessons, i.reviewed_at,
	i.triaged_at, i.contained_at, i.resolved_at, i.closed_at, i.created_at, i.updated_at,
	` + accessSQL + ` AS access`

// getIncident reads incident $3 if the viewer may see it.
const getIncident = `
SELECT ` + incidentColumns + `
FROM incidents i
JOIN users r ON r.id = i.reporter_id
LEFT JOIN users o ON o.id = i.owner_id
WHERE i.id = $3 AND ` + visibleSQL

// lockIncident locks incident $3 for a change, if the viewer may see it.
const lockIncident = getIncident + `
FOR UPDATE OF i`

// referenceLock serialises the numbering of one year's incidents (with the year as the
// second key), so two reports at once never take the same number.
const referenceLock = `SELECT pg_advisory_xact_lock(1768842000, $1)`

// insertIncident writes a new incident, numbered next in its year ($1), and returns its
// id and reference.
const insertIncident = `
INSERT INTO incidents (ref_year, ref_number, summary, noticed_at, system_or_data, personal_data, orgs_unknown,
	reporter_id, channel, reported_at, aware_at, created_at, updated_at)
VALUES ($1, (SELECT coalesce(max(ref_number), 0) + 1 FROM incidents WHERE ref_year = $1), $2, $3, $4, $5, $6,
	$7, $8, $9, $9, $9, $9)
RETURNING id, reference`

// insertOrganisation names an organisation an incident may affect (once).
const insertOrganisation = `
INSERT INTO incident_organisations (incident_id, org_id, added_by, added_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`

// deleteOrganisation removes an organisation from an incident.
const deleteOrganisation = `DELETE FROM incident_organisations WHERE incident_id = $1 AND org_id = $2`

// insertEntry adds an entry to an incident's timeline.
const insertEntry = `
INSERT INTO incident_timeline (incident_id, at, author_id, kind, for_reporter, body) VALUES ($1, $2, $3, $4, $5, $6)`

// insertEvidence records an evidence file of an incident.
const insertEvidence = `
INSERT INTO incident_evidence (incident_id, filename, content_type, size, sha256, uploaded_by, uploaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`

// insertTicketLink links a ticket to an incident (once).
const insertTicketLink = `
INSERT INTO incident_ticket_links (incident_id, ticket_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`

// listRowColumns are the columns of a Row, of incident i.
const listRowColumns = `i.id, i.reference, i.summary, i.state, i.severity, i.reported_at, i.updated_at, i.reporter_id`

// listReported lists the incidents the viewer reported, latest first: their own reports.
const listReported = `
SELECT ` + listRowColumns + `
FROM incidents i
WHERE i.reporter_id = $2::bigint AND ` + visibleSQL + `
ORDER BY i.id DESC
LIMIT $3`

// listBoard lists the open incidents the viewer sees in full, most severe first (one
// not yet assessed after the critical ones), then by state and age.
const listBoard = `
SELECT ` + listRowColumns + `
FROM incidents i
WHERE i.state NOT IN ('closed', 'not_incident') AND ` + fullSQL + `
ORDER BY CASE i.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 WHEN 'low' THEN 4 ELSE 1 END,
	array_position(ARRAY['reported', 'triage', 'investigating', 'contained', 'resolved'], i.state), i.id
LIMIT $3`

// listClosed lists the incidents the viewer sees in full that closed last.
const listClosed = `
SELECT ` + listRowColumns + `
FROM incidents i
WHERE i.state IN ('closed', 'not_incident') AND ` + fullSQL + `
ORDER BY i.closed_at DESC, i.id DESC
LIMIT $3`

// selectHandlers lists the handlers named on incident $3, which the viewer sees in full.
const selectHandlers = `
SELECT h.user_id, u.name, u.email, h.named_at
FROM incident_handlers h
JOIN incidents i ON i.id = h.incident_id
JOIN users u ON u.id = h.user_id
WHERE h.incident_id = $3 AND ` + fullSQL + `
ORDER BY h.named_at, h.user_id`

// selectOrganisations lists the organisations incident $3 may affect.
const selectOrganisations = `
SELECT o.id AS org_id, o.name
FROM incident_organisations io
JOIN incidents i ON i.id = io.incident_id
JOIN organisations o ON o.id = io.org_id
WHERE io.incident_id = $3 AND ` + fullSQL + `
ORDER BY o.name`

// selectTimeline lists incident $3's timeline, oldest first: every entry for those who
// see it in full, and only those told to the reporter for its reporter.
const selectTimeline = `
SELECT t.id, t.at, t.author_id, u.name AS author_name, t.kind, t.for_reporter, t.body
FROM incident_timeline t
JOIN incidents i ON i.id = t.incident_id
LEFT JOIN users u ON u.id = t.author_id
WHERE t.incident_id = $3 AND (` + fullSQL + ` OR (i.reporter_id = $2::bigint AND t.for_reporter))
ORDER BY t.at, t.id`

// selectTasks lists incident $3's tasks: open ones first, by due time.
const selectTasks = `
SELECT t.id, t.title, t.owner_id, u.name AS owner_name, t.due_at, t.done_at, t.created_at
FROM incident_tasks t
JOIN incidents i ON i.id = t.incident_id
LEFT JOIN users u ON u.id = t.owner_id
WHERE t.incident_id = $3 AND ` + fullSQL + `
ORDER BY t.done_at IS NOT NULL, t.due_at NULLS LAST, t.id`

// selectEvidence lists incident $3's evidence files.
const selectEvidence = `
SELECT e.id, e.incident_id, e.filename, e.content_type, e.size, e.sha256, e.uploaded_by, u.name AS uploader_name, e.uploaded_at
FROM incident_evidence e
JOIN incidents i ON i.id = e.incident_id
LEFT JOIN users u ON u.id = e.uploaded_by
WHERE e.incident_id = $3 AND ` + fullSQL + `
ORDER BY e.id`

// getEvidence reads evidence file $4 of incident $3, if the viewer sees the incident in
// full.
const getEvidence = `
SELECT e.id, e.incident_id, e.filename, e.content_type, e.size, e.sha256, e.uploaded_by, NULL AS uploader_name, e.uploaded_at
FROM incident_evidence e
JOIN incidents i ON i.id = e.incident_id
WHERE e.incident_id = $3 AND e.id = $4 AND ` + fullSQL

// selectCustody lists the chain of custody of incident $3's evidence: every upload and
// download, from the audit log, in order.
const selectCustody = `
SELECT a.at, a.action, a.actor_user_id, u.name AS actor_name, coalesce((a.changes -> 'evidence_id' ->> 'new')::bigint, 0) AS evidence_id
FROM audit_events a
JOIN incidents i ON i.id = $3
LEFT JOIN users u ON u.id = a.actor_user_id
WHERE a.object_type = 'incident' AND a.object_id = $3::text
	AND a.action IN ('incident.evidence_upload', 'incident.evidence_download') AND ` + fullSQL + `
ORDER BY a.id`

// selectTicketLinks lists the tickets linked to incident $3.
const selectTicketLinks = `
SELECT l.ticket_id, t.subject, t.created_at
FROM incident_ticket_links l
JOIN incidents i ON i.id = l.incident_id
JOIN tickets t ON t.id = l.ticket_id
WHERE l.incident_id = $3 AND ` + fullSQL + `
ORDER BY l.linked_at`

// selectIncidentsOfTicket lists the incidents linked to ticket $3 that the viewer sees
// (in full, or as the agent who reported it from the ticket): what a ticket's page may
// show of them.
const selectIncidentsOfTicket = `
SELECT i.id, i.reference
FROM incident_ticket_links l
JOIN incidents i ON i.id = l.incident_id
WHERE l.ticket_id = $3 AND ` + visibleSQL + `
ORDER BY i.id`

// getByReference finds the incident with reference $3 that the viewer sees in full.
const getByReference = `SELECT i.id FROM incidents i WHERE i.reference = $3 AND ` + fullSQL

// selectAgents lists the people who may be named handlers: active agents (the User
// Support team).
const selectAgents = `
SELECT id, name FROM users WHERE active AND 'agent' = ANY (roles) ORDER BY name, id`

// selectCISOs lists the active CISOs: the owners an incident may have, and who hear of
// every new one.
const selectCISOs = `
SELECT id, name, email, language FROM users WHERE active AND 'ciso' = ANY (roles) ORDER BY id`

// selectPerson reads an active person for a notice.
const selectPerson = `
SELECT id, name, email, language FROM users WHERE id = $1 AND active`

// insertHandler names a handler on an incident (once).
const insertHandler = `
INSERT INTO incident_handlers (incident_id, user_id, named_by, named_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`

// deleteHandler removes a handler from an incident.
const deleteHandler = `DELETE FROM incident_handlers WHERE incident_id = $1 AND user_id = $2`

// updateClassification sets an incident's classification and computed severity.
const updateClassification = `
UPDATE incidents SET taxonomy_class = $2, taxonomy_type = $3, impact_c = $4, impact_i = $5, impact_a = $6,
	urgency = $7, severity_computed = $8, occurred_at = $9, detected_at = $10, updated_at = $11
WHERE id = $1`

// updateOverride sets or clears the CISO's severity override.
const updateOverride = `
UPDATE incidents SET severity_override = $2, severity_override_reason = $3, updated_at = $4 WHERE id = $1`

// updateDecisions records the CISO's decisions: awareness, personal-data breach, NIS2.
const updateDecisions = `
UPDATE incidents SET aware_at = $2, aware_justification = $3, aware_recorded_by = $4,
	personal_breach = $5, personal_breach_rationale = $6, personal_breach_decided_at = $7,
	nis2_significant = $8, nis2_rationale = $9, significant_at = $10, updated_at = $11
WHERE id = $1`

// updateOwner sets an incident's owner.
const updateOwner = `UPDATE incidents SET owner_id = $2, updated_at = $3 WHERE id = $1`

// updateState moves an incident; each stage's first moment is kept.
const updateState = `
UPDATE incidents SET state = $2, not_incident_reason = $3, updated_at = $4,
	triaged_at = CASE WHEN $2 IN ('triage', 'investigating', 'contained', 'resolved', 'closed') THEN coalesce(triaged_at, $4) ELSE triaged_at END,
	contained_at = CASE WHEN $2 IN ('contained', 'resolved', 'closed') THEN coalesce(contained_at, $4) ELSE contained_at END,
	resolved_at = CASE WHEN $2 IN ('resolved', 'closed') THEN coalesce(resolved_at, $4) ELSE resolved_at END,
	closed_at = CASE WHEN $2 IN ('closed', 'not_incident') THEN $4 END
WHERE id = $1`

// updateReview writes the post-incident review.
const updateReview = `
UPDATE incidents SET review_what_happened = $2, review_root_cause = $3, review_changes = $4, review_lessons = $5,
	reviewed_at = $6, reviewed_by = $7, updated_at = $6
WHERE id = $1`

// updateOrgsUnknown sets whether the affected organisations are unknown.
const updateOrgsUnknown = `UPDATE incidents SET orgs_unknown = $2, updated_at = $3 WHERE id = $1`

// touchIncident marks an incident as changed now.
const touchIncident = `UPDATE incidents SET updated_at = $2 WHERE id = $1`

// insertTask adds a task to an incident.
const insertTask = `
INSERT INTO incident_tasks (incident_id, title, owner_id, due_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id`

// completeTask marks task $2 of incident $1 done (once).
const completeTask = `
UPDATE incident_tasks SET done_at = $3, done_by = $4 WHERE incident_id = $1 AND id = $2 AND done_at IS NULL`
