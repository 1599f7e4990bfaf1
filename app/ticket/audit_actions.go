package ticket

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people: those on
// tickets, on canned replies, and those of the SLA job.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "ticket.create", EN: "Ticket opened", ET: "Pöördumine avatud"},
		{Action: "ticket.reply", EN: "Reply", ET: "Vastus"},
		{Action: "ticket.note", EN: "Internal note added", ET: "Sisemärkus lisatud"},
		{Action: "ticket.status", EN: "Status changed", ET: "Olek muudetud"},
		{Action: "ticket.priority", EN: "Priority changed", ET: "Prioriteet muudetud"},
		{Action: "ticket.category", EN: "Category changed", ET: "Kategooria muudetud"},
		{Action: "ticket.assign", EN: "Assignee changed", ET: "Vastutaja muudetud"},
		{Action: "ticket.hand_back", EN: "Ticket handed back", ET: "Pöördumine tagasi antud"},
		{Action: "ticket.team", EN: "Team changed", ET: "Meeskond muudetud"},
		{Action: "ticket.close", EN: "Ticket closed", ET: "Pöördumine suletud"},
		{Action: "ticket.reopen", EN: "Ticket reopened", ET: "Pöördumine taasavatud"},
		{Action: "ticket.chat", EN: "Chat transcript added", ET: "Vestluse ärakiri lisatud"},
		{Action: "ticket.link", EN: "Ticket linked", ET: "Pöördumine seotud"},
		{Action: "ticket.unlink", EN: "Link removed", ET: "Seos eemaldatud"},
		{Action: "ticket.attachment_download", EN: "Attachment downloaded", ET: "Manus alla laaditud"},
		{Action: "canned.create", EN: "Canned reply created", ET: "Valmisvastus loodud"},
		{Action: "canned.update", EN: "Canned reply changed", ET: "Valmisvastus muudetud"},
		{Action: "canned.delete", EN: "Canned reply deleted", ET: "Valmisvastus kustutatud"},
		{Action: "queue_view.create", EN: "Queue view saved", ET: "Järjekorra vaade salvestatud"},
		{Action: "queue_view.delete", EN: "Queue view deleted", ET: "Järjekorra vaade kustutatud"},
		{Action: "ticket.sla_warning", EN: "SLA warning sent", ET: "SLA hoiatus saadetud"},
		{Action: "ticket.sla_breach", EN: "SLA breach sent", ET: "SLA rikkumise teade saadetud"},
		{Action: "sla.recompute", EN: "Due times recomputed", ET: "Tähtajad ümber arvutatud"},
	}
}
