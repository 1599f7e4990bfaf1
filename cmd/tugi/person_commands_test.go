package main

import (
	"archive/zip"
	"path/filepath"
	"strings"
	"testing"
)

// TestPersonCommands exports a person to a file, then erases them: the preview is
// printed and a "no" erases nothing; --yes erases at once and says what backups keep.
func TestPersonCommands(t *testing.T) {
	db := freshDatabase(t)
	if _, _, err := run(t, "a long enough password\n", "user", "add", "--email", "zelda@example.test", "--name", "Zelda Quorrin",
		"--role", "employee", "--personal-code", "37605030299"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "zelda.zip")
	if _, stderr, err := run(t, "", "person", "export", "--email", "Zelda@example.test", "--out", out); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(z.File) != 1 || z.File[0].Name != "export.json" {
		t.Errorf("the archive holds %d files, first %q", len(z.File), z.File[0].Name)
	}
	z.Close()
	if _, _, err := run(t, "", "person", "export", "--email", "zelda@example.test", "--out", out); err == nil {
		t.Error("the export wrote over an existing file")
	}

	stdout, _, err := run(t, "n\n", "person", "erase", "--email", "zelda@example.test")
	if err == nil || !strings.Contains(err.Error(), "nothing was erased") {
		t.Errorf("answering no: %v", err)
	}
	for _, want := range []string{"Erasing user", "Zelda Quorrin", "profile.pseudonymised", "seven more days", "[y/N]"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the preview lacks %q:\n%s", want, stdout)
		}
	}
	if n := countRows(t, db, `SELECT count(*) FROM users WHERE name = 'Zelda Quorrin'`); n != 1 {
		t.Fatal("a no erased the person")
	}
	if _, _, err := run(t, "", "person", "erase", "--email", "zelda@example.test", "--keep", "letters"); err == nil {
		t.Error("an unknown --keep kind was taken")
	}
	stdout, stderr, err := run(t, "", "person", "erase", "--email", "zelda@example.test", "--yes")
	if err != nil {
		t.Fatalf("erase --yes: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "erased user") || !strings.Contains(stdout, "Backups keep the erased data seven more days") {
		t.Errorf("erase printed:\n%s", stdout)
	}
	if n := countRows(t, db, `SELECT count(*) FROM users WHERE name LIKE 'Erased person %' AND personal_code IS NULL`); n != 1 {
		t.Error("the person was not erased")
	}
	if n := countRows(t, db, `SELECT count(*) FROM audit_events WHERE action = 'person.erase' AND actor_job = 'cli'`); n != 1 {
		t.Errorf("%d erasures audited as the command line's", n)
	}
}
