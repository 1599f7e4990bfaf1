package routing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"tugi/app/database"
	"tugi/app/sla"
)

// Errors a person can act on.
var (
	ErrNotFound   = errors.New("routing: no such rule")
	ErrNoSuchTeam = errors.New("routing: no such team")
	ErrNotAnAgent = errors.New("routing: not an active agent")
)

// Store reads and writes routing rules and teams.
type Store struct{ q database.Queryer }

// NewStore returns a store working through q.
func NewStore(q database.Queryer) *Store { return &Store{q: q} }

// Rules lists the rules in the order they are tried.
func (s *Store) Rules(ctx context.Context) ([]Rule, error) {
	var rs []Rule
	if err := s.q.SelectContext(ctx, &rs, listRules); err != nil {
		return nil, fmt.Errorf("routing store: rules: %w", err)
	}
	return rs, nil
}

// Rule returns rule id, or ErrNotFound; lock takes its row until the transaction ends.
func (s *Store) Rule(ctx context.Context, id int64, lock bool) (*Rule, error) {
	q := getRule
	if lock {
		q = lockRule
	}
	var r Rule
	err := s.q.GetContext(ctx, &r, q, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("routing store: rule %d: %w", id, err)
	}
	return &r, nil
}

// CreateRule adds r as the last rule and returns its id.
func (s *Store) CreateRule(ctx context.Context, r *Rule) (int64, error) {
	var id int64
	err := s.q.GetContext(ctx, &id, insertRule, r.CategoryID, r.OrgID, r.Priority, pq.StringArray(nonNil(r.Words)), r.TeamID, r.RaiseTo)
	return id, constraintError(err, "create rule")
}

// UpdateRule stores the conditions and action of r.
func (s *Store) UpdateRule(ctx context.Context, r *Rule) error {
	_, err := s.q.ExecContext(ctx, updateRule, r.ID, r.CategoryID, r.OrgID, r.Priority, pq.StringArray(nonNil(r.Words)), r.TeamID, r.RaiseTo)
	return constraintError(err, "update rule")
}

// DeleteRule removes rule id.
func (s *Store) DeleteRule(ctx context.Context, id int64) error {
	_, err := s.q.ExecContext(ctx, deleteRule, id)
	return constraintError(err, "delete rule")
}

// Swap moves rule r one place up (or down) by swapping positions with its neighbour; it
// reports the neighbour's id, or 0 when r is already first (or last).
func (s *Store) Swap(ctx context.Context, r *Rule, up bool) (int64, error) {
	var n struct {
		ID       int64 `db:"id"`
		Position int   `db:"position"`
	}
	err := s.q.GetContext(ctx, &n, neighbour, r.Position, up)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("routing store: neighbour of rule %d: %w", r.ID, err)
	}
	_, err = s.q.ExecContext(ctx, swapRules, r.ID, n.Position, r.Position, n.ID)
	if err != nil {
		return 0, fmt.Errorf("routing store: swap rules %d and %d: %w", r.ID, n.ID, err)
	}
	return n.ID, nil
}

func constraintError(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case database.IsConstraint(err, "routing_rules_team_id_fkey"):
		return ErrNoSuchTeam
	}
	return fmt.Errorf("routing store: %s: %w", what, err)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TeamByName returns the id of the team called name (any case), or ErrNoSuchTeam.
func (s *Store) TeamByName(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.q.GetContext(ctx, &id, teamByName, name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoSuchTeam
	}
	if err != nil {
		return 0, fmt.Errorf("routing store: team %q: %w", name, err)
	}
	return id, nil
}

// Option is one choice of a select: a category, an organisation, a team or an agent.
type Option struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Categories lists the active categories, in their order.
func (s *Store) Categories(ctx context.Context) ([]Option, error) {
	return s.options(ctx, "categories", listCategories)
}

// TeamOptions lists the teams by name.
func (s *Store) TeamOptions(ctx context.Context) ([]Option, error) {
	return s.options(ctx, "teams", listTeamOptions)
}

// Agents lists the active agents by name.
func (s *Store) Agents(ctx context.Context) ([]Option, error) {
	return s.options(ctx, "agents", listAgents)
}

func (s *Store) options(ctx context.Context, what, query string) ([]Option, error) {
	var os []Option
	if err := s.q.SelectContext(ctx, &os, query); err != nil {
		return nil, fmt.Errorf("routing store: %s: %w", what, err)
	}
	return os, nil
}

// priorityPtr is p as a nullable column: nil for "".
func priorityPtr(p string) *sla.Priority {
	if p == "" {
		return nil
	}
	v := sla.Priority(p)
	return &v
}
