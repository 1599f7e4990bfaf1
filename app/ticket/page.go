package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// The ticket page's reads. A page read the ticket, its clocks, its links, its messages
// and their attachments in five queries, beside the session's and the history's; a
// round trip costs more than the reading (about a tenth of a millisecond of the
// database's time, and as much of Tugi's, whatever the query returns). The ticket comes
// with its clocks and links as JSON, and the messages with their attachments.

// pageTicket reads ticket $5 as getTicket does, with its clocks and, for staff ($1), its
// links both ways: two index lookups (one join on "either end is this ticket" took
// PostgreSQL up to 15 ms to plan).
const pageTicket = `SELECT ` + ticketColumns + `,
       (SELECT json_agg(json_build_object('metric', k.metric, 'target_seconds', k.target_seconds,
                'used_seconds', k.used_seconds, 'started_at', k.started_at, 'running_since', k.running_since,
                'stopped_at', k.stopped_at, 'breached', k.breached, 'warning_notified_at', k.warning_notified_at,
                'breach_notified_at', k.breach_notified_at))
        FROM ticket_clocks k WHERE k.ticket_id = t.id) AS clocks,
       CASE WHEN $1::boolean THEN (
           SELECT json_agg(json_build_object('id', l.id, 'kind', l.kind, 'outgoing', l.outgoing,
                    'other_ticket_id', l.other_ticket_id, 'other_created_at', l.other_created_at,
                    'other_subject', l.other_subject, 'other_status', l.other_status) ORDER BY l.id)
           FROM (SELECT l.id, l.kind, true AS outgoing, o.id AS other_ticket_id, o.created_at AS other_created_at,
                        o.subject AS other_subject, o.status AS other_status
                 FROM ticket_links l JOIN tickets o ON o.id = l.other_id
                 WHERE l.ticket_id = t.id
                 UNION ALL
                 SELECT l.id, l.kind, false, o.id, o.created_at, o.subject, o.status
                 FROM ticket_links l JOIN tickets o ON o.id = l.ticket_id
                 WHERE l.other_id = t.id) l)
       END AS links
FROM tickets t` + ticketJoins + `
WHERE ` + visible + ` AND t.id = $5`

// Page is a ticket as its page shows it: the ticket, its SLA clocks and its links.
type Page struct {
	Ticket *Ticket
	Clocks Clocks
	Links  []Link // staff's only: a link may lead to another organisation's ticket
}

// Page returns ticket id with its clocks and links, if scope may see it, and
// ErrNotFound otherwise.
func (s *Store) Page(ctx context.Context, scope Scope, id int64) (*Page, error) {
	var row struct {
		Ticket
		Clocks []byte `db:"clocks"`
		Links  []byte `db:"links"`
	}
	err := s.q.GetContext(ctx, &row, pageTicket, scope.args(id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ticket store: page of %d: %w", id, err)
	}
	var clocks []clockRow
	p := &Page{Ticket: &row.Ticket, Clocks: Clocks{}}
	if err := unmarshalJSON(row.Clocks, &clocks); err != nil {
		return nil, fmt.Errorf("ticket store: clocks of %d: %w", id, err)
	}
	for _, k := range clocks {
		p.Clocks[k.Metric] = k.clock()
	}
	if err := unmarshalJSON(row.Links, &p.Links); err != nil {
		return nil, fmt.Errorf("ticket store: links of %d: %w", id, err)
	}
	return p, nil
}

// listConversation reads the messages of ticket $5, each with its attachments (those
// attachmentJoins finds). Each message's author is named by a subquery rather than a
// join, which PostgreSQL planned as a hash of every user (0.7 ms for 4,000 users, however
// short the conversation).
const listConversation = `
SELECT m.id, m.ticket_id, m.author_id, (SELECT u.name FROM users u WHERE u.id = m.author_id) AS author_name,
       coalesce((SELECT u.org_id IS NULL FROM users u WHERE u.id = m.author_id), false) AS by_staff,
       m.internal, m.channel, m.body, m.created_at,
       (SELECT json_agg(json_build_object('id', a.id, 'ticket_id', a.ticket_id, 'org_id', a.org_id,
                'message_id', a.message_id, 'filename', a.filename, 'content_type', a.content_type, 'size', a.size,
                'sha256', a.sha256, 'internal', m.internal, 'created_at', a.created_at) ORDER BY a.id)
        FROM ticket_attachments a WHERE a.message_id = m.id AND a.ticket_id = t.id AND a.org_id = t.org_id) AS attachments
FROM tickets t
JOIN ticket_messages m ON m.ticket_id = t.id
WHERE ` + visibleMessage + ` AND t.id = $5
ORDER BY m.id`

// Conversation returns the messages of ticket id that scope may see, oldest first
// (without internal notes for a customer), and their attachments by message id.
func (s *Store) Conversation(ctx context.Context, scope Scope, id int64) ([]Message, map[int64][]Attachment, error) {
	rows, err := s.q.QueryContext(ctx, listConversation, scope.args(id)...)
	if err != nil {
		return nil, nil, fmt.Errorf("ticket store: conversation of %d: %w", id, err)
	}
	defer rows.Close()
	var ms []Message
	files := map[int64][]Attachment{}
	for rows.Next() {
		var m Message
		var channel string
		var atts []byte
		if err := rows.Scan(&m.ID, &m.TicketID, &m.AuthorID, &m.Author, &m.ByStaff, &m.Internal, &channel, &m.Body,
			&m.CreatedAt, &atts); err != nil {
			return nil, nil, fmt.Errorf("ticket store: conversation of %d: %w", id, err)
		}
		m.Channel = Channel(channel)
		if len(atts) > 0 {
			var as []Attachment
			if err := json.Unmarshal(atts, &as); err != nil {
				return nil, nil, fmt.Errorf("ticket store: attachments of message %d: %w", m.ID, err)
			}
			files[m.ID] = as
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("ticket store: conversation of %d: %w", id, err)
	}
	return ms, files, nil
}

// unmarshalJSON decodes data into v; NULL (nil data) leaves v as it is.
func unmarshalJSON(data []byte, v any) error {
	if len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, v)
}
