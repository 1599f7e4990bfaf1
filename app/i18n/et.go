package i18n

// catalogues holds the translations by language; English needs none.
var catalogues = map[string]map[string]string{
	"et": {
		"Sign in":          "Logi sisse",
		"Sign out":         "Logi välja",
		"E-mail":           "E-post",
		"Password":         "Parool",
		"Home":             "Avaleht",
		"Account":          "Konto",
		"Users":            "Kasutajad",
		"Organisations":    "Organisatsioonid",
		"Customer support": "Klienditugi",
		"Support hours":    "Klienditoe tööaeg",
		"Business days 09:00–17:00 (Tallinn time, EET/EEST)": "Tööpäevadel 09:00–17:00 (Tallinna aeg, EET/EEST)",
		"Phone":                                "Telefon",
		"The e-mail or password is not right.": "E-post või parool ei ole õige.",
		"Too many failed sign-ins. Wait a few minutes and try again.": "Liiga palju ebaõnnestunud sisselogimisi. Oota mõni minut ja proovi uuesti.",
		"Change password": "Muuda parooli",
		"Language":        "Keel",
		"Save":            "Salvesta",
		"Request id":      "Päringu tunnus",
		"Skip to content": "Liigu sisu juurde",
	},
}
