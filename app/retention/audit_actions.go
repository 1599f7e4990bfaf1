package retention

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "retention.rule_set", EN: "Retention rule set", ET: "Säilitusreegel määratud"},
		{Action: "retention.rule_removed", EN: "Organisation's retention rule removed", ET: "Organisatsiooni säilitusreegel eemaldatud"},
		{Action: "retention.applied", EN: "Retention applied", ET: "Säilitusreeglid rakendatud"},
		{Action: "retention.failed", EN: "Retention run failed", ET: "Säilitusreeglite rakendamine ebaõnnestus"},
		{Action: "legal_hold.place", EN: "Legal hold placed", ET: "Õiguslik säilituskohustus seatud"},
		{Action: "legal_hold.release", EN: "Legal hold released", ET: "Õiguslik säilituskohustus lõpetatud"},
	}
}
