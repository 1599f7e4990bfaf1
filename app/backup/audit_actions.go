package backup

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "backup.made", EN: "Backup made", ET: "Varukoopia tehtud"},
		{Action: "backup.failed", EN: "Backup failed", ET: "Varukoopia ebaõnnestus"},
		{Action: "backup.drilled", EN: "Restore drill passed", ET: "Taastamisharjutus õnnestus"},
		{Action: "backup.drill_failed", EN: "Restore drill failed", ET: "Taastamisharjutus ebaõnnestus"},
	}
}
