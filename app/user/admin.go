package user

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/i18n"
	"tugi/app/web"
)

// Template names of the admin pages.
const (
	tplUsers   = "admin/users"
	tplUserNew = "admin/user_new"
	tplUser    = "admin/user"
	tplOrgs    = "admin/organisations"
)

const pageSize = 50

// Admin serves the admin pages for users and organisations.
type Admin struct {
	db       *sqlx.DB
	service  *Service
	actions  *audit.Actions // labels the user page's history
	render   *web.Renderer
	validate *web.Validator
	// orgExport tells whether a customer may export their organisation's data; the user
	// page offers the right when it is set (orgexport.go).
	orgExport OrgExportRight
	orgs      OrgSources // what other features hold about an organisation, for its page
}

// NewAdmin returns the admin handlers.
func NewAdmin(db *sqlx.DB, service *Service, actions *audit.Actions, render *web.Renderer, validate *web.Validator) *Admin {
	return &Admin{db: db, service: service, actions: actions, render: render, validate: validate}
}

// UsersPage is the data of the user list.
type UsersPage struct {
	Users   []User
	Search  string
	Next    string // the query string of the next page, if there is one
	Waiting string // how many role changes wait for the viewer's approval; "" for none
	// WaitingFor are the people whose role change waits for the viewer's approval.
	WaitingFor []WaitingPerson
}

// WaitingPerson is a person whose role change waits for approval, as the user list links it.
type WaitingPerson struct {
	Path, Name string
}

// Users lists users, fifty at a time, optionally those matching a search.
func (a *Admin) Users(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	search := c.QueryParam("q")
	users, more, err := NewStore(a.db).List(c.Request().Context(), ListFilter{Search: search, After: c.QueryParam("after"), Limit: pageSize})
	if err != nil {
		return err
	}
	data := UsersPage{Users: users, Search: search}
	if more {
		data.Next = url.Values{"q": {search}, "after": {users[len(users)-1].Email}}.Encode()
	}
	v := web.ViewerOf(c)
	waiting, err := NewStore(a.db).OpenRoleChangesFor(c.Request().Context(), v.UserID)
	if err != nil {
		return err
	}
	switch n := len(waiting); {
	case n == 1:
		data.Waiting = i18n.T(v.Lang, "1 role change waits for your approval.")
	case n > 1:
		data.Waiting = i18n.T(v.Lang, "%d role changes wait for your approval.", n)
	}
	for _, w := range waiting {
		data.WaitingFor = append(data.WaitingFor, WaitingPerson{Path: "/admin/users/" + strconv.FormatInt(w.UserID, 10), Name: w.UserName})
	}
	p := a.render.NewPage(c, "Users")
	p.Data = data
	return c.Render(http.StatusOK, tplUsers, p)
}

// UserFormPage is the data of the new-user and user pages.
type UserFormPage struct {
	User      *User
	Roles     []access.Role
	MinLength int
	History   []audit.Entry // the user page's: what the audit log holds about the person
	// The user page's: the person's open role change, whether the page is the viewer's
	// own, and whether the viewer is the only active admin (a grant cannot be approved).
	Pending   *PendingRoleChange
	Own       bool
	OnlyAdmin bool
	// A customer's right to export their organisation's data: "yes", "no", or "" where
	// it does not apply (staff) or is not kept.
	OrgExport string
}

// PendingRoleChange is an open role change as the user page shows it.
type PendingRoleChange struct {
	ID        int64
	From, To  string // the roles' labels, translated
	AskedBy   string
	AskedAt   time.Time
	CanDecide bool // the viewer neither asked for it nor is its subject
}

// historySize is how many events the user page shows from the person's history.
const historySize = 20

func (a *Admin) renderUserForm(c echo.Context, status int, tpl, title string, u *User, form web.Form) error {
	p := a.render.NewPage(c, title)
	if form.Values == nil && u != nil {
		form.Values = url.Values{"roles": u.Roles.Strings()}
		if u.OrgName != nil {
			form.Values.Set("org_name", *u.OrgName)
		}
	}
	p.Form = form
	data := UserFormPage{User: u, Roles: access.Roles, MinLength: MinPasswordLength}
	if tpl == tplUser {
		ctx := c.Request().Context()
		var err error
		if data.History, err = audit.History(ctx, a.db, "user", strconv.FormatInt(u.ID, 10), historySize); err != nil {
			return err
		}
		if err := audit.Describe(ctx, NewAuditDirectory(a.db), a.actions, p.Lang, data.History); err != nil {
			return err
		}
		if err := audit.Unseal(ctx, a.db, data.History); err != nil {
			return err
		}
		if data.OrgExport, err = a.orgExportOf(ctx, u); err != nil {
			return err
		}
		st := NewStore(a.db)
		change, err := st.OpenRoleChange(ctx, u.ID)
		if err != nil {
			return err
		}
		v := web.ViewerOf(c)
		if change != nil {
			data.Pending = &PendingRoleChange{ID: change.ID, From: roleLabels(p.Lang, change.From), To: roleLabels(p.Lang, change.To),
				AskedBy: change.AskedByName, AskedAt: change.AskedAt, CanDecide: v.UserID != change.AskedBy && v.UserID != change.UserID}
		}
		data.Own = v.UserID == u.ID
		n, err := st.CountAdmins(ctx)
		if err != nil {
			return err
		}
		data.OnlyAdmin = n == 1
	}
	p.Data = data
	return c.Render(status, tpl, p)
}

// roleLabels returns the roles' labels in lang, joined with commas.
func roleLabels(lang string, rl RoleList) string {
	ls := make([]string, len(rl))
	for i, r := range rl {
		ls[i] = i18n.T(lang, r.Label())
	}
	return strings.Join(ls, ", ")
}

// NewUser shows the form for a new user.
func (a *Admin) NewUser(c echo.Context) error {
	return a.renderUserForm(c, http.StatusOK, tplUserNew, "New user", nil, web.Form{})
}

type newUserForm struct {
	Email    string   `form:"email" validate:"required,email,max=254"`
	Name     string   `form:"name" validate:"required,max=200"`
	Roles    []string `form:"roles" validate:"min=1,dive,oneof=customer employee agent ciso admin"`
	OrgName  string   `form:"org_name" validate:"max=200"`
	Password string   `form:"password" validate:"required,min=12,max=1000" trim:"no"`
}

// CreateUser adds a user.
func (a *Admin) CreateUser(c echo.Context) error {
	var f newUserForm
	form, err := a.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	form.Values.Del("password")
	roles, rerr := ParseRoles(f.Roles)
	if rerr != nil {
		form.Fail("roles", "Choose one of the options offered.")
	}
	orgID, err := a.readOrganisation(c, &form, f.OrgName)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return a.renderUserForm(c, http.StatusUnprocessableEntity, tplUserNew, "New user", nil, form)
	}
	hash, err := HashPassword(f.Password)
	if err != nil {
		return err
	}
	id, err := a.service.Create(web.Once(c, ""), web.Actor(c), NewUser{Email: f.Email, Name: f.Name, Roles: roles, OrgID: orgID, PasswordHash: hash})
	if field := fieldOf(err); field != "" {
		form.Fail(field, errorMessage(err))
		return a.renderUserForm(c, http.StatusUnprocessableEntity, tplUserNew, "New user", nil, form)
	}
	if err != nil {
		return err
	}
	msg := i18n.T(web.ViewerOf(c).Lang, "User %s created.", f.Email)
	change, err := NewStore(a.db).OpenRoleChange(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if change != nil {
		msg = i18n.T(web.ViewerOf(c).Lang, "User %s created. The roles agent, CISO and admin wait for another admin's approval.", f.Email)
	}
	web.Flash(c, msg)
	return web.Redirect(c, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (a *Admin) loadUser(c echo.Context) (*User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.ErrNotFound
	}
	u, err := NewStore(a.db).ByID(c.Request().Context(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	return u, err
}

// User shows one user with forms to change their roles and to deactivate them.
func (a *Admin) User(c echo.Context) error {
	u, err := a.loadUser(c)
	if err != nil {
		return err
	}
	return a.renderUserForm(c, http.StatusOK, tplUser, u.Name, u, web.Form{})
}

type rolesForm struct {
	Roles   []string `form:"roles" validate:"min=1,dive,oneof=customer employee agent ciso admin"`
	OrgName string   `form:"org_name" validate:"max=200"`
}

// SetRoles changes a user's roles and organisation.
func (a *Admin) SetRoles(c echo.Context) error {
	u, err := a.loadUser(c)
	if err != nil {
		return err
	}
	var f rolesForm
	form, err := a.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	roles, rerr := ParseRoles(f.Roles)
	if rerr != nil {
		form.Fail("roles", "Choose one of the options offered.")
	}
	orgID, err := a.readOrganisation(c, &form, f.OrgName)
	if err != nil {
		return err
	}
	pending := false
	if !form.Invalid() {
		pending, err = a.service.SetRoles(c.Request().Context(), web.Actor(c), u.ID, roles, orgID)
		if field := fieldOf(err); field != "" {
			form.Fail(field, errorMessage(err))
		} else if err != nil {
			return err
		}
	}
	if form.Invalid() {
		return a.renderUserForm(c, http.StatusUnprocessableEntity, tplUser, u.Name, u, form)
	}
	msg := "Roles saved."
	if pending {
		msg = "The change grants agent, CISO or admin: it waits for another admin's approval."
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, msg))
	return web.Redirect(c, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

// ApproveRoleChange applies a role change another admin asked for.
func (a *Admin) ApproveRoleChange(c echo.Context) error {
	return a.decideRoleChange(c, a.service.ApproveRoleChange,
		i18n.T(web.ViewerOf(c).Lang, "Role change approved: the roles are in effect."))
}

// RejectRoleChange turns down a role change another admin asked for.
func (a *Admin) RejectRoleChange(c echo.Context) error {
	return a.decideRoleChange(c, a.service.RejectRoleChange,
		i18n.T(web.ViewerOf(c).Lang, "Role change rejected: the roles stay as they were."))
}

// decideRoleChange decides the role change of the path with decide, and flashes done, or
// why it was refused, on the person's page.
func (a *Admin) decideRoleChange(c echo.Context, decide func(context.Context, audit.Actor, int64) error, done string) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	change, err := NewStore(a.db).RoleChange(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	msg := done
	switch err := decide(ctx, web.Actor(c), id); {
	case errors.Is(err, ErrChangeDecided), errors.Is(err, ErrOwnRoleChange), errors.Is(err, ErrChangeOutdated), errors.Is(err, ErrLastAdmin):
		msg = i18n.T(web.ViewerOf(c).Lang, errorMessage(err))
	case err != nil:
		return err
	}
	web.Flash(c, msg)
	return web.Redirect(c, "/admin/users/"+strconv.FormatInt(change.UserID, 10))
}

// Deactivate stops a user from signing in and ends their sessions.
func (a *Admin) Deactivate(c echo.Context) error { return a.setActive(c, false) }

// Activate lets a deactivated user sign in again.
func (a *Admin) Activate(c echo.Context) error { return a.setActive(c, true) }

type personalCodeForm struct {
	Code string `form:"personal_code" validate:"max=20"`
}

// SetPersonalCode sets the Estonian personal code a person signs in with by ID-card.
func (a *Admin) SetPersonalCode(c echo.Context) error {
	u, err := a.loadUser(c)
	if err != nil {
		return err
	}
	var f personalCodeForm
	form, err := a.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	if !form.Invalid() {
		err = a.service.SetPersonalCode(c.Request().Context(), web.Actor(c), u.ID, f.Code)
		switch {
		case errors.Is(err, ErrPersonalCode):
			form.Fail("personal_code", "Enter the 11 digits of an Estonian personal code, or nothing.")
		case errors.Is(err, ErrPersonalCodeTaken):
			form.Fail("personal_code", "Another person has this personal code.")
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		form.Values["roles"] = u.Roles.Strings() // the roles form shows the stored roles
		return a.renderUserForm(c, http.StatusUnprocessableEntity, tplUser, u.Name, u, form)
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "Personal code saved."))
	return web.Redirect(c, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func (a *Admin) setActive(c echo.Context, active bool) error {
	u, err := a.loadUser(c)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	msg := i18n.T(lang, "%s can sign in again.", u.Name)
	if !active {
		msg = i18n.T(lang, "%s is deactivated and signed out everywhere.", u.Name)
	}
	err = a.service.SetActive(c.Request().Context(), web.Actor(c), u.ID, active)
	if errors.Is(err, ErrLastAdmin) {
		msg, err = i18n.T(lang, errorMessage(ErrLastAdmin)), nil
	}
	if err != nil {
		return err
	}
	web.Flash(c, msg)
	return web.Redirect(c, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

// OrganisationsPage is the data of the organisations page.
type OrganisationsPage struct {
	Organisations []Organisation
	Search        string
	Next          string // the query string of the next page, if there is one
}

// Organisations lists the customer organisations, fifty at a time by name, optionally
// those whose name holds a search, with a form to add one.
func (a *Admin) Organisations(c echo.Context) error {
	return a.renderOrganisations(c, http.StatusOK, web.Form{})
}

func (a *Admin) renderOrganisations(c echo.Context, status int, form web.Form) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	search := strings.TrimSpace(c.QueryParam("q"))
	orgs, more, err := NewStore(a.db).Organisations(c.Request().Context(), OrgFilter{Search: search, After: c.QueryParam("after"), Limit: pageSize})
	if err != nil {
		return err
	}
	data := OrganisationsPage{Organisations: orgs, Search: search}
	if more {
		data.Next = url.Values{"q": {search}, "after": {orgs[len(orgs)-1].Name}}.Encode()
	}
	p := a.render.NewPage(c, "Organisations")
	p.Form = form
	p.Data = data
	return c.Render(status, tplOrgs, p)
}

type orgForm struct {
	Name string `form:"name" validate:"required,max=200"`
}

// CreateOrganisation adds a customer organisation.
func (a *Admin) CreateOrganisation(c echo.Context) error {
	var f orgForm
	form, err := a.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	if !form.Invalid() {
		_, err = a.service.CreateOrganisation(web.Once(c, "/admin/organisations"), web.Actor(c), f.Name)
		if errors.Is(err, ErrOrgNameTaken) {
			form.Fail("name", errorMessage(err))
		} else if err != nil {
			return err
		}
	}
	if form.Invalid() {
		return a.renderOrganisations(c, http.StatusUnprocessableEntity, form)
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "Organisation %s created.", f.Name))
	return web.Redirect(c, "/admin/organisations")
}

// readOrganisation reads the user form's organisation: none (staff) when empty, or the
// organisation typed (see ReadOrganisation); when that fits none or several, it says so
// beside the field.
func (a *Admin) readOrganisation(c echo.Context, form *web.Form, typed string) (*int64, error) {
	if strings.TrimSpace(typed) == "" {
		return nil, nil
	}
	o, err := ReadOrganisation(c.Request().Context(), a.db, typed)
	if field := fieldOf(err); field != "" {
		form.Fail(field, errorMessage(err))
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &o.ID, nil
}

// OrganisationOptions suggests the organisations whose name begins with ?org_name=, for
// the user forms' organisation field.
func (a *Admin) OrganisationOptions(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	var os []OrgName
	if name := strings.TrimSpace(c.QueryParam("org_name")); name != "" {
		var err error
		if os, err = OrganisationsNamed(c.Request().Context(), a.db, name, 20); err != nil {
			return err
		}
	}
	return c.Render(http.StatusOK, tplUserNew+"#org-options", os)
}

// fieldOf names the form field a directory error is about, or "" for other errors.
func fieldOf(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrEmailTaken):
		return "email"
	case errors.Is(err, ErrNoRoles), errors.Is(err, ErrUnknownRole), errors.Is(err, ErrCustomerAlone), errors.Is(err, ErrLastAdmin),
		errors.Is(err, ErrOwnRoles), errors.Is(err, ErrChangeCrossed):
		return "roles"
	case errors.Is(err, ErrCustomerNeedOrg), errors.Is(err, ErrStaffHaveNoOrg), errors.Is(err, ErrNoSuchOrg),
		errors.Is(err, ErrNoOrganisationNamed), errors.Is(err, ErrSeveralOrganisationsNamed):
		return "org_name"
	}
	return ""
}

// errorMessage is the sentence a person reads for a directory error.
func errorMessage(err error) string {
	switch {
	case errors.Is(err, ErrEmailTaken):
		return "A user with this e-mail address already exists."
	case errors.Is(err, ErrOrgNameTaken):
		return "An organisation with this name already exists."
	case errors.Is(err, ErrCustomerAlone):
		return "A customer user holds only the customer role."
	case errors.Is(err, ErrCustomerNeedOrg):
		return "Choose the customer's organisation."
	case errors.Is(err, ErrStaffHaveNoOrg):
		return "Staff do not belong to a customer organisation: choose none."
	case errors.Is(err, ErrLastAdmin):
		return "This is the last active admin. Make someone else admin first."
	case errors.Is(err, ErrNoSuchOrg):
		return "This organisation does not exist."
	case errors.Is(err, ErrOwnRoles):
		return "Nobody changes their own roles: ask another admin."
	case errors.Is(err, ErrChangeCrossed):
		return "Another admin asked to change this person's roles at the same moment: look at the page again."
	case errors.Is(err, ErrOwnRoleChange):
		return "Another admin decides this role change: not the one who asked for it, nor the person it is about."
	case errors.Is(err, ErrChangeDecided):
		return "This role change was already decided."
	case errors.Is(err, ErrChangeOutdated):
		return "The person's roles changed since this was asked for, so it can no longer be approved."
	case errors.Is(err, ErrNoOrganisationNamed):
		return "No organisation has a name beginning so."
	case errors.Is(err, ErrSeveralOrganisationsNamed):
		return "Several organisations have a name beginning so: type more of it."
	}
	return "Choose at least one role."
}
