package chat

import "tugi/app/audit"

// AuditActions are the actions this package records, labelled for people.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "chat.start", EN: "Chat started", ET: "Vestlus alustatud"},
		{Action: "chat.message", EN: "Chat message sent", ET: "Vestluse sõnum saadetud"},
		{Action: "chat.accept", EN: "Chat accepted", ET: "Vestlus vastu võetud"},
		{Action: "chat.end", EN: "Chat ended", ET: "Vestlus lõpetatud"},
		{Action: "chat.leave_ticket", EN: "Chat left as a ticket", ET: "Vestlus jäetud pöördumiseks"},
		{Action: "chat.keep", EN: "Chat kept as a ticket", ET: "Vestlus salvestatud pöördumisena"},
		{Action: "chat.attach", EN: "Chat added to a ticket", ET: "Vestlus lisatud pöördumisele"},
		{Action: "chat.mail_transcript", EN: "Chat transcript mailed", ET: "Vestluse ärakiri saadetud e-postiga"},
		{Action: "chat.file_download", EN: "Chat file downloaded", ET: "Vestluse fail alla laaditud"},
	}
}
