package auth

import (
	"bytes"
	"database/sql"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/user"
	"tugi/app/web"
)

// PasskeyPath is where the second step's passkey answer is posted.
const PasskeyPath = SecondFactorPath + "/passkey"

// passkeyForm is what static/js/passkey.js posts: the browser's answer to the ceremony,
// as JSON (PublicKeyCredential, its binary fields in base64url).
type passkeyForm struct {
	Credential string `form:"credential" validate:"required,max=65536"`
	Next       string `form:"next"`
}

// ConfirmPasskey checks the second step done with a passkey: the browser's signature
// over the challenge the page carried, by one of the person's passkeys. A refused answer
// counts as a failed sign-in (Throttle), as a wrong code does.
func (h *Handler) ConfirmPasskey(c echo.Context) error {
	ctx := c.Request().Context()
	u, stepUp, err := h.secondFactorSubject(c)
	if err != nil {
		return err
	}
	if u == nil {
		web.Flash(c, i18n.T("en", "Your sign-in took too long. Sign in again."))
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	var f passkeyForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	form.Values.Del("credential")
	challenge, hadChallenge := takeCeremony(web.SessionOf(c).Values, keyPasskeyLogin)
	if form.Invalid() || !hadChallenge {
		form.Errors = nil
		form.Fail("passkey", "Your browser did not answer with a passkey. Try again, or type a code.")
		return h.renderSecondFactor(c, http.StatusUnprocessableEntity, u, stepUp, form)
	}
	actor, devices, attempt, err := h.secondFactorAttempt(c, u)
	if err != nil {
		return err
	}
	var used *storedPasskey
	reason := "passkey_refused"
	if attempt.Blocked == NoLimit {
		err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
			list, err := loadPasskeys(ctx, tx, h.factors, u.ID)
			if err != nil {
				return err
			}
			parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(f.Credential))
			if err != nil {
				return nil // not an answer: refused
			}
			cred, err := h.rp.ValidateLogin(passkeyUser{u: u, creds: credentials(list)}, challenge, parsed)
			if err != nil {
				return nil
			}
			for i := range list {
				if bytes.Equal(list[i].cred.ID, cred.ID) {
					used = &list[i]
				}
			}
			if used == nil {
				return nil
			}
			if cred.Authenticator.CloneWarning {
				// Its signature counter went back: two copies of the key are in use.
				used, reason = nil, "passkey_cloned"
				return nil
			}
			return updatePasskey(ctx, tx, h.factors, u.ID, used.ID, cred)
		})
		if err != nil {
			return err
		}
	}
	if used == nil {
		return h.secondFactorFailed(c, u, stepUp, form, actor, attempt, "passkey", reason,
			"That passkey was not accepted. Try again, or type a code.")
	}
	err = h.secondFactorPassed(c, u, stepUp, actor, devices, attempt, "password+passkey",
		map[string]audit.Change{"method": {New: "password+passkey"}, "factor": {New: "passkey"}, "passkey": {New: used.Name}})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, safeNext(f.Next))
}

type addPasskeyForm struct {
	Name       string `form:"name" validate:"required,max=100"`
	Credential string `form:"credential" validate:"max=65536"`
}

// AddPasskey registers a new passkey for the person: the browser's answer to the
// registration the account page began, under the name they chose. A person who had no
// second factor before gets their recovery codes with it, shown once.
func (h *Handler) AddPasskey(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	had, err := hasFactor(ctx, h.db, v.UserID)
	if err != nil {
		return err
	}
	if had && !v.Satisfies(access.SecondFactor) {
		// A factor is added only by someone who has proved one: a password alone,
		// perhaps stolen, does not add a way in.
		return echo.ErrForbidden
	}
	var f addPasskeyForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	form.Values.Del("credential")
	sess := web.SessionOf(c)
	challenge, hadChallenge := takeCeremony(sess.Values, keyPasskeyRegister)
	if err := sess.Save(c.Request(), c.Response()); err != nil { // answered once
		return err
	}
	if form.Invalid() {
		return h.renderAccount(c, http.StatusUnprocessableEntity, form)
	}
	if f.Credential == "" || !hadChallenge {
		form.Fail("name", "Your browser did not make a passkey. Try again; a browser with JavaScript is needed for this.")
		return h.renderAccount(c, http.StatusUnprocessableEntity, form)
	}
	u, err := user.NewStore(h.db).ByID(ctx, v.UserID)
	if err != nil {
		return err
	}
	var codes []string
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		list, err := loadPasskeys(ctx, tx, h.factors, u.ID)
		if err != nil {
			return err
		}
		parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(f.Credential))
		if err != nil {
			return errPasskeyRefused
		}
		cred, err := h.rp.CreateCredential(passkeyUser{u: u, creds: credentials(list)}, challenge, parsed)
		if err != nil {
			return errPasskeyRefused
		}
		id, err := insertPasskey(ctx, tx, h.factors, u.ID, f.Name, cred)
		if err != nil {
			return err
		}
		if !had {
			if codes, err = newRecoveryCodes(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "auth.passkey_add", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), OrgID: v.OrgID,
			Changes: map[string]audit.Change{"passkey": {New: f.Name}, "passkey_id": {New: id}}})
	})
	switch {
	case errors.Is(err, errPasskeyName):
		form.Fail("name", "You have a passkey of this name already. Choose another name.")
		return h.renderAccount(c, http.StatusUnprocessableEntity, form)
	case errors.Is(err, errPasskeyRefused):
		form.Fail("name", "That passkey could not be registered. Try again.")
		return h.renderAccount(c, http.StatusUnprocessableEntity, form)
	case err != nil:
		return err
	}
	if codes != nil {
		p := h.render.NewPage(c, "Your recovery codes")
		p.Data = RecoveryCodesPage{Codes: codes, Next: "/account"}
		return c.Render(http.StatusOK, tplRecoveryCodes, p)
	}
	web.Flash(c, i18n.T(v.Lang, "Your passkey %s has been added.", f.Name))
	return web.Redirect(c, "/account")
}

var (
	// errPasskeyRefused: the browser's answer to a registration did not check out.
	errPasskeyRefused = errors.New("passkeys: registration refused")
	// errLastFactor: the change would leave a person whose roles need a second factor
	// without one; it is rolled back.
	errLastFactor = errors.New("second factors: the last one stays")
)

// RemovePasskey removes one of the person's passkeys, unless it is their last second
// factor and the policy asks one of their roles for one: then it stays, and the page says
// why (an admin can reset the person's factors, after which they set up new ones at sign-in).
func (h *Handler) RemovePasskey(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	policy, err := policyRoles(ctx, h.db)
	if err != nil {
		return err
	}
	required := requiresSecondFactor(policy, roleStrings(v.Roles))
	var name string
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &name, deletePasskeySQL, id, v.UserID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return echo.ErrNotFound
			}
			return err
		}
		left, err := hasFactor(ctx, tx, v.UserID)
		if err != nil {
			return err
		}
		if !left && required {
			return errLastFactor
		}
		if !left { // no factor left: the recovery codes go with it
			if _, err := tx.ExecContext(ctx, deleteRecoveryCodes, v.UserID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "auth.passkey_remove", ObjectType: "user",
			ObjectID: strconv.FormatInt(v.UserID, 10), OrgID: v.OrgID,
			Changes: map[string]audit.Change{"passkey": {Old: name}, "passkey_id": {Old: id}}})
	})
	switch {
	case errors.Is(err, errLastFactor):
		web.Flash(c, i18n.T(v.Lang, "This is your only second factor and your roles need one, so it stays. Add another passkey or an authenticator app first; an admin can reset your factors if you lose it."))
		return web.Redirect(c, "/account")
	case errors.Is(err, echo.ErrNotFound):
		return echo.ErrNotFound
	case err != nil:
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Your passkey %s has been removed.", name))
	return web.Redirect(c, "/account")
}

// passkeyRows are the person's passkeys for the account page, with the options of
// registering another (JSON; "" when the site has no domain name for passkeys).
func (h *Handler) passkeyRows(c echo.Context, u *user.User) (rows []Passkey, options string, err error) {
	ctx := c.Request().Context()
	list, err := loadPasskeys(ctx, h.db, h.factors, u.ID)
	if err != nil {
		return nil, "", err
	}
	rows = make([]Passkey, len(list))
	for i, p := range list {
		rows[i] = p.Passkey
	}
	if h.rp == nil {
		return rows, "", nil
	}
	sess := web.SessionOf(c)
	if options, err = beginPasskeyRegistration(h.rp, u, list, sess.Values); err != nil {
		return nil, "", err
	}
	return rows, options, sess.Save(c.Request(), c.Response())
}
