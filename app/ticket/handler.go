package ticket

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/i18n"
	"tugi/app/live"
	"tugi/app/sla"
	"tugi/app/web"
)

// Template names of the ticket pages.
const (
	tplList       = "ticket/list"
	tplNew        = "ticket/new"
	tplCustomer   = "ticket/customer"
	tplAgent      = "ticket/agent"
	tplPanel      = "ticket/agent#panel"
	tplQueue      = "ticket/queue"
	tplRow        = "ticket/queue#queue-live-row"
	tplOrgOptions = "ticket/queue#org-options"
)

// pageSize is the number of tickets a list or queue page shows.
const pageSize = 25

// Handler serves the ticket pages of customers and agents.
type Handler struct {
	svc      *Service
	actions  *audit.Actions // labels a ticket's history
	render   *web.Renderer
	validate *web.Validator
	// incidents, when set, shows the security incidents linked to a ticket (WithIncidents).
	incidents Incidents
	bounces   Bounces   // when set, the requester panel says when mail to them bounces (WithBounces)
	hub       *live.Hub // the live layer, whose streams the queue and ticket pages follow
}

// NewHandler returns the ticket handlers.
func NewHandler(svc *Service, actions *audit.Actions, render *web.Renderer, validate *web.Validator) *Handler {
	return &Handler{svc: svc, actions: actions, render: render, validate: validate}
}

// WithLive gives the handlers the live layer's hub, which serves their streams.
func (h *Handler) WithLive(hub *live.Hub) *Handler {
	h.hub = hub
	return h
}

func (h *Handler) calendar(c echo.Context) (*calendarInfo, error) {
	cal, err := h.svc.Calendar(c.Request().Context())
	if err != nil {
		return nil, err
	}
	return &calendarInfo{cal: cal}, nil
}

// ---- The customer's list ----

// ListData is the data of a customer's ticket list.
type ListData struct {
	Rows []ListRow
	Next string // the query string of the next page, if there is one
}

// ListRow is a ticket in the customer's list, every cell ready to print (see QueueItem).
type ListRow struct {
	ID          int64
	Path        string
	Reference   string
	Subject     string
	Status      Status
	StatusLabel string // as customers name it, translated
	StatusClass string // its colour: one for each status as customers name it
	Updated     string
	Expect      string // when to expect the next reply
}

// NewListRow is the row of t, localised, in lang.
func NewListRow(t *Ticket, lang string) ListRow {
	return ListRow{ID: t.ID, Path: ticketPath(t.ID), Reference: t.Reference(), Subject: t.Subject, Status: t.Status,
		StatusLabel: i18n.T(lang, t.Status.CustomerLabel()), StatusClass: t.Status.CustomerClass(), Updated: web.DateIn(lang, t.UpdatedAt)}
}

// List shows the customer's organisation's tickets, latest activity first.
func (h *Handler) List(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	page, err := listCursor(c.QueryParam("after"))
	if err != nil {
		return err
	}
	ts, more, err := NewStore(h.svc.reads).List(ctx, ScopeOf(v), page)
	if err != nil {
		return err
	}
	ci, err := h.calendar(c)
	if err != nil {
		return err
	}
	now := h.svc.Now()
	data := ListData{}
	for i := range ts {
		t := &ts[i]
		t.localize(ci.cal.Location())
		row := NewListRow(t, v.Lang)
		row.Expect = ci.expect(v.Lang, t, now)
		data.Rows = append(data.Rows, row)
	}
	if more {
		last := ts[len(ts)-1]
		data.Next = url.Values{"after": {last.UpdatedAt.UTC().Format(time.RFC3339Nano) + "_" + strconv.FormatInt(last.ID, 10)}}.Encode()
	}
	p := h.render.NewPage(c, "Your tickets")
	p.Data = data
	return c.Render(http.StatusOK, tplList, p)
}

// listCursor reads the keyset cursor of a list ordered by time ("" : the first page).
func listCursor(after string) (ListPage, error) {
	p := ListPage{Limit: pageSize}
	if after == "" {
		return p, nil
	}
	key, id, err := parseCursor(after, false)
	if err != nil {
		return p, err
	}
	p.After, _ = time.Parse(time.RFC3339Nano, key)
	p.AfterID = id
	return p, nil
}

// parseCursor reads a page's cursor, "<RFC 3339 time>_<id>" (or "infinity_<id>" when
// infinity may be the key), as the pages write it. Anything else is refused with 400,
// and so is a time or id that Go parses but PostgreSQL cannot hold (a year before 1 or
// after 9999, an id not above 0): it would come back from the query as a 500.
func parseCursor(after string, infinity bool) (key string, id int64, err error) {
	bad := echo.NewHTTPError(http.StatusBadRequest, "not a page of this list")
	key, ids, ok := strings.Cut(after, "_")
	id, ierr := strconv.ParseInt(ids, 10, 64)
	if !ok || ierr != nil || id <= 0 {
		return "", 0, bad
	}
	if infinity && key == "infinity" {
		return key, id, nil
	}
	t, terr := time.Parse(time.RFC3339Nano, key)
	if terr != nil || t.Year() < 1 || t.Year() > 9999 || t.UTC().Year() < 1 || t.UTC().Year() > 9999 {
		return "", 0, bad
	}
	return key, id, nil
}

// ---- A new ticket ----

// NewPage is the data of the new-ticket form.
type NewPage struct {
	Categories []Category
	Impacts    []Impact
	Support    sla.Status
	OpensAt    string // when support opens, while it is closed, as every page writes it
	Upload     UploadHint
}

// New shows the form for a new ticket.
func (h *Handler) New(c echo.Context) error {
	return h.renderNew(c, http.StatusOK, web.Form{Values: url.Values{"impact": {string(OnePerson)}}})
}

func (h *Handler) renderNew(c echo.Context, status int, form web.Form) error {
	ctx := c.Request().Context()
	ch, err := h.svc.Choices(ctx)
	if err != nil {
		return err
	}
	cal, err := h.svc.Calendar(ctx)
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Open a ticket")
	p.Form = form
	now := h.svc.Now()
	st := sla.StatusAt(cal, now)
	p.Data = NewPage{Categories: ch.Categories, Impacts: Impacts, Support: st, Upload: h.uploadHint(c),
		OpensAt: (&calendarInfo{cal: cal}).when(web.ViewerOf(c).Lang, st.OpensAt, now)}
	return c.Render(status, tplNew, p)
}

type newForm struct {
	Subject    string `form:"subject" validate:"required,max=200"`
	Body       string `form:"body" validate:"required,max=20000"`
	CategoryID string `form:"category_id" validate:"required"`
	Impact     string `form:"impact" validate:"required,oneof=one_person several_people whole_organisation"`
}

// Create opens a ticket from the form.
func (h *Handler) Create(c echo.Context) error {
	var f newForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	catID, cerr := strconv.ParseInt(f.CategoryID, 10, 64)
	if f.CategoryID != "" && (cerr != nil || catID <= 0) {
		form.Fail("category_id", "Choose one of the options offered.")
	}
	files, err := h.uploads(c, &form, "files")
	if err != nil {
		return err
	}
	if form.Invalid() {
		filesLost(c, &form, "files", files)
		return h.renderNew(c, http.StatusUnprocessableEntity, form)
	}
	v := web.ViewerOf(c)
	t, err := h.svc.Create(web.Once(c, ""), web.Actor(c), v, Request{Subject: f.Subject, Body: f.Body, CategoryID: catID, Impact: Impact(f.Impact), Files: files})
	if errors.Is(err, ErrNoSuchCategory) {
		form.Fail("category_id", "Choose one of the options offered.")
		filesLost(c, &form, "files", files)
		return h.renderNew(c, http.StatusUnprocessableEntity, form)
	}
	if refusedFiles(c, &form, "files", err, h.svc.limits) {
		return h.renderNew(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	// While support is closed, the ticket's page says when it opens, as a notice: once.
	web.Flash(c, i18n.T(v.Lang, "Your ticket %s has been received.", t.Reference()))
	return web.Redirect(c, ticketPath(t.ID))
}

func ticketPath(id int64) string { return "/tickets/" + strconv.FormatInt(id, 10) }

// ---- One ticket ----

// ticketID reads the route's :id; a malformed one is not found.
func ticketID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// load returns the ticket of the route for the viewer, or a 404 when they may not see it
// (whether or not it exists).
func (h *Handler) load(c echo.Context) (*Ticket, error) {
	id, err := ticketID(c)
	if err != nil {
		return nil, err
	}
	t, err := NewStore(h.svc.reads).Get(c.Request().Context(), ScopeOf(web.ViewerOf(c)), id)
	if errors.Is(err, ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	return t, err
}

// Show shows a ticket: to its customer their conversation, to staff the agent's view.
func (h *Handler) Show(c echo.Context) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	return h.renderTicket(c, http.StatusOK, id, web.Form{})
}

// renderTicket renders ticket id's page for the viewer, reading the ticket (and a 404
// when they may not see it).
func (h *Handler) renderTicket(c echo.Context, status int, id int64, form web.Form) error {
	if ScopeOf(web.ViewerOf(c)).Staff() {
		return h.renderAgent(c, status, id, form, false)
	}
	return h.renderCustomer(c, status, id, form)
}

// CustomerPage is the data of a ticket's page for its customer.
type CustomerPage struct {
	Ticket     *Ticket
	Messages   []Message
	Expect     string
	Support    *sla.Status // when support is closed and the ticket awaits an answer
	OpensAt    string      // when it opens then, written as the page writes due times
	CanReply   bool
	CanClose   bool
	CanReopen  bool
	TooLate    bool // resolved too long ago to reopen
	ReopenDays int
	// Attachments are the files of each message, by message id.
	Attachments map[int64][]Attachment
	Upload      UploadHint
	LiveAfter   int64 // where the page's live stream starts
}

func (h *Handler) renderCustomer(c echo.Context, status int, id int64, form web.Form) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	page, err := NewStore(h.svc.reads).PageWithConversation(ctx, ScopeOf(v), id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	t, ms := page.Ticket, page.Messages
	ci, err := h.calendar(c)
	if err != nil {
		return err
	}
	now := h.svc.Now()
	loc := ci.cal.Location()
	t.localize(loc)
	for i := range ms {
		ms[i].CreatedAt = ms[i].CreatedAt.In(loc)
	}
	data := CustomerPage{Ticket: t, Messages: ms, Attachments: page.Attachments, Expect: ci.expect(v.Lang, t, now), ReopenDays: int(ReopenWindow / (24 * time.Hour))}
	data.Upload = h.uploadHint(c)
	data.LiveAfter = h.hub.Position()
	data.CanReopen = t.CanReopen(now)
	data.TooLate = t.Status.Resolved() && !data.CanReopen
	data.CanReply = t.Status != Closed && !data.TooLate
	data.CanClose = t.Status != Closed
	if t.Status == New || t.Status == Open {
		if st := sla.StatusAt(ci.cal, now); !st.Open && !st.Never {
			data.Support, data.OpensAt = &st, ci.when(v.Lang, st.OpensAt, now)
		}
	}
	p := h.render.NewPage(c, t.Reference()+" "+t.Subject)
	p.Form = form
	p.Data = data
	return c.Render(status, tplCustomer, p)
}

type replyForm struct {
	Body string `form:"body" validate:"required,max=20000"`
	Then string `form:"then" validate:"omitempty,oneof=wait open"`
	// Seen is the newest message the agent's page showed (0 when the form does not say):
	// a message by someone else after it makes the reply ask first.
	Seen int64 `form:"seen_message" validate:"omitempty,min=0"`
}

// Reply adds a public message: the customer's, or an agent's reply.
func (h *Handler) Reply(c echo.Context) error {
	t, err := h.load(c) // first: another organisation's ticket is not found, whatever the form holds
	if err != nil {
		return err
	}
	var f replyForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	files, err := h.uploads(c, &form, "files")
	if err != nil {
		return err
	}
	if form.Invalid() {
		filesLost(c, &form, "files", files)
		return h.renderTicket(c, http.StatusUnprocessableEntity, t.ID, form)
	}
	v := web.ViewerOf(c)
	if f.Seen > 0 && ScopeOf(v).Staff() {
		newer, err := NewStore(h.svc.reads).NewerMessage(c.Request().Context(), t.ID, f.Seen, v.UserID)
		if err != nil {
			return err
		}
		if newer { // the page shows it now, with the question; sent again, it goes
			form.Fail("seen_message", "A reply arrived meanwhile — send anyway?")
			filesLost(c, &form, "files", files)
			return h.renderTicket(c, http.StatusUnprocessableEntity, t.ID, form)
		}
	}
	wait := f.Then != "open"
	err = h.svc.Reply(web.Once(c, ticketPath(t.ID)), web.Actor(c), v, t.ID, f.Body, wait, files...)
	switch {
	case errors.Is(err, ErrClosed):
		form.Fail("body", "This ticket is closed. To ask more, open a new ticket.")
	case errors.Is(err, ErrReopenExpired):
		form.Fail("body", "This ticket was resolved too long ago to reopen. Please open a new ticket.")
	case errors.Is(err, ErrNotFound):
		return echo.ErrNotFound
	case refusedFiles(c, &form, "files", err, h.svc.limits):
	case err != nil:
		return err
	}
	if form.Invalid() {
		filesLost(c, &form, "files", files)
		return h.renderTicket(c, http.StatusUnprocessableEntity, t.ID, form)
	}
	msg := i18n.T(v.Lang, "Your message has been sent.")
	if ScopeOf(v).Staff() {
		msg = i18n.T(v.Lang, "Reply sent.")
		if wait {
			msg = i18n.T(v.Lang, "Reply sent. The ticket now waits for the customer.")
		}
	}
	web.Flash(c, msg)
	return web.Redirect(c, ticketPath(t.ID))
}

// Close closes the customer's ticket.
func (h *Handler) Close(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	if err := h.svc.Close(c.Request().Context(), web.Actor(c), v, t.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return echo.ErrNotFound
		}
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Ticket %s is closed. Thank you!", t.Reference()))
	return web.Redirect(c, ticketPath(t.ID))
}

// Reopen reopens the customer's solved or closed ticket.
func (h *Handler) Reopen(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	msg := i18n.T(v.Lang, "Ticket %s is open again.", t.Reference())
	err = h.svc.Reopen(c.Request().Context(), web.Actor(c), v, t.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, ErrReopenExpired):
		msg = i18n.T(v.Lang, "This ticket was resolved too long ago to reopen. Please open a new ticket.")
	case errors.Is(err, ErrNotResolved):
		msg = i18n.T(v.Lang, "This ticket is already open.")
	case err != nil:
		return err
	}
	web.Flash(c, msg)
	return web.Redirect(c, ticketPath(t.ID))
}
