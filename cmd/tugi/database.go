package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jmoiron/sqlx"

	"tugi/app/config"
	"tugi/app/database"
	"tugi/app/pgcluster"
)

// role is whom a command acts as on the embedded database.
type role int

const (
	// asOwner: the schema's owner, for the operator's commands (migrate, user add, demo,
	// audit ...), as they would run them in production.
	asOwner role = iota
	// asApp: the least-privileged login role (pgcluster.AppRole, a member of tugi_app), for
	// tugi serve, as production serves: the database then refuses to change the audit log.
	asApp
)

// openDatabase connects to DATABASE_URL or, without it, to the embedded PostgreSQL under
// TUGI_DATA_DIR, starting it when needed, and brings the schema up to date when migrate
// is true; otherwise it refuses a schema that is not up to date. On the embedded database
// it migrates as the owner and then, for asApp, connects again as pgcluster.AppRole;
// with DATABASE_URL the URL says who Tugi is. close stops what it started. place tells
// which of the two it is, and how to connect again: as the pool does, and as the owner.
func openDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger, migrate bool, as role) (db *sqlx.DB, place dbPlace, close func(), err error) {
	dsn := cfg.DatabaseURL
	var cluster *pgcluster.Cluster
	if dsn == "" {
		if cluster, err = pgcluster.Start(ctx, pgcluster.Options{Dir: cfg.DataDir, Logger: log}); err != nil {
			return nil, dbPlace{}, nil, err
		}
		dsn = cluster.DSN(pgcluster.AppDatabase)
	}
	place = dbPlace{Embedded: cluster != nil, DSN: dsn, OwnerDSN: dsn}
	stopCluster := func() {
		if cluster != nil {
			if err := cluster.Stop(); err != nil {
				log.Error("stopping the embedded PostgreSQL failed", "error", err)
			}
		}
	}
	if db, err = database.OpenLimited(ctx, dsn, database.Limits{Statement: cfg.StatementTimeout}); err != nil {
		stopCluster()
		return nil, dbPlace{}, nil, err
	}
	if migrate {
		err = database.Migrate(ctx, db, log)
	} else {
		err = checkSchema(ctx, db)
	}
	if err == nil && cluster != nil && as == asApp {
		db, err = reopenAsApp(ctx, cluster, db)
		place.DSN = cluster.AppDSN(pgcluster.AppDatabase)
	}
	if err != nil {
		db.Close()
		stopCluster()
		return nil, dbPlace{}, nil, err
	}
	return db, place, func() { db.Close(); stopCluster() }, nil
}

// dbPlace is where openDatabase found the database.
type dbPlace struct {
	// Embedded: the private PostgreSQL under TUGI_DATA_DIR, not one DATABASE_URL names.
	Embedded bool
	// DSN is how the pool connects, for a connection of its own (the live layer's
	// listener).
	DSN string
	// OwnerDSN is how the schema's owner connects (DATABASE_URL, or the embedded cluster's
	// superuser), for the programs that need more than the application's role: pg_dump.
	OwnerDSN string
}

// reopenAsApp makes sure the embedded cluster has its least-privileged role and returns a
// pool connected as it, closing owner, the pool that migrated; on an error it returns
// owner, still open.
func reopenAsApp(ctx context.Context, cluster *pgcluster.Cluster, owner *sqlx.DB) (*sqlx.DB, error) {
	if err := cluster.EnsureAppRole(ctx); err != nil {
		return owner, err
	}
	app, err := database.Open(ctx, cluster.AppDSN(pgcluster.AppDatabase))
	if err != nil {
		return owner, err
	}
	owner.Close()
	return app, nil
}

// checkSchema refuses to go on while migrations are pending (TUGI_MIGRATE=false).
func checkSchema(ctx context.Context, db *sqlx.DB) error {
	pending, err := database.Pending(ctx, db)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		names := make([]string, len(pending))
		for i, m := range pending {
			names[i] = m.Name
		}
		return fmt.Errorf("the database schema is not up to date (%s pending) and TUGI_MIGRATE is false: run tugi migrate as the database's owner first",
			strings.Join(names, ", "))
	}
	return nil
}
