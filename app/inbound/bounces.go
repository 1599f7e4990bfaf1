package inbound

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/ticket"
	"tugi/app/user"
	"tugi/app/web"
)

// Bouncing returns how mail to address bounces, or nil when it does not: for the
// agent's ticket page (ticket.Bounces).
func (s *Service) Bouncing(ctx context.Context, address string) (*ticket.Bounce, error) {
	var b BounceRow
	err := s.db.GetContext(ctx, &b, selectBounce, strings.ToLower(address))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inbound: bounce of %s: %w", address, err)
	}
	return &ticket.Bounce{Address: b.Address, Status: b.Status, Reason: b.Reason, Last: b.LastAt}, nil
}

// ClearBounce forgets, for the agent, that mail to address bounced (they have checked
// that it works again), and reports whether it was marked.
func (s *Service) ClearBounce(ctx context.Context, agent audit.Actor, address string) (bool, error) {
	cleared := false
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, clearBounce, strings.ToLower(address))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		cleared = true
		// The log names people by id, never by address: the address's user, if any.
		ev := audit.Event{Action: "inbound.clear_bounce", ObjectType: "mail_bounce",
			Changes: map[string]audit.Change{"bouncing": {Old: true, New: false}}}
		switch u, err := user.NewStore(tx).ByEmail(ctx, address); {
		case err == nil:
			ev.ObjectType, ev.ObjectID = "user", strconv.FormatInt(u.ID, 10)
			if u.OrgID != nil {
				ev.OrgID = *u.OrgID
			}
		case !errors.Is(err, user.ErrNotFound):
			return err
		}
		return audit.Record(ctx, tx, agent, ev)
	})
	return cleared, err
}

// backTo is where a bounce's clearing may send the agent back to: the ticket page or the
// mail list it was cleared on.
var backTo = regexp.MustCompile(`^/(tickets/[0-9]{1,18}|queue/mail)$`)

// ClearBounce clears the bounce mark of the form's address, and sends the agent back.
func (h *Handler) ClearBounce(c echo.Context) error {
	address := strings.TrimSpace(c.FormValue("address"))
	back := c.FormValue("back")
	if !backTo.MatchString(back) {
		back = "/queue/mail"
	}
	if address == "" || len(address) > 320 || !web.Storable(address) {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	cleared, err := h.s.ClearBounce(c.Request().Context(), web.Actor(c), address)
	if err != nil {
		return err
	}
	lang := web.ViewerOf(c).Lang
	if cleared {
		web.Flash(c, i18n.T(lang, "%s is no longer marked as bouncing.", address))
	} else {
		web.Flash(c, i18n.T(lang, "%s was not marked as bouncing.", address))
	}
	return web.Redirect(c, back)
}
