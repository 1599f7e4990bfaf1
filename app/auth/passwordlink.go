package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
	"tugi/app/user"
	"tugi/app/web"
)

// Password links: a customer account made from an e-mail (app/inbound makes a contact of
// an unknown sender at a domain an admin listed) has no password. Tugi mails its owner a
// link to set one: its token is random (130 bits), kept only as its SHA-256, used once,
// and valid for PasswordLinkValid. Opening the link shows a form and changes nothing (mail
// scanners open links); sending the form sets the password, ends the link and the
// account's other links, and is audited. At most PasswordLinksPerDay links are mailed to
// one account in a day, so nobody can make Tugi flood an inbox.

// PasswordLinkValid is how long a password link can be used.
const PasswordLinkValid = 7 * 24 * time.Hour

// PasswordLinksPerDay is how many password links one account is sent in 24 hours.
const PasswordLinksPerDay = 3

const tplPasswordLink = "auth/password_link"

// PasswordLinks mails password links, for the features that make accounts without a
// password (app/inbound's Options.PasswordLinks).
type PasswordLinks struct {
	PublicURL string // where the link points; "" mails none, as for every notice
}

// Issue mails u a link to set their password, in tx (the transaction that made the
// account, or found it without one), unless u has a password, is not active, has a link
// that can still be used, or was sent PasswordLinksPerDay links in the last day. It
// reports whether it mailed one.
func (l PasswordLinks) Issue(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, u *user.User) (bool, error) {
	if l.PublicURL == "" || !u.Active || u.PasswordHash != "" {
		return false, nil
	}
	var n struct {
		Recent int `db:"recent"`
		Usable int `db:"usable"`
	}
	if err := tx.GetContext(ctx, &n, countLinks, u.ID); err != nil {
		return false, fmt.Errorf("auth: password links of %d: %w", u.ID, err)
	}
	if n.Recent >= PasswordLinksPerDay || n.Usable > 0 {
		return false, nil
	}
	token := rand.Text()
	sum := sha256.Sum256([]byte(token))
	if _, err := tx.ExecContext(ctx, endUnusedLinks, u.ID); err != nil {
		return false, fmt.Errorf("auth: end password links of %d: %w", u.ID, err)
	}
	var id int64
	if err := tx.GetContext(ctx, &id, insertLink, u.ID, sum[:], PasswordLinkValid.Seconds()); err != nil {
		return false, fmt.Errorf("auth: password link of %d: %w", u.ID, err)
	}
	lang := u.Language
	link := strings.TrimSuffix(l.PublicURL, "/") + "/password/" + token
	text := i18n.T(lang, "Hello %s,", u.Name) + "\n\n" +
		i18n.T(lang, "Your e-mail to support made you an account in Tugi, the support portal, where you can follow your tickets. To sign in, set a password here:") +
		"\n\n" + link + "\n\n" +
		i18n.T(lang, "The link works once, for %d days. If you did not write to support, ignore this mail: nothing happens.", int(PasswordLinkValid.Hours()/24))
	if _, err := mail.Enqueue(ctx, tx, mail.Message{To: mail.Address{Name: u.Name, Email: u.Email},
		Subject: i18n.T(lang, "Set your password for Tugi"), Text: text, Kind: "auth.password_link",
		ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), OrgID: orgOf(u), UserID: u.ID}); err != nil {
		return false, err
	}
	return true, audit.Record(ctx, tx, actor, audit.Event{Action: "auth.password_link", ObjectType: "user",
		ObjectID: strconv.FormatInt(u.ID, 10), OrgID: orgOf(u), Changes: map[string]audit.Change{"link_id": {New: id}}})
}

// passwordLink is a link that can be used.
type passwordLink struct {
	ID     int64 `db:"id"`
	UserID int64 `db:"user_id"`
}

// findLink returns the usable link whose token is token (query reads it, or locks it),
// or nil when there is none: never one, used, or ended.
func findLink(ctx context.Context, q database.Queryer, query, token string) (*passwordLink, error) {
	if len(token) != len(rand.Text()) {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(token))
	var l passwordLink
	err := q.GetContext(ctx, &l, query, sum[:])
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: password link: %w", err)
	}
	return &l, nil
}

// PasswordLinkPage is the data of the page a password link opens.
type PasswordLinkPage struct {
	Valid     bool
	Email     string
	MinLength int
}

type setPasswordForm struct {
	New     string `form:"new_password" validate:"required,min=12,max=1000" trim:"no"`
	Confirm string `form:"confirm_password" validate:"required,eqfield=New" trim:"no"`
}

// PasswordLinkPage shows the form of a password link, or says it cannot be used (used,
// ended, or no link at all: the three are not told apart). It changes nothing.
func (h *Handler) PasswordLinkPage(c echo.Context) error {
	return h.renderPasswordLink(c, http.StatusOK, web.Form{})
}

func (h *Handler) renderPasswordLink(c echo.Context, status int, form web.Form) error {
	ctx := c.Request().Context()
	c.Response().Header().Set("Referrer-Policy", "no-referrer") // the token is in the address
	c.Response().Header().Set("Cache-Control", "no-store")
	p := h.render.NewPage(c, "Set your password")
	d := PasswordLinkPage{MinLength: user.MinPasswordLength}
	l, err := findLink(ctx, h.db, selectUsableLink, c.Param("token"))
	if err != nil {
		return err
	}
	if l != nil {
		u, err := user.NewStore(h.db).ByID(ctx, l.UserID)
		if err != nil {
			return err
		}
		d.Valid, d.Email = u.Active, u.Email
	}
	if !d.Valid && status == http.StatusOK {
		status = http.StatusNotFound
	}
	p.Form, p.Data = form, d
	return c.Render(status, tplPasswordLink, p)
}

// SetPasswordByLink sets the password of a password link's account, ends its links, and
// sends the person to sign in.
func (h *Handler) SetPasswordByLink(c echo.Context) error {
	ctx := c.Request().Context()
	var f setPasswordForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	form.Values.Del("new_password")
	form.Values.Del("confirm_password")
	if form.Invalid() {
		return h.renderPasswordLink(c, http.StatusUnprocessableEntity, form)
	}
	hash, err := user.HashPassword(f.New)
	if err != nil {
		return err
	}
	actor := web.Actor(c)
	set := false
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		l, err := findLink(ctx, tx, lockUsableLink, c.Param("token"))
		if err != nil || l == nil {
			return err
		}
		st := user.NewStore(tx)
		u, err := st.ByID(ctx, l.UserID)
		if err != nil || !u.Active {
			return err
		}
		if err := st.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, useLinks, u.ID, l.ID); err != nil {
			return fmt.Errorf("auth: use password link %d: %w", l.ID, err)
		}
		set = true
		actor.UserID, actor.Roles = u.ID, u.Viewer().RoleStrings()
		return audit.Record(ctx, tx, actor, audit.Event{Action: "user.set_password_by_link", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), OrgID: orgOf(u), Changes: map[string]audit.Change{"link_id": {New: l.ID}}})
	})
	if err != nil {
		return err
	}
	if !set { // used or ended meanwhile
		return h.renderPasswordLink(c, http.StatusNotFound, web.Form{})
	}
	web.Flash(c, i18n.T(h.render.NewPage(c, "").Lang, "Your password is set. Sign in with your e-mail address and it."))
	return web.Redirect(c, "/login")
}

// countLinks counts user $1's links made in the last day, and those that can be used.
const countLinks = `
SELECT count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS recent,
       count(*) FILTER (WHERE used_at IS NULL AND expires_at > now()) AS usable
FROM password_links WHERE user_id = $1`

// endUnusedLinks ends user $1's links not yet used: only the newest one works.
const endUnusedLinks = `UPDATE password_links SET expires_at = least(expires_at, now()) WHERE user_id = $1 AND used_at IS NULL`

const insertLink = `
INSERT INTO password_links (user_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
RETURNING id`

const selectUsableLink = `SELECT id, user_id FROM password_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`

const lockUsableLink = selectUsableLink + ` FOR UPDATE`

// useLinks marks link $2 used and ends user $1's other links.
const useLinks = `
UPDATE password_links SET used_at = CASE WHEN id = $2 THEN now() END, expires_at = least(expires_at, now())
WHERE user_id = $1 AND used_at IS NULL`
