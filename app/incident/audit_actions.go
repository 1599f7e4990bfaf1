package incident

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "incident.report", EN: "Security incident reported", ET: "Turvaintsidendist teatatud"},
		{Action: "incident.classify", EN: "Incident classified", ET: "Intsident klassifitseeritud"},
		{Action: "incident.severity_override", EN: "Incident severity overridden", ET: "Intsidendi raskusaste muudetud"},
		{Action: "incident.decide", EN: "Incident triage decisions recorded", ET: "Intsidendi triaažiotsused salvestatud"},
		{Action: "incident.handler_add", EN: "Incident handler named", ET: "Intsidendi käsitleja määratud"},
		{Action: "incident.handler_remove", EN: "Incident handler removed", ET: "Intsidendi käsitleja eemaldatud"},
		{Action: "incident.owner", EN: "Incident owner changed", ET: "Intsidendi omanik muudetud"},
		{Action: "incident.state", EN: "Incident state changed", ET: "Intsidendi olek muudetud"},
		{Action: "incident.note", EN: "Incident note added", ET: "Intsidendi märkus lisatud"},
		{Action: "incident.task_add", EN: "Incident task added", ET: "Intsidendi ülesanne lisatud"},
		{Action: "incident.task_done", EN: "Incident task done", ET: "Intsidendi ülesanne tehtud"},
		{Action: "incident.evidence_upload", EN: "Evidence uploaded", ET: "Tõend üles laaditud"},
		{Action: "incident.evidence_download", EN: "Evidence downloaded", ET: "Tõend alla laaditud"},
		{Action: "incident.review", EN: "Post-incident review written", ET: "Intsidendijärgne ülevaade kirjutatud"},
		{Action: "incident.organisation_add", EN: "Affected organisation added", ET: "Mõjutatud organisatsioon lisatud"},
		{Action: "incident.organisation_remove", EN: "Affected organisation removed", ET: "Mõjutatud organisatsioon eemaldatud"},
		{Action: "incident.ticket_link", EN: "Ticket linked to incident", ET: "Pöördumine intsidendiga seotud"},
	}
}
