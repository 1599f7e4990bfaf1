// Package blob keeps file contents (attachments of tickets, later of incidents),
// content-addressed by SHA-256: the same bytes are stored once, whoever sends them and
// however often.
//
// Store is the interface features use; Postgres keeps the bytes in the blobs table, so
// PostgreSQL stays the only stateful part (backups, several processes and erasure cover
// them with no shared disk). An S3-compatible store can replace it when a deployment
// outgrows that: it would ignore q and upload under the hash, and a sweep would remove
// objects no attachment names (a rolled-back transaction leaves one behind).
//
// A blob is never served by its hash alone: features serve it through their own rows
// (an attachment of a ticket the viewer may see), which name the hash.
package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"tugi/app/database"
)

// Ref names stored content: its SHA-256 in lowercase hex, and its size in bytes.
type Ref struct {
	SHA256 string
	Size   int64
}

// ErrNotFound is returned by Open for content that is not stored.
var ErrNotFound = errors.New("blob: not found")

// Store keeps contents by their SHA-256.
type Store interface {
	// Put stores what r holds, through q (the transaction of the rows that will name
	// it), unless the same content is stored already, and returns its Ref.
	Put(ctx context.Context, q database.Queryer, r io.Reader) (Ref, error)
	// Open returns the content with SHA-256 sha, or ErrNotFound.
	Open(ctx context.Context, q database.Queryer, sha string) (io.ReadCloser, error)
}

// Postgres is the Store that keeps contents in PostgreSQL's blobs table
// (db/migrations/0007_attachments.sql). It reads each content into memory: callers limit
// sizes (attachments: 10 MiB by default).
type Postgres struct{}

// Put implements Store. Two transactions putting the same new content at once are
// serialised by the primary key: the second waits for the first and then stores nothing.
func (Postgres) Put(ctx context.Context, q database.Queryer, r io.Reader) (Ref, error) {
	var buf bytes.Buffer
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(h, &buf), r)
	if err != nil {
		return Ref{}, fmt.Errorf("blob: read: %w", err)
	}
	ref := Ref{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	// Content stored already is not sent again: 10 MiB take some 150 ms to send.
	var stored bool
	if err := q.GetContext(ctx, &stored, blobStored, ref.SHA256); err != nil {
		return Ref{}, fmt.Errorf("blob: look up %s: %w", ref.SHA256, err)
	}
	if stored {
		return ref, nil
	}
	if _, err := q.ExecContext(ctx, insertBlob, ref.SHA256, ref.Size, buf.Bytes()); err != nil {
		return Ref{}, fmt.Errorf("blob: put %s: %w", ref.SHA256, err)
	}
	return ref, nil
}

// Open implements Store.
func (Postgres) Open(ctx context.Context, q database.Queryer, sha string) (io.ReadCloser, error) {
	var content []byte
	err := q.GetContext(ctx, &content, selectBlob, sha)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", sha, err)
	}
	return io.NopCloser(bytes.NewReader(content)), nil
}
