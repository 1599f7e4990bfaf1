package auth

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/user"
	"tugi/app/web"
)

// SecondFactorPath is the second step of sign-in, and where a session too weak for a
// route is sent to step up (outside checks sign in through it: keep the path, and the
// field name "code").
const SecondFactorPath = "/login/second-factor"

// Session values of a sign-in half done: whose password was right and when, and the
// secret offered to a person setting up an authenticator app.
const (
	keyPendingUser = "pending_user"
	keyPendingAt   = "pending_at"
	keyEnrolSecret = "enrol_secret"
)

// pendingFor is how long after the password the second step may come.
const pendingFor = 10 * time.Minute

// Template names.
const (
	tplSecondFactor  = "auth/second_factor"
	tplRecoveryCodes = "auth/recovery_codes"
)

// SecondFactorPage is the data of the second step's page.
type SecondFactorPage struct {
	Email  string
	StepUp bool         // a signed-in person asked for more, not a sign-in
	Enrol  bool         // no second factor yet: set up an authenticator app
	Secret string       // enrolment: the secret, to type in by hand
	QR     template.URL // enrolment: the QR code, a data: URI
	Setup  bool         // enrolment asked for from the account page, beside other factors
	TOTP   bool         // the person has an authenticator app
	// PasskeyOptions are the options of signing in with one of the person's passkeys
	// (JSON, for static/js/passkey.js); "" when they have none, or the site has no
	// domain name to take passkeys for.
	PasskeyOptions string
}

// RecoveryCodesPage is the data of the page that shows new recovery codes, once.
type RecoveryCodesPage struct {
	Codes []string
	Next  string
}

// needsSecondFactor reports whether u signs in with a second factor: when they have one
// (an authenticator app or a passkey), or the policy asks it of one of their roles (then
// they set one up at sign-in).
func (h *Handler) needsSecondFactor(ctx context.Context, u *user.User) (bool, error) {
	has, err := hasFactor(ctx, h.db, u.ID)
	if err != nil || has {
		return has, err
	}
	policy, err := policyRoles(ctx, h.db)
	if err != nil {
		return false, err
	}
	return requiresSecondFactor(policy, u.Roles.Strings()), nil
}

// startPending ends the request's session and starts one that holds only that u's
// password was right, for the second step. Nobody is signed in by it.
func (h *Handler) startPending(c echo.Context, u *user.User) error {
	r, w := c.Request(), c.Response()
	if old := web.SessionOf(c); old != nil && !old.IsNew {
		old.Options.MaxAge = -1
		if err := old.Save(r, w); err != nil {
			return err
		}
	}
	sess := sessions.NewSession(h.sessions, CookieName)
	opts := h.sessions.options
	sess.Options = &opts
	sess.IsNew = true
	sess.Values[keyPendingUser] = u.ID
	sess.Values[keyPendingAt] = time.Now().Unix()
	sess.Values[keyClientIP] = c.RealIP()
	if err := sess.Save(r, w); err != nil {
		return err
	}
	web.SetSession(c, sess)
	web.RenewCSRF(c)
	return nil
}

// secondFactorSubject returns whom the second step is for: the signed-in person stepping
// up (stepUp), or the person whose password this session saw in the last ten minutes;
// nil for neither.
func (h *Handler) secondFactorSubject(c echo.Context) (u *user.User, stepUp bool, err error) {
	ctx := c.Request().Context()
	if v := web.ViewerOf(c); v != nil {
		u, err = user.NewStore(h.db).ByID(ctx, v.UserID)
		return u, true, err
	}
	sess := web.SessionOf(c)
	if sess == nil {
		return nil, false, nil
	}
	id, _ := sess.Values[keyPendingUser].(int64)
	at, _ := sess.Values[keyPendingAt].(int64)
	if id == 0 || time.Since(time.Unix(at, 0)) > pendingFor {
		return nil, false, nil
	}
	u, err = user.NewStore(h.db).ByID(ctx, id)
	switch {
	case errors.Is(err, user.ErrNotFound) || (err == nil && !u.Active): // gone meanwhile: start again
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return u, false, nil
}

// SecondFactor shows the second step: a code from the person's authenticator app, or,
// for a person who has none and must, the setting up of one.
func (h *Handler) SecondFactor(c echo.Context) error {
	next := c.QueryParam("next")
	u, stepUp, err := h.secondFactorSubject(c)
	if err != nil {
		return err
	}
	if u == nil {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	setup := c.QueryParam("setup")
	if stepUp && web.ViewerOf(c).Satisfies(access.SecondFactor) && setup != "app" {
		return c.Redirect(http.StatusSeeOther, safeNext(next))
	}
	return h.renderSecondFactor(c, http.StatusOK, u, stepUp, web.Form{Values: url.Values{"next": {next}, "setup": {setup}}})
}

// settingUpApp reports whether this second step sets up an authenticator app beside the
// person's other factors (setup=app, from the account page): only for a signed-in person
// whose session has proved a factor already, so that a password alone never adds one.
func settingUpApp(c echo.Context, stepUp, totp bool, setup string) bool {
	return setup == "app" && stepUp && !totp && web.ViewerOf(c).Satisfies(access.SecondFactor)
}

func (h *Handler) renderSecondFactor(c echo.Context, status int, u *user.User, stepUp bool, form web.Form) error {
	ctx := c.Request().Context()
	totp, passkeys, err := factorsOf(ctx, h.db, u.ID)
	if err != nil {
		return err
	}
	data := SecondFactorPage{Email: u.Email, StepUp: stepUp, TOTP: totp, Setup: settingUpApp(c, stepUp, totp, form.Values.Get("setup"))}
	data.Enrol = (!totp && passkeys == 0) || data.Setup
	title := "Confirm it is you"
	sess := web.SessionOf(c)
	switch {
	case data.Enrol:
		title = "Set up an authenticator app"
		secret, _ := sess.Values[keyEnrolSecret].(string)
		if secret == "" {
			secret = newTOTPSecret()
			sess.Values[keyEnrolSecret] = secret
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				return err
			}
		}
		data.Secret = secret
		if data.QR, err = totpQR(u.Email, secret); err != nil {
			return err
		}
	case passkeys > 0 && h.rp != nil:
		list, err := loadPasskeys(ctx, h.db, h.factors, u.ID)
		if err != nil {
			return err
		}
		if data.PasskeyOptions, err = beginPasskeyLogin(h.rp, u, list, sess.Values); err != nil {
			return err
		}
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
	}
	p := h.render.NewPage(c, title)
	if p.Viewer == nil && u.Language != "" {
		p.Lang = u.Language
	}
	p.Form = form
	p.Data = data
	return c.Render(status, tplSecondFactor, p)
}

type codeForm struct {
	Code  string `form:"code" validate:"required,max=100"`
	Next  string `form:"next"`
	Setup string `form:"setup"`
}

// ConfirmSecondFactor checks the second step: a code from the authenticator app, a
// recovery code, or, when setting one up, the app's first code. A wrong code counts as a
// failed sign-in (Throttle), as a wrong password does. Right, the person is signed in
// anew (or, stepping up, their session is replaced by a stronger one) and goes where
// they were going; a person who has just set up their app first reads their recovery
// codes.
func (h *Handler) ConfirmSecondFactor(c echo.Context) error {
	ctx := c.Request().Context()
	u, stepUp, err := h.secondFactorSubject(c)
	if err != nil {
		return err
	}
	if u == nil {
		web.Flash(c, i18n.T("en", "Your sign-in took too long. Sign in again."))
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	var f codeForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	form.Values.Del("code")
	if form.Invalid() {
		form.Errors = nil
		form.Fail("code", "Enter the code.")
		return h.renderSecondFactor(c, http.StatusUnprocessableEntity, u, stepUp, form)
	}
	totp, passkeys, err := factorsOf(ctx, h.db, u.ID)
	if err != nil {
		return err
	}
	enrolling := (!totp && passkeys == 0) || settingUpApp(c, stepUp, totp, f.Setup)
	actor, devices, attempt, err := h.secondFactorAttempt(c, u)
	if err != nil {
		return err
	}
	blocked := attempt.Blocked != NoLimit
	var (
		factor string   // what proved it: totp, recovery_code, enrolment
		codes  []string // new recovery codes, when setting up
		left   = -1     // recovery codes left, when one was used
	)
	now := h.now()
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		switch {
		case blocked:
		case !enrolling:
			ok, err := checkTOTP(ctx, tx, h.factors, u.ID, f.Code, now)
			if err != nil {
				return err
			}
			if ok {
				factor = "totp"
				return nil
			}
			if ok, err = useRecoveryCode(ctx, tx, u.ID, f.Code); err != nil || !ok {
				return err
			}
			factor = "recovery_code"
			left, err = recoveryCodesLeft(ctx, tx, u.ID)
			return err
		default:
			secret, _ := web.SessionOf(c).Values[keyEnrolSecret].(string)
			step := int64(0)
			if secret != "" {
				step = matchTOTP(secret, f.Code, now, 0)
			}
			if step == 0 {
				return nil
			}
			if err := storeTOTP(ctx, tx, h.factors, u.ID, secret, step); err != nil {
				return err
			}
			if codes, err = newRecoveryCodes(ctx, tx, u.ID); err != nil {
				return err
			}
			factor = "enrolment"
			return audit.Record(ctx, tx, actor, audit.Event{Action: "auth.totp_enrol", ObjectType: "user",
				ObjectID: strconv.FormatInt(u.ID, 10), OrgID: orgOf(u)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if factor == "" {
		return h.secondFactorFailed(c, u, stepUp, form, actor, attempt, "code", "wrong_code",
			"That code is not right, or it has been used already. Wait for the next code and try again.")
	}
	err = h.secondFactorPassed(c, u, stepUp, actor, devices, attempt, "password+totp",
		map[string]audit.Change{"method": {New: "password+totp"}, "factor": {New: factor}})
	if err != nil {
		return err
	}
	next := safeNext(f.Next)
	if codes != nil {
		p := h.render.NewPage(c, "Your recovery codes")
		p.Lang = u.Language
		p.Data = RecoveryCodesPage{Codes: codes, Next: next}
		return c.Render(http.StatusOK, tplRecoveryCodes, p)
	}
	if left >= 0 {
		web.Flash(c, i18n.T(u.Language, "You signed in with a recovery code; %d are left. Make new ones on your account page if you are running out.", left))
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// secondFactorAttempt counts a try at the second step of u's sign-in with the
// throttle (a wrong code or a refused passkey is a failed sign-in, as a wrong password
// is), and returns who acts and the browser's device claims with it.
func (h *Handler) secondFactorAttempt(c echo.Context, u *user.User) (audit.Actor, *devices, Attempt, error) {
	ctx := c.Request().Context()
	actor := web.Actor(c)
	actor.UserID, actor.Roles = u.ID, u.Roles.Strings()
	devices, err := h.devices(ctx)
	if err != nil {
		return actor, nil, Attempt{}, err
	}
	attempt, err := h.throttle.Attempt(ctx, h.db, u.Email, actor.ClientIP, devices.nonce(c.Request(), u))
	return actor, devices, attempt, err
}

// secondFactorFailed records a second step refused (reason, or the throttle's limit when
// it was not even checked) and shows the page again, with msg beside field.
func (h *Handler) secondFactorFailed(c echo.Context, u *user.User, stepUp bool, form web.Form, actor audit.Actor, attempt Attempt, field, reason, msg string) error {
	ctx := c.Request().Context()
	blocked := attempt.Blocked != NoLimit
	if blocked {
		reason = "throttled_" + string(attempt.Blocked)
	}
	err := database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if blocked {
			if err := h.throttle.Forget(ctx, tx, attempt); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "auth.sign_in_failed", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), OrgID: orgOf(u),
			Changes: map[string]audit.Change{"reason": {New: reason}, "step": {New: "second_factor"}}})
	})
	if err != nil {
		return err
	}
	status := http.StatusUnauthorized
	if blocked {
		msg = throttledMessage(attempt.Blocked)
		status = http.StatusTooManyRequests
	}
	form.Fail(field, msg)
	return h.renderSecondFactor(c, status, u, stepUp, form)
}

// secondFactorPassed signs u in anew with method (or, stepping up, replaces their session
// with a stronger one), and records it with changes.
func (h *Handler) secondFactorPassed(c echo.Context, u *user.User, stepUp bool, actor audit.Actor, devices *devices, attempt Attempt, method string, changes map[string]audit.Change) error {
	ctx := c.Request().Context()
	if err := h.startSession(c, u, method); err != nil {
		return err
	}
	action := "auth.sign_in"
	if stepUp {
		action = "auth.step_up"
	}
	err := database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if err := h.throttle.Succeed(ctx, tx, u.Email, attempt); err != nil {
			return err
		}
		if !stepUp {
			if err := user.NewStore(tx).RecordSignIn(ctx, u.ID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10),
			OrgID: orgOf(u), Changes: changes})
	})
	if err != nil {
		return err
	}
	return devices.set(c, u)
}

// NewRecoveryCodes replaces the person's recovery codes with new ones and shows them once.
func (h *Handler) NewRecoveryCodes(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	var codes []string
	err := database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		has, err := hasFactor(ctx, tx, v.UserID)
		if err != nil {
			return err
		}
		if !has {
			return echo.ErrNotFound
		}
		if codes, err = newRecoveryCodes(ctx, tx, v.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "auth.recovery_codes", ObjectType: "user",
			ObjectID: strconv.FormatInt(v.UserID, 10), OrgID: v.OrgID})
	})
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Your recovery codes")
	p.Data = RecoveryCodesPage{Codes: codes, Next: "/account"}
	return c.Render(http.StatusOK, tplRecoveryCodes, p)
}

// RemoveTOTP removes the person's authenticator app, unless it is their last second
// factor and the policy asks one of their roles for one. With no factor left, their
// recovery codes go too.
func (h *Handler) RemoveTOTP(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	policy, err := policyRoles(ctx, h.db)
	if err != nil {
		return err
	}
	required := requiresSecondFactor(policy, roleStrings(v.Roles))
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, deleteTOTP, v.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		left, err := hasFactor(ctx, tx, v.UserID)
		if err != nil {
			return err
		}
		if !left && required {
			return errLastFactor
		}
		if !left {
			if _, err := tx.ExecContext(ctx, deleteRecoveryCodes, v.UserID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, web.Actor(c), audit.Event{Action: "auth.totp_remove", ObjectType: "user",
			ObjectID: strconv.FormatInt(v.UserID, 10), OrgID: v.OrgID})
	})
	if errors.Is(err, errLastFactor) {
		web.Flash(c, i18n.T(v.Lang, "Your roles need a second factor, so your authenticator app stays. An admin can reset it if you lose it."))
		return web.Redirect(c, "/account")
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Your authenticator app has been removed."))
	return web.Redirect(c, "/account")
}

// EnrolTOTP gives userID the TOTP secret secret (base32), audited as actor: for the demo
// people, whose secret the README prints. People set up their own on the second step.
func EnrolTOTP(ctx context.Context, db *sqlx.DB, key *FactorKey, actor audit.Actor, userID int64, secret string) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		if err := storeTOTP(ctx, tx, key, userID, strings.ToUpper(secret), 0); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "auth.totp_enrol", ObjectType: "user",
			ObjectID: strconv.FormatInt(userID, 10)})
	})
}

func orgOf(u *user.User) int64 {
	if u.OrgID == nil {
		return 0
	}
	return *u.OrgID
}

func roleStrings(roles []access.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}
