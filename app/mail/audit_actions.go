package mail

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "mail.clear_bodies", EN: "Text of old e-mail cleared", ET: "Vanade e-kirjade tekst kustutatud"},
	}
}
