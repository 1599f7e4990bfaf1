package i18n

// The Estonian texts of the live layer (app/live) and of the live parts of the queue and
// the ticket page.
func init() {
	add("et", map[string]string{
		"Removes live events older than a day, which reconnecting pages no longer ask for.": "Eemaldab üle päeva vanused reaalajasündmused, mida taasühenduvad lehed enam ei küsi.",
		"%s is viewing":  "%s vaatab seda",
		"%s is replying": "%s kirjutab vastust",
		"A reply arrived meanwhile — send anyway?": "Vahepeal saabus uus sõnum — kas saadad ikkagi?",
	})
}
