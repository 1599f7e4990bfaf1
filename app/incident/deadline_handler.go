package incident

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/i18n"
	"tugi/app/route"
	"tugi/app/web"
)

// Template names of the deadline pages.
const (
	tplNotice    = "incident/notice"
	tplBreach    = "incident/breach"
	tplRegister  = "incident/register"
	tplFigures   = "incident/figures"
	tplNotices   = "incident/notices"
	tplSettings  = "incident/settings"
	tplDeadlines = "incident/deadlines#incident-deadlines"
)

// DeadlineRoutes are the pages of incident deadlines. Recording notices and the breach
// account is the CISO's (the service checks it again on the incident); the register and
// the figures are for the CISO and the agents, each seeing the rows the scope gives them
// (a handler those of their incidents); /notices is the customers'; the customer-notice
// target is the admin's.
func (h *Handler) DeadlineRoutes() []route.Route {
	ciso := access.AnyOf(access.CISO)
	handlers := access.AnyOf(access.Agent, access.CISO)
	get, post := http.MethodGet, http.MethodPost
	return []route.Route{
		{Method: get, Path: "/incidents/:id/deadlines", Kind: route.Page, Rule: handlers, Strength: access.SecondFactor, Handler: h.Deadlines},
		{Method: get, Path: "/incidents/:id/notices/new", Kind: route.Page, Rule: ciso, Strength: access.SecondFactor, Handler: h.NewNotice},
		{Method: post, Path: "/incidents/:id/notices", Kind: route.Form, Rule: ciso, Strength: access.SecondFactor, Handler: h.RecordNotice},
		{Method: get, Path: "/incidents/:id/breach", Kind: route.Page, Rule: ciso, Strength: access.SecondFactor, Handler: h.BreachForm},
		{Method: post, Path: "/incidents/:id/breach", Kind: route.Form, Rule: ciso, Strength: access.SecondFactor, Handler: h.SaveBreach},
		{Method: get, Path: "/incidents/register", Kind: route.Page, Rule: handlers, Strength: access.SecondFactor, Handler: h.Register},
		{Method: get, Path: "/incidents/register.csv", Kind: route.Download, Rule: handlers, Strength: access.SecondFactor, Handler: h.RegisterCSV},
		{Method: get, Path: "/incidents/figures", Kind: route.Page, Rule: handlers, Strength: access.SecondFactor, Handler: h.Figures},
		{Method: get, Path: "/incidents/figures.csv", Kind: route.Download, Rule: handlers, Strength: access.SecondFactor, Handler: h.FiguresCSV},
		{Method: get, Path: "/notices", Kind: route.Page, Rule: access.AnyOf(access.Customer), Handler: h.Notices},
		{Method: post, Path: "/notices/:id/acknowledge", Kind: route.Form, Rule: access.AnyOf(access.Customer), Handler: h.Acknowledge},
		{Method: get, Path: "/admin/incidents", Kind: route.Page, Rule: access.AnyOf(access.Admin), Strength: access.SecondFactor, Handler: h.Settings},
		{Method: post, Path: "/admin/incidents", Kind: route.Form, Rule: access.AnyOf(access.Admin), Strength: access.SecondFactor, Handler: h.SaveSettings},
	}
}

// DeadlineSectionFor builds the deadlines section of incident id's full page for v: nil
// when v does not see it in full.
func (h *Handler) DeadlineSectionFor(c echo.Context, id int64) (*DeadlineSection, error) {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	scope := ScopeOf(v)
	st := NewStore(h.db)
	p, err := st.ClockPolicy(ctx)
	if err != nil {
		return nil, err
	}
	in, err := st.clockInput(ctx, scope, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rs, err := st.Recipients(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	return deadlineSection(v.Lang, in, rs, p, scope.CISO, h.svc.now()), nil
}

// nextDeadlines is how many deadlines the board lists.
const nextDeadlines = 20

// NextDeadlines is the board's list of the next deadlines across the open incidents v sees
// in full, overdue first (at most limit).
func (h *Handler) NextDeadlines(c echo.Context, limit int) ([]BoardDeadline, error) {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	st := NewStore(h.db)
	p, err := st.ClockPolicy(ctx)
	if err != nil {
		return nil, err
	}
	now := h.svc.now()
	cs, err := st.OpenClocks(ctx, ScopeOf(v), now)
	if err != nil {
		return nil, err
	}
	return boardDeadlines(v.Lang, cs, p, now, limit), nil
}

// Deadlines serves the deadlines section alone, which the incident page reloads every
// minute so its countdowns stay current.
func (h *Handler) Deadlines(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	d, err := h.DeadlineSectionFor(c, id)
	if err != nil {
		return err
	}
	if d == nil {
		return echo.ErrNotFound
	}
	p := h.render.NewPage(c, "Deadlines")
	p.Data = DeadlinesFragment{Deadlines: d}
	return c.Render(http.StatusOK, tplDeadlines, p)
}

// DeadlinesFragment is the data of the deadlines section served alone.
type DeadlinesFragment struct{ Deadlines *DeadlineSection }

// ---- Recording a notice ----

// NoticePage is the data of the page that records a notice.
type NoticePage struct {
	ID        int64
	Path      string
	Reference string
	Summary   string
	Kinds     []web.Option // the notices to choose from, by clock key
	Chosen    string       // the clock key chosen
	Customer  bool         // a customer notice: sent now, through Tugi
	OrgName   string
	Clock     *ClockRow // the clock it stops, if one runs
	LateNow   bool      // sent now, it would be late
	Cost      string    // for a customer: when their own 72 hours would end if told now
	Channels  []web.Option
	Zone      string
}

// noticeKinds are the notices one may record on an incident: each running clock's, then
// those whose clocks stopped or do not apply (follow-ups, voluntary notices).
func noticeKinds(lang string, in *clockInput, clocks []Clock, now time.Time) []web.Option {
	var first, rest []web.Option
	seen := map[string]bool{}
	for _, c := range clocks {
		if c.Kind == ClockFinalReport && c.Start.IsZero() {
			continue // the final report follows the notification
		}
		o := web.Option{Value: c.Key(), Label: ClockLabel(lang, c)}
		seen[c.Key()] = true
		if c.State(now).Running() {
			first = append(first, o)
		} else {
			rest = append(rest, o)
		}
	}
	for _, org := range in.orgs {
		c := Clock{Kind: ClockCustomer, OrgID: org.ID, OrgName: org.Name}
		if !seen[c.Key()] {
			rest = append(rest, web.Option{Value: c.Key(), Label: ClockLabel(lang, c)})
		}
	}
	return append(first, rest...)
}

// parseClockKey reads a clock key ("authority", "customer:12").
func parseClockKey(key string) (ClockKind, int64, bool) {
	kind, org, isCustomer := strings.Cut(key, ":")
	k := ClockKind(kind)
	if !k.Valid() || isCustomer != (k == ClockCustomer) {
		return "", 0, false
	}
	if !isCustomer {
		return k, 0, true
	}
	id, err := strconv.ParseInt(org, 10, 64)
	return k, id, err == nil && id > 0
}

// NewNotice shows the form that records a notice; ?kind= and ?org= choose it.
func (h *Handler) NewNotice(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	key := c.QueryParam("kind")
	if key == string(ClockCustomer) {
		key += ":" + c.QueryParam("org")
	}
	if c.QueryParam("clock") != "" {
		key = c.QueryParam("clock")
	}
	v := web.ViewerOf(c)
	form := web.Form{Values: url.Values{"clock": {key}, "channel": {"portal"},
		"submitted_at": {h.svc.now().In(deadlineZone).Format(localLayout)},
		"subject":      {i18n.T(v.Lang, "Notice of a personal-data breach")}}}
	return h.renderNotice(c, http.StatusOK, id, form)
}

// localLayout is how a datetime-local field writes a moment.
const localLayout = "2006-01-02T15:04"

// parseLocal reads a datetime-local value as a Tallinn wall time.
func parseLocal(s string) (time.Time, error) {
	t, err := time.Parse(localLayout, s)
	if err != nil {
		return time.Time{}, err
	}
	return wallTime(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0), nil
}

func (h *Handler) renderNotice(c echo.Context, status int, id int64, form web.Form) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	st := NewStore(h.db)
	pol, err := st.ClockPolicy(ctx)
	if err != nil {
		return err
	}
	in, err := st.clockInput(ctx, ScopeOf(v), id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	now := h.svc.now()
	clocks := in.clocks(pol)
	data := NoticePage{ID: id, Path: Path(id), Reference: in.Reference, Summary: in.Summary,
		Kinds: noticeKinds(v.Lang, in, clocks, now), Zone: DeadlineZone}
	for _, ch := range NoticeChannels {
		data.Channels = append(data.Channels, web.Option{Value: ch, Label: ChannelLabel(v.Lang, ch)})
	}
	data.Chosen = form.Value("clock")
	if _, ok := optionOf(data.Kinds, data.Chosen); !ok && len(data.Kinds) > 0 {
		data.Chosen = data.Kinds[0].Value
	}
	if form.Values == nil {
		form.Values = url.Values{}
	}
	form.Values.Set("clock", data.Chosen)
	if kind, org, ok := parseClockKey(data.Chosen); ok {
		data.Customer = kind == ClockCustomer
		for _, o := range in.orgs {
			if o.ID == org {
				data.OrgName = o.Name
			}
		}
		if cl, ok := NoticePreview(clocks, kind, org); ok && cl.State(now).Running() {
			row := clockRow(v.Lang, id, cl, pol, now)
			data.Clock, data.LateNow = &row, now.After(cl.Due)
		}
		if data.Customer {
			data.Cost = i18n.T(v.Lang, "Told now, this customer's own 72 hours to notify its supervisory authority would end %s: every hour of delay moves that an hour later.",
				When(v.Lang, CustomerOwnDeadline(now)))
		}
	}
	p := h.render.NewPage(c, "Record a notice")
	p.Form = form
	p.Data = data
	return c.Render(status, tplNotice, p)
}

func optionOf(opts []web.Option, value string) (web.Option, bool) {
	for _, o := range opts {
		if o.Value == value {
			return o, true
		}
	}
	return web.Option{}, false
}

type noticeForm struct {
	Clock      string `form:"clock" validate:"required,max=40"`
	Submitted  string `form:"submitted_at" validate:"max=40"`
	Channel    string `form:"channel" validate:"max=20"`
	Reference  string `form:"reference" validate:"max=200"`
	Subject    string `form:"subject" validate:"max=300"`
	Body       string `form:"body" validate:"required,max=20000"`
	LateReason string `form:"late_reason" validate:"max=5000"`
}

// RecordNotice records a notice: for a customer, sends it.
func (h *Handler) RecordNotice(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	var f noticeForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	kind, org, ok := parseClockKey(f.Clock)
	if !ok {
		form.Fail("clock", "Choose the notice.")
	}
	r := NoticeRequest{Kind: kind, OrgID: org, Channel: f.Channel, Reference: f.Reference, Subject: f.Subject,
		Body: f.Body, LateReason: f.LateReason}
	if ok && kind != ClockCustomer {
		at, err := parseLocal(f.Submitted)
		if err != nil {
			form.Fail("submitted_at", "Give the date and time it was submitted.")
		}
		r.Submitted = &at
	}
	if !form.Invalid() {
		_, err = h.svc.RecordNotice(web.Once(c, Path(id)), web.Actor(c), v, id, r)
		switch {
		case errors.Is(err, ErrNotFound):
			return echo.ErrNotFound
		case errors.Is(err, ErrNotAllowed):
			return echo.ErrForbidden
		case errors.Is(err, ErrNoticeLate):
			form.Fail("late_reason", "This notice is late: say why it was delayed (GDPR Art. 33(1)).")
		case errors.Is(err, ErrNoticeWhen):
			form.Fail("submitted_at", "The time it was submitted cannot be in the future.")
		case errors.Is(err, ErrNoticeWaiting):
			form.Fail("clock", "The final report follows the NIS2 notification: record the notification first.")
		case errors.Is(err, ErrNoticeOrg):
			form.Fail("clock", "This organisation is not among those the incident affects.")
		case errors.Is(err, ErrNoticeKind):
			form.Fail("channel", "Choose how it was submitted.")
		case errors.Is(err, ErrNoticeBody):
			form.Fail("body", "Write what the notice said.")
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		return h.renderNotice(c, http.StatusUnprocessableEntity, id, form)
	}
	msg := i18n.T(v.Lang, "Notice recorded.")
	if kind == ClockCustomer {
		msg = i18n.T(v.Lang, "Notice sent to the customer's contacts.")
	}
	web.Flash(c, msg)
	return web.Redirect(c, Path(id))
}

// ---- The breach account ----

// BreachPage is the data of the breach account's page.
type BreachPage struct {
	ID        int64
	Path      string
	Reference string
	Summary   string
	Breach    bool // triage decided it is a personal-data breach
}

// BreachForm shows the breach register's account of an incident and the controller
// decision.
func (h *Handler) BreachForm(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	a, err := NewStore(h.db).BreachAccountOf(c.Request().Context(), ScopeOf(web.ViewerOf(c)), id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	form := web.Form{Values: url.Values{"effects": {a.Effects}, "remedial_action": {a.RemedialAction},
		"not_notified_reason": {a.NotNotifiedReason}, "controller_rationale": {a.VendorControllerRationale}}}
	if a.VendorController {
		form.Values.Set("vendor_controller", "yes")
	}
	return h.renderBreach(c, http.StatusOK, id, form)
}

func (h *Handler) renderBreach(c echo.Context, status int, id int64, form web.Form) error {
	in, err := NewStore(h.db).clockInput(c.Request().Context(), ScopeOf(web.ViewerOf(c)), id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Breach register account")
	p.Form = form
	p.Data = BreachPage{ID: id, Path: Path(id), Reference: in.Reference, Summary: in.Summary, Breach: in.decisions().Breach}
	return c.Render(status, tplBreach, p)
}

type breachForm struct {
	VendorController    string `form:"vendor_controller" validate:"omitempty,oneof=yes"`
	ControllerRationale string `form:"controller_rationale" validate:"max=5000"`
	Effects             string `form:"effects" validate:"max=10000"`
	RemedialAction      string `form:"remedial_action" validate:"max=10000"`
	NotNotifiedReason   string `form:"not_notified_reason" validate:"max=10000"`
}

// SaveBreach records the breach account.
func (h *Handler) SaveBreach(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	var f breachForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	if !form.Invalid() {
		err = h.svc.RecordBreachAccount(c.Request().Context(), web.Actor(c), v, id, BreachAccount{
			VendorController: f.VendorController == "yes", VendorControllerRationale: f.ControllerRationale,
			Effects: f.Effects, RemedialAction: f.RemedialAction, NotNotifiedReason: f.NotNotifiedReason})
		switch {
		case errors.Is(err, ErrNotFound):
			return echo.ErrNotFound
		case errors.Is(err, ErrNotAllowed):
			return echo.ErrForbidden
		case errors.Is(err, ErrControllerRationale):
			form.Fail("controller_rationale", "Say whose data it is that makes the vendor its controller.")
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		return h.renderBreach(c, http.StatusUnprocessableEntity, id, form)
	}
	web.Flash(c, i18n.T(v.Lang, "Breach register account saved."))
	return web.Redirect(c, Path(id))
}

// ---- The customers' notices ----

// NoticesPage is the data of /notices.
type NoticesPage struct {
	Notices []CustomerNoticeRow
}

// CustomerNoticeRow is a notice as its customer reads it.
type CustomerNoticeRow struct {
	ID               int64
	Number           string
	Sent             string
	Subject          string
	Body             string
	Acknowledged     string // when the viewer acknowledged it; "" not yet
	Acknowledgements int
	Action           string
}

// noticesLimit is how many notices /notices shows.
const noticesLimit = 100

// Notices lists the incident notices sent to the customer's organisation.
func (h *Handler) Notices(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	v := web.ViewerOf(c)
	ns, err := NewStore(h.db).CustomerNotices(c.Request().Context(), v, noticesLimit)
	if err != nil {
		return err
	}
	var data NoticesPage
	for _, n := range ns {
		row := CustomerNoticeRow{ID: n.ID, Number: "N-" + strconv.FormatInt(n.ID, 10), Sent: When(v.Lang, n.SubmittedAt),
			Subject: n.Subject, Body: n.Body, Acknowledgements: n.Acknowledgements,
			Action: "/notices/" + strconv.FormatInt(n.ID, 10) + "/acknowledge"}
		if n.AcknowledgedAt != nil {
			row.Acknowledged = When(v.Lang, *n.AcknowledgedAt)
		}
		data.Notices = append(data.Notices, row)
	}
	p := h.render.NewPage(c, "Incident notices")
	p.Data = data
	return c.Render(http.StatusOK, tplNotices, p)
}

// Acknowledge records that the customer received a notice; one sent to another
// organisation is not found.
func (h *Handler) Acknowledge(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.ErrNotFound
	}
	v := web.ViewerOf(c)
	err = h.svc.Acknowledge(c.Request().Context(), web.Actor(c), v, id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Thank you: your acknowledgement is recorded."))
	return web.Redirect(c, "/notices")
}

// ---- The admin's setting ----

// SettingsPage is the data of /admin/incidents.
type SettingsPage struct{ Hours int }

// Settings shows the customer-notice target.
func (h *Handler) Settings(c echo.Context) error {
	pol, err := NewStore(h.db).ClockPolicy(c.Request().Context())
	if err != nil {
		return err
	}
	hours := int(pol.CustomerTarget / time.Hour)
	return h.renderSettings(c, http.StatusOK, web.Form{Values: url.Values{"hours": {strconv.Itoa(hours)}}}, hours)
}

func (h *Handler) renderSettings(c echo.Context, status int, form web.Form, hours int) error {
	p := h.render.NewPage(c, "Incident deadlines")
	p.Form = form
	p.Data = SettingsPage{Hours: hours}
	return c.Render(status, tplSettings, p)
}

type settingsForm struct {
	Hours int `form:"hours" validate:"required,min=1,max=72"`
}

// SaveSettings sets the customer-notice target.
func (h *Handler) SaveSettings(c echo.Context) error {
	var f settingsForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		form = web.Form{Values: form.Values}
		form.Fail("hours", "Give a whole number of hours from 1 to 72.")
	}
	v := web.ViewerOf(c)
	if !form.Invalid() {
		err = h.svc.SetCustomerTarget(c.Request().Context(), web.Actor(c), v, f.Hours)
		switch {
		case errors.Is(err, ErrTarget):
			form.Fail("hours", "Give a whole number of hours from 1 to 72.")
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		pol, err := NewStore(h.db).ClockPolicy(c.Request().Context())
		if err != nil {
			return err
		}
		return h.renderSettings(c, http.StatusUnprocessableEntity, form, int(pol.CustomerTarget/time.Hour))
	}
	web.Flash(c, i18n.T(v.Lang, "Saved. Running customer-notice clocks now count to the new target."))
	return web.Redirect(c, "/admin/incidents")
}
