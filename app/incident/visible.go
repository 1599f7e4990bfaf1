package incident

import (
	"context"
	"fmt"

	"github.com/lib/pq"

	"tugi/app/database"
)

// visibleIDs reads which of the incidents $3 the viewer sees at all.
const visibleIDs = `SELECT i.id FROM incidents i WHERE i.id = ANY ($3::bigint[]) AND ` + visibleSQL

// Visible reports which of the incidents ids the scope sees (in full or as their
// reporter): other pages (the audit log's) link an incident only for a viewer who may
// open it.
func Visible(ctx context.Context, q database.Queryer, scope Scope, ids []int64) (map[int64]bool, error) {
	seen := map[int64]bool{}
	if scope.None() || len(ids) == 0 {
		return seen, nil
	}
	var found []int64
	if err := q.SelectContext(ctx, &found, visibleIDs, scope.args(pq.Array(ids))...); err != nil {
		return nil, fmt.Errorf("incident: which of %d incidents are visible: %w", len(ids), err)
	}
	for _, id := range found {
		seen[id] = true
	}
	return seen, nil
}
