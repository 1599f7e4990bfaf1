package chat

import (
	"context"
	"fmt"
	"strconv"

	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/retention/scope"
)

// Retention (app/retention) removes ended chats with their messages and files once their
// organisation's rule for chats lets them expire, and files alone (the messages stay) once
// the attachments' rule does. A chat stays while a legal hold covers it: on its
// organisation, or on its customer, its agent or a person who wrote in it. Its parameters
// are scope.Args.

// chatCutoff is the cutoff of the chat's organisation (its own, else the default).
const chatCutoff = `coalesce((SELECT r.cutoff FROM unnest($2::bigint[], $3::timestamptz[]) AS r(org_id, cutoff) WHERE r.org_id = c.org_id), $1::timestamptz)`

// chatFree is true of a chat no hold covers.
const chatFree = `(c.org_id = ANY ($4) OR c.customer_id = ANY ($5) OR c.agent_id = ANY ($5)
       OR (cardinality($5) > 0 AND EXISTS (SELECT FROM chat_messages m WHERE m.chat_id = c.id AND m.author_id = ANY ($5)))) IS NOT TRUE
  AND $6::bigint[] IS NOT NULL
`

const expiredChats = `
FROM chats c
WHERE c.state = 'ended' AND c.ended_at < ` + chatCutoff + `
  AND ` + chatFree

const selectExpiredChats = `SELECT c.id, c.org_id` + expiredChats + `
ORDER BY c.id LIMIT $7 FOR UPDATE OF c SKIP LOCKED`

const countExpiredChats = `SELECT c.org_id, count(*) AS n` + expiredChats + ` GROUP BY c.org_id`

const (
	deleteChatFiles    = `DELETE FROM chat_files WHERE chat_id = ANY ($1)`
	deleteChatMessages = `DELETE FROM chat_messages WHERE chat_id = ANY ($1)`
	deleteChats        = `DELETE FROM chats WHERE id = ANY ($1)`
	// detachTickets forgets the tickets $1 that chats became, as they are removed.
	detachTickets = `UPDATE chats SET ticket_id = NULL WHERE ticket_id = ANY ($1)`
)

// CountExpired counts per organisation the chats DeleteExpired would remove.
func CountExpired(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error) {
	counts, err := scope.CountBy(ctx, q, countExpiredChats, c, h)
	if err != nil {
		return nil, fmt.Errorf("chat: count expired chats: %w", err)
	}
	return counts, nil
}

// DeleteExpired removes at most limit ended chats that have expired and no hold covers,
// with their messages and files' records, in q's transaction, each with its audit event
// chat.expired, and returns how many went per organisation.
func DeleteExpired(ctx context.Context, q database.Queryer, actor audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
	var objs []scope.Object
	if err := q.SelectContext(ctx, &objs, selectExpiredChats, scope.Args(c, h, limit)...); err != nil {
		return nil, fmt.Errorf("chat: expired chats: %w", err)
	}
	removed := scope.Counts{}
	if len(objs) == 0 {
		return removed, nil
	}
	ids := scope.IDs(objs)
	for _, stmt := range []string{deleteChatFiles, deleteChatMessages, deleteChats} {
		if _, err := q.ExecContext(ctx, stmt, ids); err != nil {
			return nil, fmt.Errorf("chat: remove expired chats: %w", err)
		}
	}
	for _, o := range objs {
		removed.Add(o.OrgID, 1)
		if err := audit.Record(ctx, q, actor, audit.Event{Action: "chat.expired", ObjectType: "chat",
			ObjectID: strconv.FormatInt(o.ID, 10), OrgID: o.OrgID}); err != nil {
			return nil, err
		}
	}
	return removed, nil
}

// DetachTickets forgets, in q's transaction, that chats became the tickets ticketIDs,
// which retention is removing; the chats stay.
func DetachTickets(ctx context.Context, q database.Queryer, ticketIDs []int64) error {
	if _, err := q.ExecContext(ctx, detachTickets, pq.Int64Array(ticketIDs)); err != nil {
		return fmt.Errorf("chat: detach expired tickets: %w", err)
	}
	return nil
}

// expiredFiles are the files of chats stored before the cutoff that no hold covers.
const expiredFiles = `
FROM chat_files f JOIN chats c ON c.id = f.chat_id
WHERE f.created_at < ` + chatCutoff + `
  AND ` + chatFree

const selectExpiredFiles = `SELECT f.id, c.org_id` + expiredFiles + `
ORDER BY f.id LIMIT $7 FOR UPDATE OF f SKIP LOCKED`

const countExpiredFiles = `SELECT c.org_id, count(*) AS n` + expiredFiles + ` GROUP BY c.org_id`

const deleteFiles = `
WITH gone AS (DELETE FROM chat_files WHERE id = ANY ($1) RETURNING chat_id, org_id)
SELECT chat_id AS id, org_id, count(*) AS n FROM gone GROUP BY chat_id, org_id ORDER BY chat_id`

// CountExpiredFiles counts per organisation the chat files the attachments' rule lets
// expire.
func CountExpiredFiles(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error) {
	counts, err := scope.CountBy(ctx, q, countExpiredFiles, c, h)
	if err != nil {
		return nil, fmt.Errorf("chat: count expired files: %w", err)
	}
	return counts, nil
}

// DeleteExpiredFiles removes at most limit chat files the attachments' rule lets expire
// (their messages stay), with one audit event chat.files_expired per chat, and returns how
// many went per organisation.
func DeleteExpiredFiles(ctx context.Context, q database.Queryer, actor audit.Actor, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
	per, err := scope.DeleteFiles(ctx, q, selectExpiredFiles, deleteFiles, c, h, limit)
	if err != nil {
		return nil, fmt.Errorf("chat: remove expired files: %w", err)
	}
	removed := scope.Counts{}
	for _, t := range per {
		removed.Add(t.OrgID, t.N)
		if err := audit.Record(ctx, q, actor, audit.Event{Action: "chat.files_expired", ObjectType: "chat",
			ObjectID: strconv.FormatInt(t.ID, 10), OrgID: t.OrgID, Changes: map[string]audit.Change{"files": {New: t.N}}}); err != nil {
			return nil, err
		}
	}
	return removed, nil
}

// RetentionAuditActions are the actions retention records through this package.
func RetentionAuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{
		{Action: "chat.expired", EN: "Chat removed after its retention period", ET: "Vestlus säilitustähtaja möödudes eemaldatud"},
		{Action: "chat.files_expired", EN: "Chat's files removed after their retention period", ET: "Vestluse failid säilitustähtaja möödudes eemaldatud"},
	}
}
