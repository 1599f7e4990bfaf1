package i18n

// The Estonian texts of the admin's pages: teams (created, renamed, retired), an
// organisation's page, and the navigation's menus.
func init() {
	add("et", map[string]string{
		// Teams.
		"%d unresolved tickets are in it":                     "selles on %d lahendamata pöördumist",
		"%s (retired)":                                        "%s (kasutusest kõrvaldatud)",
		"Another team, perhaps a retired one, has this name.": "Sellenimeline meeskond on juba olemas (võib-olla kasutusest kõrvaldatud).",
		"A retired team is offered nowhere and takes no new tickets; its members and history stay. Only a team no routing rule and no unresolved ticket targets can be retired.": "Kasutusest kõrvaldatud meeskonda ei pakuta kuskil ja see ei saa uusi pöördumisi; liikmed ja ajalugu jäävad alles. Kõrvaldada saab vaid meeskonna, kuhu ei suuna ükski suunamisreegel ja kus pole lahendamata pöördumisi.",
		"Bring back":                          "Too tagasi",
		"Create team":                         "Loo meeskond",
		"Every active agent is in this team.": "Kõik aktiivsed spetsialistid on selles meeskonnas.",
		"Give the team a name of 1 to 200 characters.": "Anna meeskonnale 1–200 märgi pikkune nimi.",
		"Members":  "Liikmed",
		"New team": "Uus meeskond",
		"Point the rules at another team and move its unresolved tickets to another team (the Team field of each ticket), then retire it.": "Suuna reeglid teisele meeskonnale ja vii lahendamata pöördumised teise meeskonda (iga pöördumise väli „Meeskond“), seejärel kõrvalda see.",
		"Rename":                              "Nimeta ümber",
		"Retire team":                         "Kõrvalda meeskond kasutusest",
		"Retired":                             "Kõrvaldatud",
		"Retired teams":                       "Kasutusest kõrvaldatud meeskonnad",
		"Routing rule %d sends tickets to it": "Suunamisreegel %d saadab sinna pöördumisi",
		"Team brought back.":                  "Meeskond toodi tagasi.",
		"Team created.":                       "Meeskond loodud.",
		"Team renamed.":                       "Meeskond nimetati ümber.",
		"Team retired. It takes no new tickets and is offered nowhere.":                                  "Meeskond kõrvaldati kasutusest. See ei saa uusi pöördumisi ja seda ei pakuta kuskil.",
		"This team still receives work, so it was not retired. Nothing would take what is sent to it:":   "Sellele meeskonnale tuleb veel tööd, seega seda ei kõrvaldatud: sinna saadetut ei võtaks keegi vastu:",
		"Tickets that no routing rule sends elsewhere come to the default team, so it is never retired.": "Pöördumised, mida ükski suunamisreegel mujale ei saada, tulevad vaikimisi meeskonda, seega seda ei kõrvaldata.",
		// An organisation's page.
		"%d unresolved": "%d lahendamata",
		"Agents and the CISO open tickets; your roles show their list only.": "Pöördumisi avavad spetsialistid ja CISO; sinu rollidega näed vaid nende loetelu.",
		"Customer since %s": "Klient alates %s",
		"Edit mail domains": "Muuda e-posti domeene",
		"Last activity":     "Viimane tegevus",
		"No tickets yet.":   "Pöördumisi veel pole.",
		"Nobody of this organisation has an account yet.":                                       "Kellelgi selles organisatsioonis pole veel kontot.",
		"None. Mail from an unknown sender of this organisation waits for an agent to name it.": "Pole. Selle organisatsiooni tundmatu saatja kiri ootab, kuni spetsialist organisatsiooni määrab.",
		"People":                               "Inimesed",
		"The first %d of %d people are shown.": "Näidatakse esimest %d inimest %d-st.",
		"Ticket":                               "Pöördumine",
		"since %s":                             "alates %s",
		"Retention rules and legal holds":      "Säilitusreeglid ja õiguslikud säilituskohustused",
		// The navigation.
		"Menu": "Menüü",
	})
}

// Months in full, as the shared date format (app/web/dates.go) writes them everywhere,
// in tables too; Estonian writes them in lower case ("6. detsember 2026").
func init() {
	add("et", map[string]string{
		"January":   "jaanuar",
		"February":  "veebruar",
		"March":     "märts",
		"April":     "aprill",
		"May":       "mai",
		"June":      "juuni",
		"July":      "juuli",
		"August":    "august",
		"September": "september",
		"October":   "oktoober",
		"November":  "november",
		"December":  "detsember",
	})
}
