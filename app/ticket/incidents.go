package ticket

import (
	"context"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/web"
)

// IncidentLink is a security incident linked to a ticket, as the ticket's page names it.
type IncidentLink struct {
	ID        int64
	Reference string
}

// Incidents tells the agent's ticket page which security incidents are linked to a
// ticket. Package incident provides it (server wires it in) and decides who may see
// them: the ticket package owns no incident and shows nothing of one by itself.
type Incidents interface {
	// TicketIncidentLinks lists the incidents linked to ticket id that v may see.
	TicketIncidentLinks(ctx context.Context, v *access.Viewer, id int64) ([]IncidentLink, error)
}

// WithIncidents makes the agent's ticket page show the incidents linked to the ticket,
// as incidents lets each viewer see them, and offer to report one from it.
func (h *Handler) WithIncidents(incidents Incidents) *Handler {
	h.incidents = incidents
	return h
}

// TicketIncidents is what the agent's ticket page shows of security incidents (the
// partial views/partials/ticket_incidents.html): the linked ones the viewer may see, and
// whether the forms that report or link one are offered.
type TicketIncidents struct {
	On    bool
	Links []IncidentLink
}

// ticketIncidents reads what the page shows of ticket id's incidents; linked is whether
// any incident is linked to it (selectRequesterPanel reads it with the requester's
// panel): most tickets have none, and their page then asks package incident nothing.
func (h *Handler) ticketIncidents(c echo.Context, id int64, linked bool) (TicketIncidents, error) {
	if h.incidents == nil {
		return TicketIncidents{}, nil
	}
	if !linked {
		return TicketIncidents{On: true}, nil
	}
	ls, err := h.incidents.TicketIncidentLinks(c.Request().Context(), web.ViewerOf(c), id)
	return TicketIncidents{On: true, Links: ls}, err
}
