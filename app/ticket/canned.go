package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/web"
)

// CannedReply is a prepared reply that agents share and insert into their replies. Its
// body may hold the Placeholders.
type CannedReply struct {
	ID        int64     `db:"id"`
	Title     string    `db:"title"`
	Body      string    `db:"body"`
	UpdatedAt time.Time `db:"updated_at"`
	UpdatedBy *string   `db:"updated_by_name"`
}

// Placeholders are what a canned reply's body may hold; Fill replaces them.
var Placeholders = []string{"{{customer_name}}", "{{ticket_reference}}", "{{agent_name}}"}

// Fill returns the body with its placeholders replaced by plain text: the ticket's
// requester, its reference and the agent's name. Nothing else in the body is
// interpreted.
func (r CannedReply) Fill(t *Ticket, agent string) string {
	return strings.NewReplacer(
		"{{customer_name}}", t.Requester,
		"{{ticket_reference}}", t.Reference(),
		"{{agent_name}}", agent,
	).Replace(r.Body)
}

// ErrCannedTitleTaken: another canned reply has the title.
var ErrCannedTitleTaken = errors.New("ticket: a canned reply has this title already")

// cannedLimit caps the canned replies listed: a shared list of prepared texts is short.
const cannedLimit = 500

// CannedReplies lists the canned replies by title.
func (s *Store) CannedReplies(ctx context.Context) ([]CannedReply, error) {
	var rs []CannedReply
	if err := s.q.SelectContext(ctx, &rs, listCanned, cannedLimit); err != nil {
		return nil, fmt.Errorf("ticket store: canned replies: %w", err)
	}
	return rs, nil
}

// CannedReply returns canned reply id, or ErrNotFound.
func (s *Store) CannedReply(ctx context.Context, id int64) (*CannedReply, error) {
	var r CannedReply
	err := s.q.GetContext(ctx, &r, getCanned, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ticket store: canned reply %d: %w", id, err)
	}
	return &r, nil
}

// SaveCanned creates (id 0) or changes canned reply id for the agent v, audited as
// canned.create or canned.update, and returns its id. Only staff who work tickets may.
func (s *Service) SaveCanned(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, title, body string) (int64, error) {
	if !ScopeOf(v).Staff() {
		return 0, ErrNotAllowed
	}
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		action, changes := "canned.create", map[string]audit.Change{"title": {New: title}}
		var err error
		if id == 0 {
			err = tx.GetContext(ctx, &id, insertCanned, title, body, v.UserID, s.Now())
		} else {
			action = "canned.update"
			var old string
			err = tx.GetContext(ctx, &old, lockCanned, id)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			if err == nil {
				if old != title {
					changes["title"] = audit.Change{Old: old, New: title}
				} else {
					delete(changes, "title")
				}
				_, err = tx.ExecContext(ctx, updateCanned, id, title, body, v.UserID, s.Now())
			}
		}
		switch {
		case database.IsConstraint(err, "canned_replies_title_key"):
			return ErrCannedTitleTaken
		case err != nil:
			return fmt.Errorf("ticket store: save canned reply: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, ObjectType: "canned_reply",
			ObjectID: strconv.FormatInt(id, 10), Changes: changes})
	})
	return id, err
}

// DeleteCanned deletes canned reply id for the agent v, audited as canned.delete.
func (s *Service) DeleteCanned(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) error {
	if !ScopeOf(v).Staff() {
		return ErrNotAllowed
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var title string
		err := tx.GetContext(ctx, &title, deleteCanned, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("ticket store: delete canned reply %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "canned.delete", ObjectType: "canned_reply",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]audit.Change{"title": {Old: title}}})
	})
}

// ---- The pages ----

const (
	tplCanned   = "ticket/canned"
	tplReplyBox = "ticket/agent#reply-box"
)

// CannedPage is the data of the canned replies page.
type CannedPage struct {
	Replies      []CannedReply
	Editing      *CannedReply // the one the form changes; nil: the form adds one
	Placeholders []string
}

// CannedReplies lists the canned replies, with the form for a new one; ?edit= gives the
// form that changes one instead.
func (h *Handler) CannedReplies(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	edit := c.QueryParam("edit")
	if edit == "" {
		return h.renderCanned(c, http.StatusOK, nil, web.Form{})
	}
	id, err := strconv.ParseInt(edit, 10, 64)
	if err != nil || id <= 0 {
		return echo.ErrNotFound
	}
	r, err := h.cannedReply(c, id)
	if err != nil {
		return err
	}
	return h.renderCanned(c, http.StatusOK, r, web.Form{Values: map[string][]string{"title": {r.Title}, "body": {r.Body}}})
}

func (h *Handler) renderCanned(c echo.Context, status int, editing *CannedReply, form web.Form) error {
	rs, err := NewStore(h.svc.reads).CannedReplies(c.Request().Context())
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Canned replies")
	p.Form = form
	p.Data = CannedPage{Replies: rs, Editing: editing, Placeholders: Placeholders}
	return c.Render(status, tplCanned, p)
}

// cannedReply returns canned reply id; an unknown one is not found.
func (h *Handler) cannedReply(c echo.Context, id int64) (*CannedReply, error) {
	r, err := NewStore(h.svc.reads).CannedReply(c.Request().Context(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	return r, err
}

// routeCanned returns the canned reply of the route's :canned.
func (h *Handler) routeCanned(c echo.Context) (*CannedReply, error) {
	id, err := strconv.ParseInt(c.Param("canned"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.ErrNotFound
	}
	return h.cannedReply(c, id)
}

type cannedForm struct {
	Title string `form:"title" validate:"required,max=200"`
	Body  string `form:"body" validate:"required,max=20000"`
}

// CreateCanned adds a canned reply.
func (h *Handler) CreateCanned(c echo.Context) error { return h.saveCanned(c, nil) }

// UpdateCanned changes a canned reply.
func (h *Handler) UpdateCanned(c echo.Context) error {
	r, err := h.routeCanned(c)
	if err != nil {
		return err
	}
	return h.saveCanned(c, r)
}

func (h *Handler) saveCanned(c echo.Context, editing *CannedReply) error {
	var f cannedForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	if !form.Invalid() {
		var id int64
		ctx := web.Once(c, "/queue/canned") // a new one: sent twice, it is made once
		if editing != nil {
			id, ctx = editing.ID, c.Request().Context()
		}
		_, err = h.svc.SaveCanned(ctx, web.Actor(c), v, id, f.Title, f.Body)
		switch {
		case errors.Is(err, ErrCannedTitleTaken):
			form.Fail("title", "Another canned reply has this title.")
		case errors.Is(err, ErrNotFound):
			return echo.ErrNotFound
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		return h.renderCanned(c, http.StatusUnprocessableEntity, editing, form)
	}
	web.Flash(c, i18n.T(v.Lang, "Canned reply %q saved.", f.Title))
	return web.Redirect(c, "/queue/canned")
}

// DeleteCanned deletes a canned reply.
func (h *Handler) DeleteCanned(c echo.Context) error {
	r, err := h.routeCanned(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	err = h.svc.DeleteCanned(c.Request().Context(), web.Actor(c), v, r.ID)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Canned reply %q deleted.", r.Title))
	return web.Redirect(c, "/queue/canned")
}

// InsertCanned puts a canned reply, its placeholders filled, at the end of the reply the
// agent is writing (sent along as body). htmx gets the reply box back; a browser without
// JavaScript gets the ticket's page with the text in the box.
func (h *Handler) InsertCanned(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	values := c.QueryParams()
	form := web.Form{Values: map[string][]string{"body": {values.Get("body")}, "canned_id": {values.Get("canned_id")}, "kind": {values.Get("kind")}}}
	id, _ := strconv.ParseInt(values.Get("canned_id"), 10, 64)
	r, err := NewStore(h.svc.reads).CannedReply(c.Request().Context(), id)
	switch {
	case !values.Has("canned_id"): // nothing chosen: the page as it was
	case errors.Is(err, ErrNotFound):
		form.Fail("canned_id", "Choose one of the options offered.")
	case err != nil:
		return err
	default:
		body := strings.TrimRight(values.Get("body"), " \t\r\n")
		if body != "" {
			body += "\n\n"
		}
		form.Values.Set("body", body+r.Fill(t, v.Name))
	}
	status := http.StatusOK
	if form.Invalid() {
		status = http.StatusUnprocessableEntity
	}
	if !web.IsPartial(c) {
		return h.renderAgent(c, status, t.ID, form, false)
	}
	p := h.render.NewPage(c, t.Reference()+" "+t.Subject)
	p.Form = form
	p.Data = AgentPage{Ticket: t}
	return c.Render(status, tplReplyBox, p)
}
