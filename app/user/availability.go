package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SetAvailable stores whether the agent id takes new tickets now (automatic assignment,
// app/routing, picks only available agents) and reports whether they did before;
// ErrNotFound when id is no agent. Call it in a transaction: the agent's row stays
// locked until it ends. The lock is FOR NO KEY UPDATE, so a ticket being assigned to
// the agent at the same moment (whose foreign key takes FOR KEY SHARE) does not wait for
// it: routing's hand-back, which takes team locks after this one, relies on that.
func (s *Store) SetAvailable(ctx context.Context, id int64, available bool) (bool, error) {
	var was bool
	err := s.q.GetContext(ctx, &was, lockAvailability, id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("user store: availability of %d: %w", id, err)
	}
	if was == available {
		return was, nil
	}
	if err := s.exec(ctx, "set availability", setAvailability, id, available); err != nil {
		return was, err
	}
	return was, nil
}
