package sla

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/web"
)

// ChatPolicy is the service level of live chat (app/chat), beside the tickets' policies:
// a waiting chat is to be answered within WaitTarget of business time; a customer whom
// nobody answered within OfferTicketAfter (wall-clock time, as they feel it) is offered
// to leave their words as a ticket instead; an agent holds at most AgentLimit chats at
// once. The admin sets them on the service levels page (/admin/sla, "Chat").
type ChatPolicy struct {
	WaitTarget       time.Duration
	OfferTicketAfter time.Duration
	AgentLimit       int
	UpdatedAt        time.Time
}

// ChatPolicy returns the chat's service level.
func (s *Store) ChatPolicy(ctx context.Context) (ChatPolicy, error) {
	var row struct {
		Wait      int       `db:"wait_target_seconds"`
		Offer     int       `db:"offer_ticket_seconds"`
		Limit     int       `db:"agent_limit"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	if err := s.q.GetContext(ctx, &row, getChatPolicy); err != nil {
		return ChatPolicy{}, fmt.Errorf("sla store: chat policy: %w", err)
	}
	return ChatPolicy{WaitTarget: time.Duration(row.Wait) * time.Second, OfferTicketAfter: time.Duration(row.Offer) * time.Second,
		AgentLimit: row.Limit, UpdatedAt: row.UpdatedAt}, nil
}

// SaveChatPolicy stores p when it differs from the current chat policy, audited
// (settings.chat_policy) in the same transaction; it reports whether anything changed.
func SaveChatPolicy(ctx context.Context, db *sqlx.DB, actor audit.Actor, p ChatPolicy) (bool, error) {
	changed := false
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		old, err := NewStore(tx).ChatPolicy(ctx)
		if err != nil {
			return err
		}
		ch := map[string]audit.Change{}
		if old.WaitTarget != p.WaitTarget {
			ch["wait_target_seconds"] = audit.Change{Old: int(old.WaitTarget / time.Second), New: int(p.WaitTarget / time.Second)}
		}
		if old.OfferTicketAfter != p.OfferTicketAfter {
			ch["offer_ticket_seconds"] = audit.Change{Old: int(old.OfferTicketAfter / time.Second), New: int(p.OfferTicketAfter / time.Second)}
		}
		if old.AgentLimit != p.AgentLimit {
			ch["agent_limit"] = audit.Change{Old: old.AgentLimit, New: p.AgentLimit}
		}
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, updateChatPolicy, int(p.WaitTarget/time.Second), int(p.OfferTicketAfter/time.Second), p.AgentLimit); err != nil {
			return fmt.Errorf("sla store: save chat policy: %w", err)
		}
		changed = true
		return audit.Record(ctx, tx, actor, audit.Event{Action: "settings.chat_policy", ObjectType: "settings", ObjectID: "sla_chat", Changes: ch})
	})
	return changed, err
}

// chatValues writes p as the chat form's fields.
func chatValues(p ChatPolicy) url.Values {
	return url.Values{
		"chat_wait":  {FormatDuration(p.WaitTarget)},
		"chat_offer": {FormatDuration(p.OfferTicketAfter)},
		"chat_limit": {strconv.Itoa(p.AgentLimit)},
	}
}

// SaveChat stores the chat's service level from its form on the service levels page.
func (a *Admin) SaveChat(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	form := web.Form{Values: values}
	var p ChatPolicy
	if p.WaitTarget, err = ParseDuration(values.Get("chat_wait")); err != nil || p.WaitTarget > 24*time.Hour {
		form.Fail("chat_wait", "Enter business time such as 2m or 1h, at most 24h.")
	}
	if p.OfferTicketAfter, err = ParseDuration(values.Get("chat_offer")); err != nil || p.OfferTicketAfter > 24*time.Hour {
		form.Fail("chat_offer", "Enter a time such as 5m or 1h, at most 24h.")
	}
	if p.AgentLimit, err = strconv.Atoi(values.Get("chat_limit")); err != nil || p.AgentLimit < 1 || p.AgentLimit > 20 {
		form.Fail("chat_limit", "Enter a whole number from 1 to 20.")
	}
	if form.Invalid() {
		return a.renderPage(c, http.StatusUnprocessableEntity, web.Form{}, form)
	}
	changed, err := SaveChatPolicy(c.Request().Context(), a.db, web.Actor(c), p)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	msg := i18n.T(lang, "Nothing changed.")
	if changed {
		msg = i18n.T(lang, "Chat service level saved.")
	}
	web.Flash(c, msg)
	return web.Redirect(c, "/admin/sla#chat-policy")
}
