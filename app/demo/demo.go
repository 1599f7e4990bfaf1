// Package demo loads the people and organisations that the README, newcomers and outside
// checks sign in as. It loads into the embedded database on its first start, and into any
// other database only when asked (`tugi demo`).
package demo

import (
	"context"
	"fmt"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/user"
)

// Password is every demo user's password.
const Password = "tugi-demo-password"

// Organisations are the demo customer organisations.
var Organisations = []string{"Demo Customer OÜ", "Second Customer AS"}

// Person is a demo user.
type Person struct {
	Email string
	Name  string
	Roles []access.Role
	Org   string // for customers: one of Organisations
}

// People are the demo users, as listed in the README.
var People = []Person{
	{"customer@demo-customer.example", "Mari Maasikas", []access.Role{access.Customer}, "Demo Customer OÜ"},
	{"customer@second-customer.example", "Jaan Tamm", []access.Role{access.Customer}, "Second Customer AS"},
	{"employee@tugi.example", "Eva Employee", []access.Role{access.Employee}, ""},
	{"agent@tugi.example", "Andres Agent", []access.Role{access.Employee, access.Agent}, ""},
	{"agent2@tugi.example", "Kadri Kask", []access.Role{access.Employee, access.Agent}, ""},
	{"ciso@tugi.example", "Sirje Security", []access.Role{access.Employee, access.CISO}, ""},
	{"admin@tugi.example", "Toomas Admin", []access.Role{access.Employee, access.Admin}, ""},
}

// Load creates the demo organisations and people through svc, audited as the "demo" job.
func Load(ctx context.Context, svc *user.Service) error {
	actor := audit.Job("demo")
	orgIDs := map[string]int64{}
	for _, name := range Organisations {
		id, err := svc.CreateOrganisation(ctx, actor, name)
		if err != nil {
			return fmt.Errorf("demo: organisation %s: %w", name, err)
		}
		orgIDs[name] = id
	}
	hash, err := user.HashPassword(Password)
	if err != nil {
		return err
	}
	for _, p := range People {
		nu := user.NewUser{Email: p.Email, Name: p.Name, Roles: user.RoleList(p.Roles), PasswordHash: hash}
		if p.Org != "" {
			id := orgIDs[p.Org]
			nu.OrgID = &id
		}
		if _, err := svc.Create(ctx, actor, nu); err != nil {
			return fmt.Errorf("demo: user %s: %w", p.Email, err)
		}
	}
	return nil
}
