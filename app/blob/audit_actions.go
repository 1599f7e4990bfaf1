package blob

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "blob.collect", EN: "Files no longer used deleted", ET: "Kasutuseta failid kustutatud"},
	}
}
