package config

import (
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// Backup is where backups are kept and whom they are encrypted to (app/backup).
type Backup struct {
	Dir        string // TUGI_BACKUP_DIR
	Recipients string // TUGI_BACKUP_RECIPIENTS: age recipients, separated by commas or spaces
	Identity   string // TUGI_BACKUP_IDENTITY: file of the age identity that decrypts them
}

func init() {
	Variables = append(Variables,
		Variable{"TUGI_BACKUP_DIR", "<TUGI_DATA_DIR>/backups", "where tugi serve (every 24 h) and tugi backup write the encrypted backups; the newest seven are kept."},
		Variable{"TUGI_BACKUP_RECIPIENTS", "", "age public keys (age1..., comma-separated) backups are encrypted to; tugi backup keygen makes a key pair. Unset with DATABASE_URL: no backups are made, and the admin's backups page says so. Unset without it: a key made under TUGI_DATA_DIR, for trying Tugi."},
		Variable{"TUGI_BACKUP_IDENTITY", "", "file of the age identity (secret key) that decrypts backups: tugi restore and restore drills need it. Keep it away from the backups; the monthly drill job runs only where it is set."},
	)
}

func (c *Config) readBackup(get func(string) string, bad func(name, format string, args ...any)) {
	c.Backup = Backup{Dir: get("TUGI_BACKUP_DIR"), Recipients: get("TUGI_BACKUP_RECIPIENTS"), Identity: get("TUGI_BACKUP_IDENTITY")}
	if c.Backup.Dir == "" {
		c.Backup.Dir = filepath.Join(c.DataDir, "backups")
	}
	for _, r := range strings.FieldsFunc(c.Backup.Recipients, func(r rune) bool { return r == ',' || r == ' ' }) {
		if _, err := age.ParseX25519Recipient(r); err != nil {
			bad("TUGI_BACKUP_RECIPIENTS", "%q is not an age public key (age1...)", r)
		}
	}
}
