package report

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/calendar"
	"tugi/app/i18n"
	"tugi/app/route"
	"tugi/app/sla"
	"tugi/app/user"
	"tugi/app/web"
)

// Template names.
const (
	tplReports    = "report/reports"
	tplOrgOptions = "report/reports#org-options"
)

// Readers may see the figures: admins, and agents, since a team lead is an agent (Tugi
// has no role of its own for leading a team). The figures are counts and times of
// tickets every agent already sees one by one, and names of teams, agents and
// organisations; customers, employees and the CISO (who does not work the queue unless
// also an agent) never.
var Readers = access.AnyOf(access.Admin, access.Agent)

// maxRange is the longest range the figures cover: a year (a leap year's).
const maxRange = 366

// defaultDays is the range the page opens with: the last 30 days, today included.
const defaultDays = 30

// Handler serves /reports.
type Handler struct {
	db        *sqlx.DB
	calendars *sla.Calendars
	render    *web.Renderer
	now       func() time.Time
	copies    *copyStore

	mu       sync.Mutex
	cache    map[string]*cached
	inflight map[string]chan struct{} // queries being worked out, closed when they are
}

// cached is a query's figures, and the parts of its page drawn from them, by language.
type cached struct {
	fig     Figures
	version int64
	at      time.Time
	pages   map[string]drawn
	// refreshing: one request works newer figures out; meanwhile these are served.
	refreshing bool
}

type drawn struct {
	summary []Figure
	charts  template.HTML
}

// cacheSize is how many figures a process keeps (by query) until the copy changes; a
// page asked again within refreshEvery is not worked out again.
const cacheSize = 64

// NewHandler returns the figures' pages; now is the clock (time.Now when nil).
func NewHandler(db *sqlx.DB, calendars *sla.Calendars, render *web.Renderer, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{db: db, calendars: calendars, render: render, now: now, copies: &copyStore{db: db}, cache: map[string]*cached{}, inflight: map[string]chan struct{}{}}
}

// Charts names each chart, which is also its CSV's name (/reports/<name>.csv).
var Charts = []string{"weeks", "priorities", "teams", "agents", "organisations", "backlog", "channels", "categories", "chats"}

// Routes are the page, its type-ahead of organisations and the CSV of each chart.
func (h *Handler) Routes() []route.Route {
	get := http.MethodGet
	rs := []route.Route{
		{Method: get, Path: "/reports", Kind: route.Page, Rule: Readers, Handler: h.Page},
		{Method: get, Path: "/reports/organisations", Kind: route.Page, Rule: Readers, Handler: h.OrganisationOptions},
	}
	for _, name := range Charts {
		rs = append(rs, route.Route{Method: get, Path: "/reports/" + name + ".csv", Kind: route.Download, Rule: Readers, Handler: h.csv(name)})
	}
	return rs
}

// filter is a request's query, read and checked.
type filter struct {
	Query
	FromDay, ToDay calendar.Date
	OrgName        string
}

// readFilter reads the range and filters of the query string into form, and says what
// is wrong beside the field. Without from and to, the range is the last 30 days.
func (h *Handler) readFilter(c echo.Context, loc *time.Location, form *web.Form) (filter, error) {
	ctx := c.Request().Context()
	today := h.now().In(loc)
	var f filter
	day := func(name string, def time.Time) time.Time {
		s := strings.TrimSpace(c.QueryParam(name))
		if s == "" {
			form.Values.Set(name, def.Format(time.DateOnly))
			return def
		}
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			form.Fail(name, "Give a date as YYYY-MM-DD.")
			return def
		}
		return d
	}
	end := day("to", time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc))
	start := day("from", end.AddDate(0, 0, -(defaultDays-1)))
	switch {
	case end.Before(start):
		form.Fail("to", "The end is before the start.")
	case end.Sub(start) > (maxRange-1)*24*time.Hour+time.Hour:
		form.Fail("from", "The range is longer than a year: choose at most 366 days.")
	}
	if len(form.Errors) > 0 {
		end = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
		start = end.AddDate(0, 0, -(defaultDays - 1))
	}
	f.From, f.To = start, time.Date(end.Year(), end.Month(), end.Day()+1, 0, 0, 0, 0, loc)
	if s := c.QueryParam("team"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			form.Fail("team", "Choose a team from the list.")
		} else {
			f.Team = id
		}
	}
	if p := c.QueryParam("priority"); p != "" {
		if !slices.Contains(priorities, p) {
			form.Fail("priority", "Choose a priority from the list.")
		} else {
			f.Priority = p
		}
	}
	if name := strings.TrimSpace(c.QueryParam("org_name")); name != "" {
		o, err := user.ReadOrganisation(ctx, h.db, name)
		var named *user.OrganisationNameError
		switch {
		case errors.As(err, &named):
			form.Fail("org_name", named.Message())
		case err != nil:
			return f, err
		default:
			f.OrgID, f.OrgName = o.ID, o.Name
			form.Values.Set("org_name", o.Name)
		}
	}
	return f, nil
}

// figures works out (or finds worked out) the figures of q.
func (h *Handler) figures(ctx context.Context, q Query, loc *time.Location) (*cached, time.Time, error) {
	s, err := h.copies.current(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	var asOf *time.Time
	if err := h.db.GetContext(ctx, &asOf, lastPass); err != nil {
		return nil, time.Time{}, fmt.Errorf("report: last pass: %w", err)
	}
	target, err := h.chatTarget(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	at := time.Time{}
	if asOf != nil {
		at = *asOf
	}
	key := fmt.Sprintf("%d %d %d %s %d %d", q.From.Unix(), q.To.Unix(), q.Team, q.Priority, q.OrgID, target)
	now := h.now()
	// One request works a query's figures out while the others asking for it wait for
	// them, or, when they are only out of date, are answered with the previous ones.
	h.mu.Lock()
	hit := h.cache[key]
	switch {
	case hit != nil && hit.version == s.version && now.Sub(hit.at) < refreshEvery:
		h.mu.Unlock()
		return hit, at, nil
	case hit != nil && hit.refreshing:
		h.mu.Unlock()
		return hit, at, nil
	case hit != nil:
		hit.refreshing = true
	}
	wait, busy := h.inflight[key]
	if hit == nil && busy {
		h.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, time.Time{}, ctx.Err()
		}
		h.mu.Lock()
		hit = h.cache[key]
		h.mu.Unlock()
		if hit == nil {
			return nil, time.Time{}, errors.New("report: the figures being worked out failed")
		}
		return hit, at, nil
	}
	done := make(chan struct{})
	if hit == nil {
		h.inflight[key] = done
	}
	h.mu.Unlock()
	entry := &cached{fig: compute(s, q, now, loc, int32(target/time.Second)), version: s.version, at: now, pages: map[string]drawn{}}
	h.mu.Lock()
	if len(h.cache) >= cacheSize {
		clear(h.cache)
	}
	h.cache[key] = entry
	if h.inflight[key] == done {
		delete(h.inflight, key)
	}
	h.mu.Unlock()
	close(done)
	return entry, at, nil
}

// labels are the names of the figures' rows.
type labels struct {
	team, agent, category, org map[int64]string
}

// readLabels reads the names of teams, agents and categories (in lang), and of the
// organisations orgs.
func (h *Handler) readLabels(ctx context.Context, lang string, orgs []int64) (labels, error) {
	l := labels{team: map[int64]string{}, agent: map[int64]string{}, category: map[int64]string{}, org: map[int64]string{}}
	var rows []struct {
		Kind string `db:"kind"`
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := h.db.SelectContext(ctx, &rows, names, lang); err != nil {
		return l, fmt.Errorf("report: names: %w", err)
	}
	for _, r := range rows {
		switch r.Kind {
		case "team":
			l.team[r.ID] = r.Name
		case "agent":
			l.agent[r.ID] = r.Name
		case "category":
			l.category[r.ID] = r.Name
		}
	}
	if len(orgs) > 0 {
		var os []struct {
			ID   int64  `db:"id"`
			Name string `db:"name"`
		}
		if err := h.db.SelectContext(ctx, &os, orgNames, orgs); err != nil {
			return l, fmt.Errorf("report: organisation names: %w", err)
		}
		for _, o := range os {
			l.org[o.ID] = o.Name
		}
	}
	return l, nil
}

// PageData is the data of /reports.
type PageData struct {
	Zone       string
	AsOf       string // when the rollup last ran, "" when never
	Summary    []Figure
	Charts     template.HTML // every chart's section (render.go)
	Teams      []web.Option
	Priorities []web.Option
	Filtered   bool
	Query      string // the filters as a query string, for the CSV links
}

// Figure is a headline number.
type Figure struct {
	ID, Label, Value, Note string
}

// topOrgs is how many organisations the page charts (the most tickets first); the CSV
// has them all.
const topOrgs = 15

// Page shows the figures.
func (h *Handler) Page(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	loc := h.calendars.Location()
	form := web.Form{Values: url.Values{}}
	for k, vs := range c.QueryParams() {
		form.Values[k] = vs
	}
	f, err := h.readFilter(c, loc, &form)
	if err != nil {
		return err
	}
	entry, asOf, err := h.figures(ctx, f.Query, loc)
	if err != nil {
		return err
	}
	data := PageData{Zone: loc.String(), Filtered: f.Team != 0 || f.Priority != "" || f.OrgID != 0}
	if !asOf.IsZero() {
		data.AsOf = web.DateIn(v.Lang, asOf.In(loc))
	}
	var teams []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := h.db.SelectContext(ctx, &teams, teamOptions); err != nil {
		return fmt.Errorf("report: teams: %w", err)
	}
	data.Teams = append(data.Teams, web.Option{Value: "", Label: i18n.T(v.Lang, "All teams")})
	for _, t := range teams {
		data.Teams = append(data.Teams, web.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	data.Priorities = append(data.Priorities, web.Option{Value: "", Label: i18n.T(v.Lang, "All priorities")})
	for _, p := range priorities {
		data.Priorities = append(data.Priorities, web.Option{Value: p, Label: i18n.T(v.Lang, priorityLabel(p))})
	}
	data.Query = csvQuery(f)
	h.mu.Lock()
	page, ok := entry.pages[v.Lang]
	h.mu.Unlock()
	if !ok {
		fig := entry.fig
		var orgIDs []int64
		for i, o := range fig.Orgs {
			if i == topOrgs {
				break
			}
			orgIDs = append(orgIDs, o.Key)
		}
		l, err := h.readLabels(ctx, v.Lang, orgIDs)
		if err != nil {
			return err
		}
		page = drawn{summary: summary(v.Lang, fig), charts: renderCharts(v.Lang, charts(v.Lang, fig, l, loc, data.Query))}
		h.mu.Lock()
		entry.pages[v.Lang] = page
		h.mu.Unlock()
	}
	data.Summary, data.Charts = page.summary, page.charts
	status := http.StatusOK
	if len(form.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	p := h.render.NewPage(c, "Reports")
	p.Form = form
	p.Data = data
	return c.Render(status, tplReports, p)
}

// csvQuery is the query string of the range and filters in force, for the CSV links.
func csvQuery(f filter) string {
	q := url.Values{}
	q.Set("from", f.From.Format(time.DateOnly))
	q.Set("to", f.To.AddDate(0, 0, -1).Format(time.DateOnly))
	if f.Team != 0 {
		q.Set("team", strconv.FormatInt(f.Team, 10))
	}
	if f.Priority != "" {
		q.Set("priority", f.Priority)
	}
	if f.OrgName != "" {
		q.Set("org_name", f.OrgName)
	}
	return q.Encode()
}

// OrganisationOptions suggests organisations for the filter as the person types.
func (h *Handler) OrganisationOptions(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	var os []user.OrgName
	if name := strings.TrimSpace(c.QueryParam("org_name")); name != "" {
		var err error
		if os, err = user.OrganisationsNamed(c.Request().Context(), h.db, name, 20); err != nil {
			return err
		}
	}
	return c.Render(http.StatusOK, tplOrgOptions, os)
}

func priorityLabel(p string) string {
	switch p {
	case "urgent":
		return "Urgent"
	case "high":
		return "High"
	case "normal":
		return "Normal"
	case "low":
		return "Low"
	}
	return p
}

func channelLabel(ch string) string {
	switch ch {
	case "web":
		return "Web"
	case "email":
		return "E-mail"
	case "phone":
		return "Phone"
	case "chat":
		return "Chat"
	}
	return ch
}

// chatTarget is the chat wait target in force.
func (h *Handler) chatTarget(ctx context.Context) (time.Duration, error) {
	p, err := sla.NewStore(h.db).ChatPolicy(ctx)
	return p.WaitTarget, err
}
