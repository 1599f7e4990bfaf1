// Package user is Tugi's directory of people and customer organisations: the model, its
// store, the operations that change it (each audited in its own transaction), and the
// admin pages that manage it.
package user

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lib/pq"

	"tugi/app/access"
)

// User is a person who can sign in to Tugi.
type User struct {
	ID           int64      `db:"id"`
	Email        string     `db:"email"`
	Name         string     `db:"name"`
	Roles        RoleList   `db:"roles"`
	OrgID        *int64     `db:"org_id"`
	OrgName      *string    `db:"org_name"`
	PasswordHash string     `db:"password_hash"`
	Language     string     `db:"language"`
	Active       bool       `db:"active"`
	Available    bool       `db:"available"` // an agent taking new tickets (app/routing)
	CreatedAt    time.Time  `db:"created_at"`
	LastSignInAt *time.Time `db:"last_sign_in_at"`
	PersonalCode *string    `db:"personal_code"` // Estonian isikukood, for ID-card sign-in
}

// Viewer returns the access.Viewer that u acts as.
func (u *User) Viewer() *access.Viewer {
	v := &access.Viewer{UserID: u.ID, Email: u.Email, Name: u.Name, Roles: u.Roles, Lang: u.Language, Available: u.Available}
	if u.OrgID != nil {
		v.OrgID = *u.OrgID
	}
	if u.OrgName != nil {
		v.OrgName = *u.OrgName
	}
	return v
}

// Organisation is a customer organisation.
type Organisation struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name"`
	CreatedAt time.Time `db:"created_at"`
	Members   int       `db:"members"`
}

// RoleList is a user's roles, stored as a PostgreSQL text array.
type RoleList []access.Role

// Scan implements sql.Scanner.
func (rl *RoleList) Scan(src any) error {
	var a pq.StringArray
	if err := a.Scan(src); err != nil {
		return err
	}
	*rl = make(RoleList, len(a))
	for i, s := range a {
		(*rl)[i] = access.Role(s)
	}
	return nil
}

// Value implements driver.Valuer.
func (rl RoleList) Value() (driver.Value, error) { return pq.StringArray(rl.Strings()).Value() }

// Strings returns the roles as strings.
func (rl RoleList) Strings() []string {
	s := make([]string, len(rl))
	for i, r := range rl {
		s[i] = string(r)
	}
	return s
}

// Has reports whether the list holds r.
func (rl RoleList) Has(r access.Role) bool { return slices.Contains(rl, r) }

// Errors of the directory that a person can fix.
var (
	ErrNotFound          = errors.New("not found")
	ErrEmailTaken        = errors.New("a user with this e-mail address already exists")
	ErrOrgNameTaken      = errors.New("an organisation with this name already exists")
	ErrNoSuchOrg         = errors.New("no such organisation")
	ErrNoRoles           = errors.New("choose at least one role")
	ErrUnknownRole       = errors.New("unknown role")
	ErrCustomerAlone     = errors.New("a customer user holds only the customer role")
	ErrCustomerNeedOrg   = errors.New("a customer user belongs to an organisation")
	ErrStaffHaveNoOrg    = errors.New("staff do not belong to a customer organisation")
	ErrLastAdmin         = errors.New("this is the last active admin: make someone else admin first")
	ErrPersonalCode      = errors.New("not an Estonian personal code")
	ErrPersonalCodeTaken = errors.New("another person has this personal code")
)

// ValidPersonalCode reports whether code is an Estonian personal code (isikukood): eleven
// digits, the first 1 to 6, the last the check digit of the ten before it.
func ValidPersonalCode(code string) bool {
	if len(code) != 11 || code[0] < '1' || code[0] > '6' {
		return false
	}
	d := make([]int, 11)
	for i, r := range code {
		if r < '0' || r > '9' {
			return false
		}
		d[i] = int(r - '0')
	}
	sum := func(first int) int {
		s := 0
		for i := range 10 {
			s += d[i] * ((first+i-1)%9 + 1)
		}
		return s % 11
	}
	check := sum(1)
	if check == 10 {
		if check = sum(3); check == 10 {
			check = 0
		}
	}
	return check == d[10]
}

// checkRoles checks a role set and organisation against the rules of the users table,
// so a person gets a message instead of a constraint violation.
func checkRoles(roles RoleList, orgID *int64) error {
	if len(roles) == 0 {
		return ErrNoRoles
	}
	for _, r := range roles {
		if !r.Valid() {
			return fmt.Errorf("%w %q", ErrUnknownRole, r)
		}
	}
	if roles.Has(access.Customer) {
		if len(roles) > 1 {
			return ErrCustomerAlone
		}
		if orgID == nil {
			return ErrCustomerNeedOrg
		}
	} else if orgID != nil {
		return ErrStaffHaveNoOrg
	}
	return nil
}
