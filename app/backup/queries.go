package backup

import "github.com/lib/pq"

// The SQL of backups, restores and drills.
const (
	// beginSnapshot makes the transaction one snapshot pg_dump can share, and keeps it open
	// as long as the dump takes.
	beginSnapshot = `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SET LOCAL idle_in_transaction_session_timeout = 0`

	exportSnapshot = `SELECT pg_export_snapshot()`

	// listTables lists the ordinary tables of the schema Tugi lives in.
	listTables = `
SELECT c.relname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname`

	schemaVersion = `SELECT coalesce(max(version), 0) FROM schema_migrations`

	serverVersion = `SHOW server_version`

	serverMajor = `SELECT current_setting('server_version_num')::int / 10000`

	// anyTable tells whether the schema holds a table at all: a restore goes only into an
	// empty database.
	anyTable = `
SELECT EXISTS (
    SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S'))`

	// ensureAppRole makes the application's group role, which the dump's grants name, when
	// it is missing and the restoring role may create roles (as db/migrations/0002 does).
	ensureAppRole = `
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tugi_app') THEN
        CREATE ROLE tugi_app NOLOGIN;
    END IF;
END $$`

	appRoleExists = `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tugi_app')`

	// The log of backups and drills.
	insertRun = `
INSERT INTO backup_runs (kind, started_at, finished_at, ok, file, size, sha256, audit_seq, rows, detail, error)
VALUES (:kind, :started_at, :finished_at, :ok, :file, :size, :sha256, :audit_seq, :rows, :detail, :error)`

	selectRuns = `
SELECT id, kind, started_at, finished_at, ok, file, size, sha256, audit_seq, rows, detail, error
FROM backup_runs
ORDER BY started_at DESC, id DESC
LIMIT $1`

	// lastGood is when the newest successful run of a kind started.
	lastGood = `SELECT max(started_at) FROM backup_runs WHERE kind = $1 AND ok`

	// claimWarning records that the warning of a kind was sent for day; a second process,
	// or a second pass the same day, finds it taken.
	claimWarning = `
INSERT INTO backup_warnings (kind, day) VALUES ($1, $2)
ON CONFLICT DO NOTHING`

	pruneRuns = `DELETE FROM backup_runs WHERE started_at < now() - interval '400 days'`

	pruneWarnings = `DELETE FROM backup_warnings WHERE day < current_date - 60`
)

// countTable counts the rows of table t, named safely.
func countTable(t string) string { return `SELECT count(*) FROM ` + pq.QuoteIdentifier(t) }

// createDatabase and dropDatabase make and remove a drill's scratch database.
func createDatabase(name string) string { return `CREATE DATABASE ` + pq.QuoteIdentifier(name) }
func dropDatabase(name string) string {
	return `DROP DATABASE IF EXISTS ` + pq.QuoteIdentifier(name) + ` WITH (FORCE)`
}
