package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tugi/app/testdb"
)

// The operator's journey: a key, a backup of a database in use, and a restore into an
// empty database elsewhere, which then refuses a second restore over it.
func TestBackupAndRestoreCommands(t *testing.T) {
	freshDatabase(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "backup-identity.txt")

	recipient, stderr, err := run(t, "", "backup", "keygen", "--out", keyFile)
	if err != nil {
		t.Fatalf("keygen: %v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`^age1[a-z0-9]{58}\n$`).MatchString(recipient) {
		t.Errorf("keygen printed %q, not a recipient", recipient)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the identity file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if _, _, err := run(t, "", "backup", "keygen", "--out", keyFile); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("keygen over an existing key: %v", err)
	}

	if _, stderr, err := run(t, "", "demo"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	if _, _, err := run(t, "", "backup", "--dir", filepath.Join(dir, "backups")); err == nil || !strings.Contains(err.Error(), "TUGI_BACKUP_RECIPIENTS") {
		t.Errorf("a backup without recipients: %v", err)
	}
	t.Setenv("TUGI_BACKUP_RECIPIENTS", strings.TrimSpace(recipient))
	out, stderr, err := run(t, "", "backup", "--dir", filepath.Join(dir, "backups"))
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr)
	}
	file := strings.SplitN(out, "\n", 2)[0]
	if !strings.HasSuffix(file, ".dump.age") {
		t.Fatalf("backup printed %q", out)
	}

	t.Setenv("DATABASE_URL", testdb.NewEmptyDSN(t))
	if _, _, err := run(t, "", "restore", file); err == nil || !strings.Contains(err.Error(), "TUGI_BACKUP_IDENTITY") {
		t.Errorf("a restore without the identity: %v", err)
	}
	t.Setenv("TUGI_BACKUP_IDENTITY", keyFile)
	out, stderr, err = run(t, "", "restore", file)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "audit chain verified") {
		t.Errorf("restore printed %q", out)
	}
	if _, _, err := run(t, "", "restore", file); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second restore over the first: %v", err)
	}
}
