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
