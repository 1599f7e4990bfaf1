package chat

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/i18n"
	"tugi/app/live"
	"tugi/app/sla"
	"tugi/app/ticket"
	"tugi/app/web"
)

// Template names of the chat pages.
const (
	tplStart    = "chat/start"
	tplChat     = "chat/chat"
	tplMessages = "chat/chat#chat-messages"
	tplStatus   = "chat/chat#chat-status"
	tplQueue    = "chat/queue"
	tplLists    = "chat/queue#chat-lists"
)

// Handler serves the chat pages of customers and agents.
type Handler struct {
	svc      *Service
	db       *sqlx.DB
	hub      *live.Hub
	render   *web.Renderer
	validate *web.Validator
}

// NewHandler returns the chat handlers.
func NewHandler(svc *Service, db *sqlx.DB, hub *live.Hub, render *web.Renderer, validate *web.Validator) *Handler {
	return &Handler{svc: svc, db: db, hub: hub, render: render, validate: validate}
}

// ---- The customer's start ----

// StartPage is the data of /chat: whether chat is offered now and, if not, why and when
// support opens, with the form that leaves the message as a ticket instead.
type StartPage struct {
	Offered bool
	Reason  string // why chat is not offered now, translated
	Opens   string // when support opens, when it is closed
}

// Start shows the customer's chat: their chat under way, or the start of one.
func (h *Handler) Start(c echo.Context) error {
	v := web.ViewerOf(c)
	if ch, err := h.svc.OpenChatOf(c.Request().Context(), v); err == nil {
		return c.Redirect(http.StatusSeeOther, ch.Path())
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	return h.renderStart(c, http.StatusOK, web.Form{})
}

func (h *Handler) renderStart(c echo.Context, status int, form web.Form) error {
	v := web.ViewerOf(c)
	offer, err := h.svc.Offer(c.Request().Context())
	if err != nil {
		return err
	}
	data := StartPage{Offered: offer.Offered(), Reason: offerReason(v.Lang, offer), Opens: opens(v.Lang, offer)}
	p := h.render.NewPage(c, "Chat with support")
	p.Form = form
	p.Data = data
	return c.Render(status, tplStart, p)
}

// offerReason says, in lang, why chat is not offered now ("" when it is).
func offerReason(lang string, o Offer) string {
	switch {
	case o.Offered():
		return ""
	case o.Open:
		return i18n.T(lang, "No agent is available for chat right now.")
	case o.Support.Never:
		return i18n.T(lang, "Support is closed.")
	}
	return i18n.T(lang, "Support is closed now. It opens %s.", web.DateIn(lang, o.Support.OpensAt))
}

// opens tells in lang when support opens next, when it is closed now.
func opens(lang string, o Offer) string {
	if o.Open || o.Support.Never {
		return ""
	}
	return web.DateIn(lang, o.Support.OpensAt)
}

type messageForm struct {
	Body string `form:"body" validate:"max=4000"`
}

// question reads the customer's first message from the start form. When it is missing
// or too long, the form has gone back to them with their words and why (form.Invalid),
// and err is what rendering it returned.
func (h *Handler) question(c echo.Context) (messageForm, web.Form, error) {
	var f messageForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return f, form, err
	}
	if strings.TrimSpace(f.Body) == "" {
		form.Fail("body", "Write your question first.")
	}
	if form.Invalid() {
		return f, form, h.renderStart(c, http.StatusUnprocessableEntity, form)
	}
	return f, form, nil
}

// Begin starts a chat with the customer's first message. When chat is no longer offered
// (support closed meanwhile, or nobody is available), the form comes back with their
// words in it and the offer to leave them as a ticket.
func (h *Handler) Begin(c echo.Context) error {
	f, form, err := h.question(c)
	if err != nil || form.Invalid() {
		return err
	}
	v := web.ViewerOf(c)
	ch, err := h.svc.Start(c.Request().Context(), web.Actor(c), v, f.Body)
	switch {
	case errors.Is(err, ErrClosed):
		form.Fail("body", "Chat is not available now: your message is kept here. Leave it as a ticket, and we answer as soon as we can.")
		return h.renderStart(c, http.StatusUnprocessableEntity, form)
	case errors.Is(err, ErrOpenChat):
		open, oerr := h.svc.OpenChatOf(c.Request().Context(), v)
		if oerr != nil {
			return oerr
		}
		web.Flash(c, i18n.T(v.Lang, "You have a chat under way already."))
		return web.Redirect(c, open.Path())
	case err != nil:
		return err
	}
	return web.Redirect(c, ch.Path())
}

// LeaveMessage keeps the message of a chat that could not start as a ticket.
func (h *Handler) LeaveMessage(c echo.Context) error {
	f, form, err := h.question(c)
	if err != nil || form.Invalid() {
		return err
	}
	v := web.ViewerOf(c)
	t, err := h.svc.LeaveMessage(web.Once(c, ""), web.Actor(c), v, f.Body)
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Your message is kept as ticket %s. We answer it as soon as we can.", t.Reference()))
	return web.Redirect(c, "/tickets/"+strconv.FormatInt(t.ID, 10))
}

// ---- One chat ----

// chatID reads the route's :id; a malformed one is not found.
func chatID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// load returns the chat of the route for the viewer, or 404 when they may not read it
// (whether or not it exists).
func (h *Handler) load(c echo.Context) (*Chat, error) {
	id, err := chatID(c)
	if err != nil {
		return nil, err
	}
	ch, err := h.svc.Get(c.Request().Context(), web.ViewerOf(c), id)
	if errors.Is(err, ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	return ch, err
}

// ChatPage is the data of a chat's page, for its customer or an agent.
type ChatPage struct {
	Chat       *Chat
	Party      string // "customer", "agent" (the chat's) or "reader" (another agent)
	Status     StatusView
	Messages   []MessageRow
	Live       string // the stream's address
	CanWrite   bool
	Upload     ticket.UploadHint
	Tickets    []TicketRow // for agents: the organisation's open tickets
	CanKeep    bool        // an agent may keep the transcript as a ticket
	TicketPath string      // where the transcript is kept, once it is
	TicketRef  string
	// Fragment: the state alone, which the page asks for when the stream tells of a
	// change; once the chat has ended it also takes the message form away.
	Fragment bool
}

// StatusView is the chat's state as its page tells it.
type StatusView struct {
	ChatID      int64
	State       State
	Label       string // translated
	Place       int    // in the queue, while waiting
	Estimate    string // how long the wait may be, translated; "" when nobody can say
	OfferTicket bool   // the customer is offered to leave their words as a ticket
	Why         string // why, translated
	Party       string
	Agent       string
	CanEnd      bool
	CanMail     bool
}

// MessageRow is a message as a chat's page shows it.
type MessageRow struct {
	ID      int64
	Author  string
	Mine    bool
	ByStaff bool
	Body    string
	Time    string
	Receipt string // "Sent" or "Seen", translated, on the viewer's own messages
	Files   []FileRow
}

// FileRow is a file of a message, ready to print.
type FileRow struct {
	URL  string
	Name string
	Size string
}

// TicketRow is an open ticket of the chat's organisation.
type TicketRow struct {
	ID        int64
	Path      string
	Reference string
	Subject   string
	Status    string
}

func partyName(p party) string {
	switch p {
	case customer:
		return "customer"
	case agent:
		return "agent"
	case reader:
		return "reader"
	}
	return ""
}

// Show shows a chat to its customer or an agent.
func (h *Handler) Show(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	return h.renderChat(c, http.StatusOK, ch, web.Form{})
}

func (h *Handler) renderChat(c echo.Context, status int, ch *Chat, form web.Form) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	p := partyOf(v, ch)
	data := ChatPage{Chat: ch, Party: partyName(p), Live: ch.Path() + "/live", Upload: h.svc.limits.Hint(v.Lang)}
	var err error
	if data.Messages, err = h.messageRows(c, ch); err != nil {
		return err
	}
	if data.Status, err = h.statusView(c, ch); err != nil {
		return err
	}
	data.CanWrite = ch.State != Ended && (p == customer || (p == agent && ch.State == Active))
	if ch.TicketID != nil {
		data.TicketPath = "/tickets/" + strconv.FormatInt(*ch.TicketID, 10)
		if t, err := ticket.NewStore(h.db).Get(ctx, ticket.ScopeOf(v), *ch.TicketID); err == nil {
			data.TicketRef = t.Reference()
		} else if !errors.Is(err, ticket.ErrNotFound) {
			return err
		}
	}
	if p == agent || p == reader {
		data.CanKeep = ch.TicketID == nil && ch.AgentID != nil && (p == agent || ch.State == Ended)
		rows, _, err := ticket.NewStore(h.db).Queue(ctx, ticket.ScopeOf(v), ticket.QueueQuery{OrgID: ch.OrgID, ByUpdated: true, Limit: 10})
		if err != nil {
			return err
		}
		for _, r := range rows {
			data.Tickets = append(data.Tickets, TicketRow{ID: r.ID, Path: "/tickets/" + strconv.FormatInt(r.ID, 10), Reference: r.Reference(),
				Subject: r.Subject, Status: i18n.T(v.Lang, r.Status.Label())})
		}
	}
	pg := h.render.NewPage(c, "Chat with support")
	pg.Form = form
	pg.Data = data
	return c.Render(status, tplChat, pg)
}

// messageRows reads chat ch's messages as v sees them, and marks them seen by v.
func (h *Handler) messageRows(c echo.Context, ch *Chat) ([]MessageRow, error) {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	ms, err := h.svc.Messages(ctx, ch)
	if err != nil {
		return nil, err
	}
	cal, err := h.svc.calendars.Current(ctx)
	if err != nil {
		return nil, err
	}
	p := partyOf(v, ch)
	othersSeen := ch.AgentSeenID
	if p == agent || p == reader {
		othersSeen = ch.CustomerSeenID
	}
	rows := make([]MessageRow, 0, len(ms))
	var newest int64
	for _, m := range ms {
		mine := m.AuthorID == v.UserID
		row := MessageRow{ID: m.ID, Author: m.Author, Mine: mine, ByStaff: m.ByStaff, Body: m.Body,
			Time: m.CreatedAt.In(cal.Location()).Format("15:04")}
		if mine || (p == reader && m.ByStaff) {
			row.Receipt = receipt(v.Lang, m.ID <= othersSeen)
		}
		for _, f := range m.Files {
			row.Files = append(row.Files, FileRow{URL: f.URL(), Name: f.Filename, Size: ticket.FormatSize(v.Lang, f.Size)})
		}
		rows = append(rows, row)
		newest = m.ID
	}
	if err := h.svc.Seen(ctx, v, ch, newest); err != nil {
		return nil, err
	}
	return rows, nil
}

func receipt(lang string, seen bool) string {
	if seen {
		return i18n.T(lang, "Seen")
	}
	return i18n.T(lang, "Sent")
}

// statusView tells chat ch's state for v: its place in the queue and the estimate while
// it waits, and whether to offer a ticket instead.
func (h *Handler) statusView(c echo.Context, ch *Chat) (StatusView, error) {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	p := partyOf(v, ch)
	sv := StatusView{ChatID: ch.ID, State: ch.State, Party: partyName(p)}
	if ch.Agent != nil {
		sv.Agent = *ch.Agent
	}
	sv.CanEnd = ch.State != Ended && (p == customer || p == agent)
	sv.CanMail = p == customer && ch.State != Waiting
	switch ch.State {
	case Waiting:
		sv.Label = i18n.T(v.Lang, "Waiting for an agent")
		place, err := h.svc.Place(ctx, ch)
		if err != nil {
			return sv, err
		}
		sv.Place = place
		if est, ok, err := h.svc.Estimate(ctx, place); err != nil {
			return sv, err
		} else if ok {
			sv.Estimate = i18n.T(v.Lang, "about %s, from the waits of the last seven days", waitText(v.Lang, est))
		}
		policy, err := h.svc.Policy(ctx)
		if err != nil {
			return sv, err
		}
		offer, err := h.svc.Offer(ctx)
		if err != nil {
			return sv, err
		}
		switch {
		case !offer.Offered():
			sv.OfferTicket, sv.Why = true, offerReason(v.Lang, offer)
		case h.svc.Now().Sub(ch.CreatedAt) >= policy.OfferTicketAfter:
			sv.OfferTicket, sv.Why = true, i18n.T(v.Lang, "Sorry for the wait: every agent is busy.")
		}
	case Active:
		sv.Label = i18n.T(v.Lang, "Chatting with %s", sv.Agent)
		if p != customer {
			sv.Label = i18n.T(v.Lang, "Chat under way")
		}
	case Ended:
		sv.Label = i18n.T(v.Lang, "Chat ended")
		sv.OfferTicket = p == customer && ch.AgentID == nil && ch.TicketID == nil
	}
	return sv, nil
}

// waitText writes a wait as people read it: "1 minute", "5 minutes".
func waitText(lang string, d time.Duration) string {
	m := int((d + 30*time.Second) / time.Minute)
	if m <= 1 {
		return i18n.T(lang, "1 minute")
	}
	return i18n.T(lang, "%d minutes", m)
}

// Messages is the fragment of a chat's messages, which its page asks for again when the
// stream says something changed; reading it marks the messages seen.
func (h *Handler) Messages(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	rows, err := h.messageRows(c, ch)
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Chat with support")
	p.Data = ChatPage{Chat: ch, Messages: rows}
	c.Response().Header().Set("Vary", "HX-Request")
	return c.Render(http.StatusOK, tplMessages, p)
}

// Status is the fragment of a chat's state.
func (h *Handler) Status(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	sv, err := h.statusView(c, ch)
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Chat with support")
	p.Data = ChatPage{Chat: ch, Status: sv, Party: sv.Party, Fragment: true}
	c.Response().Header().Set("Vary", "HX-Request")
	return c.Render(http.StatusOK, tplStatus, p)
}

// Send adds the viewer's message to the chat.
func (h *Handler) Send(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	var f messageForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	files, err := ticket.Uploads(c, &form, "files", h.svc.limits)
	if err != nil {
		return err
	}
	if strings.TrimSpace(f.Body) == "" && len(files) == 0 && !form.Invalid() {
		form.Fail("body", "Write a message or attach a file.")
	}
	if form.Invalid() {
		return h.renderChat(c, http.StatusUnprocessableEntity, ch, form)
	}
	_, err = h.svc.Send(c.Request().Context(), web.Actor(c), web.ViewerOf(c), ch.ID, f.Body, files...)
	switch {
	case errors.Is(err, ErrEnded):
		form.Fail("body", "This chat has ended: your message was not sent. Copy it if you need it.")
	case errors.Is(err, ErrNotAllowed):
		form.Fail("body", "Only the agent who accepted this chat writes in it.")
	case ticket.RefusedFiles(c, &form, "files", err, h.svc.limits):
	case err != nil:
		return err
	}
	if form.Invalid() {
		return h.renderChat(c, http.StatusUnprocessableEntity, ch, form)
	}
	if web.IsHTMX(c) {
		// The stream brings the message to both sides; the form is emptied (tugi.js).
		return c.NoContent(http.StatusNoContent)
	}
	return web.Redirect(c, ch.Path()+"#chat-form")
}

// End ends the chat.
func (h *Handler) End(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	err = h.svc.End(c.Request().Context(), web.Actor(c), v, ch.ID)
	if errors.Is(err, ErrNotAllowed) {
		return echo.NewHTTPError(http.StatusForbidden, i18n.T(v.Lang, "Only the two people in a chat end it."))
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "The chat has ended."))
	return web.Redirect(c, ch.Path())
}

// LeaveAsTicket keeps every word the customer wrote in a chat nobody answered as a
// ticket.
func (h *Handler) LeaveAsTicket(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	kept, err := h.svc.LeaveAsTicket(c.Request().Context(), web.Actor(c), v, ch.ID)
	switch {
	case errors.Is(err, ErrKept):
		web.Flash(c, i18n.T(v.Lang, "This chat is kept as a ticket already."))
		return web.Redirect(c, ch.Path())
	case errors.Is(err, ErrNotAllowed):
		return echo.NewHTTPError(http.StatusForbidden, i18n.T(v.Lang, "An agent answered this chat: they keep it as a ticket if one is needed."))
	case err != nil:
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Everything you wrote is kept as a ticket. We answer it as soon as we can."))
	return web.Redirect(c, "/tickets/"+strconv.FormatInt(*kept.TicketID, 10))
}

// Keep turns the chat into a new ticket, for an agent.
func (h *Handler) Keep(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	kept, err := h.svc.Keep(c.Request().Context(), web.Actor(c), v, ch.ID)
	if err := h.keepError(c, ch, err); err != nil || kept == nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "The chat is kept as a ticket."))
	return web.Redirect(c, "/tickets/"+strconv.FormatInt(*kept.TicketID, 10))
}

// Attach appends the chat to an open ticket of its organisation, for an agent.
func (h *Handler) Attach(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	tid, perr := strconv.ParseInt(c.FormValue("ticket_id"), 10, 64)
	if perr != nil || tid <= 0 {
		form := web.Form{Values: url.Values{}}
		form.Fail("ticket_id", "Choose one of the tickets offered.")
		return h.renderChat(c, http.StatusUnprocessableEntity, ch, form)
	}
	kept, err := h.svc.Attach(c.Request().Context(), web.Actor(c), v, ch.ID, tid)
	if errors.Is(err, ticket.ErrNotFound) || errors.Is(err, ticket.ErrClosed) {
		form := web.Form{Values: url.Values{"ticket_id": {c.FormValue("ticket_id")}}}
		form.Fail("ticket_id", "Choose one of the tickets offered.")
		return h.renderChat(c, http.StatusUnprocessableEntity, ch, form)
	}
	if err := h.keepError(c, ch, err); err != nil || kept == nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "The chat is added to the ticket."))
	return web.Redirect(c, "/tickets/"+strconv.FormatInt(tid, 10))
}

// keepError answers the errors of keeping a transcript; nil when err is nil.
func (h *Handler) keepError(c echo.Context, ch *Chat, err error) error {
	lang := web.ViewerOf(c).Lang
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrKept):
		web.Flash(c, i18n.T(lang, "This chat is kept as a ticket already."))
		return web.Redirect(c, ch.Path())
	case errors.Is(err, ErrNotAllowed), errors.Is(err, ErrNotAnswered):
		return echo.NewHTTPError(http.StatusForbidden, i18n.T(lang, "Only the agent who accepted this chat keeps it while it is under way."))
	}
	var fe *ticket.FileError
	if errors.As(err, &fe) {
		form := web.Form{Values: url.Values{}}
		ticket.RefusedFiles(c, &form, "keep", err, h.svc.limits)
		return h.renderChat(c, http.StatusUnprocessableEntity, ch, form)
	}
	return err
}

// Mail mails the transcript to the customer.
func (h *Handler) Mail(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	err = h.svc.MailTranscript(c.Request().Context(), web.Actor(c), v, ch.ID)
	if errors.Is(err, ErrNotAllowed) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "The transcript is on its way to %s.", ch.CustomerEmail))
	return web.Redirect(c, ch.Path())
}

// Download sends a file of the chat to one who may read it; audited.
func (h *Handler) Download(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(c.Param("fid"), 10, 64)
	if err != nil || fid <= 0 {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	f, r, err := h.svc.File(ctx, ch, fid)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer r.Close()
	if err := audit.Record(ctx, h.db, web.Actor(c), event("chat.file_download", ch, map[string]audit.Change{"file_id": {New: f.ID}})); err != nil {
		return err
	}
	return ticket.SendFile(c, f.Filename, f.ContentType, f.Size, r)
}

// Typing tells the other side that the viewer is typing. It changes nothing that is
// kept, so it is a GET that htmx sends as they type (at most every two seconds).
func (h *Handler) Typing(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	if err := h.svc.Typing(c.Request().Context(), web.ViewerOf(c), ch); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Live is the stream of a chat's events, for those who may read it: asked when it
// opens (404 otherwise, as for the page) and again for every event.
func (h *Handler) Live(c echo.Context) error {
	ch, err := h.load(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	topic := Topic(ch.ID)
	return h.hub.Serve(c.Response(), c.Request(), live.Stream{
		Topics: []string{topic},
		Allow: func(m live.Message) bool {
			return m.Topic == topic && m.Org == ch.OrgID && mayRead(v, ch)
		},
		Render: func(_ context.Context, m live.Message) (live.Frame, error) {
			return chatFrame(v, m)
		},
		Snapshot: func(context.Context) ([]live.Frame, error) { return chatSnapshot, nil },
	})
}

// chatSnapshot is what a chat's stream sends each time it opens or reconnects, so that
// nothing on the page is stale, whatever it missed: the page reads its state again (the
// parties, the place in the queue, whether it ended), its messages (with what the other
// side has seen), and "typing…" is cleared (a signal, never replayed: if the other side
// still types, the next one comes within two seconds).
var chatSnapshot = []live.Frame{
	{Event: "state", Data: "snapshot"},
	{Event: "message", Data: "snapshot"},
	{Event: "typing", Data: `<span class="typing-none"></span>`},
}

// chatFrame is what a chat's event sends to v: "message" (the messages are read again),
// "state" (the state is read again), or "typing" with who types.
func chatFrame(v *access.Viewer, m live.Message) (live.Frame, error) {
	switch m.Kind {
	case "chat.message", "chat.seen":
		return live.Frame{Event: "message", Data: m.Kind}, nil
	case "chat.typing":
		var d struct {
			User int64 `json:"user"`
		}
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return live.Frame{}, err
		}
		if d.User == v.UserID {
			return live.Frame{}, nil
		}
		return live.Frame{Event: "typing", Data: `<span class="typing">` + html.EscapeString(i18n.T(v.Lang, "typing…")) + `</span>`}, nil
	}
	return live.Frame{Event: "state", Data: m.Kind}, nil
}

// ---- The agents' chats ----

// QueuePage is the data of /queue/chats.
type QueuePage struct {
	Waiting []QueueRow
	Mine    []QueueRow
	Limit   int
	Figures FiguresView
	// Available is whether the agent takes new work now (the availability switch).
	Available bool
}

// QueueRow is a chat in the agents' lists.
type QueueRow struct {
	ID      int64
	Path    string
	Org     string
	Who     string
	Since   string
	Waited  string
	First   string // the start of its first message
	Tickets []TicketRow
}

// FiguresView is the chat's figures, ready to print.
type FiguresView struct {
	Target string
	Rows   []FigureRow
}

// FigureRow is one span's figures.
type FigureRow struct {
	Span                    string
	Answered                int
	WaitMedian, WaitP90     string
	LengthMedian, LengthP90 string
	WithinTarget            string
}

// Queue shows the agent the waiting chats and theirs.
func (h *Handler) Queue(c echo.Context) error {
	return h.renderQueue(c, tplQueue)
}

// Lists is the fragment of the agent's lists, which the page asks for again when a chat
// waits, is taken or ends.
func (h *Handler) Lists(c echo.Context) error {
	c.Response().Header().Set("Vary", "HX-Request")
	return h.renderQueue(c, tplLists)
}

func (h *Handler) renderQueue(c echo.Context, tpl string) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	waiting, err := h.svc.Waiting(ctx, v)
	if err != nil {
		return err
	}
	mine, err := h.svc.Mine(ctx, v)
	if err != nil {
		return err
	}
	policy, err := h.svc.Policy(ctx)
	if err != nil {
		return err
	}
	cal, err := h.svc.calendars.Current(ctx)
	if err != nil {
		return err
	}
	now := h.svc.Now()
	data := QueuePage{Limit: policy.AgentLimit, Available: v.Available}
	tickets := map[int64][]TicketRow{}
	for _, ch := range waiting {
		if _, ok := tickets[ch.OrgID]; ok {
			continue
		}
		rows, _, err := ticket.NewStore(h.db).Queue(ctx, ticket.ScopeOf(v), ticket.QueueQuery{OrgID: ch.OrgID, ByUpdated: true, Limit: 5})
		if err != nil {
			return err
		}
		tickets[ch.OrgID] = []TicketRow{}
		for _, r := range rows {
			tickets[ch.OrgID] = append(tickets[ch.OrgID], TicketRow{ID: r.ID, Path: "/tickets/" + strconv.FormatInt(r.ID, 10),
				Reference: r.Reference(), Subject: r.Subject, Status: i18n.T(v.Lang, r.Status.Label())})
		}
	}
	row := func(ch Chat) QueueRow {
		return QueueRow{ID: ch.ID, Path: ch.Path(), Org: ch.OrgName, Who: ch.Customer,
			Since: ch.CreatedAt.In(cal.Location()).Format("15:04 MST"), Waited: waitText(v.Lang, now.Sub(ch.CreatedAt)),
			First: excerpt(ch.First), Tickets: tickets[ch.OrgID]}
	}
	for _, ch := range waiting {
		data.Waiting = append(data.Waiting, row(ch))
	}
	for _, ch := range mine {
		data.Mine = append(data.Mine, row(ch))
	}
	fig, err := h.svc.Figures(ctx, cal, policy.WaitTarget)
	if err != nil {
		return err
	}
	data.Figures = figuresView(v.Lang, fig)
	p := h.render.NewPage(c, "Chats")
	p.Data = data
	return c.Render(http.StatusOK, tpl, p)
}

func figuresView(lang string, f FigureSpans) FiguresView {
	dur := func(d time.Duration, n int) string {
		if n == 0 {
			return "—"
		}
		return clock(d)
	}
	row := func(span string, x Figures) FigureRow {
		within := "—"
		if x.Answered > 0 {
			within = strconv.Itoa(x.WithinTarget*100/x.Answered) + " %"
		}
		return FigureRow{Span: span, Answered: x.Answered, WaitMedian: dur(x.WaitMedian, x.Answered), WaitP90: dur(x.WaitP90, x.Answered),
			LengthMedian: dur(x.LengthMedian, x.Ended), LengthP90: dur(x.LengthP90, x.Ended), WithinTarget: within}
	}
	return FiguresView{Target: sla.FormatDuration(f.Target), Rows: []FigureRow{row(i18n.T(lang, "Today"), f.Today), row(i18n.T(lang, "This week"), f.Week)}}
}

// clock writes a duration as minutes and seconds: "1:05", or hours: "1:02:05".
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return strconv.Itoa(s/3600) + ":" + two((s%3600)/60) + ":" + two(s%60)
	}
	return strconv.Itoa(s/60) + ":" + two(s%60)
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Accept gives the chat to the agent.
func (h *Handler) Accept(c echo.Context) error {
	id, err := chatID(c)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	err = h.svc.Accept(c.Request().Context(), web.Actor(c), v, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, ErrTaken):
		web.Flash(c, i18n.T(v.Lang, "Another agent accepted that chat first."))
		return web.Redirect(c, "/queue/chats")
	case errors.Is(err, ErrNotWaiting):
		web.Flash(c, i18n.T(v.Lang, "That chat has ended."))
		return web.Redirect(c, "/queue/chats")
	case errors.Is(err, ErrLimit):
		web.Flash(c, i18n.T(v.Lang, "You hold as many chats as you may at once. End one first."))
		return web.Redirect(c, "/queue/chats")
	case err != nil:
		return err
	}
	return web.Redirect(c, chatPath(id))
}

// QueueLive is the stream of the agents' lists: a chat waits, is taken or ends. Its
// events tell of no organisation (Org 0): only staff receive them.
func (h *Handler) QueueLive(c echo.Context) error {
	v := web.ViewerOf(c)
	return h.hub.Serve(c.Response(), c.Request(), live.Stream{
		Topics: []string{QueueTopic},
		Allow:  func(m live.Message) bool { return m.Topic == QueueTopic && m.Org == 0 && v.Has(access.Agent) },
		Render: func(_ context.Context, m live.Message) (live.Frame, error) {
			return live.Frame{Event: "chats", Data: m.Kind}, nil
		},
	})
}
