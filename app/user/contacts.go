package user

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
)

// CreateContact adds a customer of organisation orgID for the e-mail address email, as
// mail from an unknown sender makes one (app/inbound): in the caller's transaction q,
// audited as user.create by actor. The contact has no password: they can read and answer
// their tickets by mail, and sign in once a password is set for them. name is the name
// their mail gave ("" for none: the address's local part).
func CreateContact(ctx context.Context, q database.Queryer, actor audit.Actor, email, name string, orgID int64) (*User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	name = strings.TrimSpace(name)
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	st := NewStore(q)
	id, err := st.Create(ctx, NewUser{Email: email, Name: name, Roles: RoleList{access.Customer}, OrgID: &orgID})
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, q, actor, audit.Event{Action: "user.create", ObjectType: "user", ObjectID: strconv.FormatInt(id, 10),
		OrgID: orgID, Changes: map[string]audit.Change{"roles": {New: []string{string(access.Customer)}}, "org_id": {New: orgID},
			"source": {New: "email"}}}); err != nil {
		return nil, err
	}
	return st.ByID(ctx, id)
}
