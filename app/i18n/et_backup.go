package i18n

// The backups page and jobs (app/backup).
func init() {
	add("et", map[string]string{
		"Backups":            "Varukoopiad",
		"Backups and drills": "Varukoopiad ja taastamisharjutused",
		"A backup of the whole database, attachments included, is made every 24 hours, encrypted, and the newest %d are kept: erased data can be recovered from a backup for seven more days. A restore drill each month proves the newest backup can be restored.": "Kogu andmebaasist koos manustega tehakse iga 24 tunni järel krüpteeritud varukoopia ja alles hoitakse %d uusimat: kustutatud andmeid saab varukoopiast taastada veel seitse päeva. Igakuine taastamisharjutus tõendab, et uusima varukoopia saab taastada.",
		"Backups are not made: no key to encrypt them to is set (TUGI_BACKUP_RECIPIENTS).":                                                          "Varukoopiaid ei tehta: nende krüpteerimise võti on määramata (TUGI_BACKUP_RECIPIENTS).",
		"Drills run where the key that decrypts the backups is kept: this process has none (TUGI_BACKUP_IDENTITY), so run tugi backup drill there.": "Harjutused tehakse seal, kus hoitakse varukoopiate dekrüpteerimise võtit: sellel protsessil seda pole (TUGI_BACKUP_IDENTITY), seega käivitage tugi backup drill seal.",
		"Backups are kept in":          "Varukoopiate asukoht",
		"Newest good backup:":          "Uusim õnnestunud varukoopia:",
		"Last good restore drill:":     "Viimane õnnestunud taastamisharjutus:",
		"none yet":                     "veel pole",
		"Late":                         "Hilinenud",
		"Backup":                       "Varukoopia",
		"Restore drill":                "Taastamisharjutus",
		"File":                         "Fail",
		"Size":                         "Suurus",
		"Audit head":                   "Auditilogi viimane sündmus",
		"No backup has been made yet.": "Varukoopiat pole veel tehtud.",
		"Makes the daily encrypted backup of the whole database when one is due, keeps the newest seven, and warns the admins and the CISO when one fails or is late.": "Teeb kogu andmebaasist igapäevase krüpteeritud varukoopia, kui see on käes, hoiab alles seitse uusimat ning hoiatab administraatoreid ja infoturbejuhti, kui see ebaõnnestub või hilineb.",
		"Deletes stored files that nothing refers to any more (an erased person's, a removed ticket's), a day after they were last stored.":                            "Kustutab salvestatud failid, millele miski enam ei viita (kustutatud isiku või eemaldatud pöördumise failid), päev pärast nende viimast salvestamist.",
		"Once a month, restores the newest backup into a scratch database and checks it against its manifest.":                                                         "Taastab kord kuus uusima varukoopia ajutisse andmebaasi ja kontrollib seda manifesti järgi.",
		"Tugi: the backup failed":                                             "Tugi: varukoopia tegemine ebaõnnestus",
		"Tugi: the restore drill failed":                                      "Tugi: taastamisharjutus ebaõnnestus",
		"The backup of %s failed:":                                            "Varukoopia tegemine (algus %s) ebaõnnestus:",
		"The restore drill of %s failed:":                                     "Taastamisharjutus (algus %s) ebaõnnestus:",
		"Tugi: no backup for %s hours":                                        "Tugi: varukoopiat pole tehtud %s tundi",
		"The newest good backup was made %s; backups are due every 24 hours.": "Uusim õnnestunud varukoopia on tehtud %s; varukoopia peab valmima iga 24 tunni järel.",
		"The log of backups and drills: %s":                                   "Varukoopiate ja taastamisharjutuste logi: %s",
	})
}
