package routing

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people: those of
// routing rules, teams and agents' availability (a hand-back's tickets are ticket's).
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "routing.rule_create", EN: "Routing rule added", ET: "Suunamisreegel lisatud"},
		{Action: "routing.rule_update", EN: "Routing rule changed", ET: "Suunamisreegel muudetud"},
		{Action: "routing.rule_move", EN: "Routing rule moved", ET: "Suunamisreegel liigutatud"},
		{Action: "routing.rule_delete", EN: "Routing rule deleted", ET: "Suunamisreegel kustutatud"},
		{Action: "team.create", EN: "Team created", ET: "Meeskond loodud"},
		{Action: "team.rename", EN: "Team renamed", ET: "Meeskond ümber nimetatud"},
		{Action: "team.retire", EN: "Team retired", ET: "Meeskond kasutusest kõrvaldatud"},
		{Action: "team.reinstate", EN: "Team brought back", ET: "Meeskond taastatud"},
		{Action: "team.add_member", EN: "Team member added", ET: "Meeskonnaliige lisatud"},
		{Action: "team.remove_member", EN: "Team member removed", ET: "Meeskonnaliige eemaldatud"},
		{Action: "team.set_cap", EN: "Assignment cap changed", ET: "Määramise ülempiir muudetud"},
		{Action: "user.availability", EN: "Availability changed", ET: "Kättesaadavus muudetud"},
	}
}
