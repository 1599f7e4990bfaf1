package blob_test

import (
	"bytes"
	"context"
	"testing"

	"tugi/app/blob"
	"tugi/app/testdb"
)

func TestCollectDeletesOnlyOldUnnamedContents(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	// A feature's table naming contents, as ticket_attachments does: Collect finds it by
	// its foreign key, with no change to the blob package.
	if _, err := db.Exec(`CREATE TABLE test_files (sha256 text NOT NULL REFERENCES blobs (sha256));
CREATE INDEX ON test_files (sha256)`); err != nil {
		t.Fatal(err)
	}
	put := func(content string) string {
		ref, err := blob.Postgres{}.Put(ctx, db, bytes.NewReader([]byte(content)))
		if err != nil {
			t.Fatal(err)
		}
		return ref.SHA256
	}
	named, erased, fresh := put("a file a ticket shows"), put("an erased person's file"), put("a file stored a minute ago")
	if _, err := db.Exec(`INSERT INTO test_files VALUES ($1)`, named); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE blobs SET created_at = now() - interval '2 days' WHERE sha256 IN ($1, $2)`, named, erased); err != nil {
		t.Fatal(err)
	}

	got, err := blob.Collect(ctx, db, blob.CollectGrace)
	if err != nil {
		t.Fatal(err)
	}
	if got.Blobs != 1 || got.Bytes != int64(len("an erased person's file")) {
		t.Errorf("collected %+v; want the one old unnamed file", got)
	}
	for sha, want := range map[string]bool{named: true, erased: false, fresh: true} {
		var kept bool
		if err := db.Get(&kept, `SELECT EXISTS (SELECT FROM blobs WHERE sha256 = $1)`, sha); err != nil {
			t.Fatal(err)
		}
		if kept != want {
			t.Errorf("content %s…: kept %v, want %v", sha[:8], kept, want)
		}
	}
	var audited int
	if err := db.Get(&audited, `SELECT count(*) FROM audit_events WHERE action = 'blob.collect'`); err != nil || audited != 1 {
		t.Errorf("%d audit events of the deletion (%v); want 1", audited, err)
	}
	if again, err := blob.Collect(ctx, db, blob.CollectGrace); err != nil || again.Blobs != 0 {
		t.Errorf("a second pass: %+v, %v; want nothing more", again, err)
	}
}

// notContents are the columns named like a content's hash that hold the hash of something
// else, each with what.
var notContents = map[string]string{
	"schema_migrations.sha256": "a migration file's checksum",
	"backup_runs.sha256":       "a backup file's, kept outside the database",
}

// TestBlobsAreNamedByForeignKeys holds every feature that keeps files to the rule Collect
// relies on: a column that names contents (by the name *sha256) is a foreign key to blobs,
// with an index, or else Collect would delete the files it names.
func TestBlobsAreNamedByForeignKeys(t *testing.T) {
	db := testdb.New(t)
	var cols []struct {
		Table  string `db:"table_name"`
		Column string `db:"column_name"`
		FK     bool   `db:"fk"`
		Index  bool   `db:"indexed"`
	}
	err := db.Select(&cols, `
SELECT c.table_name, c.column_name,
    EXISTS (SELECT FROM pg_constraint k
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
            WHERE k.contype = 'f' AND k.confrelid = 'blobs'::regclass AND cardinality(k.conkey) = 1
              AND k.conrelid = (quote_ident(c.table_name))::regclass AND a.attname = c.column_name) AS fk,
    EXISTS (SELECT FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = (quote_ident(c.table_name))::regclass AND a.attname = c.column_name) AS indexed
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
  AND c.table_name <> 'blobs' AND c.column_name LIKE '%sha256'
ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) == 0 {
		t.Fatal("no column names a content: ticket_attachments.sha256 at least should")
	}
	for _, c := range cols {
		if why, ok := notContents[c.Table+"."+c.Column]; ok && why != "" {
			continue
		}
		if !c.FK {
			t.Errorf("%s.%s names a content but is no foreign key to blobs (sha256): blob.Collect would delete its files", c.Table, c.Column)
		}
		if !c.Index {
			t.Errorf("%s.%s names a content but has no index leading with it: blob.Collect would scan the table for every file", c.Table, c.Column)
		}
	}
}
