package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/web"
)

// QueueView is a set of the queue's filters an agent saved under a name.
type QueueView struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"`
	Query string `db:"query"` // the queue's query string: view, sort and filters
}

// Path is the queue page the view shows.
func (qv QueueView) Path() string { return "/queue?" + qv.Query }

// ErrQueueViewNameTaken is SaveQueueView's refusal of a name the agent already uses.
var ErrQueueViewNameTaken = errors.New("ticket: a queue view of this name exists")

// queueViewKeys are the query parameters a saved view keeps: the queue's tab, its sort
// and its filters; never a page cursor or a selection.
var queueViewKeys = []string{"view", "sort", "org", "org_name", "category", "priority", "status", "assignee"}

// queueViewQuery keeps of query string q what a saved view keeps, in a stable order.
func queueViewQuery(q string) string {
	all, err := url.ParseQuery(q)
	if err != nil {
		return ""
	}
	kept := url.Values{}
	for _, k := range queueViewKeys {
		if s := strings.TrimSpace(all.Get(k)); s != "" && web.Storable(s) {
			kept.Set(k, s)
		}
	}
	return kept.Encode()
}

// QueueViews returns the agent's saved views, by name.
func (s *Store) QueueViews(ctx context.Context, ownerID int64) ([]QueueView, error) {
	var vs []QueueView
	if err := s.q.SelectContext(ctx, &vs, selectQueueViews, ownerID); err != nil {
		return nil, fmt.Errorf("ticket store: queue views of %d: %w", ownerID, err)
	}
	return vs, nil
}

// SaveQueueView saves the queue's query string under name for the agent v, audited as
// queue_view.create.
func (s *Service) SaveQueueView(ctx context.Context, actor audit.Actor, v *access.Viewer, name, query string) (int64, error) {
	if !ScopeOf(v).Staff() {
		return 0, ErrNotAllowed
	}
	var id int64
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &id, insertQueueView, v.UserID, name, query, s.Now())
		switch {
		case database.IsConstraint(err, "queue_views_owner_name"):
			return ErrQueueViewNameTaken
		case err != nil:
			return fmt.Errorf("ticket store: save queue view: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "queue_view.create", ObjectType: "queue_view",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]audit.Change{"name": {New: name}, "query": {New: query}}})
	})
	return id, err
}

// DeleteQueueView deletes the agent v's view id (another's is not found), audited as
// queue_view.delete.
func (s *Service) DeleteQueueView(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) error {
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var name string
		err := tx.GetContext(ctx, &name, deleteQueueView, id, v.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("ticket store: delete queue view %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "queue_view.delete", ObjectType: "queue_view",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]audit.Change{"name": {Old: name}}})
	})
}

type queueViewForm struct {
	Name  string `form:"view_name" validate:"required,max=60"`
	Query string `form:"query" validate:"max=1000"`
}

// SaveView saves the filters the queue shows under the name the agent gives; the queue
// comes back with the view among its tabs.
func (h *Handler) SaveView(c echo.Context) error {
	var f queueViewForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	query := queueViewQuery(f.Query)
	v := web.ViewerOf(c)
	if !form.Invalid() {
		_, err = h.svc.SaveQueueView(web.Once(c, "/queue?"+query), web.Actor(c), v, strings.TrimSpace(f.Name), query)
		switch {
		case errors.Is(err, ErrQueueViewNameTaken):
			form.Fail("view_name", "You have a view of this name already.")
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		// The queue as it was, with the message beside the name.
		c.Request().URL.RawQuery = query
		return h.renderQueueStatus(c, tplQueue, http.StatusUnprocessableEntity, form)
	}
	web.Flash(c, i18n.T(v.Lang, "View %s saved.", strings.TrimSpace(f.Name)))
	return web.Redirect(c, "/queue?"+query)
}

// DeleteView deletes one of the agent's saved views.
func (h *Handler) DeleteView(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("view"), 10, 64)
	if err != nil || id <= 0 {
		return echo.ErrNotFound
	}
	v := web.ViewerOf(c)
	err = h.svc.DeleteQueueView(c.Request().Context(), web.Actor(c), v, id)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "View deleted."))
	return web.Redirect(c, "/queue")
}
