package user

import (
	"context"
	"fmt"
	"strings"

	"tugi/app/database"
	"tugi/app/web"
)

// OrgName is a customer organisation as a typed field names it.
type OrgName struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// selectOrganisationsNamed: the organisations whose name begins with $1 (in any case),
// the one called exactly so first. (left(), not LIKE: the name may hold % or _.)
const selectOrganisationsNamed = `
SELECT id, name FROM organisations
WHERE left(lower(name), length($1)) = lower($1)
ORDER BY lower(name) = lower($1) DESC, lower(name), id
LIMIT $2`

// OrganisationsNamed lists at most limit customer organisations whose name begins with
// name, in any case: the one called exactly so first, then by name. The forms that name
// an organisation offer these as suggestions, instead of a select of every customer.
func OrganisationsNamed(ctx context.Context, q database.Queryer, name string, limit int) ([]OrgName, error) {
	var os []OrgName
	if err := q.SelectContext(ctx, &os, selectOrganisationsNamed, strings.TrimSpace(name), limit); err != nil {
		return nil, fmt.Errorf("user: organisations named %q: %w", name, err)
	}
	return os, nil
}

// ReadOrganisation reads the organisation typed in the form's field: the one called so
// (in any case), or the only one whose name begins so. When none or several fit, it says
// so beside the field and returns false.
func ReadOrganisation(ctx context.Context, q database.Queryer, form *web.Form, field, typed string) (OrgName, bool, error) {
	os, err := OrganisationsNamed(ctx, q, typed, 2)
	if err != nil {
		return OrgName{}, false, err
	}
	switch {
	case len(os) > 0 && strings.EqualFold(os[0].Name, strings.TrimSpace(typed)), len(os) == 1:
		return os[0], true, nil
	case len(os) == 0:
		form.Fail(field, "No organisation has a name beginning so.")
	default:
		form.Fail(field, "Several organisations have a name beginning so: type more of it.")
	}
	return OrgName{}, false, nil
}
