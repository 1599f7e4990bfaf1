package user

import (
	"context"
	"slices"

	"tugi/app/access"
	"tugi/app/database"
)

// OrgExportRight tells whether the customer userID may export their organisation's data
// (app/privacy keeps that right and serves the export).
type OrgExportRight func(ctx context.Context, q database.Queryer, userID int64) (bool, error)

// WithOrgExportRight makes the user page show a customer's right to export their
// organisation's data, and offer to grant or withdraw it.
func (a *Admin) WithOrgExportRight(f OrgExportRight) *Admin {
	a.orgExport = f
	return a
}

// orgExportOf is u's right as the user page shows it: "yes", "no", or "" for staff.
func (a *Admin) orgExportOf(ctx context.Context, u *User) (string, error) {
	if a.orgExport == nil || !slices.Contains(u.Roles, access.Customer) {
		return "", nil
	}
	ok, err := a.orgExport(ctx, a.db, u.ID)
	if err != nil || !ok {
		return "no", err
	}
	return "yes", nil
}
