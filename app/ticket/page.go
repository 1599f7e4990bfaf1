package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

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

// unmarshalJSON decodes data into v; NULL (nil data) leaves v as it is.
func unmarshalJSON(data []byte, v any) error {
	if len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, v)
}
