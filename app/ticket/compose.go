package ticket

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
	"tugi/app/web"
)

// What the agent's one composer sends: a public reply, an internal note, or what was said
// on a phone call (a public message with channel phone).
const (
	KindReply = "reply"
	KindNote  = "note"
	KindCall  = "call"
)

type composeForm struct {
	Kind string `form:"kind" validate:"omitempty,oneof=reply note call"`
	Body string `form:"body" validate:"required,max=20000"`
	Then string `form:"then" validate:"omitempty,oneof=wait open"`
	// Seen is the newest message the page showed (0 when the form does not say): a reply
	// after someone else's newer message asks first.
	Seen int64 `form:"seen_message" validate:"omitempty,min=0"`
}

// Compose adds what the agent wrote in the ticket page's composer: its kind switch says
// whether it is a reply, an internal note or a phone call; its one attachments field
// goes with any of them. A mistake comes back beside the text, with the text and the
// kind kept.
func (h *Handler) Compose(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	var f composeForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	if f.Kind == "" {
		f.Kind = KindReply
		form.Values.Set("kind", KindReply)
	}
	files, err := h.uploads(c, &form, "files")
	if err != nil {
		return err
	}
	if form.Invalid() {
		filesLost(c, &form, "files", files)
		return h.renderAgent(c, http.StatusUnprocessableEntity, t.ID, form, false)
	}
	v := web.ViewerOf(c)
	if f.Kind == KindReply && f.Seen > 0 {
		newer, err := NewStore(h.svc.reads).NewerMessage(c.Request().Context(), t.ID, f.Seen, v.UserID)
		if err != nil {
			return err
		}
		if newer { // the page shows it now, with the question; sent again, it goes
			form.Fail("seen_message", "A reply arrived meanwhile — send anyway?")
			filesLost(c, &form, "files", files)
			return h.renderAgent(c, http.StatusUnprocessableEntity, t.ID, form, false)
		}
	}
	ctx, actor := web.Once(c, ticketPath(t.ID)), web.Actor(c)
	wait := f.Then == "wait"
	var msg string
	switch f.Kind {
	case KindNote:
		err = h.svc.Note(ctx, actor, v, t.ID, f.Body, files...)
		msg = i18n.T(v.Lang, "Internal note added.")
	case KindCall:
		err = h.svc.LogCall(ctx, actor, v, t.ID, f.Body, wait, files...)
		msg = i18n.T(v.Lang, "Phone call logged.")
	default:
		err = h.svc.Reply(ctx, actor, v, t.ID, f.Body, wait, files...)
		msg = i18n.T(v.Lang, "Reply sent.")
		if wait {
			msg = i18n.T(v.Lang, "Reply sent. The ticket now waits for the customer.")
		}
	}
	switch {
	case errors.Is(err, ErrClosed):
		form.Fail("body", "This ticket is closed: only an internal note can be added.")
	case errors.Is(err, ErrNotFound):
		return echo.ErrNotFound
	case refusedFiles(c, &form, "files", err, h.svc.limits):
	case err != nil:
		return err
	}
	if form.Invalid() {
		filesLost(c, &form, "files", files)
		return h.renderAgent(c, http.StatusUnprocessableEntity, t.ID, form, false)
	}
	web.Flash(c, msg)
	return web.Redirect(c, ticketPath(t.ID))
}
