package routing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
)

// A team's life: the admin creates it, renames it and retires it. A retired team keeps
// its row, its name and its members (tickets and audit events that name it read as they
// did, and bringing it back restores it whole), but no select offers it and nothing new
// can name it (the trigger of migration 0035 refuses it as the foreign key would).

// MaxTeamName is the longest name a team may have, in characters (the column's check;
// the form's message says 200).
const MaxTeamName = 200

// Errors of a team's life.
var (
	// ErrTeamNameTaken: another team, retired or not, has this name in some case.
	ErrTeamNameTaken = errors.New("routing: team name taken")
	// ErrTeamName: the name is empty or longer than MaxTeamName.
	ErrTeamName = errors.New("routing: team name empty or too long")
	// ErrDefaultTeam: the default team, where tickets no rule matches go, is never retired.
	ErrDefaultTeam = errors.New("routing: the default team cannot be retired")
)

// InUseError refuses to retire a team that work still reaches: the routing rules that
// send tickets to it and how many unresolved tickets are in it.
type InUseError struct {
	Rules []RuleRef
	Open  int
}

// RuleRef names a routing rule: its id and its number in the order rules are tried (1 is
// tried first), as the routing page shows it.
type RuleRef struct {
	ID     int64 `db:"id"`
	Number int   `db:"number"`
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("routing: team in use by rules %v and %d unresolved tickets", e.Rules, e.Open)
}

// teamName checks and tidies a team's name: spaces trimmed and runs of white space made
// one space.
func teamName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > MaxTeamName {
		return "", ErrTeamName
	}
	return name, nil
}

func nameError(err error, what string) error {
	if database.IsConstraint(err, "teams_name_key") {
		return ErrTeamNameTaken
	}
	if err != nil {
		return fmt.Errorf("routing: %s: %w", what, err)
	}
	return nil
}

// CreateTeam adds a team called name, with the default cap of automatic assignment and
// no members, audited as team.create.
func CreateTeam(ctx context.Context, db *sqlx.DB, actor audit.Actor, name string) (int64, error) {
	name, err := teamName(name)
	if err != nil {
		return 0, err
	}
	var id int64
	err = database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		if err := nameError(tx.GetContext(ctx, &id, insertTeam, name), "create team"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, teamEvent("team.create", id, map[string]audit.Change{"name": {New: name}}))
	})
	return id, err
}

// RenameTeam gives team id the name name, audited as team.rename; the same name is no
// change.
func RenameTeam(ctx context.Context, db *sqlx.DB, actor audit.Actor, id int64, name string) error {
	name, err := teamName(name)
	if err != nil {
		return err
	}
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		t, err := lockTeamRow(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Name == name {
			return nil
		}
		if err := nameError(execOne(ctx, tx, renameTeam, id, name), "rename team"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, teamEvent("team.rename", id, map[string]audit.Change{"name": {Old: t.Name, New: name}}))
	})
}

// RetireTeam retires team id, audited as team.retire. It refuses the default team
// (ErrDefaultTeam) and a team that a routing rule or an unresolved ticket still targets
// (an *InUseError saying which): nothing would receive what they send it. The team's row
// is locked FOR UPDATE first, so a rule or ticket naming the team meanwhile either is
// counted here or, waiting for this lock, is refused by the trigger once it is retired.
func RetireTeam(ctx context.Context, db *sqlx.DB, actor audit.Actor, id int64) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		t, err := lockTeamRow(ctx, tx, id)
		if err != nil || t.Retired {
			return err
		}
		if t.IsDefault {
			return ErrDefaultTeam
		}
		var use InUseError
		if err := tx.SelectContext(ctx, &use.Rules, rulesOfTeam, id); err != nil {
			return fmt.Errorf("routing: rules of team %d: %w", id, err)
		}
		if err := tx.GetContext(ctx, &use.Open, openOfTeam, id); err != nil {
			return fmt.Errorf("routing: open tickets of team %d: %w", id, err)
		}
		if len(use.Rules) > 0 || use.Open > 0 {
			return &use
		}
		if err := execOne(ctx, tx, retireTeam, id); err != nil {
			return fmt.Errorf("routing: retire team %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, teamEvent("team.retire", id, map[string]audit.Change{"retired": {Old: false, New: true}}))
	})
}

// ReinstateTeam brings retired team id back, with its members, audited as
// team.reinstate.
func ReinstateTeam(ctx context.Context, db *sqlx.DB, actor audit.Actor, id int64) error {
	return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		t, err := lockTeamRow(ctx, tx, id)
		if err != nil || !t.Retired {
			return err
		}
		if err := execOne(ctx, tx, reinstateTeam, id); err != nil {
			return fmt.Errorf("routing: reinstate team %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, teamEvent("team.reinstate", id, map[string]audit.Change{"retired": {Old: true, New: false}}))
	})
}

type teamRow struct {
	Name      string `db:"name"`
	IsDefault bool   `db:"is_default"`
	Retired   bool   `db:"retired"`
}

// lockTeamRow reads team id and locks it FOR UPDATE (which a rule or ticket naming the
// team waits for), or ErrNoSuchTeam.
func lockTeamRow(ctx context.Context, tx *sqlx.Tx, id int64) (teamRow, error) {
	var t teamRow
	err := tx.GetContext(ctx, &t, lockTeamForChange, id)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNoSuchTeam
	}
	if err != nil {
		return t, fmt.Errorf("routing: team %d: %w", id, err)
	}
	return t, nil
}

func execOne(ctx context.Context, tx *sqlx.Tx, query string, args ...any) error {
	_, err := tx.ExecContext(ctx, query, args...)
	return err
}
