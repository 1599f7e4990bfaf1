package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
)

// AuditDirectory answers the audit pages' questions about the people and organisations
// the log names by id (audit.Namer, and the audit page's filters).
type AuditDirectory struct{ q database.Queryer }

// NewAuditDirectory returns the directory as the audit pages need it.
func NewAuditDirectory(q database.Queryer) AuditDirectory { return AuditDirectory{q: q} }

// UserIDByEmail returns the id of the person with this e-mail address (any case); ok is
// false when there is none.
func (d AuditDirectory) UserIDByEmail(ctx context.Context, email string) (id int64, ok bool, err error) {
	err = d.q.GetContext(ctx, &id, userIDByEmail, email)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("user directory: find %q: %w", email, err)
	}
	return id, true, nil
}

// Names returns the current names of the people and organisations with these ids; ids
// that no longer exist are left out.
func (d AuditDirectory) Names(ctx context.Context, userIDs, orgIDs []int64) (people, orgs map[int64]string, err error) {
	people, orgs = map[int64]string{}, map[int64]string{}
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
		Org  bool   `db:"org"`
	}
	err = d.q.SelectContext(ctx, &rows, namesByID, pq.Int64Array(userIDs), pq.Int64Array(orgIDs))
	if err != nil {
		return nil, nil, fmt.Errorf("user directory: names: %w", err)
	}
	for _, r := range rows {
		if r.Org {
			orgs[r.ID] = r.Name
		} else {
			people[r.ID] = r.Name
		}
	}
	return people, orgs, nil
}

// ReadOrganisation returns the id of the organisation typed (see the function
// ReadOrganisation); when the name fits none or several, the error is an
// *OrganisationNameError, whose Message the audit page shows beside the field.
func (d AuditDirectory) ReadOrganisation(ctx context.Context, typed string) (int64, error) {
	o, err := ReadOrganisation(ctx, d.q, typed)
	return o.ID, err
}

// OrganisationsNamed suggests at most limit organisations whose name begins with name.
func (d AuditDirectory) OrganisationsNamed(ctx context.Context, name string, limit int) ([]audit.Named, error) {
	os, err := OrganisationsNamed(ctx, d.q, name, limit)
	named := make([]audit.Named, len(os))
	for i, o := range os {
		named[i] = audit.Named{ID: o.ID, Name: o.Name}
	}
	return named, err
}
