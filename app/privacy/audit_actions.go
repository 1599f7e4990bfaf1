package privacy

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "person.erase", EN: "Person erased", ET: "Isik kustutatud"},
		{Action: "person.export", EN: "Person's data exported", ET: "Isiku andmed eksporditud"},
		{Action: "person.export_organisation", EN: "Organisation's personal data exported", ET: "Organisatsiooni isikuandmed eksporditud"},
		{Action: "person.org_export_grant", EN: "Right to export the organisation given", ET: "Organisatsiooni ekspordi õigus antud"},
		{Action: "person.org_export_withdraw", EN: "Right to export the organisation withdrawn", ET: "Organisatsiooni ekspordi õigus võetud"},
	}
}
