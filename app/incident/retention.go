package incident

import (
	"context"
	"fmt"
	"strconv"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/retention/scope"
)

// Retention (app/retention) removes closed incidents (and those found to be none) with
// everything recorded about them once the incidents' rule lets them expire. The rule is
// one for all: an incident may concern several organisations. An incident stays while a
// legal hold covers it: on the incident, on a person who reported, owns or handles it, or
// on an organisation it concerns or its reporter belongs to. The newest incident of each
// reference year stays until a later year has one, so that its reference is never given
// again (a new reference is the year's highest number plus one). Its parameters are
// scope.Args; organisations' own cutoffs do not apply.

const expiredIncidents = `
FROM incidents i
WHERE i.state IN ('closed', 'not_incident') AND i.closed_at < $1::timestamptz
  AND (i.id = ANY ($6) OR i.reporter_id = ANY ($5) OR i.owner_id = ANY ($5)
       OR EXISTS (SELECT FROM incident_handlers h WHERE h.incident_id = i.id AND h.user_id = ANY ($5))) IS NOT TRUE
  AND NOT EXISTS (SELECT FROM incident_organisations o WHERE o.incident_id = i.id AND o.org_id = ANY ($4))
  AND NOT EXISTS (SELECT FROM users u WHERE u.id = i.reporter_id AND u.org_id = ANY ($4))
  AND (EXISTS (SELECT FROM incidents n WHERE n.ref_year = i.ref_year AND n.ref_number > i.ref_number)
       OR EXISTS (SELECT FROM incidents n WHERE n.ref_year > i.ref_year))
  AND $2::bigint[] IS NOT NULL AND $3::timestamptz[] IS NOT NULL
`

const selectExpiredIncidents = `SELECT i.id, 0::bigint AS org_id` + expiredIncidents + `
ORDER BY i.id LIMIT $7 FOR UPDATE OF i SKIP LOCKED`

const countExpiredIncidents = `SELECT 0::bigint AS org_id, count(*) AS n` + expiredIncidents

// The incident's rows, children first.
const (
	deleteIncidentNoticeRecipients = `DELETE FROM incident_notice_recipients WHERE notice_id IN (SELECT id FROM incident_notices WHERE incident_id = ANY ($1))`
	deleteIncidentNotices          = `DELETE FROM incident_notices WHERE incident_id = ANY ($1)`
	deleteIncidentClockWarnings    = `DELETE FROM incident_clock_warnings WHERE incident_id = ANY ($1)`
	deleteIncidentEvidence         = `DELETE FROM incident_evidence WHERE incident_id = ANY ($1)`
	deleteIncidentTicketLinks      = `DELETE FROM incident_ticket_links WHERE incident_id = ANY ($1)`
	deleteIncidentTasks            = `DELETE FROM incident_tasks WHERE incident_id = ANY ($1)`
	deleteIncidentTimeline         = `DELETE FROM incident_timeline WHERE incident_id = ANY ($1)`
	deleteIncidentOrganisations    = `DELETE FROM incident_organisations WHERE incident_id = ANY ($1)`
	deleteIncidentHandlers         = `DELETE FROM incident_handlers WHERE incident_id = ANY ($1)`
	deleteIncidents                = `DELETE FROM incidents WHERE id = ANY ($1)`
)

// CountExpired counts the incidents DeleteExpired would remove (under organisation 0).
func CountExpired(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error) {
	counts, err := scope.CountBy(ctx, q, countExpiredIncidents, c, h)
	if err != nil {
		return nil, fmt.Errorf("incident: count expired incidents: %w", err)
	}
	return counts, nil
}

// DeleteExpired removes at most limit closed incidents that have expired and no hold
// covers, with their timeline, tasks, evidence records (the contents go with
// blob.collect), notices and links, in q's transaction, each with its audit event
// incident.expired, and returns how many went.
func DeleteExpired(ctx context.Context, q database.Queryer, actor audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
	var objs []scope.Object
	if err := q.SelectContext(ctx, &objs, selectExpiredIncidents, scope.Args(c, h, limit)...); err != nil {
		return nil, fmt.Errorf("incident: expired incidents: %w", err)
	}
	removed := scope.Counts{}
	if len(objs) == 0 {
		return removed, nil
	}
	ids := scope.IDs(objs)
	for _, stmt := range []string{deleteIncidentNoticeRecipients, deleteIncidentNotices, deleteIncidentClockWarnings,
		deleteIncidentEvidence, deleteIncidentTicketLinks, deleteIncidentTasks, deleteIncidentTimeline,
		deleteIncidentOrganisations, deleteIncidentHandlers, deleteIncidents} {
		if _, err := q.ExecContext(ctx, stmt, ids); err != nil {
			return nil, fmt.Errorf("incident: remove expired incidents: %w", err)
		}
	}
	for _, o := range objs {
		removed.Add(0, 1)
		if err := audit.Record(ctx, q, actor, audit.Event{Action: "incident.expired", ObjectType: "incident",
			ObjectID: strconv.FormatInt(o.ID, 10)}); err != nil {
			return nil, err
		}
	}
	return removed, nil
}

// RetentionAuditActions are the actions retention records through this package.
func RetentionAuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "incident.expired", EN: "Incident removed after its retention period", ET: "Intsident säilitustähtaja möödudes eemaldatud"},
	}
}
