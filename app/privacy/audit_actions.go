package privacy

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "person.erase", EN: "Person erased", ET: "Isik kustutatud"},
		{Action: "person.export", EN: "Person's data exported", ET: "Isiku andmed eksporditud"},
	}
}
