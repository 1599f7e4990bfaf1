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
		// The queue.
		"%d days":                   "%d päeva",
		"%d of %d tickets changed.": "%d pöördumist %d-st muudetud.",
		"Apply":                     "Rakenda",
		"Assign to":                 "Määra vastutajaks",
		"Assignee: no change":       "Vastutaja: muutmata",
		"Choose what to change: the assignee, the status or the priority.": "Vali, mida muuta: vastutaja, olek või prioriteet.",
		"Delete this saved view":                "Kustuta see salvestatud vaade",
		"Filters and saved views":               "Filtrid ja salvestatud vaated",
		"Not changed: %s":                       "Muutmata: %s",
		"Priority: no change":                   "Prioriteet: muutmata",
		"Save these filters as a view named":    "Salvesta need filtrid vaatena nimega",
		"Save view":                             "Salvesta vaade",
		"Select":                                "Vali",
		"Select %s":                             "Vali %s",
		"Select the tickets to change first.":   "Vali esmalt pöördumised, mida muuta.",
		"Selected tickets":                      "Valitud pöördumised",
		"Status: no change":                     "Olek: muutmata",
		"View %s saved.":                        "Vaade %s salvestatud.",
		"View deleted.":                         "Vaade kustutatud.",
		"You have a view of this name already.": "Sul on selle nimega vaade juba olemas.",
		"in %s":                                 "%s pärast",
		"not found":                             "ei leitud",
		"overdue %s":                            "%s üle tähtaja",
		// The support contact (app/contact).
		"Customers read these in every page's footer, with the support hours of the calendar.": "Kliendid näevad neid iga lehe jaluses koos kalendri järgi kehtivate tööaegadega.",
		"Support contact": "Klienditoe kontakt",
		"The support hours come from the support calendar.":                                "Tööaeg tuleb klienditoe kalendrist.",
		"Write a phone number with digits, spaces and a leading +, such as +372 671 8578.": "Kirjutage telefoninumber numbrite, tühikute ja algusplussiga, näiteks +372 671 8578.",
		// A ticket's history names its fields so (see app/ticket/history.go).
		"Impact":        "Mõju",
		"Channel":       "Kanal",
		"Reason":        "Põhjus",
		"Attachment":    "Manus",
		"Linked ticket": "Seotud pöördumine",
	})
}
