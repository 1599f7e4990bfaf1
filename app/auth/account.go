package auth

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/user"
	"tugi/app/web"
)

// AccountPage is the data of the account page.
type AccountPage struct {
	User      *user.User
	Sessions  []SessionInfo
	Languages []struct{ Code, Name string }
	MinLength int
	// The second factor: whether an authenticator app is set up, how many recovery
	// codes are left, and whether the person's roles need one (then the last one cannot
	// be removed).
	TOTP         bool
	RecoveryLeft int
	Required     bool
	// The person's passkeys, and the options of registering another (JSON, for
	// static/js/passkey.js; "" when the site has no domain name to take passkeys for).
	Passkeys       []Passkey
	PasskeyOptions string
	// Whether removing the app, or a passkey, is allowed: not the last factor of a
	// person whose roles need one.
	CanRemoveTOTP, CanRemovePasskey bool
}

// Account shows the person's profile, language, password form and sessions.
func (h *Handler) Account(c echo.Context) error {
	return h.renderAccount(c, http.StatusOK, web.Form{})
}

func (h *Handler) renderAccount(c echo.Context, status int, form web.Form) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	u, err := user.NewStore(h.db).ByID(ctx, v.UserID)
	if err != nil {
		return err
	}
	list, err := h.sessions.List(ctx, v.UserID)
	if err != nil {
		return err
	}
	has, _, err := factorsOf(ctx, h.db, u.ID)
	if err != nil {
		return err
	}
	passkeys, options, err := h.passkeyRows(c, u)
	if err != nil {
		return err
	}
	left, err := recoveryCodesLeft(ctx, h.db, u.ID)
	if err != nil {
		return err
	}
	policy, err := policyRoles(ctx, h.db)
	if err != nil {
		return err
	}
	required := requiresSecondFactor(policy, u.Roles.Strings())
	factors := len(passkeys)
	if has {
		factors++
	}
	p := h.render.NewPage(c, "Your account")
	p.Form = form
	p.Data = AccountPage{User: u, Sessions: list, Languages: i18n.Languages, MinLength: user.MinPasswordLength,
		TOTP: has, RecoveryLeft: left, Required: required, Passkeys: passkeys, PasskeyOptions: options,
		CanRemoveTOTP: !required || len(passkeys) > 0, CanRemovePasskey: !required || factors > 1}
	return c.Render(status, tplAccount, p)
}

type passwordForm struct {
	Current string `form:"current_password" validate:"required,max=1000" trim:"no"`
	New     string `form:"new_password" validate:"required,min=12,max=1000" trim:"no"`
	Confirm string `form:"confirm_password" validate:"required,eqfield=New" trim:"no"`
}

// ChangePassword sets a new password after checking the current one, then ends the
// person's other sessions and renews this one.
func (h *Handler) ChangePassword(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	var f passwordForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	for _, k := range []string{"current_password", "new_password", "confirm_password"} {
		form.Values.Del(k)
	}
	if form.Invalid() {
		return h.renderAccount(c, http.StatusUnprocessableEntity, form)
	}
	u, err := user.NewStore(h.db).ByID(ctx, v.UserID)
	if err != nil {
		return err
	}
	actor := web.Actor(c)
	// A wrong current password counts as a failed sign-in: a borrowed session must not
	// become a way to guess the password.
	devices, err := h.devices(ctx)
	if err != nil {
		return err
	}
	attempt, err := h.throttle.Attempt(ctx, h.db, u.Email, actor.ClientIP, devices.nonce(c.Request(), u))
	if err != nil {
		return err
	}
	blocked := attempt.Blocked != NoLimit
	if blocked || !user.CheckPassword(u.PasswordHash, f.Current) {
		msg := "This is not your current password."
		if blocked {
			if err := h.throttle.Forget(ctx, h.db, attempt); err != nil {
				return err
			}
			msg = throttledMessage(attempt.Blocked)
		} else {
			err := audit.Record(ctx, h.db, actor, audit.Event{Action: "user.change_password_failed", ObjectType: "user",
				ObjectID: strconv.FormatInt(u.ID, 10), OrgID: v.OrgID})
			if err != nil {
				return err
			}
		}
		form.Fail("current_password", msg)
		return h.renderAccount(c, http.StatusUnprocessableEntity, form)
	}
	if err := h.throttle.Forget(ctx, h.db, attempt); err != nil { // the right password
		return err
	}
	if f.New == f.Current {
		form.Fail("new_password", "Choose a password different from the current one.")
		return h.renderAccount(c, http.StatusUnprocessableEntity, form)
	}
	hash, err := user.HashPassword(f.New)
	if err != nil {
		return err
	}
	var ended int64
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if err := user.NewStore(tx).SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		if ended, err = h.sessions.revokeExcept(ctx, tx, u.ID, v.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "user.change_password", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), OrgID: v.OrgID,
			Changes: map[string]audit.Change{"other_sessions_ended": {New: ended}}})
	})
	if err != nil {
		return err
	}
	if err := h.startSession(c, u, v.AuthMethod); err != nil {
		return err
	}
	msg := i18n.T(v.Lang, "Your password has been changed.")
	if ended > 0 {
		msg = i18n.T(v.Lang, "Your password has been changed and your other sessions were signed out.")
	}
	web.Flash(c, msg)
	return web.Redirect(c, "/account")
}

type languageForm struct {
	Language string `form:"language" validate:"required,oneof=en et"`
}

// SetLanguage changes the language the person reads Tugi in.
func (h *Handler) SetLanguage(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	var f languageForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	if form.Invalid() {
		return h.renderAccount(c, http.StatusUnprocessableEntity, form)
	}
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if err := user.NewStore(tx).SetLanguage(ctx, v.UserID, f.Language); err != nil {
			return err
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "user.set_language", ObjectType: "user",
			ObjectID: strconv.FormatInt(v.UserID, 10), OrgID: v.OrgID,
			Changes: map[string]audit.Change{"language": {Old: v.Lang, New: f.Language}}})
	})
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(f.Language, "Language saved."))
	return web.Redirect(c, "/account")
}

// RevokeSession signs out one of the person's sessions (this one too, if they choose).
func (h *Handler) RevokeSession(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		ok, err := h.sessions.Revoke(ctx, tx, v.UserID, id)
		if err != nil {
			return err
		}
		if !ok {
			return echo.ErrNotFound
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "session.revoke", ObjectType: "session",
			ObjectID: strconv.FormatInt(id, 10), OrgID: v.OrgID})
	})
	if errors.Is(err, echo.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	if id == v.SessionID { // signed out here: clear the cookie too
		sess := web.SessionOf(c)
		sess.Options.MaxAge = -1
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
		return web.Redirect(c, "/login")
	}
	web.Flash(c, i18n.T(v.Lang, "That session has been signed out."))
	return web.Redirect(c, "/account")
}
