package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
	"github.com/jmoiron/sqlx"

	"tugi/app/backup"
	"tugi/app/config"
	"tugi/app/database"
	"tugi/app/pgcluster"
)

// demoIdentity is the key of an embedded database's backups when no recipient is set, so
// that trying Tugi shows backups working; production names its own recipients and keeps
// the identity elsewhere.
const demoIdentity = "backup-identity.txt"

// backupService builds the backup service of db: its recipients and identities from the
// configuration, or, on the embedded database without either, a key of its own under
// TUGI_DATA_DIR.
func backupService(cfg *config.Config, db *sqlx.DB, place dbPlace, log *slog.Logger) (*backup.Service, error) {
	recipients, err := backup.ParseRecipients(cfg.Backup.Recipients)
	if err != nil {
		return nil, err
	}
	identityFile := cfg.Backup.Identity
	if identityFile == "" && len(recipients) == 0 && place.Embedded {
		identityFile = filepath.Join(cfg.DataDir, demoIdentity)
		if _, err := os.Stat(identityFile); errors.Is(err, os.ErrNotExist) {
			if _, err := backup.Keygen(identityFile); err != nil {
				return nil, fmt.Errorf("backup: make the embedded database's backup key: %w", err)
			}
			log.Info("backup: made a key for the embedded database's backups", "identity", identityFile)
		}
	}
	var identities []age.Identity
	if identityFile != "" {
		if identities, err = backup.LoadIdentities(identityFile); err != nil {
			return nil, err
		}
	}
	return backup.New(backup.Options{DB: db, OwnerDSN: place.OwnerDSN, Dir: cfg.Backup.Dir, Recipients: recipients,
		Identities: identities, Log: log, BaseURL: cfg.PublicURL.String()}), nil
}

// openBackups opens the database as its owner and returns its backup service, with the
// backups in dir (TUGI_BACKUP_DIR when empty), for the backup commands.
func openBackups(ctx context.Context, dir string, stderr io.Writer) (*backup.Service, *config.Config, func(), error) {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	if dir != "" {
		cfg.Backup.Dir = dir
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	db, place, closeDB, err := openDatabase(ctx, cfg, log, cfg.Migrate, asOwner)
	if err != nil {
		return nil, nil, nil, err
	}
	svc, err := backupService(cfg, db, place, log)
	if err != nil {
		closeDB()
		return nil, nil, nil, err
	}
	return svc, cfg, closeDB, nil
}

func runBackup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("backup [--dir DIR]",
		"Writes a backup of the whole database (attachments included) now: pg_dump of one snapshot, encrypted\n"+
			"to TUGI_BACKUP_RECIPIENTS with age, and a manifest beside it (time, size, SHA-256, schema version,\n"+
			"audit head, every table's row count). Keeps the newest seven in the directory and removes older ones.\n"+
			"tugi serve does the same every 24 hours.", stderr)
	dir := fs.String("dir", "", "where to write it (default: TUGI_BACKUP_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, cfg, closeDB, err := openBackups(ctx, *dir, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	m, err := svc.Backup(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n  %d bytes, SHA-256 %s\n  schema %d, audit head %d, %d tables, %d rows\n",
		filepath.Join(cfg.Backup.Dir, m.File), m.Size, m.SHA256, m.Schema, m.AuditHead.Seq, len(m.Tables), m.Rows())
	return nil
}

func runBackupKeygen(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("backup keygen --out FILE",
		"Writes a new age identity (the secret key that decrypts backups) to FILE, readable by its owner only,\n"+
			"never over an existing file, and prints its public key (age1...): set it as TUGI_BACKUP_RECIPIENTS\n"+
			"where Tugi runs, and keep FILE elsewhere, safe (TUGI_BACKUP_IDENTITY names it for tugi restore).", stderr)
	out := fs.String("out", "", "the file to write the identity to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("give the file to write with --out")
	}
	recipient, err := backup.Keygen(*out)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, recipient)
	return nil
}

func runBackupDrill(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("backup drill [--dir DIR]",
		"Restores the newest backup into a scratch database beside Tugi's, checks every table's row count and\n"+
			"the audit head against its manifest, verifies the audit chain, drops the scratch database and records\n"+
			"the result on the backups page. Needs TUGI_BACKUP_IDENTITY and a role that may create databases.", stderr)
	dir := fs.String("dir", "", "where the backups are (default: TUGI_BACKUP_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, _, closeDB, err := openBackups(ctx, *dir, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	d, err := svc.DrillNewest(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "drill passed: %s restored in %s; %d tables and %d rows as its manifest says; %d audit events verified\n",
		d.Manifest.File, d.Took.Round(100*time.Millisecond), len(d.Manifest.Tables), d.Manifest.Rows(), d.Events)
	return nil
}

func runRestore(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("restore FILE",
		"Restores the backup FILE into an empty database (DATABASE_URL's, or a new embedded one under\n"+
			"TUGI_DATA_DIR), refusing one that holds anything. Checks FILE against its manifest first (a changed\n"+
			"file is refused), decrypts it with the identity in TUGI_BACKUP_IDENTITY, checks every table's row\n"+
			"count and the audit head, migrates the schema forward when the backup is older, and verifies the\n"+
			"audit chain.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("give the backup file to restore")
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	if cfg.Backup.Identity == "" {
		return errors.New("TUGI_BACKUP_IDENTITY is not set: name the file of the key the backup was encrypted to")
	}
	identities, err := backup.LoadIdentities(cfg.Backup.Identity)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	// Not openDatabase: it would migrate the empty database, which then is not empty.
	dsn := cfg.DatabaseURL
	if dsn == "" {
		cluster, err := pgcluster.Start(ctx, pgcluster.Options{Dir: cfg.DataDir, Logger: log})
		if err != nil {
			return err
		}
		defer cluster.Stop()
		dsn = cluster.DSN(pgcluster.AppDatabase)
	}
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := backup.Restore(ctx, fs.Arg(0), identities, backup.Target{DB: db, DSN: dsn}, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s (made %s): %d tables, %d rows as its manifest says; %d migrations applied since; audit chain verified: %d events, head %d %s\n",
		r.Manifest.File, r.Manifest.Created.Format("2006-01-02 15:04 MST"), len(r.Manifest.Tables), r.Manifest.Rows(), r.Migrated, r.Events, r.Head.Seq, r.Head.Hash)
	return nil
}
