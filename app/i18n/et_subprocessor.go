package i18n

// The list of sub-processors (app/subprocessor). "Volitatud töötleja" is the GDPR's own
// Estonian term for a processor; a sub-processor is "alamtöötleja".
func init() {
	add("et", map[string]string{
		"Sub-processors":      "Alamtöötlejad",
		"Engaged now":         "Praegu kaasatud",
		"Announced":           "Välja kuulutatud",
		"No longer engaged":   "Enam ei ole kaasatud",
		"What it does for us": "Mida see meie heaks teeb",
		"Where":               "Asukoht",
		"Since":               "Alates",
		"until %s":            "kuni %s",
		"Last day":            "Viimane päev",
		"None.":               "Pole.",
		"The companies that process personal data for us, on our behalf, and for what. We tell every customer contact by e-mail at least %d days before a new one starts or one ends, so that you may object.": "Ettevõtted, kes töötlevad meie nimel isikuandmeid, ja mille jaoks. Teatame igale kliendi kontaktisikule e-postiga vähemalt %d päeva enne, kui uus alamtöötleja alustab või mõni lõpetab, et saaksite vastu vaielda.",
		"The list customers see at %s. A change is announced by e-mail to every customer contact when you save it, and takes effect at least %d days later.":                                                   "Nimekiri, mida kliendid näevad aadressil %s. Muudatusest teatatakse salvestamisel e-postiga igale kliendi kontaktisikule ja see jõustub vähemalt %d päeva hiljem.",
		"Announce a new sub-processor":                              "Kuuluta välja uus alamtöötleja",
		"Announce the last day":                                     "Kuuluta välja viimane päev",
		"Announce to every customer":                                "Teata kõigile klientidele",
		"At least %d days from today: %s at the earliest.":          "Vähemalt %d päeva pärast tänast: kõige varem %s.",
		"Customers must be told %d days ahead: %s at the earliest.": "Klientidele tuleb teatada %d päeva ette: kõige varem %s.",
		"Engaged already, as the customers' agreements list it: record it since the day above, without a notice": "Juba kaasatud, nagu klientide lepingud seda nimetavad: pane kirja ülaltoodud päevast, teatamata",
		"Enter a date as year-month-day, such as 2027-01-31.":                                                    "Sisestage kuupäev kujul aasta-kuu-päev, näiteks 2027-01-31.",
		"Its last day is set already.":                                                                           "Selle viimane päev on juba määratud.",
		"One engaged already started today or earlier.":                                                          "Juba kaasatud alamtöötleja alustas täna või varem.",
		"The last day cannot come before the first.":                                                             "Viimane päev ei saa olla enne esimest.",
		"The last day was announced to every customer contact.":                                                  "Viimasest päevast teatati igale kliendi kontaktisikule.",
		"%s announced to every customer contact.":                                                                "%s kuulutati välja igale kliendi kontaktisikule.",
		"%s recorded.":                      "%s on kirja pandud.",
		"Tugi: a new sub-processor from %s": "Tugi: uus alamtöötleja alates %s",
		"Tugi: a sub-processor ends on %s":  "Tugi: alamtöötleja lõpetab %s",
		"From %[1]s, %[2]s (%[3]s) will process personal data for us as a sub-processor: %[4]s.\n\nYou may object until then by answering this message or writing to support.\n\nThe list of our sub-processors: %[5]s/subprocessors\n": "Alates %[1]s töötleb %[2]s (%[3]s) meie alamtöötlejana isikuandmeid: %[4]s.\n\nSeni võite sellele vastu vaielda, vastates sellele kirjale või kirjutades klienditoele.\n\nMeie alamtöötlejate nimekiri: %[5]s/subprocessors\n",
		"After %[1]s, %[2]s (%[3]s) will no longer process personal data for us (%[4]s).\n\nThe list of our sub-processors: %[5]s/subprocessors\n":                                                                                      "Pärast %[1]s ei töötle %[2]s (%[3]s) enam meie jaoks isikuandmeid (%[4]s).\n\nMeie alamtöötlejate nimekiri: %[5]s/subprocessors\n",
	})
}
