package backup

import (
	"context"
	"fmt"
	"time"

	"filippo.io/age"

	"tugi/app/audit"
	"tugi/app/database"
)

// Drilled is what a restore drill found.
type Drilled struct {
	Manifest Manifest
	Events   int64 // audit events verified in the restored copy
	Took     time.Duration
}

// Drill restores the backup at path into a scratch database beside admin's (so admin's
// role needs the right to create databases), checks every table's row count and the audit
// head against the manifest, verifies the restored audit chain, and drops the scratch
// database whatever happened.
func Drill(ctx context.Context, path string, identities []age.Identity, admin Source, now time.Time) (Drilled, error) {
	started := time.Now()
	name := fmt.Sprintf("tugi_drill_%d", now.UnixNano())
	if _, err := admin.DB.ExecContext(ctx, createDatabase(name)); err != nil {
		return Drilled{}, fmt.Errorf("backup: create the drill's scratch database (the role needs CREATEDB): %w", err)
	}
	defer func() {
		// Dropped even when ctx has ended: a scratch copy of every customer's data must
		// not stay behind.
		dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		admin.DB.ExecContext(dropCtx, dropDatabase(name))
	}()
	dsn, err := database.WithDBName(admin.DSN, name)
	if err != nil {
		return Drilled{}, err
	}
	scratch, err := database.Open(ctx, dsn)
	if err != nil {
		return Drilled{}, err
	}
	defer scratch.Close()
	dst := Target{DB: scratch, DSN: dsn}
	m, err := check(ctx, path, dst)
	if err != nil {
		return Drilled{}, err
	}
	if err := load(ctx, path, identities, dst); err != nil {
		return Drilled{}, err
	}
	if err := compare(ctx, scratch, m); err != nil {
		return Drilled{}, err
	}
	rep, err := audit.Verify(ctx, scratch, nil)
	if err != nil {
		return Drilled{}, fmt.Errorf("backup: the drill's audit log does not verify: %w", err)
	}
	return Drilled{Manifest: m, Events: rep.Events, Took: time.Since(started)}, nil
}
