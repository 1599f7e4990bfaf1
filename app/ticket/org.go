package ticket

import (
	"context"
	"fmt"
	"time"

	"tugi/app/database"
	"tugi/app/ticket/unresolved"
)

// OrgTicket is one of an organisation's tickets, as its admin page lists them.
type OrgTicket struct {
	ID        int64     `db:"id"`
	Subject   string    `db:"subject"`
	Status    Status    `db:"status"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Reference is the ticket's reference, T-2026-00123.
func (t OrgTicket) Reference() string { return Reference(t.ID, t.CreatedAt) }

// orgTickets reads the latest $2 tickets of organisation $1 by their last activity (the
// index tickets_org_updated), and how many of its tickets are unresolved.
const orgTickets = `
SELECT id, subject, status, created_at, updated_at,
       (SELECT count(*) FROM tickets t WHERE t.org_id = $1 AND ` + unresolved.SQL + `) AS open
FROM tickets WHERE org_id = $1
ORDER BY updated_at DESC, id DESC
LIMIT $2`

// OfOrganisation returns how many of organisation orgID's tickets are unresolved and its
// latest limit tickets by their last activity: for the organisation's admin page, which
// package user serves (the server passes it this).
func OfOrganisation(ctx context.Context, q database.Queryer, orgID int64, limit int) (open int, latest []OrgTicket, err error) {
	var rows []struct {
		OrgTicket
		Open int `db:"open"`
	}
	if err := q.SelectContext(ctx, &rows, orgTickets, orgID, limit); err != nil {
		return 0, nil, fmt.Errorf("ticket store: tickets of organisation %d: %w", orgID, err)
	}
	for _, r := range rows {
		open = r.Open
		latest = append(latest, r.OrgTicket)
	}
	return open, latest, nil
}
