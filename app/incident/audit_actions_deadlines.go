package incident

import "tugi/app/audit"

// DeadlineAuditActions are the actions the deadlines of incidents record, labelled for
// people; AuditActions (the incident package's list) includes them.
func DeadlineAuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "incident.notice_recorded", EN: "Incident notice recorded", ET: "Intsidenditeade registreeritud"},
		{Action: "incident.notice_acknowledged", EN: "Incident notice acknowledged by the customer", ET: "Klient kinnitas intsidenditeate kättesaamist"},
		{Action: "incident.breach_account", EN: "Breach register account recorded", ET: "Rikkumiste registri kirje salvestatud"},
		{Action: "incident.customer_target", EN: "Customer notice target changed", ET: "Kliendile teatamise tähtaeg muudetud"},
		{Action: "incident.register_export", EN: "Breach register exported", ET: "Rikkumiste register eksporditud"},
		{Action: "incident.figures_export", EN: "Incident figures exported", ET: "Intsidentide näitajad eksporditud"},
		{Action: "incident.deadline_warning", EN: "Incident deadline warning sent", ET: "Intsidendi tähtaja hoiatus saadetud"},
	}
}
