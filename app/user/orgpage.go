package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/web"
)

const tplOrg = "admin/organisation"

// An organisation's page shows what Tugi holds about a customer organisation: its people,
// its mail domains, its tickets and its history. The domains and tickets belong to other
// features (app/inbound, app/ticket, which import this package), so the server passes
// this page their readers as OrgSources.

// OrgSources read what other features hold about an organisation.
type OrgSources struct {
	// Domains are the organisation's mail domains (app/inbound).
	Domains func(ctx context.Context, orgID int64) ([]OrgDomain, error)
	// Tickets are how many of its tickets are unresolved and its latest limit tickets
	// by last activity (app/ticket).
	Tickets func(ctx context.Context, orgID int64, limit int) (open int, latest []OrgTicket, err error)
	// MayOpen reports whether v may open the page at path (a route of the table), so the
	// page links only where the viewer may follow.
	MayOpen func(v *access.Viewer, path string) bool
}

// OrgDomain is a mail domain an organisation listed.
type OrgDomain struct {
	Domain    string
	CreatedAt time.Time
}

// OrgTicket is one of an organisation's tickets.
type OrgTicket struct {
	ID          int64
	Reference   string
	Subject     string
	Status      interface{ Label() string } // the ticket's status (ticket.Status), as agents read it
	StatusClass string                      // the status's code, for its badge's colour
	Resolved    bool
	UpdatedAt   time.Time
}

// WithOrganisationSources gives the organisation page its readers of other features'
// data; without them the page shows the people and history alone.
func (a *Admin) WithOrganisationSources(s OrgSources) *Admin {
	a.orgs = s
	return a
}

// OrganisationPage is the data of an organisation's page.
type OrganisationPage struct {
	Org         Organisation
	Contacts    []User
	Domains     []OrgDomain
	OpenTickets int
	Tickets     []OrgTicket
	TicketLinks bool // the viewer may open the tickets (an agent or the CISO)
	UserLinks   bool
	DomainsPage bool // the viewer may open /admin/mail-domains
	// RetentionPage: the viewer may open the retention page, where the organisation's
	// own retention rules and legal holds are kept (app/retention); where no such page is
	// served, no link leads nowhere.
	RetentionPage bool
	History       []audit.Entry
}

// How many of an organisation's tickets and people its page lists.
const (
	orgTicketsShown  = 20
	orgContactsShown = 100
)

// Organisation shows a customer organisation: its people, mail domains, latest tickets
// and history.
func (a *Admin) Organisation(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	st := NewStore(a.db)
	o, err := st.Organisation(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	data := OrganisationPage{Org: *o}
	if data.Contacts, err = st.Contacts(ctx, id, orgContactsShown); err != nil {
		return err
	}
	v := web.ViewerOf(c)
	if a.orgs.Domains != nil {
		if data.Domains, err = a.orgs.Domains(ctx, id); err != nil {
			return err
		}
	}
	if a.orgs.Tickets != nil {
		if data.OpenTickets, data.Tickets, err = a.orgs.Tickets(ctx, id, orgTicketsShown); err != nil {
			return err
		}
	}
	if may := a.orgs.MayOpen; may != nil {
		data.TicketLinks = may(v, "/tickets/:id")
		data.UserLinks = may(v, "/admin/users/:id")
		data.DomainsPage = may(v, "/admin/mail-domains")
		data.RetentionPage = may(v, "/admin/retention")
	}
	p := a.render.NewPage(c, o.Name)
	if data.History, err = audit.History(ctx, a.db, "organisation", strconv.FormatInt(id, 10), historySize); err != nil {
		return err
	}
	if err := audit.Describe(ctx, NewAuditDirectory(a.db), a.actions, p.Lang, data.History); err != nil {
		return err
	}
	p.Data = data
	return c.Render(http.StatusOK, tplOrg, p)
}

// Organisation returns organisation id with its number of users, or ErrNotFound.
func (s *Store) Organisation(ctx context.Context, id int64) (*Organisation, error) {
	var o Organisation
	err := s.q.GetContext(ctx, &o, getOrganisation, id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("user store: organisation %d: %w", id, err)
	}
	return &o, nil
}

// Contacts lists the first limit people of organisation id, active first, by name.
func (s *Store) Contacts(ctx context.Context, id int64, limit int) ([]User, error) {
	var us []User
	if err := s.q.SelectContext(ctx, &us, listContacts, id, limit); err != nil {
		return nil, fmt.Errorf("user store: people of organisation %d: %w", id, err)
	}
	return us, nil
}
