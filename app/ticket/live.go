package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/live"
	"tugi/app/web"
)

// The live layer's topics and kinds of tickets (app/live). Every change of a ticket is
// published twice, in the transaction of the change: to the queue, which every agent's
// open queue page follows, and to the ticket's own topic, which its open pages follow.
const (
	// QueueTopic carries every new or changed ticket, for the agents' queue.
	QueueTopic = "queue"
	// KindChanged is a ticket created or changed (a message, a field, its status).
	KindChanged = "ticket.changed"
	// KindPresence is a signal (not kept) that someone views a ticket or writes a reply.
	KindPresence = "ticket.presence"
)

// Topic is the live topic of ticket id.
func Topic(id int64) string { return "ticket:" + strconv.FormatInt(id, 10) }

// LiveChange is the data of a KindChanged event: the ticket, and the message the change
// added (0 for none; internal for a note, which no customer may receive).
type LiveChange struct {
	Ticket   int64 `json:"ticket"`
	Message  int64 `json:"message,omitempty"`
	Internal bool  `json:"internal,omitempty"`
	By       int64 `json:"by"` // who made the change
}

// publish tells the live layer of a change of ticket t made by the person by, through q,
// the transaction of the change: events are the change's audit events, which name the
// message it added.
func publish(ctx context.Context, q database.Queryer, t *Ticket, by int64, events []audit.Event) error {
	ch := LiveChange{Ticket: t.ID, By: by}
	for _, ev := range events {
		if m, ok := ev.Changes["message_id"]; ok {
			if id, ok := m.New.(int64); ok {
				ch.Message, ch.Internal = id, ev.Action == "ticket.note"
			}
		}
	}
	return live.Publish(ctx, q, live.Event{Topic: QueueTopic, Kind: KindChanged, Org: t.OrgID, Data: ch},
		live.Event{Topic: Topic(t.ID), Kind: KindChanged, Org: t.OrgID, Data: ch})
}

// presence is the data of a KindPresence signal.
type presence struct {
	User  int64  `json:"user"`
	Name  string `json:"name"`
	State string `json:"state"` // viewing, replying or left
}

// Presence states.
const (
	viewing  = "viewing"
	replying = "replying"
	left     = "left"
)

// How long a presence is shown without being told again: a viewer's stream tells it on
// every heartbeat (live.DefaultHeartbeat), a reply's text area at most every few seconds
// while someone types (static/js/live.js).
const (
	viewingFor  = 50 * time.Second
	replyingFor = 12 * time.Second
)

// allowed reports whether the viewer of scope may receive an event of a ticket of
// organisation org: staff any, a customer only their organisation's, and never a note.
func allowed(scope Scope, m live.Message) bool {
	if scope.Staff() {
		return true
	}
	if scope.None() || m.Org != scope.OrgID {
		return false
	}
	var ch LiveChange
	if m.Kind == KindChanged && json.Unmarshal(m.Data, &ch) == nil && ch.Internal {
		return false
	}
	return m.Kind == KindChanged
}

// QueueLive streams the queue's changes to an agent's open queue page. Each event names
// one ticket; the page then asks for that one row (QueueRow, /tickets/:id/row) with its
// own view and filters, which answers the row, or that the ticket left this view. The
// frame depends on the event and the filters only, so the open queues of the same
// filters share it (live.Stream.Shared): an event is rendered once for all of them. A
// page that missed events the table no longer keeps loads again ("reset").
func (h *Handler) QueueLive(c echo.Context) error {
	v := web.ViewerOf(c)
	scope := ScopeOf(v)
	if !scope.Staff() {
		return echo.ErrNotFound
	}
	filters := c.QueryParams()
	filters.Del("after")
	query := filters.Encode()
	return h.hub.Serve(c.Response(), c.Request(), live.Stream{
		Topics: []string{QueueTopic},
		Allow:  func(m live.Message) bool { return allowed(scope, m) },
		Shared: "ticket.queue?" + query,
		Render: func(_ context.Context, m live.Message) (live.Frame, error) {
			var ch LiveChange
			if err := json.Unmarshal(m.Data, &ch); err != nil {
				return live.Frame{}, err
			}
			return live.Frame{Event: "queue", Data: `<div hx-get="` + ticketPath(ch.Ticket) + `/row?` + html.EscapeString(query) +
				`" hx-trigger="load" hx-target="this" hx-swap="delete"></div>`}, nil
		},
	})
}

// QueueRow is one row of the queue, as the view and filters of the query ask: the row
// of ticket :id, marked to replace the row on the page or to be added at its top,
// or, when the ticket is not (or no longer) in this view, that its row goes.
func (h *Handler) QueueRow(c echo.Context) error {
	return h.renderQueueStatus(c, tplRow, http.StatusOK, web.Form{})
}

// TicketLive streams a ticket's changes and the presence of the other agents to its open
// page: a new message makes the page fetch its conversation again; presence shows who
// else views it or writes a reply. It is authorised as the page is (404 for a ticket the
// viewer may not see) and every event again. A page that was away longer than the events
// are kept (they were pruned), or further behind than a replay sends, fetches itself
// again as on a change, so it misses nothing and keeps the reply being written.
func (h *Handler) TicketLive(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	scope := ScopeOf(v)
	ctx := c.Request().Context()
	topic := Topic(t.ID)
	known := map[int64]bool{} // the others seen on the page, each greeted back once
	announce := func(state string) func() {
		return func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := live.Signal(sctx, h.svc.db, live.Event{Topic: topic, Kind: KindPresence, Data: presence{User: v.UserID, Name: v.Name, State: state}}); err != nil {
				c.Logger().Error(err)
			}
		}
	}
	// A change makes the page fetch itself again and take its conversation, and for an
	// agent the newest message seen (the reply form's) and the side panel with the clocks.
	refetch := `<div hx-get="` + ticketPath(t.ID) + `" hx-trigger="load" hx-select="#conversation" hx-target="#conversation" hx-swap="outerHTML" hx-select-oob="#seen-message,#ticket-panel"></div>`
	st := live.Stream{
		Topics: []string{topic},
		Allow:  func(m live.Message) bool { return allowed(scope, m) },
		Render: func(_ context.Context, m live.Message) (live.Frame, error) {
			switch m.Kind {
			case KindChanged:
				var ch LiveChange
				if err := json.Unmarshal(m.Data, &ch); err != nil {
					return live.Frame{}, err
				}
				if ch.Message == 0 && ch.By == v.UserID {
					return live.Frame{}, nil // their own page shows their change already
				}
				return live.Frame{Event: "message", Data: refetch}, nil
			case KindPresence:
				f, p, err := presenceFrame(v, m)
				// Someone new on the page is greeted back, so they see this viewer now
				// rather than at its next heartbeat.
				if err == nil && p.State == viewing && scope.Staff() && !known[p.User] {
					known[p.User] = true
					go announce(viewing)()
				}
				return f, err
			}
			return live.Frame{}, nil
		},
		Missed: func(context.Context) ([]live.Frame, error) {
			return []live.Frame{{Event: "message", Data: refetch}}, nil
		},
	}
	if scope.Staff() {
		st.Opened, st.Beat, st.Closed = announce(viewing), announce(viewing), announce(left)
	}
	return h.hub.Serve(c.Response(), c.Request(), st)
}

// presenceFrame renders, for the viewer v, another agent's presence: a line that
// replaces theirs or is added to the list (static/js/live.js), or that theirs goes.
func presenceFrame(v *access.Viewer, m live.Message) (live.Frame, presence, error) {
	var p presence
	if err := json.Unmarshal(m.Data, &p); err != nil {
		return live.Frame{}, p, err
	}
	if p.User == v.UserID || !v.IsStaff() {
		return live.Frame{}, presence{}, nil
	}
	id := "presence-" + strconv.FormatInt(p.User, 10)
	var text string
	var until time.Duration
	switch p.State {
	case viewing:
		text, until = i18n.T(v.Lang, "%s is viewing", p.Name), viewingFor
	case replying:
		text, until = i18n.T(v.Lang, "%s is replying", p.Name), replyingFor
	default:
		return live.Frame{Event: "presence", Data: `<li id="` + id + `" hx-swap-oob="delete"></li>`}, p, nil
	}
	return live.Frame{Event: "presence", Data: `<li id="` + id + `" class="presence-` + p.State + `" hx-swap-oob="true" data-live-into="#presence" data-live-for="` +
		strconv.FormatInt(until.Milliseconds(), 10) + `">` + html.EscapeString(text) + `</li>`}, p, nil
}

// Presence tells the other agents on a ticket's page that this one writes a reply
// (state=replying), from the reply's text area while they type. It changes nothing kept,
// so it records no audit event; without JavaScript it is never sent.
func (h *Handler) Presence(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	if c.FormValue("state") != replying {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	err = live.Signal(c.Request().Context(), h.svc.db, live.Event{Topic: Topic(t.ID), Kind: KindPresence, Data: presence{User: v.UserID, Name: v.Name, State: replying}})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// NewerMessage tells whether ticket id has a message after the one numbered seen by
// someone other than user.
func (s *Store) NewerMessage(ctx context.Context, id, seen, user int64) (bool, error) {
	var newer bool
	if err := s.q.GetContext(ctx, &newer, newerMessage, id, seen, user); err != nil {
		return false, fmt.Errorf("ticket store: newer message of %d: %w", id, err)
	}
	return newer, nil
}
