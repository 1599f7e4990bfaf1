package ticket

import (
	"tugi/app/audit"
	"tugi/app/i18n"
	"tugi/app/sla"
)

// historyField names a field of a ticket's audit events as the agent reads it on the
// page; "" for a field the page does not show (message_id: the message is in the
// conversation above).
func historyField(field string) string {
	switch field {
	case "status":
		return "Status"
	case "priority":
		return "Priority"
	case "category_id":
		return "Category"
	case "assignee_id":
		return "Assignee"
	case "team_id":
		return "Team"
	case "requester_id":
		return "Requester"
	case "impact":
		return "Impact"
	case "channel":
		return "Channel"
	case "metric":
		return "Service level"
	case "due_at":
		return "Due"
	case "attachment_ids":
		return "Attachments"
	case "attachment_id":
		return "Attachment"
	case "link", "link_id":
		return "Linked ticket"
	case "ticket_ids":
		return "Tickets"
	case "title":
		return "Title"
	case "reason":
		return "Reason"
	case "rule_id":
		return "Routing rule"
	}
	return ""
}

// historyValue translates a stored value of field into its label: a status, priority,
// impact, channel or clock as the page names them elsewhere. Others are kept.
func historyValue(lang, field, value string) string {
	if value == "" {
		return ""
	}
	switch field {
	case "status":
		return i18n.T(lang, Status(value).Label())
	case "priority":
		return i18n.T(lang, sla.Priority(value).Label())
	case "impact":
		return i18n.T(lang, Impact(value).Label())
	case "channel":
		return i18n.T(lang, Channel(value).Label())
	case "metric":
		return i18n.T(lang, Metric(value).Label())
	}
	return value
}

// labelChanges turns the fields and values of a ticket's events into people's words
// ("Impact: Only me", not "impact: one_person"), after nameChanges has put names in
// place of the people, categories and teams they name by id.
func labelChanges(lang string, es []audit.Entry) {
	for i := range es {
		var kept []audit.FieldChange
		for _, fc := range es[i].Changes {
			if historyField(fc.Field) == "" {
				continue
			}
			kept = append(kept, audit.FieldChange{Field: i18n.T(lang, historyField(fc.Field)),
				Old: historyValue(lang, fc.Field, fc.Old), New: historyValue(lang, fc.Field, fc.New)})
		}
		es[i].Changes = kept
	}
}
