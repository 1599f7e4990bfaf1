package user_test

import (
	"context"
	"errors"
	"testing"

	"tugi/app/apptest"
	"tugi/app/user"
)

// A typed organisation name reads as the organisation called so, or the only one whose
// name begins so; otherwise the error says which of the two ways it failed, with the
// sentence the form shows.
func TestReadOrganisation(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	ctx := context.Background()
	if _, err := user.NewStore(app.DB).CreateOrganisation(ctx, "Demo Customer OÜ Holding"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typed, want string
		err         error
		message     string
	}{
		{typed: "second customer as", want: "Second Customer AS"},
		{typed: " Sec ", want: "Second Customer AS"},
		{typed: "demo customer oü", want: "Demo Customer OÜ"}, // called so, though another begins so
		{typed: "Demo", err: user.ErrSeveralOrganisationsNamed, message: "Several organisations have a name beginning so: type more of it."},
		{typed: "Nobody", err: user.ErrNoOrganisationNamed, message: "No organisation has a name beginning so."},
		{typed: "%", err: user.ErrNoOrganisationNamed, message: "No organisation has a name beginning so."},
	} {
		o, err := user.ReadOrganisation(ctx, app.DB, tc.typed)
		if tc.err == nil {
			if err != nil || o.Name != tc.want {
				t.Errorf("%q: read %q, %v; want %q", tc.typed, o.Name, err, tc.want)
			}
			continue
		}
		var named *user.OrganisationNameError
		if !errors.Is(err, tc.err) || !errors.As(err, &named) || named.Message() != tc.message {
			t.Errorf("%q: read %q, %v; want %v saying %q", tc.typed, o.Name, err, tc.err, tc.message)
		}
	}
}
