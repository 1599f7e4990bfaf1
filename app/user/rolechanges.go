package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
)

// An admin sees no ticket content and no audit log by virtue of being admin. So that no
// admin can give themselves (or an accomplice) that sight, nobody changes their own
// roles, and a grant of agent, CISO or admin by a person waits for a second admin: the
// change is kept as a RoleChange until another admin approves it, and only then are the
// roles written, and the CISOs mailed. Removing roles, and granting employee or
// customer, take effect at once.

// Errors of role changes.
var (
	ErrOwnRoles       = errors.New("nobody changes their own roles")
	ErrOwnRoleChange  = errors.New("a role change is decided by an admin who neither asked for it nor is its subject")
	ErrChangeDecided  = errors.New("this role change is already decided")
	ErrChangeOutdated = errors.New("the person's roles changed since this role change was asked for")
	ErrChangeCrossed  = errors.New("another role change for this person was asked for at the same moment")
)

// Outcomes of a decided role change (an open one superseded by another is closed as
// "superseded", in SQL).
const (
	Approved = "approved"
	Rejected = "rejected"
)

// RoleChange is a change of someone's roles that grants agent, CISO or admin, asked
// for by one admin and decided by another.
type RoleChange struct {
	ID          int64     `db:"id"`
	UserID      int64     `db:"user_id"`
	UserName    string    `db:"user_name"`
	AskedBy     int64     `db:"asked_by"`
	AskedByName string    `db:"asked_by_name"`
	From        RoleList  `db:"from_roles"`
	To          RoleList  `db:"to_roles"`
	AskedAt     time.Time `db:"asked_at"`
	Outcome     *string   `db:"outcome"` // nil while open
}

// needsApproval reports whether r is a role whose grant waits for a second admin.
func needsApproval(r access.Role) bool {
	return r == access.Agent || r == access.CISO || r == access.Admin
}

// granted returns the roles of to that need approval and from lacks.
func granted(from, to RoleList) RoleList {
	var g RoleList
	for _, r := range to {
		if needsApproval(r) && !from.Has(r) {
			g = append(g, r)
		}
	}
	return g
}

// AskRoleChange records an open role change and returns its id.
func (s *Store) AskRoleChange(ctx context.Context, userID, askedBy int64, from, to RoleList) (int64, error) {
	var id int64
	if err := s.q.GetContext(ctx, &id, insertRoleChange, userID, askedBy, from, to); err != nil {
		// One open change a person (role_changes_open): two asked at once cross.
		if errors.Is(database.Classify(err), database.ErrUniqueViolation) {
			return 0, ErrChangeCrossed
		}
		return 0, fmt.Errorf("user store: ask role change for %d: %w", userID, err)
	}
	return id, nil
}

// SupersedeRoleChanges closes the person's open role change as superseded, and returns
// its id, or 0 when there was none.
func (s *Store) SupersedeRoleChanges(ctx context.Context, userID int64) (int64, error) {
	var ids []int64
	if err := s.q.SelectContext(ctx, &ids, supersedeRoleChanges, userID); err != nil {
		return 0, fmt.Errorf("user store: supersede role changes of %d: %w", userID, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// RoleChange returns role change id, or ErrNotFound.
func (s *Store) RoleChange(ctx context.Context, id int64) (*RoleChange, error) {
	return s.roleChange(ctx, getRoleChange, id)
}

// withoutApproval returns the roles of rl whose grant needs no approval, or employee
// when none is left (a user holds at least one role).
func withoutApproval(rl RoleList) RoleList {
	var out RoleList
	for _, r := range rl {
		if !needsApproval(r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		out = RoleList{access.Employee}
	}
	return out
}

// LockRoleChange returns role change id, locked until the transaction ends, or
// ErrNotFound.
func (s *Store) LockRoleChange(ctx context.Context, id int64) (*RoleChange, error) {
	return s.roleChange(ctx, lockRoleChange, id)
}

func (s *Store) roleChange(ctx context.Context, query string, id int64) (*RoleChange, error) {
	var c RoleChange
	err := s.q.GetContext(ctx, &c, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("user store: role change %d: %w", id, err)
	}
	return &c, nil
}

// OpenRoleChange returns the person's open role change, or nil when there is none.
func (s *Store) OpenRoleChange(ctx context.Context, userID int64) (*RoleChange, error) {
	var c RoleChange
	err := s.q.GetContext(ctx, &c, openRoleChangeOf, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("user store: open role change of %d: %w", userID, err)
	}
	return &c, nil
}

// OpenRoleChangesFor returns the open role changes that admin may decide: those they
// neither asked for nor are the subject of.
func (s *Store) OpenRoleChangesFor(ctx context.Context, admin int64) ([]RoleChange, error) {
	var cs []RoleChange
	if err := s.q.SelectContext(ctx, &cs, openRoleChangesFor, admin); err != nil {
		return nil, fmt.Errorf("user store: open role changes: %w", err)
	}
	return cs, nil
}

// DecideRoleChange closes an open role change with outcome, decided by the user by.
func (s *Store) DecideRoleChange(ctx context.Context, id int64, outcome string, by int64) error {
	return s.exec(ctx, "decide role change", decideRoleChange, id, outcome, by)
}

// CountAdmins returns how many active admins there are.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := s.q.GetContext(ctx, &n, countActiveAdmins); err != nil {
		return 0, fmt.Errorf("user store: count admins: %w", err)
	}
	return n, nil
}

// ApproveRoleChange applies an open role change asked for by another admin: the
// person's roles become those asked for, in the transaction that closes the change, and
// every active CISO is mailed of the grant. A change already decided, or asked for
// roles the person no longer holds, is refused.
func (s *Service) ApproveRoleChange(ctx context.Context, actor audit.Actor, id int64) error {
	return s.decide(ctx, actor, id, Approved)
}

// RejectRoleChange closes an open role change asked for by another admin, leaving the
// person's roles as they are.
func (s *Service) RejectRoleChange(ctx context.Context, actor audit.Actor, id int64) error {
	return s.decide(ctx, actor, id, Rejected)
}

func (s *Service) decide(ctx context.Context, actor audit.Actor, id int64, outcome string) error {
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		c, err := st.LockRoleChange(ctx, id)
		if err != nil {
			return err
		}
		if c.Outcome != nil {
			return ErrChangeDecided
		}
		if actor.UserID == c.AskedBy || actor.UserID == c.UserID {
			return ErrOwnRoleChange
		}
		// The person's roles change only in a transaction that first closes their open
		// change (SetRoles), so with the change locked they stay as read here.
		u, err := st.ByID(ctx, c.UserID)
		if err != nil {
			return err
		}
		if outcome == Approved && !equalRoles(u.Roles, c.From) {
			return ErrChangeOutdated
		}
		if err := st.DecideRoleChange(ctx, id, outcome, actor.UserID); err != nil {
			return err
		}
		ev := audit.Event{Action: "user.reject_roles", ObjectType: "user", ObjectID: strconv.FormatInt(c.UserID, 10),
			Changes: map[string]audit.Change{"roles": {Old: c.From.Strings(), New: c.To.Strings()},
				"role_change": {New: id}, "asked_by": {New: c.AskedBy}}}
		if outcome == Approved {
			ev.Action = "user.approve_roles"
			if err := s.apply(ctx, st, u, c.To, nil); err != nil {
				return err
			}
			if !equalOrg(u.OrgID, nil) {
				ev.Changes["org_id"] = audit.Change{Old: u.OrgID}
			}
			if err := notifyCISOs(ctx, tx, u, granted(u.Roles, c.To), c.AskedByName, actor); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor, ev)
	})
}

// apply writes the person's new roles, keeping the last active admin.
func (s *Service) apply(ctx context.Context, st *Store, old *User, roles RoleList, orgID *int64) error {
	if old.Roles.Has(access.Admin) && !roles.Has(access.Admin) && old.Active {
		if err := s.keepAnAdmin(ctx, st, old.ID); err != nil {
			return err
		}
	}
	return st.SetRoles(ctx, old.ID, roles, orgID)
}

// notifyCISOs queues, through q, an e-mail to every active CISO (in their language)
// saying that u was granted the roles g, asked for by asker and approved by actor.
func notifyCISOs(ctx context.Context, q database.Queryer, u *User, g RoleList, asker string, actor audit.Actor) error {
	if len(g) == 0 {
		return nil
	}
	var people []struct {
		ID       int64  `db:"id"`
		Name     string `db:"name"`
		Email    string `db:"email"`
		Language string `db:"language"`
	}
	if err := q.SelectContext(ctx, &people, listCISOs); err != nil {
		return fmt.Errorf("user: CISOs: %w", err)
	}
	var approver string
	if err := q.GetContext(ctx, &approver, nameOfUser, actor.UserID); err != nil {
		return fmt.Errorf("user: approver's name: %w", err)
	}
	id := strconv.FormatInt(u.ID, 10)
	for _, p := range people {
		labels := make([]string, len(g))
		for i, r := range g {
			labels[i] = i18n.T(p.Language, r.Label())
		}
		m := mail.Message{
			To:      mail.Address{Name: p.Name, Email: p.Email},
			Subject: i18n.T(p.Language, "Roles granted to %s: %s", u.Name, strings.Join(labels, ", ")),
			Text: i18n.T(p.Language, "%s (%s) now holds the roles %s in Tugi.", u.Name, u.Email, strings.Join(labels, ", ")) + "\n\n" +
				i18n.T(p.Language, "Asked for by %s, approved by %s.", asker, approver) + "\n",
			Kind: "user.roles_granted", ObjectType: "user", ObjectID: id, UserID: p.ID,
		}
		if _, err := mail.Enqueue(ctx, q, m); err != nil {
			return err
		}
	}
	return nil
}

func equalRoles(a, b RoleList) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		if !b.Has(r) {
			return false
		}
	}
	return true
}
