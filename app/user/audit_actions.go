package user

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "user.create", EN: "User created", ET: "Kasutaja loodud"},
		{Action: "user.set_roles", EN: "Roles changed", ET: "Rollid muudetud"},
		{Action: "user.request_roles", EN: "Role change asked for", ET: "Rollide muutmist taotletud"},
		{Action: "user.approve_roles", EN: "Role change approved", ET: "Rollide muutmine kinnitatud"},
		{Action: "user.reject_roles", EN: "Role change rejected", ET: "Rollide muutmine tagasi lükatud"},
		{Action: "user.activate", EN: "User activated", ET: "Kasutaja aktiveeritud"},
		{Action: "user.deactivate", EN: "User deactivated", ET: "Kasutaja deaktiveeritud"},
		{Action: "user.set_personal_code", EN: "Personal code set", ET: "Isikukood määratud"},
		{Action: "organisation.create", EN: "Organisation created", ET: "Organisatsioon loodud"},
	}
}
