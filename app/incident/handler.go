package incident

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/auth"
	"tugi/app/i18n"
	"tugi/app/ticket"
	"tugi/app/user"
	"tugi/app/web"
)

// Template names of the incident pages.
const (
	tplNew        = "incident/new"
	tplList       = "incident/list"
	tplFull       = "incident/full"
	tplReporter   = "incident/reporter"
	tplOrgOptions = "incident/new#org-options"
)

// listLimit is how many incidents each list of /incidents shows.
const listLimit = 200

// Handler serves the incident pages.
type Handler struct {
	svc      *Service
	db       *sqlx.DB
	render   *web.Renderer
	validate *web.Validator
}

// NewHandler returns the incident handlers.
func NewHandler(svc *Service, render *web.Renderer, validate *web.Validator) *Handler {
	return &Handler{svc: svc, db: svc.db, render: render, validate: validate}
}

// zone is where incident times are shown and typed: the vendor's, named on every page.
var zone = referenceZone

// ---- Reporting ----

// NewPage is the data of the report form.
type NewPage struct {
	Answers []web.Option
	Upload  ticket.UploadHint
	Zone    string
}

// New shows the report form.
func (h *Handler) New(c echo.Context) error {
	return h.renderNew(c, http.StatusOK, web.Form{Values: url.Values{"personal_data": {string(PersonalUnknown)}}})
}

func (h *Handler) renderNew(c echo.Context, status int, form web.Form) error {
	lang := web.ViewerOf(c).Lang
	p := h.render.NewPage(c, "Report a security incident")
	p.Form = form
	var answers []web.Option
	for _, a := range PersonalDataAnswers {
		answers = append(answers, web.Option{Value: string(a), Label: i18n.T(lang, a.Label())})
	}
	p.Data = NewPage{Answers: answers, Upload: h.svc.limits.Hint(lang), Zone: zone.String()}
	return c.Render(status, tplNew, p)
}

type reportForm struct {
	Summary      string `form:"summary" validate:"required,max=10000"`
	NoticedAt    string `form:"noticed_at"`
	SystemOrData string `form:"system_or_data" validate:"max=1000"`
	PersonalData string `form:"personal_data" validate:"omitempty,oneof=yes no unknown"`
	Orgs         string `form:"organisations" validate:"max=2000"`
	OrgsUnknown  string `form:"orgs_unknown"`
}

// Create records the report and sends the reporter to its page, with its reference.
func (h *Handler) Create(c echo.Context) error {
	var f reportForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	noticed := h.readTime(c, &form, "noticed_at", f.NoticedAt)
	orgs := h.readOrganisations(c, &form, "organisations", f.Orgs)
	files, err := h.uploads(c, &form, "files")
	if err != nil {
		return err
	}
	if form.Invalid() {
		filesLost(c, &form, "files", files)
		return h.renderNew(c, http.StatusUnprocessableEntity, form)
	}
	inc, err := h.svc.Report(web.Once(c, ""), web.Actor(c), v, ReportRequest{Summary: f.Summary, NoticedAt: noticed,
		SystemOrData: f.SystemOrData, PersonalData: PersonalData(f.PersonalData), OrgIDs: orgs, OrgsUnknown: f.OrgsUnknown != "",
		Files: files})
	if refusedFiles(c, &form, "files", err, h.svc.limits) {
		return h.renderNew(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Thank you. Your report has been received as %s.", inc.Reference))
	return web.Redirect(c, Path(inc.ID))
}

// readTime reads a moment typed in a datetime-local field, in Zone; "" is none.
func (h *Handler) readTime(c echo.Context, form *web.Form, field, s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, zone)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02T15:04:05", s, zone)
	}
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		form.Fail(field, i18n.T(web.ViewerOf(c).Lang, "Give a date and time, such as 2026-03-29 14:30."))
		return nil
	}
	return &t
}

// readOrganisations reads the organisations typed in field, separated by commas or new
// lines: each must name one customer organisation (as the queue's filter reads them).
func (h *Handler) readOrganisations(c echo.Context, form *web.Form, field, s string) []int64 {
	var ids []int64
	for _, name := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		o, err := user.ReadOrganisation(c.Request().Context(), h.db, name)
		var ne *user.OrganisationNameError
		if errors.As(err, &ne) {
			form.Fail(field, i18n.T(web.ViewerOf(c).Lang, "%s: %s", name, i18n.T(web.ViewerOf(c).Lang, ne.Message())))
			return nil
		}
		if err != nil {
			form.Fail(field, i18n.T(web.ViewerOf(c).Lang, "The organisations could not be looked up. Try again."))
			return nil
		}
		ids = append(ids, o.ID)
	}
	return ids
}

// OrganisationOptions suggests customer organisations whose name begins with what was
// typed, for the report form's field (the last name typed, after a comma).
func (h *Handler) OrganisationOptions(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	typed := c.QueryParam("organisations")
	if typed == "" {
		typed = c.QueryParam("org_name")
	}
	// The names typed before the last comma stay as they are; the suggestions complete
	// the last one.
	before := ""
	if i := strings.LastIndexAny(typed, ",;\n"); i >= 0 {
		before, typed = strings.TrimSpace(typed[:i+1])+" ", typed[i+1:]
	}
	var os []user.OrgName
	if name := strings.TrimSpace(typed); name != "" {
		var err error
		if os, err = user.OrganisationsNamed(c.Request().Context(), h.db, name, 20); err != nil {
			return err
		}
	}
	opts := make([]web.Option, len(os))
	for i, o := range os {
		opts[i] = web.Option{Value: before + o.Name, Label: o.Name}
	}
	return c.Render(http.StatusOK, tplOrgOptions, opts)
}

// ---- Lists ----

// ListPage is the data of /incidents: the viewer's own reports, and for the CISO and
// agents the board of the open incidents they handle.
type ListPage struct {
	Reported      []ListRow
	ShowBoard     bool
	Board         []ListRow
	Closed        []ListRow
	CanTriage     bool // the CISO: every incident is theirs to triage
	ZoneName      string
	NextDeadlines []BoardDeadline // the next deadlines across the board's incidents, overdue first
	BoardExtra    []string        // headings of columns other parts add to the board
}

// ListRow is an incident in a list, every cell ready to print.
type ListRow struct {
	ID            int64
	Path          string
	Reference     string
	Summary       string
	State         State
	StateLabel    string
	Severity      Severity
	SeverityLabel string
	Reported      string
	Updated       string
}

func newRow(r Row, lang string, reporter bool) ListRow {
	sev := Severity("")
	if r.Severity != nil {
		sev = *r.Severity
	}
	label := r.State.Label()
	if reporter {
		label = r.State.ReporterLabel()
	}
	summary := r.Summary
	if rs := []rune(summary); len(rs) > 120 {
		summary = string(rs[:119]) + "…"
	}
	return ListRow{ID: r.ID, Path: Path(r.ID), Reference: r.Reference, Summary: summary, State: r.State,
		StateLabel: i18n.T(lang, label), Severity: sev, SeverityLabel: i18n.T(lang, sev.Label()),
		Reported: web.DateIn(lang, r.ReportedAt.In(zone)), Updated: web.DateIn(lang, r.UpdatedAt.In(zone))}
}

// List shows /incidents.
func (h *Handler) List(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	scope := ScopeOf(v)
	st := NewStore(h.db)
	data := ListPage{ShowBoard: v.HasAny(access.CISO, access.Agent), CanTriage: scope.CISO, ZoneName: zone.String()}
	rs, err := st.Reported(ctx, scope, listLimit)
	if err != nil {
		return err
	}
	for _, r := range rs {
		data.Reported = append(data.Reported, newRow(r, v.Lang, true))
	}
	if data.ShowBoard {
		board, err := st.Board(ctx, scope, listLimit)
		if err != nil {
			return err
		}
		for _, r := range board {
			data.Board = append(data.Board, newRow(r, v.Lang, false))
		}
		closed, err := st.ClosedLately(ctx, scope, 20)
		if err != nil {
			return err
		}
		for _, r := range closed {
			data.Closed = append(data.Closed, newRow(r, v.Lang, false))
		}
	}
	if data.ShowBoard {
		if data.NextDeadlines, err = h.NextDeadlines(c, nextDeadlines); err != nil {
			return err
		}
	}
	p := h.render.NewPage(c, "Security incidents")
	p.Data = data
	return c.Render(http.StatusOK, tplList, p)
}

// ---- One incident ----

// incidentID reads the route's :id; a malformed one is not found.
func incidentID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// Show shows an incident: in full to the CISO and its handlers, its reporter's view to
// its reporter, and "not found" to anyone else.
func (h *Handler) Show(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	return h.renderIncident(c, http.StatusOK, id, web.Form{})
}

// ReporterPage is the data of an incident's page for its reporter: the report, its
// status, and what the handlers chose to tell them.
type ReporterPage struct {
	Inc        *Incident
	StateLabel string
	Reported   string
	Noticed    string
	Entries    []EntryRow
	ZoneName   string
}

// EntryRow is a timeline entry, ready to print.
type EntryRow struct {
	At          string
	Author      string
	Note        bool
	ForReporter bool
	Body        string
}

// FullPage is the data of an incident's full page.
type FullPage struct {
	Inc      *Incident
	Role     Role
	CISO     bool
	ZoneName string
	Times    map[string]string // the incident's moments, printed
	// Classification.
	Taxonomy      []TaxonomyClass
	ClassLabel    string
	TypeLabel     string
	Levels        []web.Option
	Urgencies     []web.Option
	Severities    []web.Option
	Matrix        [][]string // the matrix's rows, labels printed, for the page to show
	MatrixLevels  []string
	MatrixColumns []string
	Severity      string
	Computed      string
	// Handling.
	Moves        []web.Option
	CloseReasons []string
	NeedsReview  bool
	Details      *Details
	Entries      []EntryRow
	Agents       []web.Option // agents the CISO may name, not named yet
	CISOs        []web.Option
	TaskOwners   []web.Option
	Tasks        []TaskRow
	Evidence     []EvidenceRow
	Custody      []CustodyRow
	Tickets      []TicketRow
	Upload       ticket.UploadHint
	Decisions    DecisionView
	// Deadlines are the incident's clocks and notices (deadline_view.go).
	Deadlines *DeadlineSection
	// Values are the incident's current values of the forms' fields, by field name: what
	// a form shows when it did not just come back with the person's input.
	Values map[string]string
}

// TaskRow is a task, ready to print.
type TaskRow struct {
	ID      int64
	Title   string
	Owner   string
	Due     string
	Overdue bool
	Done    string
}

// EvidenceRow is an evidence file, ready to print.
type EvidenceRow struct {
	ID       int64
	URL      string
	Name     string
	Size     string
	SHA256   string
	Uploader string
	Uploaded string
}

// CustodyRow is an event of the chain of custody, ready to print.
type CustodyRow struct {
	At     string
	Action string
	Who    string
	File   string
}

// TicketRow is a linked ticket.
type TicketRow struct {
	Path      string
	Reference string
	Subject   string
}

// DecisionView is the triage decisions as the form shows them.
type DecisionView struct {
	Breach   string // "", "yes", "no"
	NIS2     string
	AwareSet bool
}

func printed(lang string, t *time.Time) string {
	if t == nil {
		return ""
	}
	return web.DateIn(lang, t.In(zone))
}

func local(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(zone).Format("2006-01-02T15:04")
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}

func (h *Handler) entries(d *Details, lang string) []EntryRow {
	var es []EntryRow
	for _, e := range d.Timeline {
		author := ""
		if e.AuthorName != nil {
			author = *e.AuthorName
		}
		body := e.Body
		if e.Kind == Action { // a fixed phrase (translated) and its detail: timelineAction
			what, detail, ok := strings.Cut(body, ": ")
			body = i18n.T(lang, what)
			if ok {
				body += ": " + detail
			}
		}
		es = append(es, EntryRow{At: web.DateIn(lang, e.At.In(zone)), Author: author, Note: e.Kind == Note, ForReporter: e.ForReporter, Body: body})
	}
	return es
}

// renderIncident renders incident id's page for the viewer, with form (and status) when a
// form of it came back.
func (h *Handler) renderIncident(c echo.Context, status int, id int64, form web.Form) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	scope := ScopeOf(v)
	st := NewStore(h.db)
	inc, err := st.Get(ctx, scope, id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	d, err := st.Details(ctx, scope, id)
	if err != nil {
		return err
	}
	role := RoleOf(v, inc)
	if role == AsReporter {
		p := h.render.NewPage(c, inc.Reference)
		p.Form = form
		p.Data = ReporterPage{Inc: inc, StateLabel: i18n.T(v.Lang, inc.State.ReporterLabel()), Reported: printed(v.Lang, &inc.ReportedAt),
			Noticed: printed(v.Lang, inc.NoticedAt), Entries: h.entries(d, v.Lang), ZoneName: zone.String()}
		return c.Render(status, tplReporter, p)
	}
	if !v.Satisfies(access.SecondFactor) {
		// The full incident is for a session past the password (the handling routes ask
		// the same of their route): step up, and come back here.
		return c.Redirect(http.StatusSeeOther, auth.SecondFactorPath+"?next="+url.QueryEscape(c.Request().URL.RequestURI()))
	}
	data := FullPage{Inc: inc, Role: role, CISO: role == AsCISO, ZoneName: zone.String(), Details: d, Entries: h.entries(d, v.Lang),
		Taxonomy: Taxonomy, Upload: h.svc.limits.Hint(v.Lang)}
	data.Times = map[string]string{
		"reported": printed(v.Lang, &inc.ReportedAt), "noticed": printed(v.Lang, inc.NoticedAt), "occurred": printed(v.Lang, inc.OccurredAt),
		"detected": printed(v.Lang, inc.DetectedAt), "aware": printed(v.Lang, &inc.AwareAt), "significant": printed(v.Lang, inc.SignificantAt),
		"triaged": printed(v.Lang, inc.TriagedAt), "contained": printed(v.Lang, inc.ContainedAt), "resolved": printed(v.Lang, inc.ResolvedAt),
		"closed": printed(v.Lang, inc.ClosedAt), "reviewed": printed(v.Lang, inc.ReviewedAt), "breach_decided": printed(v.Lang, inc.PersonalBreachDecidedAt),
		"occurred_local": local(inc.OccurredAt), "detected_local": local(inc.DetectedAt), "aware_local": local(&inc.AwareAt),
	}
	if c, t, ok := TaxonomyOf(inc.TaxonomyClass, inc.TaxonomyType); ok {
		data.ClassLabel, data.TypeLabel = i18n.T(v.Lang, c.Label), i18n.T(v.Lang, t.Label)
	}
	for _, l := range Levels {
		data.Levels = append(data.Levels, web.Option{Value: string(l), Label: i18n.T(v.Lang, l.Label())})
		data.MatrixLevels = append(data.MatrixLevels, i18n.T(v.Lang, l.Label()))
	}
	for _, u := range Urgencies {
		data.Urgencies = append(data.Urgencies, web.Option{Value: string(u), Label: i18n.T(v.Lang, u.Label())})
		data.MatrixColumns = append(data.MatrixColumns, i18n.T(v.Lang, u.Label()))
	}
	for _, s := range Severities {
		data.Severities = append(data.Severities, web.Option{Value: string(s), Label: i18n.T(v.Lang, s.Label())})
	}
	for _, row := range Matrix {
		var cells []string
		for _, s := range row {
			cells = append(cells, i18n.T(v.Lang, s.Label()))
		}
		data.Matrix = append(data.Matrix, cells)
	}
	data.Severity = i18n.T(v.Lang, inc.SeverityNow().Label())
	if inc.SeverityComputed != nil {
		data.Computed = i18n.T(v.Lang, inc.SeverityComputed.Label())
	}
	for _, s := range Moves(inc.State, role) {
		data.Moves = append(data.Moves, web.Option{Value: string(s), Label: i18n.T(v.Lang, s.Label())})
	}
	if inc.State == Resolved {
		reasons, err := st.CloseRefusals(ctx, inc)
		if err != nil {
			return err
		}
		for _, r := range reasons {
			data.CloseReasons = append(data.CloseReasons, i18n.T(v.Lang, r))
		}
	}
	data.NeedsReview = inc.SeverityNow().NeedsReview()
	if data.Deadlines, err = h.DeadlineSectionFor(c, id); err != nil {
		return err
	}
	if role == AsCISO {
		agents, err := st.Agents(ctx)
		if err != nil {
			return err
		}
		named := map[int64]bool{}
		for _, hd := range d.Handlers {
			named[hd.UserID] = true
		}
		for _, a := range agents {
			if !named[a.ID] {
				data.Agents = append(data.Agents, web.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name})
			}
		}
		cisos, err := st.CISOs(ctx)
		if err != nil {
			return err
		}
		for _, p := range cisos {
			data.CISOs = append(data.CISOs, web.Option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name})
		}
	}
	owners, err := h.svc.TaskOwners(ctx, d.Handlers)
	if err != nil {
		return err
	}
	for _, p := range owners {
		data.TaskOwners = append(data.TaskOwners, web.Option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name})
	}
	now := h.svc.Now()
	for _, t := range d.Tasks {
		row := TaskRow{ID: t.ID, Title: t.Title, Due: printed(v.Lang, t.DueAt), Done: printed(v.Lang, t.DoneAt)}
		if t.OwnerName != nil {
			row.Owner = *t.OwnerName
		}
		row.Overdue = t.DoneAt == nil && t.DueAt != nil && t.DueAt.Before(now)
		data.Tasks = append(data.Tasks, row)
	}
	files := map[int64]string{}
	for _, e := range d.Evidence {
		row := EvidenceRow{ID: e.ID, URL: EvidenceURL(e), Name: e.Filename, Size: ticket.FormatSize(v.Lang, e.Size), SHA256: e.SHA256,
			Uploaded: web.DateIn(v.Lang, e.UploadedAt.In(zone))}
		if e.UploaderName != nil {
			row.Uploader = *e.UploaderName
		}
		files[e.ID] = e.Filename
		data.Evidence = append(data.Evidence, row)
	}
	for _, cu := range d.Custody {
		row := CustodyRow{At: web.DateIn(v.Lang, cu.At.In(zone)), File: files[cu.EvidenceID], Action: i18n.T(v.Lang, "Downloaded")}
		if cu.Action == "incident.evidence_upload" {
			row.Action = i18n.T(v.Lang, "Uploaded")
		}
		if cu.ActorName != nil {
			row.Who = *cu.ActorName
		}
		data.Custody = append(data.Custody, row)
	}
	for _, t := range d.Tickets {
		data.Tickets = append(data.Tickets, TicketRow{Path: "/tickets/" + strconv.FormatInt(t.TicketID, 10),
			Reference: ticket.Reference(t.TicketID, t.CreatedAt), Subject: t.Subject})
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	data.Values = map[string]string{
		"taxonomy": "", "impact_c": str((*string)(inc.ImpactC)), "impact_i": str((*string)(inc.ImpactI)), "impact_a": str((*string)(inc.ImpactA)),
		"urgency": str((*string)(inc.Urgency)), "severity_override": str((*string)(inc.SeverityOverride)),
		"override_reason": inc.SeverityOverrideReason, "aware_justification": inc.AwareJustification,
		"personal_breach": yesNo(inc.PersonalBreach), "breach_rationale": inc.PersonalBreachRationale,
		"nis2_significant": yesNo(inc.NIS2Significant), "nis2_rationale": inc.NIS2Rationale,
		"review_what_happened": inc.ReviewWhatHappened, "review_root_cause": inc.ReviewRootCause,
		"review_changes": inc.ReviewChanges, "review_lessons": inc.ReviewLessons,
		"owner_id": "",
	}
	if inc.TaxonomyClass != "" {
		data.Values["taxonomy"] = inc.TaxonomyClass + "/" + inc.TaxonomyType
	}
	if inc.OwnerID != nil {
		data.Values["owner_id"] = strconv.FormatInt(*inc.OwnerID, 10)
	}
	if inc.AwareJustification != "" {
		data.Values["aware_at"] = local(&inc.AwareAt)
	}
	data.Values["occurred_at"], data.Values["detected_at"] = local(inc.OccurredAt), local(inc.DetectedAt)
	data.Decisions = DecisionView{Breach: yesNo(inc.PersonalBreach), NIS2: yesNo(inc.NIS2Significant), AwareSet: inc.AwareJustification != ""}
	p := h.render.NewPage(c, inc.Reference)
	p.Form = form
	if form.Values == nil {
		p.Form.Values = url.Values{}
	}
	p.Data = data
	return c.Render(status, tplFull, p)
}

// EvidenceURL is where an evidence file is downloaded.
func EvidenceURL(e Evidence) string {
	return Path(e.IncidentID) + "/evidence/" + strconv.FormatInt(e.ID, 10) + "/" + url.PathEscape(e.Filename)
}

// ---- Changes ----

// done answers a change that succeeded: back to the incident's page, with msg.
func (h *Handler) done(c echo.Context, id int64, msg string) error {
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, msg))
	return web.Redirect(c, Path(id))
}

// failed answers a change the service refused: not found (404) for an incident the person
// may not see, 403 for a change their role on it does not allow, and the page again
// with the message beside field (422) for anything else the person can put right.
func (h *Handler) failed(c echo.Context, id int64, form web.Form, field string, err error) error {
	lang := web.ViewerOf(c).Lang
	var refused *CloseRefusedError
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ticket.ErrNotFound):
		return echo.ErrNotFound
	case errors.As(err, &refused):
		var msgs []string
		for _, r := range refused.Reasons {
			msgs = append(msgs, i18n.T(lang, r))
		}
		form.Fail(field, strings.Join(msgs, " "))
	case errors.Is(err, ErrBadMove):
		form.Fail(field, i18n.T(lang, "The incident cannot move there from where it is now."))
	case errors.Is(err, ErrNotAgent):
		form.Fail(field, i18n.T(lang, "Choose one of the options offered."))
	case errors.Is(err, ErrNotCISO):
		form.Fail(field, i18n.T(lang, "Choose one of the options offered."))
	case errors.Is(err, ErrNotAllowed):
		return echo.ErrForbidden
	default:
		return err
	}
	return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
}

// bind reads the route's incident and binds the form of a change into dst.
func (h *Handler) bind(c echo.Context, dst any) (int64, web.Form, error) {
	id, err := incidentID(c)
	if err != nil {
		return 0, web.Form{}, err
	}
	form, err := h.validate.Bind(c, dst)
	return id, form, err
}

type classifyForm struct {
	Taxonomy   string `form:"taxonomy" validate:"required"`
	C          string `form:"impact_c" validate:"required,oneof=none low medium high"`
	I          string `form:"impact_i" validate:"required,oneof=none low medium high"`
	A          string `form:"impact_a" validate:"required,oneof=none low medium high"`
	Urgency    string `form:"urgency" validate:"required,oneof=low medium high"`
	OccurredAt string `form:"occurred_at"`
	DetectedAt string `form:"detected_at"`
}

// Classify sets the classification and so the severity.
func (h *Handler) Classify(c echo.Context) error {
	var f classifyForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return err
	}
	class, typ, _ := strings.Cut(f.Taxonomy, "/")
	if _, _, ok := TaxonomyOf(class, typ); !ok && f.Taxonomy != "" {
		form.Fail("taxonomy", i18n.T(web.ViewerOf(c).Lang, "Choose one of the options offered."))
	}
	occurred := h.readTime(c, &form, "occurred_at", f.OccurredAt)
	detected := h.readTime(c, &form, "detected_at", f.DetectedAt)
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	err = h.svc.Classify(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, Classification{Class: class, Type: typ,
		C: Level(f.C), I: Level(f.I), A: Level(f.A), Urgency: Urgency(f.Urgency), OccurredAt: occurred, DetectedAt: detected})
	if err != nil {
		return h.failed(c, id, form, "taxonomy", err)
	}
	return h.done(c, id, "Classification saved.")
}

type severityForm struct {
	Severity string `form:"severity_override" validate:"omitempty,oneof=low medium high critical"`
	Reason   string `form:"override_reason" validate:"required_with=Severity,max=2000"`
}

// OverrideSeverity sets or clears the CISO's override of the severity.
func (h *Handler) OverrideSeverity(c echo.Context) error {
	var f severityForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	if err := h.svc.OverrideSeverity(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, Severity(f.Severity), f.Reason); err != nil {
		return h.failed(c, id, form, "severity_override", err)
	}
	return h.done(c, id, "Severity saved.")
}

type decisionsForm struct {
	AwareAt        string `form:"aware_at"`
	AwareWhy       string `form:"aware_justification" validate:"max=4000"`
	Breach         string `form:"personal_breach" validate:"omitempty,oneof=yes no"`
	BreachWhy      string `form:"breach_rationale" validate:"max=4000"`
	Significant    string `form:"nis2_significant" validate:"omitempty,oneof=yes no"`
	SignificantWhy string `form:"nis2_rationale" validate:"max=4000"`
}

func decision(s string) *bool {
	if s == "" {
		return nil
	}
	b := s == "yes"
	return &b
}

// Decide records the CISO's triage decisions.
func (h *Handler) Decide(c echo.Context) error {
	var f decisionsForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	aware := h.readTime(c, &form, "aware_at", f.AwareAt)
	need := i18n.T(lang, "Give the reason for this decision.")
	if aware != nil && f.AwareWhy == "" {
		form.Fail("aware_justification", need)
	}
	if f.Breach != "" && f.BreachWhy == "" {
		form.Fail("breach_rationale", need)
	}
	if f.Significant != "" && f.SignificantWhy == "" {
		form.Fail("nis2_rationale", need)
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	err = h.svc.Decide(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, Decisions{AwareAt: aware, AwareJustification: f.AwareWhy,
		PersonalBreach: decision(f.Breach), PersonalBreachRationale: f.BreachWhy, NIS2Significant: decision(f.Significant), NIS2Rationale: f.SignificantWhy})
	if err != nil {
		return h.failed(c, id, form, "personal_breach", err)
	}
	return h.done(c, id, "Decisions saved.")
}

type personForm struct {
	UserID string `form:"user_id" validate:"required"`
}

func (h *Handler) person(c echo.Context) (int64, int64, web.Form, error) {
	var f personForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return 0, 0, form, err
	}
	uid, perr := strconv.ParseInt(f.UserID, 10, 64)
	if f.UserID != "" && (perr != nil || uid <= 0) {
		form.Fail("user_id", i18n.T(web.ViewerOf(c).Lang, "Choose one of the options offered."))
	}
	return id, uid, form, nil
}

// AddHandler names a handler.
func (h *Handler) AddHandler(c echo.Context) error {
	id, uid, form, err := h.person(c)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	if err := h.svc.AddHandler(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, uid); err != nil {
		return h.failed(c, id, form, "user_id", err)
	}
	return h.done(c, id, "Handler named.")
}

// RemoveHandler removes a handler.
func (h *Handler) RemoveHandler(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	uid, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil || uid <= 0 {
		return echo.ErrNotFound
	}
	if err := h.svc.RemoveHandler(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, uid); err != nil {
		return h.failed(c, id, web.Form{}, "user_id", err)
	}
	return h.done(c, id, "Handler removed.")
}

// SetOwner sets the owning CISO.
func (h *Handler) SetOwner(c echo.Context) error {
	id, uid, form, err := h.person(c)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	if err := h.svc.SetOwner(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, uid); err != nil {
		return h.failed(c, id, form, "owner_id", err)
	}
	return h.done(c, id, "Owner saved.")
}

type moveForm struct {
	State  string `form:"state" validate:"required"`
	Reason string `form:"not_incident_reason" validate:"max=4000"`
}

// Move moves the incident to another state.
func (h *Handler) Move(c echo.Context) error {
	var f moveForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return err
	}
	if State(f.State) == NotIncident && f.Reason == "" {
		form.Fail("not_incident_reason", i18n.T(web.ViewerOf(c).Lang, "Say why this is not an incident."))
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	if err := h.svc.Move(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, State(f.State), f.Reason); err != nil {
		return h.failed(c, id, form, "state", err)
	}
	return h.done(c, id, "State changed.")
}

type noteForm struct {
	Body string `form:"note" validate:"required,max=20000"`
	Tell string `form:"tell_reporter"`
}

// AddNote adds a note to the timeline.
func (h *Handler) AddNote(c echo.Context) error {
	var f noteForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	if err := h.svc.AddNote(web.Once(c, Path(id)), web.Actor(c), web.ViewerOf(c), id, f.Body, f.Tell != ""); err != nil {
		return h.failed(c, id, form, "note", err)
	}
	if f.Tell != "" {
		return h.done(c, id, "Note added; the reporter can read it.")
	}
	return h.done(c, id, "Internal note added.")
}

type taskForm struct {
	Title string `form:"task_title" validate:"required,max=500"`
	Owner string `form:"task_owner"`
	Due   string `form:"task_due"`
}

// AddTask adds a task.
func (h *Handler) AddTask(c echo.Context) error {
	var f taskForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return err
	}
	due := h.readTime(c, &form, "task_due", f.Due)
	var owner int64
	if f.Owner != "" {
		if owner, err = strconv.ParseInt(f.Owner, 10, 64); err != nil || owner <= 0 {
			form.Fail("task_owner", i18n.T(web.ViewerOf(c).Lang, "Choose one of the options offered."))
		}
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	if err := h.svc.AddTask(web.Once(c, Path(id)), web.Actor(c), web.ViewerOf(c), id, f.Title, owner, due); err != nil {
		return h.failed(c, id, form, "task_owner", err)
	}
	return h.done(c, id, "Task added.")
}

// CompleteTask marks a task done.
func (h *Handler) CompleteTask(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	tid, err := strconv.ParseInt(c.Param("task"), 10, 64)
	if err != nil || tid <= 0 {
		return echo.ErrNotFound
	}
	if err := h.svc.CompleteTask(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, tid); err != nil {
		return h.failed(c, id, web.Form{}, "task_title", err)
	}
	return h.done(c, id, "Task done.")
}

// AddEvidence keeps evidence files.
func (h *Handler) AddEvidence(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	form := web.Form{Values: url.Values{}}
	files, err := h.uploads(c, &form, "evidence")
	if err != nil {
		return err
	}
	if len(files) == 0 && !form.Invalid() {
		form.Fail("evidence", i18n.T(web.ViewerOf(c).Lang, "Choose at least one file."))
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	err = h.svc.AddEvidence(web.Once(c, Path(id)), web.Actor(c), web.ViewerOf(c), id, files)
	if refusedFiles(c, &form, "evidence", err, h.svc.limits) {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	if err != nil {
		return h.failed(c, id, form, "evidence", err)
	}
	return h.done(c, id, "Evidence added.")
}

// Download sends an evidence file to someone who sees the incident in full; to anyone
// else it is not found. Every download is an event of the chain of custody.
func (h *Handler) Download(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	eid, err := strconv.ParseInt(c.Param("eid"), 10, 64)
	if err != nil || eid <= 0 {
		return echo.ErrNotFound
	}
	e, r, err := h.svc.Download(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, eid)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer r.Close()
	return ticket.SendFile(c, e.Filename, e.ContentType, e.Size, r)
}

type reviewForm struct {
	WhatHappened string `form:"review_what_happened" validate:"required,max=20000"`
	RootCause    string `form:"review_root_cause" validate:"required,max=20000"`
	Changes      string `form:"review_changes" validate:"required,max=20000"`
	Lessons      string `form:"review_lessons" validate:"required,max=20000"`
}

// WriteReview writes the post-incident review.
func (h *Handler) WriteReview(c echo.Context) error {
	var f reviewForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	err = h.svc.WriteReview(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, Review{WhatHappened: f.WhatHappened,
		RootCause: f.RootCause, Changes: f.Changes, Lessons: f.Lessons})
	if err != nil {
		return h.failed(c, id, form, "review_what_happened", err)
	}
	return h.done(c, id, "Post-incident review saved.")
}

type orgForm struct {
	Name string `form:"org_name" validate:"required,max=200"`
}

// AddOrganisation names an affected organisation.
func (h *Handler) AddOrganisation(c echo.Context) error {
	var f orgForm
	id, form, err := h.bind(c, &f)
	if err != nil {
		return err
	}
	var org int64
	if !form.Invalid() {
		o, err := user.ReadOrganisation(c.Request().Context(), h.db, f.Name)
		var ne *user.OrganisationNameError
		switch {
		case errors.As(err, &ne):
			form.Fail("org_name", i18n.T(web.ViewerOf(c).Lang, ne.Message()))
		case err != nil:
			return err
		}
		org = o.ID
	}
	if form.Invalid() {
		return h.renderIncident(c, http.StatusUnprocessableEntity, id, form)
	}
	if err := h.svc.AddOrganisation(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, org); err != nil {
		return h.failed(c, id, form, "org_name", err)
	}
	return h.done(c, id, "Organisation added.")
}

// RemoveOrganisation removes an affected organisation.
func (h *Handler) RemoveOrganisation(c echo.Context) error {
	id, err := incidentID(c)
	if err != nil {
		return err
	}
	org, err := strconv.ParseInt(c.Param("org"), 10, 64)
	if err != nil || org <= 0 {
		return echo.ErrNotFound
	}
	if err := h.svc.RemoveOrganisation(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, org); err != nil {
		return h.failed(c, id, web.Form{}, "org_name", err)
	}
	return h.done(c, id, "Organisation removed.")
}

// ---- From a ticket ----

func ticketParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("ticket"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// FromTicket turns a customer ticket into a new incident, reported by the agent.
func (h *Handler) FromTicket(c echo.Context) error {
	tid, err := ticketParam(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	summary := strings.TrimSpace(c.FormValue("incident_summary"))
	if !web.Storable(summary) || len(summary) > 10000 {
		summary = ""
	}
	inc, err := h.svc.FromTicket(web.Once(c, ""), web.Actor(c), v, tid, summary)
	switch {
	case errors.Is(err, ticket.ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, ErrNotAllowed):
		return echo.ErrForbidden
	case err != nil:
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Security incident %s was reported from this ticket. The CISO has been told; the ticket goes on answering the customer.", inc.Reference))
	return web.Redirect(c, "/tickets/"+strconv.FormatInt(tid, 10))
}

// LinkTicket links a customer ticket to an incident the agent handles.
func (h *Handler) LinkTicket(c echo.Context) error {
	tid, err := ticketParam(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	ref := strings.TrimSpace(c.FormValue("incident_reference"))
	if !web.Storable(ref) || len(ref) > 40 {
		ref = ""
	}
	_, err = h.svc.LinkTicket(c.Request().Context(), web.Actor(c), v, tid, ref)
	switch {
	case errors.Is(err, ticket.ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, ErrNotFound):
		web.Flash(c, i18n.T(v.Lang, "No incident you handle has the reference %q.", ref))
	case errors.Is(err, ErrNotAllowed):
		return echo.ErrForbidden
	case err != nil:
		return err
	default:
		web.Flash(c, i18n.T(v.Lang, "The ticket was linked to incident %s.", strings.ToUpper(ref)))
	}
	return web.Redirect(c, "/tickets/"+strconv.FormatInt(tid, 10))
}

// ---- Files ----

// uploads takes the files sent in field and checks them as a ticket's attachments are
// checked: a refused file fails the form beside the field.
func (h *Handler) uploads(c echo.Context, form *web.Form, field string) ([]ticket.File, error) {
	mf := c.Request().MultipartForm
	if mf == nil {
		return nil, nil
	}
	var files []ticket.File
	for _, fh := range mf.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		files = append(files, ticket.File{Name: fh.Filename, Size: fh.Size, Open: func() (io.ReadCloser, error) { return fh.Open() }})
	}
	if _, err := h.svc.limits.Check(files); err != nil {
		var fe *ticket.FileError
		if !errors.As(err, &fe) {
			return nil, echo.NewHTTPError(http.StatusBadRequest, "the form could not be read").SetInternal(err)
		}
		failFile(c, form, field, fe, h.svc.limits)
		return nil, nil
	}
	return files, nil
}

// failFile fails the form beside field with what a person reads about refused file fe.
func failFile(c echo.Context, form *web.Form, field string, fe *ticket.FileError, limits ticket.AttachmentLimits) {
	lang := web.ViewerOf(c).Lang
	var msg string
	switch fe.Reason {
	case ticket.TooManyFiles:
		msg = i18n.T(lang, "Attach at most %d files to one message. Choose the files again.", limits.MaxFiles)
	case ticket.FileTooLarge:
		msg = i18n.T(lang, "%s is larger than %s, the limit for one file. Choose the files again, without it.", fe.Name, ticket.FormatSize(lang, limits.MaxSize))
	case ticket.FileEmpty:
		msg = i18n.T(lang, "%s is empty. Choose the files again, without it.", fe.Name)
	default:
		msg = i18n.T(lang, "%s is not a kind of file Tugi accepts: attach images (PNG, JPEG, GIF, WebP), PDF, text (TXT, CSV, LOG), ZIP, office documents (ODT, ODS, DOCX, XLSX, PPTX) or e-mails (EML). Choose the files again, without it.", fe.Name)
	}
	form.Fail(field, msg)
}

func refusedFiles(c echo.Context, form *web.Form, field string, err error, limits ticket.AttachmentLimits) bool {
	var fe *ticket.FileError
	if !errors.As(err, &fe) {
		return false
	}
	failFile(c, form, field, fe, limits)
	return true
}

func filesLost(c echo.Context, form *web.Form, field string, files []ticket.File) {
	if form.Invalid() && len(files) > 0 {
		form.Fail(field, i18n.T(web.ViewerOf(c).Lang, "Your files were not sent yet: choose them again, as a browser cannot keep them."))
	}
}
