package ticket

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/i18n"
	"tugi/app/sla"
	"tugi/app/user"
	"tugi/app/web"
)

// AgentPage is the data of a ticket's page for staff.
type AgentPage struct {
	Ticket   *Ticket
	Messages []Message
	Panel    Panel
	Tools    // the agent's tools: history, links, canned replies (tools.go)
	// Attachments are the files of each message, by message id.
	Attachments map[int64][]Attachment
	Upload      UploadHint
	Requester   RequesterPanel
	Incidents   TicketIncidents // security incidents linked to the ticket (incidents.go)
	// LastMessage is the newest message shown, which the reply form carries (a newer one
	// by someone else makes the reply ask first); LiveAfter where the page's live stream
	// starts.
	LastMessage, LiveAfter int64
}

// Panel is the side panel of the agent's ticket page: the ticket's fields, each changed
// by a small form that swaps the panel, and its SLA clocks.
type Panel struct {
	Ticket     *Ticket
	Clocks     []ClockView
	Statuses   []web.Option // those the ticket can be set to
	Priorities []web.Option
	Categories []web.Option
	Agents     []web.Option
	Teams      []web.Option
	AssigneeID int64 // 0: nobody
	TeamID     int64 // 0: none
	CanTake    bool  // the viewer is an agent and the ticket is not theirs
	Saved      string
}

func (h *Handler) panel(c echo.Context, t *Ticket, clocks Clocks) (Panel, error) {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	ps, err := h.svc.Policies(ctx)
	if err != nil {
		return Panel{}, err
	}
	ci, err := h.calendar(c)
	if err != nil {
		return Panel{}, err
	}
	ch, err := h.svc.Choices(ctx)
	if err != nil {
		return Panel{}, err
	}
	t.localize(ci.cal.Location())
	teams := TeamOptions(ch.Teams)
	if t.TeamID != nil && t.TeamName != nil && !slices.ContainsFunc(ch.Teams, func(tm Team) bool { return tm.ID == *t.TeamID }) {
		// A retired team (no longer offered) stays the ticket's until an agent picks another.
		teams = append(teams, web.Option{Value: strconv.FormatInt(*t.TeamID, 10), Label: i18n.T(v.Lang, "%s (retired)", *t.TeamName)})
	}
	return Panel{
		Ticket:     t,
		Clocks:     clockViews(v.Lang, clocks, ci, ps[t.Priority], h.svc.Now()),
		Statuses:   StatusOptions(settable(t.Status), v.Lang),
		Priorities: PriorityOptions(sla.Priorities, v.Lang),
		Categories: CategoryOptions(ch.Categories, v.Lang),
		Agents:     AgentOptions(ch.Agents),
		Teams:      teams,
		AssigneeID: deref(t.AssigneeID),
		TeamID:     deref(t.TeamID),
		CanTake:    v.Has(access.Agent) && !sameID(t.AssigneeID, v.UserID),
	}, nil
}

// settable are the statuses an agent can choose for a ticket in status now: any but
// "new", which a ticket only leaves.
func settable(now Status) []Status {
	if now == New {
		return Statuses
	}
	var ss []Status
	for _, s := range Statuses {
		if s != New {
			ss = append(ss, s)
		}
	}
	return ss
}

// renderAgent shows ticket id to staff (read afresh, with its clocks and links), or its
// side panel alone.
func (h *Handler) renderAgent(c echo.Context, status int, id int64, form web.Form, panelOnly bool) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	st := NewStore(h.svc.reads)
	read := st.PageWithConversation
	if panelOnly {
		read = st.Page
	}
	page, err := read(ctx, ScopeOf(v), id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	t := page.Ticket
	panel, err := h.panel(c, t, page.Clocks)
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, t.Reference()+" "+t.Subject)
	p.Form = form
	if panelOnly {
		p.Data = AgentPage{Ticket: t, Panel: panel}
		return c.Render(status, tplPanel, p)
	}
	ms := page.Messages
	for i := range ms {
		ms[i].CreatedAt = ms[i].CreatedAt.In(t.CreatedAt.Location())
	}
	tools, err := h.tools(c, t, panel, page.Links)
	if err != nil {
		return err
	}
	ci, err := h.calendar(c)
	if err != nil {
		return err
	}
	requester, linked, err := h.requesterPanel(ctx, t, v.Lang, ci, h.svc.Now())
	if err != nil {
		return err
	}
	incidents, err := h.ticketIncidents(c, t.ID, linked)
	if err != nil {
		return err
	}
	data := AgentPage{Ticket: t, Messages: ms, Panel: panel, Tools: tools, Attachments: page.Attachments, Upload: h.uploadHint(c),
		Requester: requester, Incidents: incidents, LiveAfter: h.hub.Position()}
	for _, m := range ms {
		data.LastMessage = max(data.LastMessage, m.ID)
	}
	p.Data = data
	return c.Render(status, tplAgent, p)
}

// SetFields changes the fields the side panel's form sends: status, priority,
// category_id, assignee_id, team_id (an empty assignee or team is none). An htmx request
// gets the panel back; any other is redirected to the ticket.
func (h *Handler) SetFields(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	form := web.Form{Values: values}
	var f Fields
	if values.Has("status") {
		s := Status(values.Get("status"))
		if !s.Valid() {
			form.Fail("status", "Choose one of the options offered.")
		}
		f.Status = &s
	}
	if values.Has("priority") {
		p := sla.Priority(values.Get("priority"))
		f.Priority = &p
	}
	for _, x := range []struct {
		field string
		dst   **int64
		empty bool // may be empty: none
	}{{"category_id", &f.CategoryID, false}, {"assignee_id", &f.AssigneeID, true}, {"team_id", &f.TeamID, true}} {
		if !values.Has(x.field) {
			continue
		}
		s := values.Get(x.field)
		var id int64
		if s != "" || !x.empty {
			if id, err = strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
				form.Fail(x.field, "Choose one of the options offered.")
				continue
			}
		}
		*x.dst = &id
	}
	v := web.ViewerOf(c)
	if !form.Invalid() {
		err = h.svc.SetFields(c.Request().Context(), web.Actor(c), v, t.ID, f)
		switch {
		case errors.Is(err, ErrNotFound):
			return echo.ErrNotFound
		case errors.Is(err, ErrInvalidStatus):
			form.Fail("status", "Choose one of the options offered.")
		case errors.Is(err, ErrInvalidPriority):
			form.Fail("priority", "Choose one of the options offered.")
		case errors.Is(err, ErrNoSuchCategory):
			form.Fail("category_id", "Choose one of the options offered.")
		case errors.Is(err, ErrNotAnAgent):
			form.Fail("assignee_id", "Only an active support agent can be assigned.")
		case errors.Is(err, ErrNoSuchTeam):
			form.Fail("team_id", "Choose one of the options offered.")
		case err != nil:
			return err
		}
	}
	partial := web.IsPartial(c)
	if form.Invalid() {
		return h.renderAgent(c, http.StatusUnprocessableEntity, t.ID, form, partial)
	}
	if !partial {
		web.Flash(c, i18n.T(v.Lang, "Saved."))
		return web.Redirect(c, ticketPath(t.ID))
	}
	page, err := NewStore(h.svc.reads).Page(c.Request().Context(), ScopeOf(v), t.ID)
	if err != nil {
		return err
	}
	t = page.Ticket
	panel, err := h.panel(c, t, page.Clocks)
	if err != nil {
		return err
	}
	panel.Saved = i18n.T(v.Lang, "Saved.")
	p := h.render.NewPage(c, t.Reference()+" "+t.Subject)
	p.Data = AgentPage{Ticket: t, Panel: panel}
	return c.Render(http.StatusOK, tplPanel, p)
}

// Take assigns the ticket to the agent asking, and shows it to them.
func (h *Handler) Take(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	msg := i18n.T(v.Lang, "%s is yours now.", t.Reference())
	// seen_assignee is who had the ticket on the page the agent took it from ("": nobody).
	seen, _ := strconv.ParseInt(c.FormValue("seen_assignee"), 10, 64)
	err = h.svc.Take(c.Request().Context(), web.Actor(c), v, t.ID, seen)
	var taken *TakenError
	switch {
	case errors.Is(err, ErrNotFound):
		return echo.ErrNotFound
	case errors.As(err, &taken):
		msg = i18n.T(v.Lang, "%s took this ticket a moment ago.", taken.By)
	case errors.Is(err, ErrNotAnAgent):
		msg = i18n.T(v.Lang, "Only an active support agent can be assigned.")
	case err != nil:
		return err
	}
	web.Flash(c, msg)
	return web.Redirect(c, ticketPath(t.ID))
}

// ---- The agent queue ----

// Queue views: the tabs of the queue page.
const (
	ViewUnassigned = "unassigned"
	ViewMine       = "mine"
	ViewTeam       = "team"
	ViewBreaching  = "breaching"
	ViewWaiting    = "waiting"
	ViewAll        = "all"
)

var views = []string{ViewUnassigned, ViewMine, ViewTeam, ViewBreaching, ViewWaiting, ViewAll}

// BreachingSoon is how much support time before its due time a ticket counts as
// breaching soon.
const BreachingSoon = 2 * time.Hour

// QueuePage is the data of the agent queue.
type QueuePage struct {
	View       string
	Sort       string // "due" or "updated"
	Rows       []QueueItem
	Query      string // the query string of this page, for the table's refresh
	Next       string // the query string of the next page, if there is one
	Filtered   bool
	CanTake    bool   // the viewer is an agent, who can take tickets
	OrgName    string // the organisation filtered on
	Categories []web.Option
	Priorities []web.Option
	Statuses   []web.Option
	Agents     []web.Option
	Available  bool        // the viewer (an agent) takes new tickets now
	Ticket     int64       // the one ticket of a live row (QueueRow)
	LiveQuery  string      // the query string of the page's live stream: its filters, and where it starts
	Views      []QueueView // the viewer's saved views
	ViewQuery  string      // what saving this queue as a view keeps of its query
	SavedView  int64       // the saved view this queue is, if it is one
}

// QueueItem is a row of the queue, every cell ready to print: html/template pays for
// each field, method and function it evaluates with reflection, and a page has 25 rows.
type QueueItem struct {
	ID            int64
	Path          string // the ticket page
	Reference     string
	Subject       string
	OrgName       string
	Status        Status
	StatusLabel   string // translated
	Priority      sla.Priority
	PriorityLabel string // translated
	Assignee      string // "" while nobody has it
	DueClass      string // ok, warn or breach; "" when no clock runs
	Paused        bool   // waiting for the customer: its clocks are paused
	Requester     string
	Due           string // when its nearest clock is due, from now: "in 2 h", "overdue 15 min"
	DueAt         string // that time itself, in the calendar's zone (shown on hover)
	Updated       string // when it last changed
	Take          bool   // the viewer can take it: an agent, and not theirs already
	TakeLabel     string // "Take it", or "Take over" when a colleague has it; translated
	SeenAssignee  string // the assignee's id as the page shows it, for "Take it"
	Selected      bool   // chosen for a bulk action (kept when the table refreshes)
	Live          bool   // rendered alone for the live queue: it replaces its row or goes on top
	// What the row prints in the viewer's language, so that the "queue-row" template
	// needs nothing but the row (a live update renders one row alone).
	CSRF, NobodyText, PausedText, SelectLabel string
	// TurnsWarnAt and TurnsDueAt are the instants (RFC 3339) a running clock's due cell
	// turns amber and red, "" once it has: the open page changes its colour by itself
	// (static/js/live.js), as the ticket page's clocks do.
	TurnsWarnAt, TurnsDueAt string
}

// NewQueueItem is the row of r for an agent viewer in lang.
func NewQueueItem(r QueueRow, lang string, take bool) QueueItem {
	item := QueueItem{ID: r.ID, Path: ticketPath(r.ID), Reference: r.Reference(), Subject: r.Subject, OrgName: r.OrgName,
		Status: r.Status, StatusLabel: i18n.T(lang, r.Status.Label()),
		Priority: r.Priority, PriorityLabel: i18n.T(lang, r.Priority.Label()),
		Paused: r.Status == Waiting, Take: take, Requester: r.Requester,
		NobodyText: i18n.T(lang, "Nobody"), PausedText: i18n.T(lang, "Paused"), SelectLabel: i18n.T(lang, "Select %s", r.Reference())}
	item.TakeLabel = i18n.T(lang, "Take it")
	if r.Assignee != nil {
		item.Assignee = *r.Assignee
		item.TakeLabel = i18n.T(lang, "Take over")
	}
	if r.AssigneeID != nil {
		item.SeenAssignee = strconv.FormatInt(*r.AssigneeID, 10)
	}
	return item
}

// dueClass is the colour of a queue's due cell at now, for the nearest clock due at due
// that warns at warn (nil: never): "breach" from its due time on (or once breached),
// "warn" from its warning time on, else "ok". static/js/live.js turns a cell at the same
// instants while the page stays open.
func dueClass(now, due time.Time, warn *time.Time, breached bool) string {
	switch {
	case breached || !now.Before(due):
		return "breach"
	case warn != nil && !now.Before(*warn):
		return "warn"
	}
	return "ok"
}

// Queue shows an agent queue.
func (h *Handler) Queue(c echo.Context) error {
	return h.renderQueueStatus(c, tplQueue, http.StatusOK, web.Form{})
}

// renderQueueStatus renders the queue of the request's query string with status; the
// messages of form (the save-a-view form's) show beside its fields.
func (h *Handler) renderQueueStatus(c echo.Context, tpl string, status int, sent web.Form) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	qp := c.QueryParams()
	ci, err := h.calendar(c)
	if err != nil {
		return err
	}
	now := h.svc.Now()
	data := QueuePage{View: qp.Get("view"), Sort: qp.Get("sort"), CanTake: v.Has(access.Agent)}
	if !contains(views, data.View) {
		data.View = ViewUnassigned
	}
	if data.CanTake && tpl == tplQueue {
		data.Available = v.Available
	}
	if data.Sort != "updated" {
		data.Sort = "due"
	}
	q := QueueQuery{ByUpdated: data.Sort == "updated", Limit: pageSize}
	st := NewStore(h.svc.reads)
	form := web.Form{Values: qp, Errors: sent.Errors}
	if sent.Values.Has("view_name") {
		form.Values.Set("view_name", sent.Values.Get("view_name"))
	}
	if data.OrgName, q.OrgID, err = h.organisationFilter(c, st, &form); err != nil {
		return err
	}
	q.CategoryID, _ = strconv.ParseInt(qp.Get("category"), 10, 64)
	q.AssigneeID, _ = strconv.ParseInt(qp.Get("assignee"), 10, 64)
	if p := sla.Priority(qp.Get("priority")); contains(sla.Priorities, p) {
		q.Priority = p
	}
	if s := Status(qp.Get("status")); s.Valid() {
		q.Status = s
	}
	data.Filtered = q.OrgID != 0 || q.CategoryID != 0 || q.AssigneeID != 0 || q.Priority != "" || q.Status != ""
	switch data.View {
	case ViewUnassigned:
		q.Unassigned = true
	case ViewMine:
		q.AssigneeID = v.UserID
	case ViewTeam:
		q.TeamsOf = v.UserID
	case ViewBreaching:
		q.DueBefore = ci.cal.Add(now, BreachingSoon)
	case ViewWaiting:
		q.Status = Waiting
	}
	if after := qp.Get("after"); after != "" {
		key, id, err := parseCursor(after, true)
		if err != nil {
			return err
		}
		q.After = Cursor{Key: key, ID: id}
	}
	if tpl == tplRow {
		if data.Ticket, err = ticketID(c); err != nil {
			return err
		}
		q.TicketID, q.After = data.Ticket, Cursor{}
	}
	rows, more, err := st.Queue(ctx, ScopeOf(v), q)
	if err != nil {
		return err
	}
	loc := ci.cal.Location()
	selected := map[string]bool{}
	for _, id := range qp["ids"] {
		selected[id] = true
	}
	csrf := web.CSRFToken(c)
	for _, r := range rows {
		r.localize(loc)
		item := NewQueueItem(r, v.Lang, data.CanTake && !sameID(r.AssigneeID, v.UserID))
		item.Updated = ci.short(v.Lang, r.UpdatedAt, now)
		item.CSRF, item.Selected, item.Live = csrf, selected[strconv.FormatInt(r.ID, 10)], tpl == tplRow
		if r.Status != Waiting && r.NextDueAt != nil {
			item.Due, item.DueAt = dueFromNow(v.Lang, *r.NextDueAt, now), ci.when(v.Lang, *r.NextDueAt, now)
			item.DueClass = dueClass(now, *r.NextDueAt, r.NextWarnAt, r.Breached)
			if item.DueClass != "breach" {
				item.TurnsDueAt = turnsAt(*r.NextDueAt)
				if r.NextWarnAt != nil {
					item.TurnsWarnAt = turnsAt(*r.NextWarnAt)
				}
			}
		}
		data.Rows = append(data.Rows, item)
	}
	this := url.Values{}
	for _, k := range []string{"view", "sort", "org_name", "category", "priority", "status", "assignee"} {
		if s := qp.Get(k); s != "" {
			this.Set(k, s)
		}
	}
	this.Set("view", data.View)
	if more {
		next := url.Values{}
		for k, vs := range this {
			next[k] = vs
		}
		cur := CursorAfter(rows[len(rows)-1], q.ByUpdated)
		next.Set("after", cur.Key+"_"+strconv.FormatInt(cur.ID, 10))
		data.Next = next.Encode()
	}
	if s := qp.Get("after"); s != "" {
		this.Set("after", s)
	}
	data.Query = this.Encode()
	data.ViewQuery = queueViewQuery(data.Query)
	if tpl == tplQueue {
		lq := url.Values{}
		for k, vs := range this {
			lq[k] = vs
		}
		lq.Set("after", strconv.FormatInt(h.hub.Position(), 10))
		data.LiveQuery = lq.Encode()
		if data.Views, err = st.QueueViews(ctx, v.UserID); err != nil {
			return err
		}
		for _, qv := range data.Views {
			if qv.Query == data.ViewQuery {
				data.SavedView = qv.ID
			}
		}
		ch, err := h.svc.Choices(ctx)
		if err != nil {
			return err
		}
		data.Categories, data.Agents = CategoryOptions(ch.Categories, v.Lang), AgentOptions(ch.Agents)
		data.Priorities, data.Statuses = PriorityOptions(sla.Priorities, v.Lang), StatusOptions(Statuses, v.Lang)
	}
	p := h.render.NewPage(c, "Queue")
	p.Form = form
	p.Data = data
	return c.Render(status, tpl, p)
}

// organisationFilter reads the queue's organisation filter: a name typed in org_name (an
// organisation called so, or the only one whose name begins so), or an id in org (a
// link). It returns the organisation's name and id (0: no filter), and tells the person
// beside the field when the name fits no organisation, or several.
func (h *Handler) organisationFilter(c echo.Context, st *Store, form *web.Form) (string, int64, error) {
	ctx := c.Request().Context()
	if id, err := strconv.ParseInt(c.QueryParam("org"), 10, 64); err == nil && c.QueryParam("org_name") == "" {
		o, err := st.Organisation(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return "", 0, nil
		}
		if err != nil {
			return "", 0, err
		}
		form.Values.Set("org_name", o.Name)
		return o.Name, o.ID, nil
	}
	name := strings.TrimSpace(c.QueryParam("org_name"))
	if name == "" {
		return "", 0, nil
	}
	o, err := user.ReadOrganisation(ctx, h.svc.reads, name)
	var named *user.OrganisationNameError
	if errors.As(err, &named) {
		form.Fail("org_name", named.Message())
		return name, -1, nil // no organisation: no tickets
	}
	if err != nil {
		return name, -1, err
	}
	return o.Name, o.ID, nil
}

// OrganisationOptions suggests organisations for the queue's filter as the agent types
// (the options of its datalist).
func (h *Handler) OrganisationOptions(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	var os []user.OrgName
	if name := strings.TrimSpace(c.QueryParam("org_name")); name != "" {
		var err error
		if os, err = user.OrganisationsNamed(c.Request().Context(), h.svc.reads, name, 20); err != nil {
			return err
		}
	}
	return c.Render(http.StatusOK, tplOrgOptions, os)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// deref is what p points to, or T's zero value when p is nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
