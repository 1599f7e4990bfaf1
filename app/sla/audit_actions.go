package sla

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "settings.sla_policy", EN: "Service level changed", ET: "Teenustase muudetud"},
		{Action: "settings.chat_policy", EN: "Chat service level changed", ET: "Vestluse teenustase muudetud"},
		{Action: "settings.calendar", EN: "Support calendar changed", ET: "Klienditoe kalender muudetud"},
	}
}
