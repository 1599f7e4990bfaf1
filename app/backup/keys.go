package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"filippo.io/age"
)

// ParseRecipients reads TUGI_BACKUP_RECIPIENTS: age recipients (age1...) separated by
// commas or spaces.
func ParseRecipients(s string) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		r, err := age.ParseX25519Recipient(f)
		if err != nil {
			return nil, fmt.Errorf("TUGI_BACKUP_RECIPIENTS: %q is not an age recipient (age1...): %w", f, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// LoadIdentities reads the age identities (AGE-SECRET-KEY-1...) in the file at path, as
// tugi backup keygen writes it.
func LoadIdentities(path string) ([]age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("TUGI_BACKUP_IDENTITY: %w", err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, fmt.Errorf("TUGI_BACKUP_IDENTITY %s: %w", path, err)
	}
	return ids, nil
}

// Keygen writes a new identity to path, readable by its owner only, and returns its
// recipient (age1...), which backups are encrypted to. It never writes over a file.
func Keygen(path string) (string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%s exists already: a key is never written over (it may be the only way to read old backups)", path)
	}
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf("# Tugi backup identity: it decrypts the backups encrypted to\n# public key: %s\n%s\n", id.Recipient(), id)
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return "", err
	}
	return id.Recipient().String(), nil
}

// recipientsOf returns the recipients of identities (X25519 ones), so a deployment that
// keeps its identity beside Tugi, as the embedded demo does, need not name them twice.
func recipientsOf(ids []age.Identity) []age.Recipient {
	var out []age.Recipient
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			out = append(out, x.Recipient())
		}
	}
	return out
}
