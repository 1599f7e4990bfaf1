package routing

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
	"tugi/app/sla"
	"tugi/app/user"
	"tugi/app/web"
)

// Template names of the routing pages.
const (
	tplRules    = "admin/routing"
	tplRule     = "admin/routing_rule"
	tplTeams    = "admin/teams"
	tplHandBack = "routing/hand_back"
)

// Limits of a rule's subject words.
const (
	maxWords   = 20
	maxWordLen = 50
)

// Admin serves the admin pages of routing rules and teams, and the agents' availability
// and hand-back.
type Admin struct {
	db       *sqlx.DB
	tickets  Reassigner
	render   *web.Renderer
	validate *web.Validator
}

// Options are what the routing handlers are built from.
type Options struct {
	DB        *sqlx.DB
	Tickets   Reassigner // writes a hand-back's changes of tickets: the ticket service
	Renderer  *web.Renderer
	Validator *web.Validator
}

// NewAdmin returns the routing handlers.
func NewAdmin(o Options) *Admin {
	return &Admin{db: o.DB, tickets: o.Tickets, render: o.Renderer, validate: o.Validator}
}

// RulesPage is the data of the routing rules page and of a rule's page.
type RulesPage struct {
	Rules      []Rule
	Rule       *Rule // the rule being edited; nil on the list
	Categories []Option
	Teams      []Option
	Priorities []sla.Priority
}

// Rules lists the routing rules in order, with a form for a new one.
func (a *Admin) Rules(c echo.Context) error {
	return a.renderRules(c, http.StatusOK, tplRules, nil, web.Form{})
}

func (a *Admin) renderRules(c echo.Context, status int, tpl string, r *Rule, form web.Form) error {
	ctx := c.Request().Context()
	st := NewStore(a.db)
	data := RulesPage{Rule: r, Priorities: sla.Priorities}
	var err error
	if data.Rules, err = st.Rules(ctx); err != nil {
		return err
	}
	for i := range data.Rules {
		data.Rules[i].Number = i + 1
	}
	if data.Categories, err = st.Categories(ctx); err != nil {
		return err
	}
	if data.Teams, err = st.TeamOptions(ctx); err != nil {
		return err
	}
	if form.Values == nil && r != nil {
		form.Values = ruleValues(r)
	}
	title := "Routing"
	if tpl == tplRule {
		title = "Routing rule"
	}
	p := a.render.NewPage(c, title)
	p.Form = form
	p.Data = data
	return c.Render(status, tpl, p)
}

// ruleValues writes r as the rule form's fields.
func ruleValues(r *Rule) url.Values {
	v := url.Values{}
	if r.CategoryID != nil {
		v.Set("category_id", strconv.FormatInt(*r.CategoryID, 10))
	}
	if r.Org != nil {
		v.Set("org_name", *r.Org)
	}
	if r.Priority != nil {
		v.Set("priority", string(*r.Priority))
	}
	v.Set("words", strings.Join(r.Words, " "))
	v.Set("team_id", strconv.FormatInt(r.TeamID, 10))
	if r.RaiseTo != nil {
		v.Set("raise_to", string(*r.RaiseTo))
	}
	return v
}

type ruleForm struct {
	CategoryID string `form:"category_id"`
	OrgName    string `form:"org_name" validate:"max=200"`
	Priority   string `form:"priority"`
	Words      string `form:"words" validate:"max=1000"`
	TeamID     string `form:"team_id" validate:"required"`
	RaiseTo    string `form:"raise_to"`
}

// readRule reads and checks the rule form; the Form says what is wrong.
func (a *Admin) readRule(c echo.Context) (*Rule, web.Form, error) {
	var f ruleForm
	form, err := a.validate.Bind(c, &f)
	if err != nil {
		return nil, form, err
	}
	ctx := c.Request().Context()
	st := NewStore(a.db)
	r := &Rule{}
	choose := "Choose one of the options offered."
	pick := func(field, value string, list func() ([]Option, error), dst **int64) error {
		if value == "" {
			return nil
		}
		options, err := list()
		if err != nil {
			return err
		}
		id, perr := strconv.ParseInt(value, 10, 64)
		if perr != nil || !slices.ContainsFunc(options, func(o Option) bool { return o.ID == id }) {
			form.Fail(field, choose)
			return nil
		}
		*dst = &id
		return nil
	}
	if err := pick("category_id", f.CategoryID, func() ([]Option, error) { return st.Categories(ctx) }, &r.CategoryID); err != nil {
		return nil, form, err
	}
	if strings.TrimSpace(f.OrgName) != "" {
		o, err := user.ReadOrganisation(ctx, a.db, f.OrgName)
		var named *user.OrganisationNameError
		switch {
		case errors.As(err, &named):
			form.Fail("org_name", named.Message())
		case err != nil:
			return nil, form, err
		default:
			r.OrgID = &o.ID
		}
	}
	var team *int64
	if err := pick("team_id", f.TeamID, func() ([]Option, error) { return st.TeamOptions(ctx) }, &team); err != nil {
		return nil, form, err
	}
	if team != nil {
		r.TeamID = *team
	}
	for _, p := range []struct {
		field, value string
		dst          **sla.Priority
	}{{"priority", f.Priority, &r.Priority}, {"raise_to", f.RaiseTo, &r.RaiseTo}} {
		if p.value != "" && !slices.Contains(sla.Priorities, sla.Priority(p.value)) {
			form.Fail(p.field, choose)
		}
		*p.dst = priorityPtr(p.value)
	}
	words, ok := parseWords(f.Words)
	if !ok {
		form.Fail("words", "Write up to 20 words of letters and digits, separated by spaces or commas.")
	}
	r.Words = words
	return r, form, nil
}

// parseWords reads the subject words of a rule: separated by white space or commas, in
// lower case, each once, in the order given.
func parseWords(s string) ([]string, bool) {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		lw := Words(w)
		if len(lw) != 1 || lw[0] != strings.ToLower(w) || len([]rune(w)) > maxWordLen {
			return nil, false
		}
		if !slices.Contains(out, lw[0]) {
			out = append(out, lw[0])
		}
	}
	return out, len(out) <= maxWords
}

// OrganisationOptions suggests the organisations whose name begins with ?org_name=, for
// the rule form's organisation field.
func (a *Admin) OrganisationOptions(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	var os []user.OrgName
	if name := strings.TrimSpace(c.QueryParam("org_name")); name != "" {
		var err error
		if os, err = user.OrganisationsNamed(c.Request().Context(), a.db, name, 20); err != nil {
			return err
		}
	}
	return c.Render(http.StatusOK, tplRules+"#org-options", os)
}

// CreateRule adds a rule at the end of the list.
func (a *Admin) CreateRule(c echo.Context) error {
	r, form, err := a.readRule(c)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return a.renderRules(c, http.StatusUnprocessableEntity, tplRules, nil, form)
	}
	if _, err := CreateRule(web.Once(c, "/admin/routing"), a.db, web.Actor(c), r); err != nil {
		return err
	}
	return a.done(c, "Routing rule added.")
}

func (a *Admin) done(c echo.Context, msg string) error {
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, msg))
	return web.Redirect(c, "/admin/routing")
}

func (a *Admin) loadRule(c echo.Context) (*Rule, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.ErrNotFound
	}
	r, err := NewStore(a.db).Rule(c.Request().Context(), id, false)
	if errors.Is(err, ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	return r, err
}

// Rule shows a rule's form.
func (a *Admin) Rule(c echo.Context) error {
	r, err := a.loadRule(c)
	if err != nil {
		return err
	}
	return a.renderRules(c, http.StatusOK, tplRule, r, web.Form{})
}

// UpdateRule saves a rule's conditions and action.
func (a *Admin) UpdateRule(c echo.Context) error {
	old, err := a.loadRule(c)
	if err != nil {
		return err
	}
	r, form, err := a.readRule(c)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return a.renderRules(c, http.StatusUnprocessableEntity, tplRule, old, form)
	}
	r.ID = old.ID
	err = UpdateRule(c.Request().Context(), a.db, web.Actor(c), r)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return a.done(c, "Routing rule saved.")
}

// MoveRule moves a rule one place up or down (direction=up or down).
func (a *Admin) MoveRule(c echo.Context) error {
	r, err := a.loadRule(c)
	if err != nil {
		return err
	}
	dir := c.FormValue("direction")
	if dir != "up" && dir != "down" {
		return echo.NewHTTPError(http.StatusBadRequest, "direction must be up or down")
	}
	err = MoveRule(c.Request().Context(), a.db, web.Actor(c), r.ID, dir == "up")
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return a.done(c, "Routing rule moved.")
}

// DeleteRule removes a rule.
func (a *Admin) DeleteRule(c echo.Context) error {
	r, err := a.loadRule(c)
	if err != nil {
		return err
	}
	err = DeleteRule(c.Request().Context(), a.db, web.Actor(c), r.ID)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return a.done(c, "Routing rule deleted.")
}

// ---- Teams ----

// TeamsPage is the data of the teams page.
type TeamsPage struct {
	Teams   []Team // in service
	Retired []Team
	// Refused says why retiring a team was refused: the rules and tickets that still
	// target it (nil when nothing was refused).
	Refused *Refusal
}

// Refusal is a refused retirement: the team and what still targets it.
type Refusal struct {
	TeamID int64
	InUseError
}

// Teams lists the teams with their members and assignment caps, those retired apart.
func (a *Admin) Teams(c echo.Context) error {
	return a.renderTeams(c, http.StatusOK, web.Form{}, nil)
}

func (a *Admin) renderTeams(c echo.Context, status int, form web.Form, refused *Refusal) error {
	ctx := c.Request().Context()
	st := NewStore(a.db)
	ts, err := st.Teams(ctx)
	if err != nil {
		return err
	}
	agents, err := st.Agents(ctx)
	if err != nil {
		return err
	}
	data := TeamsPage{Refused: refused}
	for _, t := range ts {
		for _, ag := range agents {
			if !slices.ContainsFunc(t.Members, func(m Member) bool { return m.UserID == ag.ID }) {
				t.Candidates = append(t.Candidates, ag)
			}
		}
		if t.RetiredAt != nil {
			data.Retired = append(data.Retired, t)
		} else {
			data.Teams = append(data.Teams, t)
		}
	}
	p := a.render.NewPage(c, "Teams")
	p.Form = form
	p.Data = data
	return c.Render(status, tplTeams, p)
}

// nameRefused reports whether err refuses a team's name, saying why beside field of
// form (which keeps the name as typed).
func nameRefused(form *web.Form, field, name string, err error) bool {
	form.Values = url.Values{field: {name}}
	switch {
	case errors.Is(err, ErrTeamName):
		form.Fail(field, "Give the team a name of 1 to 200 characters.")
	case errors.Is(err, ErrTeamNameTaken):
		form.Fail(field, "Another team, perhaps a retired one, has this name.")
	}
	return form.Invalid()
}

// CreateTeam adds a team.
func (a *Admin) CreateTeam(c echo.Context) error {
	name := c.FormValue("name")
	err := ErrTeamName // bytes that are not text never reach PostgreSQL
	if web.Storable(name) {
		_, err = CreateTeam(web.Once(c, "/admin/teams"), a.db, web.Actor(c), name)
	}
	if form := (web.Form{}); nameRefused(&form, "name", name, err) {
		return a.renderTeams(c, http.StatusUnprocessableEntity, form, nil)
	}
	if err != nil {
		return err
	}
	return a.teamsDone(c, "Team created.")
}

// RenameTeam gives a team a new name.
func (a *Admin) RenameTeam(c echo.Context) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	err = ErrTeamName
	if web.Storable(name) {
		err = RenameTeam(c.Request().Context(), a.db, web.Actor(c), id, name)
	}
	if form := (web.Form{}); nameRefused(&form, "name_"+strconv.FormatInt(id, 10), name, err) {
		return a.renderTeams(c, http.StatusUnprocessableEntity, form, nil)
	}
	if errors.Is(err, ErrNoSuchTeam) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return a.teamsDone(c, "Team renamed.")
}

// RetireTeam retires a team that nothing targets any more, or says what still does.
func (a *Admin) RetireTeam(c echo.Context) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	err = RetireTeam(c.Request().Context(), a.db, web.Actor(c), id)
	var inUse *InUseError
	switch {
	case errors.Is(err, ErrNoSuchTeam):
		return echo.ErrNotFound
	case errors.As(err, &inUse):
		return a.renderTeams(c, http.StatusConflict, web.Form{}, &Refusal{TeamID: id, InUseError: *inUse})
	case errors.Is(err, ErrDefaultTeam):
		return echo.NewHTTPError(http.StatusConflict, "the default team is not retired")
	case err != nil:
		return err
	}
	return a.teamsDone(c, "Team retired. It takes no new tickets and is offered nowhere.")
}

// ReinstateTeam brings a retired team back.
func (a *Admin) ReinstateTeam(c echo.Context) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	err = ReinstateTeam(c.Request().Context(), a.db, web.Actor(c), id)
	if errors.Is(err, ErrNoSuchTeam) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return a.teamsDone(c, "Team brought back.")
}

func teamID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// AddMember puts an agent in the team.
func (a *Admin) AddMember(c echo.Context) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	field := "user_id_" + strconv.FormatInt(id, 10)
	user, perr := strconv.ParseInt(c.FormValue("user_id"), 10, 64)
	if perr == nil {
		err = AddMember(c.Request().Context(), a.db, web.Actor(c), id, user)
	}
	switch {
	case errors.Is(err, ErrNoSuchTeam):
		return echo.ErrNotFound
	case perr != nil || errors.Is(err, ErrNotAnAgent):
		params, _ := c.FormParams()
		form := web.Form{Values: url.Values{field: params["user_id"]}}
		form.Fail(field, "Choose one of the options offered.")
		return a.renderTeams(c, http.StatusUnprocessableEntity, form, nil)
	case err != nil:
		return err
	}
	return a.teamsDone(c, "Team member added.")
}

// RemoveMember takes a person out of the team.
func (a *Admin) RemoveMember(c echo.Context) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	user, err := strconv.ParseInt(c.FormValue("user_id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "no such member")
	}
	if err := RemoveMember(c.Request().Context(), a.db, web.Actor(c), id, user); err != nil {
		return err
	}
	return a.teamsDone(c, "Team member removed.")
}

// SetCap sets the team's assignment cap.
func (a *Admin) SetCap(c echo.Context) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	field := "cap_" + strconv.FormatInt(id, 10)
	value := strings.TrimSpace(c.FormValue("cap"))
	n, perr := strconv.Atoi(value)
	if perr != nil || n < 0 || n > 1000 {
		form := web.Form{Values: url.Values{field: {value}}}
		form.Fail(field, "Enter a whole number from 0 to 1000.")
		return a.renderTeams(c, http.StatusUnprocessableEntity, form, nil)
	}
	err = SetCap(c.Request().Context(), a.db, web.Actor(c), id, n)
	if errors.Is(err, ErrNoSuchTeam) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return a.teamsDone(c, "Assignment cap saved.")
}

func (a *Admin) teamsDone(c echo.Context, msg string) error {
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, msg))
	return web.Redirect(c, "/admin/teams")
}

// ---- The agent's availability ----

// SetAvailability marks the signed-in agent available for new tickets or not
// (available=true or false), and returns them to the page they came from.
func (a *Admin) SetAvailability(c echo.Context) error {
	v := web.ViewerOf(c)
	on := c.FormValue("available") == "true"
	if err := SetAvailable(c.Request().Context(), a.db, web.Actor(c), v.UserID, on); err != nil {
		return err
	}
	msg := "You are unavailable: no new tickets are assigned to you."
	if on {
		msg = "You are available: new tickets are assigned to you."
	}
	web.Flash(c, i18n.T(v.Lang, msg))
	back := c.FormValue("back")
	if back != "/queue" {
		back = "/"
	}
	return web.Redirect(c, back)
}

// HandBackPage is the data of the hand-back confirmation.
type HandBackPage struct {
	Open int
}

// HandBackForm asks the agent to confirm handing back their unresolved tickets.
func (a *Admin) HandBackForm(c echo.Context) error {
	n, err := OpenAssigned(c.Request().Context(), a.db, web.ViewerOf(c).UserID)
	if err != nil {
		return err
	}
	p := a.render.NewPage(c, "Hand back my tickets")
	p.Data = HandBackPage{Open: n}
	return c.Render(http.StatusOK, tplHandBack, p)
}

// HandBack makes the agent unavailable and gives their unresolved tickets back to their
// teams.
func (a *Admin) HandBack(c echo.Context) error {
	v := web.ViewerOf(c)
	moved, waiting, err := HandBack(c.Request().Context(), a.db, a.tickets, web.Actor(c), v.UserID)
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "You are unavailable. %d tickets went to available colleagues; %d wait unassigned in the queue.", moved, waiting))
	return web.Redirect(c, "/")
}
