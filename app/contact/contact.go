// Package contact keeps the support contact that customers read in every page's footer
// beside the support hours: the phone number and e-mail address of customer support,
// which the admin edits.
package contact

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/route"
	"tugi/app/web"
)

const (
	selectContact = `SELECT phone, email FROM support_contact`
	upsertContact = `
INSERT INTO support_contact (phone, email, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET phone = excluded.phone, email = excluded.email, updated_at = excluded.updated_at`
)

// Book reads and changes the support contact. Until the admin has saved one, it is the
// contact Tugi was started with.
type Book struct {
	db       *sqlx.DB
	defaults web.Contact
	now      func() time.Time
}

// NewBook returns the support contact of db, defaults until the admin saves one.
func NewBook(db *sqlx.DB, defaults web.Contact, now func() time.Time) *Book {
	if now == nil {
		now = time.Now
	}
	return &Book{db: db, defaults: defaults, now: now}
}

// Current returns the support contact in force.
func (b *Book) Current(ctx context.Context) (web.Contact, error) {
	return current(ctx, b.db, b.defaults)
}

func current(ctx context.Context, q database.Queryer, defaults web.Contact) (web.Contact, error) {
	var c struct {
		Phone string `db:"phone"`
		Email string `db:"email"`
	}
	err := q.GetContext(ctx, &c, selectContact)
	if errors.Is(err, sql.ErrNoRows) {
		return defaults, nil
	}
	if err != nil {
		return web.Contact{}, fmt.Errorf("contact: read: %w", err)
	}
	return web.Contact{Phone: c.Phone, Email: c.Email}, nil
}

// Save stores the support contact, audited as contact.update with what changed.
func (b *Book) Save(ctx context.Context, actor audit.Actor, c web.Contact) error {
	return database.WithTx(ctx, b.db, func(tx *sqlx.Tx) error {
		old, err := current(ctx, tx, b.defaults)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, upsertContact, c.Phone, c.Email, b.now()); err != nil {
			return fmt.Errorf("contact: save: %w", err)
		}
		changes := map[string]audit.Change{}
		if old.Phone != c.Phone {
			changes["phone"] = audit.Change{Old: old.Phone, New: c.Phone}
		}
		if old.Email != c.Email {
			changes["email"] = audit.Change{Old: old.Email, New: c.Email}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "contact.update", ObjectType: "support_contact", ObjectID: "1", Changes: changes})
	})
}

// AuditActions are the actions this package records.
func AuditActions() []audit.ActionLabel {
	return []audit.ActionLabel{{Action: "contact.update", EN: "Support contact changed", ET: "Klienditoe kontakt muudetud"}}
}

// Handler serves the admin's page of the support contact.
type Handler struct {
	book     *Book
	render   *web.Renderer
	validate *web.Validator
}

// NewHandler returns the support contact's admin page.
func NewHandler(book *Book, render *web.Renderer, validate *web.Validator) *Handler {
	return &Handler{book: book, render: render, validate: validate}
}

// Routes are the admin's support contact page and its form.
func (h *Handler) Routes() []route.Route {
	admins := access.AnyOf(access.Admin)
	return []route.Route{
		{Method: http.MethodGet, Path: "/admin/contact", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: h.Show},
		{Method: http.MethodPost, Path: "/admin/contact", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.Save},
	}
}

const tplContact = "contact/contact"

// Show shows the support contact in its form.
func (h *Handler) Show(c echo.Context) error {
	cur, err := h.book.Current(c.Request().Context())
	if err != nil {
		return err
	}
	return h.renderForm(c, http.StatusOK, web.Form{Values: map[string][]string{"phone": {cur.Phone}, "email": {cur.Email}}})
}

func (h *Handler) renderForm(c echo.Context, status int, form web.Form) error {
	p := h.render.NewPage(c, "Support contact")
	p.Form = form
	return c.Render(status, tplContact, p)
}

type contactForm struct {
	Phone string `form:"phone" validate:"required,max=40"`
	Email string `form:"email" validate:"required,max=200"`
}

// phoneChars are what a phone number is written with: digits, spaces, a leading plus,
// hyphens and parentheses.
var phoneChars = regexp.MustCompile(`^\+?[0-9 ()-]{3,40}$`)

// Save stores the support contact from the form.
func (h *Handler) Save(c echo.Context) error {
	var f contactForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	f.Phone, f.Email = strings.TrimSpace(f.Phone), strings.TrimSpace(f.Email)
	if f.Phone != "" && !phoneChars.MatchString(f.Phone) {
		form.Fail("phone", "Write a phone number with digits, spaces and a leading +, such as +372 671 8578.")
	}
	if a, err := mail.ParseAddress(f.Email); f.Email != "" && (err != nil || a.Address != f.Email) {
		form.Fail("email", "Enter an e-mail address such as name@example.com.")
	}
	if form.Invalid() {
		return h.renderForm(c, http.StatusUnprocessableEntity, form)
	}
	if err := h.book.Save(c.Request().Context(), web.Actor(c), web.Contact{Phone: f.Phone, Email: f.Email}); err != nil {
		return err
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, "Saved."))
	return web.Redirect(c, "/admin/contact")
}
