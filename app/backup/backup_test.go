package backup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/jmoiron/sqlx"

	"tugi/app/auth"
	"tugi/app/backup"
	"tugi/app/blob"
	"tugi/app/database"
	"tugi/app/demo"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// source is a database holding the demo data and a file, with its connection string.
func source(t *testing.T) (*sqlx.DB, string, blob.Ref) {
	t.Helper()
	ctx := context.Background()
	dsn := testdb.NewDSN(t)
	db := open(t, dsn)
	factors, err := auth.NewFactorKey(bytes.Repeat([]byte{7}, 32)) // a test's key: what it seals is demo data
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, db, auth.NewSessionStore(db, false, time.Hour, time.Hour), factors); err != nil {
		t.Fatal(err)
	}
	ref, err := blob.Postgres{}.Put(ctx, db, bytes.NewReader(fileBytes))
	if err != nil {
		t.Fatal(err)
	}
	return db, dsn, ref
}

var fileBytes = bytes.Repeat([]byte("Tugi backup \x00\xff byte for byte. "), 5000)

func open(t *testing.T, dsn string) *sqlx.DB {
	t.Helper()
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newKey(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var quiet = slog.New(slog.DiscardHandler)

func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, dsn, ref := source(t)
	key := newKey(t)
	dir := t.TempDir()
	svc := backup.New(backup.Options{DB: db, OwnerDSN: dsn, Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Log: quiet})

	m, err := svc.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, m.File)
	if fi, err := os.Stat(path); err != nil || fi.Size() != m.Size {
		t.Fatalf("the backup file: %v (manifest size %d)", err, m.Size)
	}
	if m.Tables["tickets"] == 0 || m.Tables["users"] == 0 || m.Tables["blobs"] == 0 || m.AuditHead.Seq == 0 || m.Schema == 0 {
		t.Fatalf("the manifest misses the data: %+v", m)
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte("Mari Maasikas")) || bytes.Contains(raw, []byte("customer@demo-customer.example")) {
		t.Fatal("the backup file holds personal data in the clear: it is not encrypted")
	}

	// Into an empty database: everything back, checked against the manifest.
	dstDSN := testdb.NewEmptyDSN(t)
	dst := open(t, dstDSN)
	r, err := backup.Restore(ctx, path, []age.Identity{key}, backup.Target{DB: dst, DSN: dstDSN}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if r.Events != m.AuditHead.Seq || r.Head.Seq != m.AuditHead.Seq || r.Head.Hash.String() != m.AuditHead.Hash {
		t.Errorf("restored audit chain: %d events, head %d %s; the backup's head %d %s", r.Events, r.Head.Seq, r.Head.Hash, m.AuditHead.Seq, m.AuditHead.Hash)
	}
	// Every table as it was when the backup was made (the source has since logged the
	// backup itself).
	for _, table := range m.TableNames() {
		var got int64
		if err := dst.Get(&got, `SELECT count(*) FROM `+table); err != nil {
			t.Fatalf("%s after the restore: %v", table, err)
		}
		if got != m.Tables[table] {
			t.Errorf("%s: %d rows restored, %d when the backup was made", table, got, m.Tables[table])
		}
	}
	var tickets int64
	if err := db.Get(&tickets, `SELECT count(*) FROM tickets`); err != nil || tickets != m.Tables["tickets"] {
		t.Errorf("the manifest counts %d tickets, the source holds %d (%v)", m.Tables["tickets"], tickets, err)
	}
	rc, err := blob.Postgres{}.Open(ctx, dst, ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	restored, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(restored, fileBytes) {
		t.Errorf("the file came back with %d bytes, not the %d stored", len(restored), len(fileBytes))
	}
	var canSignIn bool
	if err := dst.Get(&canSignIn, `SELECT password_hash <> '' FROM users WHERE email = 'admin@tugi.example'`); err != nil || !canSignIn {
		t.Errorf("the admin's account after the restore: %v", err)
	}

	// Never over data.
	if _, err := backup.Restore(ctx, path, []age.Identity{key}, backup.Target{DB: dst, DSN: dstDSN}, quiet); !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("a restore into a database holding data: %v; want ErrNotEmpty", err)
	}
	// Never with the wrong key, and nothing written then.
	empty := testdb.NewEmptyDSN(t)
	emptyDB := open(t, empty)
	if _, err := backup.Restore(ctx, path, []age.Identity{newKey(t)}, backup.Target{DB: emptyDB, DSN: empty}, quiet); err == nil || !strings.Contains(err.Error(), "decrypt") {
		t.Errorf("a restore with another key: %v", err)
	}
	assertEmpty(t, emptyDB)
}

func assertEmpty(t *testing.T, db *sqlx.DB) {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`); err != nil || n != 0 {
		t.Errorf("the target holds %d tables after a refused restore (%v)", n, err)
	}
}

func TestRestoreRefusesATamperedFile(t *testing.T) {
	ctx := context.Background()
	db, dsn, _ := source(t)
	key := newKey(t)
	dir := t.TempDir()
	m, err := backup.Make(ctx, backup.Source{DB: db, DSN: dsn}, dir, []age.Recipient{key.Recipient()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, m.File)
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	dstDSN := testdb.NewEmptyDSN(t)
	dst := open(t, dstDSN)
	if _, err := backup.Restore(ctx, path, []age.Identity{key}, backup.Target{DB: dst, DSN: dstDSN}, quiet); err == nil || !strings.Contains(err.Error(), "changed or damaged") {
		t.Errorf("a restore of a changed file: %v", err)
	}
	assertEmpty(t, dst)
}

func TestRotationKeepsSeven(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.NewDSN(t)
	db := open(t, dsn)
	key := newKey(t)
	dir := t.TempDir()
	now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	svc := backup.New(backup.Options{DB: db, OwnerDSN: dsn, Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Log: quiet,
		Now: func() time.Time { return now }})
	var made []string
	for range 9 {
		m, err := svc.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, m.File)
		now = now.Add(24 * time.Hour)
	}
	kept, err := backup.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != backup.Keep {
		t.Fatalf("%d backups kept, want %d", len(kept), backup.Keep)
	}
	if filepath.Base(kept[0]) != made[8] || filepath.Base(kept[6]) != made[2] {
		t.Errorf("kept %v; want the newest seven, %v", kept, made[2:])
	}
	for _, gone := range made[:2] {
		if _, err := os.Stat(filepath.Join(dir, gone+".manifest.json")); !os.IsNotExist(err) {
			t.Errorf("the manifest of removed backup %s is still there", gone)
		}
	}
}

// The jobs as tugi serve runs them: the service's pool is the application's role, which
// may not read every table; the backup and the drill run as the owner.
func TestDrillAndTheLog(t *testing.T) {
	ctx := context.Background()
	owner, dsn, _ := source(t)
	db := testdb.OpenAs(t, testdb.AppRoleDSN(t, dsn))
	key := newKey(t)
	svc := backup.New(backup.Options{DB: db, OwnerDSN: dsn, Dir: t.TempDir(), Identities: []age.Identity{key}, Log: quiet})
	if !svc.Configured() || !svc.CanDrill() {
		t.Fatal("a service with an identity should back up to its recipient and drill")
	}
	if err := svc.DrillJob(ctx); err != nil {
		t.Fatalf("a drill before any backup: %v", err)
	}
	if err := svc.BackupJob(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.BackupJob(ctx); err != nil { // not due again yet
		t.Fatal(err)
	}
	d, err := svc.DrillNewest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Events != d.Manifest.AuditHead.Seq || d.Events == 0 {
		t.Errorf("the drill verified %d events; the backup holds %d", d.Events, d.Manifest.AuditHead.Seq)
	}
	var scratch int
	if err := owner.Get(&scratch, `SELECT count(*) FROM pg_database WHERE datname LIKE 'tugi_drill_%'`); err != nil || scratch != 0 {
		t.Errorf("%d scratch databases left behind (%v)", scratch, err)
	}
	runs, err := svc.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Kind != "drill" || !runs[0].OK || runs[1].Kind != "backup" || !runs[1].OK {
		t.Fatalf("the log: %+v; want one backup, then one drill", runs)
	}
	var audited int
	if err := owner.Get(&audited, `SELECT count(*) FROM audit_events WHERE action IN ('backup.made', 'backup.drilled')`); err != nil || audited != 2 {
		t.Errorf("%d audit events of the backup and the drill (%v); want 2", audited, err)
	}
}

func TestAFailedBackupWarnsOnceADay(t *testing.T) {
	ctx := context.Background()
	db, dsn, _ := source(t)
	broken, err := database.WithDBName(dsn, "no_such_database")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	svc := backup.New(backup.Options{DB: db, OwnerDSN: broken, Dir: t.TempDir(), Recipients: []age.Recipient{newKey(t).Recipient()},
		Log: quiet, Now: func() time.Time { return now }})
	// The CISO reads Tugi in Estonian, the admin in English: each is warned in theirs.
	if _, err := db.Exec(`UPDATE users SET language = 'et' WHERE email = 'ciso@tugi.example'`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := svc.BackupJob(ctx); err == nil {
			t.Fatal("a backup of a database that does not exist succeeded")
		}
		now = now.Add(time.Hour)
	}
	var to []string
	if err := db.Select(&to, `SELECT to_address FROM mail_outbox WHERE kind = 'backup.backup_failed' ORDER BY to_address`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(to, " ") != "admin@tugi.example ciso@tugi.example" {
		t.Errorf("the failure was mailed to %v; want the admin and the CISO, once", to)
	}
	for _, want := range []struct{ to, subject, says string }{
		// in the support zone, named, as pages write it
		{"admin@tugi.example", "Tugi: the backup failed", "The backup of 1 Mar 2026 04:00 EET failed"},
		{"ciso@tugi.example", "Tugi: varukoopia tegemine ebaõnnestus", "Varukoopia tegemine (algus 1. märts 2026 04:00 EET) ebaõnnestus"},
	} {
		var m struct {
			Subject string `db:"subject"`
			Body    string `db:"body_text"`
		}
		if err := db.Get(&m, `SELECT subject, body_text FROM mail_outbox WHERE kind = 'backup.backup_failed' AND to_address = $1`, want.to); err != nil {
			t.Fatal(err)
		}
		if m.Subject != want.subject || !strings.Contains(m.Body, want.says) {
			t.Errorf("the warning to %s: %q\n%s\nwant the subject %q, saying %q", want.to, m.Subject, m.Body, want.subject, want.says)
		}
	}
	runs, err := svc.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].OK || !strings.Contains(runs[0].Error, "no_such_database") {
		t.Errorf("the log of failed backups: %+v", runs)
	}
}
