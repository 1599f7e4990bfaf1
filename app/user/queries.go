package user

import "database/sql"

// The directory's SQL: every statement the user package runs on users and
// organisations, the only package that writes them.

// userColumns are a User's columns, read from users u LEFT JOIN organisations o.
const userColumns = `u.id, u.email, u.name, u.roles, u.org_id, o.name AS org_name, u.password_hash,
	u.language, u.active, u.available, u.created_at, u.last_sign_in_at, u.personal_code`

// getUserByID reads the user with id $1, with their organisation's name.
const getUserByID = `SELECT ` + userColumns + ` FROM users u LEFT JOIN organisations o ON o.id = u.org_id WHERE u.id = $1`

// getUserByPersonalCode reads the user whose personal code is $1.
const getUserByPersonalCode = `SELECT ` + userColumns + ` FROM users u LEFT JOIN organisations o ON o.id = u.org_id WHERE u.personal_code = $1`

// setPersonalCode sets the personal code of user $1 ($2; NULL for none).
const setPersonalCode = `UPDATE users SET personal_code = $2 WHERE id = $1`

// getUserByEmail reads the user with e-mail address $1 (any case), with their
// organisation's name.
const getUserByEmail = `SELECT ` + userColumns + ` FROM users u LEFT JOIN organisations o ON o.id = u.org_id WHERE u.email = lower($1)`

// listUsers reads up to $3 users by e-mail address, after the address $1 (a page's
// start; empty for the first), whose name or address holds $2 (escaped for LIKE; empty
// for all).
const listUsers = `
SELECT ` + userColumns + `
FROM users u LEFT JOIN organisations o ON o.id = u.org_id
WHERE ($1 = '' OR u.email > $1)
  AND ($2 = '' OR u.email ILIKE '%' || $2 || '%' OR u.name ILIKE '%' || $2 || '%')
ORDER BY u.email
LIMIT $3`

// insertUser writes a new user and returns their id; a password hash ($5) also sets
// when the password was changed.
const insertUser = `
INSERT INTO users (email, name, roles, org_id, password_hash, password_changed_at)
VALUES (lower($1), $2, $3, $4, $5, CASE WHEN $5 <> '' THEN now() END)
RETURNING id`

// setUserRoles writes user $1's roles ($2) and organisation ($3).
const setUserRoles = `UPDATE users SET roles = $2, org_id = $3 WHERE id = $1`

// setUserActive writes whether user $1 may sign in.
const setUserActive = `UPDATE users SET active = $2 WHERE id = $1`

// setUserPassword writes user $1's password hash, and that it changed now.
const setUserPassword = `UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1`

// setUserLanguage writes the language user $1 reads Tugi in.
const setUserLanguage = `UPDATE users SET language = $2 WHERE id = $1`

// recordSignIn writes that user $1 signed in now.
const recordSignIn = `UPDATE users SET last_sign_in_at = now() WHERE id = $1`

// lockAvailability reads whether the agent $1 takes new tickets now, and locks their row
// FOR NO KEY UPDATE until the transaction ends; no row when $1 is no agent.
const lockAvailability = `SELECT available FROM users WHERE id = $1 AND 'agent' = ANY (roles) FOR NO KEY UPDATE`

// setAvailability writes whether the user $1 takes new tickets ($2).
const setAvailability = `UPDATE users SET available = $2 WHERE id = $1`

// lockActiveAdmins reads the ids of the active admins, in id order, locking their rows
// until the transaction ends (see Store.CountActiveAdmins).
const lockActiveAdmins = `SELECT id FROM users WHERE active AND 'admin' = ANY (roles) ORDER BY id FOR UPDATE`

// userIDByEmail reads the id of the user with e-mail address $1 (any case).
const userIDByEmail = `SELECT id FROM users WHERE email = lower($1)`

// namesByID reads the names of the users with ids $1 and the organisations with ids $2,
// org telling which is which.
const namesByID = `
SELECT id, name, false AS org FROM users WHERE id = ANY ($1)
UNION ALL
SELECT id, name, true FROM organisations WHERE id = ANY ($2)`

// countUsers reads how many users are active and inactive, and how many organisations
// there are.
const countUsers = `
SELECT count(*) FILTER (WHERE active) AS active_users,
       count(*) FILTER (WHERE NOT active) AS inactive_users,
       (SELECT count(*) FROM organisations) AS organisations
FROM users`

// listOrgs reads up to $3 organisations by name, after the name $1 (a page's start;
// empty for the first), whose name holds $2 (escaped for LIKE; empty for all), each
// with its number of users. It walks organisations_name_key from the page's start, and
// counts the members of the page's organisations alone.
const listOrgs = `
SELECT o.id, o.name, o.created_at, (SELECT count(*) FROM users u WHERE u.org_id = o.id) AS members
FROM organisations o
WHERE ($1 = '' OR lower(o.name) > lower($1))
  AND ($2 = '' OR o.name ILIKE '%' || $2 || '%')
ORDER BY lower(o.name)
LIMIT $3`

// organisationByName reads the organisation called $1 (any case).
const organisationByName = `SELECT id, name, created_at FROM organisations WHERE lower(name) = lower($1)`

// insertOrganisation writes a new organisation called $1 and returns its id.
const insertOrganisation = `INSERT INTO organisations (name) VALUES ($1) RETURNING id`

// selectOrganisationsNamed reads up to $2 organisations whose name begins with $1 (in
// any case), the one called exactly so first. (left(), not LIKE: the name may hold % or _.)
const selectOrganisationsNamed = `
SELECT id, name FROM organisations
WHERE left(lower(name), length($1)) = lower($1)
ORDER BY lower(name) = lower($1) DESC, lower(name), id
LIMIT $2`

// ViewerColumns are the columns of the user a request acts as, read beside another
// table's (its session's) from users u LEFT JOIN organisations o: what an access.Viewer
// holds, and not the password's hash. Scan them into the destinations of a ViewerRow.
const ViewerColumns = `u.id, u.email, u.name, u.roles, u.org_id, o.name, u.language, u.active, u.available`

// ViewerRow receives ViewerColumns by hand, without reflection: every signed-in request
// reads one.
type ViewerRow struct {
	id        sql.NullInt64
	email     sql.NullString
	name      sql.NullString
	roles     RoleList
	orgID     sql.NullInt64
	orgName   sql.NullString
	language  sql.NullString
	active    sql.NullBool
	available sql.NullBool
}

// Dest returns the destinations of ViewerColumns, in their order, for Scan.
func (r *ViewerRow) Dest() []any {
	return []any{&r.id, &r.email, &r.name, &r.roles, &r.orgID, &r.orgName, &r.language, &r.active, &r.available}
}

// User returns the user read, or nil when the row had none.
func (r *ViewerRow) User() *User {
	if !r.id.Valid {
		return nil
	}
	u := &User{ID: r.id.Int64, Email: r.email.String, Name: r.name.String, Roles: r.roles, Language: r.language.String,
		Active: r.active.Bool, Available: r.available.Bool}
	if r.orgID.Valid {
		u.OrgID = &r.orgID.Int64
	}
	if r.orgName.Valid {
		u.OrgName = &r.orgName.String
	}
	return u
}

// ---- Role changes that wait for a second admin ----

// insertRoleChange writes an open request by $2 to change user $1's roles from $3 to $4,
// and returns its id.
const insertRoleChange = `
INSERT INTO role_changes (user_id, asked_by, from_roles, to_roles)
VALUES ($1, $2, $3, $4)
RETURNING id`

// supersedeRoleChanges closes user $1's open role change, if any, as superseded, and
// returns its id.
const supersedeRoleChanges = `
UPDATE role_changes SET outcome = 'superseded', decided_at = now()
WHERE user_id = $1 AND outcome IS NULL
RETURNING id`

// roleChangeColumns are a RoleChange's columns, read from role_changes c with the names
// of the person (p) and of the admin who asked (a).
const roleChangeColumns = `c.id, c.user_id, p.name AS user_name, c.asked_by, a.name AS asked_by_name,
	c.from_roles, c.to_roles, c.asked_at, c.outcome`

// getRoleChange reads role change $1.
const getRoleChange = `
SELECT ` + roleChangeColumns + `
FROM role_changes c JOIN users p ON p.id = c.user_id JOIN users a ON a.id = c.asked_by
WHERE c.id = $1`

// lockRoleChange reads role change $1 and locks it until the transaction ends.
const lockRoleChange = getRoleChange + ` FOR UPDATE OF c`

// openRoleChangeOf reads user $1's open role change; no row when there is none.
const openRoleChangeOf = `
SELECT ` + roleChangeColumns + `
FROM role_changes c JOIN users p ON p.id = c.user_id JOIN users a ON a.id = c.asked_by
WHERE c.user_id = $1 AND c.outcome IS NULL`

// openRoleChangesFor reads the open role changes that admin $1 may decide (those neither
// asked by them nor about them), oldest first.
const openRoleChangesFor = `
SELECT ` + roleChangeColumns + `
FROM role_changes c JOIN users p ON p.id = c.user_id JOIN users a ON a.id = c.asked_by
WHERE c.outcome IS NULL AND c.asked_by <> $1 AND c.user_id <> $1
ORDER BY c.asked_at, c.id`

// decideRoleChange closes open role change $1 with outcome $2, decided by user $3.
const decideRoleChange = `
UPDATE role_changes SET outcome = $2, decided_by = $3, decided_at = now()
WHERE id = $1 AND outcome IS NULL`

// listCISOs reads the active CISOs, who hear of every grant of agent, CISO or admin.
const listCISOs = `SELECT id, name, email, language FROM users WHERE active AND 'ciso' = ANY (roles) ORDER BY id`

// countActiveAdmins reads how many active admins there are, without locking them (for
// the pages; a change counts them with lockActiveAdmins).
const countActiveAdmins = `SELECT count(*) FROM users WHERE active AND 'admin' = ANY (roles)`

// nameOfUser reads the name of user $1.
const nameOfUser = `SELECT name FROM users WHERE id = $1`

// holdersOfRoles reads the active people holding any of the roles $1.
const holdersOfRoles = `
SELECT id, email, name, language FROM users
WHERE active AND roles && $1::text[]
ORDER BY email`

// getOrganisation reads organisation $1 with its number of users.
const getOrganisation = `
SELECT o.id, o.name, o.created_at, (SELECT count(*) FROM users u WHERE u.org_id = o.id) AS members
FROM organisations o WHERE o.id = $1`

// listContacts reads the first $2 people of organisation $1, active first, by name.
const listContacts = `
SELECT ` + userColumns + `
FROM users u JOIN organisations o ON o.id = u.org_id
WHERE u.org_id = $1
ORDER BY NOT u.active, lower(u.name), u.id
LIMIT $2`
