package subprocessor

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "subprocessor.announce", EN: "Sub-processor announced", ET: "Alamtöötleja välja kuulutatud"},
		{Action: "subprocessor.record", EN: "Sub-processor engaged earlier recorded", ET: "Varem kaasatud alamtöötleja kirja pandud"},
		{Action: "subprocessor.end", EN: "Sub-processor's last day announced", ET: "Alamtöötleja viimane päev välja kuulutatud"},
	}
}
