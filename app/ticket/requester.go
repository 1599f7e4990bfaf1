package ticket

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tugi/app/i18n"
)

// requesterTicketsLimit is how many of the requester's open tickets, and how many of
// their resolved ones, the agent's side panel lists.
const requesterTicketsLimit = 5

// RequesterPanel is the side panel about the ticket's requester on the agent's page:
// who they are, their organisation, their other open tickets and their recent resolved
// ones, so the agent sees "this is their third ticket on this" without a search.
type RequesterPanel struct {
	Name    string
	Email   string
	OrgID   int64
	OrgName string
	Open    []RequesterTicket // their other unresolved tickets, latest activity first
	Recent  []RequesterTicket // their resolved tickets, latest first
	Bounce  *Bounce           // mail to them bounces; nil when it does not (WithBounces)
}

// RequesterTicket is one line of the requester panel, ready to print.
type RequesterTicket struct {
	Path        string
	Reference   string
	Subject     string
	Status      Status
	StatusLabel string
	Updated     string
}

// requesterPanel reads the side panel of ticket t's requester, for staff.
func (h *Handler) requesterPanel(ctx context.Context, t *Ticket, lang string, ci *calendarInfo, now time.Time) (RequesterPanel, error) {
	p := RequesterPanel{Name: t.Requester, OrgID: t.OrgID, OrgName: t.OrgName}
	st := NewStore(h.svc.reads)
	contact, err := st.Contact(ctx, t.RequesterID)
	switch {
	case errors.Is(err, ErrNoSuchContact): // no longer a customer: the ticket's names stay
	case err != nil:
		return p, err
	default:
		p.Email, p.OrgID, p.OrgName = contact.Email, contact.OrgID, contact.OrgName
	}
	if err := h.requesterBounce(ctx, &p, lang, ci, now); err != nil {
		return p, err
	}
	for _, open := range []bool{true, false} {
		var rows []struct {
			ID        int64     `db:"id"`
			Subject   string    `db:"subject"`
			Status    Status    `db:"status"`
			CreatedAt time.Time `db:"created_at"`
			UpdatedAt time.Time `db:"updated_at"`
		}
		if err := st.q.SelectContext(ctx, &rows, selectRequesterTickets, t.RequesterID, t.ID, open, requesterTicketsLimit); err != nil {
			return p, fmt.Errorf("ticket store: requester %d tickets: %w", t.RequesterID, err)
		}
		for _, r := range rows {
			line := RequesterTicket{Path: ticketPath(r.ID), Reference: Reference(r.ID, r.CreatedAt), Subject: r.Subject,
				Status: r.Status, StatusLabel: i18n.T(lang, r.Status.Label()), Updated: ci.short(lang, r.UpdatedAt, now)}
			if open {
				p.Open = append(p.Open, line)
			} else {
				p.Recent = append(p.Recent, line)
			}
		}
	}
	return p, nil
}
