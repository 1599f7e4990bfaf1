package user

import (
	"context"
	"errors"
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
// a password until one is set. When a person (not a job or command) creates a user with
// agent, CISO or admin, those roles are only asked for, as SetRoles asks for them: the
// user is created with their other roles (employee when none is left), and the grant
// waits for another admin's approval.
func (s *Service) Create(ctx context.Context, actor audit.Actor, nu NewUser) (int64, error) {
	if err := checkRoles(nu.Roles, nu.OrgID); err != nil {
		return 0, err
	}
	var asked RoleList
	if actor.UserID != 0 && len(granted(nil, nu.Roles)) > 0 {
		asked, nu.Roles = nu.Roles, withoutApproval(nu.Roles)
	}
	var id int64
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		var err error
		if id, err = st.Create(ctx, nu); err != nil {
			return err
		}
		object := strconv.FormatInt(id, 10)
		// The new user's admin page, for the same form sent again.
		if err := formtoken.Locate(ctx, tx, "/admin/users/"+object); err != nil {
			return err
		}
		ev := audit.Event{Action: "user.create", ObjectType: "user", ObjectID: object,
			Changes: map[string]audit.Change{"roles": {New: nu.Roles.Strings()}}}
		if nu.OrgID != nil {
			ev.OrgID = *nu.OrgID
			ev.Changes["org_id"] = audit.Change{New: *nu.OrgID}
		}
		if err := audit.Record(ctx, tx, actor, ev); err != nil {
			return err
		}
		if asked == nil {
			return nil
		}
		change, err := st.AskRoleChange(ctx, id, actor.UserID, nu.Roles, asked)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "user.request_roles", ObjectType: "user", ObjectID: object,
			Changes: map[string]audit.Change{"roles": {Old: nu.Roles.Strings(), New: asked.Strings()}, "role_change": {New: change}}})
	})
	return id, err
}

// SetRoles changes a user's roles and organisation, and reports whether the change
// waits for a second admin instead. Nobody changes their own roles. When a person (not a
// job or command) grants agent, CISO or admin, the change is only asked for: it waits
// until another admin approves it (ApproveRoleChange). The last active admin keeps the
// admin role, so the directory always has someone who can manage it. Any open role
// change of the user is superseded.
func (s *Service) SetRoles(ctx context.Context, actor audit.Actor, id int64, roles RoleList, orgID *int64) (pending bool, err error) {
	if actor.UserID != 0 && actor.UserID == id {
		return false, ErrOwnRoles
	}
	if err := checkRoles(roles, orgID); err != nil {
		return false, err
	}
	err = database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		// Close the open change first: that waits for an approval of it under way
		// (which locks it), so the roles read next are those it left.
		superseded, err := st.SupersedeRoleChanges(ctx, id)
		if err != nil {
			return err
		}
		old, err := st.ByID(ctx, id)
		if err != nil {
			return err
		}
		ev := audit.Event{Action: "user.set_roles", ObjectType: "user", ObjectID: strconv.FormatInt(id, 10),
			Changes: map[string]audit.Change{"roles": {Old: old.Roles.Strings(), New: roles.Strings()}}}
		if superseded != 0 {
			ev.Changes["superseded_role_change"] = audit.Change{New: superseded}
		}
		if actor.UserID != 0 && len(granted(old.Roles, roles)) > 0 {
			pending = true
			if old.Roles.Has(access.Admin) && !roles.Has(access.Admin) && old.Active {
				if err := s.keepAnAdmin(ctx, st, id); err != nil {
					return err
				}
			}
			change, err := st.AskRoleChange(ctx, id, actor.UserID, old.Roles, roles)
			if err != nil {
				return err
			}
			ev.Action = "user.request_roles"
			ev.Changes["role_change"] = audit.Change{New: change}
		} else if err := s.apply(ctx, st, old, roles, orgID); err != nil {
			return err
		}
		if !equalOrg(old.OrgID, orgID) {
			ev.Changes["org_id"] = audit.Change{Old: old.OrgID, New: orgID}
		}
		if orgID != nil {
			ev.OrgID = *orgID
		}
		return audit.Record(ctx, tx, actor, ev)
	})
	return pending, err
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

// SetPersonalCode sets the Estonian personal code of user id, by which they sign in with
// an ID-card; "" removes it.
func (s *Service) SetPersonalCode(ctx context.Context, actor audit.Actor, id int64, code string) error {
	if code != "" && !ValidPersonalCode(code) {
		return ErrPersonalCode
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		old, err := st.ByID(ctx, id)
		if err != nil {
			return err
		}
		if err := st.SetPersonalCode(ctx, id, code); err != nil {
			if errors.Is(database.Classify(err), database.ErrUniqueViolation) {
				return ErrPersonalCodeTaken
			}
			return err
		}
		// The code names the person: the log keeps it sealed under their own key.
		change := audit.Change{New: audit.Personal{UserID: id, Value: code}}
		if old.PersonalCode != nil {
			change.Old = audit.Personal{UserID: id, Value: *old.PersonalCode}
		}
		ev := audit.Event{Action: "user.set_personal_code", ObjectType: "user", ObjectID: strconv.FormatInt(id, 10),
			Changes: map[string]audit.Change{"personal_code": change}}
		if old.OrgID != nil {
			ev.OrgID = *old.OrgID
		}
		return audit.Record(ctx, tx, actor, ev)
	})
}
