package main

import (
	"context"
	"log/slog"

	"github.com/jmoiron/sqlx"

	"tugi/app/config"
	"tugi/app/database"
	"tugi/app/pgcluster"
)

// openDatabase connects to DATABASE_URL or, without it, to the embedded PostgreSQL under
// TUGI_DATA_DIR, starting it when needed, and brings the schema up to date. close stops
// what it started. embedded reports which of the two it is.
func openDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger) (db *sqlx.DB, embedded bool, close func(), err error) {
	dsn := cfg.DatabaseURL
	var cluster *pgcluster.Cluster
	if dsn == "" {
		if cluster, err = pgcluster.Start(ctx, pgcluster.Options{Dir: cfg.DataDir, Logger: log}); err != nil {
			return nil, false, nil, err
		}
		dsn = cluster.DSN("tugi")
	}
	stopCluster := func() {
		if cluster != nil {
			if err := cluster.Stop(); err != nil {
				log.Error("stopping the embedded PostgreSQL failed", "error", err)
			}
		}
	}
	if db, err = database.Open(ctx, dsn); err != nil {
		stopCluster()
		return nil, false, nil, err
	}
	if err = database.Migrate(ctx, db, log); err != nil {
		db.Close()
		stopCluster()
		return nil, false, nil, err
	}
	return db, cluster != nil, func() { db.Close(); stopCluster() }, nil
}
