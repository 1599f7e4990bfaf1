package privacy

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
	"tugi/app/user"
)

// The right of a customer to export the data of everyone in their organisation (table
// org_export_rights): their organisation's data protection contact.

const (
	hasOrgExport    = `SELECT EXISTS (SELECT FROM org_export_rights WHERE user_id = $1)`
	grantOrgExport  = `INSERT INTO org_export_rights (user_id, granted_by) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`
	revokeOrgExport = `DELETE FROM org_export_rights WHERE user_id = $1`
)

// ErrNotCustomer refuses the right to staff: they have no organisation to export.
var ErrNotCustomer = errors.New("only a customer may export their organisation")

// HasOrgExportRight reports whether userID may export their organisation's data.
func HasOrgExportRight(ctx context.Context, q database.Queryer, userID int64) (bool, error) {
	var ok bool
	if err := q.GetContext(ctx, &ok, hasOrgExport, userID); err != nil {
		return false, fmt.Errorf("privacy: the export right of %d: %w", userID, err)
	}
	return ok, nil
}

// SetOrgExportRight grants (allow) or withdraws the customer userID's right to export
// their organisation, audited as person.org_export_grant or person.org_export_withdraw.
func (s *Service) SetOrgExportRight(ctx context.Context, actor audit.Actor, userID int64, allow bool) error {
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		u, err := user.NewStore(tx).ByID(ctx, userID)
		if err != nil {
			return err
		}
		if !slices.Contains(u.Roles, access.Customer) || u.OrgID == nil {
			return ErrNotCustomer
		}
		stmt, args, action := revokeOrgExport, []any{userID}, "person.org_export_withdraw"
		if allow {
			var by *int64
			if actor.UserID != 0 {
				by = &actor.UserID
			}
			stmt, args, action = grantOrgExport, []any{userID, by}, "person.org_export_grant"
		}
		res, err := tx.ExecContext(ctx, stmt, args...)
		if err != nil {
			return fmt.Errorf("privacy: %s: %w", action, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // as it was: nothing to audit
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(userID, 10), OrgID: *u.OrgID})
	})
}
