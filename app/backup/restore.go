package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"filippo.io/age"
	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
)

// ErrNotEmpty is Restore's refusal of a database that holds tables already: a restore
// never mixes a backup with other data.
var ErrNotEmpty = errors.New("backup: the database is not empty; restore only into a new, empty database")

// Target is the database a backup is restored into.
type Target struct {
	DB  *sqlx.DB // a pool on it, as a role that may create the schema (its owner)
	DSN string   // the same, for pg_restore
}

// Restored is what a restore found and did.
type Restored struct {
	Manifest Manifest
	Migrated int   // migrations applied after the restore, as the backup was older
	Events   int64 // audit events whose chain was verified
	Head     audit.Head
}

// Restore restores the backup at path into dst, which must be empty: it checks the file
// against its manifest (size and SHA-256: a changed or damaged file is refused before
// anything is written), decrypts it with identities, restores it in one transaction,
// checks every table's row count and the audit head against the manifest, migrates the
// schema forward when the backup is older, and verifies the audit chain.
func Restore(ctx context.Context, path string, identities []age.Identity, dst Target, log *slog.Logger) (Restored, error) {
	m, err := check(ctx, path, dst)
	if err != nil {
		return Restored{}, err
	}
	if err := load(ctx, path, identities, dst); err != nil {
		return Restored{}, err
	}
	if err := compare(ctx, dst.DB, m); err != nil {
		return Restored{}, err
	}
	pending, err := database.Pending(ctx, dst.DB)
	if err != nil {
		return Restored{}, err
	}
	if len(pending) > 0 {
		if err := database.Migrate(ctx, dst.DB, log); err != nil {
			return Restored{}, fmt.Errorf("backup: migrate the restored database forward: %w", err)
		}
	}
	rep, err := audit.Verify(ctx, dst.DB, nil)
	if err != nil {
		return Restored{}, fmt.Errorf("backup: the restored audit log does not verify: %w", err)
	}
	return Restored{Manifest: m, Migrated: len(pending), Events: rep.Events, Head: rep.Head}, nil
}

// check reads and checks the manifest and the file, and that dst is empty and can take
// the dump's grants.
func check(ctx context.Context, path string, dst Target) (Manifest, error) {
	m, err := ReadManifest(path)
	if err != nil {
		return Manifest{}, err
	}
	if err := Verify(path, m); err != nil {
		return Manifest{}, err
	}
	var full bool
	if err := dst.DB.GetContext(ctx, &full, anyTable); err != nil {
		return Manifest{}, fmt.Errorf("backup: look into the target database: %w", err)
	}
	if full {
		return Manifest{}, ErrNotEmpty
	}
	// The dump grants the application's group role its rights; the role is the cluster's,
	// not the database's, so a new cluster may lack it.
	if _, err := dst.DB.ExecContext(ctx, ensureAppRole); err != nil {
		var exists bool
		if err2 := dst.DB.GetContext(ctx, &exists, appRoleExists); err2 != nil || !exists {
			return Manifest{}, fmt.Errorf("backup: the role tugi_app is missing and cannot be created (%v): create it first (CREATE ROLE tugi_app NOLOGIN)", err)
		}
	}
	return m, nil
}

// load decrypts the file at path and restores it into dst.
func load(ctx context.Context, path string, identities []age.Identity, dst Target) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	r, err := age.Decrypt(f, identities...)
	if err != nil {
		return fmt.Errorf("backup: decrypt %s (is TUGI_BACKUP_IDENTITY the key it was made for?): %w", path, err)
	}
	tools, err := findTools(ctx, dst.DB)
	if err != nil {
		return err
	}
	return tools.restore(ctx, dst.DSN, r)
}

// compare checks the restored database against the manifest: every table with the row
// count it had, and the audit head.
func compare(ctx context.Context, db *sqlx.DB, m Manifest) error {
	got, err := countRows(ctx, db)
	if err != nil {
		return err
	}
	var diffs []string
	for _, t := range m.TableNames() {
		if n, ok := got[t]; !ok {
			diffs = append(diffs, t+": missing")
		} else if n != m.Tables[t] {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows, the manifest says %d", t, n, m.Tables[t]))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("backup: the restored database differs from the manifest: %s", strings.Join(diffs, "; "))
	}
	head, err := audit.CurrentHead(ctx, db)
	if err != nil {
		return err
	}
	if head.Seq != m.AuditHead.Seq || head.Hash.String() != m.AuditHead.Hash {
		return fmt.Errorf("backup: the restored audit head is %d %s, the manifest says %d %s", head.Seq, head.Hash, m.AuditHead.Seq, m.AuditHead.Hash)
	}
	return nil
}
