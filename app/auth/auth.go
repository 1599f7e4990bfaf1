// Package auth signs people in and out, keeps their sessions, throttles guessing, and
// enforces each route's access rule.
package auth

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gorilla/sessions"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/reference"
	"tugi/app/user"
	"tugi/app/web"
)

// CookieName is the session cookie's name.
const CookieName = "tugi_session"

// Template names.
const (
	tplLogin   = "auth/login"
	tplAccount = "auth/account"
)

// Handler serves sign-in, sign-out and the person's own account page.
type Handler struct {
	db        *sqlx.DB
	reads     *database.Prepared // who is signed in, read on every request
	sessions  *SessionStore
	render    *web.Renderer
	validate  *web.Validator
	throttle  Throttle
	idcard    IDCard
	idcardURL string
	factors   *FactorKey         // seals TOTP secrets and passkeys
	rp        *webauthn.WebAuthn // passkeys; nil when the site has no domain name
	now       func() time.Time   // the clock TOTP codes are checked by
	log       *slog.Logger
}

// Options are the dependencies of a Handler.
type Options struct {
	DB        *sqlx.DB
	Sessions  *SessionStore
	Renderer  *web.Renderer
	Validator *web.Validator
	Throttle  Throttle
	IDCard    IDCard // ID-card sign-in; none when IDCard.Roots is nil
	// IDCardURL is where the sign-in page sends a person choosing the ID-card: the
	// listener that asks for a client certificate; "" when there is none.
	IDCardURL string
	// FactorKey seals the second factors' secrets (TUGI_FACTOR_KEY); required.
	FactorKey *FactorKey
	// PublicURL is the address people use (TUGI_PUBLIC_URL): passkeys are for its host
	// name and origin. With an IP address for a host there are no passkeys (browsers
	// refuse them there).
	PublicURL *url.URL
	// Now is the clock TOTP codes are checked by; time.Now when nil. Tests move it on
	// rather than wait for the next 30-second step (apptest.App.TOTPCode).
	Now func() time.Time
	Log *slog.Logger
}

// NewHandler returns the sign-in and account handlers.
func NewHandler(o Options) (*Handler, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if o.FactorKey == nil {
		return nil, errors.New("auth: no factor key (Options.FactorKey)")
	}
	rp, err := newRelyingParty(o.PublicURL)
	if err != nil {
		return nil, err
	}
	return &Handler{db: o.DB, reads: database.NewPrepared(o.DB), sessions: o.Sessions, render: o.Renderer, validate: o.Validator,
		throttle: o.Throttle, idcard: o.IDCard, idcardURL: o.IDCardURL, factors: o.FactorKey, rp: rp, now: now, log: o.Log}, nil
}

// LoadSession is middleware that finds the request's session and, when someone is
// signed in, who: the Viewer. A session of a deactivated or deleted user is ended.
func (h *Handler) LoadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		sess, err := h.sessions.Get(r, CookieName)
		if err != nil {
			return err
		}
		web.SetSession(c, sess)
		if v, ok := sess.Values[keyReference].(int64); ok {
			c.SetRequest(r.WithContext(reference.NewContext(r.Context(), v)))
			r = c.Request()
		}
		if uid, ok := sess.Values[keyUserID].(int64); ok {
			u := sessionUser(sess, uid)
			if u == nil {
				u, err = user.NewStore(h.reads).ByID(r.Context(), uid)
			}
			switch {
			case errors.Is(err, user.ErrNotFound) || (err == nil && !u.Active):
				sess.Options.MaxAge = -1
				if err := sess.Save(r, c.Response()); err != nil {
					return err
				}
				web.SetSession(c, nil)
			case err != nil:
				return err
			default:
				v := u.Viewer()
				v.SessionID = RowID(sess)
				v.AuthMethod, _ = sess.Values[keyAuthMethod].(string)
				web.SetViewer(c, v)
			}
		}
		return next(c)
	}
}

// Require is middleware that lets a request through only when rule allows its viewer
// and their session is as strong as the route needs. Nobody signed in: to the sign-in
// page, coming back here afterwards. Signed in without the role: 403. Signed in too
// weakly: a page sends the person to the second step, to come back here afterwards;
// any other request is refused (403).
func Require(rule access.Rule, strength access.Strength) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := web.ViewerOf(c)
			if rule.Allows(v) && (rule.IsPublic() || v.Satisfies(strength)) {
				return next(c)
			}
			if v == nil {
				to := "/login"
				if r := c.Request(); r.Method == http.MethodGet && r.URL.Path != "/" {
					to += "?next=" + url.QueryEscape(r.URL.RequestURI())
				}
				if web.IsHTMX(c) {
					c.Response().Header().Set("HX-Redirect", to)
					return c.NoContent(http.StatusUnauthorized)
				}
				return c.Redirect(http.StatusSeeOther, to)
			}
			if !rule.Allows(v) {
				return echo.ErrForbidden
			}
			// Signed in with the role, but too weakly: a page asks for the second
			// factor and comes back here; anything else cannot be replayed after it,
			// so it is refused (its page asked for the step up first).
			r := c.Request()
			if r.Method != http.MethodGet {
				return echo.ErrForbidden
			}
			to := SecondFactorPath + "?next=" + url.QueryEscape(r.URL.RequestURI())
			if web.IsHTMX(c) {
				c.Response().Header().Set("HX-Redirect", to)
				return c.NoContent(http.StatusUnauthorized)
			}
			return c.Redirect(http.StatusSeeOther, to)
		}
	}
}

// LoginPage is the data of the sign-in page.
type LoginPage struct {
	IDCardURL string // where to sign in with an ID-card; "" when Tugi takes none
}

type loginForm struct {
	Email    string `form:"email" validate:"required,email,max=254"`
	Password string `form:"password" validate:"required,max=1000" trim:"no"`
	Next     string `form:"next"`
}

// LoginPage shows the sign-in form; someone already signed in goes home.
func (h *Handler) LoginPage(c echo.Context) error {
	if web.ViewerOf(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	p := h.render.NewPage(c, "Sign in")
	p.Form.Values = url.Values{"next": {c.QueryParam("next")}}
	p.Data = LoginPage{IDCardURL: h.idcardURL}
	return c.Render(http.StatusOK, tplLogin, p)
}

// Login checks the e-mail and password and starts a new session.
func (h *Handler) Login(c echo.Context) error {
	ctx := c.Request().Context()
	var f loginForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	form.Values.Del("password")
	fail := func(status int, msg string) error {
		form.Fail("form", msg)
		p := h.render.NewPage(c, "Sign in")
		p.Form = form
		p.Data = LoginPage{IDCardURL: h.idcardURL}
		return c.Render(status, tplLogin, p)
	}
	if form.Invalid() {
		return fail(http.StatusUnprocessableEntity, "Enter your e-mail address and password.")
	}

	actor := web.Actor(c)
	u, err := user.NewStore(h.db).ByEmail(ctx, f.Email)
	if err != nil && !errors.Is(err, user.ErrNotFound) {
		return err
	}
	devices, err := h.devices(ctx)
	if err != nil {
		return err
	}
	attempt, err := h.throttle.Attempt(ctx, h.db, f.Email, actor.ClientIP, devices.nonce(c.Request(), u))
	if err != nil {
		return err
	}
	blocked := attempt.Blocked != NoLimit
	device := "new" // browser, for the audit log
	if attempt.Device != "" {
		device = "known"
	}
	var ok bool
	switch {
	case blocked:
	case u == nil || u.PasswordHash == "":
		ok = user.CheckNoAccount(f.Password)
	default:
		ok = user.CheckPassword(u.PasswordHash, f.Password) && u.Active
	}
	if !ok {
		reason := "wrong_password"
		switch {
		case blocked:
			reason = "throttled_" + string(attempt.Blocked)
		case u == nil:
			reason = "unknown_account"
		case !u.Active:
			reason = "inactive"
		}
		ev := audit.Event{Action: "auth.sign_in_failed", ObjectType: "user",
			Changes: map[string]audit.Change{"reason": {New: reason}, "device": {New: device}}}
		if u != nil {
			ev.ObjectID = strconv.FormatInt(u.ID, 10)
			actor.UserID, actor.Roles = u.ID, u.Roles.Strings()
			if u.OrgID != nil {
				ev.OrgID = *u.OrgID
			}
		} else {
			actor.Job = "sign-in"
		}
		err := database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
			if blocked { // refused unchecked: not a guess
				if err := h.throttle.Forget(ctx, tx, attempt); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, actor, ev)
		})
		if err != nil {
			return err
		}
		if blocked {
			return fail(http.StatusTooManyRequests, throttledMessage(attempt.Blocked))
		}
		return fail(http.StatusUnauthorized, "The e-mail or password is not right.")
	}

	actor.UserID, actor.Roles = u.ID, u.Roles.Strings()
	second, err := h.needsSecondFactor(ctx, u)
	if err != nil {
		return err
	}
	if second {
		// The password was right, so it is no failure; but the account's failures stay
		// until the second step is passed too, or knowing the password would reset the
		// count of guessed codes.
		if err := h.throttle.Forget(ctx, h.db, attempt); err != nil {
			return err
		}
		if err := h.startPending(c, u); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, SecondFactorPath+"?next="+url.QueryEscape(safeNext(f.Next)))
	}
	if err := h.startSession(c, u, "password"); err != nil {
		return err
	}
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if err := h.throttle.Succeed(ctx, tx, f.Email, attempt); err != nil {
			return err
		}
		if err := user.NewStore(tx).RecordSignIn(ctx, u.ID); err != nil {
			return err
		}
		ev := audit.Event{Action: "auth.sign_in", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10),
			Changes: map[string]audit.Change{"method": {New: "password"}, "device": {New: device}}}
		if u.OrgID != nil {
			ev.OrgID = *u.OrgID
		}
		return audit.Record(ctx, tx, actor, ev)
	})
	if err != nil {
		return err
	}
	if err := devices.set(c, u); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, safeNext(f.Next))
}

// startSession ends the request's current session and starts a new one for u, so a
// session id known before sign-in (fixation) is worth nothing after it.
func (h *Handler) startSession(c echo.Context, u *user.User, method string) error {
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
	sess.Values[keyUserID] = u.ID
	sess.Values[keyAuthMethod] = method
	sess.Values[keyClientIP] = c.RealIP()
	if err := sess.Save(r, w); err != nil {
		return err
	}
	web.SetSession(c, sess)
	web.RenewCSRF(c)
	return nil
}

// Logout ends the session.
func (h *Handler) Logout(c echo.Context) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	sess := web.SessionOf(c)
	err := database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if _, err := h.sessions.Revoke(ctx, tx, v.UserID, v.SessionID); err != nil {
			return err
		}
		ev := audit.Event{Action: "auth.sign_out", ObjectType: "session", ObjectID: strconv.FormatInt(v.SessionID, 10), OrgID: v.OrgID}
		return audit.Record(ctx, tx, web.Actor(c), ev)
	})
	if err != nil {
		return err
	}
	sess.Options.MaxAge = -1
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	web.RenewCSRF(c)
	web.SetSession(c, nil)
	web.Flash(c, i18n.T(v.Lang, "You have signed out."))
	return c.Redirect(http.StatusSeeOther, "/login")
}

// safeNext returns next when it is a path on this site, and "/" otherwise, so the
// sign-in form cannot be used to send people elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
