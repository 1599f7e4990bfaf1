package auditpage

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "audit.export", EN: "Audit log exported", ET: "Auditilogi eksporditud"},
	}
}
