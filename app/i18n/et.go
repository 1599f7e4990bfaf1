package i18n

// catalogues holds the translations by language; English needs none.
//
// Estonian addresses the reader with the polite plural (te, teie: "Sisestage", "Teie
// konto"). Buttons, links and menu items keep the singular imperative, as Estonian
// software does ("Logi sisse", "Salvesta"). Names of people, organisations and Tugi
// itself are not declined: they are placed where they can stay in the nominative.
//
// TestEveryMessageIsTranslated (messages_test.go) lists any message missing here, and
// TestNoStaleTranslations any entry no page shows any more.
var catalogues = map[string]map[string]string{
	"et": {
		// Layout, navigation and footer
		"Skip to content":  "Liigu sisu juurde",
		"Main":             "Põhimenüü",
		"Home":             "Avaleht",
		"Users":            "Kasutajad",
		"Organisations":    "Organisatsioonid",
		"Account":          "Konto",
		"Sign out":         "Logi välja",
		"Customer support": "Klienditugi",
		"Phone":            "Telefon",
		"E-mail":           "E-post",
		"Support hours":    "Klienditoe tööaeg",
		"Business days 09:00–17:00 (Tallinn time, EET/EEST)": "Tööpäevadel 09:00–17:00 (Tallinna aeg, EET/EEST)",
		"Request id": "Päringu ID",

		// Roles (access.Role.Label)
		"Customer":      "Klient",
		"Employee":      "Töötaja",
		"Support agent": "Klienditoe spetsialist",
		"CISO":          "Infoturbejuht (CISO)",
		"Admin":         "Administraator",

		// Sign-in and sign-out
		"Sign in": "Logi sisse",
		"Sign in to Tugi, the customer support and security-incident portal.": "Logige sisse klienditoe ja turvaintsidentide portaali Tugi.",
		"Password": "Parool",
		"Enter your e-mail address and password.":                     "Sisestage oma e-posti aadress ja parool.",
		"The e-mail or password is not right.":                        "E-posti aadress või parool ei ole õige.",
		"Too many failed sign-ins. Wait a few minutes and try again.": "Liiga palju ebaõnnestunud sisselogimiskatseid. Oodake mõni minut ja proovige uuesti.",
		"You have signed out.":                                        "Olete välja logitud.",

		// Home page
		"Welcome, %s":    "Tere tulemast, %s",
		"Support for %s": "Klienditugi organisatsioonile %s",
		"You are signed in as a customer user of %s. Everything you see and send here stays within your organisation.":                                  "Olete sisse logitud organisatsiooni %s kliendikasutajana. Kõik, mida siin näete ja saadate, jääb teie organisatsiooni piiresse.",
		"Our support team answers by phone, e-mail and chat on business days 09:00–17:00 Tallinn time (EET/EEST); Estonian public holidays are closed.": "Meie klienditugi vastab telefoni, e-posti ja vestluse teel tööpäevadel 09:00–17:00 Tallinna aja järgi (EET/EEST); Eesti riigipühadel oleme suletud.",
		"Information security": "Infoturve",
		"Every employee reports information-security incidents. If you notice one, tell the User Support team and the CISO at once, with what you saw and when.": "Iga töötaja teatab infoturbeintsidentidest. Kui märkate intsidenti, andke sellest kohe teada kasutajatoe meeskonnale ja infoturbejuhile ning kirjeldage, mida ja millal nägite.",
		"User Support": "Kasutajatugi",
		"You work the support queue and help handle security incidents with the CISO. Support hours: business days 09:00–17:00 Tallinn time.": "Te tegelete klienditoe pöördumiste järjekorraga ja aitate koos infoturbejuhiga turvaintsidente lahendada. Klienditoe tööaeg: tööpäevadel 09:00–17:00 Tallinna aja järgi.",
		"Chief Information Security Officer": "Infoturbejuht",
		"You triage every security incident and keep the regulator and customer-notification deadlines.": "Te hindate iga turvaintsidenti, määrate selle prioriteedi ning peate kinni järelevalveasutuse ja klientide teavitamise tähtaegadest.",
		"Administration": "Haldus",
		"Active users":   "Aktiivsed kasutajad",
		"Manage users":   "Halda kasutajaid",
		"Change your password, choose your language and see where you are signed in.": "Muutke parooli, valige keel ja vaadake, kus olete sisse logitud.",

		// Account page
		"Your account":       "Teie konto",
		"Profile":            "Profiil",
		"Name":               "Nimi",
		"Roles":              "Rollid",
		"Organisation":       "Organisatsioon",
		"Language":           "Keel",
		"Save":               "Salvesta",
		"Language saved.":    "Keel on salvestatud.",
		"Change password":    "Muuda parooli",
		"Current password":   "Praegune parool",
		"New password":       "Uus parool",
		"New password again": "Uus parool uuesti",
		"At least %d characters. A few unrelated words make a strong one.":        "Vähemalt %d tähemärki. Tugeva parooli saab mõnest omavahel seostamata sõnast.",
		"This is not your current password.":                                      "See ei ole teie praegune parool.",
		"Choose a password different from the current one.":                       "Valige praegusest erinev parool.",
		"Your password has been changed.":                                         "Teie parool on muudetud.",
		"Your password has been changed and your other sessions were signed out.": "Teie parool on muudetud ja teie teised seansid on lõpetatud.",
		"Where you are signed in":                                                 "Kus olete sisse logitud",
		"Signed in":                                                               "Sisse logitud",
		"Last active":                                                             "Viimati aktiivne",
		"Address":                                                                 "IP-aadress",
		"Browser":                                                                 "Brauser",
		"Actions":                                                                 "Toimingud",
		"This session":                                                            "Praegune seanss",
		"That session has been signed out.":                                       "See seanss on lõpetatud.",

		// Administration: users
		"Search users":     "Otsi kasutajaid",
		"Name or e-mail":   "Nimi või e-post",
		"Search":           "Otsi",
		"Status":           "Olek",
		"Last sign-in":     "Viimane sisselogimine",
		"Active":           "Aktiivne",
		"Deactivated":      "Deaktiveeritud",
		"Never":            "Mitte kunagi",
		"Staff":            "Personal",
		"None (staff)":     "Puudub (personal)",
		"No users match.":  "Sobivaid kasutajaid ei leitud.",
		"Next page":        "Järgmine lehekülg",
		"New user":         "Uus kasutaja",
		"Initial password": "Esialgne parool",
		"At least %d characters. Give it to the person over a separate channel; they can change it under Account.":   "Vähemalt %d tähemärki. Edastage see kasutajale eraldi kanali kaudu; ta saab selle muuta jaotises „Konto“.",
		"A customer user holds only the customer role and belongs to an organisation; staff may hold several roles.": "Kliendikasutajal on ainult kliendi roll ja ta kuulub mõnda organisatsiooni; personali liikmel võib olla mitu rolli.",
		"Create user":      "Loo kasutaja",
		"Cancel":           "Loobu",
		"User %s created.": "Kasutaja %s on loodud.",
		"Details":          "Andmed",
		"Created":          "Loodud",
		"Deactivate %s and sign them out everywhere?":                                                    "Kas deaktiveerida kasutaja %s ja logida ta kõikjalt välja?",
		"Deactivating stops sign-in and ends every session of this person at once. Their history stays.": "Deaktiveerimine keelab sisselogimise ja lõpetab kohe kõik selle inimese seansid. Tema ajalugu säilib.",
		"Deactivate":            "Deaktiveeri",
		"Activate again":        "Aktiveeri uuesti",
		"Save roles":            "Salvesta rollid",
		"Roles saved.":          "Rollid on salvestatud.",
		"%s can sign in again.": "%s saab taas sisse logida.",
		"%s is deactivated and signed out everywhere.": "%s on deaktiveeritud ja kõikjalt välja logitud.",

		// Administration: organisations
		"No organisations yet.":    "Organisatsioone veel ei ole.",
		"New organisation":         "Uus organisatsioon",
		"Create organisation":      "Loo organisatsioon",
		"Organisation %s created.": "Organisatsioon %s on loodud.",

		// Directory errors (user.errorMessage)
		"A user with this e-mail address already exists.":               "Selle e-posti aadressiga kasutaja on juba olemas.",
		"An organisation with this name already exists.":                "Selle nimega organisatsioon on juba olemas.",
		"A customer user holds only the customer role.":                 "Kliendikasutajal saab olla ainult kliendi roll.",
		"Choose the customer's organisation.":                           "Valige kliendi organisatsioon.",
		"Staff do not belong to a customer organisation: choose none.":  "Personali liikmed ei kuulu kliendi organisatsiooni: jätke organisatsioon valimata.",
		"This is the last active admin. Make someone else admin first.": "See on viimane aktiivne administraator. Määrake kõigepealt keegi teine administraatoriks.",
		"This organisation does not exist.":                             "Sellist organisatsiooni ei ole.",
		"Choose at least one role.":                                     "Valige vähemalt üks roll.",

		// Form validation (web.message)
		"Please fill this in.":                              "Palun täitke see väli.",
		"Enter an e-mail address such as name@example.com.": "Sisestage e-posti aadress, näiteks nimi@example.com.",
		"The two entries do not match.":                     "Sisestatud väärtused ei kattu.",
		"Choose one of the options offered.":                "Valige üks pakutud valikutest.",
		"This value is not valid.":                          "See väärtus ei sobi.",
		// message formats these before they reach T, so at run time the formatted
		// forms below are looked up; the formats are kept for when it stops doing so.
		"Choose at least one.":        "Valige vähemalt üks.",
		"Choose at least %s.":         "Valige vähemalt %s.",
		"Use at least %s characters.": "Sisestage vähemalt %s tähemärki.",
		"Use at most %s characters.":  "Sisestage kõige rohkem %s tähemärki.",

		// Error pages (web.ErrorHandler)
		"Go to the home page":   "Mine avalehele",
		"This form has expired": "Vorm on aegunud",
		"For your safety, a form is only accepted from the page Tugi gave you, and not after a long pause. Go back, reload the page and send it again.": "Teie turvalisuse huvides võetakse vorm vastu ainult lehelt, mille Tugi teile andis, ja mitte pärast pikka pausi. Minge tagasi, värskendage lehte ja saatke vorm uuesti.",
		"Not found": "Ei leitud",
		"There is no such page, or you do not have access to it.": "Sellist lehte ei ole või teil puudub sellele juurdepääs.",
		"No access": "Juurdepääs puudub",
		"Your role does not give access to this page. If you need it, ask an administrator.": "Teie roll ei anna sellele lehele juurdepääsu. Kui vajate seda, pöörduge administraatori poole.",
		"Not allowed":                        "Pole lubatud",
		"This page cannot be used that way.": "Seda lehte ei saa nii kasutada.",
		"Too large":                          "Liiga suur",
		"What you sent is larger than Tugi accepts.": "Saadetu on suurem, kui Tugi vastu võtab.",
		"Too many requests":                          "Liiga palju päringuid",
		"Wait a moment and try again.":               "Oodake hetk ja proovige uuesti.",
		"Bad request":                                "Vigane päring",
		"Tugi could not understand this request.":    "Tugi ei saanud sellest päringust aru.",
		"Something went wrong":                       "Midagi läks valesti",
		"Tugi could not finish this request and nothing was changed. Try again in a moment; if it keeps happening, tell support the request id below.": "Tugi ei saanud päringut lõpule viia ja midagi ei muudetud. Proovige hetke pärast uuesti; kui viga kordub, teatage klienditoele allolev päringu ID.",
	},
}
