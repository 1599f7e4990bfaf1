package ticket

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
	"tugi/app/sla"
	"tugi/app/web"
)

// bulkLimit caps the tickets one bulk action changes: four pages of the queue.
const bulkLimit = 100

// Bulk changes the assignee, status or priority of the tickets the agent selected in the
// queue. Each ticket is changed as the ticket page changes it (SetFields: its own
// transaction, its own audit events, notices and clocks), so one that cannot be changed
// (closed meanwhile, say) leaves the others changed; the agent is told how many changed
// and which did not, and why.
func (h *Handler) Bulk(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	v := web.ViewerOf(c)
	back := "/queue"
	if q := queueViewQuery(values.Get("back")); q != "" {
		back += "?" + q
	}
	var f Fields
	changes := 0
	if s := values.Get("bulk_status"); s != "" {
		st := Status(s)
		if !st.Valid() || st == New {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "not a status a ticket can be set to")
		}
		f.Status, changes = &st, changes+1
	}
	if s := values.Get("bulk_priority"); s != "" {
		p := sla.Priority(s)
		if !contains(sla.Priorities, p) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "not a priority")
		}
		f.Priority, changes = &p, changes+1
	}
	if s := values.Get("bulk_assignee"); s != "" {
		var id int64 // "none": nobody
		if s != "none" {
			if id, err = strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
				return echo.NewHTTPError(http.StatusUnprocessableEntity, "not an agent")
			}
		}
		f.AssigneeID, changes = &id, changes+1
	}
	var ids []int64
	for _, s := range values["ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "not a ticket")
		}
		if !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		web.Flash(c, i18n.T(v.Lang, "Select the tickets to change first."))
		return web.Redirect(c, back)
	case changes == 0:
		web.Flash(c, i18n.T(v.Lang, "Choose what to change: the assignee, the status or the priority."))
		return web.Redirect(c, withSelection(back, ids))
	case len(ids) > bulkLimit:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "too many tickets at once")
	}
	ctx, st := c.Request().Context(), NewStore(h.svc.reads)
	changed := 0
	var refused []string
	for _, id := range ids {
		err := h.svc.SetFields(ctx, web.Actor(c), v, id, f)
		if err == nil {
			changed++
			continue
		}
		why := ""
		switch {
		case errors.Is(err, ErrNotFound):
			why = i18n.T(v.Lang, "not found")
		case errors.Is(err, ErrNotAnAgent):
			why = i18n.T(v.Lang, "Only an active support agent can be assigned.")
		case errors.Is(err, ErrInvalidStatus), errors.Is(err, ErrInvalidPriority):
			why = i18n.T(v.Lang, "Choose one of the options offered.")
		default:
			return err
		}
		ref := "#" + strconv.FormatInt(id, 10)
		if t, err := st.Get(ctx, ScopeOf(v), id); err == nil {
			ref = t.Reference()
		}
		refused = append(refused, ref+": "+why)
	}
	web.Flash(c, i18n.T(v.Lang, "%d of %d tickets changed.", changed, len(ids)))
	if len(refused) > 0 {
		web.Flash(c, i18n.T(v.Lang, "Not changed: %s", strings.Join(refused, "; ")))
	}
	return web.Redirect(c, back)
}

// withSelection is queue path back with tickets ids still selected.
func withSelection(back string, ids []int64) string {
	u, err := url.Parse(back)
	if err != nil {
		return back
	}
	q := u.Query()
	for _, id := range ids {
		q.Add("ids", strconv.FormatInt(id, 10))
	}
	u.RawQuery = q.Encode()
	return u.String()
}
