package inbound

import (
	"context"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"tugi/app/database"
	"tugi/app/retention/scope"
)

// ErrRawRemoved is Raw's answer for a message whose text as received retention removed.
var ErrRawRemoved = errors.New("inbound: the message as received was removed after its retention period")

// Retention (app/retention) clears the raw message of mail received before its
// organisation's cutoff for mail (the default's for mail of no organisation): the row
// stays, as threading and the loop limits read it, and the content goes with
// blob.collect once nothing else names it. Mail not yet processed keeps it, and so does
// mail a legal hold covers: of an organisation held, from or handled by a person held, or
// added to a ticket of a person held. Its parameters are scope.Args.

const expiredRaw = `
FROM inbound_mail m
WHERE m.raw_sha256 IS NOT NULL AND m.state <> 'received'
  AND m.received_at < coalesce((SELECT r.cutoff FROM unnest($2::bigint[], $3::timestamptz[]) AS r(org_id, cutoff) WHERE r.org_id = m.org_id), $1::timestamptz)
  AND (m.org_id = ANY ($4) OR m.sender_id = ANY ($5) OR m.processed_by = ANY ($5)
       OR EXISTS (SELECT FROM tickets t WHERE t.id = m.ticket_id
                  AND (t.requester_id = ANY ($5) OR t.assignee_id = ANY ($5) OR t.org_id = ANY ($4)))) IS NOT TRUE
  AND $6::bigint[] IS NOT NULL
`

const countExpiredRaw = `SELECT coalesce(m.org_id, 0) AS org_id, count(*) AS n` + expiredRaw + ` GROUP BY 1`

// clearRaw clears at most $7 raw messages that have expired, returning their
// organisations.
const clearRaw = `
UPDATE inbound_mail SET raw_sha256 = NULL
WHERE id IN (SELECT m.id` + expiredRaw + ` ORDER BY m.id LIMIT $7 FOR UPDATE OF m SKIP LOCKED)
RETURNING id, coalesce(org_id, 0) AS org_id`

// forgetTickets removes the mail that was added to tickets $1, which retention removes.
const forgetTickets = `DELETE FROM inbound_mail WHERE ticket_id = ANY ($1)`

// CountExpiredRaw counts per organisation the raw messages ClearExpiredRaw would clear.
func CountExpiredRaw(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error) {
	counts, err := scope.CountBy(ctx, q, countExpiredRaw, c, h)
	if err != nil {
		return nil, fmt.Errorf("inbound: count expired mail: %w", err)
	}
	return counts, nil
}

// ClearExpiredRaw clears, in q's transaction, at most limit raw messages that have
// expired and no hold covers, and returns how many per organisation. The run's audit
// event (app/retention) counts them; a message has no history of its own.
func ClearExpiredRaw(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
	var objs []scope.Object
	if err := q.SelectContext(ctx, &objs, clearRaw, scope.Args(c, h, limit)...); err != nil {
		return nil, fmt.Errorf("inbound: clear expired mail: %w", err)
	}
	removed := scope.Counts{}
	for _, o := range objs {
		removed.Add(o.OrgID, 1)
	}
	return removed, nil
}

// ForgetTickets removes, in q's transaction, the stored mail that was added to the
// tickets ticketIDs, which retention is removing.
func ForgetTickets(ctx context.Context, q database.Queryer, ticketIDs []int64) error {
	if _, err := q.ExecContext(ctx, forgetTickets, pq.Int64Array(ticketIDs)); err != nil {
		return fmt.Errorf("inbound: forget expired tickets' mail: %w", err)
	}
	return nil
}
