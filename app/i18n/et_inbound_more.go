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
		"Senders held back by the rate limit": "Saatjad, keda piirang kinni hoiab",
		"More mail came from these addresses in a short time than a person writes: a mail loop, most likely. Their further mail is kept but makes nothing; release a message from its page if it is genuine.": "Neilt aadressidelt tuli lühikese ajaga rohkem kirju, kui inimene kirjutab: tõenäoliselt kirjade ring. Nende edasised kirjad hoitakse alles, kuid neist ei teki midagi; kui kiri on ehtne, vabastage see selle lehelt.",
		"E-mail address":            "E-posti aadress",
		"Held back":                 "Kinni peetud",
		"Held back by a rate limit": "Piirang peatas",
		"More mail came from this sender, or to this ticket, in a short time than a person writes: a mail loop, most likely. Release it if it is genuine.": "Sellelt saatjalt või sellele pöördumisele tuli lühikese ajaga rohkem kirju, kui inimene kirjutab: tõenäoliselt kirjade ring. Kui kiri on ehtne, vabastage see.",
	})
}
