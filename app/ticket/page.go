package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The ticket page's reads. A page read the ticket, its clocks, its links, its messages
// and their attachments in five queries, beside the session's and the history's; a
// round trip costs more than the reading (about a tenth of a millisecond of the
// database's time, and as much of Tugi's, whatever the query returns). The ticket comes
// with its clocks and links as JSON, and with its messages and their attachments in the
// same round trip (pageWithConversation).

// pageTicket reads ticket $5 as getTicket does, with its clocks and, for staff ($1), its
// links both ways: two index lookups (one join on "either end is this ticket" took
// PostgreSQL up to 15 ms to plan).
const pageTicket = pageTicketColumns + pageTicketFrom

const pageTicketColumns = `SELECT ` + ticketColumns + `,
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
       END AS links`

const pageTicketFrom = `
FROM tickets t` + ticketJoins + `
WHERE ` + visible + ` AND t.id = $5`

// Page is a ticket as its page shows it: the ticket, its SLA clocks and its links, and
// from PageWithConversation its conversation.
type Page struct {
	Ticket *Ticket
	Clocks Clocks
	Links  []Link // staff's only: a link may lead to another organisation's ticket
	// Messages are the ones the scope may see, oldest first (without internal notes
	// for a customer), and Attachments their files by message id.
	Messages    []Message
	Attachments map[int64][]Attachment
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
	p := &Page{Ticket: &row.Ticket}
	if err := p.decode(row.Clocks, row.Links); err != nil {
		return nil, fmt.Errorf("ticket store: page of %d: %w", id, err)
	}
	return p, nil
}

// decode sets the page's clocks and links from their JSON.
func (p *Page) decode(clocks, links []byte) error {
	var rows []clockRow
	if err := unmarshalJSON(clocks, &rows); err != nil {
		return fmt.Errorf("clocks: %w", err)
	}
	p.Clocks = Clocks{}
	for _, k := range rows {
		p.Clocks[k.Metric] = k.clock()
	}
	if err := unmarshalJSON(links, &p.Links); err != nil {
		return fmt.Errorf("links: %w", err)
	}
	return nil
}

// conversationColumns and conversationFrom read the messages of ticket $5, each with its
// attachments (those attachmentJoins finds). Each message's author is named by a
// subquery rather than a join, which PostgreSQL planned as a hash of every user (0.7 ms
// for 4,000 users, however short the conversation).
const conversationColumns = `m.id, m.ticket_id, m.author_id, (SELECT u.name FROM users u WHERE u.id = m.author_id) AS author_name,
       coalesce((SELECT u.org_id IS NULL FROM users u WHERE u.id = m.author_id), false) AS by_staff,
       m.internal, m.channel, m.body, m.created_at,
       (SELECT json_agg(json_build_object('id', a.id, 'ticket_id', a.ticket_id, 'org_id', a.org_id,
                'message_id', a.message_id, 'filename', a.filename, 'content_type', a.content_type, 'size', a.size,
                'sha256', a.sha256, 'internal', m.internal, 'created_at', a.created_at) ORDER BY a.id)
        FROM ticket_attachments a WHERE a.message_id = m.id AND a.ticket_id = t.id AND a.org_id = t.org_id) AS attachments`

const conversationFrom = `
FROM tickets t
JOIN ticket_messages m ON m.ticket_id = t.id
WHERE ` + visibleMessage + ` AND t.id = $5`

// dest is where a row of conversationColumns scans into, the attachments' JSON in files.
func (m *Message) dest(files *[]byte) []any {
	return []any{&m.ID, &m.TicketID, &m.AuthorID, &m.Author, &m.ByStaff, &m.Internal, &m.Channel, &m.Body, &m.CreatedAt, files}
}

// pageTicketWidth and conversationWidth count the columns of pageTicketColumns and
// conversationColumns: those their rows scan.
var (
	pageTicketWidth   = len(new(Ticket).dest()) + 2 // clocks, links
	conversationWidth = len(new(Message).dest(nil))
)

// pageWithConversation reads ticket $5 as pageTicket does and its messages, in one
// round trip: the ticket's row first, then a row for each message, each padded with
// NULLs where the other's columns are. (A join would repeat the ticket's columns on the
// row of every message; both cost the database and Tugi less than a second round trip.)
var pageWithConversation = `(` + pageTicketColumns + `, ` + nulls(conversationWidth) + pageTicketFrom + `)
UNION ALL
(SELECT ` + nulls(pageTicketWidth) + `, ` + conversationColumns + conversationFrom + `)
ORDER BY ` + strconv.Itoa(pageTicketWidth+1) + ` NULLS FIRST`

// nulls returns n NULLs, comma-separated, to pad a row of a union.
func nulls(n int) string {
	return strings.TrimSuffix(strings.Repeat("NULL, ", n), ", ")
}

// PageWithConversation returns ticket id as Page does, with its messages and their
// attachments, if scope may see it, and ErrNotFound otherwise.
func (s *Store) PageWithConversation(ctx context.Context, scope Scope, id int64) (*Page, error) {
	p, err := s.pageWithConversation(ctx, scope, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("ticket store: page of %d: %w", id, err)
	}
	return p, err
}

func (s *Store) pageWithConversation(ctx context.Context, scope Scope, id int64) (*Page, error) {
	rows, err := s.q.QueryContext(ctx, pageWithConversation, scope.args(id)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	p := &Page{Ticket: &Ticket{}, Attachments: map[int64][]Attachment{}}
	var clocks, links []byte
	if err := rows.Scan(padded(append(p.Ticket.dest(), &clocks, &links), 0, conversationWidth)...); err != nil {
		return nil, err
	}
	if err := p.decode(clocks, links); err != nil {
		return nil, err
	}
	for rows.Next() {
		var m Message
		var files []byte
		if err := rows.Scan(padded(m.dest(&files), pageTicketWidth, 0)...); err != nil {
			return nil, err
		}
		if len(files) > 0 {
			var as []Attachment
			if err := json.Unmarshal(files, &as); err != nil {
				return nil, fmt.Errorf("attachments of message %d: %w", m.ID, err)
			}
			p.Attachments[m.ID] = as
		}
		p.Messages = append(p.Messages, m)
	}
	return p, rows.Err()
}

// padded returns dest with before and after places for the NULLs a row of a union is
// padded with.
func padded(dest []any, before, after int) []any {
	null := new(any)
	all := make([]any, 0, before+len(dest)+after)
	for range before {
		all = append(all, null)
	}
	all = append(all, dest...)
	for range after {
		all = append(all, null)
	}
	return all
}

// unmarshalJSON decodes data into v; NULL (nil data) leaves v as it is.
func unmarshalJSON(data []byte, v any) error {
	if len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, v)
}
