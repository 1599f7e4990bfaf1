package blob

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
)

// CollectGrace is how old unreferenced content must be before Collect deletes it: long
// past any transaction that stored it and is about to name it.
const CollectGrace = 24 * time.Hour

// collectBatch is how many contents one statement of Collect deletes.
const collectBatch = 200

// Collected is what a pass of Collect deleted.
type Collected struct {
	Blobs int64
	Bytes int64
}

// Collect deletes the contents that no row names any more and that are older than grace:
// the files of an erased person, of tickets removed by retention, of a transaction that
// rolled back. The rows that name contents are found from the database's foreign keys to
// blobs, so a feature that keeps files names them with a foreign key (TestBlobsAreNamedBy
// ForeignKeys holds every feature to it), and a new one is covered without a change here.
// A content a transaction names while Collect looks at it is safe: the foreign key refuses
// the delete (the statement fails, and the next pass goes on).
func Collect(ctx context.Context, db *sqlx.DB, grace time.Duration) (Collected, error) {
	var refs []struct {
		Table  string `db:"tbl"`
		Column string `db:"col"`
	}
	if err := db.SelectContext(ctx, &refs, blobReferences); err != nil {
		return Collected{}, fmt.Errorf("blob: find what names contents: %w", err)
	}
	if len(refs) == 0 {
		return Collected{}, errors.New("blob: no table names contents by a foreign key; collecting would delete every file")
	}
	var unnamed []string
	for _, r := range refs {
		unnamed = append(unnamed, fmt.Sprintf("NOT EXISTS (SELECT FROM %s r WHERE r.%s = b.sha256)",
			pq.QuoteIdentifier(r.Table), pq.QuoteIdentifier(r.Column)))
	}
	query := fmt.Sprintf(deleteUnnamed, strings.Join(unnamed, "\n      AND "))
	var total Collected
	for {
		var batch Collected
		err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
			var sizes []int64
			if err := tx.SelectContext(ctx, &sizes, query, grace.Seconds(), collectBatch); err != nil {
				return fmt.Errorf("blob: collect: %w", err)
			}
			batch.Blobs = int64(len(sizes))
			for _, s := range sizes {
				batch.Bytes += s
			}
			if batch.Blobs == 0 {
				return nil
			}
			return audit.Record(ctx, tx, audit.Job("blob.collect"), audit.Event{Action: "blob.collect", ObjectType: "blob",
				Changes: map[string]audit.Change{"deleted": {New: batch.Blobs}, "bytes": {New: batch.Bytes}}})
		})
		if err != nil {
			return total, err
		}
		total.Blobs += batch.Blobs
		total.Bytes += batch.Bytes
		if batch.Blobs < collectBatch {
			return total, nil
		}
	}
}
