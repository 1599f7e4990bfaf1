package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"tugi/app/blob"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestPostgresStoresContentOnceByItsHash(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	var s blob.Store = blob.Postgres{}
	content := []byte("%PDF-1.4\nnot really a PDF, but bytes\x00\xff with every value")
	sum := sha256.Sum256(content)

	ref, err := s.Put(ctx, db, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if ref.SHA256 != hex.EncodeToString(sum[:]) || ref.Size != int64(len(content)) {
		t.Errorf("ref %+v, want the content's SHA-256 and size %d", ref, len(content))
	}
	again, err := s.Put(ctx, db, bytes.NewReader(content))
	if err != nil || again != ref {
		t.Fatalf("the same content again: %+v, %v", again, err)
	}
	other, err := s.Put(ctx, db, bytes.NewReader(append(content, '!')))
	if err != nil || other.SHA256 == ref.SHA256 {
		t.Fatalf("other content: %+v, %v", other, err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM blobs`); err != nil || n != 2 {
		t.Errorf("%d blobs stored (%v), want 2: identical content once", n, err)
	}

	r, err := s.Open(ctx, db, ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, content) {
		t.Errorf("read back %q, want %q", got, content)
	}
	if _, err := s.Open(ctx, db, hex.EncodeToString(make([]byte, 32))); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("unknown hash: %v, want ErrNotFound", err)
	}

	// In a transaction that rolls back, nothing stays.
	tx := db.MustBegin()
	if _, err := s.Put(ctx, tx, bytes.NewReader([]byte("rolled back"))); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if err := db.Get(&n, `SELECT count(*) FROM blobs`); err != nil || n != 2 {
		t.Errorf("%d blobs after a rollback, want 2", n)
	}
}

// Tugi runs as a member of tugi_app (db/migrations/0002): that role stores and reads
// contents.
func TestTheAppRoleStoresContents(t *testing.T) {
	t.Parallel()
	db, err := sqlx.Open("postgres", testdb.AppRoleDSN(t, testdb.NewDSN(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	ref, err := blob.Postgres{}.Put(ctx, db, bytes.NewReader([]byte("as tugi_app")))
	if err != nil {
		t.Fatalf("put as tugi_app: %v", err)
	}
	r, err := blob.Postgres{}.Open(ctx, db, ref.SHA256)
	if err != nil {
		t.Fatalf("open as tugi_app: %v", err)
	}
	r.Close()
	var ok bool
	if err := db.Get(&ok, `SELECT has_table_privilege('ticket_attachments', 'INSERT') AND has_table_privilege('ticket_attachments', 'SELECT')`); err != nil || !ok {
		t.Errorf("tugi_app may not insert and read ticket_attachments: %v %v", ok, err)
	}
}
