package blob

import (
	"context"
	"fmt"
	"strings"

	"github.com/lib/pq"

	"tugi/app/database"
)

// DeleteUnnamed deletes, through q (an erasure's transaction), those of the contents shas
// that no row names any more, at once rather than at the next pass of Collect a day
// later: the files of an erased person, whose rows the same transaction deleted. A content
// another row still names (the same file attached elsewhere) stays. It returns what it
// deleted.
func DeleteUnnamed(ctx context.Context, q database.Queryer, shas []string) (Collected, error) {
	if len(shas) == 0 {
		return Collected{}, nil
	}
	var refs []struct {
		Table  string `db:"tbl"`
		Column string `db:"col"`
	}
	if err := q.SelectContext(ctx, &refs, blobReferences); err != nil {
		return Collected{}, fmt.Errorf("blob: find what names contents: %w", err)
	}
	unnamed := []string{"true"}
	for _, r := range refs {
		unnamed = append(unnamed, fmt.Sprintf("NOT EXISTS (SELECT FROM %s r WHERE r.%s = b.sha256)",
			pq.QuoteIdentifier(r.Table), pq.QuoteIdentifier(r.Column)))
	}
	var sizes []int64
	if err := q.SelectContext(ctx, &sizes, fmt.Sprintf(deleteNamedUnnamed, strings.Join(unnamed, "\n  AND ")), pq.StringArray(shas)); err != nil {
		return Collected{}, fmt.Errorf("blob: delete unnamed contents: %w", err)
	}
	var out Collected
	out.Blobs = int64(len(sizes))
	for _, s := range sizes {
		out.Bytes += s
	}
	return out, nil
}
