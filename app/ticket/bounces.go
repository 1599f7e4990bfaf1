package ticket

import (
	"context"
	"time"
)

// Bounces says whether mail to an address bounces: a delivery status notification said
// Tugi's mail to it failed (app/inbound keeps the list). The agent's page shows it beside
// the requester, so the agent phones rather than waits for an answer that cannot come.
type Bounces interface {
	// Bouncing returns how mail to address bounces, or nil when it does not.
	Bouncing(ctx context.Context, address string) (*Bounce, error)
}

// Bounce is how mail to an address bounces.
type Bounce struct {
	Address string
	Status  string // the enhanced status code, e.g. 5.1.1
	Reason  string // the receiving server's words
	Last    time.Time
	Since   string // Last, ready to print (the requester panel sets it)
}

// WithBounces makes the agent's ticket page say when mail to the requester bounces.
func (h *Handler) WithBounces(b Bounces) *Handler {
	h.bounces = b
	return h
}

// requesterBounce reads whether mail to the requester's address bounces, and since when
// in lang.
func (h *Handler) requesterBounce(ctx context.Context, p *RequesterPanel, lang string, ci *calendarInfo, now time.Time) error {
	if h.bounces == nil || p.Email == "" {
		return nil
	}
	b, err := h.bounces.Bouncing(ctx, p.Email)
	if err != nil || b == nil {
		return err
	}
	b.Since = ci.short(lang, b.Last, now)
	p.Bounce = b
	return nil
}
