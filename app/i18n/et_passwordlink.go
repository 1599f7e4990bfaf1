package i18n

// Estonian texts of setting a password by a mailed link (app/auth, passwordlink.go).
func init() {
	add("et", map[string]string{
		"Hello %s,":                  "Tere, %s,",
		"Set your password":          "Parooli seadmine",
		"Set your password for Tugi": "Seadke endale Tugi parool",
		"Set password":               "Sea parool",
		"Your e-mail to support made you an account in Tugi, the support portal, where you can follow your tickets. To sign in, set a password here:": "Teie kirja põhjal loodi teile konto kasutajatoe portaalis Tugi, kus saate oma pöördumisi jälgida. Sisselogimiseks seadke siin parool:",
		"The link works once, for %d days. If you did not write to support, ignore this mail: nothing happens.":                                       "Link töötab ühe korra, %d päeva jooksul. Kui te kasutajatoele ei kirjutanud, jätke see kiri tähelepanuta: midagi ei juhtu.",
		"For your account %s in Tugi, the support portal.":                                                                                            "Teie kontole %s kasutajatoe portaalis Tugi.",
		"This link cannot be used: it was used already, or it has ended. Write to support for a new one, or sign in if you have set your password.":   "Seda linki ei saa kasutada: seda on juba kasutatud või see on aegunud. Uue lingi saamiseks kirjutage kasutajatoele või logige sisse, kui olete parooli juba seadnud.",
		"Your password is set. Sign in with your e-mail address and it.":                                                                              "Parool on seatud. Logige sisse oma e-posti aadressi ja parooliga.",
	})
}
