// Package access holds who is asking (the Viewer), the roles Tugi knows, and the rules
// that decide what a viewer may reach. Routes declare a Rule each (see app/server), and
// features decide per object with the helpers here, so the rules live in one place.
package access

import (
	"slices"
	"strings"
)

// Role is one of the five roles of Tugi. Customer users hold only the customer role;
// staff may hold several of the others.
type Role string

// The roles, in the order pages list them.
const (
	Customer Role = "customer"
	Employee Role = "employee"
	Agent    Role = "agent"
	CISO     Role = "ciso"
	Admin    Role = "admin"
)

// Roles lists every role.
var Roles = []Role{Customer, Employee, Agent, CISO, Admin}

// StaffRoles lists the roles a staff member may hold.
var StaffRoles = []Role{Employee, Agent, CISO, Admin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Label is the role's name as people read it.
func (r Role) Label() string {
	switch r {
	case CISO:
		return "CISO"
	case Agent:
		return "Support agent"
	default:
		return strings.ToUpper(string(r[:1])) + string(r[1:])
	}
}

// Viewer is the signed-in person a request acts for.
type Viewer struct {
	UserID     int64
	Email      string
	Name       string
	Roles      []Role
	OrgID      int64 // the customer's organisation; 0 for staff
	OrgName    string
	Lang       string
	SessionID  int64
	AuthMethod string // how this session signed in: "password" (later also "totp", "idcard")
	Available  bool   // an agent taking new tickets now (app/routing), as the request began
}

// Has reports whether v holds role r.
func (v *Viewer) Has(r Role) bool { return v != nil && slices.Contains(v.Roles, r) }

// HasAny reports whether v holds at least one of rs.
func (v *Viewer) HasAny(rs ...Role) bool {
	for _, r := range rs {
		if v.Has(r) {
			return true
		}
	}
	return false
}

// IsCustomer reports whether v is a customer user, bound to one organisation.
func (v *Viewer) IsCustomer() bool { return v.Has(Customer) }

// IsStaff reports whether v is a member of the vendor's staff.
func (v *Viewer) IsStaff() bool { return v != nil && !v.IsCustomer() }

// RoleStrings returns v's roles as strings, for the audit log.
func (v *Viewer) RoleStrings() []string {
	s := make([]string, len(v.Roles))
	for i, r := range v.Roles {
		s[i] = string(r)
	}
	return s
}

// Rule says who may use a route.
type Rule struct {
	public bool
	roles  []Role // empty with !public: anyone signed in
}

// Public routes need no sign-in (the sign-in page, health checks, static files).
var Public = Rule{public: true}

// SignedIn routes are for anyone signed in, whatever their roles.
var SignedIn = Rule{}

// AnyOf routes are for people who hold at least one of roles.
func AnyOf(roles ...Role) Rule { return Rule{roles: roles} }

// IsPublic reports whether the rule lets anyone in.
func (r Rule) IsPublic() bool { return r.public }

// Allows reports whether v may use a route with this rule. A nil v is not signed in.
func (r Rule) Allows(v *Viewer) bool {
	if r.public {
		return true
	}
	if v == nil {
		return false
	}
	return len(r.roles) == 0 || v.HasAny(r.roles...)
}

// String describes the rule for route listings and tests.
func (r Rule) String() string {
	switch {
	case r.public:
		return "public"
	case len(r.roles) == 0:
		return "signed in"
	}
	s := make([]string, len(r.roles))
	for i, role := range r.roles {
		s[i] = string(role)
	}
	return strings.Join(s, "|")
}
