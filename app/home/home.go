// Package home serves "/", the home page of each role.
package home

import (
	"context"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/sla"
	"tugi/app/ticket"
	"tugi/app/user"
	"tugi/app/web"
)

const tplHome = "home/home"

// Handler serves the home page.
type Handler struct {
	db        *sqlx.DB
	calendars *sla.Calendars
	chat      ChatOffer
	render    *web.Renderer
}

// ChatOffer tells whether live chat is offered now: support open by the calendar and an
// agent available (chat.Service).
type ChatOffer interface {
	Offered(ctx context.Context) (bool, error)
}

// NewHandler returns the home page handler.
func NewHandler(db *sqlx.DB, calendars *sla.Calendars, chat ChatOffer, render *web.Renderer) *Handler {
	return &Handler{db: db, calendars: calendars, chat: chat, render: render}
}

// Page is the data of the home page: a section for each role the viewer holds.
type Page struct {
	Support  sla.Status // for customers: whether support is open now, or when it opens
	Chat     bool       // for customers: live chat is offered now
	Customer bool
	Employee bool
	Agent    bool
	CISO     bool
	Admin    *user.Counts
	Tickets  *ticket.Counts // for agents: unassigned tickets, and theirs
	// Available is, for agents, whether new tickets are assigned to them.
	Available bool
}

// Home shows the signed-in person's home page.
func (h *Handler) Home(c echo.Context) error {
	v := web.ViewerOf(c)
	data := Page{
		Customer: v.Has(access.Customer),
		Employee: v.Has(access.Employee),
		Agent:    v.Has(access.Agent),
		CISO:     v.Has(access.CISO),
	}
	if data.Customer {
		cal, err := h.calendars.Current(c.Request().Context())
		if err != nil {
			return err
		}
		data.Support = sla.StatusAt(cal, time.Now())
		if data.Chat, err = h.chat.Offered(c.Request().Context()); err != nil {
			return err
		}
	}
	if data.Agent {
		n, err := ticket.NewStore(h.db).Counts(c.Request().Context(), ticket.ScopeOf(v))
		if err != nil {
			return err
		}
		data.Tickets = &n
		data.Available = v.Available
	}
	if v.Has(access.Admin) {
		n, err := user.NewStore(h.db).Counts(c.Request().Context())
		if err != nil {
			return err
		}
		data.Admin = &n
	}
	p := h.render.NewPage(c, "Home")
	p.Data = data
	return c.Render(http.StatusOK, tplHome, p)
}
