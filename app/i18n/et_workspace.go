package i18n

// The Estonian texts of the agent's workspace: the ticket page's composer and side
// panels, the queue, and the labels of a ticket's history.
func init() {
	add("et", map[string]string{
		"Log the call and keep open":         "Pane kõne kirja, jäta avatuks",
		"Log the call and wait for customer": "Pane kõne kirja, oota klienti",
		"None.":                              "Pole.",
		"Public reply":                       "Avalik vastus",
		"Recently resolved":                  "Hiljuti lahendatud",
		"Requester":                          "Pöörduja",
		"Take over":                          "Võta üle",
		"The customer sees your reply and is told of it by e-mail.":  "Klient näeb vastust ja saab sellest teate e-postiga.",
		"Their other open tickets":                                   "Tema teised avatud pöördumised",
		"This ticket is closed: only an internal note can be added.": "Pöördumine on suletud: lisada saab vaid sisemärkme.",
		"What you write": "Mida kirjutad",
		"Write":          "Kirjuta",
		// A ticket's history names its fields so (see app/ticket/history.go).
		"Impact":        "Mõju",
		"Channel":       "Kanal",
		"Reason":        "Põhjus",
		"Attachment":    "Manus",
		"Linked ticket": "Seotud pöördumine",
	})
}
