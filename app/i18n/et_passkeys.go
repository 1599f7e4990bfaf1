package i18n

// Estonian texts of passkeys (app/auth, issue 22).
func init() {
	add("et", map[string]string{
		"Add an authenticator app to your account: you can then also sign in with a code from it.":                                                                                                      "Lisage oma kontole autentimisrakendus: siis saate sisse logida ka selle koodiga.",
		"A passkey is the better second factor: your device confirms it is you (its screen lock, a fingerprint or a security key), and it works only on this site, so a look-alike page cannot use it.": "Pääsuvõti on parem teine tõend: teie seade kinnitab, et see olete teie (ekraanilukk, sõrmejälg või turvavõti), ja see töötab ainult selles saidis, nii et järeletehtud leht ei saa seda kasutada.",
		"Add a passkey": "Lisa pääsuvõti",
		"Added":         "Lisatud",
		"Adding a passkey needs JavaScript in your browser.": "Pääsuvõtme lisamiseks on brauseris vaja JavaScripti.",
		"e.g. Work laptop":        "nt tööarvuti",
		"Last used":               "Viimati kasutatud",
		"Name of the new passkey": "Uue pääsuvõtme nimi",
		"No authenticator app is set up: you sign in with a passkey.": "Autentimisrakendust pole seadistatud: logite sisse pääsuvõtmega.",
		"Not yet":  "Veel mitte",
		"Passkeys": "Pääsuvõtmed",
		"Passkeys work only when Tugi is reached by a name, not by an address such as 127.0.0.1 (TUGI_PUBLIC_URL).": "Pääsuvõtmed töötavad ainult siis, kui Tugi poole pöördutakse nime, mitte aadressi (nt 127.0.0.1) kaudu (TUGI_PUBLIC_URL).",
		"Recovery code": "Taastekood",
		"Remove":        "Eemalda",
		"Remove the passkey %s? It will no longer sign you in.":               "Kas eemaldada pääsuvõti %s? Sellega ei saa enam sisse logida.",
		"Remove your authenticator app? You will sign in with your passkeys.": "Kas eemaldada autentimisrakendus? Logite sisse oma pääsuvõtmetega.",
		"That passkey could not be registered. Try again.":                    "Seda pääsuvõtit ei õnnestunud registreerida. Proovige uuesti.",
		"That passkey was not accepted. Try again, or type a code.":           "Seda pääsuvõtit ei aktsepteeritud. Proovige uuesti või sisestage kood.",
		"This is your only second factor and your roles need one, so it stays. Add another passkey or an authenticator app first; an admin can reset your factors if you lose it.": "See on teie ainus teine tõend ja teie rollid nõuavad seda, seega see jääb alles. Lisage enne teine pääsuvõti või autentimisrakendus; kaotuse korral saab administraator teie tõendid lähtestada.",
		"This page needs a second factor. Use your passkey, or type a code, to go on.":                                                                                             "See leht nõuab teist tõendit. Jätkamiseks kasutage pääsuvõtit või sisestage kood.",
		"Use a passkey": "Kasuta pääsuvõtit",
		"Use your passkey for %s, or type one of your recovery codes.":                                                    "Kasutage konto %s pääsuvõtit või sisestage üks oma taastekoodidest.",
		"Use your passkey for %s, or type the six-digit code from your authenticator app, or one of your recovery codes.": "Kasutage konto %s pääsuvõtit, sisestage autentimisrakenduse kuuekohaline kood või üks oma taastekoodidest.",
		"You have a passkey of this name already. Choose another name.":                                                   "Teil on selle nimega pääsuvõti juba olemas. Valige muu nimi.",
		"You have no passkeys yet.": "Teil pole veel pääsuvõtmeid.",
		"Your browser did not answer with a passkey. Try again, or type a code.":                                 "Brauser ei vastanud pääsuvõtmega. Proovige uuesti või sisestage kood.",
		"Your browser did not make a passkey. Try again.":                                                        "Brauser ei loonud pääsuvõtit. Proovige uuesti.",
		"Your browser did not make a passkey. Try again; a browser with JavaScript is needed for this.":          "Brauser ei loonud pääsuvõtit. Proovige uuesti; selleks on vaja JavaScriptiga brauserit.",
		"Your passkey %s has been added.":                                                                        "Teie pääsuvõti %s on lisatud.",
		"Your passkey %s has been removed.":                                                                      "Teie pääsuvõti %s on eemaldatud.",
		"Your roles need a second factor: add another passkey or an authenticator app before removing this one.": "Teie rollid nõuavad teist tõendit: enne selle eemaldamist lisage teine pääsuvõti või autentimisrakendus.",
	})
}
