package user

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/formtoken"
)

// SessionRevoker ends a person's sessions, in the transaction q; app/auth's session
// store is one.
type SessionRevoker interface {
	RevokeUser(ctx context.Context, q database.Queryer, userID int64) (int64, error)
}

// Service changes the directory. Every change and its audit event commit together.
type Service struct {
	db       *sqlx.DB
	sessions SessionRevoker
}

// NewService returns the directory's service.
func NewService(db *sqlx.DB, sessions SessionRevoker) *Service {
	return &Service{db: db, sessions: sessions}
}

// Create adds a user. nu.PasswordHash may be empty: the person then cannot sign in with
// a password until one is set.
func (s *Service) Create(ctx context.Context, actor audit.Actor, nu NewUser) (int64, error) {
	if err := checkRoles(nu.Roles, nu.OrgID); err != nil {
		return 0, err
	}
	var id int64
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if id, err = NewStore(tx).Create(ctx, nu); err != nil {
			return err
		}
		// The new user's admin page, for the same form sent again.
		if err := formtoken.Locate(ctx, tx, "/admin/users/"+strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		ev := audit.Event{Action: "user.create", ObjectType: "user", ObjectID: strconv.FormatInt(id, 10),
			Changes: map[string]audit.Change{"roles": {New: nu.Roles.Strings()}}}
		if nu.OrgID != nil {
			ev.OrgID = *nu.OrgID
			ev.Changes["org_id"] = audit.Change{New: *nu.OrgID}
		}
		return audit.Record(ctx, tx, actor, ev)
	})
	return id, err
}

// SetRoles changes a user's roles and organisation. The last active admin keeps the
// admin role, so the directory always has someone who can manage it.
func (s *Service) SetRoles(ctx context.Context, actor audit.Actor, id int64, roles RoleList, orgID *int64) error {
	if err := checkRoles(roles, orgID); err != nil {
		return err
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		old, err := st.ByID(ctx, id)
		if err != nil {
			return err
		}
		if old.Roles.Has(access.Admin) && !roles.Has(access.Admin) && old.Active {
			if err := s.keepAnAdmin(ctx, st, id); err != nil {
				return err
			}
		}
		if err := st.SetRoles(ctx, id, roles, orgID); err != nil {
			return err
		}
		ev := audit.Event{Action: "user.set_roles", ObjectType: "user", ObjectID: strconv.FormatInt(id, 10),
			Changes: map[string]audit.Change{"roles": {Old: old.Roles.Strings(), New: roles.Strings()}}}
		if !equalOrg(old.OrgID, orgID) {
			ev.Changes["org_id"] = audit.Change{Old: old.OrgID, New: orgID}
		}
		if orgID != nil {
			ev.OrgID = *orgID
		}
		return audit.Record(ctx, tx, actor, ev)
	})
}

// SetActive deactivates a user, ending all their sessions, or activates them again.
func (s *Service) SetActive(ctx context.Context, actor audit.Actor, id int64, active bool) error {
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		old, err := st.ByID(ctx, id)
		if err != nil {
			return err
		}
		if old.Active == active {
			return nil
		}
		if !active && old.Roles.Has(access.Admin) {
			if err := s.keepAnAdmin(ctx, st, id); err != nil {
				return err
			}
		}
		if err := st.SetActive(ctx, id, active); err != nil {
			return err
		}
		ev := audit.Event{Action: "user.activate", ObjectType: "user", ObjectID: strconv.FormatInt(id, 10),
			Changes: map[string]audit.Change{"active": {Old: old.Active, New: active}}}
		if !active {
			ev.Action = "user.deactivate"
			n, err := s.sessions.RevokeUser(ctx, tx, id)
			if err != nil {
				return err
			}
			ev.Changes["sessions_ended"] = audit.Change{New: n}
		}
		if old.OrgID != nil {
			ev.OrgID = *old.OrgID
		}
		return audit.Record(ctx, tx, actor, ev)
	})
}

func (s *Service) keepAnAdmin(ctx context.Context, st *Store, id int64) error {
	n, err := st.CountActiveAdmins(ctx, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// CreateOrganisation adds a customer organisation.
func (s *Service) CreateOrganisation(ctx context.Context, actor audit.Actor, name string) (int64, error) {
	var id int64
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if id, err = NewStore(tx).CreateOrganisation(ctx, name); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "organisation.create", ObjectType: "organisation",
			ObjectID: strconv.FormatInt(id, 10), OrgID: id, Changes: map[string]audit.Change{"name": {New: name}}})
	})
	return id, err
}

// ParseRoles turns submitted role names into a RoleList in the canonical order.
func ParseRoles(names []string) (RoleList, error) {
	var rl RoleList
	for _, r := range access.Roles {
		if slices.Contains(names, string(r)) {
			rl = append(rl, r)
		}
	}
	for _, n := range names {
		if !access.Role(n).Valid() {
			return nil, fmt.Errorf("%w %q", ErrUnknownRole, n)
		}
	}
	return rl, nil
}

func equalOrg(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
