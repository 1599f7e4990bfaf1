package auth

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "auth.sign_in", EN: "Signed in", ET: "Sisse logitud"},
		{Action: "auth.sign_in_failed", EN: "Sign-in failed", ET: "Sisselogimine ebaõnnestus"},
		{Action: "auth.sign_out", EN: "Signed out", ET: "Välja logitud"},
		{Action: "session.revoke", EN: "Session ended", ET: "Seanss lõpetatud"},
		{Action: "user.change_password", EN: "Password changed", ET: "Parool muudetud"},
		{Action: "user.change_password_failed", EN: "Password change refused", ET: "Parooli muutmine tagasi lükatud"},
		{Action: "user.set_language", EN: "Language changed", ET: "Keel muudetud"},
	}
}
