package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tugi/app/database"
)

// Head is the end of the chain: the last event's seq and hash (seq 0 and Genesis while
// the log is empty).
type Head struct {
	Seq  int64
	Hash Hash
	At   time.Time // the last event's time; zero while the log is empty
}

// CurrentHead returns the head of the chain as the database keeps it (table audit_head).
func CurrentHead(ctx context.Context, q database.Queryer) (Head, error) {
	var row struct {
		Seq  int64     `db:"seq"`
		Hash []byte    `db:"hash"`
		At   time.Time `db:"at"`
	}
	// -infinity, the time of an empty log, is not a time Go can scan.
	err := q.GetContext(ctx, &row, readHead)
	if err != nil {
		return Head{}, fmt.Errorf("audit: read the chain's head: %w", err)
	}
	h := Head{Seq: row.Seq}
	if len(row.Hash) != HashSize {
		return Head{}, fmt.Errorf("audit: the chain's head hash has %d bytes, not %d", len(row.Hash), HashSize)
	}
	copy(h.Hash[:], row.Hash)
	if row.Seq > 0 {
		h.At = row.At
	}
	return h, nil
}

// LogHead writes the chain's head to log: a pass of the job "audit.head_log", run at start
// and then daily. A copy of these lines kept outside the database exposes a rewrite of the
// whole chain: `tugi audit verify` would report another hash for that seq.
func LogHead(ctx context.Context, q database.Queryer, log *slog.Logger) error {
	h, err := CurrentHead(ctx, q)
	if err != nil {
		return err
	}
	log.Info("audit head", "seq", h.Seq, "hash", h.Hash.String())
	return nil
}

// SignCheckpoint signs the chain's head at now with key, after checking that the head is
// the last event (a log whose end was cut off is not signed).
func SignCheckpoint(ctx context.Context, q database.Queryer, key ed25519.PrivateKey, now time.Time) (Checkpoint, error) {
	h, err := CurrentHead(ctx, q)
	if err != nil {
		return Checkpoint{}, err
	}
	var last struct {
		Seq  int64  `db:"seq"`
		Hash []byte `db:"hash"`
	}
	err = q.GetContext(ctx, &last, lastEvent)
	switch {
	case errors.Is(err, sql.ErrNoRows) && h.Seq == 0:
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return Checkpoint{}, fmt.Errorf("audit: read the last event: %w", err)
	case last.Seq != h.Seq || !bytes.Equal(last.Hash, h.Hash[:]):
		return Checkpoint{}, fmt.Errorf("%w: the chain's head (seq %d) is not its last event (seq %d): run tugi audit verify", ErrBroken, h.Seq, last.Seq)
	}
	return NewCheckpoint(key, h, now), nil
}
