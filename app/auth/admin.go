package auth

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"github.com/lib/pq"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
	"tugi/app/user"
	"tugi/app/web"
)

const tplPolicy = "auth/policy"

// PolicyPage is the data of the admin's sign-in policy page.
type PolicyPage struct {
	Roles []access.Role
}

// Policy shows which roles must sign in with a second factor.
func (h *Handler) Policy(c echo.Context) error {
	roles, err := policyRoles(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Sign-in policy")
	p.Form.Values = map[string][]string{"roles": roles}
	p.Data = PolicyPage{Roles: access.Roles}
	return c.Render(http.StatusOK, tplPolicy, p)
}

type policyForm struct {
	Roles []string `form:"roles" validate:"dive,oneof=customer employee agent ciso admin"`
}

// SavePolicy sets which roles must sign in with a second factor. It takes effect at each
// person's next sign-in; sessions already open keep their strength.
func (h *Handler) SavePolicy(c echo.Context) error {
	ctx := c.Request().Context()
	var f policyForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	if form.Invalid() {
		form.Errors = nil
		form.Fail("roles", "Choose one of the options offered.")
		p := h.render.NewPage(c, "Sign-in policy")
		p.Form = form
		p.Data = PolicyPage{Roles: access.Roles}
		return c.Render(http.StatusUnprocessableEntity, tplPolicy, p)
	}
	roles := slices.Compact(slices.Sorted(slices.Values(f.Roles)))
	if roles == nil {
		roles = []string{}
	}
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		old, err := policyRoles(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, updatePolicy, pq.StringArray(roles)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "auth.second_factor_policy", ObjectType: "setting",
			ObjectID: "second_factor_policy", Changes: map[string]audit.Change{
				"roles": {Old: strings.Join(old, ", "), New: strings.Join(roles, ", ")}}})
	})
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "Sign-in policy saved."))
	return web.Redirect(c, "/admin/sign-in")
}

// adminTarget reads the person an admin acts on from the path.
func (h *Handler) adminTarget(c echo.Context) (*user.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.ErrNotFound
	}
	u, err := user.NewStore(h.db).ByID(c.Request().Context(), id)
	if errors.Is(err, user.ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	return u, err
}

// ResetSecondFactor removes a person's authenticator app, passkeys and recovery codes (a
// phone or a key lost), so they set up a new one at their next sign-in; they are told by mail.
func (h *Handler) ResetSecondFactor(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.adminTarget(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	id := strconv.FormatInt(u.ID, 10)
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		had, passkeys, err := removeFactors(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "auth.second_factor_reset", ObjectType: "user",
			ObjectID: id, OrgID: orgOf(u), Changes: map[string]audit.Change{"had_totp": {New: had}, "passkeys_removed": {New: passkeys}}}); err != nil {
			return err
		}
		_, err = mail.Enqueue(ctx, tx, mail.Message{
			To:      mail.Address{Name: u.Name, Email: u.Email},
			Subject: i18n.T(u.Language, "Your second factor for Tugi was reset"),
			Text: i18n.T(u.Language, "%s reset the second factor of your Tugi account: your authenticator app, passkeys and recovery codes no longer work.", v.Name) + "\n\n" +
				i18n.T(u.Language, "If your roles need a second factor, you will set up a new authenticator app the next time you sign in. If you did not ask for this, tell your administrator at once.") + "\n",
			Kind: "auth.second_factor_reset", ObjectType: "user", ObjectID: id, OrgID: orgOf(u), UserID: u.ID,
		})
		return err
	})
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "The second factor of %s has been reset, and they have been told by e-mail.", u.Name))
	return web.Redirect(c, "/admin/users/"+id)
}

// EndSessions signs a person out everywhere.
func (h *Handler) EndSessions(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.adminTarget(c)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(u.ID, 10)
	var ended int64
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if ended, err = h.sessions.RevokeUser(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "session.revoke_all", ObjectType: "user",
			ObjectID: id, OrgID: orgOf(u), Changes: map[string]audit.Change{"sessions_ended": {New: ended}}})
	})
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	web.Flash(c, i18n.T(v.Lang, "%s has been signed out everywhere (%d sessions).", u.Name, ended))
	if u.ID == v.UserID { // their own: this session has ended too
		return web.Redirect(c, "/login")
	}
	return web.Redirect(c, "/admin/users/"+id)
}
