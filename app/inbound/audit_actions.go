package inbound

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "inbound.process", EN: "E-mail processed", ET: "E-kiri töödeldud"},
		{Action: "inbound.resolve", EN: "Held e-mail resolved by an agent", ET: "Kinni peetud e-kiri lahendatud"},
		{Action: "inbound.discard", EN: "E-mail discarded", ET: "E-kiri kõrvale pandud"},
		{Action: "inbound.clear_bounce", EN: "Address no longer marked as bouncing", ET: "Aadressi tagastuste märge eemaldatud"},
		{Action: "inbound.domain_add", EN: "Mail domain listed for an organisation", ET: "Organisatsiooni e-posti domeen lisatud"},
		{Action: "inbound.domain_remove", EN: "Mail domain no longer listed", ET: "Organisatsiooni e-posti domeen eemaldatud"},
	}
}
