package backup_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"tugi/app/backup"
	"tugi/app/database"
	"tugi/app/testdb"
	"tugi/app/testdb/scalefill"
)

// BenchmarkBackupScale is docs/backups.md's figure: a backup (the service's, as the daily
// job makes it) and a restore into an empty database (as `tugi restore` does it, checks
// and audit verification included) of docs/performance.md's database of 1,000,000
// tickets and about 5,000,000 messages (app/testdb/scalefill's template, shared with
// app/ticket's BenchmarkScale). It reports the seconds of each, the backup's and the
// database's size and restore/backup, the ratio the issue bounds at 3. Run it alone with
//
//	go test -run '^$' -bench BackupScale -timeout 90m ./app/backup
func BenchmarkBackupScale(b *testing.B) {
	ctx := context.Background()
	say := func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	t0 := time.Now()
	dsn, built := scalefill.DSN(b, scalefill.Full, say)
	say("the database of %d tickets: filled now %v, ready in %s", scalefill.Full.Tickets, built, time.Since(t0).Round(time.Second))
	db, err := database.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var dbBytes int64
	if err := db.GetContext(ctx, &dbBytes, `SELECT pg_database_size(current_database())`); err != nil {
		b.Fatal(err)
	}
	key, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	var backupTook, restoreTook time.Duration
	var size int64
	b.ResetTimer()
	for range b.N {
		dir := b.TempDir()
		svc := backup.New(backup.Options{DB: db, OwnerDSN: dsn, Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Log: quiet})
		started := time.Now()
		m, err := svc.Backup(ctx)
		if err != nil {
			b.Fatal(err)
		}
		backupTook = time.Since(started)
		size = m.Size
		if m.Tables["tickets"] != int64(scalefill.Full.Tickets) {
			b.Fatalf("the backup holds %d tickets, want %d", m.Tables["tickets"], scalefill.Full.Tickets)
		}

		b.StopTimer()
		dstDSN := testdb.NewEmptyDSN(b)
		dst, err := database.Open(ctx, dstDSN)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		started = time.Now()
		r, err := backup.Restore(ctx, filepath.Join(dir, m.File), []age.Identity{key}, backup.Target{DB: dst, DSN: dstDSN}, quiet)
		if err != nil {
			b.Fatal(err)
		}
		restoreTook = time.Since(started)
		b.StopTimer()
		var tickets int64
		if err := dst.GetContext(ctx, &tickets, `SELECT count(*) FROM tickets`); err != nil || tickets != int64(scalefill.Full.Tickets) {
			b.Fatalf("restored %d tickets (%v), want %d", tickets, err, scalefill.Full.Tickets)
		}
		say("backup %s (%d bytes, %d rows), restore %s (%d audit events verified)", backupTook.Round(time.Second), m.Size, m.Rows(),
			restoreTook.Round(time.Second), r.Events)
		dst.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(backupTook.Seconds(), "backup-s")
	b.ReportMetric(restoreTook.Seconds(), "restore-s")
	b.ReportMetric(restoreTook.Seconds()/backupTook.Seconds(), "restore/backup")
	b.ReportMetric(float64(size)/1e6, "backup-MB")
	b.ReportMetric(float64(dbBytes)/1e6, "database-MB")
}
