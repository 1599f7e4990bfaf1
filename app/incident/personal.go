package incident

import (
	"context"
	"fmt"
	"strings"

	"tugi/app/database"
	"tugi/app/privacy/person"
)

// The erasure of a person (app/privacy) in what app/incident owns. $1 is the person, $2
// the pattern of their name and address, $3 the pseudonym; the person's incidents are
// those they reported (reporter_id) and, for staff, those they own or handle.

// theirIncidents are the incidents where the person's name is looked for.
const theirIncidents = `(SELECT id FROM incidents WHERE reporter_id = $1 OR owner_id = $1
    UNION SELECT incident_id FROM incident_handlers WHERE user_id = $1)`

// incidentTexts are the free texts of an incident with their length limits (0: none).
var incidentTexts = []struct {
	col   string
	limit int
}{
	{"summary", 10000}, {"system_or_data", 1000}, {"not_incident_reason", 0}, {"severity_override_reason", 0},
	{"aware_justification", 0}, {"personal_breach_rationale", 0}, {"nis2_rationale", 0}, {"breach_effects", 0},
	{"breach_remedial_action", 0}, {"breach_not_notified_reason", 0}, {"review_what_happened", 0},
	{"review_root_cause", 0}, {"review_changes", 0}, {"review_lessons", 0}, {"vendor_controller_rationale", 0},
}

// redactIncidents replaces the name and address in every text of the person's incidents.
var redactIncidents = func() string {
	var set, where []string
	for _, t := range incidentTexts {
		v := "regexp_replace(" + t.col + ", $2, $3, 'gi')"
		if t.limit > 0 {
			v = fmt.Sprintf("left(%s, %d)", v, t.limit)
		}
		set = append(set, t.col+" = "+v)
		where = append(where, "coalesce("+t.col+", '') ~* $2")
	}
	return "UPDATE incidents SET " + strings.Join(set, ", ") +
		"\nWHERE id IN " + theirIncidents + " AND (" + strings.Join(where, " OR ") + ")"
}()

const (
	// What the reporter wrote when reporting: the summary and the system or data concerned.
	eraseReports = `
UPDATE incidents SET summary = $2, system_or_data = ''
WHERE reporter_id = $1 AND (summary <> $2 OR system_or_data <> '')`
	eraseOwnTimeline = `UPDATE incident_timeline SET body = $2 WHERE author_id = $1 AND body <> $2`
	redactTimeline   = `
UPDATE incident_timeline SET body = left(regexp_replace(body, $2, $3, 'gi'), 20000)
WHERE (author_id = $1 OR incident_id IN ` + theirIncidents + `) AND body ~* $2`
	redactTasks = `
UPDATE incident_tasks SET title = left(regexp_replace(title, $2, $3, 'gi'), 500)
WHERE incident_id IN ` + theirIncidents + ` AND title ~* $2`
	redactNotices = `
UPDATE incident_notices
SET subject = left(regexp_replace(subject, $2, $3, 'gi'), 300), body = left(regexp_replace(body, $2, $3, 'gi'), 20000),
    late_reason = left(regexp_replace(late_reason, $2, $3, 'gi'), 5000)
WHERE incident_id IN ` + theirIncidents + ` AND (subject ~* $2 OR body ~* $2 OR late_reason ~* $2)`
	redactEvidence = `
UPDATE incident_evidence SET filename = left(regexp_replace(filename, $2, $3, 'gi'), 255)
WHERE incident_id IN ` + theirIncidents + ` AND filename ~* $2`
	eraseOwnEvidence = `DELETE FROM incident_evidence WHERE uploaded_by = $1 RETURNING sha256`
)

// ErasePerson applies e to incidents through q, the erasure's transaction: what the person
// wrote in their reports and in timelines is removed (e.RemoveIncidentText) or kept, their
// name and address are replaced by the pseudonym in every text of the incidents they
// reported, and the evidence they uploaded is deleted. It returns the contents of the
// deleted files.
func ErasePerson(ctx context.Context, q database.Queryer, e person.Erasure, c person.Counts) ([]string, error) {
	if e.RemoveIncidentText {
		err := person.Run(ctx, q, "incident", c,
			person.Step{Kind: "incident_reports.removed", SQL: eraseReports, Args: []any{e.UserID, person.Removed}},
			person.Step{Kind: "incident_timeline.removed", SQL: eraseOwnTimeline, Args: []any{e.UserID, person.Removed}})
		if err != nil {
			return nil, err
		}
	}
	args := []any{e.UserID, e.Pattern(), e.Alias}
	err := person.Run(ctx, q, "incident", c,
		person.Step{Kind: "incident_reports.name_replaced", SQL: redactIncidents, Args: args},
		person.Step{Kind: "incident_timeline.name_replaced", SQL: redactTimeline, Args: args},
		person.Step{Kind: "incident_tasks.name_replaced", SQL: redactTasks, Args: args},
		person.Step{Kind: "incident_notices.name_replaced", SQL: redactNotices, Args: args},
		person.Step{Kind: "incident_evidence_names.name_replaced", SQL: redactEvidence, Args: args})
	if err != nil {
		return nil, err
	}
	var files []string
	if err := q.SelectContext(ctx, &files, eraseOwnEvidence, e.UserID); err != nil {
		return nil, fmt.Errorf("incident: erase evidence of %d: %w", e.UserID, err)
	}
	c.Add("incident_evidence.deleted", int64(len(files)))
	return files, nil
}
