package routing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
)

// ruleChanges lists the fields of r as an audit event's changes, against old (nil for a
// new rule): the conditions and the action, ids and levels only.
func ruleChanges(old, r *Rule) map[string]audit.Change {
	if old == nil {
		old = &Rule{}
	}
	ch := map[string]audit.Change{}
	add := func(k string, o, n any, same bool) {
		if !same {
			ch[k] = audit.Change{Old: o, New: n}
		}
	}
	add("category_id", old.CategoryID, r.CategoryID, eqPtr(old.CategoryID, r.CategoryID))
	add("org_id", old.OrgID, r.OrgID, eqPtr(old.OrgID, r.OrgID))
	add("priority", old.Priority, r.Priority, eqPtr(old.Priority, r.Priority))
	add("subject_words", []string(old.Words), []string(r.Words), fmt.Sprint(old.Words) == fmt.Sprint(r.Words))
	add("team_id", old.TeamID, r.TeamID, old.TeamID == r.TeamID)
	add("raise_to", old.RaiseTo, r.RaiseTo, eqPtr(old.RaiseTo, r.RaiseTo))
	return ch
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func ruleEvent(action string, id int64, changes map[string]audit.Change) audit.Event {
	return audit.Event{Action: action, ObjectType: "routing_rule", ObjectID: strconv.FormatInt(id, 10), Changes: changes}
}

// CreateRule adds r as the last rule, audited as routing.rule_create.
func CreateRule(ctx context.Context, db *sqlx.DB, actor audit.Actor, r *Rule) (int64, error) {
	var id int64
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		var err error
		if id, err = NewStore(tx).CreateRule(ctx, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, ruleEvent("routing.rule_create", id, ruleChanges(nil, r)))
	})
	return id, err
}

// UpdateRule stores r's conditions and action, audited as routing.rule_update when
// something changed.
func UpdateRule(ctx context.Context, db *sqlx.DB, actor audit.Actor, r *Rule) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		old, err := st.Rule(ctx, r.ID, true)
		if err != nil {
			return err
		}
		ch := ruleChanges(old, r)
		if len(ch) == 0 {
			return nil
		}
		if err := st.UpdateRule(ctx, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, ruleEvent("routing.rule_update", r.ID, ch))
	})
}

// MoveRule moves rule id one place up or down, audited as routing.rule_move; the first
// rule does not move up, nor the last down.
func MoveRule(ctx context.Context, db *sqlx.DB, actor audit.Actor, id int64, up bool) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		r, err := st.Rule(ctx, id, true)
		if err != nil {
			return err
		}
		other, err := st.Swap(ctx, r, up)
		if err != nil || other == 0 {
			return err
		}
		dir := "down"
		if up {
			dir = "up"
		}
		return audit.Record(ctx, tx, actor, ruleEvent("routing.rule_move", id, map[string]audit.Change{
			"direction": {New: dir}, "swapped_with": {New: other}}))
	})
}

// DeleteRule removes rule id, audited as routing.rule_delete with what it was.
func DeleteRule(ctx context.Context, db *sqlx.DB, actor audit.Actor, id int64) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		r, err := st.Rule(ctx, id, true)
		if err != nil {
			return err
		}
		if err := st.DeleteRule(ctx, id); err != nil {
			return err
		}
		ch := ruleChanges(r, &Rule{})
		return audit.Record(ctx, tx, actor, ruleEvent("routing.rule_delete", id, ch))
	})
}

// ---- Teams ----

// Team is a team with its members, for the teams page.
type Team struct {
	ID        int64      `db:"id"`
	Name      string     `db:"name"`
	IsDefault bool       `db:"is_default"`
	Cap       *int       `db:"assign_cap"`
	RetiredAt *time.Time `db:"retired_at"` // nil: in service
	Members   []Member
	// Candidates are the active agents not yet in the team, for its "add an agent" list.
	Candidates []Option
}

// Member is a person in a team.
type Member struct {
	TeamID    int64  `db:"team_id"`
	UserID    int64  `db:"user_id"`
	Name      string `db:"name"`
	Email     string `db:"email"`
	Available bool   `db:"available"`
	Open      int    `db:"open"`
}

// Teams lists the teams by name with their members.
func (s *Store) Teams(ctx context.Context) ([]Team, error) {
	var ts []Team
	if err := s.q.SelectContext(ctx, &ts, listTeams); err != nil {
		return nil, fmt.Errorf("routing store: teams: %w", err)
	}
	var ms []Member
	if err := s.q.SelectContext(ctx, &ms, listMembers); err != nil {
		return nil, fmt.Errorf("routing store: team members: %w", err)
	}
	for i := range ts {
		for _, m := range ms {
			if m.TeamID == ts[i].ID {
				ts[i].Members = append(ts[i].Members, m)
			}
		}
	}
	return ts, nil
}

func teamEvent(action string, teamID int64, changes map[string]audit.Change) audit.Event {
	return audit.Event{Action: action, ObjectType: "team", ObjectID: strconv.FormatInt(teamID, 10), Changes: changes}
}

// AddMember puts the active agent userID in team teamID, audited as team.add_member.
func AddMember(ctx context.Context, db *sqlx.DB, actor audit.Actor, teamID, userID int64) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		var agent bool
		if err := tx.GetContext(ctx, &agent, isAgent, userID); err != nil {
			return fmt.Errorf("routing: is %d an agent: %w", userID, err)
		}
		if !agent {
			return ErrNotAnAgent
		}
		res, err := tx.ExecContext(ctx, insertMember, teamID, userID)
		if database.IsConstraint(err, "team_members_team_id_fkey") {
			return ErrNoSuchTeam
		}
		if err != nil {
			return fmt.Errorf("routing: add %d to team %d: %w", userID, teamID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, actor, teamEvent("team.add_member", teamID, map[string]audit.Change{"user_id": {New: userID}}))
	})
}

// RemoveMember takes userID out of team teamID, audited as team.remove_member. Their
// tickets stay theirs.
func RemoveMember(ctx context.Context, db *sqlx.DB, actor audit.Actor, teamID, userID int64) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, deleteMember, teamID, userID)
		if err != nil {
			return fmt.Errorf("routing: remove %d from team %d: %w", userID, teamID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, actor, teamEvent("team.remove_member", teamID, map[string]audit.Change{"user_id": {Old: userID}}))
	})
}

// SetCap sets the most unresolved tickets automatic assignment gives each agent of team
// teamID (0: none are assigned automatically), audited as team.set_cap.
func SetCap(ctx context.Context, db *sqlx.DB, actor audit.Actor, teamID int64, limit int) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		var old sql.NullInt64
		err := tx.GetContext(ctx, &old, lockCap, teamID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoSuchTeam
		}
		if err != nil {
			return fmt.Errorf("routing: cap of team %d: %w", teamID, err)
		}
		if old.Valid && old.Int64 == int64(limit) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, setCap, teamID, limit); err != nil {
			return fmt.Errorf("routing: set cap of team %d: %w", teamID, err)
		}
		var was any
		if old.Valid {
			was = old.Int64
		}
		return audit.Record(ctx, tx, actor, teamEvent("team.set_cap", teamID, map[string]audit.Change{"assign_cap": {Old: was, New: limit}}))
	})
}
