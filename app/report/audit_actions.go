package report

import "tugi/app/audit"

// AuditActions are the actions the figures record, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "report.export", EN: "Report rows exported", ET: "Aruande read eksporditud"},
	}
}
