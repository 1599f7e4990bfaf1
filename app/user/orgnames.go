package user

import (
	"context"
	"fmt"
	"strings"

	"tugi/app/database"
)

// OrgName is a customer organisation as a typed field names it.
type OrgName struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// OrganisationNameError says why a name typed for an organisation reads as none: no
// organisation's name begins so (ErrNoOrganisationNamed), or several do
// (ErrSeveralOrganisationsNamed). A handler shows its Message beside the field typed in.
type OrganisationNameError struct{ several bool }

// The two ways a typed organisation name can fail to name one organisation.
var (
	ErrNoOrganisationNamed       = &OrganisationNameError{}
	ErrSeveralOrganisationsNamed = &OrganisationNameError{several: true}
)

func (e *OrganisationNameError) Error() string {
	if e.several {
		return "several organisations have a name beginning so"
	}
	return "no organisation has a name beginning so"
}

// Message is the sentence a person reads beside the field, in English (the page
// translates it).
func (e *OrganisationNameError) Message() string { return errorMessage(e) }

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

// ReadOrganisation reads the organisation a person typed: the one called so (in any
// case), or the only one whose name begins so. When none or several fit, it returns
// ErrNoOrganisationNamed or ErrSeveralOrganisationsNamed (an *OrganisationNameError).
func ReadOrganisation(ctx context.Context, q database.Queryer, typed string) (OrgName, error) {
	os, err := OrganisationsNamed(ctx, q, typed, 2)
	switch {
	case err != nil:
		return OrgName{}, err
	case len(os) > 0 && strings.EqualFold(os[0].Name, strings.TrimSpace(typed)), len(os) == 1:
		return os[0], nil
	case len(os) == 0:
		return OrgName{}, ErrNoOrganisationNamed
	}
	return OrgName{}, ErrSeveralOrganisationsNamed
}
