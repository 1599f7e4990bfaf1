package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"filippo.io/age"
	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
	"tugi/app/ticket"
	"tugi/app/user"
	"tugi/app/web"
)

// The intervals of the backup schedule.
const (
	// Every is the time between backups the reference sheet promises.
	Every = 24 * time.Hour
	// DrillEvery is the time between restore drills.
	DrillEvery = 30 * 24 * time.Hour
	// CheckEvery is how often the jobs look whether a backup or a drill is due: the
	// schedule is kept in the database (backup_runs), so a restarted process, or another
	// one, keeps it.
	CheckEvery = 15 * time.Minute
	// Late is how old the newest good backup may be before the admins and the CISO are
	// warned that backups are missing.
	Late = Every + 2*time.Hour
)

// Options are what a Service is built from.
type Options struct {
	DB *sqlx.DB // the application's pool: the log of runs
	// OwnerDSN is how the schema's owner connects: pg_dump dumps as it, and a drill
	// creates its scratch database as it.
	OwnerDSN   string
	Dir        string          // where backups are kept
	Recipients []age.Recipient // whom backups are encrypted to
	// Identities decrypt backups, for drills; without them, drills run only where the
	// key is kept (tugi backup drill).
	Identities []age.Identity
	Log        *slog.Logger
	Now        func() time.Time // time.Now when nil
	BaseURL    string           // Tugi's public address, for links in warnings
}

// Service makes, rotates and drills backups and keeps their log.
type Service struct {
	o Options
}

// New returns a Service. Without recipients of its own it encrypts to the identities'.
func New(o Options) *Service {
	if len(o.Recipients) == 0 {
		o.Recipients = recipientsOf(o.Identities)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{o: o}
}

// Configured reports whether backups can be made: they are always encrypted.
func (s *Service) Configured() bool { return len(s.o.Recipients) > 0 }

// CanDrill reports whether this process holds a key to restore backups with.
func (s *Service) CanDrill() bool { return len(s.o.Identities) > 0 }

// Dir is where the backups are kept.
func (s *Service) Dir() string { return s.o.Dir }

// Run is one backup or drill, as the log keeps it.
type Run struct {
	ID         int64     `db:"id"`
	Kind       string    `db:"kind"` // "backup" or "drill"
	StartedAt  time.Time `db:"started_at"`
	FinishedAt time.Time `db:"finished_at"`
	OK         bool      `db:"ok"`
	File       string    `db:"file"`
	Size       int64     `db:"size"`
	SHA256     string    `db:"sha256"`
	AuditSeq   int64     `db:"audit_seq"`
	Rows       int64     `db:"rows"`
	Detail     string    `db:"detail"`
	Error      string    `db:"error"`
}

// Took is how long the run took.
func (r Run) Took() time.Duration { return r.FinishedAt.Sub(r.StartedAt) }

// Runs returns the latest limit runs, newest first.
func (s *Service) Runs(ctx context.Context, limit int) ([]Run, error) {
	var runs []Run
	if err := s.o.DB.SelectContext(ctx, &runs, selectRuns, limit); err != nil {
		return nil, fmt.Errorf("backup: read the log: %w", err)
	}
	return runs, nil
}

// Backup makes a backup now, records it (or its failure, and then warns the admins and
// the CISO), and removes all but the newest Keep.
func (s *Service) Backup(ctx context.Context) (Manifest, error) {
	started := s.o.Now()
	m, err := s.make(ctx, started)
	run := Run{Kind: "backup", StartedAt: started, FinishedAt: s.o.Now(), OK: err == nil,
		File: m.File, Size: m.Size, SHA256: m.SHA256, AuditSeq: m.AuditHead.Seq, Rows: m.Rows()}
	if err == nil {
		removed, rerr := Rotate(s.o.Dir, Keep)
		run.Detail = fmt.Sprintf("kept in %s; %d older removed", s.o.Dir, len(removed))
		if rerr != nil {
			s.o.Log.Error("backup: removing old backups failed", "error", rerr)
			run.Detail += "; removing older ones failed: " + rerr.Error()
		}
	}
	if rerr := s.record(ctx, run, err); rerr != nil {
		return m, errors.Join(err, rerr)
	}
	return m, err
}

// DrillNewest restores the newest backup into a scratch database and checks it, records
// the result, and warns when it fails.
func (s *Service) DrillNewest(ctx context.Context) (Drilled, error) {
	started := s.o.Now()
	d, err := s.drill(ctx)
	run := Run{Kind: "drill", StartedAt: started, FinishedAt: s.o.Now(), OK: err == nil,
		File: d.Manifest.File, Size: d.Manifest.Size, SHA256: d.Manifest.SHA256, AuditSeq: d.Manifest.AuditHead.Seq, Rows: d.Manifest.Rows()}
	if err == nil {
		run.Detail = fmt.Sprintf("%d tables and %d rows as the manifest says; %d audit events verified", len(d.Manifest.Tables), d.Manifest.Rows(), d.Events)
	}
	if rerr := s.record(ctx, run, err); rerr != nil {
		return d, errors.Join(err, rerr)
	}
	return d, err
}

// make makes a backup as the schema's owner: the application's role may not read every
// table (it only appends to audit_pending).
func (s *Service) make(ctx context.Context, now time.Time) (Manifest, error) {
	owner, err := database.Open(ctx, s.o.OwnerDSN)
	if err != nil {
		return Manifest{}, err
	}
	defer owner.Close()
	return Make(ctx, Source{DB: owner, DSN: s.o.OwnerDSN}, s.o.Dir, s.o.Recipients, now)
}

func (s *Service) drill(ctx context.Context) (Drilled, error) {
	if !s.CanDrill() {
		return Drilled{}, errors.New("backup: no identity to decrypt backups with (TUGI_BACKUP_IDENTITY)")
	}
	paths, err := List(s.o.Dir)
	if err != nil {
		return Drilled{}, err
	}
	if len(paths) == 0 {
		return Drilled{}, fmt.Errorf("backup: no backup in %s to drill", s.o.Dir)
	}
	owner, err := database.Open(ctx, s.o.OwnerDSN)
	if err != nil {
		return Drilled{}, err
	}
	defer owner.Close()
	return Drill(ctx, paths[0], s.o.Identities, Source{DB: owner, DSN: s.o.OwnerDSN}, s.o.Now())
}

// record writes run into the log with its audit event, and on failure warns the admins
// and the CISO in the same transaction.
func (s *Service) record(ctx context.Context, run Run, failure error) error {
	if failure != nil {
		run.Error = failure.Error()
		s.o.Log.Error("backup: "+run.Kind+" failed", "error", failure)
	} else {
		s.o.Log.Info("backup: "+run.Kind+" done", "file", run.File, "size", run.Size, "took", run.Took().Round(time.Millisecond))
	}
	return database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
		if _, err := tx.NamedExecContext(ctx, insertRun, run); err != nil {
			return fmt.Errorf("backup: record the %s: %w", run.Kind, err)
		}
		action := "backup.made"
		switch {
		case run.Kind == "drill" && failure != nil:
			action = "backup.drill_failed"
		case run.Kind == "drill":
			action = "backup.drilled"
		case failure != nil:
			action = "backup.failed"
		}
		ev := audit.Event{Action: action, ObjectType: "backup", ObjectID: run.File, Changes: map[string]audit.Change{
			"size": {New: run.Size}, "sha256": {New: run.SHA256}, "audit_seq": {New: run.AuditSeq}}}
		if err := audit.Record(ctx, tx, audit.Job("backup"), ev); err != nil {
			return err
		}
		if failure == nil {
			return nil
		}
		when := run.StartedAt.In(audit.Zone())
		return s.warn(ctx, tx, run.Kind+"_failed", func(lang string) (string, string) {
			subject, text := i18n.T(lang, "Tugi: the backup failed"), i18n.T(lang, "The backup of %s failed:", web.DateIn(lang, when))
			if run.Kind == "drill" {
				subject, text = i18n.T(lang, "Tugi: the restore drill failed"), i18n.T(lang, "The restore drill of %s failed:", web.DateIn(lang, when))
			}
			return subject, text + "\n\n" + run.Error + "\n\n" + s.logLine(lang)
		})
	})
}

// warn mails every admin and CISO, each in their language (compose gives the subject and
// text in one), once a day per kind of warning, whichever process or pass sends it first.
func (s *Service) warn(ctx context.Context, tx *sqlx.Tx, kind string, compose func(lang string) (subject, text string)) error {
	res, err := tx.ExecContext(ctx, claimWarning, kind, s.o.Now().UTC().Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	people, err := user.WithRoles(ctx, tx, access.Admin, access.CISO)
	if err != nil {
		return err
	}
	for _, p := range people {
		subject, text := compose(p.Language)
		if _, err := mail.Enqueue(ctx, tx, mail.Message{To: mail.Address{Name: p.Name, Email: p.Email}, Subject: subject, Text: text,
			Kind: "backup." + kind, ObjectType: "backup", UserID: p.ID}); err != nil {
			return err
		}
	}
	return nil
}

// logLine is the warnings' last line: where the log of backups and drills is.
func (s *Service) logLine(lang string) string {
	return i18n.T(lang, "The log of backups and drills: %s", s.o.BaseURL+"/admin/backups") + "\n"
}

// BackupJob is the pass of the backup.daily job: a backup when the newest good one is a
// day old (or there is none), and a warning when none is recent.
func (s *Service) BackupJob(ctx context.Context) error {
	last, err := s.lastGood(ctx, "backup")
	if err != nil {
		return err
	}
	now := s.o.Now()
	// Due a little early, so that the check interval does not push each day's backup later.
	if !last.IsZero() && now.Sub(last) < Every-CheckEvery {
		return nil
	}
	_, err = s.Backup(ctx)
	if err == nil {
		return s.Prune(ctx)
	}
	if last.IsZero() || now.Sub(last) < Late {
		return err
	}
	return errors.Join(err, database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
		return s.warn(ctx, tx, "backup_missing", func(lang string) (string, string) {
			hours := strconv.Itoa(int(now.Sub(last).Hours()))
			return i18n.T(lang, "Tugi: no backup for %s hours", hours),
				i18n.T(lang, "The newest good backup was made %s; backups are due every 24 hours.", web.DateIn(lang, last.In(audit.Zone()))) + "\n\n" + s.logLine(lang)
		})
	}))
}

// DrillJob is the pass of the backup.drill job: a drill of the newest backup when the last
// good drill is DrillEvery old (or there is none) and a backup exists.
func (s *Service) DrillJob(ctx context.Context) error {
	last, err := s.lastGood(ctx, "drill")
	if err != nil {
		return err
	}
	if !last.IsZero() && s.o.Now().Sub(last) < DrillEvery {
		return nil
	}
	if paths, err := List(s.o.Dir); err != nil || len(paths) == 0 {
		return err // nothing to drill yet: the backup job makes one first
	}
	_, err = s.DrillNewest(ctx)
	return err
}

// Prune forgets runs and warnings older than the log keeps.
func (s *Service) Prune(ctx context.Context) error {
	if _, err := s.o.DB.ExecContext(ctx, pruneRuns); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err := s.o.DB.ExecContext(ctx, pruneWarnings)
	return err
}

func (s *Service) lastGood(ctx context.Context, kind string) (time.Time, error) {
	var t sql.NullTime
	if err := s.o.DB.GetContext(ctx, &t, lastGood, kind); err != nil {
		return time.Time{}, fmt.Errorf("backup: %w", err)
	}
	return t.Time, nil
}

// Newest returns the manifest of the newest backup in the directory, if any.
func (s *Service) Newest() (Manifest, bool, error) {
	paths, err := List(s.o.Dir)
	if err != nil || len(paths) == 0 {
		return Manifest{}, false, err
	}
	m, err := ReadManifest(paths[0])
	return m, err == nil, err
}

// Path is where the backup named file is kept.
func (s *Service) Path(file string) string { return filepath.Join(s.o.Dir, filepath.Base(file)) }

// SizeText is the file's size as people read it, in lang.
func (r Run) SizeText(lang string) string { return ticket.FormatSize(lang, r.Size) }
