package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tugi/app/database"
)

// Store reads and writes users and organisations. Make one per transaction.
type Store struct{ q database.Queryer }

// NewStore returns a store that runs its SQL through q.
func NewStore(q database.Queryer) *Store { return &Store{q: q} }

// ByID returns the user with id, or ErrNotFound.
func (s *Store) ByID(ctx context.Context, id int64) (*User, error) {
	return s.get(ctx, getUserByID, id)
}

// ByEmail returns the user with e-mail address email (any case), or ErrNotFound.
func (s *Store) ByEmail(ctx context.Context, email string) (*User, error) {
	return s.get(ctx, getUserByEmail, email)
}

// ByPersonalCode returns the user whose Estonian personal code is code.
func (s *Store) ByPersonalCode(ctx context.Context, code string) (*User, error) {
	return s.get(ctx, getUserByPersonalCode, code)
}

// SetPersonalCode sets the personal code of user id; "" removes it.
func (s *Store) SetPersonalCode(ctx context.Context, id int64, code string) error {
	var v *string
	if code != "" {
		v = &code
	}
	return s.exec(ctx, "set personal code", setPersonalCode, id, v)
}

func (s *Store) get(ctx context.Context, query string, arg any) (*User, error) {
	var u User
	if err := s.q.GetContext(ctx, &u, query, arg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("user store: get %v: %w", arg, err)
	}
	return &u, nil
}

// ListFilter selects a page of users, ordered by e-mail address.
type ListFilter struct {
	Search string // part of the name or e-mail address
	After  string // the last e-mail address of the previous page
	Limit  int
}

// List returns up to f.Limit users after f.After, and whether more follow.
func (s *Store) List(ctx context.Context, f ListFilter) ([]User, bool, error) {
	var us []User
	if err := s.q.SelectContext(ctx, &us, listUsers, f.After, escapeLike(f.Search), f.Limit+1); err != nil {
		return nil, false, fmt.Errorf("user store: list: %w", err)
	}
	if len(us) > f.Limit {
		return us[:f.Limit], true, nil
	}
	return us, false, nil
}

func escapeLike(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// NewUser is what it takes to create a user.
type NewUser struct {
	Email        string
	Name         string
	Roles        RoleList
	OrgID        *int64
	PasswordHash string
}

// Create inserts a user and returns its id.
func (s *Store) Create(ctx context.Context, nu NewUser) (int64, error) {
	var id int64
	err := s.q.GetContext(ctx, &id, insertUser, nu.Email, nu.Name, nu.Roles, nu.OrgID, nu.PasswordHash)
	switch {
	case database.IsConstraint(err, "users_email_key"):
		return 0, ErrEmailTaken
	case database.IsConstraint(err, "users_org_id_fkey"):
		return 0, ErrNoSuchOrg
	case err != nil:
		return 0, fmt.Errorf("user store: create %s: %w", nu.Email, err)
	}
	return id, nil
}

// exec runs a statement that must change exactly one row.
func (s *Store) exec(ctx context.Context, what, query string, args ...any) error {
	res, err := s.q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("user store: %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetRoles replaces a user's roles and organisation.
func (s *Store) SetRoles(ctx context.Context, id int64, roles RoleList, orgID *int64) error {
	err := s.exec(ctx, "set roles", setUserRoles, id, roles, orgID)
	if database.IsConstraint(err, "users_org_id_fkey") {
		return ErrNoSuchOrg
	}
	return err
}

// SetActive activates or deactivates a user.
func (s *Store) SetActive(ctx context.Context, id int64, active bool) error {
	return s.exec(ctx, "set active", setUserActive, id, active)
}

// SetPassword stores a new password hash.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string) error {
	return s.exec(ctx, "set password", setUserPassword, id, hash)
}

// SetLanguage stores the language a user reads Tugi in.
func (s *Store) SetLanguage(ctx context.Context, id int64, lang string) error {
	return s.exec(ctx, "set language", setUserLanguage, id, lang)
}

// RecordSignIn notes that a user has just signed in.
func (s *Store) RecordSignIn(ctx context.Context, id int64) error {
	return s.exec(ctx, "record sign-in", recordSignIn, id)
}

// CountActiveAdmins counts active users with the admin role, except the user except.
// It locks the active admins' rows until the transaction ends, so two transactions that
// each take the admin role from a different one of the last two admins cannot both see
// the other still there: the second waits for the first and then counts again.
func (s *Store) CountActiveAdmins(ctx context.Context, except int64) (int, error) {
	// Lock every active admin, in id order, and leave except out only here: when the
	// query itself left except out, each of two such transactions locked just the other
	// admin's row, then updated its own, and they deadlocked (TestLastAdminRace).
	var ids []int64
	err := s.q.SelectContext(ctx, &ids, lockActiveAdmins)
	if err != nil {
		return 0, fmt.Errorf("user store: count admins: %w", err)
	}
	n := 0
	for _, id := range ids {
		if id != except {
			n++
		}
	}
	return n, nil
}

// OrgFilter selects a page of organisations, ordered by name.
type OrgFilter struct {
	Search string // part of the name
	After  string // the last name of the previous page
	Limit  int
}

// Organisations lists a page of the customer organisations with their number of users,
// and whether more follow.
func (s *Store) Organisations(ctx context.Context, f OrgFilter) ([]Organisation, bool, error) {
	var os []Organisation
	if err := s.q.SelectContext(ctx, &os, listOrgs, f.After, escapeLike(f.Search), f.Limit+1); err != nil {
		return nil, false, fmt.Errorf("user store: list organisations: %w", err)
	}
	if len(os) > f.Limit {
		return os[:f.Limit], true, nil
	}
	return os, false, nil
}

// OrganisationByName returns the organisation called name (any case), or ErrNotFound.
func (s *Store) OrganisationByName(ctx context.Context, name string) (*Organisation, error) {
	var o Organisation
	err := s.q.GetContext(ctx, &o, organisationByName, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("user store: organisation %q: %w", name, err)
	}
	return &o, nil
}

// CreateOrganisation inserts an organisation and returns its id.
func (s *Store) CreateOrganisation(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.q.GetContext(ctx, &id, insertOrganisation, name)
	if database.IsConstraint(err, "organisations_name_key") {
		return 0, ErrOrgNameTaken
	}
	if err != nil {
		return 0, fmt.Errorf("user store: create organisation %q: %w", name, err)
	}
	return id, nil
}

// Counts sums up the directory.
type Counts struct {
	ActiveUsers   int `db:"active_users"`
	Inactive      int `db:"inactive_users"`
	Organisations int `db:"organisations"`
}

// Counts returns how many users (active and not) and organisations there are.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var n Counts
	err := s.q.GetContext(ctx, &n, countUsers)
	if err != nil {
		return n, fmt.Errorf("user store: counts: %w", err)
	}
	return n, nil
}
