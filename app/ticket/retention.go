package ticket

import (
	"context"
	"fmt"
	"strconv"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/retention/scope"
)

// Retention (app/retention) removes closed tickets, with their messages, files, clocks and
// links, once their organisation's rule lets them expire, and files alone (the messages
// stay) once the attachments' rule does. A ticket or file stays while a legal hold covers
// it: a hold on its organisation, or on a person who asked, entered, handles or wrote in
// it; a ticket linked to an incident stays as long as the incident (and goes in the run
// after the incident's). The functions take retention's cutoffs and holds as scope.Args.

// expiredClosed is what ExpiredClosed and CountExpiredClosed select: closed tickets past
// their organisation's cutoff that no hold covers and no incident names.
const expiredClosed = `
FROM tickets t
WHERE t.status = 'closed' AND t.closed_at < ` + scopeCutoffTicket + `
  AND (t.org_id = ANY ($4) OR t.requester_id = ANY ($5) OR t.created_by = ANY ($5) OR t.assignee_id = ANY ($5)
       OR (cardinality($5) > 0 AND EXISTS (SELECT FROM ticket_messages m WHERE m.ticket_id = t.id AND m.author_id = ANY ($5)))) IS NOT TRUE
  AND NOT EXISTS (SELECT FROM incident_ticket_links l WHERE l.ticket_id = t.id)
  AND $6::bigint[] IS NOT NULL
`

// scopeCutoffTicket is the cutoff of the ticket's organisation: its own, else the default.
const scopeCutoffTicket = `coalesce((SELECT r.cutoff FROM unnest($2::bigint[], $3::timestamptz[]) AS r(org_id, cutoff) WHERE r.org_id = t.org_id), $1::timestamptz)`

const selectExpiredClosed = `SELECT t.id, t.org_id` + expiredClosed + `
ORDER BY t.id LIMIT $7 FOR UPDATE OF t SKIP LOCKED`

const countExpiredClosed = `SELECT t.org_id, count(*) AS n` + expiredClosed + ` GROUP BY t.org_id`

// The ticket's rows, children first (ticket_clocks go with the ticket: ON DELETE CASCADE).
const (
	deleteTicketAttachments = `DELETE FROM ticket_attachments WHERE ticket_id = ANY ($1)`
	deleteTicketMessages    = `DELETE FROM ticket_messages WHERE ticket_id = ANY ($1)`
	deleteTicketLinks       = `DELETE FROM ticket_links WHERE ticket_id = ANY ($1) OR other_id = ANY ($1)`
	deleteTickets           = `DELETE FROM tickets WHERE id = ANY ($1)`
)

// ExpiredClosed returns at most limit (0: all) closed tickets that have expired and no
// hold covers, locked for removal in q's transaction (tickets another transaction holds
// are skipped, for the next pass).
func ExpiredClosed(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held, limit int) ([]scope.Object, error) {
	var objs []scope.Object
	if err := q.SelectContext(ctx, &objs, selectExpiredClosed, scope.Args(c, h, limit)...); err != nil {
		return nil, fmt.Errorf("ticket: expired tickets: %w", err)
	}
	return objs, nil
}

// CountExpiredClosed counts per organisation what ExpiredClosed would return: the
// preview of retention.
func CountExpiredClosed(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error) {
	counts, err := scope.CountBy(ctx, q, countExpiredClosed, c, h)
	if err != nil {
		return nil, fmt.Errorf("ticket: count expired tickets: %w", err)
	}
	return counts, nil
}

// DeleteExpired removes the tickets ExpiredClosed returned, in its transaction q, with
// their messages, files' records (the contents go with blob.collect), clocks and links,
// each with its audit event ticket.expired. Other features' rows that name a ticket
// (a chat it came from, mail it was made of) are for their owners to let go of first.
func DeleteExpired(ctx context.Context, q database.Queryer, actor audit.Actor, objs []scope.Object) error {
	if len(objs) == 0 {
		return nil
	}
	ids := scope.IDs(objs)
	for _, stmt := range []string{deleteTicketAttachments, deleteTicketMessages, deleteTicketLinks, deleteTickets} {
		if _, err := q.ExecContext(ctx, stmt, ids); err != nil {
			return fmt.Errorf("ticket: remove expired tickets: %w", err)
		}
	}
	for _, o := range objs {
		if err := audit.Record(ctx, q, actor, audit.Event{Action: "ticket.expired", ObjectType: "ticket",
			ObjectID: strconv.FormatInt(o.ID, 10), OrgID: o.OrgID}); err != nil {
			return err
		}
	}
	return nil
}

// expiredFiles is what the attachments' rule lets expire: files stored before their
// organisation's cutoff that no hold covers (through the ticket, its people, the uploader
// or an incident held that names the ticket).
const expiredFiles = `
FROM ticket_attachments a JOIN tickets t ON t.id = a.ticket_id
WHERE a.created_at < ` + scopeCutoffTicket + `
  AND (t.org_id = ANY ($4) OR a.uploaded_by = ANY ($5) OR t.requester_id = ANY ($5) OR t.created_by = ANY ($5)
       OR t.assignee_id = ANY ($5)) IS NOT TRUE
  AND NOT EXISTS (SELECT FROM incident_ticket_links l WHERE l.ticket_id = t.id AND l.incident_id = ANY ($6))`

const selectExpiredFiles = `SELECT a.id, t.org_id` + expiredFiles + `
ORDER BY a.id LIMIT $7 FOR UPDATE OF a SKIP LOCKED`

const countExpiredFiles = `SELECT t.org_id, count(*) AS n` + expiredFiles + ` GROUP BY t.org_id`

// deleteFiles removes the attachments $1 and returns, per ticket, how many went.
const deleteFiles = `
WITH gone AS (DELETE FROM ticket_attachments WHERE id = ANY ($1) RETURNING ticket_id, org_id)
SELECT ticket_id AS id, org_id, count(*) AS n FROM gone GROUP BY ticket_id, org_id ORDER BY ticket_id`

// CountExpiredFiles counts per organisation the files the attachments' rule lets expire.
func CountExpiredFiles(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error) {
	counts, err := scope.CountBy(ctx, q, countExpiredFiles, c, h)
	if err != nil {
		return nil, fmt.Errorf("ticket: count expired files: %w", err)
	}
	return counts, nil
}

// DeleteExpiredFiles removes at most limit files the attachments' rule lets expire (their
// messages stay), in q's transaction, with one audit event ticket.files_expired per ticket,
// and returns how many went per organisation.
func DeleteExpiredFiles(ctx context.Context, q database.Queryer, actor audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
	per, err := scope.DeleteFiles(ctx, q, selectExpiredFiles, deleteFiles, c, h, limit)
	if err != nil {
		return nil, fmt.Errorf("ticket: remove expired files: %w", err)
	}
	removed := scope.Counts{}
	for _, t := range per {
		removed.Add(t.OrgID, t.N)
		if err := audit.Record(ctx, q, actor, audit.Event{Action: "ticket.files_expired", ObjectType: "ticket",
			ObjectID: strconv.FormatInt(t.ID, 10), OrgID: t.OrgID, Changes: map[string]audit.Change{"files": {New: t.N}}}); err != nil {
			return nil, err
		}
	}
	return removed, nil
}

// RetentionAuditActions are the actions retention records through this package.
func RetentionAuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "ticket.expired", EN: "Ticket removed after its retention period", ET: "Pöördumine säilitustähtaja möödudes eemaldatud"},
		{Action: "ticket.files_expired", EN: "Ticket's files removed after their retention period", ET: "Pöördumise failid säilitustähtaja möödudes eemaldatud"},
	}
}
