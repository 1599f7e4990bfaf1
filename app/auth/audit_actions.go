package auth

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "auth.sign_in", EN: "Signed in", ET: "Sisse logitud"},
		{Action: "auth.sign_in_failed", EN: "Sign-in failed", ET: "Sisselogimine ebaõnnestus"},
		{Action: "auth.sign_out", EN: "Signed out", ET: "Välja logitud"},
		{Action: "auth.step_up", EN: "Confirmed with a second factor", ET: "Kinnitatud teise tõendiga"},
		{Action: "auth.totp_enrol", EN: "Authenticator app set up", ET: "Autentimisrakendus seadistatud"},
		{Action: "auth.totp_remove", EN: "Authenticator app removed", ET: "Autentimisrakendus eemaldatud"},
		{Action: "auth.passkey_add", EN: "Passkey added", ET: "Pääsuvõti lisatud"},
		{Action: "auth.passkey_remove", EN: "Passkey removed", ET: "Pääsuvõti eemaldatud"},
		{Action: "auth.recovery_codes", EN: "New recovery codes made", ET: "Uued taastekoodid loodud"},
		{Action: "auth.second_factor_reset", EN: "Second factor reset", ET: "Teine tõend lähtestatud"},
		{Action: "auth.second_factor_policy", EN: "Sign-in policy changed", ET: "Sisselogimise reeglid muudetud"},
		{Action: "session.revoke", EN: "Session ended", ET: "Seanss lõpetatud"},
		{Action: "session.revoke_all", EN: "Signed out everywhere", ET: "Kõikjalt välja logitud"},
		{Action: "user.change_password", EN: "Password changed", ET: "Parool muudetud"},
		{Action: "auth.password_link", EN: "Password link mailed", ET: "Parooli seadmise link saadetud"},
		{Action: "user.set_password_by_link", EN: "Password set by link", ET: "Parool lingiga seatud"},
		{Action: "user.change_password_failed", EN: "Password change refused", ET: "Parooli muutmine tagasi lükatud"},
		{Action: "user.set_language", EN: "Language changed", ET: "Keel muudetud"},
	}
}
