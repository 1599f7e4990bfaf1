package ticket

import (
	"context"
	"fmt"

	"tugi/app/database"
	"tugi/app/privacy/person"
)

// The erasure of a person (app/privacy) in what app/ticket owns. $1 is the person, $2 the
// pattern of their name and address (person.Erasure.Pattern), $3 the pseudonym; the
// person's tickets are those they asked (requester_id), and where their name is looked for
// also those they opened for someone or were assigned (staff).
const (
	theirTickets     = `(SELECT id FROM tickets WHERE requester_id = $1 OR created_by = $1 OR assignee_id = $1)`
	eraseOwnMessages = `UPDATE ticket_messages SET body = $2 WHERE author_id = $1 AND body <> $2`
	// Their name and address, in any message of their tickets or of their own.
	redactMessages = `
UPDATE ticket_messages SET body = left(regexp_replace(body, $2, $3, 'gi'), 20000)
WHERE (author_id = $1 OR ticket_id IN ` + theirTickets + `) AND body ~* $2`
	eraseSubjects  = `UPDATE tickets SET subject = $2 WHERE requester_id = $1 AND subject <> $2`
	redactSubjects = `
UPDATE tickets SET subject = left(regexp_replace(subject, $2, $3, 'gi'), 200)
WHERE id IN ` + theirTickets + ` AND subject ~* $2`
	eraseOwnAttachments = `DELETE FROM ticket_attachments WHERE uploaded_by = $1 RETURNING sha256`
	redactAttachments   = `
UPDATE ticket_attachments SET filename = left(regexp_replace(filename, $2, $3, 'gi'), 255)
WHERE ticket_id IN ` + theirTickets + ` AND filename ~* $2`
	eraseQueueViews = `DELETE FROM queue_views WHERE owner_id = $1`
)

// ErasePerson applies e to tickets through q, the erasure's transaction: the person's own
// messages and the subjects of their tickets are removed (e.RemoveTicketText) or kept,
// their name and address are replaced by the pseudonym in every message of their tickets,
// the files they attached are deleted, and their saved queue views go. It returns the
// contents of the deleted files, for app/blob to delete when nothing else names them.
func ErasePerson(ctx context.Context, q database.Queryer, e person.Erasure, c person.Counts) ([]string, error) {
	if e.RemoveTicketText {
		err := person.Run(ctx, q, "ticket", c,
			person.Step{Kind: "ticket_messages.removed", SQL: eraseOwnMessages, Args: []any{e.UserID, person.Removed}},
			person.Step{Kind: "ticket_subjects.removed", SQL: eraseSubjects, Args: []any{e.UserID, person.Removed}})
		if err != nil {
			return nil, err
		}
	}
	p := e.Pattern()
	err := person.Run(ctx, q, "ticket", c,
		person.Step{Kind: "ticket_messages.name_replaced", SQL: redactMessages, Args: []any{e.UserID, p, e.Alias}},
		person.Step{Kind: "ticket_subjects.name_replaced", SQL: redactSubjects, Args: []any{e.UserID, p, e.Alias}},
		person.Step{Kind: "ticket_attachment_names.name_replaced", SQL: redactAttachments, Args: []any{e.UserID, p, e.Alias}},
		person.Step{Kind: "queue_views.deleted", SQL: eraseQueueViews, Args: []any{e.UserID}})
	if err != nil {
		return nil, err
	}
	var files []string
	if err := q.SelectContext(ctx, &files, eraseOwnAttachments, e.UserID); err != nil {
		return nil, fmt.Errorf("ticket: erase attachments of %d: %w", e.UserID, err)
	}
	c.Add("ticket_attachments.deleted", int64(len(files)))
	return files, nil
}
