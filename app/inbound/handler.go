package inbound

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/route"
	"tugi/app/ticket"
	"tugi/app/user"
	"tugi/app/web"

	"tugi/app/access"
)

// Templates of the agents' and the admin's pages.
const (
	tplMail    = "inbound/mail"
	tplMessage = "inbound/message"
	tplDomains = "inbound/domains"
)

// Handler serves the e-mail pages: for agents, the mail waiting for them (unknown
// senders, held mail), the latest mail, bouncing addresses, and each message with its
// authentication results and raw download; for admins, the customers' mail domains.
type Handler struct {
	s       *Service
	render  *web.Renderer
	tickets *ticket.Service
}

// NewHandler returns the e-mail pages of s.
func NewHandler(s *Service, render *web.Renderer) *Handler {
	return &Handler{s: s, render: render, tickets: s.tickets}
}

// Routes are the agents' mail pages under /queue/mail and the admin's mail domains.
func (h *Handler) Routes() []route.Route {
	agents := access.AnyOf(access.Agent, access.CISO)
	admins := access.AnyOf(access.Admin)
	get, post := http.MethodGet, http.MethodPost
	return []route.Route{
		{Method: get, Path: "/queue/mail", Kind: route.Page, Rule: agents, Handler: h.List},
		{Method: get, Path: "/queue/mail/:id", Kind: route.Page, Rule: agents, Handler: h.Show},
		{Method: get, Path: "/queue/mail/:id/raw", Kind: route.Download, Rule: agents, Handler: h.Raw},
		{Method: post, Path: "/queue/mail/:id/assign", Kind: route.Form, Rule: agents, Handler: h.Assign},
		{Method: post, Path: "/queue/mail/:id/release", Kind: route.Form, Rule: agents, Handler: h.Release},
		{Method: post, Path: "/queue/mail/:id/discard", Kind: route.Form, Rule: agents, Handler: h.Discard},
		{Method: post, Path: "/queue/mail/bounces/clear", Kind: route.Form, Rule: agents, Handler: h.ClearBounce},
		{Method: get, Path: "/admin/mail-domains", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: h.Domains},
		{Method: post, Path: "/admin/mail-domains", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.AddDomain},
		{Method: post, Path: "/admin/mail-domains/:domain/delete", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.RemoveDomain},
	}
}

// MailPage is the data of /queue/mail.
type MailPage struct {
	Waiting  []Mail
	Latest   []Mail
	Bounces  []BounceRow
	Limited  []LimitedSender // senders the rate limit held back in the last day
	TicketID int64           // the list is of this ticket's mail
	Next     int64           // the id to list the next page before; 0: none
}

// BounceRow is an address that bounced.
type BounceRow struct {
	Address string    `db:"address"`
	Status  string    `db:"status"`
	Reason  string    `db:"reason"`
	Bounces int       `db:"bounces"`
	FirstAt time.Time `db:"first_at"`
	LastAt  time.Time `db:"last_at"`
}

// LimitedSender is an address whose mail the per-sender rate limit held back lately.
type LimitedSender struct {
	Address string    `db:"from_address"`
	Held    int       `db:"held"`
	LastID  int64     `db:"last_id"`
	LastAt  time.Time `db:"last_at"`
}

const pageSize = 50

func (h *Handler) location(ctx context.Context) (*time.Location, error) {
	cal, err := h.tickets.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	return cal.Location(), nil
}

// shown readies messages for a page: their times in the support calendar's zone, what
// became of them in the viewer's language.
func shown(ms []Mail, loc *time.Location, lang string) {
	for i := range ms {
		ms[i].ReceivedAt = ms[i].ReceivedAt.In(loc)
		ms[i].Label = i18n.T(lang, StateLabel(ms[i].State))
	}
}

// List shows the mail waiting for an agent, the bouncing addresses and the latest mail;
// with ?ticket=, the mail of one ticket.
func (h *Handler) List(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	loc, err := h.location(ctx)
	if err != nil {
		return err
	}
	var d MailPage
	if t := c.QueryParam("ticket"); t != "" {
		if d.TicketID, err = strconv.ParseInt(t, 10, 64); err != nil || d.TicketID <= 0 {
			return echo.ErrNotFound
		}
		if err := h.s.db.SelectContext(ctx, &d.Latest, listOfTicket, d.TicketID); err != nil {
			return err
		}
	} else {
		before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
		if err := h.s.db.SelectContext(ctx, &d.Waiting, listWaiting); err != nil {
			return err
		}
		if err := h.s.db.SelectContext(ctx, &d.Latest, listLatest, before, pageSize+1); err != nil {
			return err
		}
		if len(d.Latest) > pageSize {
			d.Latest = d.Latest[:pageSize]
			d.Next = d.Latest[pageSize-1].ID
		}
		if err := h.s.db.SelectContext(ctx, &d.Bounces, listBounces); err != nil {
			return err
		}
		if err := h.s.db.SelectContext(ctx, &d.Limited, listRateLimited); err != nil {
			return err
		}
		for i := range d.Limited {
			d.Limited[i].LastAt = d.Limited[i].LastAt.In(loc)
		}
		for i := range d.Bounces {
			d.Bounces[i].LastAt = d.Bounces[i].LastAt.In(loc)
		}
	}
	p := h.render.NewPage(c, "E-mail")
	shown(d.Waiting, loc, p.Lang)
	shown(d.Latest, loc, p.Lang)
	p.Data = d
	return c.Render(http.StatusOK, tplMail, p)
}

// MessagePage is the data of /queue/mail/:id.
type MessagePage struct {
	Mail      Mail
	MessageID string
	Latest    string
	Folded    string
	HTML      template.HTML // sanitised (bluemonday, parse.go)
	Files     []Attachment
	Problems  []string
	Auto      Auto
	Bounce    *BounceRow // the sender's address bounces
	Ticket    string     // the reference of its ticket
	Zone      string
}

func (h *Handler) mail(c echo.Context) (*Mail, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.ErrNotFound
	}
	var m Mail
	err = h.s.db.GetContext(c.Request().Context(), &m, selectMail, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, echo.ErrNotFound
	}
	return &m, err
}

// Show shows one message: its sender, authentication results, text (quoted history
// folded), HTML (sanitised), files, and what became of it, with the agent's actions.
func (h *Handler) Show(c echo.Context) error {
	return h.show(c, http.StatusOK, web.Form{})
}

func (h *Handler) show(c echo.Context, status int, form web.Form) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	m, err := h.mail(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	loc, err := h.location(ctx)
	if err != nil {
		return err
	}
	p, err := h.s.parseStored(ctx, nil, m)
	if err != nil {
		return err
	}
	pg := h.render.NewPage(c, m.Subject)
	ms := []Mail{*m}
	shown(ms, loc, pg.Lang)
	m = &ms[0]
	f := Fold(p.Text)
	d := MessagePage{Mail: *m, MessageID: m.MessageID(), Latest: f.Latest, Folded: f.Folded, HTML: template.HTML(p.HTML),
		Files: p.Files, Problems: p.Problems, Auto: p.Auto, Zone: loc.String()}
	for i := range d.Files {
		d.Files[i].Data = nil // only names and sizes are shown
	}
	var b BounceRow
	switch err := h.s.db.GetContext(ctx, &b, selectBounce, m.From); {
	case err == nil:
		d.Bounce = &b
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if m.TicketID != nil {
		var created time.Time
		if err := h.s.db.GetContext(ctx, &created, `SELECT created_at FROM tickets WHERE id = $1`, *m.TicketID); err != nil {
			return err
		}
		d.Ticket = ticket.Reference(*m.TicketID, created)
	}
	pg.Form = form
	pg.Data = d
	return c.Render(status, tplMessage, pg)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// Raw sends the message as received, to save and open in a mail client.
func (h *Handler) Raw(c echo.Context) error {
	m, err := h.mail(c)
	if err != nil {
		return err
	}
	raw, err := h.s.Raw(c.Request().Context(), nil, m)
	if errors.Is(err, ErrRawRemoved) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	name := unsafeName.ReplaceAllString(fmt.Sprintf("mail-%d.eml", m.ID), "_")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "message/rfc822", raw)
}

// Assign names the organisation of an unknown sender: they become its contact, and the
// message becomes their ticket (or a reply).
func (h *Handler) Assign(c echo.Context) error {
	m, err := h.mail(c)
	if err != nil {
		return err
	}
	typed := strings.TrimSpace(c.FormValue("organisation"))
	form := web.Form{Values: map[string][]string{"organisation": {typed}}}
	ctx := c.Request().Context()
	var org user.OrgName
	if typed == "" || !web.Storable(typed) {
		form.Values.Set("organisation", "")
		form.Fail("organisation", "Name the sender's organisation.")
	} else if org, err = user.ReadOrganisation(ctx, h.s.db, typed); err != nil {
		var oe *user.OrganisationNameError
		if !errors.As(err, &oe) {
			return err
		}
		form.Fail("organisation", oe.Message())
	}
	if form.Invalid() {
		return h.show(c, http.StatusUnprocessableEntity, form)
	}
	state, err := h.s.Assign(ctx, web.Actor(c), m.ID, org.ID)
	if err != nil {
		return err
	}
	return h.done(c, m.ID, state)
}

// Release processes a held message as if it had not been held.
func (h *Handler) Release(c echo.Context) error {
	m, err := h.mail(c)
	if err != nil {
		return err
	}
	state, err := h.s.Release(c.Request().Context(), web.Actor(c), m.ID)
	if err != nil {
		return err
	}
	return h.done(c, m.ID, state)
}

// Discard sets a waiting message aside: nothing is made of it.
func (h *Handler) Discard(c echo.Context) error {
	m, err := h.mail(c)
	if err != nil {
		return err
	}
	state, err := h.s.Discard(c.Request().Context(), web.Actor(c), m.ID)
	if err != nil {
		return err
	}
	return h.done(c, m.ID, state)
}

func (h *Handler) done(c echo.Context, id int64, state string) error {
	lang := web.ViewerOf(c).Lang
	if state == "" {
		web.Flash(c, i18n.T(lang, "Someone else has dealt with this e-mail meanwhile."))
	} else {
		web.Flash(c, i18n.T(lang, "E-mail: %s.", i18n.T(lang, StateLabel(state))))
	}
	return web.Redirect(c, "/queue/mail/"+strconv.FormatInt(id, 10))
}

// StateLabel is what a state is called on the pages, in English (i18n translates it).
func StateLabel(state string) string {
	switch state {
	case Received:
		return "received, not yet processed"
	case MadeTicket:
		return "new ticket"
	case MadeReply:
		return "reply on a ticket"
	case MadeNote:
		return "note on a ticket"
	case Automatic:
		return "automatic message: nothing made"
	case Bounced:
		return "delivery failure"
	case UnknownSender:
		return "unknown sender: waits for an agent"
	case Held:
		return "held for an agent"
	case RateLimited:
		return "held back by a rate limit"
	case Incident:
		return "incident report"
	case Discarded:
		return "discarded"
	}
	return state
}

// Assign processes the unknown sender's message id for the agent, with orgID as their
// organisation, and returns its new state ("" when it no longer waited).
func (s *Service) Assign(ctx context.Context, agent audit.Actor, id, orgID int64) (string, error) {
	return s.process(ctx, id, nil, decision{agent: &agent, orgID: orgID, fromState: []string{UnknownSender}})
}

// Release processes the held message id for the agent despite what held it (a DMARC
// failure, a rate limit).
func (s *Service) Release(ctx context.Context, agent audit.Actor, id int64) (string, error) {
	return s.process(ctx, id, nil, decision{agent: &agent, release: true, fromState: []string{Held, RateLimited}})
}

// Discard sets the waiting message id aside for the agent: nothing is made of it.
func (s *Service) Discard(ctx context.Context, actor audit.Actor, id int64) (string, error) {
	var state string
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, discardMail, id, actor.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		state = Discarded
		return audit.Record(ctx, tx, actor, audit.Event{Action: "inbound.discard", ObjectType: "inbound_mail",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]audit.Change{"state": {New: Discarded}}})
	})
	return state, err
}

const discardMail = `
UPDATE inbound_mail SET state = 'discarded', processed_at = now(), processed_by = $2
WHERE id = $1 AND state IN ('unknown_sender', 'held', 'rate_limited')`

// ---- Mail domains (admin) ----

// Domain is a mail domain an organisation listed.
type Domain struct {
	Domain    string    `db:"domain"`
	OrgID     int64     `db:"org_id"`
	OrgName   string    `db:"org_name"`
	CreatedAt time.Time `db:"created_at"`
}

var domainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// Domains lists the customers' mail domains, with the form to add one.
func (h *Handler) Domains(c echo.Context) error { return h.domains(c, http.StatusOK, web.Form{}) }

func (h *Handler) domains(c echo.Context, status int, form web.Form) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	var ds []Domain
	if err := h.s.db.SelectContext(c.Request().Context(), &ds, listDomains); err != nil {
		return err
	}
	p := h.render.NewPage(c, "Mail domains")
	p.Form = form
	p.Data = ds
	return c.Render(status, tplDomains, p)
}

// AddDomain lists a mail domain for an organisation.
func (h *Handler) AddDomain(c echo.Context) error {
	domain := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.FormValue("domain")), "@")))
	typed := strings.TrimSpace(c.FormValue("organisation"))
	form := web.Form{Values: map[string][]string{"domain": {c.FormValue("domain")}, "organisation": {typed}}}
	ctx := c.Request().Context()
	if !web.Storable(form.Value("domain")) {
		form.Values.Set("domain", "")
	}
	if !domainPattern.MatchString(domain) || len(domain) > 253 {
		form.Fail("domain", "Enter a domain such as example.com.")
	}
	var org user.OrgName
	var err error
	if typed == "" || !web.Storable(typed) {
		form.Values.Set("organisation", "")
		form.Fail("organisation", "Name the organisation.")
	} else if org, err = user.ReadOrganisation(ctx, h.s.db, typed); err != nil {
		var oe *user.OrganisationNameError
		if !errors.As(err, &oe) {
			return err
		}
		form.Fail("organisation", oe.Message())
	}
	if !form.Invalid() {
		err = database.WithTx(ctx, h.s.db, func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, insertDomain, domain, org.ID); err != nil {
				return err
			}
			return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "inbound.domain_add", ObjectType: "org_mail_domain",
				ObjectID: domain, OrgID: org.ID, Changes: map[string]audit.Change{"org_id": {New: org.ID}}})
		})
		if database.IsConstraint(err, "org_mail_domains_pkey") {
			form.Fail("domain", "This domain is listed already.")
		} else if err != nil {
			return err
		}
	}
	if form.Invalid() {
		return h.domains(c, http.StatusUnprocessableEntity, form)
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "Mail from %s now makes its senders contacts of %s.", domain, org.Name))
	return web.Redirect(c, "/admin/mail-domains")
}

// RemoveDomain stops listing a mail domain.
func (h *Handler) RemoveDomain(c echo.Context) error {
	domain := strings.ToLower(c.Param("domain"))
	ctx := c.Request().Context()
	err := database.WithTx(ctx, h.s.db, func(tx *sqlx.Tx) error {
		var orgID int64
		if err := tx.GetContext(ctx, &orgID, deleteDomain, domain); err != nil {
			return err
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "inbound.domain_remove", ObjectType: "org_mail_domain",
			ObjectID: domain, OrgID: orgID, Changes: map[string]audit.Change{"org_id": {Old: orgID}}})
	})
	if errors.Is(err, sql.ErrNoRows) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "%s is no longer listed.", domain))
	return web.Redirect(c, "/admin/mail-domains")
}
