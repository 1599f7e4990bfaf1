package i18n

// Estonian texts of e-mail into Tugi added with bounces beside the requester (app/inbound,
// app/ticket's requester panel).
func init() {
	add("et", map[string]string{
		"mail to them bounces": "kiri ei jõua temani",
		"Mail to %s bounces: it does not reach them. Phone them, or ask for another address.": "Kiri aadressile %s tuleb tagasi: see ei jõua adressaadini. Helistage talle või küsige teist aadressi.",
		"The address works again":             "Aadress töötab jälle",
		"%s is no longer marked as bouncing.": "%s pole enam märgitud tagastuvaks.",
		"%s was not marked as bouncing.":      "%s polnud märgitud tagastuvaks.",
	})
}
